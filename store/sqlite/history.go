package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/store/internal/eventsql"
)

// RecordEvent implements [history.Store]. The ID is the row's, which
// AUTOINCREMENT never gives twice.
func (s *Store) RecordEvent(ctx context.Context, e history.Event) error {
	if _, err := s.exec(ctx, `
		INSERT INTO history_events (user_id, at, kind, method, success, reason, ip, device, ref, actor, note)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
		e.UserID, millis(e.At), string(e.Kind), string(e.Method), e.Success, string(e.Reason),
		e.IP, e.Device, e.Ref, e.Actor, e.Note); err != nil {
		return fmt.Errorf("sqlite: record event: %w", err)
	}
	return nil
}

// Events implements [history.Store]. The index on (user_id, at DESC, id
// DESC) hands the rows over in order: the query stops at the limit.
func (s *Store) Events(ctx context.Context, userID string, limit int, kinds ...history.Kind) ([]history.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(`
		SELECT ` + eventColumns + ` FROM history_events WHERE user_id = ?1`)
	args := []any{userID, limit}
	if len(kinds) > 0 {
		q.WriteString(` AND kind IN (`)
		for i, k := range kinds {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "?%d", i+3)
			args = append(args, string(k))
		}
		q.WriteString(`)`)
	}
	q.WriteString(` ORDER BY at DESC, id DESC LIMIT ?2`)
	rows, err := s.query(ctx, q.String(), args...) // prepared once per kinds list: a handful of texts
	if err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	es, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	return es, nil
}

// scanEvents reads the rows of a SELECT of eventColumns, and closes them.
func scanEvents(rows *sql.Rows) ([]history.Event, error) {
	defer rows.Close()
	var es []history.Event
	for rows.Next() {
		var e history.Event
		var id, at int64
		if err := rows.Scan(&id, &e.UserID, &at, &e.Kind, &e.Method, &e.Success, &e.Reason, &e.IP, &e.Device, &e.Ref, &e.Actor, &e.Note); err != nil {
			return nil, err
		}
		e.ID = strconv.FormatInt(id, 10)
		e.At = fromMillis(at)
		es = append(es, e)
	}
	return es, rows.Err()
}

// eventColumns are the columns scanEvents reads.
const eventColumns = `id, user_id, at, kind, method, success, reason, ip, device, ref, actor, note`

// placeholder is SQLite's numbered parameter.
func placeholder(n int) string { return "?" + strconv.Itoa(n) }

// Log implements [history.Log]. The indexes of migration 0013 (by time, by
// kind and time) and of the user's trail serve it in order.
func (s *Store) Log(ctx context.Context, q history.Query, limit int) ([]history.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	where, args, err := eventsql.Where(q, placeholder)
	if err != nil {
		return nil, err
	}
	args = append(args, limit)
	// Not prepared: the text varies with the query's conditions.
	rows, err := s.conn(ctx).QueryContext(ctx, `SELECT `+eventColumns+` FROM history_events `+where+
		` ORDER BY at DESC, id DESC LIMIT `+placeholder(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read the log: %w", err)
	}
	es, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read the log: %w", err)
	}
	return es, nil
}

// CountEvents implements [history.Log].
func (s *Store) CountEvents(ctx context.Context, q history.Query) (int, error) {
	q.After = history.Cursor{}
	where, args, err := eventsql.Where(q, placeholder)
	if err != nil {
		return 0, err
	}
	rows, err := s.conn(ctx).QueryContext(ctx, `SELECT count(*) FROM history_events `+where, args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err = cmp.Or(err, rows.Err()); err != nil {
		return 0, fmt.Errorf("sqlite: count events: %w", err)
	}
	return n, nil
}

// pruneBatch is how many entries one statement of PruneEvents removes.
// SQLite lets one writer in at a time; a prune of a long-neglected trail in
// one statement would hold every challenge's recording up until it ends.
// In batches, they slip in between.
const pruneBatch = 1000

// PruneEvents implements [history.Store], in batches of pruneBatch: an
// entry recorded while a prune runs, older than before, may stay. The
// index by time (migration 0013) finds the old entries of each batch. The
// cap per user reads the index of users' entries once per batch.
func (s *Store) PruneEvents(ctx context.Context, before time.Time, keep int) (int, error) {
	total, err := s.pruneInBatches(ctx, `
		DELETE FROM history_events WHERE id IN (
			SELECT id FROM history_events WHERE at < ?1 LIMIT ?2)`, millis(before))
	if err != nil || keep <= 0 {
		return total, err
	}
	n, err := s.pruneInBatches(ctx, `
		DELETE FROM history_events WHERE id IN (
			SELECT id FROM (
				SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY at DESC, id DESC) AS n
				FROM history_events
				WHERE user_id IN (SELECT user_id FROM history_events GROUP BY user_id HAVING count(*) > ?1))
			WHERE n > ?1 LIMIT ?2)`, keep)
	return total + n, err
}

// pruneInBatches runs query, a DELETE of at most its ?2 rows, with arg as
// its ?1 until it deletes fewer than pruneBatch, and returns how many rows
// it deleted.
func (s *Store) pruneInBatches(ctx context.Context, query string, arg any) (int, error) {
	total := 0
	for {
		res, err := s.exec(ctx, query, arg, pruneBatch)
		if err != nil {
			return total, fmt.Errorf("sqlite: prune events: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: prune events: %w", err)
		}
		total += int(n)
		if n < pruneBatch {
			return total, nil
		}
	}
}
