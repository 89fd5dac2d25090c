package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/passkeys"
)

// RunPasskeys checks a [passkeys.Store]: every field kept as given, the
// list oldest first, another user's passkey never touched, a credential ID
// registered once across users, no more passkeys than the cap, and the
// sign counter moved by one login of those that read it, with concurrent
// callers. newStore is as for [RunTOTP].
func RunPasskeys(t *testing.T, newStore func(t *testing.T) passkeys.Store) {
	var (
		t1 = t0.Add(time.Hour)
		t2 = t0.Add(2 * time.Hour)
	)

	// add stores p, with room for max passkeys.
	add := func(t *testing.T, s passkeys.Store, p passkeys.Passkey, max int) {
		t.Helper()
		wantErr(t, fmt.Sprintf("AddPasskey(%q, %x)", p.UserID, p.ID), s.AddPasskey(t.Context(), p, max), nil)
	}
	// refuseAdd expects the addition of p to fail with want.
	refuseAdd := func(t *testing.T, s passkeys.Store, p passkeys.Passkey, max int, want error) {
		t.Helper()
		wantErr(t, fmt.Sprintf("AddPasskey(%q, %x)", p.UserID, p.ID), s.AddPasskey(t.Context(), p, max), want)
	}
	// check compares user's passkeys with want, in order, and finds each
	// by its ID.
	check := func(t *testing.T, s passkeys.Store, user string, want ...passkeys.Passkey) {
		t.Helper()
		got, err := s.Passkeys(t.Context(), user)
		wantErr(t, fmt.Sprintf("Passkeys(%q)", user), err, nil)
		if len(got) != len(want) {
			t.Fatalf("Passkeys(%q) = %d passkeys %x, want %d %x", user, len(got), credIDs(got), len(want), credIDs(want))
		}
		for i := range want {
			samePasskey(t, fmt.Sprintf("Passkeys(%q)[%d]", user, i), got[i], want[i])
			byID, err := s.PasskeyByID(t.Context(), want[i].ID)
			wantErr(t, fmt.Sprintf("PasskeyByID(%x)", want[i].ID), err, nil)
			samePasskey(t, fmt.Sprintf("PasskeyByID(%x)", want[i].ID), byID, want[i])
		}
	}
	// missing expects no passkey of credential ID id.
	missing := func(t *testing.T, s passkeys.Store, id []byte) {
		t.Helper()
		got, err := s.PasskeyByID(t.Context(), id)
		wantErr(t, fmt.Sprintf("PasskeyByID(%x)", id), err, passkeys.ErrUnknownPasskey)
		if got.ID != nil || got.UserID != "" {
			t.Errorf("PasskeyByID(%x) refused but returned %x of %q", id, got.ID, got.UserID)
		}
	}
	// use records a login of user with id at now, the counter going from
	// prev to count.
	use := func(t *testing.T, s passkeys.Store, user string, id []byte, prev, count uint32, backedUp bool, now time.Time) {
		t.Helper()
		what := fmt.Sprintf("UsePasskey(%q, %x, %d → %d)", user, id, prev, count)
		wantErr(t, what, s.UsePasskey(t.Context(), user, id, prev, count, backedUp, now), nil)
	}
	// used returns p as UsePasskey leaves it.
	used := func(p passkeys.Passkey, count uint32, backedUp bool, now time.Time) passkeys.Passkey {
		p.SignCount, p.BackedUp, p.LastUsedAt = count, backedUp, now
		return p
	}
	// others are ways to name a passkey of Alice's that are not hers to
	// change: Bob's user ID, look-alikes of hers, and IDs she has none of.
	others := func(alice, bob passkeys.Passkey) []struct {
		user string
		id   []byte
	} {
		flipped := bytes.Clone(alice.ID)
		flipped[len(flipped)/2] ^= 1
		return []struct {
			user string
			id   []byte
		}{
			{bob.UserID, alice.ID},                              // Alice's passkey in Bob's form
			{alice.UserID, bob.ID},                              // and the other way round
			{"carol", alice.ID},                                 // a user with no passkeys
			{"", alice.ID},                                      // no user at all
			{"ALICE", alice.ID},                                 // a look-alike user
			{"alice ", alice.ID},                                // and another
			{alice.UserID, nil},                                 // no ID
			{alice.UserID, []byte{}},                            // an empty one
			{alice.UserID, alice.ID[:len(alice.ID)-1]},          // a prefix
			{alice.UserID, append(bytes.Clone(alice.ID), 0)},    // an extension
			{alice.UserID, flipped},                             // one bit off
			{alice.UserID, credID("nobody's")},                  // registered nowhere
			{alice.UserID, []byte(fmt.Sprintf("%x", alice.ID))}, // the hex of hers
			{alice.UserID, append([]byte{1}, alice.ID[1:]...)},  // the same length, another first byte
		}
	}

	t.Run("MissIsEmpty", func(t *testing.T) {
		s := newStore(t)
		check(t, s, "alice")
		check(t, s, "")
		missing(t, s, credID("A"))
		missing(t, s, nil)
		missing(t, s, []byte{})
	})

	t.Run("AddThenRead", func(t *testing.T) {
		s := newStore(t)
		p := passkey("alice", "A")
		add(t, s, p, 10)
		check(t, s, "alice", p)
		check(t, s, "bob")
		missing(t, s, credID("B"))
	})

	t.Run("FieldsRoundTrip", func(t *testing.T) {
		// Every field comes back as it went in: binary IDs and keys,
		// the largest counter, text beyond ASCII, each flag.
		s := newStore(t)
		long := make([]byte, 1023) // the longest credential ID WebAuthn allows
		for i := range long {
			long[i] = byte(255 - i)
		}
		full := passkeys.Passkey{
			ID:              long,
			UserID:          "user-é-日本-\U0001F600",
			Name:            "Clé de Zoë — 日本 \U0001F511",
			PublicKey:       []byte("\xa5\x01\x02\x03\x26\x20\x01\x21\x58\x20\x00\xff\x00cose-key\x00"),
			AAGUID:          []byte{0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd},
			SignCount:       1<<32 - 1,
			Transports:      []string{"usb", "nfc", "ble", "smart-card", "hybrid", "internal", "odd, with a comma \"quoted\"", ""},
			AttestationType: "packed",
			UserVerified:    true,
			BackupEligible:  true,
			BackedUp:        true,
			CreatedAt:       t0.Add(-time.Hour + 123*time.Millisecond),
			LastUsedAt:      t0.Add(456 * time.Millisecond),
			CreatedOn:       "Safari sur macOS — 日本",
		}
		add(t, s, full, 10)
		check(t, s, full.UserID, full)

		// The other extreme: empty text, no transports, a zero AAGUID,
		// a zero counter, every flag off, never used.
		bare := passkeys.Passkey{
			ID:         []byte{0},
			UserID:     full.UserID,
			PublicKey:  []byte{0},
			AAGUID:     make([]byte, 16),
			Transports: []string{},
			CreatedAt:  t0,
		}
		add(t, s, bare, 10)
		check(t, s, full.UserID, full, bare)

		// Each flag on its own, and a nil list of transports.
		for i, flags := range [][3]bool{{true, false, false}, {false, true, false}, {false, true, true}} {
			p := passkey("bob", fmt.Sprint("flags-", i))
			p.UserVerified, p.BackupEligible, p.BackedUp = flags[0], flags[1], flags[2]
			p.Transports = nil
			p.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			add(t, s, p, 10)
			got, err := s.PasskeyByID(t.Context(), p.ID)
			wantErr(t, "PasskeyByID", err, nil)
			samePasskey(t, fmt.Sprint("flags ", flags), got, p)
		}
	})

	t.Run("BytesAreCopied", func(t *testing.T) {
		// Neither the slices a caller passed nor those it was given share
		// memory with what the store keeps.
		s := newStore(t)
		want := passkey("alice", "A")
		p := want
		p.ID, p.PublicKey, p.AAGUID = bytes.Clone(want.ID), bytes.Clone(want.PublicKey), bytes.Clone(want.AAGUID)
		p.Transports = slices.Clone(want.Transports)
		add(t, s, p, 10)
		p.ID[0] ^= 0xff
		p.PublicKey[0] ^= 0xff
		p.AAGUID[0] ^= 0xff
		p.Transports[0] = "changed"
		spoil := func(got passkeys.Passkey) {
			for _, b := range [][]byte{got.ID, got.PublicKey, got.AAGUID} {
				if len(b) > 0 {
					b[0] ^= 0xff
				}
			}
			if len(got.Transports) > 0 {
				got.Transports[0] = "changed"
			}
		}
		list, err := s.Passkeys(t.Context(), "alice")
		wantErr(t, "Passkeys", err, nil)
		for _, got := range list {
			spoil(got)
		}
		got, err := s.PasskeyByID(t.Context(), want.ID)
		wantErr(t, "PasskeyByID", err, nil)
		spoil(got)
		check(t, s, "alice", want)
		missing(t, s, p.ID)
		// An ID the caller changes after a call changes nothing either.
		id := bytes.Clone(want.ID)
		use(t, s, "alice", id, want.SignCount, want.SignCount+1, false, t1)
		id[0] ^= 0xff
		check(t, s, "alice", used(want, want.SignCount+1, false, t1))
	})

	t.Run("Order", func(t *testing.T) {
		// The oldest first; among those created at the same time, by ID,
		// byte by byte, a prefix before what extends it. Using one or
		// renaming it moves nothing.
		s := newStore(t)
		mk := func(id []byte, created time.Time) passkeys.Passkey {
			p := passkey("alice", "")
			p.ID, p.CreatedAt = id, created
			return p
		}
		old := mk([]byte{0xff, 0xff}, t0.Add(-24*time.Hour))
		a := mk([]byte{0x00, 0xff}, t0)
		b := mk([]byte{0x01}, t0)
		c := mk([]byte{0x01, 0x00}, t0)
		d := mk([]byte{0x80}, t0)
		late := mk([]byte{0x00}, t0.Add(time.Millisecond))
		for _, p := range []passkeys.Passkey{d, late, b, old, c, a} {
			add(t, s, p, 10)
		}
		check(t, s, "alice", old, a, b, c, d, late)
		use(t, s, "alice", late.ID, late.SignCount, late.SignCount+1, true, t1)
		late = used(late, late.SignCount+1, true, t1)
		wantErr(t, "RenamePasskey", s.RenamePasskey(t.Context(), "alice", old.ID, "zzz"), nil)
		old.Name = "zzz"
		check(t, s, "alice", old, a, b, c, d, late)
		// Another user's passkeys never show.
		add(t, s, passkey("bob", "bob"), 10)
		check(t, s, "alice", old, a, b, c, d, late)
		check(t, s, "carol")
	})

	t.Run("DuplicateID", func(t *testing.T) {
		// A credential ID registered already, to the same user or
		// another, is refused, and the stored passkey stays as it was.
		s := newStore(t)
		a := passkey("alice", "A")
		add(t, s, a, 10)
		again := passkey("alice", "A")
		again.Name, again.PublicKey, again.SignCount, again.CreatedAt = "Again", []byte("another key"), 99, t1
		refuseAdd(t, s, again, 10, passkeys.ErrDuplicate)
		stolen := passkey("bob", "A")
		stolen.Name, stolen.PublicKey = "Intruder", []byte("attacker's key")
		refuseAdd(t, s, stolen, 10, passkeys.ErrDuplicate)
		check(t, s, "alice", a)
		check(t, s, "bob")
		// Bob's own passkeys are fine, and the refusal did not count
		// against his cap.
		b := passkey("bob", "B")
		add(t, s, b, 1)
		check(t, s, "bob", b)
	})

	t.Run("DuplicateIDAtTheCap", func(t *testing.T) {
		// Both reasons at once: either refusal will do, and nothing
		// changes.
		s := newStore(t)
		a := passkey("alice", "A")
		add(t, s, a, 1)
		err := s.AddPasskey(t.Context(), passkey("alice", "A"), 1)
		if !errors.Is(err, passkeys.ErrDuplicate) && !errors.Is(err, passkeys.ErrTooMany) {
			t.Errorf("AddPasskey of a stored ID at the cap: %v, want %v or %v", err, passkeys.ErrDuplicate, passkeys.ErrTooMany)
		}
		check(t, s, "alice", a)
	})

	t.Run("Cap", func(t *testing.T) {
		// No more than max per user; room comes back when one is deleted;
		// other users have caps of their own.
		s := newStore(t)
		var want []passkeys.Passkey
		for i := range 3 {
			p := passkey("alice", fmt.Sprint("A", i))
			p.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
			add(t, s, p, 3)
			want = append(want, p)
		}
		extra := passkey("alice", "extra")
		extra.CreatedAt = t1
		refuseAdd(t, s, extra, 3, passkeys.ErrTooMany)
		refuseAdd(t, s, extra, 2, passkeys.ErrTooMany) // a cap lowered since
		refuseAdd(t, s, extra, 1, passkeys.ErrTooMany)
		check(t, s, "alice", want...)
		missing(t, s, extra.ID)
		// Bob is not counted with Alice.
		b := passkey("bob", "B")
		add(t, s, b, 1)
		refuseAdd(t, s, passkey("bob", "B2"), 1, passkeys.ErrTooMany)
		check(t, s, "bob", b)
		// A cap raised since lets one more in.
		add(t, s, extra, 4)
		check(t, s, "alice", append(slices.Clone(want), extra)...)
		// A deletion makes room.
		more := passkey("alice", "more")
		more.CreatedAt = t2
		refuseAdd(t, s, more, 4, passkeys.ErrTooMany)
		wantErr(t, "DeletePasskey", s.DeletePasskey(t.Context(), "alice", want[0].ID), nil)
		add(t, s, more, 4)
		check(t, s, "alice", want[1], want[2], extra, more)
	})

	t.Run("Use", func(t *testing.T) {
		s := newStore(t)
		p := passkey("alice", "A") // counter 7, not backed up, never used
		add(t, s, p, 10)
		use(t, s, "alice", p.ID, 7, 8, false, t1)
		p = used(p, 8, false, t1)
		check(t, s, "alice", p)
		// The synced state follows the authenticator, both ways.
		use(t, s, "alice", p.ID, 8, 12, true, t2)
		p = used(p, 12, true, t2)
		check(t, s, "alice", p)
		use(t, s, "alice", p.ID, 12, 13, false, t2.Add(time.Second))
		p = used(p, 13, false, t2.Add(time.Second))
		check(t, s, "alice", p)
		// The store judges no counter: a lower one is the Service's to
		// refuse; the store records what it is given.
		use(t, s, "alice", p.ID, 13, 2, false, t2.Add(2*time.Second))
		p = used(p, 2, false, t2.Add(2*time.Second))
		check(t, s, "alice", p)
		// The largest counter there is.
		use(t, s, "alice", p.ID, 2, 1<<32-1, false, t2.Add(3*time.Second))
		p = used(p, 1<<32-1, false, t2.Add(3*time.Second))
		check(t, s, "alice", p)
	})

	t.Run("UseZeroCounter", func(t *testing.T) {
		// Synced passkeys do not count: the counter stays 0, and every
		// login with it finds it still 0.
		s := newStore(t)
		p := passkey("alice", "A")
		p.SignCount, p.BackupEligible, p.BackedUp = 0, true, true
		add(t, s, p, 10)
		use(t, s, "alice", p.ID, 0, 0, true, t1)
		use(t, s, "alice", p.ID, 0, 0, true, t2)
		check(t, s, "alice", used(p, 0, true, t2))
	})

	t.Run("UseCounterMoved", func(t *testing.T) {
		// A login that read the counter before another login moved it
		// changes nothing.
		s := newStore(t)
		p := passkey("alice", "A") // counter 7
		add(t, s, p, 10)
		use(t, s, "alice", p.ID, 7, 8, true, t1)
		p = used(p, 8, true, t1)
		for _, prev := range []uint32{7, 0, 9, 1<<32 - 1} {
			err := s.UsePasskey(t.Context(), "alice", p.ID, prev, 9, false, t2)
			wantErr(t, fmt.Sprintf("UsePasskey(prev %d) with the counter at 8", prev), err, passkeys.ErrCounterMoved)
		}
		check(t, s, "alice", p)
	})

	t.Run("UseOtherUsersPasskey", func(t *testing.T) {
		// With the right counter, even: another user's passkey, or none,
		// is unknown, and nothing changes.
		s := newStore(t)
		a, b := passkey("alice", "A"), passkey("bob", "B")
		add(t, s, a, 10)
		add(t, s, b, 10)
		for _, c := range others(a, b) {
			err := s.UsePasskey(t.Context(), c.user, c.id, 7, 8, true, t1)
			wantErr(t, fmt.Sprintf("UsePasskey(%q, %x)", c.user, c.id), err, passkeys.ErrUnknownPasskey)
		}
		check(t, s, "alice", a)
		check(t, s, "bob", b)
	})

	t.Run("Rename", func(t *testing.T) {
		s := newStore(t)
		a, a2 := passkey("alice", "A"), passkey("alice", "A2")
		a2.CreatedAt = t1
		add(t, s, a, 10)
		add(t, s, a2, 10)
		wantErr(t, "RenamePasskey", s.RenamePasskey(t.Context(), "alice", a.ID, "Clé USB — Zoë"), nil)
		a.Name = "Clé USB — Zoë"
		check(t, s, "alice", a, a2)
		// The same name again, and an empty one, are renames too.
		wantErr(t, "RenamePasskey same", s.RenamePasskey(t.Context(), "alice", a.ID, a.Name), nil)
		wantErr(t, "RenamePasskey empty", s.RenamePasskey(t.Context(), "alice", a.ID, ""), nil)
		a.Name = ""
		check(t, s, "alice", a, a2)
		// The passkey still works after a rename.
		use(t, s, "alice", a.ID, a.SignCount, a.SignCount+1, false, t1)
		check(t, s, "alice", used(a, a.SignCount+1, false, t1), a2)
	})

	t.Run("RenameOtherUsersPasskey", func(t *testing.T) {
		s := newStore(t)
		a, b := passkey("alice", "A"), passkey("bob", "B")
		add(t, s, a, 10)
		add(t, s, b, 10)
		for _, c := range others(a, b) {
			err := s.RenamePasskey(t.Context(), c.user, c.id, "Pwned")
			wantErr(t, fmt.Sprintf("RenamePasskey(%q, %x)", c.user, c.id), err, passkeys.ErrUnknownPasskey)
		}
		check(t, s, "alice", a)
		check(t, s, "bob", b)
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		a, a2 := passkey("alice", "A"), passkey("alice", "A2")
		a2.CreatedAt = t1
		add(t, s, a, 10)
		add(t, s, a2, 10)
		wantErr(t, "DeletePasskey", s.DeletePasskey(t.Context(), "alice", a.ID), nil)
		check(t, s, "alice", a2)
		missing(t, s, a.ID)
		// Gone is gone: every method naming it finds nothing.
		wantErr(t, "DeletePasskey again", s.DeletePasskey(t.Context(), "alice", a.ID), passkeys.ErrUnknownPasskey)
		wantErr(t, "UsePasskey deleted", s.UsePasskey(t.Context(), "alice", a.ID, a.SignCount, a.SignCount+1, false, t1), passkeys.ErrUnknownPasskey)
		wantErr(t, "RenamePasskey deleted", s.RenamePasskey(t.Context(), "alice", a.ID, "Back"), passkeys.ErrUnknownPasskey)
		check(t, s, "alice", a2)
		// Its credential ID is free again, for anyone.
		b := passkey("bob", "A")
		add(t, s, b, 10)
		check(t, s, "bob", b)
		wantErr(t, "DeletePasskey last", s.DeletePasskey(t.Context(), "alice", a2.ID), nil)
		check(t, s, "alice")
	})

	t.Run("DeleteOtherUsersPasskey", func(t *testing.T) {
		s := newStore(t)
		a, b := passkey("alice", "A"), passkey("bob", "B")
		add(t, s, a, 10)
		add(t, s, b, 10)
		for _, c := range others(a, b) {
			err := s.DeletePasskey(t.Context(), c.user, c.id)
			wantErr(t, fmt.Sprintf("DeletePasskey(%q, %x)", c.user, c.id), err, passkeys.ErrUnknownPasskey)
		}
		check(t, s, "alice", a)
		check(t, s, "bob", b)
	})

	t.Run("ConcurrentAddCap", func(t *testing.T) {
		// More registrations at once than the cap has room for: exactly
		// the cap succeed, and they are what the list holds.
		s := newStore(t)
		const n, max = 20, 10
		ps := make([]passkeys.Passkey, n)
		for i := range ps {
			ps[i] = passkey("alice", fmt.Sprint("A", i))
		}
		errs := Together(n, func(i int) error { return s.AddPasskey(t.Context(), ps[i], max) })
		won := countOutcomes(t, errs, passkeys.ErrTooMany, max)
		got, err := s.Passkeys(t.Context(), "alice")
		wantErr(t, "Passkeys", err, nil)
		var want [][]byte
		for _, i := range won {
			want = append(want, ps[i].ID)
		}
		slices.SortFunc(want, bytes.Compare) // created at the same time: by ID
		if !slices.EqualFunc(credIDs(got), want, bytes.Equal) {
			t.Errorf("Passkeys = %x, want those added, %x", credIDs(got), want)
		}
	})

	t.Run("ConcurrentAddSameID", func(t *testing.T) {
		// One credential ID registered at once by several users (or one
		// user, twice): one registration wins, and the ID is its.
		s := newStore(t)
		const n = 20
		users := []string{"alice", "bob", "carol", "alice"}
		ps := make([]passkeys.Passkey, n)
		for i := range ps {
			ps[i] = passkey(users[i%len(users)], "A")
			ps[i].Name = fmt.Sprint("caller ", i)
		}
		errs := Together(n, func(i int) error { return s.AddPasskey(t.Context(), ps[i], 10) })
		won := countOutcomes(t, errs, passkeys.ErrDuplicate, 1)
		if len(won) == 1 {
			w := ps[won[0]]
			check(t, s, w.UserID, w)
			for _, u := range users[:3] {
				if u != w.UserID {
					check(t, s, u)
				}
			}
		}
	})

	t.Run("ConcurrentUse", func(t *testing.T) {
		// Logins that all read the same counter: one records its use,
		// the others find the counter moved.
		s := newStore(t)
		p := passkey("alice", "A") // counter 7
		add(t, s, p, 10)
		const n = 20
		errs := Together(n, func(i int) error {
			return s.UsePasskey(t.Context(), "alice", p.ID, 7, uint32(8+i), i%2 == 0, t1.Add(time.Duration(i)*time.Second))
		})
		won := countOutcomes(t, errs, passkeys.ErrCounterMoved, 1)
		if len(won) == 1 {
			i := won[0]
			check(t, s, "alice", used(p, uint32(8+i), i%2 == 0, t1.Add(time.Duration(i)*time.Second)))
		}
	})
}

// BenchmarkUsePasskey measures recording a login with a passkey: the
// compare-and-swap of its sign counter.
func BenchmarkUsePasskey(b *testing.B, s passkeys.Store) {
	ctx := b.Context()
	p := passkey("bench-user", "bench")
	if err := s.AddPasskey(ctx, p, 10); err != nil {
		b.Fatal(err)
	}
	// Other users' passkeys, so the lookup is not in a table of one row.
	for i := range 100 {
		o := passkey(fmt.Sprint("user-", i), fmt.Sprint("other-", i))
		if err := s.AddPasskey(ctx, o, 10); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	count, now := p.SignCount, t0
	for b.Loop() {
		now = now.Add(time.Millisecond)
		if err := s.UsePasskey(ctx, p.UserID, p.ID, count, count+1, false, now); err != nil {
			b.Fatal(err)
		}
		count++
	}
}

// passkey returns a passkey of user with the credential ID of label,
// registered at t0 and never used, its counter at 7.
func passkey(user, label string) passkeys.Passkey {
	return passkeys.Passkey{
		ID:              credID(label),
		UserID:          user,
		Name:            "YubiKey 5",
		PublicKey:       append([]byte("\x00cose-key-of-"+label), 0xff),
		AAGUID:          []byte{0xee, 0x88, 0x28, 0x79, 0x72, 0x1c, 0x49, 0x13, 0x97, 0x75, 0x3d, 0xfc, 0xce, 0x97, 0x07, 0x2a},
		SignCount:       7,
		Transports:      []string{"usb", "nfc"},
		AttestationType: "none",
		UserVerified:    true,
		CreatedAt:       t0,
		CreatedOn:       "Firefox on Windows",
	}
}

// credID returns the credential ID of label: 32 bytes, starting with a zero
// byte and ending with 0xff so that a backend mangling binary data shows.
func credID(label string) []byte {
	sum := sha256.Sum256([]byte("credential/" + label))
	sum[0], sum[len(sum)-1] = 0, 0xff
	return sum[:]
}

// samePasskey reports a failure unless got is want, times to the
// millisecond, an empty list of transports the same as none.
func samePasskey(t *testing.T, what string, got, want passkeys.Passkey) {
	t.Helper()
	if !bytes.Equal(got.ID, want.ID) || got.UserID != want.UserID {
		t.Errorf("%s = passkey %x of %q, want %x of %q", what, got.ID, got.UserID, want.ID, want.UserID)
	}
	if got.Name != want.Name || got.AttestationType != want.AttestationType || got.CreatedOn != want.CreatedOn {
		t.Errorf("%s = {Name %q, AttestationType %q, CreatedOn %q}, want {%q, %q, %q}", what,
			got.Name, got.AttestationType, got.CreatedOn, want.Name, want.AttestationType, want.CreatedOn)
	}
	if !bytes.Equal(got.PublicKey, want.PublicKey) {
		t.Errorf("%s: PublicKey = %x, want %x", what, got.PublicKey, want.PublicKey)
	}
	if !bytes.Equal(got.AAGUID, want.AAGUID) {
		t.Errorf("%s: AAGUID = %x, want %x", what, got.AAGUID, want.AAGUID)
	}
	if got.SignCount != want.SignCount {
		t.Errorf("%s: SignCount = %d, want %d", what, got.SignCount, want.SignCount)
	}
	if !slices.Equal(got.Transports, want.Transports) {
		t.Errorf("%s: Transports = %q, want %q", what, got.Transports, want.Transports)
	}
	if got.UserVerified != want.UserVerified || got.BackupEligible != want.BackupEligible || got.BackedUp != want.BackedUp {
		t.Errorf("%s = {UserVerified %v, BackupEligible %v, BackedUp %v}, want {%v, %v, %v}", what,
			got.UserVerified, got.BackupEligible, got.BackedUp, want.UserVerified, want.BackupEligible, want.BackedUp)
	}
	sameTime(t, what+": CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, what+": LastUsedAt", got.LastUsedAt, want.LastUsedAt)
}

// credIDs lists the IDs of ps, for messages.
func credIDs(ps []passkeys.Passkey) [][]byte {
	var ids [][]byte
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}
