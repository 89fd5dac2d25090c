package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/passkeys"
)

// passkeyColumns are the columns scanPasskey reads, in its order.
const passkeyColumns = `id, user_id, name, public_key, aaguid, sign_count, transports, attestation_type,
	user_verified, backup_eligible, backed_up, created_at, last_used_at, created_on`

// AddPasskey implements [passkeys.Store]. The check of the ID, the count of
// the user's passkeys and the insertion are one transaction, which holds
// the write lock from its start (BEGIN IMMEDIATE: see dsn): no other
// addition, for this user or another, comes between the count and the
// insertion, so the cap holds however many arrive at once. A stored ID is
// reported before a full list; the primary key would refuse it anyway.
func (s *Store) AddPasskey(ctx context.Context, p passkeys.Passkey, max int) error {
	transports, err := transportsJSON(p.Transports)
	if err != nil {
		return fmt.Errorf("sqlite: add passkey: %w", err)
	}
	tx, err := s.begin(ctx) // BEGIN IMMEDIATE (see dsn), or a savepoint in InTx
	if err != nil {
		return fmt.Errorf("sqlite: add passkey: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var taken bool
	var n int
	if err := tx.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM passkeys WHERE id = ?1),
		       (SELECT count(*) FROM passkeys WHERE user_id = ?2)`,
		blob(p.ID), p.UserID).Scan(&taken, &n); err != nil {
		return fmt.Errorf("sqlite: add passkey: %w", err)
	}
	switch {
	case taken:
		return passkeys.ErrDuplicate
	case n >= max:
		return passkeys.ErrTooMany
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO passkeys (`+passkeyColumns+`)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`,
		blob(p.ID), p.UserID, p.Name, blob(p.PublicKey), blob(p.AAGUID), int64(p.SignCount), transports,
		p.AttestationType, p.UserVerified, p.BackupEligible, p.BackedUp,
		millis(p.CreatedAt), nullMillis(p.LastUsedAt), p.CreatedOn); err != nil {
		return fmt.Errorf("sqlite: add passkey: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: add passkey: %w", err)
	}
	return nil
}

// Passkeys implements [passkeys.Store]. BLOBs compare byte by byte, a
// prefix first, as the contract orders IDs.
func (s *Store) Passkeys(ctx context.Context, userID string) ([]passkeys.Passkey, error) {
	rows, err := s.query(ctx, `
		SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = ?1
		ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list passkeys: %w", err)
	}
	defer rows.Close()
	var ps []passkeys.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list passkeys: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list passkeys: %w", err)
	}
	return ps, nil
}

// PasskeyByID implements [passkeys.Store].
func (s *Store) PasskeyByID(ctx context.Context, id []byte) (passkeys.Passkey, error) {
	p, err := scanPasskey(s.queryRow(ctx, `
		SELECT `+passkeyColumns+` FROM passkeys WHERE id = ?1`, blob(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return passkeys.Passkey{}, passkeys.ErrUnknownPasskey
	}
	if err != nil {
		return passkeys.Passkey{}, fmt.Errorf("sqlite: read passkey: %w", err)
	}
	return p, nil
}

// UsePasskey implements [passkeys.Store]. The conditional update decides:
// it changes the row only if the counter still is prev, so of concurrent
// logins that read one counter, one changes it. When it changes nothing, a
// read only picks which refusal to report.
func (s *Store) UsePasskey(ctx context.Context, userID string, id []byte, prev, count uint32, backedUp bool, now time.Time) error {
	res, err := s.exec(ctx, `
		UPDATE passkeys SET sign_count = ?1, backed_up = ?2, last_used_at = ?3
		WHERE id = ?4 AND user_id = ?5 AND sign_count = ?6`,
		int64(count), backedUp, millis(now), blob(id), userID, int64(prev))
	if err != nil {
		return fmt.Errorf("sqlite: use passkey: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: use passkey: %w", err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = s.queryRow(ctx, `
		SELECT 1 FROM passkeys WHERE id = ?1 AND user_id = ?2`, blob(id), userID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return passkeys.ErrUnknownPasskey
	case err != nil:
		return fmt.Errorf("sqlite: use passkey: %w", err)
	}
	return passkeys.ErrCounterMoved
}

// RenamePasskey implements [passkeys.Store].
func (s *Store) RenamePasskey(ctx context.Context, userID string, id []byte, name string) error {
	return s.changePasskey(ctx, "rename passkey", `
		UPDATE passkeys SET name = ?1 WHERE id = ?2 AND user_id = ?3`,
		name, blob(id), userID)
}

// DeletePasskey implements [passkeys.Store].
func (s *Store) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	return s.changePasskey(ctx, "delete passkey", `
		DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2`,
		blob(id), userID)
}

// changePasskey runs change, which changes one passkey of a user, and
// reports [passkeys.ErrUnknownPasskey] when it matched none.
func (s *Store) changePasskey(ctx context.Context, what, change string, args ...any) error {
	res, err := s.conn(ctx).ExecContext(ctx, change, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	} else if n == 0 {
		return passkeys.ErrUnknownPasskey
	}
	return nil
}

// SaveCeremony implements [passkeys.CeremonyStore]. The primary key
// refuses a stored key.
func (s *Store) SaveCeremony(ctx context.Context, key []byte, c passkeys.Ceremony) error {
	res, err := s.exec(ctx, `
		INSERT INTO webauthn_ceremonies (key, user_id, purpose, data, expires_at)
		VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO NOTHING`,
		blob(key), c.UserID, c.Purpose, blob(c.Data), millis(c.Expires))
	if err != nil {
		return fmt.Errorf("sqlite: save ceremony: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: save ceremony: %w", err)
	} else if n == 0 {
		return passkeys.ErrDuplicate
	}
	return nil
}

// TakeCeremony implements [passkeys.CeremonyStore]. One statement removes
// the row and hands it back, so of concurrent takers one gets it. An
// expired ceremony is removed too, as a take that came too late; the
// expiry is checked on the row the statement returned.
func (s *Store) TakeCeremony(ctx context.Context, key []byte, now time.Time) (passkeys.Ceremony, error) {
	var c passkeys.Ceremony
	var expires int64
	err := s.queryRow(ctx, `
		DELETE FROM webauthn_ceremonies WHERE key = ?1
		RETURNING user_id, purpose, data, expires_at`, blob(key)).
		Scan(&c.UserID, &c.Purpose, &c.Data, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return passkeys.Ceremony{}, passkeys.ErrNoCeremony
	}
	if err != nil {
		return passkeys.Ceremony{}, fmt.Errorf("sqlite: take ceremony: %w", err)
	}
	if expires <= millis(now) {
		return passkeys.Ceremony{}, passkeys.ErrNoCeremony
	}
	c.Expires = fromMillis(expires)
	return c, nil
}

// PruneCeremonies implements [passkeys.CeremonyStore]. Ceremonies live
// minutes and the index on expires_at finds them: one statement removes
// them all.
func (s *Store) PruneCeremonies(ctx context.Context, before time.Time) (int, error) {
	res, err := s.exec(ctx, `
		DELETE FROM webauthn_ceremonies WHERE expires_at < ?1`, millis(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune ceremonies: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune ceremonies: %w", err)
	}
	return int(n), nil
}

// scanPasskey reads the passkeyColumns of one row.
func scanPasskey(row interface{ Scan(...any) error }) (passkeys.Passkey, error) {
	var p passkeys.Passkey
	var signCount, created int64
	var lastUsed sql.NullInt64
	var transports string
	if err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.PublicKey, &p.AAGUID, &signCount, &transports,
		&p.AttestationType, &p.UserVerified, &p.BackupEligible, &p.BackedUp, &created, &lastUsed, &p.CreatedOn); err != nil {
		return passkeys.Passkey{}, err
	}
	if err := json.Unmarshal([]byte(transports), &p.Transports); err != nil {
		return passkeys.Passkey{}, fmt.Errorf("transports of passkey %x: %w", p.ID, err)
	}
	p.SignCount = uint32(signCount) // the column's CHECK keeps it in range
	p.CreatedAt = fromMillis(created)
	p.LastUsedAt = fromNullMillis(lastUsed)
	return p, nil
}

// transportsJSON encodes the transports of a passkey for its column: a
// JSON array, which keeps any string, and [] for none.
func transportsJSON(ts []string) (string, error) {
	if ts == nil {
		ts = []string{}
	}
	b, err := json.Marshal(ts)
	return string(b), err
}
