package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/oob"
)

var (
	_ oob.Store            = (*Store)(nil)
	_ oob.DestinationStore = (*Store)(nil)
)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	// lockOOBSends takes one transaction-level advisory lock of the sends
	// to a user or to a destination (see oobLockKeys); the transaction's
	// end releases it.
	lockOOBSends = `SELECT pg_advisory_xact_lock($1)`

	// oobLimits reads what [oob.Limits.Check] decides from: $1 user, $2
	// destination, $3 the window's start (excluded), $4 PerHour - 1. It
	// runs after the locks, so under READ COMMITTED its snapshot holds
	// every send that committed before them.
	oobLimits = `
		SELECT
			(SELECT max(sent_at) FROM {schema}.oob_sends WHERE user_id = $1),
			(SELECT sent_at FROM {schema}.oob_sends WHERE user_id = $1 AND sent_at > $3
				ORDER BY sent_at DESC LIMIT 1 OFFSET $4),
			(SELECT sent_at FROM {schema}.oob_sends WHERE destination = $2 AND sent_at > $3
				ORDER BY sent_at DESC LIMIT 1 OFFSET $4)`

	// saveOOBCode records the send and stores the code, replacing the
	// user's code for the binding.
	saveOOBCode = `
		WITH sent AS (
			INSERT INTO {schema}.oob_sends (user_id, destination, sent_at) VALUES ($1, $4, $8)
		)
		INSERT INTO {schema}.oob_codes (user_id, binding, channel, destination, hash, sent_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (user_id, binding) DO UPDATE
			SET channel = excluded.channel, destination = excluded.destination, hash = excluded.hash,
				sent_at = excluded.sent_at, expires_at = excluded.expires_at`

	// Concurrent redemptions of one code queue on its row lock; once the
	// first has deleted the row, the others find nothing to delete.
	redeemOOBCode = `
		DELETE FROM {schema}.oob_codes
		WHERE user_id = $1 AND binding = $2 AND hash = $3 AND expires_at > $4`

	pruneOOB = `
		WITH codes AS (
			DELETE FROM {schema}.oob_codes WHERE expires_at < $1 RETURNING 1
		), sends AS (
			DELETE FROM {schema}.oob_sends WHERE sent_at < $2 RETURNING 1
		)
		SELECT (SELECT count(*) FROM codes) + (SELECT count(*) FROM sends)`

	saveDestination = `
		INSERT INTO {schema}.oob_destinations (user_id, channel, address, confirmed_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, channel) DO UPDATE
			SET address = excluded.address, confirmed_at = excluded.confirmed_at`

	listDestinations = `
		SELECT channel, address, confirmed_at FROM {schema}.oob_destinations WHERE user_id = $1
		ORDER BY CASE channel WHEN 'sms' THEN 0 WHEN 'email' THEN 1 ELSE 2 END, channel`

	deleteDestination = `
		DELETE FROM {schema}.oob_destinations WHERE user_id = $1 AND channel = $2`
)

// SaveOOBCode implements [oob.Store]. The limits count the sends of two
// keys, the user and the destination, and the table holds no row to lock
// for a send not yet made: so one transaction first takes an advisory lock
// on each key, then reads the sends, decides ([oob.Limits.Check]) and
// writes. Sends sharing a user or a destination take turns, across
// instances, and the others do not wait for each other. Both locks are
// taken in the order of their keys, the same for every caller, so two
// sends that share both never wait for each other in a circle. (Counter
// rows locked FOR UPDATE would do too, but would have to be created
// first, with the races of an insert, and pruned apart; an advisory lock
// needs no row and no grant.)
//
// The transaction is READ COMMITTED whatever the server's default: the
// read must see the sends committed while this one waited for its locks.
// In InTx it is a savepoint, and the locks last until InTx's transaction
// ends.
func (s *Store) SaveOOBCode(ctx context.Context, c oob.Code, l oob.Limits, now time.Time) error {
	if err := l.Validate(); err != nil {
		return err
	}
	var tx pgx.Tx
	var err error
	if t := s.txOf(ctx); t != nil {
		tx, err = t.begin(ctx) // InTx's transaction is READ COMMITTED
	} else {
		tx, err = s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	}
	if err != nil {
		return fmt.Errorf("postgres: save oob code: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit; on a failed one pgx drops the connection
	for _, key := range oobLockKeys(s.schema, c.UserID, c.Destination) {
		if _, err := tx.Exec(ctx, s.q.lockOOBSends, key); err != nil {
			return fmt.Errorf("postgres: save oob code: %w", err)
		}
	}
	var last, userNth, destNth *int64
	if err := tx.QueryRow(ctx, s.q.oobLimits,
		c.UserID, c.Destination, millis(now.Add(-oob.Window)), int64(l.PerHour-1),
	).Scan(&last, &userNth, &destNth); err != nil {
		return fmt.Errorf("postgres: save oob code: %w", err)
	}
	if err := l.Check(now, fromNullMillis(last), fromNullMillis(userNth), fromNullMillis(destNth)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, s.q.saveOOBCode,
		c.UserID, c.Binding, string(c.Channel), c.Destination, bytea(c.Hash),
		millis(c.SentAt), millis(c.ExpiresAt), millis(now)); err != nil {
		return fmt.Errorf("postgres: save oob code: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: save oob code: %w", err)
	}
	return nil
}

// oobLockKeys returns the advisory-lock keys of the sends to userID and to
// destination in ascending order: 64 bits of a hash of a label, the
// schema and the name each, so they stay the same across processes and
// versions. Equal keys (a collision) are one lock.
func oobLockKeys(schema, userID, destination string) []int64 {
	key := func(kind, name string) int64 {
		sum := sha256.Sum256([]byte("portalmfa oob sends\x00" + kind + "\x00" + schema + "\x00" + name))
		return int64(binary.BigEndian.Uint64(sum[:8]))
	}
	a, b := key("user", userID), key("destination", destination)
	switch {
	case a == b:
		return []int64{a}
	case a > b:
		a, b = b, a
	}
	return []int64{a, b}
}

// RedeemOOBCode implements [oob.Store].
func (s *Store) RedeemOOBCode(ctx context.Context, userID, binding string, hash []byte, now time.Time) error {
	tag, err := s.db(ctx).Exec(ctx, s.q.redeemOOBCode, userID, binding, bytea(hash), millis(now))
	if err != nil {
		return fmt.Errorf("postgres: redeem oob code: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return oob.ErrInvalidCode
	}
	return nil
}

// PruneOOB implements [oob.Store].
func (s *Store) PruneOOB(ctx context.Context, before time.Time) (int, error) {
	var n int64
	if err := s.db(ctx).QueryRow(ctx, s.q.pruneOOB, millis(before), millis(before.Add(-oob.Window))).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: prune oob codes: %w", err)
	}
	return int(n), nil
}

// SaveDestination implements [oob.DestinationStore].
func (s *Store) SaveDestination(ctx context.Context, d oob.Destination) error {
	if _, err := s.db(ctx).Exec(ctx, s.q.saveDestination,
		d.UserID, string(d.Channel), d.Address, millis(d.ConfirmedAt)); err != nil {
		return fmt.Errorf("postgres: save oob destination: %w", err)
	}
	return nil
}

// Destinations implements [oob.DestinationStore].
func (s *Store) Destinations(ctx context.Context, userID string) ([]oob.Destination, error) {
	rows, err := s.db(ctx).Query(ctx, s.q.listDestinations, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list oob destinations: %w", err)
	}
	ds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (oob.Destination, error) {
		d := oob.Destination{UserID: userID}
		var channel string
		var confirmed int64
		if err := row.Scan(&channel, &d.Address, &confirmed); err != nil {
			return oob.Destination{}, err
		}
		d.Channel, d.ConfirmedAt = oob.Channel(channel), fromMillis(confirmed)
		return d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list oob destinations: %w", err)
	}
	return ds, nil
}

// DeleteDestination implements [oob.DestinationStore].
func (s *Store) DeleteDestination(ctx context.Context, userID string, ch oob.Channel) (bool, error) {
	tag, err := s.db(ctx).Exec(ctx, s.q.deleteDestination, userID, string(ch))
	if err != nil {
		return false, fmt.Errorf("postgres: delete oob destination: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}
