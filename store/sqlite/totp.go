package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/totp"
)

// SavePendingTOTP implements [totp.Store]. The upsert leaves an active
// enrollment alone, so "is it active?" and "replace it" are one decision.
func (s *Store) SavePendingTOTP(ctx context.Context, userID string, sealed []byte, now time.Time) error {
	res, err := s.exec(ctx, `
		INSERT INTO totp_enrollments (user_id, secret, active, last_step, created_at)
		VALUES (?1, ?2, 0, 0, ?3)
		ON CONFLICT (user_id) DO UPDATE
			SET secret = excluded.secret, created_at = excluded.created_at
			WHERE totp_enrollments.active = 0`,
		userID, blob(sealed), millis(now))
	if err != nil {
		return fmt.Errorf("sqlite: save pending totp: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: save pending totp: %w", err)
	} else if n == 0 {
		return totp.ErrAlreadyActive
	}
	return nil
}

// TOTPEnrollment implements [totp.Store].
func (s *Store) TOTPEnrollment(ctx context.Context, userID string) (totp.Enrollment, error) {
	e := totp.Enrollment{UserID: userID}
	var created int64
	var activated sql.NullInt64
	err := s.queryRow(ctx, `
		SELECT secret, active, last_step, created_at, activated_at, replacement
		FROM totp_enrollments WHERE user_id = ?1`, userID).
		Scan(&e.Secret, &e.Active, &e.LastStep, &created, &activated, &e.Replacement)
	if errors.Is(err, sql.ErrNoRows) {
		return totp.Enrollment{}, totp.ErrNotEnrolled
	}
	if err != nil {
		return totp.Enrollment{}, fmt.Errorf("sqlite: read totp enrollment: %w", err)
	}
	e.CreatedAt = fromMillis(created)
	e.ActivatedAt = fromNullMillis(activated)
	return e, nil
}

// SaveReplacementTOTP implements [totp.Store]. The update names an active
// enrollment, so a pending or missing one is left as it is. now is not
// kept: the replacement's confirmation sets ActivatedAt.
func (s *Store) SaveReplacementTOTP(ctx context.Context, userID string, sealed []byte) error {
	res, err := s.exec(ctx, `
		UPDATE totp_enrollments SET replacement = ?1 WHERE user_id = ?2 AND active = 1`,
		blob(sealed), userID)
	if err != nil {
		return fmt.Errorf("sqlite: save replacement totp: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: save replacement totp: %w", err)
	} else if n == 0 {
		return totp.ErrNotEnrolled
	}
	return nil
}

// ActivateTOTP implements [totp.Store]. One update confirms either kind:
// a pending secret, or an active enrollment's replacement, which becomes
// its secret. SET reads the row as it was, so the CASE sees the old active.
func (s *Store) ActivateTOTP(ctx context.Context, userID string, sealed []byte, step int64, now time.Time) error {
	res, err := s.exec(ctx, `
		UPDATE totp_enrollments
		SET secret = CASE active WHEN 1 THEN replacement ELSE secret END,
			replacement = NULL, active = 1, last_step = ?1, activated_at = ?2
		WHERE user_id = ?3 AND (active = 0 AND secret = ?4 OR active = 1 AND replacement = ?4)`,
		step, millis(now), userID, blob(sealed))
	if err != nil {
		return fmt.Errorf("sqlite: activate totp: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: activate totp: %w", err)
	} else if n == 0 {
		return totp.ErrNotEnrolled
	}
	return nil
}

// AcceptTOTPStep implements [totp.Store]. The update decides; when it
// changes nothing, a read only picks which refusal to report.
func (s *Store) AcceptTOTPStep(ctx context.Context, userID string, step int64) error {
	res, err := s.exec(ctx, `
		UPDATE totp_enrollments SET last_step = ?1
		WHERE user_id = ?2 AND active = 1 AND last_step < ?1`,
		step, userID)
	if err != nil {
		return fmt.Errorf("sqlite: accept totp step: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: accept totp step: %w", err)
	} else if n == 1 {
		return nil
	}
	var replayed bool
	err = s.queryRow(ctx, `
		SELECT active = 1 AND last_step >= ?1 FROM totp_enrollments WHERE user_id = ?2`,
		step, userID).Scan(&replayed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return totp.ErrNotEnrolled
	case err != nil:
		return fmt.Errorf("sqlite: accept totp step: %w", err)
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
	if _, err := s.exec(ctx, `DELETE FROM totp_enrollments WHERE user_id = ?1`, userID); err != nil {
		return fmt.Errorf("sqlite: delete totp: %w", err)
	}
	return nil
}

// DeletePendingTOTP implements [totp.Store]: it deletes a pending
// enrollment or, failing that, clears an active one's replacement. These
// are two statements; the transaction holds the write lock from its start,
// so nothing changes the row between them.
func (s *Store) DeletePendingTOTP(ctx context.Context, userID string) error {
	tx, err := s.begin(ctx) // BEGIN IMMEDIATE (see dsn), or a savepoint in InTx
	if err != nil {
		return fmt.Errorf("sqlite: delete pending totp: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	n, err := rowsAffected(tx.ExecContext(ctx, `
		DELETE FROM totp_enrollments WHERE user_id = ?1 AND active = 0`, userID))
	if err == nil && n == 0 {
		n, err = rowsAffected(tx.ExecContext(ctx, `
			UPDATE totp_enrollments SET replacement = NULL
			WHERE user_id = ?1 AND active = 1 AND replacement IS NOT NULL`, userID))
	}
	if err != nil {
		return fmt.Errorf("sqlite: delete pending totp: %w", err)
	}
	if n == 0 {
		return totp.ErrNotEnrolled
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete pending totp: %w", err)
	}
	return nil
}

// rowsAffected is the number of rows a statement changed.
func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// blob binds b as a BLOB: the driver binds a nil slice as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
