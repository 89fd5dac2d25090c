package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/devices"
)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	// The primary key and the unique token hash refuse a second device
	// under a stored ID or hash.
	saveDevice = `
		INSERT INTO {schema}.trusted_devices
			(id, user_id, name, ip, created_at, last_used_at, expires_at, revoked_at, token_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

	// One statement finds the device by its hash, checks that it is the
	// user's and still trusted, and records the use. Concurrent uses of
	// one device queue on its row lock and each re-checks the WHERE
	// clause once the one before commits: a revocation that got in first
	// refuses the ones after it.
	useDevice = `
		UPDATE {schema}.trusted_devices SET last_used_at = $1, ip = $2
		WHERE token_hash = $3 AND user_id = $4 AND revoked_at IS NULL AND expires_at > $1
		RETURNING id, user_id, name, ip, created_at, last_used_at, expires_at, revoked_at`

	listDevices = `
		SELECT id, user_id, name, ip, created_at, last_used_at, expires_at, revoked_at
		FROM {schema}.trusted_devices WHERE user_id = $1
		ORDER BY last_used_at DESC, created_at DESC, id`

	renameDevice = `
		UPDATE {schema}.trusted_devices SET name = $1 WHERE id = $2 AND user_id = $3`

	// coalesce keeps the first revocation time; the row still counts as
	// updated, so revoking twice is not mistaken for an unknown device.
	revokeDevice = `
		UPDATE {schema}.trusted_devices SET revoked_at = coalesce(revoked_at, $1)
		WHERE id = $2 AND user_id = $3`

	revokeAllDevices = `
		UPDATE {schema}.trusted_devices SET revoked_at = $1
		WHERE user_id = $2 AND revoked_at IS NULL`
)

// PruneDevices implements [devices.Pruner], in one statement.
func (s *Store) PruneDevices(ctx context.Context, before time.Time) (int, error) {
	// An hourly chore, not a request's work: built per call, as re-sealing's.
	tag, err := s.db(ctx).Exec(ctx, s.resealQuery(`
		DELETE FROM {schema}.trusted_devices WHERE revoked_at < $1 OR expires_at < $1`), millis(before))
	if err != nil {
		return 0, fmt.Errorf("postgres: prune devices: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// SaveDevice implements [devices.Store]. In InTx it runs in a savepoint:
// the refusal of a stored ID or hash is a failed statement, which would
// otherwise fail the whole transaction.
func (s *Store) SaveDevice(ctx context.Context, d devices.Device, tokenHash []byte) error {
	if s.txOf(ctx) == nil {
		return s.saveDevice(ctx, s.pool, d, tokenHash)
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: save device: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := s.saveDevice(ctx, tx, d, tokenHash); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: save device: %w", err)
	}
	return nil
}

func (s *Store) saveDevice(ctx context.Context, db conn, d devices.Device, tokenHash []byte) error {
	if _, err := db.Exec(ctx, s.q.saveDevice, d.ID, d.UserID, d.Name, d.IP,
		millis(d.CreatedAt), millis(d.LastUsedAt), millis(d.ExpiresAt), nullMillis(d.RevokedAt),
		bytea(tokenHash)); err != nil {
		return fmt.Errorf("postgres: save device: %w", err)
	}
	return nil
}

// UseDevice implements [devices.Store].
func (s *Store) UseDevice(ctx context.Context, userID string, tokenHash []byte, ip string, now time.Time) (devices.Device, error) {
	d, err := scanDevice(s.db(ctx).QueryRow(ctx, s.q.useDevice, millis(now), ip, bytea(tokenHash), userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return devices.Device{}, devices.ErrUnknownDevice
	}
	if err != nil {
		return devices.Device{}, fmt.Errorf("postgres: use device: %w", err)
	}
	return d, nil
}

// Devices implements [devices.Store].
func (s *Store) Devices(ctx context.Context, userID string) ([]devices.Device, error) {
	rows, err := s.db(ctx).Query(ctx, s.q.listDevices, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list devices: %w", err)
	}
	ds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (devices.Device, error) { return scanDevice(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list devices: %w", err)
	}
	return ds, nil
}

// RenameDevice implements [devices.Store].
func (s *Store) RenameDevice(ctx context.Context, userID, id, name string) error {
	return s.changeDevice(ctx, "rename device", s.q.renameDevice, name, id, userID)
}

// RevokeDevice implements [devices.Store].
func (s *Store) RevokeDevice(ctx context.Context, userID, id string, now time.Time) error {
	return s.changeDevice(ctx, "revoke device", s.q.revokeDevice, millis(now), id, userID)
}

// changeDevice runs update, which changes one device of a user, and
// reports [devices.ErrUnknownDevice] when it matched none.
func (s *Store) changeDevice(ctx context.Context, what, update string, args ...any) error {
	tag, err := s.db(ctx).Exec(ctx, update, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return devices.ErrUnknownDevice
	}
	return nil
}

// RevokeAllDevices implements [devices.Store].
func (s *Store) RevokeAllDevices(ctx context.Context, userID string, now time.Time) (int, error) {
	tag, err := s.db(ctx).Exec(ctx, s.q.revokeAllDevices, millis(now), userID)
	if err != nil {
		return 0, fmt.Errorf("postgres: revoke all devices: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// scanDevice reads the columns of useDevice and listDevices.
func scanDevice(row pgx.Row) (devices.Device, error) {
	var d devices.Device
	var created, lastUsed, expires int64
	var revoked *int64
	if err := row.Scan(&d.ID, &d.UserID, &d.Name, &d.IP, &created, &lastUsed, &expires, &revoked); err != nil {
		return devices.Device{}, err
	}
	d.CreatedAt = fromMillis(created)
	d.LastUsedAt = fromMillis(lastUsed)
	d.ExpiresAt = fromMillis(expires)
	d.RevokedAt = fromNullMillis(revoked)
	return d, nil
}

// nullMillis is millis, with NULL for the zero time.
func nullMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := millis(t)
	return &ms
}
