package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/passkeys"
)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	// lockPasskeyUser takes the transaction-level advisory lock of one
	// user's passkeys (see passkeyLockKey); the transaction's end releases
	// it.
	lockPasskeyUser = `SELECT pg_advisory_xact_lock($1)`

	// addPasskey inserts a passkey unless its ID is stored already or its
	// user has $15 passkeys, and tells which. It runs under the user's
	// advisory lock, taken by an earlier statement of the transaction, so
	// its snapshot, taken after the lock, holds every passkey the user's
	// earlier additions committed, and no addition for the user commits
	// until it is done: the count is the count. An ID added at the same
	// moment for another user is not in the snapshot, but the primary key
	// sees it: ON CONFLICT waits for that addition and then inserts
	// nothing.
	addPasskey = `
		WITH seen AS (
			SELECT EXISTS (SELECT FROM {schema}.passkeys WHERE id = $1) AS taken,
			       (SELECT count(*) FROM {schema}.passkeys WHERE user_id = $2) AS n
		), added AS (
			INSERT INTO {schema}.passkeys (id, user_id, name, public_key, aaguid, sign_count, transports,
				attestation_type, user_verified, backup_eligible, backed_up, created_at, last_used_at, created_on)
			SELECT $1::bytea, $2::text, $3::text, $4::bytea, $5::bytea, $6::bigint, $7::text[],
				$8::text, $9::boolean, $10::boolean, $11::boolean, $12::bigint, $13::bigint, $14::text
			FROM seen WHERE NOT seen.taken AND seen.n < $15::bigint
			ON CONFLICT (id) DO NOTHING
			RETURNING 1
		)
		SELECT seen.taken, seen.n, EXISTS (SELECT FROM added) FROM seen`

	listPasskeys = `
		SELECT id, user_id, name, public_key, aaguid, sign_count, transports, attestation_type,
			user_verified, backup_eligible, backed_up, created_at, last_used_at, created_on
		FROM {schema}.passkeys WHERE user_id = $1
		ORDER BY created_at, id`

	passkeyByID = `
		SELECT id, user_id, name, public_key, aaguid, sign_count, transports, attestation_type,
			user_verified, backup_eligible, backed_up, created_at, last_used_at, created_on
		FROM {schema}.passkeys WHERE id = $1`

	// Concurrent logins with one passkey queue on its row lock, and each
	// re-checks the WHERE clause against the row the one before it left:
	// of several that read one counter, one matches.
	usePasskey = `
		UPDATE {schema}.passkeys SET sign_count = $1, backed_up = $2, last_used_at = $3
		WHERE id = $4 AND user_id = $5 AND sign_count = $6`

	userHasPasskey = `
		SELECT true FROM {schema}.passkeys WHERE id = $1 AND user_id = $2`

	renamePasskey = `
		UPDATE {schema}.passkeys SET name = $1 WHERE id = $2 AND user_id = $3`

	deletePasskey = `
		DELETE FROM {schema}.passkeys WHERE id = $1 AND user_id = $2`

	// The primary key refuses a stored key.
	saveCeremony = `
		INSERT INTO {schema}.webauthn_ceremonies (key, user_id, purpose, data, expires_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`

	// Concurrent takers queue on the row lock; once the first has deleted
	// the row, the others find nothing to delete.
	takeCeremony = `
		DELETE FROM {schema}.webauthn_ceremonies WHERE key = $1
		RETURNING user_id, purpose, data, expires_at`

	pruneCeremonies = `
		DELETE FROM {schema}.webauthn_ceremonies WHERE expires_at < $1`
)

// AddPasskey implements [passkeys.Store]. One transaction takes the
// advisory lock of the user's passkeys, then runs one statement that
// checks the ID, counts the user's passkeys and inserts: additions for one
// user take turns, so the cap holds however many instances race, and
// additions for different users do not wait for each other. A stored ID is
// reported before a full list. In InTx the transaction is a savepoint, and
// the advisory lock lasts until InTx's transaction ends.
func (s *Store) AddPasskey(ctx context.Context, p passkeys.Passkey, max int) error {
	transports := p.Transports
	if transports == nil {
		transports = []string{} // a nil slice binds as NULL
	}
	tx, err := s.begin(ctx) // a savepoint in InTx
	if err != nil {
		return fmt.Errorf("postgres: add passkey: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit; on a failed one pgx drops the connection
	if _, err := tx.Exec(ctx, s.q.lockPasskeyUser, passkeyLockKey(s.schema, p.UserID)); err != nil {
		return fmt.Errorf("postgres: add passkey: %w", err)
	}
	var taken, added bool
	var n int64
	if err := tx.QueryRow(ctx, s.q.addPasskey,
		bytea(p.ID), p.UserID, p.Name, bytea(p.PublicKey), bytea(p.AAGUID), int64(p.SignCount), transports,
		p.AttestationType, p.UserVerified, p.BackupEligible, p.BackedUp,
		millis(p.CreatedAt), nullMillis(p.LastUsedAt), p.CreatedOn, int64(max),
	).Scan(&taken, &n, &added); err != nil {
		return fmt.Errorf("postgres: add passkey: %w", err)
	}
	switch {
	case added:
	case taken:
		return passkeys.ErrDuplicate
	case n >= int64(max):
		return passkeys.ErrTooMany
	default: // ON CONFLICT: added for someone else since the snapshot
		return passkeys.ErrDuplicate
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: add passkey: %w", err)
	}
	return nil
}

// Passkeys implements [passkeys.Store]. bytea compares byte by byte, a
// prefix first, as the contract orders IDs.
func (s *Store) Passkeys(ctx context.Context, userID string) ([]passkeys.Passkey, error) {
	rows, err := s.db(ctx).Query(ctx, s.q.listPasskeys, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list passkeys: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (passkeys.Passkey, error) { return scanPasskey(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list passkeys: %w", err)
	}
	return ps, nil
}

// PasskeyByID implements [passkeys.Store].
func (s *Store) PasskeyByID(ctx context.Context, id []byte) (passkeys.Passkey, error) {
	p, err := scanPasskey(s.db(ctx).QueryRow(ctx, s.q.passkeyByID, bytea(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return passkeys.Passkey{}, passkeys.ErrUnknownPasskey
	}
	if err != nil {
		return passkeys.Passkey{}, fmt.Errorf("postgres: read passkey: %w", err)
	}
	return p, nil
}

// UsePasskey implements [passkeys.Store]. The update decides; when it
// changes nothing, a read only picks which refusal to report.
func (s *Store) UsePasskey(ctx context.Context, userID string, id []byte, prev, count uint32, backedUp bool, now time.Time) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.usePasskey, int64(count), backedUp, millis(now), bytea(id), userID, int64(prev))
	if err != nil {
		return fmt.Errorf("postgres: use passkey: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var found bool
	err = s.db(ctx).QueryRow(ctx, s.q.userHasPasskey, bytea(id), userID).Scan(&found)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return passkeys.ErrUnknownPasskey
	case err != nil:
		return fmt.Errorf("postgres: use passkey: %w", err)
	}
	return passkeys.ErrCounterMoved
}

// RenamePasskey implements [passkeys.Store].
func (s *Store) RenamePasskey(ctx context.Context, userID string, id []byte, name string) error {
	return s.changePasskey(ctx, "rename passkey", s.q.renamePasskey, name, bytea(id), userID)
}

// DeletePasskey implements [passkeys.Store].
func (s *Store) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	return s.changePasskey(ctx, "delete passkey", s.q.deletePasskey, bytea(id), userID)
}

// changePasskey runs change, which changes one passkey of a user, and
// reports [passkeys.ErrUnknownPasskey] when it matched none.
func (s *Store) changePasskey(ctx context.Context, what, change string, args ...any) error {
	tag, err := s.db(ctx).Exec(ctx, change, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return passkeys.ErrUnknownPasskey
	}
	return nil
}

// SaveCeremony implements [passkeys.CeremonyStore].
func (s *Store) SaveCeremony(ctx context.Context, key []byte, c passkeys.Ceremony) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.saveCeremony, bytea(key), c.UserID, c.Purpose, bytea(c.Data), millis(c.Expires))
	if err != nil {
		return fmt.Errorf("postgres: save ceremony: %w", err)
	}
	if tag.RowsAffected() == 0 {
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
	err := s.db(ctx).QueryRow(ctx, s.q.takeCeremony, bytea(key)).Scan(&c.UserID, &c.Purpose, &c.Data, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return passkeys.Ceremony{}, passkeys.ErrNoCeremony
	}
	if err != nil {
		return passkeys.Ceremony{}, fmt.Errorf("postgres: take ceremony: %w", err)
	}
	if expires <= millis(now) {
		return passkeys.Ceremony{}, passkeys.ErrNoCeremony
	}
	c.Expires = fromMillis(expires)
	return c, nil
}

// PruneCeremonies implements [passkeys.CeremonyStore].
func (s *Store) PruneCeremonies(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db(ctx).Exec(ctx, s.q.pruneCeremonies, millis(before))
	if err != nil {
		return 0, fmt.Errorf("postgres: prune ceremonies: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// scanPasskey reads the columns of listPasskeys and passkeyByID.
func scanPasskey(row pgx.Row) (passkeys.Passkey, error) {
	var p passkeys.Passkey
	var signCount, created int64
	var lastUsed *int64
	if err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.PublicKey, &p.AAGUID, &signCount, &p.Transports,
		&p.AttestationType, &p.UserVerified, &p.BackupEligible, &p.BackedUp, &created, &lastUsed, &p.CreatedOn); err != nil {
		return passkeys.Passkey{}, err
	}
	p.SignCount = uint32(signCount) // the column's CHECK keeps it in range
	p.CreatedAt = fromMillis(created)
	p.LastUsedAt = fromNullMillis(lastUsed)
	return p, nil
}

// passkeyLockKey is the advisory-lock key that serialises additions of
// userID's passkeys in schema: 64 bits of a hash of a fixed label, the
// schema and the user, so every instance and version computes the same.
// Two users sharing a key only take turns.
func passkeyLockKey(schema, userID string) int64 {
	sum := sha256.Sum256([]byte("portalmfa passkeys\x00" + schema + "\x00" + userID))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}
