package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/summary"
)

var _ summary.Store = (*Store)(nil)

// Accounts implements [summary.Store] in one statement per call: the
// distinct IDs asked for are a table of VALUES, and each column a subquery
// of one table, a lookup of that user in an index the table has already
// (its primary key, passkeys_user, trusted_devices_user,
// history_events_user). One statement also reads one snapshot: no account
// mixes states from before and after a concurrent write.
//
// The last sign-in walks the user's history newest first and stops at the
// first successful attempt, so its cost is the entries recorded since;
// an index of attempts alone would make it one lookup, at a cost to every
// recording, which is on the challenge's path.
//
// The text depends on the number of IDs, so it is not kept prepared (up
// to MaxBatch texts would be): parsing it is a small part of reading 500
// users.
func (s *Store) Accounts(ctx context.Context, userIDs []string, now time.Time) ([]summary.Account, error) {
	if len(userIDs) > summary.MaxBatch {
		return nil, summary.ErrTooMany
	}
	ids := slices.Compact(slices.Sorted(slices.Values(userIDs))) // each once
	if len(ids) == 0 {
		return []summary.Account{}, nil
	}
	const first = 5 // the number of the first ID's parameter
	args := []any{string(history.Attempt), millis(now), string(oob.SMS), string(oob.Email)}
	var q strings.Builder
	q.WriteString(`
		WITH ids (user_id) AS (VALUES `)
	for i, id := range ids {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?" + strconv.Itoa(first+i) + ")")
		args = append(args, id)
	}
	q.WriteString(`)
		SELECT ids.user_id,
			EXISTS (SELECT 1 FROM totp_enrollments t WHERE t.user_id = ids.user_id AND t.active = 1),
			(SELECT count(*) FROM passkeys p WHERE p.user_id = ids.user_id),
			EXISTS (SELECT 1 FROM oob_destinations d WHERE d.user_id = ids.user_id AND d.channel = ?3),
			EXISTS (SELECT 1 FROM oob_destinations d WHERE d.user_id = ids.user_id AND d.channel = ?4),
			(SELECT count(*) FROM backup_code_sets b JOIN backup_codes c ON c.user_id = b.user_id
				WHERE b.user_id = ids.user_id AND b.active = 1 AND c.used_at IS NULL),
			(SELECT count(*) FROM trusted_devices v
				WHERE v.user_id = ids.user_id AND v.revoked_at IS NULL AND v.expires_at > ?2),
			(SELECT h.at FROM history_events h
				WHERE h.user_id = ids.user_id AND h.kind = ?1 AND h.success = 1
				ORDER BY h.at DESC, h.id DESC LIMIT 1)
		FROM ids`)
	rows, err := s.conn(ctx).QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read accounts: %w", err)
	}
	defer rows.Close()
	byUser := make(map[string]summary.Account, len(ids))
	for rows.Next() {
		var a summary.Account
		var last sql.NullInt64
		if err := rows.Scan(&a.UserID, &a.TOTP, &a.Passkeys, &a.SMS, &a.Email, &a.BackupCodes, &a.Devices, &last); err != nil {
			return nil, fmt.Errorf("sqlite: read accounts: %w", err)
		}
		a.LastSignIn = fromNullMillis(last)
		byUser[a.UserID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read accounts: %w", err)
	}
	out := make([]summary.Account, len(userIDs))
	for i, id := range userIDs {
		out[i] = byUser[id]
		out[i].UserID = id
	}
	return out, nil
}

// placeholders returns "?first, ?first+1, …", n of them.
func placeholders(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?" + strconv.Itoa(first+i))
	}
	return b.String()
}
