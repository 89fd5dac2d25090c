package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/totp"
)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	// The upsert leaves an active enrollment alone, so "is it active?" and
	// "replace it" are one decision: a conflicting row that is active is
	// locked but not updated, and no row is affected.
	savePendingTOTP = `
		INSERT INTO {schema}.totp_enrollments AS e (user_id, secret, active, last_step, created_at)
		VALUES ($1, $2, false, 0, $3)
		ON CONFLICT (user_id) DO UPDATE
			SET secret = excluded.secret, created_at = excluded.created_at
			WHERE NOT e.active`

	totpEnrollment = `
		SELECT secret, active, last_step, created_at, activated_at, replacement
		FROM {schema}.totp_enrollments WHERE user_id = $1`

	// A pending or missing enrollment is left as it is.
	saveReplacementTOTP = `
		UPDATE {schema}.totp_enrollments SET replacement = $1 WHERE user_id = $2 AND active`

	// One update confirms either kind: a pending secret, or an active
	// enrollment's replacement, which becomes its secret (SET reads the row
	// as it was, so the CASE sees the old active). Of concurrent callers,
	// those queued on the row lock re-check the WHERE clause against the
	// row the winner left, which has no replacement: one matches.
	activateTOTP = `
		UPDATE {schema}.totp_enrollments
		SET secret = CASE WHEN active THEN replacement ELSE secret END,
			replacement = NULL, active = true, last_step = $1, activated_at = $2
		WHERE user_id = $3 AND (NOT active AND secret = $4 OR active AND replacement = $4)`

	// Concurrent updates of one row queue on its row lock, and each
	// re-checks the WHERE clause against the row the one before it left:
	// of several callers with the same step, one matches.
	acceptTOTPStep = `
		UPDATE {schema}.totp_enrollments SET last_step = $1
		WHERE user_id = $2 AND active AND last_step < $1`

	replayedTOTPStep = `
		SELECT active AND last_step >= $1 FROM {schema}.totp_enrollments WHERE user_id = $2`

	deleteTOTP = `DELETE FROM {schema}.totp_enrollments WHERE user_id = $1`

	// One statement, two parts that see the same snapshot of the row: at
	// most one of them matches it, pending or active, and that one waits
	// out a concurrent change of the row and re-checks its WHERE clause
	// against what the change left.
	deletePendingTOTP = `
		WITH deleted AS (
			DELETE FROM {schema}.totp_enrollments WHERE user_id = $1 AND NOT active
			RETURNING 1
		), cleared AS (
			UPDATE {schema}.totp_enrollments SET replacement = NULL
			WHERE user_id = $1 AND active AND replacement IS NOT NULL
			RETURNING 1
		)
		SELECT (SELECT count(*) FROM deleted) + (SELECT count(*) FROM cleared)`
)

// SavePendingTOTP implements [totp.Store].
func (s *Store) SavePendingTOTP(ctx context.Context, userID string, sealed []byte, now time.Time) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.savePendingTOTP, userID, bytea(sealed), millis(now))
	if err != nil {
		return fmt.Errorf("postgres: save pending totp: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return totp.ErrAlreadyActive
	}
	return nil
}

// TOTPEnrollment implements [totp.Store].
func (s *Store) TOTPEnrollment(ctx context.Context, userID string) (totp.Enrollment, error) {
	e := totp.Enrollment{UserID: userID}
	var created int64
	var activated *int64
	err := s.db(ctx).QueryRow(ctx, s.q.totpEnrollment, userID).
		Scan(&e.Secret, &e.Active, &e.LastStep, &created, &activated, &e.Replacement)
	if errors.Is(err, pgx.ErrNoRows) {
		return totp.Enrollment{}, totp.ErrNotEnrolled
	}
	if err != nil {
		return totp.Enrollment{}, fmt.Errorf("postgres: read totp enrollment: %w", err)
	}
	e.CreatedAt = fromMillis(created)
	e.ActivatedAt = fromNullMillis(activated)
	return e, nil
}

// SaveReplacementTOTP implements [totp.Store]. now is not kept: the
// replacement's confirmation sets ActivatedAt.
func (s *Store) SaveReplacementTOTP(ctx context.Context, userID string, sealed []byte) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.saveReplacementTOTP, bytea(sealed), userID)
	if err != nil {
		return fmt.Errorf("postgres: save replacement totp: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return totp.ErrNotEnrolled
	}
	return nil
}

// ActivateTOTP implements [totp.Store].
func (s *Store) ActivateTOTP(ctx context.Context, userID string, sealed []byte, step int64, now time.Time) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.activateTOTP, step, millis(now), userID, bytea(sealed))
	if err != nil {
		return fmt.Errorf("postgres: activate totp: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return totp.ErrNotEnrolled
	}
	return nil
}

// AcceptTOTPStep implements [totp.Store]. The update decides; when it
// changes nothing, a read only picks which refusal to report.
func (s *Store) AcceptTOTPStep(ctx context.Context, userID string, step int64) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.acceptTOTPStep, step, userID)
	if err != nil {
		return fmt.Errorf("postgres: accept totp step: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var replayed bool
	err = s.db(ctx).QueryRow(ctx, s.q.replayedTOTPStep, step, userID).Scan(&replayed)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return totp.ErrNotEnrolled
	case err != nil:
		return fmt.Errorf("postgres: accept totp step: %w", err)
	case replayed:
		return totp.ErrReplayed
	default:
		// Not active when the update ran (or changed since): either way
		// there was no active enrollment to accept the step.
		return totp.ErrNotEnrolled
	}
}

// DeleteTOTP implements [totp.Store].
func (s *Store) DeleteTOTP(ctx context.Context, userID string) error {
	if _, err := s.db(ctx).Exec(ctx, s.q.deleteTOTP, userID); err != nil {
		return fmt.Errorf("postgres: delete totp: %w", err)
	}
	return nil
}

// DeletePendingTOTP implements [totp.Store].
func (s *Store) DeletePendingTOTP(ctx context.Context, userID string) error {
	var removed int64
	if err := s.db(ctx).QueryRow(ctx, s.q.deletePendingTOTP, userID).Scan(&removed); err != nil {
		return fmt.Errorf("postgres: delete pending totp: %w", err)
	}
	if removed == 0 {
		return totp.ErrNotEnrolled
	}
	return nil
}

// bytea binds b as a bytea: pgx binds a nil slice as NULL, which the
// secret column refuses and which equals nothing.
func bytea(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
