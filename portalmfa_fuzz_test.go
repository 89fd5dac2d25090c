package portalmfa_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/totp"
)

// The Service's signed states come back from browsers: the pending login,
// the proof of a recent verification and the passwordless ceremony's
// token, all base64url(payload) "." base64url(MAC); and the trusted
// device's cookie. These targets check that no string opens more than the
// Service issued, starting from genuine states so that the fuzzer begins
// past the parsing.
//
// A fuzz target runs its setup in every worker process, and the corpus is
// shared between them: the setup must issue the same states each time. The
// fixtures' clock is fixed already; seeded gives each a randomness of its
// own that repeats. Where a state depends on randomness we cannot pin (a
// WebAuthn challenge), the fuzzed input says how to edit the genuine state
// of the process rather than holding one.

// tokensCanonical says whether the Service opens a signed state only as it
// spelled it. It does: openToken decodes strictly (no spare bits in the last
// character of a part, no line breaks), and a passwordless token is spent by
// its payload. Before, each state had many spellings, and a spent
// passwordless token, re-spelled, was not spent: a captured answer of a
// passkey that does not count its uses signed its user in again until the
// ceremony's timeout (found by FuzzFinishPasswordless; its inputs are
// seeds). A re-spelling that opens, or replays, is a failure.
const tokensCanonical = true

// seeded sets the Service's randomness to a stream that repeats, one per n.
func seeded(n byte) func(*portalmfa.Config) {
	return func(c *portalmfa.Config) { c.Rand = rand.NewChaCha8([32]byte{n}) }
}

// respelled reports whether state is another spelling of one of genuine:
// both parts decode to the same bytes.
func respelled(state string, genuine ...string) bool {
	p, m, ok := strings.Cut(state, ".")
	enc := base64.RawURLEncoding
	pb, err1 := enc.DecodeString(p)
	mb, err2 := enc.DecodeString(m)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	for _, g := range genuine {
		gp, gm, _ := strings.Cut(g, ".")
		gpb, _ := enc.DecodeString(gp)
		gmb, _ := enc.DecodeString(gm)
		if state != g && bytes.Equal(pb, gpb) && bytes.Equal(mb, gmb) {
			return true
		}
	}
	return false
}

// checkSpelling fails t when state opened although it is not one of the
// spellings the Service issued, once tokens are canonical.
func checkSpelling(t *testing.T, state string, exact map[string]bool) {
	t.Helper()
	if !exact[state] && tokensCanonical {
		t.Fatalf("%q opens: another spelling of a state the Service issued", state)
	}
}

// checkCanonical pins tokensCanonical to what the Service does: respelling
// genuine must open exactly when tokens are not canonical.
func checkCanonical(f *testing.F, genuine string, opens func(string) bool) {
	f.Helper()
	// The last character of a 32-byte MAC carries 4 bits and 2 spare ones:
	// flip the lowest of its 6.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, genuine[len(genuine)-1])
	other := genuine[:len(genuine)-1] + string(alphabet[last^1])
	if got := opens(other); got == tokensCanonical {
		f.Fatalf("a re-spelled state opens: %v, but tokensCanonical is %v: fix tokens.go or this constant", got, tokensCanonical)
	}
}

// issued maps the payload of each genuine state to what it stands for.
// The payload, not the whole string, is the key: a state is the payload
// the Service signed, however a browser spells it.
type issued[T any] map[string]T

func (m issued[T]) add(state string, v T) { m[payloadOf(state)] = v }

func (m issued[T]) of(state string) (T, bool) {
	v, ok := m[payloadOf(state)]
	return v, ok
}

// payloadOf is the decoded first part of a signed state, or "\x00invalid"
// when it has none: no genuine payload is that.
func payloadOf(state string) string {
	p, _, ok := strings.Cut(state, ".")
	b, err := base64.RawURLEncoding.DecodeString(p)
	if !ok || err != nil {
		return "\x00invalid"
	}
	return string(b)
}

// nextIP returns a new client IP each call, so that the IP limit, which
// these targets do not test, leaves every attempt evaluated.
var ipCount atomic.Uint32

func nextIP() portalmfa.Client {
	n := ipCount.Add(1)
	return portalmfa.Client{IP: fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)}
}

// FuzzPendingLogin: a state opens only as one the Service issued, for the
// user it was issued for, and only while it lasts; then it is
// ErrPendingExpired, and anything else ErrPendingInvalid. A state that
// opens is the very string that was issued: no other spelling of it (the
// spare bits of base64) opens too (see tokensCanonical).
func FuzzPendingLogin(f *testing.F) {
	fx := newFixtureWith(f, seeded(1))
	past := fx.clock.Now().Add(-time.Hour)
	old := newFixtureWith(f, func(c *portalmfa.Config) {
		seeded(2)(c)
		c.Now = func() time.Time { return past }
	})
	otherKey := newFixtureWith(f, func(c *portalmfa.Config) {
		seeded(3)(c)
		c.Keys = [][]byte{bytes.Repeat([]byte{8}, 32)}
	})

	live, expired := issued[string]{}, issued[string]{}
	exact := map[string]bool{}
	for _, userID := range []string{alice.ID, bob.ID, "u-ünïcödé", strings.Repeat("u", 3000), "u.with.dots"} {
		s, _, err := fx.svc.NewPendingLogin(userID)
		if err != nil {
			f.Fatal(err)
		}
		live.add(s, userID)
		exact[s] = true
		f.Add(s)
		s, _, err = old.svc.NewPendingLogin(userID)
		if err != nil {
			f.Fatal(err)
		}
		expired.add(s, userID)
		exact[s] = true
		f.Add(s)
		s, _, _ = otherKey.svc.NewPendingLogin(userID)
		f.Add(s)
	}
	s, _, _ := fx.svc.NewPendingLogin(alice.ID)
	live.add(s, alice.ID)
	exact[s] = true
	checkCanonical(f, s, func(state string) bool { _, err := fx.svc.PendingLogin(state); return err == nil })
	payload, mac, _ := strings.Cut(s, ".")
	for _, forged := range []string{
		"", ".", "x", s + ".", payload, payload + ".", "." + mac, s + "=", strings.ToUpper(s), "e30." + mac,
		strings.Replace(s, "-", "+", 1), payload + "." + payload, strings.Repeat("A", 5000),
	} {
		f.Add(forged)
	}
	f.Fuzz(func(t *testing.T, state string) {
		userID, err := fx.svc.PendingLogin(state)
		switch {
		case err == nil:
			want, ok := live.of(state)
			if !ok || userID != want {
				t.Fatalf("PendingLogin(%q) = %q, which the Service never issued", state, userID)
			}
			checkSpelling(t, state, exact)
		case errors.Is(err, portalmfa.ErrPendingExpired):
			if _, ok := expired.of(state); !ok || userID != "" {
				t.Fatalf("PendingLogin(%q) = %q, %v, for a state not issued", state, userID, err)
			}
			checkSpelling(t, state, exact)
		case !errors.Is(err, portalmfa.ErrPendingInvalid) || userID != "":
			t.Fatalf("PendingLogin(%q) = %q, %v; want ErrPendingInvalid", state, userID, err)
		}
	})
}

// FuzzRecentVerification: a proof lets a change through (Needs says
// NeedNothing) only when it is one the Service issued to that user, still
// fresh, of the kind the change needs: a password for a first factor, a
// factor for codes or a second factor. A proof merged into a new one
// (ReverifyPassword's prev) carries over nothing it did not hold. Another
// spelling of a genuine proof is the same proof here: nothing is spent.
func FuzzRecentVerification(f *testing.F) {
	ctx := context.Background()
	fx := newFixtureWith(f, seeded(4))
	type grant struct {
		userID           string
		password, factor bool
	}
	grants := issued[grant]{}

	// Proofs of 11 minutes ago are stale now: seeds, granting nothing.
	f.Add(fx.proof(f, alice.ID))
	f.Add(fx.proof(f, bob.ID))
	fx.clock.Add(11 * time.Minute)

	secret := fx.enroll(f, alice) // alice has 2FA on; bob has none
	fx.clock.Add(totp.Period)
	pwA, pwB := fx.proof(f, alice.ID), fx.proof(f, bob.ID)
	factorA := fx.codeProof(f, alice.ID, totp.Code(secret, fx.clock.Now()))
	grants.add(pwA, grant{alice.ID, true, false})
	grants.add(pwB, grant{bob.ID, true, false})
	grants.add(factorA, grant{alice.ID, false, true})
	otherKey := newFixtureWith(f, func(c *portalmfa.Config) {
		seeded(5)(c)
		c.Keys = [][]byte{bytes.Repeat([]byte{8}, 32)}
	})
	for _, p := range []string{pwA, pwB, factorA, otherKey.proof(f, alice.ID), otherKey.proof(f, bob.ID), "", "x.y", pwA + "x", strings.Repeat("A", 2000)} {
		f.Add(p)
	}
	pending, _, _ := fx.svc.NewPendingLogin(alice.ID) // signed, for another purpose
	f.Add(pending)

	users := []string{alice.ID, bob.ID, "u-nobody", ""}
	changes := []portalmfa.Change{portalmfa.AddFactor, portalmfa.RemoveFactor, portalmfa.RegenerateCodes}
	// allows reports whether g, a grant found for proof, covers what change
	// needs of userID with no proof at all.
	allows := func(t *testing.T, g grant, found bool, userID string, ch portalmfa.Change) bool {
		need, err := fx.svc.Needs(ctx, userID, "", ch)
		if err != nil {
			t.Fatal(err)
		}
		if !found || g.userID != userID {
			return need == portalmfa.NeedNothing
		}
		switch need {
		case portalmfa.NeedPassword:
			return g.password
		case portalmfa.NeedFactor:
			return g.factor
		case portalmfa.NeedAny:
			return g.password || g.factor
		}
		return true
	}
	f.Fuzz(func(t *testing.T, proof string) {
		g, found := grants.of(proof)
		for _, userID := range users {
			for _, ch := range changes {
				need, err := fx.svc.Needs(ctx, userID, proof, ch)
				if err != nil {
					t.Fatalf("Needs(%q, %q, %v): %v", userID, proof, ch, err)
				}
				if need == portalmfa.NeedNothing && !allows(t, g, found, userID, ch) {
					t.Fatalf("Needs(%q, %q, %v) = NeedNothing for a proof that grants %+v (found %v)", userID, proof, ch, g, found)
				}
			}
		}
		// The password again, with the fuzzed proof as prev: the new proof
		// holds a factor only if prev was a factor proof of the same user.
		for _, userID := range []string{alice.ID, bob.ID} {
			merged, err := fx.svc.ReverifyPassword(ctx, userID, "pw-"+userID, proof, nextIP())
			if err != nil {
				t.Fatalf("ReverifyPassword(%q, prev %q): %v", userID, proof, err)
			}
			need, err := fx.svc.Needs(ctx, userID, merged, portalmfa.RegenerateCodes)
			if err != nil {
				t.Fatal(err)
			}
			if need == portalmfa.NeedNothing && !(found && g.userID == userID && g.factor) {
				t.Fatalf("ReverifyPassword(%q) merged prev %q into a factor proof", userID, proof)
			}
		}
	})
}

// FuzzFinishPasswordless: no token and answer sign anyone in, whether
// made up, or edited from a finished sign-in (a replay) or from a ceremony
// begun but never answered. The passkey does not count its uses, as synced
// passkeys do not, so that the spent token is all that stands in the way
// of a replay.
//
// The genuine tokens and answer differ in each process (go-webauthn draws
// the challenge), so the input edits them: the token is base[pick%3] less
// its last drop bytes, then tail; the answer is the genuine one when
// pick&4 is set, otherwise response. The passkey's ID is fixed, so an
// answer in the corpus names alice's passkey in every process.
func FuzzFinishPasswordless(f *testing.F) {
	ctx := context.Background()
	fx := newFixtureWith(f, withPasskeys(seeded(8)))
	a := newAuthenticator()
	a.Counting = false
	a.NextID = []byte("alice's passkey!")
	if _, err := fx.addPasskey(f, a, alice, fx.proof(f, alice.ID)); err != nil {
		f.Fatal(err)
	}
	done, err := fx.svc.BeginPasswordless(ctx, false)
	if err != nil {
		f.Fatal(err)
	}
	answer, err := a.Get(done.Options)
	if err != nil {
		f.Fatal(err)
	}
	if userID, err := fx.svc.FinishPasswordless(ctx, done.Token, answer, nextIP()); err != nil || userID != alice.ID {
		f.Fatalf("the genuine sign-in = %q, %v: the fuzzer would prove nothing", userID, err)
	}
	if _, err := fx.svc.FinishPasswordless(ctx, done.Token, answer, nextIP()); !errors.Is(err, portalmfa.ErrCeremonyExpired) {
		f.Fatalf("the replay = %v; want ErrCeremonyExpired", err)
	}
	open, err := fx.svc.BeginPasswordless(ctx, true)
	if err != nil {
		f.Fatal(err)
	}
	bases := []string{done.Token, open.Token, ""}
	const genuineAnswer = 4
	f.Add(uint8(0|genuineAnswer), uint16(0), "", []byte(nil)) // the replay itself
	f.Add(uint8(1|genuineAnswer), uint16(0), "", []byte(nil)) // an answer to another challenge
	f.Add(uint8(0), uint16(0), "", answer)
	f.Add(uint8(1), uint16(0), "", answer[:len(answer)/2])
	f.Add(uint8(0), uint16(0), "", []byte(`{}`))
	f.Add(uint8(2), uint16(0), "", []byte(nil))
	f.Add(uint8(2|genuineAnswer), uint16(0), strings.Repeat("A", 5000), []byte(nil))
	f.Add(uint8(0|genuineAnswer), uint16(0), "x", []byte(nil))
	f.Add(uint8(0|genuineAnswer), uint16(1), "A", []byte(nil))
	f.Add(uint8(0|genuineAnswer), uint16(44), "", []byte(nil))
	f.Fuzz(func(t *testing.T, pick uint8, drop uint16, tail string, response []byte) {
		base := bases[int(pick)%len(bases)]
		token := base[:len(base)-min(int(drop), len(base))] + tail
		if pick&genuineAnswer != 0 {
			response = answer
		}
		userID, err := fx.svc.FinishPasswordless(ctx, token, response, nextIP())
		switch {
		case err == nil && !tokensCanonical && respelled(token, done.Token) && bytes.Equal(response, answer):
			// The replay tokensCanonical describes, and nothing else.
		case err == nil:
			t.Fatalf("FinishPasswordless(%q) signed in %q", token, userID)
		case userID != "":
			t.Fatalf("FinishPasswordless(%q) = %q beside %v", token, userID, err)
		case !errors.Is(err, portalmfa.ErrCeremonyExpired) && !errors.Is(err, portalmfa.ErrPasskeyRefused) && !errors.Is(err, portalmfa.ErrLockedOut):
			t.Fatalf("FinishPasswordless(%q): %v", token, err)
		}
	})
}

// FuzzUseTrustedDevice: a device cookie spares the second factor only for
// the user it was issued to, as the very token issued, while the device is
// trusted: never for a user without a device, with a revoked or an expired
// one. DeviceID names alice's device only from her token.
func FuzzUseTrustedDevice(f *testing.F) {
	ctx := context.Background()
	fx := newFixtureWith(f, seeded(6))
	c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
	token, _, err := fx.svc.TrustDevice(ctx, alice.ID, c)
	if err != nil {
		f.Fatal(err)
	}
	ds, err := fx.svc.Devices(ctx, alice.ID)
	if err != nil || len(ds) != 1 {
		f.Fatalf("alice's devices: %v, %v", ds, err)
	}
	aliceDevice := ds[0].ID
	revoked, _, err := fx.svc.TrustDevice(ctx, "u-carol", c)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := fx.svc.RevokeAllDevices(ctx, "u-carol", c); err != nil {
		f.Fatal(err)
	}
	past := fx.clock.Now().Add(-31 * 24 * time.Hour) // TrustDeviceFor is 30 days
	old := newFixtureWith(f, func(cfg *portalmfa.Config) {
		seeded(7)(cfg)
		cfg.Store = fx.store
		cfg.Now = func() time.Time { return past }
	})
	expired, _, err := old.svc.TrustDevice(ctx, "u-dave", c)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{token, revoked, expired, token[:len(token)-1], token + "=", strings.ToUpper(token), "", strings.Repeat("A", 43), strings.Repeat("A", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, userID := range []string{bob.ID, "u-carol", "u-dave", ""} {
			if err := fx.svc.UseTrustedDevice(ctx, userID, s, c); !errors.Is(err, portalmfa.ErrUnknownDevice) {
				t.Fatalf("UseTrustedDevice(%q, %q) = %v; want ErrUnknownDevice", userID, s, err)
			}
		}
		err := fx.svc.UseTrustedDevice(ctx, alice.ID, s, c)
		if (err == nil) != (s == token) || err != nil && !errors.Is(err, portalmfa.ErrUnknownDevice) {
			t.Fatalf("UseTrustedDevice(alice, %q) = %v", s, err)
		}
		if (fx.svc.DeviceID(s) == aliceDevice) != (s == token) {
			t.Fatalf("DeviceID(%q) = %q, alice's device is %q", s, fx.svc.DeviceID(s), aliceDevice)
		}
	})
}
