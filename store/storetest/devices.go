package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/devices"
)

// RunDevices checks a [devices.Store]: a trusted device serves its own
// user alone while it is neither revoked nor expired, listing, renaming,
// revoking one or all, with concurrent callers. newStore is as for
// [RunTOTP].
func RunDevices(t *testing.T, newStore func(t *testing.T) devices.Store) {
	var (
		lifetime = 30 * 24 * time.Hour
		expires  = t0.Add(lifetime)
		t1       = t0.Add(time.Hour)
		t2       = t0.Add(2 * time.Hour)
		hashA    = tokenHash("A")
		hashA2   = tokenHash("A2")
		hashB    = tokenHash("B")
	)

	// device returns a device of user trusted at t0 for lifetime.
	device := func(user, id string) devices.Device {
		return devices.Device{
			ID:         id,
			UserID:     user,
			Name:       "Firefox on Windows",
			IP:         "192.0.2.1",
			CreatedAt:  t0,
			LastUsedAt: t0,
			ExpiresAt:  expires,
		}
	}
	// save stores d with hash.
	save := func(t *testing.T, s devices.Store, d devices.Device, hash []byte) {
		t.Helper()
		wantErr(t, fmt.Sprintf("SaveDevice(%q, %q)", d.UserID, d.ID), s.SaveDevice(t.Context(), d, hash), nil)
	}
	// use expects the token hash to let user in at now from ip, and the
	// device returned to be want.
	use := func(t *testing.T, s devices.Store, user string, hash []byte, ip string, now time.Time, want devices.Device) {
		t.Helper()
		what := fmt.Sprintf("UseDevice(%q, %x) at %v", user, hash, now.Sub(t0))
		got, err := s.UseDevice(t.Context(), user, hash, ip, now)
		wantErr(t, what, err, nil)
		sameDevice(t, what, got, want)
	}
	// refuse expects the token hash not to let user in at now.
	refuse := func(t *testing.T, s devices.Store, user string, hash []byte, now time.Time) {
		t.Helper()
		what := fmt.Sprintf("UseDevice(%q, %x) at %v", user, hash, now.Sub(t0))
		got, err := s.UseDevice(t.Context(), user, hash, "198.51.100.7", now)
		wantErr(t, what, err, devices.ErrUnknownDevice)
		if got != (devices.Device{}) {
			t.Errorf("%s refused but returned %+v", what, got)
		}
	}
	// check compares user's devices with want, in order.
	check := func(t *testing.T, s devices.Store, user string, want ...devices.Device) {
		t.Helper()
		got, err := s.Devices(t.Context(), user)
		wantErr(t, fmt.Sprintf("Devices(%q)", user), err, nil)
		if len(got) != len(want) {
			t.Fatalf("Devices(%q) = %d devices %v, want %d %v", user, len(got), ids(got), len(want), ids(want))
		}
		for i := range want {
			sameDevice(t, fmt.Sprintf("Devices(%q)[%d]", user, i), got[i], want[i])
		}
	}
	// used returns d as UseDevice at now from ip leaves it.
	used := func(d devices.Device, ip string, now time.Time) devices.Device {
		d.IP, d.LastUsedAt = ip, now
		return d
	}
	// revoked returns d revoked at now.
	revoked := func(d devices.Device, now time.Time) devices.Device {
		d.RevokedAt = now
		return d
	}

	t.Run("Prune", func(t *testing.T) {
		s := newStore(t)
		p, ok := s.(devices.Pruner)
		if !ok {
			t.Skip("the store does not implement devices.Pruner (optional)")
		}
		a, b, c := device("alice", "dev-a"), device("alice", "dev-b"), device("bob", "dev-c")
		c.ExpiresAt = t1
		save(t, s, a, hashA)
		save(t, s, b, hashA2)
		save(t, s, c, hashB)
		wantErr(t, "RevokeDevice", s.RevokeDevice(t.Context(), "alice", "dev-b", t1), nil)
		// Before anything ended: nothing goes; at the end itself neither.
		for _, before := range []time.Time{t0, t1} {
			n, err := p.PruneDevices(t.Context(), before)
			wantErr(t, "PruneDevices", err, nil)
			if n != 0 {
				t.Errorf("PruneDevices(%v) = %d, want 0", before.Sub(t0), n)
			}
		}
		// After: the revoked and the expired go, the trusted one stays,
		// and its token still works; a pruned token lets nobody in.
		n, err := p.PruneDevices(t.Context(), t2)
		wantErr(t, "PruneDevices", err, nil)
		if n != 2 {
			t.Errorf("PruneDevices = %d, want 2", n)
		}
		check(t, s, "alice", a)
		check(t, s, "bob")
		use(t, s, "alice", hashA, "192.0.2.1", t2, used(a, "192.0.2.1", t2))
		refuse(t, s, "alice", hashA2, t2)
		// The freed hash may serve a new device.
		save(t, s, device("alice", "dev-d"), hashA2)
	})

	t.Run("SaveThenUse", func(t *testing.T) {
		s := newStore(t)
		d := device("alice", "dev-a")
		save(t, s, d, hashA)
		check(t, s, "alice", d)
		want := used(d, "203.0.113.9", t1)
		use(t, s, "alice", hashA, "203.0.113.9", t1, want)
		check(t, s, "alice", want)
		// Not single-use: the cookie keeps working until it expires.
		want = used(d, "2001:db8::1", t2)
		use(t, s, "alice", hashA, "2001:db8::1", t2, want)
		use(t, s, "alice", hashA, "2001:db8::1", t2, want)
		check(t, s, "alice", want)
	})

	t.Run("FieldsRoundTrip", func(t *testing.T) {
		s := newStore(t)
		d := devices.Device{
			ID:         "0123456789abcdef01234567",
			UserID:     "user-é-日本-\U0001F600",
			Name:       "Téléphone de Zoë — 日本 \U0001F4F1",
			IP:         "2001:db8:85a3::8a2e:370:7334",
			CreatedAt:  t0.Add(-time.Hour + 123*time.Millisecond),
			LastUsedAt: t0.Add(456 * time.Millisecond),
			ExpiresAt:  t0.Add(lifetime + 789*time.Millisecond),
		}
		save(t, s, d, hashA)
		check(t, s, d.UserID, d)
		// A device saved already revoked keeps its revocation.
		r := revoked(device(d.UserID, "dev-revoked"), t0.Add(-2*time.Hour+999*time.Millisecond))
		r.CreatedAt, r.LastUsedAt = t0.Add(-4*time.Hour), t0.Add(-3*time.Hour)
		save(t, s, r, hashA2)
		check(t, s, d.UserID, d, r)
		refuse(t, s, d.UserID, hashA2, t1)
		// Empty name and IP are kept empty.
		e := device("bob", "dev-b")
		e.Name, e.IP = "", ""
		save(t, s, e, hashB)
		check(t, s, "bob", e)
		use(t, s, "bob", hashB, "", t1, used(e, "", t1))
	})

	t.Run("HashIsCopied", func(t *testing.T) {
		s := newStore(t)
		h := bytes.Clone(hashA)
		d := device("alice", "dev-a")
		save(t, s, d, h)
		h[0] ^= 0xff
		refuse(t, s, "alice", h, t1)
		use(t, s, "alice", hashA, "192.0.2.1", t1, used(d, "192.0.2.1", t1))
	})

	t.Run("OtherUsersToken", func(t *testing.T) {
		// The token of Alice with the password of Bob: Bob is asked for
		// his second factor, and Alice's device is not touched.
		s := newStore(t)
		a := device("alice", "dev-a")
		save(t, s, a, hashA)
		refuse(t, s, "bob", hashA, t1)
		refuse(t, s, "", hashA, t1)
		refuse(t, s, "ALICE", hashA, t1)
		refuse(t, s, "alice ", hashA, t1)
		check(t, s, "alice", a)
		check(t, s, "bob")
		// Bob having a device of his own changes nothing.
		b := device("bob", "dev-b")
		save(t, s, b, hashB)
		refuse(t, s, "bob", hashA, t1)
		refuse(t, s, "alice", hashB, t1)
		check(t, s, "alice", a)
		check(t, s, "bob", b)
		use(t, s, "alice", hashA, "192.0.2.1", t1, used(a, "192.0.2.1", t1))
	})

	t.Run("Expiry", func(t *testing.T) {
		// Trusted while now is before ExpiresAt; at ExpiresAt it is over.
		s := newStore(t)
		d := device("alice", "dev-a")
		save(t, s, d, hashA)
		last := expires.Add(-time.Millisecond)
		want := used(d, "203.0.113.9", last)
		use(t, s, "alice", hashA, "203.0.113.9", last, want)
		refuse(t, s, "alice", hashA, expires)
		refuse(t, s, "alice", hashA, expires.Add(time.Millisecond))
		refuse(t, s, "alice", hashA, expires.Add(lifetime))
		check(t, s, "alice", want)
		if got := want.StatusAt(expires); got != devices.Expired {
			t.Errorf("StatusAt(ExpiresAt) = %s, want %s", got, devices.Expired)
		}
	})

	t.Run("Revoked", func(t *testing.T) {
		s := newStore(t)
		d := device("alice", "dev-a")
		save(t, s, d, hashA)
		wantErr(t, "RevokeDevice", s.RevokeDevice(t.Context(), "alice", "dev-a", t1), nil)
		refuse(t, s, "alice", hashA, t1)
		refuse(t, s, "alice", hashA, t2)
		// Refused even at a time before its revocation: revoked is revoked.
		refuse(t, s, "alice", hashA, t0)
		check(t, s, "alice", revoked(d, t1))
	})

	t.Run("UnknownHash", func(t *testing.T) {
		s := newStore(t)
		d := device("alice", "dev-a")
		save(t, s, d, hashA)
		flipped := bytes.Clone(hashA)
		flipped[len(flipped)/2] ^= 1
		for _, h := range [][]byte{
			hashB,                         // stored nowhere
			nil,                           // no cookie
			{},                            // an empty one
			hashA[:len(hashA)-1],          // a prefix
			append(bytes.Clone(hashA), 0), // an extension
			flipped,                       // one bit off
			[]byte("dev-a"),               // the device ID
		} {
			refuse(t, s, "alice", h, t1)
		}
		refuse(t, s, "carol", hashB, t1)
		check(t, s, "alice", d)
	})

	t.Run("UnknownHashEmptyID", func(t *testing.T) {
		// A device stored under the empty ID is not what an unknown hash
		// finds.
		s := newStore(t)
		d := device("alice", "")
		save(t, s, d, hashA)
		refuse(t, s, "alice", hashB, t1)
		refuse(t, s, "alice", nil, t1)
		use(t, s, "alice", hashA, "192.0.2.9", t1, used(d, "192.0.2.9", t1))
	})

	t.Run("SaveDuplicate", func(t *testing.T) {
		// A second device under a stored ID or token hash is refused, and
		// the first stays as it was, for its own user alone.
		s := newStore(t)
		a := device("alice", "dev-a")
		save(t, s, a, hashA)
		dupID := device("bob", "dev-a")
		dupID.Name = "Intruder"
		if err := s.SaveDevice(t.Context(), dupID, hashB); err == nil {
			t.Error("SaveDevice with a stored ID succeeded")
		}
		dupHash := device("bob", "dev-b")
		dupHash.Name = "Intruder"
		if err := s.SaveDevice(t.Context(), dupHash, hashA); err == nil {
			t.Error("SaveDevice with a stored token hash succeeded")
		}
		check(t, s, "alice", a)
		check(t, s, "bob")
		refuse(t, s, "bob", hashA, t1)
		refuse(t, s, "bob", hashB, t1)
		use(t, s, "alice", hashA, "192.0.2.1", t1, used(a, "192.0.2.1", t1))
		// A new ID and a new hash are fine.
		save(t, s, dupHash, hashB)
		use(t, s, "bob", hashB, "192.0.2.2", t1, used(dupHash, "192.0.2.2", t1))
	})

	t.Run("DevicesOrder", func(t *testing.T) {
		// Most recently used first, whatever the status; between two
		// last used at the same time, the more recently created first.
		s := newStore(t)
		old := device("alice", "dev-old")
		old.CreatedAt, old.LastUsedAt, old.ExpiresAt = t0.Add(-lifetime), t0.Add(-lifetime), t0
		mid := device("alice", "dev-mid")
		mid.CreatedAt, mid.LastUsedAt = t0.Add(-time.Hour), t0.Add(-time.Hour)
		fresh := device("alice", "dev-fresh")
		twin := device("alice", "dev-twin")
		twin.CreatedAt = t0.Add(-time.Minute) // last used at t0 too, created earlier
		save(t, s, twin, tokenHash("twin"))
		save(t, s, old, tokenHash("old"))
		save(t, s, fresh, tokenHash("fresh"))
		save(t, s, mid, tokenHash("mid"))
		check(t, s, "alice", fresh, twin, mid, old)

		// Using one moves it to the top; revoking moves nothing.
		mid = used(mid, "203.0.113.9", t1)
		use(t, s, "alice", tokenHash("mid"), "203.0.113.9", t1, mid)
		wantErr(t, "RevokeDevice", s.RevokeDevice(t.Context(), "alice", "dev-mid", t2), nil)
		mid = revoked(mid, t2)
		check(t, s, "alice", mid, fresh, twin, old)
		if old.StatusAt(t1) != devices.Expired || mid.StatusAt(t2) != devices.Revoked {
			t.Error("the list was meant to hold an expired and a revoked device")
		}

		// Another user's devices never show.
		save(t, s, device("bob", "dev-bob"), hashB)
		check(t, s, "alice", mid, fresh, twin, old)
		check(t, s, "carol")
	})

	t.Run("Rename", func(t *testing.T) {
		s := newStore(t)
		a := device("alice", "dev-a")
		a2 := device("alice", "dev-a2")
		a2.CreatedAt = t0.Add(-time.Minute)
		save(t, s, a, hashA)
		save(t, s, a2, hashA2)
		wantErr(t, "RenameDevice", s.RenameDevice(t.Context(), "alice", "dev-a", "Work laptop — Zoë"), nil)
		a.Name = "Work laptop — Zoë"
		check(t, s, "alice", a, a2)
		// The same name again, and an empty one, are renames too.
		wantErr(t, "RenameDevice same", s.RenameDevice(t.Context(), "alice", "dev-a", a.Name), nil)
		wantErr(t, "RenameDevice empty", s.RenameDevice(t.Context(), "alice", "dev-a2", ""), nil)
		a2.Name = ""
		check(t, s, "alice", a, a2)
		// A revoked device can still be renamed: it stays in the list.
		wantErr(t, "RevokeDevice", s.RevokeDevice(t.Context(), "alice", "dev-a2", t1), nil)
		wantErr(t, "RenameDevice revoked", s.RenameDevice(t.Context(), "alice", "dev-a2", "Old phone"), nil)
		a2.Name, a2.RevokedAt = "Old phone", t1
		check(t, s, "alice", a, a2)
		// The token still works after a rename.
		use(t, s, "alice", hashA, "192.0.2.1", t1, used(a, "192.0.2.1", t1))
	})

	t.Run("RenameOtherUsersDevice", func(t *testing.T) {
		s := newStore(t)
		a := device("alice", "dev-a")
		b := device("bob", "dev-b")
		save(t, s, a, hashA)
		save(t, s, b, hashB)
		for _, c := range []struct{ user, id string }{
			{"bob", "dev-a"},   // Alice's device in Bob's form
			{"alice", "dev-b"}, // and the other way round
			{"carol", "dev-a"}, // a user with no devices
			{"", "dev-a"},
			{"alice", "dev-x"}, // no such device
			{"alice", ""},
			{"alice", "DEV-A"},
			{"alice", "dev-a "},
		} {
			err := s.RenameDevice(t.Context(), c.user, c.id, "Pwned")
			wantErr(t, fmt.Sprintf("RenameDevice(%q, %q)", c.user, c.id), err, devices.ErrUnknownDevice)
		}
		check(t, s, "alice", a)
		check(t, s, "bob", b)
	})

	t.Run("RevokeTwiceKeepsFirstTime", func(t *testing.T) {
		s := newStore(t)
		a := device("alice", "dev-a")
		save(t, s, a, hashA)
		wantErr(t, "RevokeDevice", s.RevokeDevice(t.Context(), "alice", "dev-a", t1), nil)
		wantErr(t, "RevokeDevice again", s.RevokeDevice(t.Context(), "alice", "dev-a", t2), nil)
		wantErr(t, "RevokeDevice earlier", s.RevokeDevice(t.Context(), "alice", "dev-a", t0), nil)
		check(t, s, "alice", revoked(a, t1))
		n, err := s.RevokeAllDevices(t.Context(), "alice", t2)
		wantErr(t, "RevokeAllDevices", err, nil)
		if n != 0 {
			t.Errorf("RevokeAllDevices counted %d already revoked devices", n)
		}
		check(t, s, "alice", revoked(a, t1))
	})

	t.Run("RevokeOtherUsersDevice", func(t *testing.T) {
		// Another user's device ID in a revoke form: refused, nothing
		// revoked.
		s := newStore(t)
		a := device("alice", "dev-a")
		b := device("bob", "dev-b")
		save(t, s, a, hashA)
		save(t, s, b, hashB)
		for _, c := range []struct{ user, id string }{
			{"bob", "dev-a"},
			{"alice", "dev-b"},
			{"carol", "dev-a"},
			{"", "dev-a"},
			{"alice", "dev-x"},
			{"alice", ""},
		} {
			err := s.RevokeDevice(t.Context(), c.user, c.id, t1)
			wantErr(t, fmt.Sprintf("RevokeDevice(%q, %q)", c.user, c.id), err, devices.ErrUnknownDevice)
		}
		check(t, s, "alice", a)
		check(t, s, "bob", b)
		use(t, s, "alice", hashA, "192.0.2.1", t1, used(a, "192.0.2.1", t1))
		use(t, s, "bob", hashB, "192.0.2.2", t1, used(b, "192.0.2.2", t1))
	})

	t.Run("RevokeAll", func(t *testing.T) {
		s := newStore(t)
		active := device("alice", "dev-active")
		active.CreatedAt = t0.Add(-time.Minute)
		active.LastUsedAt = t1
		expired := device("alice", "dev-expired")
		expired.CreatedAt, expired.LastUsedAt, expired.ExpiresAt = t0.Add(-lifetime), t0.Add(-lifetime), t0
		gone := device("alice", "dev-gone")
		gone.RevokedAt = t0
		bob := device("bob", "dev-bob")
		save(t, s, active, hashA)
		save(t, s, expired, hashA2)
		save(t, s, gone, tokenHash("gone"))
		save(t, s, bob, hashB)

		n, err := s.RevokeAllDevices(t.Context(), "alice", t2)
		wantErr(t, "RevokeAllDevices", err, nil)
		if n != 2 {
			t.Errorf("RevokeAllDevices = %d, want 2 (the active and the expired one)", n)
		}
		check(t, s, "alice", revoked(active, t2), revoked(gone, t0), revoked(expired, t2))
		refuse(t, s, "alice", hashA, t2)
		// Bob's device is untouched and still lets him in.
		check(t, s, "bob", bob)
		use(t, s, "bob", hashB, "192.0.2.2", t2, used(bob, "192.0.2.2", t2))

		n, err = s.RevokeAllDevices(t.Context(), "alice", t2.Add(time.Hour))
		wantErr(t, "RevokeAllDevices again", err, nil)
		if n != 0 {
			t.Errorf("RevokeAllDevices again = %d, want 0", n)
		}
		check(t, s, "alice", revoked(active, t2), revoked(gone, t0), revoked(expired, t2))

		// A device trusted afterwards is trusted.
		later := device("alice", "dev-later")
		later.CreatedAt, later.LastUsedAt = t2.Add(time.Hour), t2.Add(time.Hour)
		save(t, s, later, tokenHash("later"))
		use(t, s, "alice", tokenHash("later"), "192.0.2.1", t2.Add(2*time.Hour), used(later, "192.0.2.1", t2.Add(2*time.Hour)))
	})

	t.Run("RevokeAllNothing", func(t *testing.T) {
		s := newStore(t)
		save(t, s, device("bob", "dev-bob"), hashB)
		for _, user := range []string{"alice", ""} {
			n, err := s.RevokeAllDevices(t.Context(), user, t1)
			wantErr(t, fmt.Sprintf("RevokeAllDevices(%q)", user), err, nil)
			if n != 0 {
				t.Errorf("RevokeAllDevices(%q) = %d, want 0", user, n)
			}
		}
		check(t, s, "bob", device("bob", "dev-bob"))
	})

	t.Run("ConcurrentUse", func(t *testing.T) {
		// A trusted device is not single-use: tabs restoring at once
		// all get in.
		s := newStore(t)
		d := device("alice", "dev-a")
		save(t, s, d, hashA)
		const n = 20
		got := make([]devices.Device, n)
		errs := Together(n, func(i int) error {
			var err error
			got[i], err = s.UseDevice(t.Context(), "alice", hashA, fmt.Sprintf("192.0.2.%d", i), t1.Add(time.Duration(i)*time.Millisecond))
			return err
		})
		countOutcomes(t, errs, devices.ErrUnknownDevice, n)
		for i := range got {
			sameDevice(t, fmt.Sprintf("UseDevice %d", i), got[i], used(d, fmt.Sprintf("192.0.2.%d", i), t1.Add(time.Duration(i)*time.Millisecond)))
		}
		list, err := s.Devices(t.Context(), "alice")
		wantErr(t, "Devices", err, nil)
		if len(list) != 1 {
			t.Fatalf("Devices = %v, want one", ids(list))
		}
		// The last use recorded is one of them, with its own IP.
		i := slices.IndexFunc(got, func(g devices.Device) bool {
			return g.IP == list[0].IP && g.LastUsedAt.Sub(list[0].LastUsedAt).Abs() < time.Millisecond
		})
		if i < 0 {
			t.Errorf("last use %v from %s is none of the uses", list[0].LastUsedAt, list[0].IP)
		}
	})

	t.Run("ConcurrentUseAndRevoke", func(t *testing.T) {
		// Uses racing a revocation each get in before it or are refused
		// after; afterwards the device is revoked.
		s := newStore(t)
		d := device("alice", "dev-a")
		save(t, s, d, hashA)
		const n = 20
		errs := Together(n+1, func(i int) error {
			if i == n {
				return s.RevokeDevice(t.Context(), "alice", "dev-a", t1)
			}
			_, err := s.UseDevice(t.Context(), "alice", hashA, "192.0.2.1", t1)
			return err
		})
		wantErr(t, "RevokeDevice", errs[n], nil)
		for i, err := range errs[:n] {
			if err != nil && !errors.Is(err, devices.ErrUnknownDevice) {
				t.Errorf("UseDevice %d: unexpected error %v", i, err)
			}
		}
		refuse(t, s, "alice", hashA, t1)
		list, err := s.Devices(t.Context(), "alice")
		wantErr(t, "Devices", err, nil)
		if len(list) != 1 {
			t.Fatalf("Devices = %v, want one", ids(list))
		}
		sameTime(t, "RevokedAt", list[0].RevokedAt, t1)
	})

	t.Run("ConcurrentRevokeAll", func(t *testing.T) {
		// However many "revoke all" arrive at once, each device is
		// counted by one of them.
		s := newStore(t)
		const devs, n = 10, 20
		for i := range devs {
			save(t, s, device("alice", fmt.Sprint("dev-", i)), tokenHash(fmt.Sprint("alice-", i)))
		}
		counts := make([]int, n)
		errs := Together(n, func(i int) error {
			var err error
			counts[i], err = s.RevokeAllDevices(t.Context(), "alice", t1)
			return err
		})
		countOutcomes(t, errs, devices.ErrUnknownDevice, n)
		total := 0
		for _, c := range counts {
			total += c
		}
		if total != devs {
			t.Errorf("RevokeAllDevices counted %v, %d in all, want %d", counts, total, devs)
		}
		for i := range devs {
			refuse(t, s, "alice", tokenHash(fmt.Sprint("alice-", i)), t1)
		}
	})
}

// BenchmarkUseDevice measures the device check of a login: finding the
// user's trusted device by its token hash and recording its use.
func BenchmarkUseDevice(b *testing.B, s devices.Store) {
	ctx := b.Context()
	const user = "bench-user"
	hash := tokenHash("bench")
	d := devices.Device{
		ID: "bench-device", UserID: user, Name: "Firefox on Windows", IP: "192.0.2.1",
		CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(365 * 24 * time.Hour),
	}
	if err := s.SaveDevice(ctx, d, hash); err != nil {
		b.Fatal(err)
	}
	// Other users' devices, so the lookup is not in a table of one row.
	for i := range 100 {
		o := d
		o.ID, o.UserID = fmt.Sprint("other-", i), fmt.Sprint("user-", i)
		if err := s.SaveDevice(ctx, o, tokenHash(o.ID)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	now := t0
	for b.Loop() {
		now = now.Add(time.Millisecond)
		if _, err := s.UseDevice(ctx, user, hash, "192.0.2.1", now); err != nil {
			b.Fatal(err)
		}
	}
}

// sameDevice reports a failure unless got is want, times to the
// millisecond.
func sameDevice(t *testing.T, what string, got, want devices.Device) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || got.Name != want.Name || got.IP != want.IP {
		t.Errorf("%s = {ID %q, UserID %q, Name %q, IP %q}, want {%q, %q, %q, %q}", what,
			got.ID, got.UserID, got.Name, got.IP, want.ID, want.UserID, want.Name, want.IP)
	}
	sameTime(t, what+": CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, what+": LastUsedAt", got.LastUsedAt, want.LastUsedAt)
	sameTime(t, what+": ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	sameTime(t, what+": RevokedAt", got.RevokedAt, want.RevokedAt)
}

// ids lists the IDs of ds, for messages.
func ids(ds []devices.Device) []string {
	var s []string
	for _, d := range ds {
		s = append(s, d.ID)
	}
	return s
}

// tokenHash returns the hash of a token labelled label: the size of a
// SHA-256, starting with a zero byte and ending with 0xff so that a backend
// mangling binary data shows.
func tokenHash(label string) []byte {
	sum := sha256.Sum256([]byte("token/" + label))
	sum[0], sum[len(sum)-1] = 0, 0xff
	return sum[:]
}
