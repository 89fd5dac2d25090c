package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/oob"
)

// RunOOB checks an [oob.Store]: codes redeemed once, while unexpired, for
// their own user and binding only, a newer code voiding the older, and the
// limits on sends (the cooldown, the hourly caps per user and per
// destination) holding however many sends arrive at once and whatever
// becomes of the codes. newStore is as for [RunTOTP].
func RunOOB(t *testing.T, newStore func(t *testing.T) oob.Store) {
	limits := oob.Limits{Cooldown: time.Minute, PerHour: 5}
	unlimited := oob.Limits{Cooldown: 0, PerHour: 1000}

	// code returns the code of user for binding sent at now to dest; label
	// makes its hash.
	code := func(user, binding, dest, label string, now time.Time) oob.Code {
		return oob.Code{
			UserID: user, Binding: binding, Channel: oob.SMS, Destination: dest,
			Hash: oobHash(label), SentAt: now, ExpiresAt: now.Add(oob.Validity),
		}
	}
	save := func(t *testing.T, s oob.Store, c oob.Code, l oob.Limits, now time.Time) {
		t.Helper()
		wantErr(t, fmt.Sprintf("SaveOOBCode(%q, %q) at %v", c.UserID, c.Binding, now), s.SaveOOBCode(t.Context(), c, l, now), nil)
	}
	// refuseSave expects the send of c at now to be refused with want
	// until until.
	refuseSave := func(t *testing.T, s oob.Store, c oob.Code, l oob.Limits, now time.Time, want error, until time.Time) {
		t.Helper()
		what := fmt.Sprintf("SaveOOBCode(%q, %q, %q) at %v", c.UserID, c.Binding, c.Destination, now)
		err := s.SaveOOBCode(t.Context(), c, l, now)
		wantErr(t, what, err, want)
		var le *oob.LimitError
		if !errors.As(err, &le) {
			t.Fatalf("%s: error %v is no *oob.LimitError", what, err)
		}
		sameTime(t, what+": Until", le.Until, until)
	}
	redeem := func(t *testing.T, s oob.Store, user, binding, label string, now time.Time) {
		t.Helper()
		err := s.RedeemOOBCode(t.Context(), user, binding, oobHash(label), now)
		wantErr(t, fmt.Sprintf("RedeemOOBCode(%q, %q, %q) at %v", user, binding, label, now), err, nil)
	}
	refuse := func(t *testing.T, s oob.Store, user, binding, label string, now time.Time) {
		t.Helper()
		err := s.RedeemOOBCode(t.Context(), user, binding, oobHash(label), now)
		wantErr(t, fmt.Sprintf("RedeemOOBCode(%q, %q, %q) at %v", user, binding, label, now), err, oob.ErrInvalidCode)
	}
	const phone, phone2 = "+33612345678", "+33687654321"
	t1 := t0.Add(time.Minute)

	t.Run("SaveThenRedeem", func(t *testing.T) {
		s := newStore(t)
		refuse(t, s, "alice", "login:1", "A", t0) // nothing stored yet
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		redeem(t, s, "alice", "login:1", "A", t1)
	})

	t.Run("WrongHash", func(t *testing.T) {
		// A wrong code uses nothing up: counting wrong codes is the
		// lockout's business.
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		refuse(t, s, "alice", "login:1", "B", t1)
		err := s.RedeemOOBCode(t.Context(), "alice", "login:1", nil, t1)
		wantErr(t, "RedeemOOBCode with a nil hash", err, oob.ErrInvalidCode)
		redeem(t, s, "alice", "login:1", "A", t1)
	})

	t.Run("Expired", func(t *testing.T) {
		// A code works while now is before its ExpiresAt.
		s := newStore(t)
		c := code("alice", "login:1", phone, "A", t0)
		save(t, s, c, limits, t0)
		refuse(t, s, "alice", "login:1", "A", c.ExpiresAt)
		refuse(t, s, "alice", "login:1", "A", c.ExpiresAt.Add(time.Hour))
		redeem(t, s, "alice", "login:1", "A", c.ExpiresAt.Add(-time.Millisecond))
	})

	t.Run("UsedOnce", func(t *testing.T) {
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		redeem(t, s, "alice", "login:1", "A", t1)
		refuse(t, s, "alice", "login:1", "A", t1)
		refuse(t, s, "alice", "login:1", "A", t1.Add(time.Second))
	})

	t.Run("OwnUserAndBindingOnly", func(t *testing.T) {
		// The hash a caller passes is looked up under its user and
		// binding only: another login's code, or another user's, is
		// refused even when the hash matches.
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		refuse(t, s, "alice", "login:2", "A", t1)
		refuse(t, s, "alice", "confirm:"+phone, "A", t1)
		refuse(t, s, "bob", "login:1", "A", t1)
		refuse(t, s, "", "login:1", "A", t1)
		redeem(t, s, "alice", "login:1", "A", t1)
	})

	t.Run("BindingsAreApart", func(t *testing.T) {
		// A user may hold codes for two bindings at once (a login, and a
		// number being confirmed); one does not void the other.
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), unlimited, t0)
		save(t, s, code("alice", "confirm:"+phone2, phone2, "B", t0), unlimited, t0)
		save(t, s, code("bob", "login:1", phone2, "C", t0), unlimited, t0)
		redeem(t, s, "alice", "confirm:"+phone2, "B", t1)
		redeem(t, s, "alice", "login:1", "A", t1)
		redeem(t, s, "bob", "login:1", "C", t1)
	})

	t.Run("NewerVoidsOlder", func(t *testing.T) {
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		save(t, s, code("alice", "login:1", phone, "B", t1), limits, t1)
		refuse(t, s, "alice", "login:1", "A", t1)
		redeem(t, s, "alice", "login:1", "B", t1)
		refuse(t, s, "alice", "login:1", "A", t1)
	})

	t.Run("NewerVoidsOlderOfSameCode", func(t *testing.T) {
		// The same digits drawn twice: the code is the newer one, with
		// the newer expiry, and it is used once.
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		c := code("alice", "login:1", phone, "A", t1)
		save(t, s, c, limits, t1)
		redeem(t, s, "alice", "login:1", "A", t0.Add(oob.Validity).Add(time.Second))
		refuse(t, s, "alice", "login:1", "A", t1)
	})

	t.Run("BytesAreCopied", func(t *testing.T) {
		s := newStore(t)
		c := code("alice", "login:1", phone, "A", t0)
		save(t, s, c, limits, t0)
		c.Hash[0] ^= 0xff
		hash := oobHash("A")
		err := s.RedeemOOBCode(t.Context(), "alice", "login:1", hash, t1)
		wantErr(t, "RedeemOOBCode", err, nil)
	})

	t.Run("Cooldown", func(t *testing.T) {
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		until := t0.Add(limits.Cooldown)
		for _, now := range []time.Time{t0, t0.Add(30 * time.Second), t0.Add(59 * time.Second), until.Add(-time.Millisecond)} {
			refuseSave(t, s, code("alice", "login:1", phone, "B", now), limits, now, oob.ErrCooldown, until)
		}
		// The cooldown is the user's, whatever the binding or destination.
		refuseSave(t, s, code("alice", "login:2", phone2, "B", t0), limits, t0.Add(time.Second), oob.ErrCooldown, until)
		// A refused send stored nothing: no code, no send (the refusals
		// above did not move the cooldown), and the older code stands.
		refuse(t, s, "alice", "login:1", "B", t0.Add(59*time.Second))
		refuse(t, s, "alice", "login:2", "B", t0.Add(59*time.Second))
		// Another user is not held back (to another destination).
		save(t, s, code("bob", "login:1", phone2, "C", t0), limits, t0.Add(time.Second))
		save(t, s, code("alice", "login:1", phone, "D", until), limits, until)
		refuse(t, s, "alice", "login:1", "A", until)
		redeem(t, s, "alice", "login:1", "D", until)
		redeem(t, s, "bob", "login:1", "C", until)
	})

	t.Run("RefusedKeepsOlderCode", func(t *testing.T) {
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		refuseSave(t, s, code("alice", "login:1", phone, "B", t0), limits, t0.Add(time.Second), oob.ErrCooldown, t1)
		redeem(t, s, "alice", "login:1", "A", t0.Add(2*time.Second))
	})

	t.Run("HourlyCapPerUser", func(t *testing.T) {
		// Five sends in an hour, each to a destination of its own so only
		// the user's cap counts; the sixth waits until the first is an
		// hour old.
		s := newStore(t)
		for i := range limits.PerHour {
			now := t0.Add(time.Duration(i) * time.Minute)
			save(t, s, code("alice", fmt.Sprint("login:", i), fmt.Sprint("+3360000000", i), "A", now), limits, now)
		}
		until := t0.Add(time.Hour)
		for _, now := range []time.Time{t0.Add(5 * time.Minute), t0.Add(59 * time.Minute), until.Add(-time.Millisecond)} {
			refuseSave(t, s, code("alice", "login:9", "+33600000009", "B", now), limits, now, oob.ErrTooManySends, until)
		}
		save(t, s, code("alice", "login:9", "+33600000009", "B", until), limits, until)
		// Again five in the hour before (the cooldown too): the next
		// waits for the second send to be an hour old.
		next := until.Add(30 * time.Second)
		refuseSave(t, s, code("alice", "login:9", "+33600000009", "C", next), limits, next, oob.ErrTooManySends, t0.Add(time.Minute+time.Hour))
		// Other users are not held back.
		save(t, s, code("bob", "login:1", phone, "D", next), limits, next)
	})

	t.Run("HourlyCapPerDestination", func(t *testing.T) {
		// Five users send to one number; a sixth user may not, whatever
		// their own count, but may send elsewhere.
		s := newStore(t)
		for i := range limits.PerHour {
			now := t0.Add(time.Duration(i) * time.Second)
			save(t, s, code(fmt.Sprint("user", i), "login:1", phone, "A", now), limits, now)
		}
		now := t0.Add(10 * time.Second)
		refuseSave(t, s, code("mallory", "login:1", phone, "B", now), limits, now, oob.ErrTooManySends, t0.Add(time.Hour))
		refuseSave(t, s, code("user0", "login:2", phone, "B", t0.Add(time.Hour/2)), limits, t0.Add(time.Hour/2), oob.ErrTooManySends, t0.Add(time.Hour))
		save(t, s, code("mallory", "login:1", phone2, "C", now), limits, now)
		save(t, s, code("mallory", "login:2", phone, "D", t0.Add(time.Hour)), limits, t0.Add(time.Hour))
		redeem(t, s, "mallory", "login:1", "C", now)
		redeem(t, s, "mallory", "login:2", "D", t0.Add(time.Hour))
	})

	t.Run("RedemptionKeepsLimits", func(t *testing.T) {
		// Redeeming a code, or voiding it by a newer one, takes back no
		// send: neither the cooldown nor the caps start again.
		s := newStore(t)
		save(t, s, code("alice", "login:0", phone, "A", t0), limits, t0)
		redeem(t, s, "alice", "login:0", "A", t0)
		refuseSave(t, s, code("alice", "login:1", phone, "B", t0), limits, t0.Add(time.Second), oob.ErrCooldown, t1)
		for i := 1; i < limits.PerHour; i++ {
			now := t0.Add(time.Duration(i) * time.Minute)
			save(t, s, code("alice", "login:1", phone, fmt.Sprint("A", i), now), limits, now)
			if i%2 == 0 {
				redeem(t, s, "alice", "login:1", fmt.Sprint("A", i), now)
			}
		}
		now := t0.Add(30 * time.Minute)
		refuseSave(t, s, code("alice", "login:1", phone2, "B", now), limits, now, oob.ErrTooManySends, t0.Add(time.Hour))
		refuseSave(t, s, code("bob", "login:1", phone, "B", now), limits, now, oob.ErrTooManySends, t0.Add(time.Hour))
	})

	t.Run("InvalidLimits", func(t *testing.T) {
		s := newStore(t)
		for _, l := range []oob.Limits{{}, {Cooldown: time.Minute}, {Cooldown: -time.Second, PerHour: 5}, {Cooldown: 2 * time.Hour, PerHour: 5}} {
			err := s.SaveOOBCode(t.Context(), code("alice", "login:1", phone, "A", t0), l, t0)
			wantErr(t, fmt.Sprintf("SaveOOBCode with %+v", l), err, oob.ErrInvalidLimits)
		}
		refuse(t, s, "alice", "login:1", "A", t0)
		save(t, s, code("alice", "login:1", phone, "A", t0), oob.Limits{PerHour: 1}, t0)
	})

	t.Run("ConcurrentRedeem", func(t *testing.T) {
		// Of 50 redemptions of one code at once, exactly one succeeds.
		s := newStore(t)
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		errs := Together(50, func(int) error {
			return s.RedeemOOBCode(t.Context(), "alice", "login:1", oobHash("A"), t1)
		})
		countOutcomes(t, errs, oob.ErrInvalidCode, 1)
	})

	t.Run("ConcurrentSendsOneUser", func(t *testing.T) {
		// 20 sends for one user at once, to 20 destinations, without a
		// cooldown: the user's cap lets exactly 5 through, and their
		// codes work.
		s := newStore(t)
		l := oob.Limits{Cooldown: 0, PerHour: 5}
		errs := Together(20, func(i int) error {
			return s.SaveOOBCode(t.Context(), code("alice", fmt.Sprint("login:", i), fmt.Sprintf("+336000000%02d", i), "A", t0), l, t0)
		})
		for _, i := range countOutcomes(t, errs, oob.ErrTooManySends, l.PerHour) {
			redeem(t, s, "alice", fmt.Sprint("login:", i), "A", t1)
		}
	})

	t.Run("ConcurrentSendsOneDestination", func(t *testing.T) {
		// 20 users at once send to one number: exactly 5 get through.
		s := newStore(t)
		l := oob.Limits{Cooldown: 0, PerHour: 5}
		errs := Together(20, func(i int) error {
			return s.SaveOOBCode(t.Context(), code(fmt.Sprint("user", i), "login:1", phone, "A", t0), l, t0)
		})
		for _, i := range countOutcomes(t, errs, oob.ErrTooManySends, l.PerHour) {
			redeem(t, s, fmt.Sprint("user", i), "login:1", "A", t1)
		}
	})

	t.Run("ConcurrentSendsCooldown", func(t *testing.T) {
		// 20 resends at once for one login: the cooldown lets one through.
		s := newStore(t)
		errs := Together(20, func(i int) error {
			return s.SaveOOBCode(t.Context(), code("alice", "login:1", phone, fmt.Sprint("A", i), t0), limits, t0)
		})
		ok := countOutcomes(t, errs, oob.ErrCooldown, 1)
		for i := range errs {
			if len(ok) == 1 && i != ok[0] {
				refuse(t, s, "alice", "login:1", fmt.Sprint("A", i), t1)
			}
		}
		if len(ok) == 1 {
			redeem(t, s, "alice", "login:1", fmt.Sprint("A", ok[0]), t1)
		}
	})

	t.Run("Prune", func(t *testing.T) {
		s := newStore(t)
		// alice: two codes, expired by the prune, and two sends, the
		// first of which is then more than an hour old.
		save(t, s, code("alice", "login:1", phone, "A", t0), limits, t0)
		save(t, s, code("alice", "login:2", phone, "B", t0.Add(10*time.Minute)), limits, t0.Add(10*time.Minute))
		// bob: a code still valid at the prune.
		later := t0.Add(time.Hour)
		save(t, s, code("bob", "login:1", phone2, "C", later), limits, later)

		before := t0.Add(time.Hour + 5*time.Minute)
		n, err := s.PruneOOB(t.Context(), before)
		wantErr(t, "PruneOOB", err, nil)
		if n != 3 {
			t.Errorf("PruneOOB removed %d records, want 3 (two expired codes, one old send)", n)
		}
		n, err = s.PruneOOB(t.Context(), before)
		wantErr(t, "PruneOOB again", err, nil)
		if n != 0 {
			t.Errorf("PruneOOB again removed %d records, want 0", n)
		}
		redeem(t, s, "bob", "login:1", "C", before)
		// The sends of the last hour still count.
		one := oob.Limits{Cooldown: time.Minute, PerHour: 1}
		refuseSave(t, s, code("alice", "login:3", "a@example.com", "D", before), one, before, oob.ErrTooManySends, t0.Add(70*time.Minute))
		refuseSave(t, s, code("carol", "login:1", phone2, "D", before), one, before, oob.ErrTooManySends, later.Add(time.Hour))
	})
}

// oobHash returns a distinct 32-byte hash for each label, as a
// [oob.Hasher] would make.
func oobHash(label string) []byte {
	h := sha256.Sum256([]byte("oob code " + label))
	return bytes.Clone(h[:])
}

// RunDestinations checks an [oob.DestinationStore]: at most one
// destination per user and channel, the latest saved replacing the
// earlier, listed SMS first then email, each user's apart from the
// others'. newStore is as for [RunTOTP].
func RunDestinations(t *testing.T, newStore func(t *testing.T) oob.DestinationStore) {
	const phone, phone2 = "+33612345678", "+33687654321"
	sms := func(user, number string, at time.Time) oob.Destination {
		return oob.Destination{UserID: user, Channel: oob.SMS, Address: number, ConfirmedAt: at}
	}
	email := func(user, address string, at time.Time) oob.Destination {
		return oob.Destination{UserID: user, Channel: oob.Email, Address: address, ConfirmedAt: at}
	}
	save := func(t *testing.T, s oob.DestinationStore, d oob.Destination) {
		t.Helper()
		err := s.SaveDestination(t.Context(), d)
		wantErr(t, fmt.Sprintf("SaveDestination(%q, %q)", d.UserID, d.Channel), err, nil)
	}
	// want checks that the user's destinations are exactly want, in order.
	want := func(t *testing.T, s oob.DestinationStore, user string, want ...oob.Destination) {
		t.Helper()
		what := fmt.Sprintf("Destinations(%q)", user)
		got, err := s.Destinations(t.Context(), user)
		wantErr(t, what, err, nil)
		if len(got) != len(want) {
			t.Fatalf("%s = %+v, want %+v", what, got, want)
		}
		for i, g := range got {
			w := want[i]
			if g.UserID != w.UserID || g.Channel != w.Channel || g.Address != w.Address {
				t.Errorf("%s[%d] = %+v, want %+v", what, i, g, w)
			}
			sameTime(t, fmt.Sprintf("%s[%d].ConfirmedAt", what, i), g.ConfirmedAt, w.ConfirmedAt)
		}
	}
	del := func(t *testing.T, s oob.DestinationStore, user string, ch oob.Channel, wantFound bool) {
		t.Helper()
		what := fmt.Sprintf("DeleteDestination(%q, %q)", user, ch)
		found, err := s.DeleteDestination(t.Context(), user, ch)
		wantErr(t, what, err, nil)
		if found != wantFound {
			t.Errorf("%s = %v, want %v", what, found, wantFound)
		}
	}
	t1 := t0.Add(time.Hour)

	t.Run("None", func(t *testing.T) {
		s := newStore(t)
		want(t, s, "alice")
	})

	t.Run("SaveThenRead", func(t *testing.T) {
		s := newStore(t)
		d := sms("alice", phone, t0.Add(1234*time.Millisecond))
		save(t, s, d)
		want(t, s, "alice", d)
	})

	t.Run("Replace", func(t *testing.T) {
		s := newStore(t)
		save(t, s, sms("alice", phone, t0))
		save(t, s, sms("alice", phone2, t1))
		want(t, s, "alice", sms("alice", phone2, t1))
		save(t, s, email("alice", "alice@example.com", t0))
		save(t, s, email("alice", "alice@example.org", t1))
		want(t, s, "alice", sms("alice", phone2, t1), email("alice", "alice@example.org", t1))
	})

	t.Run("OnePerChannel", func(t *testing.T) {
		// A number and an address are kept side by side, SMS first
		// whichever was saved first.
		s := newStore(t)
		save(t, s, email("alice", "alice@example.com", t0))
		want(t, s, "alice", email("alice", "alice@example.com", t0))
		save(t, s, sms("alice", phone, t1))
		want(t, s, "alice", sms("alice", phone, t1), email("alice", "alice@example.com", t0))
	})

	t.Run("OtherUsersUntouched", func(t *testing.T) {
		s := newStore(t)
		save(t, s, sms("alice", phone, t0))
		save(t, s, email("alice", "alice@example.com", t0))
		save(t, s, sms("bob", phone, t1)) // one number may be two users'
		save(t, s, email("bob", "bob@example.com", t1))
		save(t, s, sms("bob", phone2, t1))
		del(t, s, "bob", oob.Email, true)
		want(t, s, "alice", sms("alice", phone, t0), email("alice", "alice@example.com", t0))
		want(t, s, "bob", sms("bob", phone2, t1))
		want(t, s, "carol")
		del(t, s, "carol", oob.SMS, false)
		want(t, s, "alice", sms("alice", phone, t0), email("alice", "alice@example.com", t0))
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		save(t, s, sms("alice", phone, t0))
		save(t, s, email("alice", "alice@example.com", t0))
		del(t, s, "alice", oob.SMS, true)
		want(t, s, "alice", email("alice", "alice@example.com", t0))
		del(t, s, "alice", oob.SMS, false)
		del(t, s, "alice", oob.Email, true)
		del(t, s, "alice", oob.Email, false)
		want(t, s, "alice")
		// Saved again after a delete.
		save(t, s, sms("alice", phone2, t1))
		want(t, s, "alice", sms("alice", phone2, t1))
	})

	t.Run("UnicodeAddress", func(t *testing.T) {
		// Addresses are kept as given: a Unicode local part (RFC 6531)
		// and a user ID outside ASCII come back byte for byte.
		s := newStore(t)
		d := email("élodie-ü", "jürgen.müller+δοκιμή@例え.jp", t0)
		save(t, s, d)
		want(t, s, "élodie-ü", d)
		want(t, s, "elodie-u")
		del(t, s, "élodie-ü", oob.Email, true)
		want(t, s, "élodie-ü")
	})
}
