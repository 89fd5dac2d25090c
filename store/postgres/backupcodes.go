package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/backupcodes"
)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	// The whole set is one row, so replacing it is one upsert: no moment
	// where old and new codes both work, or neither.
	saveBackupCodes = `
		INSERT INTO {schema}.backup_code_sets AS s (user_id, salt, hashes, sealed, active, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) DO UPDATE SET
			salt = excluded.salt, hashes = excluded.hashes, sealed = excluded.sealed,
			active = excluded.active, created_at = excluded.created_at
		WHERE excluded.active OR NOT s.active`

	backupCodeSet = `
		SELECT salt, sealed, active, cardinality(hashes), created_at
		FROM {schema}.backup_code_sets WHERE user_id = $1`

	activateBackupCodes = `
		UPDATE {schema}.backup_code_sets SET active = true, sealed = NULL
		WHERE user_id = $1 AND NOT active`

	// The update removes the one matching hash from the array (every other
	// entry stays in order) only if the set is active and holds it.
	// Concurrent redemptions of one code queue on the row lock and the
	// later ones re-check the WHERE clause against the array the first
	// left: the hash is gone, so they match nothing.
	redeemBackupCode = `
		UPDATE {schema}.backup_code_sets
		SET hashes = hashes[:array_position(hashes, $2::bytea) - 1]
		          || hashes[array_position(hashes, $2::bytea) + 1:]
		WHERE user_id = $1 AND active AND array_position(hashes, $2::bytea) IS NOT NULL
		RETURNING cardinality(hashes)`

	deleteBackupCodes        = `DELETE FROM {schema}.backup_code_sets WHERE user_id = $1`
	deletePendingBackupCodes = `DELETE FROM {schema}.backup_code_sets WHERE user_id = $1 AND NOT active`
)

// SaveBackupCodes implements [backupcodes.Store].
func (s *Store) SaveBackupCodes(ctx context.Context, userID string, salt []byte, hashes [][]byte, sealed []byte, active bool, now time.Time) error {
	// A hash listed twice is one code, as a set holds it. hs is never nil:
	// a nil slice binds as NULL.
	hs := make([][]byte, 0, len(hashes))
	seen := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		if !seen[string(h)] {
			seen[string(h)] = true
			hs = append(hs, bytea(h))
		}
	}
	if active || len(sealed) == 0 {
		sealed = nil // NULL: a pending set's only
	}
	tag, err := s.db(ctx).Exec(ctx, s.q.saveBackupCodes, userID, bytea(salt), hs, sealed, active, millis(now))
	if err != nil {
		return fmt.Errorf("postgres: save backup codes: %w", err)
	}
	if tag.RowsAffected() == 0 { // the WHERE kept an active set
		return backupcodes.ErrAlreadyActive
	}
	return nil
}

// BackupCodes implements [backupcodes.Store].
func (s *Store) BackupCodes(ctx context.Context, userID string) (backupcodes.Set, error) {
	var set backupcodes.Set
	var created int64
	err := s.db(ctx).QueryRow(ctx, s.q.backupCodeSet, userID).Scan(&set.Salt, &set.Sealed, &set.Active, &set.Remaining, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return backupcodes.Set{}, backupcodes.ErrNoCodes
	}
	if err != nil {
		return backupcodes.Set{}, fmt.Errorf("postgres: read backup codes: %w", err)
	}
	set.CreatedAt = fromMillis(created)
	return set, nil
}

// ActivateBackupCodes implements [backupcodes.Store].
func (s *Store) ActivateBackupCodes(ctx context.Context, userID string) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.activateBackupCodes, userID)
	if err != nil {
		return fmt.Errorf("postgres: activate backup codes: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return backupcodes.ErrNoCodes
	}
	return nil
}

// RedeemBackupCode implements [backupcodes.Store].
func (s *Store) RedeemBackupCode(ctx context.Context, userID string, hash []byte, _ time.Time) (remaining int, err error) {
	err = s.db(ctx).QueryRow(ctx, s.q.redeemBackupCode, userID, bytea(hash)).Scan(&remaining)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, backupcodes.ErrInvalidCode
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: redeem backup code: %w", err)
	}
	return remaining, nil
}

// DeletePendingBackupCodes implements [backupcodes.Store].
func (s *Store) DeletePendingBackupCodes(ctx context.Context, userID string) error {
	if _, err := s.db(ctx).Exec(ctx, s.q.deletePendingBackupCodes, userID); err != nil {
		return fmt.Errorf("postgres: delete pending backup codes: %w", err)
	}
	return nil
}

// DeleteBackupCodes implements [backupcodes.Store].
func (s *Store) DeleteBackupCodes(ctx context.Context, userID string) error {
	if _, err := s.db(ctx).Exec(ctx, s.q.deleteBackupCodes, userID); err != nil {
		return fmt.Errorf("postgres: delete backup codes: %w", err)
	}
	return nil
}
