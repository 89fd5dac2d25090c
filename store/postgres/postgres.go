package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/store/internal/migrations"
	"github.com/portalmfa/portalmfa/totp"
)

// DefaultSchema is the schema [Open] uses, and [New] when given "".
const DefaultSchema = "portalmfa"

// defaultConnectTimeout bounds each new connection of a pool made by [Open]
// whose DSN sets no connect_timeout, so that an unreachable server is an
// error within seconds even for a caller whose context has no deadline.
const defaultConnectTimeout = 10 * time.Second

// Store keeps records in one schema of a PostgreSQL database. It is safe for
// concurrent use, and any number of Stores, in any number of processes, may
// share one schema. Call [Store.Close] when done.
type Store struct {
	pool    *pgxpool.Pool
	ownPool bool // made by Open: Close closes it
	schema  string
	q       queries
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

// Open connects to the database at dsn with a connection pool of its own,
// and brings the schema [DefaultSchema] up to date. dsn is a PostgreSQL URL
// or keyword/value string, as [pgxpool.ParseConfig] reads it, pool settings
// (pool_max_conns …) included. Without a connect_timeout in dsn (or with
// 0), each connection attempt is bounded at 10 seconds.
//
// To use another schema, or a pool configured in code, make the pool and
// call [New].
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message shows the DSN with its password masked.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s, err := New(ctx, pool, DefaultSchema)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownPool = true
	return s, nil
}

// New returns a Store keeping its tables in schema, through pool, after
// creating the schema if needed and applying the embedded migrations it has
// not seen yet. schema "" means [DefaultSchema]; otherwise it must be a
// plain lower-case identifier: a letter or underscore, then letters,
// digits or underscores, at most 63 bytes.
//
// The pool stays the caller's: [Store.Close] leaves it open. Give it a
// connect_timeout, as [Open] does (see the package documentation for why).
func New(ctx context.Context, pool *pgxpool.Pool, schema string) (*Store, error) {
	if pool == nil {
		return nil, errors.New("postgres: a connection pool is required")
	}
	if schema == "" {
		schema = DefaultSchema
	}
	if !plainIdentifier(schema) {
		return nil, fmt.Errorf("postgres: schema %q is not a plain lower-case identifier", schema)
	}
	if err := migrate(ctx, pool, schema); err != nil {
		return nil, fmt.Errorf("postgres: open schema %s: %w", schema, err)
	}
	return &Store{pool: pool, schema: schema, q: newQueries(schema)}, nil
}

// Close closes the pool if [Open] made it; a pool given to [New] is left
// to its owner.
func (s *Store) Close() error {
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

// plainIdentifier reports whether name is a lower-case identifier within
// PostgreSQL's 63-byte limit, one that needs no quoting in psql and means
// the same quoted or not. The store quotes it anyway (a keyword such as
// "order" works too); the rule keeps an operator from ever having to
// wonder which spelling the tables are under.
func plainIdentifier(name string) bool {
	if len(name) == 0 || len(name) > 63 {
		return false
	}
	for i, c := range []byte(name) {
		switch {
		case c == '_', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// queries holds the SQL of every method with the schema filled in, so each
// statement names its tables fully and does not depend on a connection's
// search_path (which a pool passed in may set to anything).
type queries struct {
	savePendingTOTP, totpEnrollment, activateTOTP, acceptTOTPStep, replayedTOTPStep, deleteTOTP, deletePendingTOTP string
	saveReplacementTOTP                                                                                            string
	saveBackupCodes, backupCodeSet, activateBackupCodes, redeemBackupCode, deleteBackupCodes                       string
	deletePendingBackupCodes                                                                                       string
	reserveAttempt, lockedAttempt, resetAttempts, releaseAttempt, pruneAttempts                                    string
	saveDevice, useDevice, listDevices, renameDevice, revokeDevice, revokeAllDevices                               string
	recordEvent, events, eventsOfKinds, pruneEvents                                                                string
	lockPasskeyUser, addPasskey, listPasskeys, passkeyByID, usePasskey, userHasPasskey                             string
	renamePasskey, deletePasskey, saveCeremony, takeCeremony, pruneCeremonies                                      string
	lockOOBSends, oobLimits, saveOOBCode, redeemOOBCode, pruneOOB                                                  string
	saveDestination, listDestinations, deleteDestination                                                           string
	createPolicy, updatePolicy, deletePolicy, policyLive, listPolicies, policyApplied, recordPolicyApplied         string
	policyAppliedTo                                                                                                string
	accounts                                                                                                       string
	historyEvents                                                                                                  string // the table, for the log's queries
}

func newQueries(schema string) queries {
	r := strings.NewReplacer("{schema}", pgx.Identifier{schema}.Sanitize())
	return queries{
		historyEvents:            r.Replace("{schema}.history_events"),
		savePendingTOTP:          r.Replace(savePendingTOTP),
		totpEnrollment:           r.Replace(totpEnrollment),
		saveReplacementTOTP:      r.Replace(saveReplacementTOTP),
		activateTOTP:             r.Replace(activateTOTP),
		acceptTOTPStep:           r.Replace(acceptTOTPStep),
		replayedTOTPStep:         r.Replace(replayedTOTPStep),
		deleteTOTP:               r.Replace(deleteTOTP),
		deletePendingTOTP:        r.Replace(deletePendingTOTP),
		saveBackupCodes:          r.Replace(saveBackupCodes),
		backupCodeSet:            r.Replace(backupCodeSet),
		activateBackupCodes:      r.Replace(activateBackupCodes),
		redeemBackupCode:         r.Replace(redeemBackupCode),
		deleteBackupCodes:        r.Replace(deleteBackupCodes),
		deletePendingBackupCodes: r.Replace(deletePendingBackupCodes),
		reserveAttempt:           r.Replace(reserveAttempt),
		lockedAttempt:            r.Replace(lockedAttempt),
		resetAttempts:            r.Replace(resetAttempts),
		releaseAttempt:           r.Replace(releaseAttempt),
		pruneAttempts:            r.Replace(pruneAttempts),
		saveDevice:               r.Replace(saveDevice),
		useDevice:                r.Replace(useDevice),
		listDevices:              r.Replace(listDevices),
		renameDevice:             r.Replace(renameDevice),
		revokeDevice:             r.Replace(revokeDevice),
		revokeAllDevices:         r.Replace(revokeAllDevices),
		recordEvent:              r.Replace(recordEvent),
		events:                   r.Replace(events),
		eventsOfKinds:            r.Replace(eventsOfKinds),
		pruneEvents:              r.Replace(pruneEvents),
		lockPasskeyUser:          lockPasskeyUser,
		addPasskey:               r.Replace(addPasskey),
		listPasskeys:             r.Replace(listPasskeys),
		passkeyByID:              r.Replace(passkeyByID),
		usePasskey:               r.Replace(usePasskey),
		userHasPasskey:           r.Replace(userHasPasskey),
		renamePasskey:            r.Replace(renamePasskey),
		deletePasskey:            r.Replace(deletePasskey),
		saveCeremony:             r.Replace(saveCeremony),
		takeCeremony:             r.Replace(takeCeremony),
		pruneCeremonies:          r.Replace(pruneCeremonies),
		lockOOBSends:             lockOOBSends,
		oobLimits:                r.Replace(oobLimits),
		saveOOBCode:              r.Replace(saveOOBCode),
		redeemOOBCode:            r.Replace(redeemOOBCode),
		pruneOOB:                 r.Replace(pruneOOB),
		saveDestination:          r.Replace(saveDestination),
		listDestinations:         r.Replace(listDestinations),
		deleteDestination:        r.Replace(deleteDestination),
		createPolicy:             r.Replace(createPolicy),
		updatePolicy:             r.Replace(updatePolicy),
		deletePolicy:             r.Replace(deletePolicy),
		policyLive:               r.Replace(policyLive),
		listPolicies:             r.Replace(listPolicies),
		policyApplied:            r.Replace(policyApplied),
		recordPolicyApplied:      r.Replace(recordPolicyApplied),
		policyAppliedTo:          r.Replace(policyAppliedTo),
		accounts:                 r.Replace(accounts),
	}
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate creates schema if needed and applies, in one transaction, the
// migrations it has not seen yet.
//
// The transaction first takes a transaction-level advisory lock whose key
// belongs to the schema, so instances starting together take turns: the
// first migrates, the others then find nothing to do. Stores of other
// schemas in the same database do not wait for each other.
//
// Existence is checked before creating, rather than relying on IF NOT
// EXISTS alone, because PostgreSQL checks the CREATE privilege before it
// notices the object exists: an application role that may use, but not
// create, a schema an administrator prepared still opens it.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	quoted := pgx.Identifier{schema}.Sanitize()
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit; on a failed one pgx drops the connection
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey(schema)); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	var schemaExists, tableExists bool
	if err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1),
		       to_regclass($2) IS NOT NULL`,
		schema, quoted+".schema_migrations").Scan(&schemaExists, &tableExists); err != nil {
		return err
	}
	if !schemaExists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoted); err != nil {
			return err
		}
	}
	// Migrations name their tables without a schema; SET LOCAL lasts until
	// the transaction ends, so the pooled connection goes back unchanged.
	if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+quoted); err != nil {
		return err
	}
	if !tableExists {
		if _, err := tx.Exec(ctx, `CREATE TABLE schema_migrations (
			version    integer     NOT NULL PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return err
		}
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return err
	}
	todo, err := migrations.Unapplied(ms, current)
	if err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %d: %w", m.Version, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
			return fmt.Errorf("migration %d: %w", m.Version, err)
		}
	}
	return tx.Commit(ctx)
}

// migrationLockKey is the advisory-lock key that serialises migrations of
// schema: 64 bits of a hash of a fixed label and the schema name, so it
// stays the same across processes and versions.
func migrationLockKey(schema string) int64 {
	sum := sha256.Sum256([]byte("portalmfa schema migrations\x00" + schema))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// millis converts a time to what the database stores.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis converts what the database stores back to a time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMillis is fromMillis, with the zero time for NULL.
func fromNullMillis(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return fromMillis(*ms)
}
