package portalmfa_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/store/postgres"
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

// BenchmarkUserStates10k measures the console's read of 10,000 users on
// SQLite and PostgreSQL (with PORTALMFA_TEST_POSTGRES, in a schema of its
// own, analyzed once filled as autovacuum would): the store's summaries a
// batch at a time, the grace periods recorded, and each user's standing
// under two policies; what a filter or an export of the console costs.
// Filling the store is not timed.
func BenchmarkUserStates10k(b *testing.B) {
	b.Run("SQLite", func(b *testing.B) {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		benchUserStates(b, st, nil)
	})
	b.Run("PostgreSQL", func(b *testing.B) {
		dsn := os.Getenv("PORTALMFA_TEST_POSTGRES")
		if dsn == "" {
			b.Skip("PORTALMFA_TEST_POSTGRES not set")
		}
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		schema := "portalmfa_bench_" + strings.ToLower(rand.Text())
		b.Cleanup(func() {
			_, err := pool.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			pool.Close()
			if err != nil {
				b.Error(err)
			}
		})
		st, err := postgres.New(ctx, pool, schema)
		if err != nil {
			b.Fatal(err)
		}
		benchUserStates(b, st, func() {
			rows, err := pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1`, schema)
			if err != nil {
				b.Fatal(err)
			}
			tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				b.Fatal(err)
			}
			for _, table := range tables {
				if _, err := pool.Exec(ctx, `ANALYZE `+pgx.Identifier{schema, table}.Sanitize()); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// benchUserStates fills st with 10,000 users and measures UserStates over
// them; settle runs once filled.
func benchUserStates(b *testing.B, st interface {
	portalmfa.Store
	portalmfa.TxStore
	policy.Store
}, settle func()) {
	ctx := context.Background()
	policies := []policy.Policy{
		{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 14},
		{Name: "customers", Groups: []string{"customers"}, Level: policy.Recommended},
	}
	f := newFixtureWith(b, func(c *portalmfa.Config) { withPolicies(nil, policies...)(c); c.Store = st })
	users := make([]portalmfa.User, 10_000)
	now := f.clock.Now()
	for start := 0; start < len(users); start += 100 {
		err := st.InTx(ctx, func(ctx context.Context) error {
			for i := start; i < start+100; i++ {
				u := portalmfa.User{ID: fmt.Sprintf("user-%05d", i), Groups: []string{"customers"}}
				if i%3 == 0 {
					u.Groups = []string{"partners"}
				}
				users[i] = u
				if i%2 == 0 {
					if err := st.SavePendingTOTP(ctx, u.ID, []byte("sealed"), now); err != nil {
						return err
					}
					if err := st.ActivateTOTP(ctx, u.ID, []byte("sealed"), 1, now); err != nil {
						return err
					}
				}
				if i%3 == 0 && i%2 != 0 { // a partner short of the policy, found so
					if _, err := st.PolicyApplied(ctx, u.ID, "partners", now); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if settle != nil {
		settle()
	}
	b.ReportAllocs()
	for b.Loop() {
		states, err := f.svc.UserStates(ctx, users)
		if err != nil || len(states) != len(users) {
			b.Fatal(len(states), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(users)), "ns/user")
}
