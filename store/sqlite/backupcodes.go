package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
)

// SaveBackupCodes implements [backupcodes.Store]. Dropping the old codes,
// writing the set and inserting the new codes is one transaction: no
// reader or redemption sees the old set's codes under the new set, or no
// set at all. A hash given twice is one code.
func (s *Store) SaveBackupCodes(ctx context.Context, userID string, salt []byte, hashes [][]byte, sealed []byte, active bool, now time.Time) error {
	tx, err := s.begin(ctx) // BEGIN IMMEDIATE (see dsn), or a savepoint in InTx
	if err != nil {
		return fmt.Errorf("sqlite: save backup codes: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var sealedOrNull any // a pending set's only
	if !active && len(sealed) > 0 {
		sealedOrNull = sealed
	}
	if !active {
		// The transaction holds the write lock from its start, so this
		// read and the writes below are one atomic step.
		var isActive bool
		err := tx.QueryRowContext(ctx, `SELECT active FROM backup_code_sets WHERE user_id = ?1`, userID).Scan(&isActive)
		switch {
		case err == nil && isActive:
			return backupcodes.ErrAlreadyActive
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: save backup codes: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM backup_codes WHERE user_id = ?1`, userID); err != nil {
		return fmt.Errorf("sqlite: save backup codes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO backup_code_sets (user_id, salt, sealed, active, created_at)
		VALUES (?1, ?2, ?3, ?4, ?5)
		ON CONFLICT (user_id) DO UPDATE
			SET salt = excluded.salt, sealed = excluded.sealed, active = excluded.active,
				created_at = excluded.created_at`,
		userID, blob(salt), sealedOrNull, active, millis(now)); err != nil {
		return fmt.Errorf("sqlite: save backup codes: %w", err)
	}
	if len(hashes) > 0 {
		// One statement for all the codes: ?1 is the user, ?2… the hashes.
		var q strings.Builder
		q.WriteString(`INSERT INTO backup_codes (user_id, hash) VALUES `)
		args := make([]any, 0, 1+len(hashes))
		args = append(args, userID)
		for i, h := range hashes {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "(?1, ?%d)", i+2)
			args = append(args, blob(h))
		}
		q.WriteString(` ON CONFLICT DO NOTHING`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("sqlite: save backup codes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: save backup codes: %w", err)
	}
	return nil
}

// BackupCodes implements [backupcodes.Store].
func (s *Store) BackupCodes(ctx context.Context, userID string) (backupcodes.Set, error) {
	var set backupcodes.Set
	var created int64
	err := s.queryRow(ctx, `
		SELECT salt, sealed, active, created_at,
			(SELECT count(*) FROM backup_codes c WHERE c.user_id = s.user_id AND c.used_at IS NULL)
		FROM backup_code_sets s WHERE s.user_id = ?1`, userID).
		Scan(&set.Salt, &set.Sealed, &set.Active, &created, &set.Remaining)
	if errors.Is(err, sql.ErrNoRows) {
		return backupcodes.Set{}, backupcodes.ErrNoCodes
	}
	if err != nil {
		return backupcodes.Set{}, fmt.Errorf("sqlite: read backup codes: %w", err)
	}
	set.CreatedAt = fromMillis(created)
	return set, nil
}

// ActivateBackupCodes implements [backupcodes.Store].
func (s *Store) ActivateBackupCodes(ctx context.Context, userID string) error {
	res, err := s.exec(ctx, `
		UPDATE backup_code_sets SET active = 1, sealed = NULL WHERE user_id = ?1 AND active = 0`, userID)
	if err != nil {
		return fmt.Errorf("sqlite: activate backup codes: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: activate backup codes: %w", err)
	} else if n == 0 {
		return backupcodes.ErrNoCodes
	}
	return nil
}

// RedeemBackupCode implements [backupcodes.Store]. The conditional update
// decides: it marks the code used only if it is unused and its set active,
// so of concurrent redemptions of one code, one changes a row. The count
// that follows decides nothing; it runs in the same transaction, which
// holds the write lock from its start, so it is the count this redemption
// left, whatever other redemptions do at the same moment.
func (s *Store) RedeemBackupCode(ctx context.Context, userID string, hash []byte, now time.Time) (int, error) {
	tx, err := s.begin(ctx) // BEGIN IMMEDIATE (see dsn), or a savepoint in InTx
	if err != nil {
		return 0, fmt.Errorf("sqlite: redeem backup code: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	res, err := tx.ExecContext(ctx, `
		UPDATE backup_codes SET used_at = ?1
		WHERE user_id = ?2 AND hash = ?3 AND used_at IS NULL
			AND EXISTS (SELECT 1 FROM backup_code_sets WHERE user_id = ?2 AND active = 1)`,
		millis(now), userID, blob(hash))
	if err != nil {
		return 0, fmt.Errorf("sqlite: redeem backup code: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, fmt.Errorf("sqlite: redeem backup code: %w", err)
	} else if n == 0 {
		return 0, backupcodes.ErrInvalidCode
	}
	var remaining int
	if err := tx.QueryRowContext(ctx, `
		SELECT count(*) FROM backup_codes WHERE user_id = ?1 AND used_at IS NULL`, userID).
		Scan(&remaining); err != nil {
		return 0, fmt.Errorf("sqlite: redeem backup code: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: redeem backup code: %w", err)
	}
	return remaining, nil
}

// DeletePendingBackupCodes implements [backupcodes.Store].
func (s *Store) DeletePendingBackupCodes(ctx context.Context, userID string) error {
	if _, err := s.exec(ctx, `DELETE FROM backup_code_sets WHERE user_id = ?1 AND active = 0`, userID); err != nil {
		return fmt.Errorf("sqlite: delete pending backup codes: %w", err)
	}
	return nil
}

// DeleteBackupCodes implements [backupcodes.Store]. The codes go with the
// set (ON DELETE CASCADE; foreign keys are on for every connection, see
// dsn).
func (s *Store) DeleteBackupCodes(ctx context.Context, userID string) error {
	if _, err := s.exec(ctx, `DELETE FROM backup_code_sets WHERE user_id = ?1`, userID); err != nil {
		return fmt.Errorf("sqlite: delete backup codes: %w", err)
	}
	return nil
}
