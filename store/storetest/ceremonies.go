package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/passkeys"
)

// RunCeremonies checks a [passkeys.CeremonyStore]: a ceremony is taken
// once, however many takers race for it, and not at all from the moment it
// expires; a stored key is never overwritten; pruning counts what it
// removes. newStore is as for [RunTOTP].
//
// A ceremony is expired from its Expires on: TakeCeremony at now gets it
// only while now is before Expires. A take that finds it expired removes
// it all the same, and PruneCeremonies(before) removes those whose Expires
// is before before.
func RunCeremonies(t *testing.T, newStore func(t *testing.T) passkeys.CeremonyStore) {
	var (
		expires = t0.Add(5 * time.Minute)
		keyA    = ceremonyKey("A")
		keyB    = ceremonyKey("B")
	)

	// ceremony returns a ceremony of user for purpose, expiring at
	// expires.
	ceremony := func(user, purpose string) passkeys.Ceremony {
		return passkeys.Ceremony{
			UserID:  user,
			Purpose: purpose,
			Data:    []byte("\x00{\"challenge\":\"" + user + "/" + purpose + "\"}\xff"),
			Expires: expires,
		}
	}
	// save stores c under key.
	save := func(t *testing.T, s passkeys.CeremonyStore, key []byte, c passkeys.Ceremony) {
		t.Helper()
		wantErr(t, fmt.Sprintf("SaveCeremony(%x)", key), s.SaveCeremony(t.Context(), key, c), nil)
	}
	// take expects to take want from key at now.
	take := func(t *testing.T, s passkeys.CeremonyStore, key []byte, now time.Time, want passkeys.Ceremony) {
		t.Helper()
		what := fmt.Sprintf("TakeCeremony(%x) at %v", key, now.Sub(t0))
		got, err := s.TakeCeremony(t.Context(), key, now)
		wantErr(t, what, err, nil)
		sameCeremony(t, what, got, want)
	}
	// refuse expects no ceremony to take from key at now.
	refuse := func(t *testing.T, s passkeys.CeremonyStore, key []byte, now time.Time) {
		t.Helper()
		what := fmt.Sprintf("TakeCeremony(%x) at %v", key, now.Sub(t0))
		got, err := s.TakeCeremony(t.Context(), key, now)
		wantErr(t, what, err, passkeys.ErrNoCeremony)
		if got.UserID != "" || got.Purpose != "" || got.Data != nil || !got.Expires.IsZero() {
			t.Errorf("%s refused but returned %+v", what, got)
		}
	}
	// prune prunes before before and expects n removed.
	prune := func(t *testing.T, s passkeys.CeremonyStore, before time.Time, n int) {
		t.Helper()
		what := fmt.Sprintf("PruneCeremonies(%v)", before.Sub(t0))
		got, err := s.PruneCeremonies(t.Context(), before)
		wantErr(t, what, err, nil)
		if got != n {
			t.Errorf("%s = %d, want %d", what, got, n)
		}
	}

	t.Run("SaveThenTake", func(t *testing.T) {
		s := newStore(t)
		c := ceremony("alice", "register")
		save(t, s, keyA, c)
		take(t, s, keyA, t0, c)
		// Once: the second take finds nothing, even before it expires.
		refuse(t, s, keyA, t0)
		refuse(t, s, keyA, t0.Add(time.Second))
	})

	t.Run("FieldsRoundTrip", func(t *testing.T) {
		s := newStore(t)
		c := passkeys.Ceremony{
			UserID:  "user-é-日本-\U0001F600",
			Purpose: "réauthentification",
			Data:    bytes.Repeat([]byte{0x00, 0xff, 0x7f, 0x80}, 1024),
			Expires: expires.Add(789 * time.Millisecond),
		}
		save(t, s, keyA, c)
		take(t, s, keyA, t0, c)
		// A passwordless login names no user; no data is kept as none.
		empty := passkeys.Ceremony{Purpose: "login", Expires: expires}
		save(t, s, keyB, empty)
		take(t, s, keyB, t0, empty)
	})

	t.Run("BytesAreCopied", func(t *testing.T) {
		s := newStore(t)
		want := ceremony("alice", "login")
		key, c := bytes.Clone(keyA), want
		c.Data = bytes.Clone(want.Data)
		save(t, s, key, c)
		key[0] ^= 0xff
		c.Data[0] ^= 0xff
		refuse(t, s, key, t0)
		take(t, s, keyA, t0, want)
	})

	t.Run("MissIsNoCeremony", func(t *testing.T) {
		s := newStore(t)
		refuse(t, s, keyA, t0)
		c := ceremony("alice", "login")
		save(t, s, keyA, c)
		flipped := bytes.Clone(keyA)
		flipped[len(flipped)/2] ^= 1
		for _, key := range [][]byte{
			keyB,                         // stored nowhere
			nil,                          // no key
			{},                           // an empty one
			keyA[:len(keyA)-1],           // a prefix
			append(bytes.Clone(keyA), 0), // an extension
			flipped,                      // one bit off
		} {
			refuse(t, s, key, t0)
		}
		take(t, s, keyA, t0, c)
	})

	t.Run("KeysAreIndependent", func(t *testing.T) {
		s := newStore(t)
		a, b := ceremony("alice", "register"), ceremony("alice", "login")
		b.Expires = expires.Add(time.Minute)
		save(t, s, keyA, a)
		save(t, s, keyB, b)
		take(t, s, keyB, t0, b)
		take(t, s, keyA, t0, a)
	})

	t.Run("Expiry", func(t *testing.T) {
		// Taken while now is before Expires; at Expires it is over.
		for _, c := range []struct {
			name string
			now  time.Time
			ok   bool
		}{
			{"LongBefore", t0, true},
			{"JustBefore", expires.Add(-time.Millisecond), true},
			{"At", expires, false},
			{"JustAfter", expires.Add(time.Millisecond), false},
			{"LongAfter", expires.Add(24 * time.Hour), false},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := newStore(t)
				cer := ceremony("alice", "login")
				save(t, s, keyA, cer)
				if c.ok {
					take(t, s, keyA, c.now, cer)
				} else {
					refuse(t, s, keyA, c.now)
				}
				// Either way it is gone: taken, or removed as expired.
				refuse(t, s, keyA, t0)
				prune(t, s, expires.Add(48*time.Hour), 0)
			})
		}
	})

	t.Run("SaveDuplicate", func(t *testing.T) {
		// A key that is stored already is an error, and the ceremony
		// under it stays as it was, even if it has expired.
		s := newStore(t)
		a := ceremony("alice", "register")
		save(t, s, keyA, a)
		for _, dup := range []passkeys.Ceremony{
			ceremony("bob", "login"),
			ceremony("alice", "register"),
			{Purpose: "login", Data: []byte("other"), Expires: expires.Add(time.Hour)},
		} {
			if err := s.SaveCeremony(t.Context(), keyA, dup); !errors.Is(err, passkeys.ErrDuplicate) {
				t.Errorf("SaveCeremony over a stored key with %+v: %v, want ErrDuplicate", dup, err)
			}
		}
		take(t, s, keyA, t0, a)
		// Once taken, the key is free again.
		b := ceremony("bob", "login")
		save(t, s, keyA, b)
		take(t, s, keyA, t0, b)
	})

	t.Run("Prune", func(t *testing.T) {
		// Expired before before goes; at before and after stays.
		s := newStore(t)
		before := expires
		keep := map[string]passkeys.Ceremony{}
		for i, d := range []time.Duration{-48 * time.Hour, -time.Millisecond, 0, time.Millisecond, time.Hour} {
			c := ceremony(fmt.Sprint("user-", i), "login")
			c.Expires = before.Add(d)
			key := ceremonyKey(fmt.Sprint("prune-", i))
			save(t, s, key, c)
			if d >= 0 {
				keep[string(key)] = c
			}
		}
		prune(t, s, before, 2)
		prune(t, s, before, 0)
		prune(t, s, before.Add(-time.Hour), 0)
		for key, c := range keep {
			take(t, s, []byte(key), t0, c)
		}
		refuse(t, s, ceremonyKey("prune-0"), t0)
		refuse(t, s, ceremonyKey("prune-1"), t0)
		prune(t, s, before.Add(48*time.Hour), 0)
	})

	t.Run("PruneCountsAll", func(t *testing.T) {
		s := newStore(t)
		const n = 250
		for i := range n {
			c := ceremony("alice", "login")
			c.Expires = t0.Add(-time.Duration(i+1) * time.Second)
			save(t, s, ceremonyKey(fmt.Sprint(i)), c)
		}
		live := ceremony("alice", "login")
		save(t, s, keyA, live)
		prune(t, s, t0, n)
		take(t, s, keyA, t0, live)
	})

	t.Run("PruneEmpty", func(t *testing.T) {
		s := newStore(t)
		prune(t, s, t0, 0)
	})

	t.Run("ConcurrentTake", func(t *testing.T) {
		// A ceremony finished by several requests at once: one gets it.
		s := newStore(t)
		c := ceremony("alice", "login")
		save(t, s, keyA, c)
		const n = 50
		got := make([]passkeys.Ceremony, n)
		errs := Together(n, func(i int) error {
			var err error
			got[i], err = s.TakeCeremony(t.Context(), keyA, t0)
			return err
		})
		for _, i := range countOutcomes(t, errs, passkeys.ErrNoCeremony, 1) {
			sameCeremony(t, "the winning take", got[i], c)
		}
		refuse(t, s, keyA, t0)
	})

	t.Run("ConcurrentSaveSameKey", func(t *testing.T) {
		// Saves racing on one key: one is stored, the others are errors.
		s := newStore(t)
		const n = 20
		cs := make([]passkeys.Ceremony, n)
		for i := range cs {
			cs[i] = ceremony(fmt.Sprint("user-", i), "login")
		}
		errs := Together(n, func(i int) error { return s.SaveCeremony(t.Context(), keyA, cs[i]) })
		var won []int
		for i, err := range errs {
			switch {
			case err == nil:
				won = append(won, i)
			case !errors.Is(err, passkeys.ErrDuplicate):
				t.Errorf("save %d: %v, want ErrDuplicate", i, err)
			}
		}
		if len(won) != 1 {
			t.Fatalf("%d saves of one key succeeded, want 1", len(won))
		}
		take(t, s, keyA, t0, cs[won[0]])
	})
}

// BenchmarkTakeCeremony measures taking a ceremony, the store work of every
// passkey login's finish on top of the passkey's own. Ceremonies are saved
// a thousand at a time, off the clock: stopping the clock costs more than
// a take from memory.
func BenchmarkTakeCeremony(b *testing.B, s passkeys.CeremonyStore) {
	ctx := b.Context()
	const batch = 1000
	c := passkeys.Ceremony{
		UserID: "bench-user", Purpose: "login",
		Data:    bytes.Repeat([]byte("session-data"), 40),
		Expires: t0.Add(5 * time.Minute),
	}
	var keys [][]byte
	saved := 0
	fill := func() {
		keys = keys[:0]
		for range batch {
			saved++
			key := ceremonyKey(fmt.Sprint("bench-", saved))
			if err := s.SaveCeremony(ctx, key, c); err != nil {
				b.Fatal(err)
			}
			keys = append(keys, key)
		}
	}
	fill()
	b.ReportAllocs()
	next := 0
	for b.Loop() {
		if next == len(keys) {
			b.StopTimer()
			fill()
			b.StartTimer()
			next = 0
		}
		if _, err := s.TakeCeremony(ctx, keys[next], t0); err != nil {
			b.Fatal(err)
		}
		next++
	}
}

// ceremonyKey returns the key of label: the size of a SHA-256, starting
// with a zero byte and ending with 0xff so that a backend mangling binary
// data shows.
func ceremonyKey(label string) []byte {
	sum := sha256.Sum256([]byte("ceremony/" + label))
	sum[0], sum[len(sum)-1] = 0, 0xff
	return sum[:]
}

// sameCeremony reports a failure unless got is want, Expires to the
// millisecond, empty Data the same as none.
func sameCeremony(t *testing.T, what string, got, want passkeys.Ceremony) {
	t.Helper()
	if got.UserID != want.UserID || got.Purpose != want.Purpose {
		t.Errorf("%s = {UserID %q, Purpose %q}, want {%q, %q}", what, got.UserID, got.Purpose, want.UserID, want.Purpose)
	}
	if !bytes.Equal(got.Data, want.Data) {
		t.Errorf("%s: Data = %q, want %q", what, got.Data, want.Data)
	}
	sameTime(t, what+": Expires", got.Expires, want.Expires)
}
