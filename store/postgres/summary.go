package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/summary"
)

var _ summary.Store = (*Store)(nil)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	// $1 is the distinct IDs. Each column is a subquery of one table, a
	// lookup of the user in an index the table has already (its primary
	// key, passkeys_user, trusted_devices_user, history_events_user).
	// They are scalar subqueries, not EXISTS, on purpose: PostgreSQL may
	// run an EXISTS as one hash of the whole table (it did, for the apps
	// of 50,000 users), where a batch needs 500 lookups.
	// The last sign-in walks the user's history newest first and stops at
	// the first successful attempt: its cost is the entries recorded
	// since, where an index of attempts alone would cost every recording,
	// on the challenge's path.
	accounts = `
		SELECT ids.user_id,
			coalesce((SELECT t.active FROM {schema}.totp_enrollments t WHERE t.user_id = ids.user_id), false),
			(SELECT count(*) FROM {schema}.passkeys p WHERE p.user_id = ids.user_id),
			coalesce((SELECT true FROM {schema}.oob_destinations d WHERE d.user_id = ids.user_id AND d.channel = $3), false),
			coalesce((SELECT true FROM {schema}.oob_destinations d WHERE d.user_id = ids.user_id AND d.channel = $4), false),
			coalesce((SELECT cardinality(b.hashes) FROM {schema}.backup_code_sets b
				WHERE b.user_id = ids.user_id AND b.active), 0),
			(SELECT count(*) FROM {schema}.trusted_devices v
				WHERE v.user_id = ids.user_id AND v.revoked_at IS NULL AND v.expires_at > $2),
			(SELECT h.at FROM {schema}.history_events h
				WHERE h.user_id = ids.user_id AND h.kind = $5 AND h.success
				ORDER BY h.at DESC, h.id DESC LIMIT 1)
		FROM unnest($1::text[]) AS ids (user_id)`
)

// Accounts implements [summary.Store] in one statement per call, which
// also reads one snapshot: no account mixes states from before and after
// a concurrent write.
func (s *Store) Accounts(ctx context.Context, userIDs []string, now time.Time) ([]summary.Account, error) {
	if len(userIDs) > summary.MaxBatch {
		return nil, summary.ErrTooMany
	}
	ids := slices.Compact(slices.Sorted(slices.Values(userIDs))) // each once
	if len(ids) == 0 {
		return []summary.Account{}, nil
	}
	rows, err := s.db(ctx).Query(ctx, s.q.accounts, ids, millis(now), string(oob.SMS), string(oob.Email), string(history.Attempt))
	if err != nil {
		return nil, fmt.Errorf("postgres: read accounts: %w", err)
	}
	byUser := make(map[string]summary.Account, len(ids))
	var a summary.Account
	var last *int64
	_, err = pgx.ForEachRow(rows, []any{&a.UserID, &a.TOTP, &a.Passkeys, &a.SMS, &a.Email, &a.BackupCodes, &a.Devices, &last}, func() error {
		a.LastSignIn = fromNullMillis(last)
		byUser[a.UserID] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read accounts: %w", err)
	}
	out := make([]summary.Account, len(userIDs))
	for i, id := range userIDs {
		out[i] = byUser[id]
		out[i].UserID = id
	}
	return out, nil
}
