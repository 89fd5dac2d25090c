// Package eventsql writes the condition of a [history.Query] in the SQL
// that SQLite and PostgreSQL both read, for the history_events table their
// migrations create (at in Unix milliseconds, id growing with each entry).
package eventsql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/portalmfa/portalmfa/history"
)

// Where returns the WHERE clause of q ("" when q selects every entry,
// "WHERE …" otherwise) and its arguments. The placeholders are p(1),
// p(2)…: "?1" for SQLite, "$1" for PostgreSQL. With a cursor, the clause
// keeps the entries after it in the order (at DESC, id DESC); a cursor ID
// that is not a positive integer is [history.ErrInvalidCursor].
func Where(q history.Query, p func(n int) string) (string, []any, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return p(len(args))
	}
	in := func(column string, vs []string) {
		ps := make([]string, len(vs))
		for i, v := range vs {
			ps[i] = arg(v)
		}
		conds = append(conds, column+" IN ("+strings.Join(ps, ", ")+")")
	}
	if q.UserID != "" {
		conds = append(conds, "user_id = "+arg(q.UserID))
	}
	if len(q.Kinds) > 0 {
		in("kind", strs(q.Kinds))
		if !slices.Contains(q.Kinds, history.Attempt) {
			// Implies the condition of the index of security events
			// (migration 0013), which neither engine infers from the list.
			conds = append(conds, "kind <> '"+string(history.Attempt)+"'")
		}
	}
	if len(q.Methods) > 0 {
		in("method", strs(q.Methods))
	}
	if q.Failed {
		conds = append(conds, "kind = "+arg(string(history.Attempt))+" AND NOT success")
	}
	if !q.Since.IsZero() {
		conds = append(conds, "at >= "+arg(q.Since.UnixMilli()))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "at < "+arg(q.Until.UnixMilli()))
	}
	if !q.After.IsZero() {
		id, err := strconv.ParseInt(q.After.ID, 10, 64)
		if err != nil || id <= 0 {
			return "", nil, fmt.Errorf("%w: %q", history.ErrInvalidCursor, q.After.ID)
		}
		// A row value: both engines walk the index (at DESC, id DESC) from it.
		conds = append(conds, "(at, id) < ("+arg(q.After.At.UnixMilli())+", "+arg(id)+")")
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return "WHERE " + strings.Join(conds, " AND "), args, nil
}

func strs[S ~string](vs []S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
