package portalmfa_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/store/sqlite"
	"github.com/portalmfa/portalmfa/totp"
)

// benchStores runs bench on a memory and an SQLite store, each also with
// the history recording switched off, to measure what recording costs.
func benchStores(b *testing.B, bench func(b *testing.B, s portalmfa.Store)) {
	openSQLite := func(b *testing.B) portalmfa.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	b.Run("memory", func(b *testing.B) { bench(b, memory.New()) })
	b.Run("memory-nohistory", func(b *testing.B) { bench(b, noHistory{memory.New()}) })
	b.Run("sqlite", func(b *testing.B) { bench(b, openSQLite(b)) })
	b.Run("sqlite-nohistory", func(b *testing.B) { bench(b, noHistory{openSQLite(b)}) })
}

// noHistory drops what would be recorded: the baseline for the cost of the
// login history.
type noHistory struct{ portalmfa.Store }

func (noHistory) RecordEvent(context.Context, history.Event) error { return nil }

// BenchmarkVerifyTOTP measures a successful challenge: lockout reservation
// and reset, reading and opening the sealed secret, the code check, the
// replay guard and the history entry. Compare with totp's
// BenchmarkPquernaValidateCustom.
func BenchmarkVerifyTOTP(b *testing.B) {
	benchStores(b, func(b *testing.B, store portalmfa.Store) {
		ctx := context.Background()
		f := newFixture(b, store)
		secret := f.enroll(b, alice)
		start := f.clock.Now()
		// Each iteration needs a later step than the last (the replay
		// guard), so the codes are computed before the clock starts.
		codes := make([]string, b.N)
		for i := range codes {
			codes[i] = totp.Code(secret, start.Add(time.Duration(i+1)*totp.Period))
		}
		c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			f.clock.Add(totp.Period)
			err := f.svc.VerifyTOTP(ctx, alice.ID, codes[i], c)
			// One step in a million shows the same code as the next; then the
			// next step's code was already accepted, as it would be for a user.
			if err != nil && !(errors.Is(err, portalmfa.ErrReplayed) && i > 0 && codes[i] == codes[i-1]) {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUseTrustedDevice measures the device check of a login.
func BenchmarkUseTrustedDevice(b *testing.B) {
	benchStores(b, func(b *testing.B, store portalmfa.Store) {
		ctx := context.Background()
		f := newFixture(b, store)
		f.enroll(b, alice)
		c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
		token, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := f.svc.UseTrustedDevice(ctx, alice.ID, token, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPasskeyLogin measures a passkey at the challenge: beginning the
// ceremony (a challenge, its state stored) and finishing it (the state
// taken, the signature checked by go-webauthn, the counter and the history
// updated). The authenticator's signing is left out of the timing.
func BenchmarkPasskeyLogin(b *testing.B) {
	openSQLite := func(b *testing.B) portalmfa.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	for name, open := range map[string]func(*testing.B) portalmfa.Store{
		"memory": func(*testing.B) portalmfa.Store { return memory.New() },
		"sqlite": openSQLite,
	} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			f := newFixtureWith(b, withPasskeys(func(c *portalmfa.Config) { c.Store = open(b) }))
			a := newAuthenticator()
			if _, err := f.addPasskey(b, a, alice, f.proof(b, alice.ID)); err != nil {
				b.Fatal(err)
			}
			c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
			b.ReportAllocs()
			for b.Loop() {
				lc, err := f.svc.BeginPasskeyLogin(ctx, alice.ID)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				resp, err := a.Get(lc.Options)
				b.StartTimer()
				if err != nil {
					b.Fatal(err)
				}
				if err := f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, resp, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoginCode measures a code by SMS at the challenge: the send
// (the limits read and the code stored in one transaction, the text
// written, a sender that keeps nothing) and the code's check (the
// reservations, the redemption, the history entry). Each iteration is a
// minute later than the last, for the cooldown, and a new user of its own,
// for the hourly caps.
func BenchmarkLoginCode(b *testing.B) {
	benchStores(b, func(b *testing.B, store portalmfa.Store) {
		if _, ok := store.(portalmfa.CodeStore); !ok {
			b.Skip("noHistory hides the store's codes")
		}
		ctx := context.Background()
		var code string
		sender := smsFunc(func(_ context.Context, _, text string) error { code = sixDigits.FindString(text); return nil })
		f := newFixtureWith(b, func(c *portalmfa.Config) {
			c.Store = store
			c.Codes = portalmfa.CodesConfig{SMS: sender, Region: "FR"}
		})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			b.StopTimer()
			i++
			// A user and an address of its own: the IP's limit counts
			// every attempt, successes included.
			u := portalmfa.User{ID: fmt.Sprintf("u-%d", i)}
			c := portalmfa.Client{IP: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), UserAgent: firefox}
			proof, err := f.svc.ReverifyPassword(ctx, u.ID, "pw-"+u.ID, "", c)
			if err != nil {
				b.Fatal(err)
			}
			setup, err := f.svc.BeginPhone(ctx, u.ID, fmt.Sprintf("+3361%07d", i), proof, codeText, c)
			if err == nil {
				_, err = f.svc.ConfirmPhone(ctx, u.ID, setup.Number, code, proof, c)
			}
			if err != nil {
				b.Fatal(err)
			}
			state := f.pending(b, u.ID)
			f.clock.Add(time.Minute)
			b.StartTimer()
			if _, err := f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c); err != nil {
				b.Fatal(err)
			}
			if err := f.svc.VerifyLoginCode(ctx, state, oob.SMS, code, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// smsFunc is an SMSSender of a function.
type smsFunc func(ctx context.Context, to, text string) error

func (f smsFunc) SendSMS(ctx context.Context, to, text string) error { return f(ctx, to, text) }
