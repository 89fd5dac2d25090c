package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa/lockout"
)

// reserveAttempt is the whole of [lockout.Store.ReserveAttempt] in one
// statement. A new key is inserted with its first failure (and, with a
// threshold of one, its first lock). An existing key is updated only if it
// is not locked; the count starts again from one if it holds an expired
// lock; reaching the threshold locks it until :ends[locks] and counts the
// lock. A locked key is left untouched and no row comes back.
//
// In DO UPDATE SET, bare column names are the row before the update, in
// every expression; hence the repeated new-failures expression.
const reserveAttempt = `
INSERT INTO lockout_attempts (key, failures, locks, locked_until, last_attempt)
VALUES (:key, 1,
	CASE WHEN :threshold <= 1 THEN 1 ELSE 0 END,
	CASE WHEN :threshold <= 1 THEN json_extract(:ends, '$[0]') END,
	:now)
ON CONFLICT (key) DO UPDATE SET
	last_attempt = :now,
	failures = CASE WHEN locked_until IS NULL THEN failures + 1 ELSE 1 END,
	locks = CASE WHEN (CASE WHEN locked_until IS NULL THEN failures + 1 ELSE 1 END) >= :threshold
		THEN locks + 1 ELSE locks END,
	locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failures + 1 ELSE 1 END) >= :threshold
		THEN json_extract(:ends, '$[' || min(locks, :last) || ']') ELSE NULL END
	WHERE lockout_attempts.locked_until IS NULL OR lockout_attempts.locked_until <= :now
RETURNING failures, locked_until`

// ReserveAttempt implements [lockout.Store].
func (s *Store) ReserveAttempt(ctx context.Context, key string, limit lockout.Limit, now time.Time) (lockout.Attempt, error) {
	ends := limit.LockEnds(now)
	args := []any{
		sql.Named("key", key),
		sql.Named("threshold", limit.Threshold),
		sql.Named("now", millis(now)),
		sql.Named("ends", endsJSON(ends)),
		sql.Named("last", len(ends)-1),
	}
	// A refused attempt is reported with the lock that refused it. Should
	// a reset land between the refusal and that read, the key is no longer
	// locked and the attempt is made again.
	for range 3 {
		var a lockout.Attempt
		var until sql.NullInt64
		err := s.queryRow(ctx, reserveAttempt, args...).Scan(&a.Failures, &until)
		if err == nil {
			a.LockedUntil = fromNullMillis(until)
			return a, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return lockout.Attempt{}, fmt.Errorf("sqlite: reserve attempt: %w", err)
		}
		err = s.queryRow(ctx, `
			SELECT failures, locked_until FROM lockout_attempts
			WHERE key = ?1 AND locked_until > ?2`, key, millis(now)).Scan(&a.Failures, &until)
		if err == nil {
			a.LockedUntil = fromNullMillis(until)
			return a, lockout.ErrLockedOut
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return lockout.Attempt{}, fmt.Errorf("sqlite: reserve attempt: %w", err)
		}
	}
	return lockout.Attempt{}, fmt.Errorf("sqlite: reserve attempt: key %q keeps changing", key)
}

// PruneAttempts implements [lockout.Store].
func (s *Store) PruneAttempts(ctx context.Context, before time.Time) (int, error) {
	res, err := s.exec(ctx, `
		DELETE FROM lockout_attempts
		WHERE last_attempt < ?1 AND (locked_until IS NULL OR locked_until <= ?1)
			AND substr(key, 1, length(?2)) <> ?2`, millis(before), lockout.KeepPrefix)
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune attempts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune attempts: %w", err)
	}
	return int(n), nil
}

// LockedUntil implements [lockout.Store].
func (s *Store) LockedUntil(ctx context.Context, key string, now time.Time) (time.Time, error) {
	var until sql.NullInt64
	err := s.queryRow(ctx, `
		SELECT locked_until FROM lockout_attempts WHERE key = ?1 AND locked_until > ?2`,
		key, millis(now)).Scan(&until)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("sqlite: locked until: %w", err)
	}
	return fromNullMillis(until), nil
}

// ResetAttempts implements [lockout.Store].
func (s *Store) ResetAttempts(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	// One statement for all keys: a success costs one commit, not one per key.
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	q := `DELETE FROM lockout_attempts WHERE key IN (?` + strings.Repeat(`, ?`, len(keys)-1) + `)`
	if _, err := s.conn(ctx).ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("sqlite: reset attempts: %w", err)
	}
	return nil
}

// endsJSON encodes limit.LockEnds(now) as a JSON array of unix
// milliseconds, for json_extract in reserveAttempt.
// ReleaseAttempt implements [lockout.Releaser], in one statement.
func (s *Store) ReleaseAttempt(ctx context.Context, key string, a lockout.Attempt) error {
	lock := int64(0)
	if !a.LockedUntil.IsZero() {
		lock = millis(a.LockedUntil)
	}
	if _, err := s.exec(ctx, `
		UPDATE lockout_attempts SET
			failures = max(failures - 1, 0),
			locks = CASE WHEN ?2 > 0 AND locked_until = ?2 THEN max(locks - 1, 0) ELSE locks END,
			locked_until = CASE WHEN ?2 > 0 AND locked_until = ?2 THEN NULL ELSE locked_until END
		WHERE key = ?1`, key, lock); err != nil {
		return fmt.Errorf("sqlite: release attempt: %w", err)
	}
	return nil
}

func endsJSON(ends []time.Time) string {
	b := []byte{'['}
	for i, e := range ends {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, millis(e), 10)
	}
	return string(append(b, ']'))
}
