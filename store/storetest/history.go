package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/history"
)

// RunHistory checks a [history.Store]: events recorded, read newest first
// by kind and limit, and pruned. newStore is as for [RunTOTP].
func RunHistory(t *testing.T, newStore func(t *testing.T) history.Store) {
	// attempt returns a failed TOTP attempt of user at at, its device
	// naming it.
	attempt := func(user string, at time.Time, device string) history.Event {
		return history.Event{
			UserID: user, At: at, Kind: history.Attempt, Method: history.TOTP,
			Reason: history.WrongCode, IP: "192.0.2.1", Device: device,
		}
	}
	// record appends e.
	record := func(t *testing.T, s history.Store, e history.Event) {
		t.Helper()
		wantErr(t, fmt.Sprintf("RecordEvent(%q, %q)", e.UserID, e.Device), s.RecordEvent(t.Context(), e), nil)
	}
	// read returns user's events.
	read := func(t *testing.T, s history.Store, user string, limit int, kinds ...history.Kind) []history.Event {
		t.Helper()
		got, err := s.Events(t.Context(), user, limit, kinds...)
		wantErr(t, fmt.Sprintf("Events(%q, %d, %q)", user, limit, kinds), err, nil)
		return got
	}
	// check compares user's events with want, in order, IDs aside.
	check := func(t *testing.T, s history.Store, user string, limit int, kinds []history.Kind, want ...history.Event) []history.Event {
		t.Helper()
		got := read(t, s, user, limit, kinds...)
		what := fmt.Sprintf("Events(%q, %d, %q)", user, limit, kinds)
		if len(got) != len(want) {
			t.Fatalf("%s = %d events %v, want %d %v", what, len(got), devicesOf(got), len(want), devicesOf(want))
		}
		for i := range want {
			sameEvent(t, fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
		}
		return got
	}
	// prune prunes before, keeping keep per user, and expects n removed.
	prune := func(t *testing.T, s history.Store, before time.Time, keep, n int) {
		t.Helper()
		got, err := s.PruneEvents(t.Context(), before, keep)
		wantErr(t, "PruneEvents", err, nil)
		if got != n {
			t.Errorf("PruneEvents(%v, %d) = %d, want %d", before.Sub(t0), keep, got, n)
		}
	}

	t.Run("FieldsRoundTrip", func(t *testing.T) {
		s := newStore(t)
		full := history.Event{
			UserID:  "user-é-日本-\U0001F600",
			At:      t0.Add(123 * time.Millisecond),
			Kind:    history.Attempt,
			Method:  history.BackupCode,
			Success: false,
			Reason:  history.Replayed,
			IP:      "2001:db8:85a3::8a2e:370:7334",
			Device:  "Téléphone de Zoë — 日本 \U0001F4F1",
		}
		success := history.Event{
			UserID: full.UserID, At: t0.Add(time.Second + 999*time.Millisecond), Kind: history.Attempt,
			Method: history.TrustedDevice, Success: true, IP: "192.0.2.1", Device: "Safari on iOS",
		}
		event := history.Event{UserID: full.UserID, At: t0.Add(2 * time.Second), Kind: history.NotMe, Ref: "entry-42 é"}
		record(t, s, full)
		record(t, s, success)
		record(t, s, event)
		got := check(t, s, full.UserID, 10, nil, event, success, full)
		for i, e := range got {
			if e.ID == "" {
				t.Errorf("event %d has no ID", i)
			}
		}
	})

	t.Run("ActorAndNote", func(t *testing.T) {
		// An administrator's reset names them and gives a reason; the
		// user's own entries have neither, and come back without. Read
		// through every kind and through a list of kinds, which a backend
		// may query differently, and after a prune of older entries.
		s := newStore(t)
		old := attempt("alice", t0.Add(-time.Hour), "old")
		own := history.Event{UserID: "alice", At: t0, Kind: history.TOTPEnabled, IP: "192.0.2.1", Device: "Firefox on Linux"}
		reset := history.Event{
			UserID: "alice", At: t0.Add(time.Second), Kind: history.AdminReset,
			Actor: "Zoë Ångström — 管理者 \U0001F6E1",
			Note:  "Téléphone perdu, identité vérifiée au guichet ; 電話を紛失 \U0001F4F5\nsecond line",
		}
		after := attempt("alice", t0.Add(2*time.Second), "after")
		for _, e := range []history.Event{old, own, reset, after} {
			record(t, s, e)
		}
		got := check(t, s, "alice", 10, nil, after, reset, own, old)
		for _, e := range []history.Event{got[0], got[2], got[3]} {
			if e.Actor != "" || e.Note != "" {
				t.Errorf("event %q: Actor %q, Note %q, want both empty", e.Device, e.Actor, e.Note)
			}
		}
		check(t, s, "alice", 10, []history.Kind{history.AdminReset}, reset)
		check(t, s, "alice", 10, []history.Kind{history.AdminReset, history.TOTPEnabled}, reset, own)
		prune(t, s, t0, 0, 1)
		check(t, s, "alice", 10, nil, after, reset, own)
	})

	t.Run("IDsAreTheStores", func(t *testing.T) {
		// The store sets each ID, distinct, whatever the caller put there.
		s := newStore(t)
		const n = 12
		for i := range n {
			e := attempt("alice", t0.Add(time.Duration(i%3)*time.Second), fmt.Sprint("d", i))
			e.ID = "caller-set"
			record(t, s, e)
		}
		record(t, s, attempt("bob", t0, "b"))
		seen := map[string]bool{}
		for _, user := range []string{"alice", "bob"} {
			for _, e := range read(t, s, user, 100) {
				if e.ID == "" || e.ID == "caller-set" || seen[e.ID] {
					t.Errorf("event %q of %s: ID %q is not a fresh one from the store", e.Device, user, e.ID)
				}
				seen[e.ID] = true
			}
		}
		if len(seen) != n+1 {
			t.Errorf("%d distinct IDs, want %d", len(seen), n+1)
		}
	})

	t.Run("NewestFirst", func(t *testing.T) {
		// By time, not by the order of recording.
		s := newStore(t)
		e1 := attempt("alice", t0.Add(time.Minute), "1")
		e2 := attempt("alice", t0.Add(3*time.Minute), "2")
		e3 := attempt("alice", t0, "3")
		e4 := attempt("alice", t0.Add(2*time.Minute), "4")
		e5 := attempt("alice", t0.Add(2*time.Minute+time.Millisecond), "5")
		for _, e := range []history.Event{e1, e2, e3, e4, e5} {
			record(t, s, e)
		}
		check(t, s, "alice", 10, nil, e2, e5, e4, e1, e3)
	})

	t.Run("TiesLatestRecordedFirst", func(t *testing.T) {
		// Entries at the same millisecond (a success and the events it
		// causes) come back the latest recorded first. Enough of them,
		// mixed with others, that a sort which is not stable shows.
		s := newStore(t)
		var tied, later, earlier []history.Event // newest first
		for i := range 40 {
			switch e := attempt("alice", t0, fmt.Sprint(i)); i % 4 {
			case 1:
				e.At = t0.Add(time.Duration(i) * time.Millisecond)
				later = append([]history.Event{e}, later...)
				record(t, s, e)
			case 3:
				e.At = t0.Add(-time.Duration(i) * time.Millisecond)
				earlier = append(earlier, e)
				record(t, s, e)
			default:
				tied = append([]history.Event{e}, tied...)
				record(t, s, e)
			}
		}
		all := slices.Concat(later, tied, earlier)
		check(t, s, "alice", 100, nil, all...)
		check(t, s, "alice", len(later)+3, nil, all[:len(later)+3]...)
	})

	t.Run("Limit", func(t *testing.T) {
		// 15 recorded, 10 asked for: the 10 newest.
		s := newStore(t)
		var all []history.Event // newest first
		for i := range 15 {
			e := attempt("alice", t0.Add(time.Duration(i)*time.Minute), fmt.Sprint(i))
			record(t, s, e)
			all = append([]history.Event{e}, all...)
		}
		check(t, s, "alice", 10, nil, all[:10]...)
		check(t, s, "alice", 1, nil, all[0])
		check(t, s, "alice", 15, nil, all...)
		check(t, s, "alice", 1000, nil, all...)
		check(t, s, "alice", 0, nil)
		check(t, s, "alice", -1, nil)
	})

	t.Run("Kinds", func(t *testing.T) {
		s := newStore(t)
		mk := func(at time.Duration, kind history.Kind) history.Event {
			return history.Event{UserID: "alice", At: t0.Add(at), Kind: kind, IP: "192.0.2.1", Device: string(kind)}
		}
		a1 := attempt("alice", t0.Add(time.Minute), "a1")
		enabled := mk(2*time.Minute, history.TOTPEnabled)
		a2 := attempt("alice", t0.Add(3*time.Minute), "a2")
		trusted := mk(4*time.Minute, history.DeviceTrusted)
		a3 := attempt("alice", t0.Add(5*time.Minute), "a3")
		revoked := mk(6*time.Minute, history.DeviceRevoked)
		for _, e := range []history.Event{a1, enabled, a2, trusted, a3, revoked} {
			record(t, s, e)
		}
		// Bob's entries of every kind never show.
		for _, e := range []history.Event{attempt("bob", t0.Add(7*time.Minute), "b"), mk(8*time.Minute, history.DeviceTrusted)} {
			e.UserID = "bob"
			record(t, s, e)
		}
		check(t, s, "alice", 10, nil, revoked, a3, trusted, a2, enabled, a1)
		check(t, s, "alice", 10, []history.Kind{}, revoked, a3, trusted, a2, enabled, a1)
		check(t, s, "alice", 10, []history.Kind{history.Attempt}, a3, a2, a1)
		// The limit counts the entries of those kinds.
		check(t, s, "alice", 2, []history.Kind{history.Attempt}, a3, a2)
		check(t, s, "alice", 10, []history.Kind{history.DeviceTrusted, history.DeviceRevoked}, revoked, trusted)
		check(t, s, "alice", 10, []history.Kind{history.DeviceRevoked, history.DeviceTrusted, history.DeviceRevoked}, revoked, trusted)
		check(t, s, "alice", 10, []history.Kind{history.LockedOut})
		check(t, s, "alice", 10, []history.Kind{"no-such-kind"})
		check(t, s, "alice", 10, []history.Kind{""})
	})

	t.Run("OtherUsers", func(t *testing.T) {
		s := newStore(t)
		a := attempt("alice", t0, "a")
		record(t, s, attempt("bob", t0.Add(time.Minute), "b"))
		record(t, s, a)
		record(t, s, attempt("alice2", t0.Add(time.Minute), "alice2"))
		record(t, s, attempt("ALICE", t0.Add(time.Minute), "ALICE"))
		record(t, s, attempt("", t0.Add(time.Minute), "nobody"))
		check(t, s, "alice", 10, nil, a)
		check(t, s, "alice", 10, []history.Kind{history.Attempt}, a)
		check(t, s, "carol", 10, nil)
	})

	t.Run("Prune", func(t *testing.T) {
		// Older than before goes, for every user; at before and after
		// stays.
		s := newStore(t)
		var keptA, keptB []history.Event
		for _, user := range []string{"alice", "bob"} {
			for _, d := range []time.Duration{-48 * time.Hour, -time.Millisecond, 0, time.Hour} {
				e := attempt(user, t0.Add(d), fmt.Sprint(user, d))
				record(t, s, e)
				if d >= 0 {
					if user == "alice" {
						keptA = append([]history.Event{e}, keptA...)
					} else {
						keptB = append([]history.Event{e}, keptB...)
					}
				}
			}
		}
		prune(t, s, t0, 0, 4)
		check(t, s, "alice", 10, nil, keptA...)
		check(t, s, "bob", 10, nil, keptB...)
		prune(t, s, t0, 0, 0)
		prune(t, s, t0.Add(-time.Hour), 0, 0)
		prune(t, s, t0.Add(2*time.Hour), 0, 4)
		check(t, s, "alice", 10, nil)
		// Recording goes on after a prune, with fresh IDs.
		e := attempt("alice", t0, "after")
		record(t, s, e)
		check(t, s, "alice", 10, nil, e)
	})

	t.Run("PruneMany", func(t *testing.T) {
		// More entries than a backend may remove in one go: all of them
		// are removed, and counted.
		s := newStore(t)
		const workers, each = 10, 250
		errs := Together(workers, func(w int) error {
			for i := range each {
				e := attempt(fmt.Sprint("user-", w), t0.Add(-time.Duration(i+1)*time.Second), fmt.Sprint(i))
				if err := s.RecordEvent(t.Context(), e); err != nil {
					return err
				}
			}
			return nil
		})
		for w, err := range errs {
			wantErr(t, fmt.Sprint("RecordEvent of worker ", w), err, nil)
		}
		kept := attempt("user-0", t0, "kept")
		record(t, s, kept)
		// Each user's newest 100, kept's included, then the old ones.
		prune(t, s, t0.Add(-24*time.Hour), 100, workers*(each-100)+1)
		prune(t, s, t0, 0, workers*100-1)
		check(t, s, "user-0", 10, nil, kept)
		check(t, s, "user-1", 10, nil)
	})

	t.Run("PruneKeepsNewestPerUser", func(t *testing.T) {
		s := newStore(t)
		var alice []history.Event // newest first
		for i := range 5 {
			e := attempt("alice", t0.Add(time.Duration(i)*time.Second), fmt.Sprint(i))
			record(t, s, e)
			alice = append([]history.Event{e}, alice...)
		}
		tie := attempt("alice", t0.Add(4*time.Second), "tie") // recorded later: newer
		record(t, s, tie)
		alice = append([]history.Event{tie}, alice...)
		bob := attempt("bob", t0.Add(-time.Hour), "bob")
		record(t, s, bob)
		prune(t, s, t0.Add(-2*time.Hour), 3, 3)
		check(t, s, "alice", 10, nil, alice[:3]...)
		check(t, s, "bob", 10, nil, bob)
		prune(t, s, t0.Add(-2*time.Hour), 3, 0)
		prune(t, s, t0, 3, 1) // bob's is old
		check(t, s, "alice", 10, nil, alice[:3]...)
		prune(t, s, t0.Add(-2*time.Hour), 1, 2)
		check(t, s, "alice", 10, nil, tie)
	})

	t.Run("PruneEmpty", func(t *testing.T) {
		s := newStore(t)
		prune(t, s, t0, 0, 0)
	})

	t.Run("ConcurrentRecord", func(t *testing.T) {
		s := newStore(t)
		const n = 20
		errs := Together(n, func(i int) error {
			return s.RecordEvent(t.Context(), attempt("alice", t0.Add(time.Duration(i)*time.Second), fmt.Sprint(i)))
		})
		for i, err := range errs {
			wantErr(t, fmt.Sprint("RecordEvent ", i), err, nil)
		}
		got := read(t, s, "alice", 100)
		if len(got) != n {
			t.Fatalf("%d events, want %d", len(got), n)
		}
		seen := map[string]bool{}
		for i, e := range got {
			sameEvent(t, fmt.Sprint("event ", i), e, attempt("alice", t0.Add(time.Duration(n-1-i)*time.Second), fmt.Sprint(n-1-i)))
			if seen[e.ID] {
				t.Errorf("ID %q given twice", e.ID)
			}
			seen[e.ID] = true
		}
	})
}

// BenchmarkRecordEvent measures recording one second-factor attempt, the
// store work history adds to every challenge.
func BenchmarkRecordEvent(b *testing.B, s history.Store) {
	ctx := b.Context()
	e := history.Event{
		UserID: "bench-user", Kind: history.Attempt, Method: history.TOTP,
		Success: true, IP: "192.0.2.1", Device: "Firefox on Windows",
	}
	b.ReportAllocs()
	at := t0
	for b.Loop() {
		at = at.Add(time.Millisecond)
		e.At = at
		if err := s.RecordEvent(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// sameEvent reports a failure unless got is want, its ID aside, its time to
// the millisecond.
func sameEvent(t *testing.T, what string, got, want history.Event) {
	t.Helper()
	got.ID, want.ID = "", ""
	gotAt, wantAt := got.At, want.At
	got.At, want.At = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
	sameTime(t, what+": At", gotAt, wantAt)
}

// devicesOf lists the Device field of es, which the tests use as a label.
func devicesOf(es []history.Event) []string {
	var s []string
	for _, e := range es {
		s = append(s, e.Device)
	}
	return s
}
