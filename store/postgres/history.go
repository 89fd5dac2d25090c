package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/store/internal/eventsql"
)

// {schema} is replaced by the quoted schema name (see newQueries).
const (
	recordEvent = `
		INSERT INTO {schema}.history_events (user_id, at, kind, method, success, reason, ip, device, ref, actor, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

	// The index on (user_id, at DESC, id DESC) hands the rows over in
	// order: the scan stops at the limit.
	events = `
		SELECT ` + eventColumns + ` FROM {schema}.history_events WHERE user_id = $1
		ORDER BY at DESC, id DESC LIMIT $2`

	eventsOfKinds = `
		SELECT ` + eventColumns + ` FROM {schema}.history_events WHERE user_id = $1 AND kind = ANY($3)
		ORDER BY at DESC, id DESC LIMIT $2`

	// Row locks only: recording goes on while a prune runs. The index by
	// time (migration 0013) finds the old entries; the cap per user reads
	// the table through.
	pruneEvents = `
DELETE FROM {schema}.history_events WHERE at < $1 OR id IN (
	SELECT id FROM (
		SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY at DESC, id DESC) AS n
		FROM {schema}.history_events
		WHERE $2 > 0 AND user_id IN (
			SELECT user_id FROM {schema}.history_events GROUP BY user_id HAVING count(*) > $2)) ranked
	WHERE n > $2)`
)

// RecordEvent implements [history.Store]. The ID is the row's identity,
// never given twice.
func (s *Store) RecordEvent(ctx context.Context, e history.Event) error {
	if _, err := s.db(ctx).Exec(ctx, s.q.recordEvent, e.UserID, millis(e.At), string(e.Kind),
		string(e.Method), e.Success, string(e.Reason), e.IP, e.Device, e.Ref, e.Actor, e.Note); err != nil {
		return fmt.Errorf("postgres: record event: %w", err)
	}
	return nil
}

// Events implements [history.Store].
func (s *Store) Events(ctx context.Context, userID string, limit int, kinds ...history.Kind) ([]history.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	var rows pgx.Rows
	var err error
	if len(kinds) == 0 {
		rows, err = s.db(ctx).Query(ctx, s.q.events, userID, limit)
	} else {
		ks := make([]string, len(kinds))
		for i, k := range kinds {
			ks[i] = string(k)
		}
		rows, err = s.db(ctx).Query(ctx, s.q.eventsOfKinds, userID, limit, ks)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: read events: %w", err)
	}
	es, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("postgres: read events: %w", err)
	}
	return es, nil
}

// PruneEvents implements [history.Store].
func (s *Store) PruneEvents(ctx context.Context, before time.Time, keep int) (int, error) {
	tag, err := s.db(ctx).Exec(ctx, s.q.pruneEvents, millis(before), keep)
	if err != nil {
		return 0, fmt.Errorf("postgres: prune events: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// scanEvent reads a row of eventColumns.
func scanEvent(row pgx.CollectableRow) (history.Event, error) {
	var e history.Event
	var id, at int64
	var kind, method, reason string
	err := row.Scan(&id, &e.UserID, &at, &kind, &method, &e.Success, &reason, &e.IP, &e.Device, &e.Ref, &e.Actor, &e.Note)
	e.ID = strconv.FormatInt(id, 10)
	e.At = fromMillis(at)
	e.Kind, e.Method, e.Reason = history.Kind(kind), history.Method(method), history.Reason(reason)
	return e, err
}

// eventColumns are the columns scanEvent reads.
const eventColumns = `id, user_id, at, kind, method, success, reason, ip, device, ref, actor, note`

// placeholder is PostgreSQL's numbered parameter.
func placeholder(n int) string { return "$" + strconv.Itoa(n) }

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
	rows, err := s.db(ctx).Query(ctx, `SELECT `+eventColumns+` FROM `+s.q.historyEvents+` `+where+
		` ORDER BY at DESC, id DESC LIMIT `+placeholder(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: read the log: %w", err)
	}
	es, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("postgres: read the log: %w", err)
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
	var n int
	if err := s.db(ctx).QueryRow(ctx, `SELECT count(*) FROM `+s.q.historyEvents+` `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count events: %w", err)
	}
	return n, nil
}
