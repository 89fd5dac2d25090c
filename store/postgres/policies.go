package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	// Creating a name deleted before takes its row back, one revision on;
	// a live one is left as it is. Updating changes nothing at another
	// revision: a concurrent update holds the row, and this one then
	// finds the revision that one committed.
	createPolicy = `
		INSERT INTO {schema}.policies AS p (name, body) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body, revision = p.revision + 1, deleted = false
		WHERE p.deleted`
	updatePolicy = `
		UPDATE {schema}.policies SET body = $2, revision = revision + 1
		WHERE name = $1 AND revision = $3 AND NOT deleted`

	// One statement marks the policy deleted, one revision on, and
	// deletes the record of whom it applied to (a CTE runs whether or not
	// its result is read), so neither goes without the other.
	deletePolicy = `
		WITH gone AS (
			UPDATE {schema}.policies SET deleted = true, revision = revision + 1
			WHERE name = $1 AND NOT deleted AND ($2::integer = 0 OR revision = $2) RETURNING name),
		applied AS (DELETE FROM {schema}.policy_applied WHERE policy = $1 AND EXISTS (SELECT FROM gone))
		SELECT EXISTS (SELECT FROM gone)`

	// Whether a policy of that name is stored, after a delete that found
	// none at its revision: a statement of its own, which sees what
	// committed meanwhile (a concurrent delete).
	policyLive = `SELECT NOT deleted FROM {schema}.policies WHERE name = $1`

	listPolicies = `SELECT name, body, revision FROM {schema}.policies WHERE NOT deleted ORDER BY name`

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
	var tag pgconn.CommandTag
	none := policy.ErrExists
	if p.Revision == 0 {
		tag, err = s.db(ctx).Exec(ctx, s.q.createPolicy, p.Name, string(body))
	} else {
		tag, err = s.db(ctx).Exec(ctx, s.q.updatePolicy, p.Name, string(body), p.Revision)
		none = policy.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("postgres: save policy: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return none
	}
	return nil
}

// DeletePolicy implements [policy.Store], in one statement; when it
// deletes nothing, a second tells a policy at another revision from none.
func (s *Store) DeletePolicy(ctx context.Context, name string, revision int) error {
	var gone, live bool
	if err := s.db(ctx).QueryRow(ctx, s.q.deletePolicy, name, revision).Scan(&gone); err != nil {
		return fmt.Errorf("postgres: delete policy: %w", err)
	}
	if gone {
		return nil
	}
	switch err := s.db(ctx).QueryRow(ctx, s.q.policyLive, name).Scan(&live); {
	case errors.Is(err, pgx.ErrNoRows), err == nil && !live:
		return policy.ErrNotFound
	case err != nil:
		return fmt.Errorf("postgres: delete policy: %w", err)
	}
	return policy.ErrConflict
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
		var revision int
		if err := row.Scan(&name, &body, &revision); err != nil {
			return policy.Policy{}, err
		}
		p, err := policyjson.Unmarshal(name, body)
		p.Revision = revision
		return p, err
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
