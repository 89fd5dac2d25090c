package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/devices"
)

// deviceColumns are the columns scanDevice reads, in its order.
const deviceColumns = `id, user_id, name, ip, created_at, last_used_at, expires_at, revoked_at`

// PruneDevices implements [devices.Pruner], in one statement.
func (s *Store) PruneDevices(ctx context.Context, before time.Time) (int, error) {
	res, err := s.exec(ctx, `
		DELETE FROM trusted_devices WHERE revoked_at < ?1 OR expires_at < ?1`, millis(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune devices: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune devices: %w", err)
	}
	return int(n), nil
}

// SaveDevice implements [devices.Store]. The primary key and the unique
// token hash refuse a second device under a stored ID or hash.
func (s *Store) SaveDevice(ctx context.Context, d devices.Device, tokenHash []byte) error {
	if _, err := s.exec(ctx, `
		INSERT INTO trusted_devices (`+deviceColumns+`, token_hash)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
		d.ID, d.UserID, d.Name, d.IP, millis(d.CreatedAt), millis(d.LastUsedAt), millis(d.ExpiresAt),
		nullMillis(d.RevokedAt), blob(tokenHash)); err != nil {
		return fmt.Errorf("sqlite: save device: %w", err)
	}
	return nil
}

// UseDevice implements [devices.Store]. One statement finds the device by
// its hash, checks that it is the user's and still trusted, and records the
// use; no row back means no such trusted device of this user.
func (s *Store) UseDevice(ctx context.Context, userID string, tokenHash []byte, ip string, now time.Time) (devices.Device, error) {
	d, err := scanDevice(s.queryRow(ctx, `
		UPDATE trusted_devices SET last_used_at = ?1, ip = ?2
		WHERE token_hash = ?3 AND user_id = ?4 AND revoked_at IS NULL AND expires_at > ?1
		RETURNING `+deviceColumns,
		millis(now), ip, blob(tokenHash), userID))
	if errors.Is(err, sql.ErrNoRows) {
		return devices.Device{}, devices.ErrUnknownDevice
	}
	if err != nil {
		return devices.Device{}, fmt.Errorf("sqlite: use device: %w", err)
	}
	return d, nil
}

// Devices implements [devices.Store].
func (s *Store) Devices(ctx context.Context, userID string) ([]devices.Device, error) {
	rows, err := s.query(ctx, `
		SELECT `+deviceColumns+` FROM trusted_devices WHERE user_id = ?1
		ORDER BY last_used_at DESC, created_at DESC, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list devices: %w", err)
	}
	defer rows.Close()
	var ds []devices.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list devices: %w", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list devices: %w", err)
	}
	return ds, nil
}

// RenameDevice implements [devices.Store].
func (s *Store) RenameDevice(ctx context.Context, userID, id, name string) error {
	return s.changeDevice(ctx, "rename device", `
		UPDATE trusted_devices SET name = ?1 WHERE id = ?2 AND user_id = ?3`,
		name, id, userID)
}

// RevokeDevice implements [devices.Store]. coalesce keeps the first
// revocation time; the row still counts as changed, so revoking twice is
// not mistaken for an unknown device.
func (s *Store) RevokeDevice(ctx context.Context, userID, id string, now time.Time) error {
	return s.changeDevice(ctx, "revoke device", `
		UPDATE trusted_devices SET revoked_at = coalesce(revoked_at, ?1) WHERE id = ?2 AND user_id = ?3`,
		millis(now), id, userID)
}

// changeDevice runs update, which changes one device of a user, and
// reports [devices.ErrUnknownDevice] when it matched none.
func (s *Store) changeDevice(ctx context.Context, what, update string, args ...any) error {
	res, err := s.conn(ctx).ExecContext(ctx, update, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	} else if n == 0 {
		return devices.ErrUnknownDevice
	}
	return nil
}

// RevokeAllDevices implements [devices.Store].
func (s *Store) RevokeAllDevices(ctx context.Context, userID string, now time.Time) (int, error) {
	res, err := s.exec(ctx, `
		UPDATE trusted_devices SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL`,
		millis(now), userID)
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke all devices: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: revoke all devices: %w", err)
	}
	return int(n), nil
}

// scanDevice reads the deviceColumns of one row.
func scanDevice(row interface{ Scan(...any) error }) (devices.Device, error) {
	var d devices.Device
	var created, lastUsed, expires int64
	var revoked sql.NullInt64
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
func nullMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(t), Valid: true}
}
