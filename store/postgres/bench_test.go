package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/store/storetest"
	"github.com/portalmfa/portalmfa/totp"
)

func BenchmarkAcceptTOTPStep(b *testing.B) {
	storetest.BenchmarkAcceptTOTPStep(b, openStore(b, freshSchema(b)))
}

func BenchmarkRedeemBackupCode(b *testing.B) {
	storetest.BenchmarkRedeemBackupCode(b, openStore(b, freshSchema(b)))
}

func BenchmarkUseDevice(b *testing.B) {
	storetest.BenchmarkUseDevice(b, openStore(b, freshSchema(b)))
}

func BenchmarkRecordEvent(b *testing.B) {
	storetest.BenchmarkRecordEvent(b, openStore(b, freshSchema(b)))
}

func BenchmarkUsePasskey(b *testing.B) {
	storetest.BenchmarkUsePasskey(b, openStore(b, freshSchema(b)))
}

func BenchmarkTakeCeremony(b *testing.B) {
	storetest.BenchmarkTakeCeremony(b, openStore(b, freshSchema(b)))
}

func BenchmarkChallengeCalls(b *testing.B) {
	storetest.BenchmarkChallengeCalls(b, openStore(b, freshSchema(b)))
}

func BenchmarkInTx(b *testing.B) {
	storetest.BenchmarkInTx(b, openStore(b, freshSchema(b)))
}

// BenchmarkAccounts10k reads 10,000 users' state as the console does. The
// tables are vacuumed and analyzed once filled, as autovacuum would do
// within a minute or so: before, the planner's guesses about the new
// tables cost each batch a JIT compilation (about 30 ms) and bitmap scans.
func BenchmarkAccounts10k(b *testing.B) {
	schema := freshSchema(b)
	storetest.BenchmarkAccounts(b, openStore(b, schema), func() { analyze(b, schema) })
}

// BenchmarkLog reads a trail of 200,000 entries as the console does,
// analyzed as for BenchmarkAccounts10k.
func BenchmarkLog(b *testing.B) {
	schema := freshSchema(b)
	storetest.BenchmarkLog(b, openStore(b, schema), func() { analyze(b, schema) })
}

// analyze vacuums and analyzes every table of schema.
func analyze(b *testing.B, schema string) {
	ctx := b.Context()
	pool := newPool(b, nil)
	rows, err := pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1`, schema)
	if err != nil {
		b.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var name string
		err := row.Scan(&name)
		return pgx.Identifier{schema, name}.Sanitize(), err
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", ")); err != nil {
		b.Fatal(err)
	}
}

// parallelism is how many callers per CPU the parallel benchmarks run: a
// verification mostly waits for the database, so a handful of CPUs serve
// many concurrent logins.
const parallelism = 8

// BenchmarkVerifyTOTP measures successful login challenges (VerifyTOTP, in
// one transaction: three lockout reservations, reading the enrollment, the
// replay guard, one reset of three keys, the history row) against
// PostgreSQL:
//
//   - Serial: one caller after another, the latency of one challenge;
//   - OneInstance: parallelism × GOMAXPROCS concurrent callers on one
//     Service with its own pool (the pool's default size);
//   - TwoInstances: as many callers split across two Services, each with
//     its own pool, on the same schema: two portal instances.
//
// ns/op of the parallel cases is wall time per challenge, so the
// throughput is 1e9/ns_op (reported as challenges/s); compare the two.
// Each challenge is a different user from a different address, with a
// fresh code, as at a portal's morning rush.
func BenchmarkVerifyTOTP(b *testing.B) {
	testDSN(b)
	b.Run("Serial", newVerifyBench(b, 1).serial)
	b.Run("OneInstance", newVerifyBench(b, 1).parallel)
	b.Run("TwoInstances", newVerifyBench(b, 2).parallel)
}

// verifyBench keeps its schema, Services and enrolled users across the
// calls of one sub-benchmark (one per b.N tried), so users enrolled for a
// small b.N serve again for a larger one.
type verifyBench struct {
	clk     *clock
	svcs    []*portalmfa.Service
	secrets [][]byte // of users "u0", "u1" …
}

// newVerifyBench makes instances Services on one new schema. Their pools
// and the schema last until parent ends.
func newVerifyBench(parent *testing.B, instances int) *verifyBench {
	schema := freshSchema(parent)
	v := &verifyBench{clk: &clock{t: t0}}
	for range instances {
		v.svcs = append(v.svcs, newService(parent, openStore(parent, schema), v.clk))
	}
	return v
}

// prepare enrols users until there are n, then moves the clock three steps
// on, so that every user has the steps just before, at and after now still
// unused: three logins each. It returns each user's codes for them, in
// step order.
func (v *verifyBench) prepare(b *testing.B, n int) [][]string {
	b.Helper()
	if more := n - len(v.secrets); more > 0 {
		first := len(v.secrets)
		v.secrets = append(v.secrets, make([][]byte, more)...)
		var next atomic.Int64
		next.Store(int64(first))
		errs := make([]error, 16)
		var wg sync.WaitGroup
		for w := range errs {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < n && errs[w] == nil; i = int(next.Add(1) - 1) {
					v.secrets[i], errs[w] = tryEnroll(v.svcs[i%len(v.svcs)], v.clk, fmt.Sprint("u", i))
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			v.secrets = v.secrets[:first] // enrol them again next time
			b.Fatal(err)
		}
	}
	v.clk.Add(3 * totp.Period)
	now := v.clk.Now()
	codes := make([][]string, n)
	for i, secret := range v.secrets[:n] {
		// Verify takes the latest step a code matches; a code that also
		// matches a later step of the window would spend that step, so
		// it is left out (about one user in a million).
		window := []string{
			totp.Code(secret, now.Add(-totp.Period)),
			totp.Code(secret, now),
			totp.Code(secret, now.Add(totp.Period)),
		}
		for k, c := range window {
			later := false
			for _, d := range window[k+1:] {
				later = later || c == d
			}
			if !later {
				codes[i] = append(codes[i], c)
			}
		}
	}
	return codes
}

func (v *verifyBench) serial(b *testing.B) {
	codes := v.prepare(b, b.N/3+1)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	user, used := 0, 0
	for range b.N {
		if used == len(codes[user]) {
			user, used = user+1, 0
			if user == len(codes) {
				b.Fatal("ran out of enrolled users")
			}
		}
		if err := v.svcs[0].VerifyTOTP(ctx, fmt.Sprint("u", user), codes[user][used], portalmfa.Client{IP: ip(user)}); err != nil {
			b.Fatal(err)
		}
		used++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "challenges/s")
}

func (v *verifyBench) parallel(b *testing.B) {
	callers := parallelism * runtime.GOMAXPROCS(0)
	// Each caller takes users whole; the last it takes may go partly
	// unused.
	codes := v.prepare(b, b.N/3+callers+1)
	ctx := context.Background()
	var nextCaller, nextUser atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		svc := v.svcs[int(nextCaller.Add(1))%len(v.svcs)]
		user, used := int(nextUser.Add(1)-1), 0
		for pb.Next() {
			if used == len(codes[user]) {
				user, used = int(nextUser.Add(1)-1), 0
				if user == len(codes) {
					b.Error("ran out of enrolled users")
					return
				}
			}
			if err := svc.VerifyTOTP(ctx, fmt.Sprint("u", user), codes[user][used], portalmfa.Client{IP: ip(user)}); err != nil {
				b.Error(err)
				return
			}
			used++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "challenges/s")
}
