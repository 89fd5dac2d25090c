package postgres_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/store/postgres"
	"github.com/portalmfa/portalmfa/store/storetest"
	"github.com/portalmfa/portalmfa/totp"
)

func TestConformance(t *testing.T) {
	testDSN(t)
	t.Parallel()
	open := conformanceStores(t)
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
	t.Run("Tx", func(t *testing.T) {
		storetest.RunTx(t, func(t *testing.T) storetest.TxStore { return open(t) })
	})
	t.Run("Summaries", func(t *testing.T) {
		storetest.RunSummaries(t, func(t *testing.T) storetest.SummaryStore { return open(t) })
	})
	t.Run("Log", func(t *testing.T) {
		storetest.RunLog(t, func(t *testing.T) storetest.LogStore { return open(t) })
	})
}

// conformanceStores returns a function that opens a store on a fresh
// schema for each subtest, all through one pool that holds a connection
// for each of the suite's concurrent callers (20 in most cases): they race
// in the database, as callers of several instances do, rather than queue
// for a connection. With the default pool (4 connections on 2 CPUs), an
// AddPasskey without its advisory lock let more than the cap in none of
// 20 runs; with 25 connections, in 8 to 13 of them. One pool for the whole
// suite, since opening 25 connections for each subtest doubled its time.
func conformanceStores(t *testing.T) func(t *testing.T) *postgres.Store {
	pool := newPool(t, func(c *pgxpool.Config) { c.MaxConns = 25 })
	return func(t *testing.T) *postgres.Store {
		t.Helper()
		s, err := postgres.New(t.Context(), pool, freshSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// migrated returns the number of rows of schema's schema_migrations and
// the highest version among them.
func migrated(t *testing.T, schema string) (rows, latest int) {
	t.Helper()
	pool := newPool(t, nil)
	err := pool.QueryRow(t.Context(), `SELECT count(*), coalesce(max(version), 0) FROM `+
		pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&rows, &latest)
	if err != nil {
		t.Fatal(err)
	}
	return rows, latest
}

func TestReopenKeepsData(t *testing.T) {
	testDSN(t)
	t.Parallel()
	schema := freshSchema(t)
	storetest.RunReopen(t, func(t *testing.T) storetest.ReopenStore { return openStore(t, schema) })
	// Reopening applied no migration twice.
	if rows, latest := migrated(t, schema); rows != latest || latest == 0 {
		t.Errorf("schema_migrations holds %d rows up to version %d", rows, latest)
	}
}

func TestOpenConcurrently(t *testing.T) {
	// Instances starting together on a new schema, each with its own pool:
	// one creates it and migrates while the others wait on the advisory
	// lock, then find nothing to do.
	testDSN(t)
	t.Parallel()
	schema := freshSchema(t)
	const n = 8
	pools := make([]*pgxpool.Pool, n)
	for i := range pools {
		pools[i] = newPool(t, nil)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = postgres.New(t.Context(), pools[i], schema)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("New %d: %v", i, err)
		}
	}
	if rows, latest := migrated(t, schema); rows != latest || latest == 0 {
		t.Errorf("schema_migrations holds %d rows up to version %d", rows, latest)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	testDSN(t)
	t.Parallel()
	schema := freshSchema(t)
	openStore(t, schema)
	pool := newPool(t, nil)
	if _, err := pool.Exec(t.Context(), `INSERT INTO `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+
		` (version) VALUES (9999)`); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.New(t.Context(), pool, schema)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("New on a schema from a newer version: %v, want a refusal", err)
	}
	t.Log(err)
}

func TestSchemasAreIndependent(t *testing.T) {
	// Two schemas in one database keep apart, whatever search_path the
	// host's pool sets: every statement names its schema.
	testDSN(t)
	t.Parallel()
	ctx := t.Context()
	a, b := freshSchema(t), freshSchema(t)
	storeB := openStore(t, b)
	pool := newPool(t, func(c *pgxpool.Config) { c.ConnConfig.RuntimeParams["search_path"] = b })
	storeA, err := postgres.New(ctx, pool, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := storeA.SavePendingTOTP(ctx, "alice", []byte("sealed"), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := storeB.TOTPEnrollment(ctx, "alice"); !errors.Is(err, totp.ErrNotEnrolled) {
		t.Errorf("schema %s sees schema %s's enrollment: %v", b, a, err)
	}
	if _, err := storeA.TOTPEnrollment(ctx, "alice"); err != nil {
		t.Error(err)
	}
}

func TestReservedWordSchema(t *testing.T) {
	// A schema name that is also an SQL keyword works: it is quoted
	// everywhere. Random names never need quoting, so this test uses a
	// fixed one.
	dsn := testDSN(t)
	t.Parallel()
	const schema = "order"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connect(ctx, dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS "order" CASCADE`); err != nil {
			t.Error(err)
		}
	})
	s := openStore(t, schema)
	ctx := t.Context()
	if err := s.SavePendingTOTP(ctx, "alice", []byte("sealed"), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ActivateTOTP(ctx, "alice", []byte("sealed"), 1, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptTOTPStep(ctx, "alice", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReserveAttempt(ctx, "k", lockout.Limit{Threshold: 1, Delay: time.Minute, MaxDelay: time.Hour}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetAttempts(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTOTP(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
}

func TestLeastPrivilege(t *testing.T) {
	// An administrator migrated the schema; the portal's role may use its
	// tables but create nothing, and still opens it.
	testDSN(t)
	t.Parallel()
	ctx := t.Context()
	schema := freshSchema(t)
	openStore(t, schema)

	admin := newPool(t, nil)
	role := schema + "_app"
	if _, err := admin.Exec(ctx, `CREATE ROLE `+pgx.Identifier{role}.Sanitize()+` NOLOGIN`); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" {
			t.Skipf("the test role may not create roles: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, q := range []string{`DROP OWNED BY `, `DROP ROLE `} {
			if _, err := admin.Exec(ctx, q+pgx.Identifier{role}.Sanitize()); err != nil {
				t.Error(err)
			}
		}
	})
	r, s := pgx.Identifier{role}.Sanitize(), pgx.Identifier{schema}.Sanitize()
	// No grant of CREATE on the database: PUBLIC has none by default.
	for _, q := range []string{
		`GRANT USAGE ON SCHEMA ` + s + ` TO ` + r,
		`GRANT SELECT ON ` + s + `.schema_migrations TO ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ` + s + `.totp_enrollments, ` + s + `.lockout_attempts, ` +
			s + `.backup_code_sets, ` + s + `.trusted_devices, ` + s + `.history_events, ` +
			s + `.passkeys, ` + s + `.webauthn_ceremonies, ` + s + `.oob_codes, ` + s + `.oob_sends, ` + s + `.oob_destinations TO ` + r,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	app := newPool(t, func(c *pgxpool.Config) {
		c.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, `SET ROLE `+r)
			return err
		}
	})
	st, err := postgres.New(ctx, app, schema)
	if err != nil {
		t.Fatalf("New as a role without CREATE: %v", err)
	}
	if err := st.SavePendingTOTP(ctx, "alice", []byte("sealed"), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReserveAttempt(ctx, "k", lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}, t0); err != nil {
		t.Fatal(err)
	}
	// Each table the documentation lists, the history's identity column
	// included: it needs no grant on its sequence.
	if err := st.SaveBackupCodes(ctx, "alice", []byte("salt"), [][]byte{[]byte("h")}, nil, true, t0); err != nil {
		t.Fatal(err)
	}
	d := devices.Device{ID: "d", UserID: "alice", CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := st.SaveDevice(ctx, d, []byte("hash")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UseDevice(ctx, "alice", []byte("hash"), "192.0.2.1", t0); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordEvent(ctx, history.Event{UserID: "alice", At: t0, Kind: history.Attempt}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PruneEvents(ctx, t0.Add(time.Second), 0); err != nil {
		t.Fatal(err)
	}
	// Adding a passkey takes an advisory lock, which needs no grant.
	p := passkeys.Passkey{ID: []byte("id"), UserID: "alice", CreatedAt: t0}
	if err := st.AddPasskey(ctx, p, 10); err != nil {
		t.Fatal(err)
	}
	if err := st.UsePasskey(ctx, "alice", p.ID, 0, 1, false, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCeremony(ctx, []byte("key"), passkeys.Ceremony{Purpose: "login", Expires: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TakeCeremony(ctx, []byte("key"), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PruneCeremonies(ctx, t0); err != nil {
		t.Fatal(err)
	}
	// A send takes advisory locks, which need no grant.
	c := oob.Code{UserID: "alice", Binding: "login:1", Channel: oob.SMS, Destination: "+33612345678",
		Hash: []byte("h"), SentAt: t0, ExpiresAt: t0.Add(oob.Validity)}
	if err := st.SaveOOBCode(ctx, c, oob.Limits{Cooldown: time.Minute, PerHour: 5}, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.RedeemOOBCode(ctx, "alice", "login:1", []byte("h"), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PruneOOB(ctx, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	dest := oob.Destination{UserID: "alice", Channel: oob.SMS, Address: "+33612345678", ConfirmedAt: t0}
	if err := st.SaveDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Destinations(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteDestination(ctx, "alice", oob.SMS); err != nil {
		t.Fatal(err)
	}
	// The role really cannot create: a new schema is refused.
	if _, err := postgres.New(ctx, app, schema+"_x"); err == nil {
		t.Error("New created a schema as a role without CREATE")
	}
}

func TestOpen(t *testing.T) {
	// Open uses DefaultSchema, which a developer's database may hold for
	// real: the test gets a database of its own.
	dsn := testDSN(t)
	t.Parallel()
	ctx := t.Context()
	admin := newPool(t, nil)
	db := freshSchema(t) // a unique name; the schema itself is never created
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{db}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" {
			t.Skipf("the test role may not create databases: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, `DROP DATABASE `+pgx.Identifier{db}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Error(err)
		}
	})
	dbDSN := withDatabase(t, dsn, db)

	s, err := postgres.Open(ctx, dbDSN)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SavePendingTOTP(ctx, "alice", []byte("sealed"), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePendingTOTP(ctx, "alice", []byte("sealed"), t0); err == nil {
		t.Error("a closed Store still works")
	}

	// The schema Open used is DefaultSchema, which New picks for "".
	pool := newPool(t, func(c *pgxpool.Config) { c.ConnConfig.Database = db })
	s, err = postgres.New(ctx, pool, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TOTPEnrollment(ctx, "alice"); err != nil {
		t.Errorf("New(\"\") does not see what Open stored: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, postgres.DefaultSchema).Scan(&n); err != nil || n != 1 {
		t.Errorf("schema %s: %d, %v", postgres.DefaultSchema, n, err)
	}
	// Closing a Store made by New leaves the host's pool open.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Errorf("the pool given to New was closed: %v", err)
	}
}

// withDatabase returns dsn naming database db instead.
func withDatabase(t *testing.T, dsn, db string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + db
		return u.String()
	}
	return dsn + " dbname=" + db // the last setting of a key wins
}

func TestOpenFails(t *testing.T) {
	// Needs no database: every case fails before or at connecting.
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String() // nothing listens there once ln is closed
	ln.Close()
	for name, dsn := range map[string]string{
		"NoSocket":   "host=/nonexistent-portalmfa-socket-dir user=u password=s3cret",
		"BadURL":     "postgres://user:s3cret@%zz/db",
		"BadSetting": "postgres://user:s3cret@127.0.0.1/db?pool_max_conns=many",
		"Refused":    "postgres://user:s3cret@" + closed + "/db?sslmode=disable",
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			s, err := postgres.Open(ctx, dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", dsn)
			}
			if !strings.HasPrefix(err.Error(), "postgres: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
			t.Log(err)
		})
	}
}

func TestNewRejects(t *testing.T) {
	// Needs no database: arguments are checked before connecting.
	t.Parallel()
	pool, err := pgxpool.New(t.Context(), "postgres://127.0.0.1:1/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := postgres.New(t.Context(), nil, "x"); err == nil {
		t.Error("New with a nil pool succeeded")
	}
	for _, schema := range []string{
		"Portalmfa", "1abc", "a-b", "a b", `a"b`, "a.b", "é", "portalmfa;drop", "a\x00",
		strings.Repeat("a", 64),
	} {
		_, err := postgres.New(t.Context(), pool, schema)
		if err == nil || !strings.Contains(err.Error(), "identifier") {
			t.Errorf("New(%q): %v, want a refusal of the name", schema, err)
		}
	}
}
