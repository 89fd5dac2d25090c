package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/store/internal/policyjson"
)

var (
	_ policy.Store         = (*Store)(nil)
	_ policy.AppliedReader = (*Store)(nil)
)

// SavePolicy implements [policy.Store]. A level without a name, or a
// deadline RFC 3339 cannot write, is refused with an error wrapping
// [policy.ErrInvalid] (see [policyjson.Check]).
func (s *Store) SavePolicy(ctx context.Context, p policy.Policy) error {
	body, err := policyjson.Marshal(p)
	if err != nil {
		return fmt.Errorf("sqlite: save policy: %w", err)
	}
	// One statement each: the check of the revision and the write are one.
	// Creating a name deleted before takes its row back, one revision on.
	query, args, none := `
		INSERT INTO policies (name, body) VALUES (?1, ?2)
		ON CONFLICT (name) DO UPDATE SET body = excluded.body, revision = revision + 1, deleted = 0
		WHERE deleted`, []any{p.Name, string(body)}, policy.ErrExists
	if p.Revision != 0 {
		query, args, none = `
			UPDATE policies SET body = ?2, revision = revision + 1
			WHERE name = ?1 AND revision = ?3 AND NOT deleted`, append(args, p.Revision), policy.ErrConflict
	}
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: save policy: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: save policy: %w", err)
	} else if n == 0 {
		return none
	}
	return nil
}

// DeletePolicy implements [policy.Store]. The policy is marked deleted,
// one revision on, and the record of whom it applied to goes, in one
// transaction (in InTx, a savepoint of its transaction), which holds the
// write lock from its start: whether the policy is there at another
// revision is still so when it is read.
func (s *Store) DeletePolicy(ctx context.Context, name string, revision int) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: delete policy: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	res, err := tx.ExecContext(ctx, `
		UPDATE policies SET deleted = 1, revision = revision + 1
		WHERE name = ?1 AND NOT deleted AND (?2 = 0 OR revision = ?2)`, name, revision)
	if err != nil {
		return fmt.Errorf("sqlite: delete policy: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete policy: %w", err)
	}
	if n == 0 {
		var live bool
		switch err := tx.QueryRowContext(ctx, `SELECT NOT deleted FROM policies WHERE name = ?1`, name).Scan(&live); {
		case errors.Is(err, sql.ErrNoRows), err == nil && !live:
			return policy.ErrNotFound
		case err != nil:
			return fmt.Errorf("sqlite: delete policy: %w", err)
		}
		return policy.ErrConflict
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM policy_applied WHERE policy = ?1`, name); err != nil {
		return fmt.Errorf("sqlite: delete policy: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete policy: %w", err)
	}
	return nil
}

// Policies implements [policy.Store]. Names are ordered byte by byte
// (SQLite's BINARY collation), as Go's strings.Compare orders them.
func (s *Store) Policies(ctx context.Context) ([]policy.Policy, error) {
	rows, err := s.query(ctx, `SELECT name, body, revision FROM policies WHERE NOT deleted ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list policies: %w", err)
	}
	defer rows.Close()
	var ps []policy.Policy
	for rows.Next() {
		var name, body string
		var revision int
		if err := rows.Scan(&name, &body, &revision); err != nil {
			return nil, fmt.Errorf("sqlite: list policies: %w", err)
		}
		p, err := policyjson.Unmarshal(name, []byte(body))
		if err != nil {
			return nil, fmt.Errorf("sqlite: list policies: %w", err)
		}
		p.Revision = revision
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list policies: %w", err)
	}
	return ps, nil
}

// PolicyApplied implements [policy.Store]. The row, once written, only
// changes by being deleted, so a read that finds it is the answer: a
// sign-in after the first writes nothing. Otherwise one upsert decides,
// inserting now or, when another call inserted first, leaving its time
// and returning it.
func (s *Store) PolicyApplied(ctx context.Context, userID, name string, now time.Time) (time.Time, error) {
	var first int64
	err := s.queryRow(ctx, `
		SELECT first_at FROM policy_applied WHERE user_id = ?1 AND policy = ?2`,
		userID, name).Scan(&first)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.queryRow(ctx, `
			INSERT INTO policy_applied (user_id, policy, first_at) VALUES (?1, ?2, ?3)
			ON CONFLICT (user_id, policy) DO UPDATE SET first_at = first_at
			RETURNING first_at`,
			userID, name, millis(now)).Scan(&first)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: policy applied: %w", err)
	}
	return fromMillis(first), nil
}

// PolicyAppliedTo implements [policy.Store], in one read through the
// primary key, a lookup per user. Its text depends on the number of IDs,
// so it is not kept prepared (see [Store.Accounts]).
func (s *Store) PolicyAppliedTo(ctx context.Context, name string, userIDs []string) (map[string]time.Time, error) {
	if len(userIDs) > policy.MaxAppliedBatch {
		return nil, policy.ErrTooMany
	}
	out := map[string]time.Time{}
	ids := slices.Compact(slices.Sorted(slices.Values(userIDs))) // each once
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, name)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.conn(ctx).QueryContext(ctx, `
		SELECT user_id, first_at FROM policy_applied
		WHERE policy = ?1 AND user_id IN (`+placeholders(2, len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: policy applied to: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var first int64
		if err := rows.Scan(&id, &first); err != nil {
			return nil, fmt.Errorf("sqlite: policy applied to: %w", err)
		}
		out[id] = fromMillis(first)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: policy applied to: %w", err)
	}
	return out, nil
}
