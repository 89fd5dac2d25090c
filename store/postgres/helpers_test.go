package postgres_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/store/postgres"
	"github.com/portalmfa/portalmfa/totp"
)

// testDSN returns the DSN of the test database, or skips the test.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PORTALMFA_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PORTALMFA_TEST_POSTGRES not set: PostgreSQL suite skipped")
	}
	return dsn
}

// freshSchema returns the name of a schema nobody uses, and drops it with
// everything in it when the test ends. Each test having its own, tests run
// in parallel and leave nothing behind.
func freshSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	schema := "portalmfa_test_" + strings.ToLower(rand.Text())
	t.Cleanup(func() {
		// Registered before any pool the test opens on the schema, so it
		// runs after they are closed.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return schema
}

// connect opens one connection to dsn, which may hold pool settings.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}

// newPool opens a pool on the test database, closed when the test ends.
// edit, if not nil, adjusts its configuration first.
func newPool(t testing.TB, edit func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// openStore opens a store on schema through a pool of its own: what one
// portal instance does.
func openStore(t testing.TB, schema string) *postgres.Store {
	t.Helper()
	s, err := postgres.New(context.Background(), newPool(t, nil), schema)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// t0 is the tests' fixed "now", on a step boundary.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// clock is a settable time source shared by the Services of a test, as the
// instances of one portal share the wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var testKey = bytes.Repeat([]byte{7}, 32)

// newService builds a Service on store with the default limits: one
// portal instance. Instances of one portal share the key ring.
func newService(t testing.TB, store portalmfa.Store, clk *clock) *portalmfa.Service {
	t.Helper()
	svc, err := portalmfa.New(portalmfa.Config{
		Issuer: "Acme Portal",
		Keys:   [][]byte{testKey},
		Store:  store,
		CheckPassword: func(_ context.Context, userID, password string) (bool, error) {
			return password == "pw-"+userID, nil
		},
		Logger: slog.New(slog.DiscardHandler),
		Now:    clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// enroll turns TOTP on for userID through svc, as the wizard does (secret,
// backup codes, confirming code of the clock's current step), and returns
// the secret.
func enroll(t testing.TB, svc *portalmfa.Service, clk *clock, userID string) []byte {
	t.Helper()
	secret, err := tryEnroll(svc, clk, userID)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// tryEnroll is enroll for goroutines other than the test's.
func tryEnroll(svc *portalmfa.Service, clk *clock, userID string) ([]byte, error) {
	ctx := context.Background()
	// A first factor needs a recent verification of the password.
	proof, err := svc.ReverifyPassword(ctx, userID, "pw-"+userID, "", portalmfa.Client{})
	if err != nil {
		return nil, fmt.Errorf("enrolling %s: %w", userID, err)
	}
	e, err := svc.BeginTOTP(ctx, portalmfa.User{ID: userID}, proof)
	if err != nil {
		return nil, err
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Key)
	if err != nil {
		return nil, err
	}
	if _, err := svc.PendingBackupCodes(ctx, userID, proof); err != nil {
		return nil, err
	}
	if err := svc.ConfirmTOTP(ctx, userID, totp.Code(secret, clk.Now()), proof, portalmfa.Client{}); err != nil {
		return nil, fmt.Errorf("enrolling %s: %w", userID, err)
	}
	return secret, nil
}

// wrongCode returns a well-formed code that no step around now accepts.
func wrongCode(secret []byte, now time.Time) string {
	valid := map[string]bool{}
	for d := -2; d <= 2; d++ {
		valid[totp.Code(secret, now.Add(time.Duration(d)*totp.Period))] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555"} {
		if !valid[c] {
			return c
		}
	}
	panic("six codes in a five-step window")
}
