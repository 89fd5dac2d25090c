package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/lockout"
)

// reserveAttempt is the whole of [lockout.Store.ReserveAttempt] in one
// statement. Parameters: $1 key, $2 threshold, $3 now, $4 the lock ends
// (see [lockout.Limit.LockEnds]). A new key is inserted with its first
// failure (and, with a threshold of one, its first lock). An existing key
// is updated only if it is not locked; the count starts again from one if
// it holds an expired lock; reaching the threshold locks it until
// $4[locks] and counts the lock. A locked key is left untouched and no row comes back.
//
// Concurrent callers on one key queue on its row lock, and each evaluates
// the WHERE clause and the new values against the row the caller before it
// committed; so of any number arriving at once, exactly threshold are
// counted before the lock falls. In DO UPDATE SET, a.column is the row
// before the update, in every expression; hence the repeated new-failures
// expression. Arrays are 1-based: entry n of the list is $4[n+1].
const reserveAttempt = `
INSERT INTO {schema}.lockout_attempts AS a (key, failures, locks, locked_until, last_attempt)
VALUES ($1, 1,
	CASE WHEN $2::integer <= 1 THEN 1 ELSE 0 END,
	CASE WHEN $2::integer <= 1 THEN ($4::bigint[])[1] END,
	$3::bigint)
ON CONFLICT (key) DO UPDATE SET
	last_attempt = $3::bigint,
	failures = CASE WHEN a.locked_until IS NULL THEN a.failures + 1 ELSE 1 END,
	locks = CASE WHEN (CASE WHEN a.locked_until IS NULL THEN a.failures + 1 ELSE 1 END) >= $2::integer
		THEN a.locks + 1 ELSE a.locks END,
	locked_until = CASE WHEN (CASE WHEN a.locked_until IS NULL THEN a.failures + 1 ELSE 1 END) >= $2::integer
		THEN ($4::bigint[])[least(a.locks, cardinality($4::bigint[]) - 1) + 1] END
	WHERE a.locked_until IS NULL OR a.locked_until <= $3::bigint
RETURNING failures, locked_until`

// lockedAttempt reads the lock that refused an attempt. It runs as a
// statement of its own: one statement sees the database as it was when
// the statement began, which may be before the lock that refused it.
const lockedAttempt = `
SELECT failures, locked_until FROM {schema}.lockout_attempts
WHERE key = $1 AND locked_until > $2`

const pruneAttempts = `
DELETE FROM {schema}.lockout_attempts
WHERE last_attempt < $1 AND (locked_until IS NULL OR locked_until <= $1)
	AND NOT starts_with(key, $2)`

const resetAttempts = `DELETE FROM {schema}.lockout_attempts WHERE key = ANY($1)`

const releaseAttempt = `
UPDATE {schema}.lockout_attempts SET
	failures = GREATEST(failures - 1, 0),
	locks = CASE WHEN $2::bigint > 0 AND locked_until = $2::bigint THEN GREATEST(locks - 1, 0) ELSE locks END,
	locked_until = CASE WHEN $2::bigint > 0 AND locked_until = $2::bigint THEN NULL ELSE locked_until END
WHERE key = $1`

// ReserveAttempt implements [lockout.Store].
func (s *Store) ReserveAttempt(ctx context.Context, key string, limit lockout.Limit, now time.Time) (lockout.Attempt, error) {
	lockEnds := limit.LockEnds(now)
	ends := make([]int64, len(lockEnds))
	for i, e := range lockEnds {
		ends[i] = millis(e)
	}
	// A refused attempt is reported with the lock that refused it. Should
	// a reset land between the refusal and that read, the key is no longer
	// locked and the attempt is made again.
	for range 3 {
		var a lockout.Attempt
		var until *int64
		err := s.db(ctx).QueryRow(ctx, s.q.reserveAttempt, key, limit.Threshold, millis(now), ends).
			Scan(&a.Failures, &until)
		if err == nil {
			a.LockedUntil = fromNullMillis(until)
			return a, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return lockout.Attempt{}, fmt.Errorf("postgres: reserve attempt: %w", err)
		}
		err = s.db(ctx).QueryRow(ctx, s.q.lockedAttempt, key, millis(now)).Scan(&a.Failures, &until)
		if err == nil {
			a.LockedUntil = fromNullMillis(until)
			return a, lockout.ErrLockedOut
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return lockout.Attempt{}, fmt.Errorf("postgres: reserve attempt: %w", err)
		}
	}
	return lockout.Attempt{}, fmt.Errorf("postgres: reserve attempt: key %q keeps changing", key)
}

// PruneAttempts implements [lockout.Store].
func (s *Store) PruneAttempts(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db(ctx).Exec(ctx, s.q.pruneAttempts, millis(before), lockout.KeepPrefix)
	if err != nil {
		return 0, fmt.Errorf("postgres: prune attempts: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// LockedUntil implements [lockout.Store].
func (s *Store) LockedUntil(ctx context.Context, key string, now time.Time) (time.Time, error) {
	var failures int
	var until *int64
	err := s.db(ctx).QueryRow(ctx, s.q.lockedAttempt, key, millis(now)).Scan(&failures, &until)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("postgres: locked until: %w", err)
	}
	return fromNullMillis(until), nil
}

// ReleaseAttempt implements [lockout.Releaser], in one statement.
func (s *Store) ReleaseAttempt(ctx context.Context, key string, a lockout.Attempt) error {
	lock := int64(0)
	if !a.LockedUntil.IsZero() {
		lock = millis(a.LockedUntil)
	}
	if _, err := s.db(ctx).Exec(ctx, s.q.releaseAttempt, key, lock); err != nil {
		return fmt.Errorf("postgres: release attempt: %w", err)
	}
	return nil
}

// ResetAttempts implements [lockout.Store].
func (s *Store) ResetAttempts(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := s.db(ctx).Exec(ctx, s.q.resetAttempts, keys); err != nil {
		return fmt.Errorf("postgres: reset attempts: %w", err)
	}
	return nil
}
