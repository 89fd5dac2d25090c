package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/portalmfa/portalmfa/history"
)

// RecordEvent implements [history.Store]. IDs count up from 1 and are never
// given twice by one Store. Times are kept to the millisecond, as the SQL
// backends keep them: a cursor that carries milliseconds (a page's link)
// then places an entry exactly.
//
// A user's entries are kept sorted oldest first, entries at the same time
// in the order recorded, so that Events reads the newest from the end and
// stops at its limit. Entries nearly always arrive in time order: the
// search for the place of a new one then ends at once, and it is appended.
func (s *Store) RecordEvent(_ context.Context, e history.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastEventID++
	e.ID = strconv.FormatInt(s.lastEventID, 10)
	e.At = time.UnixMilli(e.At.UnixMilli()).In(e.At.Location())
	es := s.events[e.UserID]
	i := len(es)
	if i > 0 && es[i-1].At.After(e.At) {
		// After every entry not later than e: the latest recorded of a
		// time stays last.
		i = sort.Search(len(es), func(j int) bool { return es[j].At.After(e.At) })
	}
	s.events[e.UserID] = slices.Insert(es, i, e)
	return nil
}

// Events implements [history.Store].
func (s *Store) Events(_ context.Context, userID string, limit int, kinds ...history.Kind) ([]history.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var es []history.Event
	all := s.events[userID] // oldest first; see RecordEvent
	for i := len(all) - 1; i >= 0 && len(es) < limit; i-- {
		if len(kinds) == 0 || slices.Contains(kinds, all[i].Kind) {
			es = append(es, all[i])
		}
	}
	return es, nil
}

// PruneEvents implements [history.Store]. Each user's entries are sorted,
// oldest first, so the ones to remove are the first few.
func (s *Store) PruneEvents(_ context.Context, before time.Time, keep int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for user, es := range s.events {
		old := sort.Search(len(es), func(j int) bool { return !es[j].At.Before(before) })
		if keep > 0 {
			old = max(old, len(es)-keep)
		}
		n += old
		if old == len(es) {
			delete(s.events, user)
		} else if old > 0 {
			s.events[user] = slices.Delete(es, 0, old)
		}
	}
	return n, nil
}

// Log implements [history.Log], reading every user's trail: the memory
// store is for tests and quick starts.
func (s *Store) Log(_ context.Context, q history.Query, limit int) ([]history.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	var after int64
	if !q.After.IsZero() {
		var err error
		if after, err = strconv.ParseInt(q.After.ID, 10, 64); err != nil || after <= 0 {
			return nil, fmt.Errorf("%w: %q", history.ErrInvalidCursor, q.After.ID)
		}
	}
	s.mu.Lock()
	es := s.matching(q)
	s.mu.Unlock()
	// Newest first, then the latest recorded: IDs count up.
	id := func(e history.Event) int64 { n, _ := strconv.ParseInt(e.ID, 10, 64); return n }
	slices.SortFunc(es, func(a, b history.Event) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(id(b), id(a)))
	})
	if after > 0 {
		es = slices.DeleteFunc(es, func(e history.Event) bool {
			c := e.At.Compare(q.After.At)
			return c > 0 || c == 0 && id(e) >= after
		})
	}
	return es[:min(limit, len(es))], nil
}

// CountEvents implements [history.Log].
func (s *Store) CountEvents(_ context.Context, q history.Query) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.matching(q)), nil
}

// matching returns the entries q selects, its cursor aside, in no order.
// The caller holds s.mu.
func (s *Store) matching(q history.Query) []history.Event {
	var es []history.Event
	for user, all := range s.events {
		if q.UserID != "" && user != q.UserID {
			continue
		}
		for _, e := range all {
			if q.Matches(e) {
				es = append(es, e)
			}
		}
	}
	return es
}
