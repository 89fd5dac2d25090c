package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/oob"
)

var (
	_ oob.Store            = (*Store)(nil)
	_ oob.DestinationStore = (*Store)(nil)
)

// SaveOOBCode implements [oob.Store]. Reading the sends the limits count,
// deciding ([oob.Limits.Check]) and writing the send and the code are one
// transaction, which holds the database's write lock from its start (BEGIN
// IMMEDIATE, see dsn): no other send of any Store on the file comes
// between the read and the writes, so concurrent sends are decided one
// after the other. In InTx it is a savepoint of InTx's transaction, which
// holds the lock already.
func (s *Store) SaveOOBCode(ctx context.Context, c oob.Code, l oob.Limits, now time.Time) error {
	if err := l.Validate(); err != nil {
		return err
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: save oob code: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	// The user's latest send, and the PerHour-th latest send to the user
	// and to the destination within the window (NULL when fewer).
	var last, userNth, destNth sql.NullInt64
	if err := tx.QueryRowContext(ctx, `
		SELECT
			(SELECT max(sent_at) FROM oob_sends WHERE user_id = ?1),
			(SELECT sent_at FROM oob_sends WHERE user_id = ?1 AND sent_at > ?3
				ORDER BY sent_at DESC LIMIT 1 OFFSET ?4),
			(SELECT sent_at FROM oob_sends WHERE destination = ?2 AND sent_at > ?3
				ORDER BY sent_at DESC LIMIT 1 OFFSET ?4)`,
		c.UserID, c.Destination, millis(now.Add(-oob.Window)), l.PerHour-1,
	).Scan(&last, &userNth, &destNth); err != nil {
		return fmt.Errorf("sqlite: save oob code: %w", err)
	}
	if err := l.Check(now, fromNullMillis(last), fromNullMillis(userNth), fromNullMillis(destNth)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO oob_sends (user_id, destination, sent_at) VALUES (?1, ?2, ?3)`,
		c.UserID, c.Destination, millis(now)); err != nil {
		return fmt.Errorf("sqlite: save oob code: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO oob_codes (user_id, binding, channel, destination, hash, sent_at, expires_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
		ON CONFLICT (user_id, binding) DO UPDATE
			SET channel = excluded.channel, destination = excluded.destination, hash = excluded.hash,
				sent_at = excluded.sent_at, expires_at = excluded.expires_at`,
		c.UserID, c.Binding, string(c.Channel), c.Destination, blob(c.Hash),
		millis(c.SentAt), millis(c.ExpiresAt)); err != nil {
		return fmt.Errorf("sqlite: save oob code: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: save oob code: %w", err)
	}
	return nil
}

// RedeemOOBCode implements [oob.Store]. One conditional delete decides:
// of concurrent redemptions of one code, one deletes the row.
func (s *Store) RedeemOOBCode(ctx context.Context, userID, binding string, hash []byte, now time.Time) error {
	res, err := s.exec(ctx, `
		DELETE FROM oob_codes
		WHERE user_id = ?1 AND binding = ?2 AND hash = ?3 AND expires_at > ?4`,
		userID, binding, blob(hash), millis(now))
	if err != nil {
		return fmt.Errorf("sqlite: redeem oob code: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: redeem oob code: %w", err)
	} else if n == 0 {
		return oob.ErrInvalidCode
	}
	return nil
}

// PruneOOB implements [oob.Store].
func (s *Store) PruneOOB(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for _, q := range []struct {
		query string
		at    time.Time
	}{
		{`DELETE FROM oob_codes WHERE expires_at < ?1`, before},
		{`DELETE FROM oob_sends WHERE sent_at < ?1`, before.Add(-oob.Window)},
	} {
		res, err := s.exec(ctx, q.query, millis(q.at))
		if err != nil {
			return total, fmt.Errorf("sqlite: prune oob codes: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: prune oob codes: %w", err)
		}
		total += int(n)
	}
	return total, nil
}

// SaveDestination implements [oob.DestinationStore].
func (s *Store) SaveDestination(ctx context.Context, d oob.Destination) error {
	if _, err := s.exec(ctx, `
		INSERT INTO oob_destinations (user_id, channel, address, confirmed_at)
		VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (user_id, channel) DO UPDATE
			SET address = excluded.address, confirmed_at = excluded.confirmed_at`,
		d.UserID, string(d.Channel), d.Address, millis(d.ConfirmedAt)); err != nil {
		return fmt.Errorf("sqlite: save oob destination: %w", err)
	}
	return nil
}

// Destinations implements [oob.DestinationStore].
func (s *Store) Destinations(ctx context.Context, userID string) ([]oob.Destination, error) {
	rows, err := s.query(ctx, `
		SELECT channel, address, confirmed_at FROM oob_destinations WHERE user_id = ?1
		ORDER BY CASE channel WHEN 'sms' THEN 0 WHEN 'email' THEN 1 ELSE 2 END, channel`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list oob destinations: %w", err)
	}
	defer rows.Close()
	var ds []oob.Destination
	for rows.Next() {
		d := oob.Destination{UserID: userID}
		var confirmed int64
		if err := rows.Scan(&d.Channel, &d.Address, &confirmed); err != nil {
			return nil, fmt.Errorf("sqlite: list oob destinations: %w", err)
		}
		d.ConfirmedAt = fromMillis(confirmed)
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list oob destinations: %w", err)
	}
	return ds, nil
}

// DeleteDestination implements [oob.DestinationStore].
func (s *Store) DeleteDestination(ctx context.Context, userID string, ch oob.Channel) (bool, error) {
	res, err := s.exec(ctx, `
		DELETE FROM oob_destinations WHERE user_id = ?1 AND channel = ?2`, userID, string(ch))
	if err != nil {
		return false, fmt.Errorf("sqlite: delete oob destination: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: delete oob destination: %w", err)
	}
	return n > 0, nil
}
