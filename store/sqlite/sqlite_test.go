package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/store/sqlite"
	"github.com/portalmfa/portalmfa/store/storetest"
)

// open opens a store on the database file at path, closed when the test
// ends.
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
	t.Run("Tx", func(t *testing.T) {
		storetest.RunTx(t, func(t *testing.T) storetest.TxStore {
			return open(t, filepath.Join(t.TempDir(), "portalmfa.db"))
		})
	})
	t.Run("Summaries", func(t *testing.T) {
		storetest.RunSummaries(t, func(t *testing.T) storetest.SummaryStore {
			return open(t, filepath.Join(t.TempDir(), "portalmfa.db"))
		})
	})
	t.Run("Log", func(t *testing.T) {
		storetest.RunLog(t, func(t *testing.T) storetest.LogStore {
			return open(t, filepath.Join(t.TempDir(), "portalmfa.db"))
		})
	})
}

// migrated returns the number of rows of the schema_migrations table of
// the database at path and the highest version among them.
func migrated(t *testing.T, path string) (rows, latest int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(*), coalesce(max(version), 0) FROM schema_migrations`).Scan(&rows, &latest); err != nil {
		t.Fatal(err)
	}
	return rows, latest
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portalmfa.db")
	storetest.RunReopen(t, func(t *testing.T) storetest.ReopenStore { return open(t, path) })
	// Reopening applied no migration twice.
	if rows, latest := migrated(t, path); rows != latest || latest == 0 {
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
	if rows, latest := migrated(t, path); rows != latest || latest == 0 {
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

func BenchmarkUsePasskey(b *testing.B) {
	storetest.BenchmarkUsePasskey(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}

func BenchmarkTakeCeremony(b *testing.B) {
	storetest.BenchmarkTakeCeremony(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}

func BenchmarkChallengeCalls(b *testing.B) {
	storetest.BenchmarkChallengeCalls(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}

func BenchmarkInTx(b *testing.B) {
	storetest.BenchmarkInTx(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")))
}

func BenchmarkAccounts10k(b *testing.B) {
	storetest.BenchmarkAccounts(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")), nil)
}

func BenchmarkLog(b *testing.B) {
	storetest.BenchmarkLog(b, open(b, filepath.Join(b.TempDir(), "portalmfa.db")), nil)
}
