package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/store/internal/policyjson"
)

var (
	_ policy.Store         = (*Store)(nil)
	_ policy.AppliedReader = (*Store)(nil)
)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	// $2 is the JSON text, which pgx passes to a json parameter as it is.
	savePolicy = `
		INSERT INTO {schema}.policies (name, body) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body`

	// One statement deletes the policy and the record of whom it applied
	// to (the CTE runs whether or not its result is read), so neither
	// goes without the other. The count is the policies'.
	deletePolicy = `
		WITH applied AS (DELETE FROM {schema}.policy_applied WHERE policy = $1)
		DELETE FROM {schema}.policies WHERE name = $1`

	listPolicies = `SELECT name, body FROM {schema}.policies ORDER BY name`

	policyApplied = `
		SELECT first_at FROM {schema}.policy_applied WHERE user_id = $1 AND policy = $2`

	// The no-op update makes the row come back when another call inserted
	// it first: concurrent calls queue on the row, and each returns the
	// time the first committed.
	recordPolicyApplied = `
		INSERT INTO {schema}.policy_applied (user_id, policy, first_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, policy) DO UPDATE SET first_at = {schema}.policy_applied.first_at
		RETURNING first_at`

	// The primary key (user_id, policy) serves it, a lookup per user.
	policyAppliedTo = `
		SELECT user_id, first_at FROM {schema}.policy_applied
		WHERE policy = $1 AND user_id = ANY($2)`
)

// SavePolicy implements [policy.Store]. A level without a name, or a
// deadline RFC 3339 cannot write, is refused with an error wrapping
// [policy.ErrInvalid] (see [policyjson.Check]).
func (s *Store) SavePolicy(ctx context.Context, p policy.Policy) error {
	body, err := policyjson.Marshal(p)
	if err != nil {
		return fmt.Errorf("postgres: save policy: %w", err)
	}
	if _, err := s.db(ctx).Exec(ctx, s.q.savePolicy, p.Name, string(body)); err != nil {
		return fmt.Errorf("postgres: save policy: %w", err)
	}
	return nil
}

// DeletePolicy implements [policy.Store], in one statement. The record of
// whom the policy applied to goes even when there is no such policy: a
// policy of the host's configuration is recorded without being stored.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.deletePolicy, name)
	if err != nil {
		return fmt.Errorf("postgres: delete policy: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return policy.ErrNotFound
	}
	return nil
}

// Policies implements [policy.Store]. Names are ordered byte by byte (the
// column's collation is "C"), as Go's strings.Compare orders them.
func (s *Store) Policies(ctx context.Context) ([]policy.Policy, error) {
	rows, err := s.db(ctx).Query(ctx, s.q.listPolicies)
	if err != nil {
		return nil, fmt.Errorf("postgres: list policies: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (policy.Policy, error) {
		var name string
		var body []byte
		if err := row.Scan(&name, &body); err != nil {
			return policy.Policy{}, err
		}
		return policyjson.Unmarshal(name, body)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list policies: %w", err)
	}
	return ps, nil
}

// PolicyApplied implements [policy.Store]. The row, once written, only
// changes by being deleted, so a read that finds it is the answer: a
// sign-in after the first writes nothing. Otherwise one upsert decides.
func (s *Store) PolicyApplied(ctx context.Context, userID, name string, now time.Time) (time.Time, error) {
	db := s.db(ctx)
	var first int64
	err := db.QueryRow(ctx, s.q.policyApplied, userID, name).Scan(&first)
	if errors.Is(err, pgx.ErrNoRows) {
		err = db.QueryRow(ctx, s.q.recordPolicyApplied, userID, name, millis(now)).Scan(&first)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: policy applied: %w", err)
	}
	return fromMillis(first), nil
}

// PolicyAppliedTo implements [policy.Store], in one statement.
func (s *Store) PolicyAppliedTo(ctx context.Context, name string, userIDs []string) (map[string]time.Time, error) {
	if len(userIDs) > policy.MaxAppliedBatch {
		return nil, policy.ErrTooMany
	}
	out := map[string]time.Time{}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := s.db(ctx).Query(ctx, s.q.policyAppliedTo, name, userIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: policy applied to: %w", err)
	}
	var id string
	var first int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &first}, func() error {
		out[id] = fromMillis(first)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: policy applied to: %w", err)
	}
	return out, nil
}
