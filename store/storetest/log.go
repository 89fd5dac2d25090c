package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/history"
)

// LogStore is a [history.Store] that also reads every user's trail at once.
type LogStore interface {
	history.Store
	history.Log
}

// RunLog checks a [history.Log] against the entries recorded through
// [history.Store]:
//
//   - each condition of a [history.Query] alone and combined, as
//     [history.Query.Matches] says, one user's entries never another's
//     (one ID a prefix of another);
//   - the order of Events: newest first, entries of the same millisecond
//     latest recorded first, entries recorded out of time order included;
//   - paging: walked one and three at a time from each page's last entry,
//     its time in milliseconds, a listing gives every entry once, in
//     order;
//   - counts: CountEvents is the listing's length, its cursor aside;
//   - a limit of zero gives none; a malformed cursor (an ID no store of
//     this kind gives) is [history.ErrInvalidCursor].
func RunLog(t *testing.T, newStore func(t *testing.T) LogStore) {
	ctx := t.Context()
	s := newStore(t)

	// The entries, in the order recorded; Device labels each.
	var recorded []history.Event
	add := func(e history.Event) {
		t.Helper()
		e.Device = fmt.Sprint("e", len(recorded))
		if e.IP == "" {
			e.IP = "192.0.2.1"
		}
		wantErr(t, "RecordEvent "+e.Device, s.RecordEvent(ctx, e), nil)
		recorded = append(recorded, e)
	}
	at := func(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }
	attempt := func(user string, m int, method history.Method, ok bool) history.Event {
		e := history.Event{UserID: user, At: at(m), Kind: history.Attempt, Method: method, Success: ok}
		if !ok {
			e.Reason = history.WrongCode
		}
		return e
	}
	event := func(user string, m int, k history.Kind) history.Event {
		return history.Event{UserID: user, At: at(m), Kind: k}
	}

	if got, err := s.Log(ctx, history.Query{}, 10); err != nil || len(got) != 0 {
		t.Fatalf("Log of an empty store = %v, %v; want none", devicesOf(got), err)
	}
	for _, user := range []string{"al", "alice", "bob"} {
		add(attempt(user, 1, history.Password, true))
		add(attempt(user, 2, history.TOTP, false))
		add(attempt(user, 2, history.TOTP, false)) // the same minute: latest recorded first
		add(attempt(user, 3, history.BackupCode, true))
		add(event(user, 3, history.CodeUsed))
	}
	add(attempt("alice", 4, history.Password, false))
	add(event("alice", 5, history.LockedOut))
	admin := event("bob", 6, history.AdminReset)
	admin.Actor, admin.Note = "Ada Admin", "lost phone"
	add(admin)
	add(event("al", 0, history.TOTPEnabled)) // recorded late, earlier than most
	add(attempt("bob", 60*24, history.SMS, false))
	// Within one millisecond, in time order: a store keeps milliseconds.
	for _, us := range []time.Duration{300, 600} {
		e := event("carol", 7, history.DeviceRevoked)
		e.At = e.At.Add(us * time.Microsecond)
		add(e)
	}

	// want lists what q selects, in the order of Events.
	want := func(q history.Query) []history.Event {
		var es []history.Event
		for i := len(recorded) - 1; i >= 0; i-- {
			if q.Matches(recorded[i]) {
				es = append(es, recorded[i])
			}
		}
		slices.SortStableFunc(es, func(a, b history.Event) int { return b.At.Compare(a.At) })
		return es
	}
	queries := []history.Query{
		{},
		{UserID: "al"},
		{UserID: "alice"},
		{UserID: "nobody"},
		{Kinds: []history.Kind{history.Attempt}},
		{Kinds: []history.Kind{history.LockedOut, history.AdminReset}},
		{Kinds: []history.Kind{history.NotMe}},
		{Methods: []history.Method{history.TOTP, history.SMS}},
		{Failed: true},
		{Failed: true, Methods: []history.Method{history.TOTP, history.BackupCode, history.SMS}},
		{Since: at(3)},
		{Until: at(3)},
		{Since: at(2), Until: at(4)},
		{Since: at(2), Until: at(2)},
		{UserID: "bob", Kinds: []history.Kind{history.Attempt}, Failed: true, Since: at(2)},
		{Kinds: history.SecurityKinds(), Since: at(1)},
	}
	for _, q := range queries {
		what := fmt.Sprintf("%+v", q)
		w := want(q)
		got, err := s.Log(ctx, q, len(recorded)+1)
		wantErr(t, "Log "+what, err, nil)
		if !slices.Equal(devicesOf(got), devicesOf(w)) {
			t.Errorf("Log %s = %v, want %v", what, devicesOf(got), devicesOf(w))
			continue
		}
		for i := range got {
			sameEvent(t, fmt.Sprintf("Log %s[%d]", what, i), got[i], w[i])
		}

		// One and three at a time, from each page's last entry, its time
		// in milliseconds as a page's link carries it.
		for _, size := range []int{1, 3} {
			var walked []history.Event
			page := q
			for range len(recorded) + 1 {
				es, err := s.Log(ctx, page, size)
				wantErr(t, "Log, paged, "+what, err, nil)
				walked = append(walked, es...)
				if len(es) < size {
					break
				}
				last := es[len(es)-1]
				page.After = history.Cursor{At: time.UnixMilli(last.At.UnixMilli()), ID: last.ID}
			}
			if !slices.Equal(devicesOf(walked), devicesOf(w)) {
				t.Errorf("Log %s %d at a time = %v, want %v", what, size, devicesOf(walked), devicesOf(w))
			}
		}

		if len(got) > 0 {
			q.After = history.CursorOf(got[len(got)-1]) // a count has no cursor
		}
		n, err := s.CountEvents(ctx, q)
		wantErr(t, "CountEvents "+what, err, nil)
		if n != len(w) {
			t.Errorf("CountEvents %s = %d, want %d", what, n, len(w))
		}
	}

	if got, err := s.Log(ctx, history.Query{}, 0); err != nil || len(got) != 0 {
		t.Errorf("Log with limit 0 = %v, %v; want none", devicesOf(got), err)
	}
	for _, id := range []string{"", "x", "-1", "0", "1.5", "1; DROP TABLE history_events"} {
		_, err := s.Log(ctx, history.Query{After: history.Cursor{At: t0, ID: id}}, 10)
		if !errors.Is(err, history.ErrInvalidCursor) {
			t.Errorf("Log after the cursor ID %q: err = %v, want ErrInvalidCursor", id, err)
		}
	}
}

// BenchmarkLog measures the console's reads of a trail of 200,000 entries
// across 10,000 users over 30 days, one entry in ten a security event, one
// attempt in twenty a failure, a lockout an hour, about 30 administrator's
// resets in all:
//
//   - Newest: the log's first page of security events;
//   - Deep: a page two weeks back, from a cursor;
//   - User: one user's security events;
//   - Resets: the page of a rare kind, the resets;
//   - LastDay: the dashboard's two counts of the last 24 hours.
//
// A page is 51 entries, as the console asks. Filling the store is not
// timed; a store with InTx fills it 1,000 entries a transaction. settle is
// as for [BenchmarkAccounts].
func BenchmarkLog(b *testing.B, s LogStore, settle func()) {
	const entries, users, days, perTx = 200_000, 10_000, 30, 1000
	ctx := b.Context()
	inTx := inTxOf(s)
	resets := 0 // how many there are
	step := days * 24 * time.Hour / entries
	start := t0.Add(-days * 24 * time.Hour)
	for from := 0; from < entries; from += perTx {
		if err := inTx(ctx, func(ctx context.Context) error {
			for i := from; i < min(from+perTx, entries); i++ {
				e := history.Event{UserID: fmt.Sprintf("user-%05d", i%users), At: start.Add(time.Duration(i) * step),
					Kind: history.Attempt, Method: history.TOTP, Success: i%20 != 0, IP: "192.0.2.1", Device: "Firefox on Windows"}
				switch {
				case i%(entries/30) == 7:
					resets++
					e = history.Event{UserID: e.UserID, At: e.At, Kind: history.AdminReset, Actor: "admin@example.com", Note: "lost phone"}
				case i%(entries/(days*24)) == 3:
					e = history.Event{UserID: e.UserID, At: e.At, Kind: history.LockedOut, IP: e.IP}
				case i%10 == 5:
					e = history.Event{UserID: e.UserID, At: e.At, Kind: history.DeviceTrusted, IP: e.IP, Device: e.Device}
				}
				if e.Kind != history.Attempt {
					e.Method, e.Success, e.Reason = "", false, ""
				} else if !e.Success {
					e.Reason = history.WrongCode
				}
				if err := s.RecordEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if settle != nil {
		settle()
	}
	security := history.Query{Kinds: history.SecurityKinds()}
	page := func(b *testing.B, q history.Query, want int) []history.Event {
		es, err := s.Log(ctx, q, 51)
		if err != nil {
			b.Fatal(err)
		}
		if len(es) != want {
			b.Fatalf("Log(%+v) = %d entries, want %d", q, len(es), want)
		}
		return es
	}
	deep := security
	deep.After = history.Cursor{At: t0.Add(-14 * 24 * time.Hour), ID: "999999999999"}
	b.Run("Newest", func(b *testing.B) {
		for b.Loop() {
			page(b, security, 51)
		}
	})
	b.Run("Deep", func(b *testing.B) {
		for b.Loop() {
			page(b, deep, 51)
		}
	})
	b.Run("User", func(b *testing.B) {
		// Every entry of user-00005 is a security event (i%10 == 5).
		q := history.Query{UserID: "user-00005", Kinds: history.SecurityKinds()}
		for b.Loop() {
			page(b, q, entries/users)
		}
	})
	b.Run("Resets", func(b *testing.B) {
		for b.Loop() {
			page(b, history.Query{Kinds: []history.Kind{history.AdminReset}}, resets)
		}
	})
	b.Run("LastDay", func(b *testing.B) {
		since := t0.Add(-24 * time.Hour)
		for b.Loop() {
			failed, err := s.CountEvents(ctx, history.Query{Failed: true, Methods: []history.Method{history.TOTP}, Since: since})
			if err != nil {
				b.Fatal(err)
			}
			locks, err := s.CountEvents(ctx, history.Query{Kinds: []history.Kind{history.LockedOut}, Since: since})
			if err != nil {
				b.Fatal(err)
			}
			if failed == 0 || locks == 0 {
				b.Fatalf("last day: %d failed, %d lockouts", failed, locks)
			}
		}
	})
}
