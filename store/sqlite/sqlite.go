package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	driver "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/store/internal/migrations"
	"github.com/portalmfa/portalmfa/totp"
)

// Store keeps records in one SQLite database file. It is safe for concurrent
// use; call [Store.Close] when done.
type Store struct {
	db *sql.DB
	// stmts holds the statements of fixed text, prepared once each (by
	// query text): parsing SQL was a third of a challenge's cost.
	stmts sync.Map
	// deferred holds the text of statements a transaction of InTx ran
	// unprepared, for the next InTx to prepare (see cached).
	deferred sync.Map
}

var (
	_ totp.Store        = (*Store)(nil)
	_ backupcodes.Store = (*Store)(nil)
	_ lockout.Store     = (*Store)(nil)
	_ devices.Store     = (*Store)(nil)
	_ history.Store     = (*Store)(nil)

	_ passkeys.Store         = (*Store)(nil)
	_ passkeys.CeremonyStore = (*Store)(nil)
)

// maxOpenConns caps the connection pool.
//
// Every rule is decided by one statement (or one transaction holding the
// write lock), so correctness does not depend on this number; speed, and
// the risk of waiting out busy_timeout, do. SQLite lets one writer in at a
// time whatever the pool size, and nearly every call here writes. A
// connection that finds the write lock taken does not queue: it sleeps in
// SQLite's busy handler (1, 2, 5, 10 … 100 ms) and retries, so with many
// connections a burst of writers spends its time asleep while the lock
// sits free. With a small pool the surplus callers queue in
// database/sql instead and get a connection the moment one is free.
// Measured (2 CPUs, 200 simultaneous ReserveAttempt calls; and a parallel
// mix of AcceptTOTPStep, ReserveAttempt and TOTPEnrollment): 4 connections
// were the fastest or tied (burst 19 ms, slowest call 25–35 ms); 1 was
// close; 8 and 32 were slower with slowest calls of 50–150 ms; 64 with
// synchronous=FULL took 0.6 s per parallel op. Four also lets readers,
// which WAL never blocks, run beside the writer.
const maxOpenConns = 4

// busyTimeout is how long a statement waits for another connection's or
// process's write lock before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Open opens, creating it if needed, the SQLite database file at path and
// brings its schema up to date. path is a file name, not a URI; an in-memory
// database is not supported (each pooled connection would get its own).
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: a database file path is required")
	}
	// The file holds sealed secrets and code hashes: readable by its owner
	// only. SQLite gives its -wal and -shm files the mode of the database.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	// On a new file, instances opening it together race to switch it to
	// WAL as their first connections come up, and SQLite refuses a loser
	// at once with SQLITE_BUSY: a read lock that would have to become a
	// write lock, the one wait busy_timeout does not cover. Its next
	// connection finds the file in WAL mode.
	for attempt := 1; ; attempt++ {
		err = migrate(ctx, db)
		if err == nil || attempt == openAttempts || !busy(err) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt) * 10 * time.Millisecond):
		}
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// openAttempts bounds how many times Open tries to bring the schema up to
// date when SQLite answers SQLITE_BUSY at once (see Open).
const openAttempts = 5

// busy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func busy(err error) bool {
	var e *driver.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// prepared returns the statement of query, prepared on first use.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close() // another caller prepared it meanwhile
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// cached returns the statement of query if it is prepared already, for a
// transaction of InTx to run. Otherwise it returns nil and notes query for
// the next InTx to prepare, before it takes a connection: preparing takes
// a connection of the pool, and a transaction waiting for one while it
// holds the write lock could wait for ever, every other connection being
// held by a caller that waits for the lock.
func (s *Store) cached(query string) *sql.Stmt {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	s.deferred.Store(query, struct{}{})
	return nil
}

// prepareDeferred prepares the statements cached noted. A failure leaves
// the statement to run unprepared, and to be noted again.
func (s *Store) prepareDeferred(ctx context.Context) {
	s.deferred.Range(func(query, _ any) bool {
		s.deferred.Delete(query)
		s.prepared(ctx, query.(string)) //nolint:errcheck // see above
		return true
	})
}

// exec, queryRow and query run a statement of fixed text, prepared once;
// on the transaction of InTx when ctx carries one.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t := s.txOf(ctx); t != nil {
		if st := s.cached(query); st != nil {
			return t.StmtContext(ctx, st).ExecContext(ctx, args...)
		}
		return t.ExecContext(ctx, query, args...)
	}
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if t := s.txOf(ctx); t != nil {
		if st := s.cached(query); st != nil {
			return t.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		}
		return t.QueryRowContext(ctx, query, args...)
	}
	st, err := s.prepared(ctx, query)
	if err != nil {
		// The error surfaces from Scan, as a query's would.
		return s.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t := s.txOf(ctx); t != nil {
		if st := s.cached(query); st != nil {
			return t.StmtContext(ctx, st).QueryContext(ctx, args...)
		}
		return t.QueryContext(ctx, query, args...)
	}
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// dsn builds the driver's data source name for a database file.
//
// The name is an SQLite URI so that no character of the path can be taken
// for a parameter; "%", "?" and "#" are the characters a URI path must
// escape. Pragmas, applied to every new connection:
//   - busy_timeout: wait for the write lock rather than fail at once (the
//     driver applies it first, so the other pragmas wait too);
//   - journal_mode(WAL): readers do not block the writer nor it them;
//     persistent in the file;
//   - foreign_keys(1): enforce them (deleting a set of backup codes
//     deletes its codes by cascade);
//   - synchronous(NORMAL): in WAL mode a commit no longer waits for fsync
//     (about 1 ms per write here, against under 0.1 ms without). A process
//     crash still loses nothing; only a power cut or OS crash may lose the
//     last commits. A TOTP step lost that way was accepted moments before
//     the machine went down, and its code expires within a minute or so,
//     about as long as a reboot takes; and whoever can cut the power gains
//     at most a few more guesses. Drop this pragma (back to FULL) if that
//     trade is not acceptable.
//
// _txlock=immediate makes BEGIN take the write lock at once, so a
// transaction never has to upgrade a read lock to a write lock midway (the
// one wait busy_timeout cannot cure: SQLITE_BUSY at once). Migrations use a
// transaction, and instances opening one file together then take turns
// (TestOpenConcurrently); so do [Store.SaveBackupCodes],
// [Store.RedeemBackupCode], [Store.AddPasskey], [Store.DeletePendingTOTP],
// [Store.SaveOOBCode], [Store.DeletePolicy] and [Store.InTx].
func dsn(path string) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	if strings.HasPrefix(p, "/") {
		p = "//" + p // an empty authority, so "//x" is not read as host x
	}
	return "file:" + p +
		"?_pragma=busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_txlock=immediate"
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies, in one transaction, the migrations the database has not
// seen yet.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL -- unix milliseconds
	) STRICT`); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return err
	}
	todo, err := migrations.Unapplied(ms, current)
	if err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %d: %w", m.Version, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("migration %d: %w", m.Version, err)
		}
	}
	return tx.Commit()
}

// millis converts a time to what the database stores.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis converts what the database stores back to a time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMillis is fromMillis, with the zero time for NULL.
func fromNullMillis(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return fromMillis(ms.Int64)
}
