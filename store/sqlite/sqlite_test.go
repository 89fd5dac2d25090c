package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/store/sqlite"
	"github.com/portalmfa/portalmfa/store/storetest"
	"github.com/portalmfa/portalmfa/totp"
)

// open opens a store on a new file in a temporary directory.
func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return open(t, filepath.Join(t.TempDir(), "portalmfa.db"))
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "portalmfa.db")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	limit := lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SavePendingTOTP(ctx, "alice", []byte("sealed"), now); err != nil {
		t.Fatal(err)
	}
	if err := s.ActivateTOTP(ctx, "alice", []byte("sealed"), 7, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReserveAttempt(ctx, "k", limit, now); err != nil {
		t.Fatal(err)
	}
	codes := [][]byte{[]byte("hash-0"), []byte("hash-1")}
	if err := s.SaveBackupCodes(ctx, "alice", []byte("salt"), codes, true, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemBackupCode(ctx, "alice", codes[0], now); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	e, err := s.TOTPEnrollment(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !e.Active || e.LastStep != 7 || string(e.Secret) != "sealed" {
		t.Errorf("after reopening: %+v", e)
	}
	if err := s.AcceptTOTPStep(ctx, "alice", 7); !errors.Is(err, totp.ErrReplayed) {
		t.Errorf("AcceptTOTPStep(7) after reopening: %v, want %v", err, totp.ErrReplayed)
	}
	if a, err := s.ReserveAttempt(ctx, "k", limit, now); err != nil || a.Failures != 2 {
		t.Errorf("ReserveAttempt after reopening: %+v, %v; want 2 failures", a, err)
	}
	if set, err := s.BackupCodes(ctx, "alice"); err != nil || !set.Active || set.Remaining != 1 || string(set.Salt) != "salt" {
		t.Errorf("BackupCodes after reopening: %+v, %v; want the active set with 1 code left", set, err)
	}
	if _, err := s.RedeemBackupCode(ctx, "alice", codes[0], now); !errors.Is(err, backupcodes.ErrInvalidCode) {
		t.Errorf("RedeemBackupCode of a used code after reopening: %v, want %v", err, backupcodes.ErrInvalidCode)
	}

	// Reopening applied no migration twice.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, latest int
	if err := db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &latest); err != nil {
		t.Fatal(err)
	}
	if rows != latest {
		t.Errorf("schema_migrations holds %d rows up to version %d", rows, latest)
	}
}

func TestOpenConcurrently(t *testing.T) {
	// Instances starting together on a new file: one migrates, the others
	// wait for it and then find nothing to do.
	path := filepath.Join(t.TempDir(), "portalmfa.db")
	const n = 8
	stores := make([]*sqlite.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = sqlite.Open(t.Context(), path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		if err := stores[i].Close(); err != nil {
			t.Error(err)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, latest int
	if err := db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &latest); err != nil {
		t.Fatal(err)
	}
	if rows != latest {
		t.Errorf("schema_migrations holds %d rows up to version %d", rows, latest)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portalmfa.db")
	open(t, path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open of a database from a newer version succeeded")
	}
}

func TestOpenFails(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	garbage := make([]byte, 8192)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	if err := os.WriteFile(corrupt, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"Empty":            "",
		"Memory":           ":memory:",
		"Corrupt":          corrupt,
		"MissingDirectory": filepath.Join(dir, "missing", "portalmfa.db"),
		"UnderAFile":       filepath.Join(notADir, "portalmfa.db"),
		"Directory":        dir,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", path)
			}
			t.Log(err)
		})
	}
}

func TestOpenOddPath(t *testing.T) {
	// Characters that mean something in a URI are part of the file name.
	dir := filepath.Join(t.TempDir(), "a ?b#c%20d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x?mode=ro#y.db")
	s := open(t, path)
	if err := s.SavePendingTOTP(t.Context(), "alice", []byte("sealed"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %q: %v", path, err)
	}
}

func BenchmarkAcceptTOTPStep(b *testing.B) {
	storetest.BenchmarkAcceptTOTPStep(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}

func BenchmarkRedeemBackupCode(b *testing.B) {
	storetest.BenchmarkRedeemBackupCode(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}

func BenchmarkUseDevice(b *testing.B) {
	storetest.BenchmarkUseDevice(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}

func BenchmarkRecordEvent(b *testing.B) {
	storetest.BenchmarkRecordEvent(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}
