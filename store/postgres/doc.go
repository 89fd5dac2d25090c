// Package postgres is the storage backend for several portal instances
// sharing one PostgreSQL database, through github.com/jackc/pgx/v5. Choose
// it when the portal runs as more than one process — behind a load
// balancer, or on several machines — so that every instance sees the same
// enrollments and the same failure counters; a single instance is served
// as well, with less to run, by the SQLite backend.
//
// [Open] connects from a DSN with a pool of its own, which [Store.Close]
// closes:
//
//	st, err := postgres.Open(ctx, "postgres://portal@db.internal/portal")
//
// [New] takes a [pgxpool.Pool] the host already has (and keeps owning) and
// the name of the schema to keep its tables in:
//
//	st, err := postgres.New(ctx, pool, "portal_mfa")
//
// The schema, [DefaultSchema] unless New is told otherwise, holds nothing
// but this package's tables, so one database can serve the portal's own
// tables beside it, or several portals each in a schema of its own. Both
// functions create the schema if it is missing and apply the embedded
// migrations it has not seen yet, in one transaction under an advisory lock
// keyed to the schema: instances starting at the same moment take turns,
// and a database migrated by a newer version of this package is refused
// rather than misread. An administrator may instead create the schema and
// its tables beforehand, by opening it once with a privileged role; the
// application role then needs only USAGE on the schema, SELECT on its
// schema_migrations table and SELECT, INSERT, UPDATE, DELETE on the others.
//
// The [Store] satisfies [totp.Store], [totp.ResealStore],
// [backupcodes.Store], [lockout.Store], [devices.Store], [history.Store],
// [passkeys.Store], [passkeys.CeremonyStore], [policy.Store] and
// [summary.Store]. Every rule the contracts make atomic — a TOTP step
// accepted once, a pending enrollment activated once, a backup code
// redeemed once, no more than the threshold of attempts let through before
// the lock falls, a trusted device used only by its own user while it is
// neither revoked nor expired, a passkey's sign counter moved by one of the
// logins that read it, a ceremony taken once, the time a policy first
// applied to a user recorded once — is decided by one SQL statement (a
// conditional UPDATE, an INSERT … ON CONFLICT DO UPDATE … WHERE, a DELETE …
// RETURNING), never by a read followed by a write in Go.
// PostgreSQL queues concurrent writers of one row on its row lock and
// re-checks the condition against the row as the writer before left it,
// so the rules hold however many instances and connections race. The cap
// on a user's passkeys is a count of rows, which no row lock guards: an
// addition takes a transaction-level advisory lock keyed to the schema and
// the user first, so additions for one user take turns (and additions for
// different users do not wait for each other).
// The end of a lock is computed in Go by [lockout.Limit.LockEnds], for
// every lock count, and the statement picks the entry for the count it
// holds; so the backends agree on every delay to the millisecond. Times
// are stored as unix milliseconds, but for a policy's deadline: a policy
// is kept as a JSON object, its deadline an RFC 3339 instant.
//
// [Store.InTx] runs several calls in one transaction, which the context
// carries: the Service makes each attempt at a factor one commit, one WAL
// flush, rather than one per call. The rules above hold within it as
// without; the row locks a call takes are then held until the commit.
//
// When the database cannot be reached, every method returns an error
// (prefixed "postgres:"), never a result that could pass for "not
// enrolled"; the Service turns it into portalmfa.ErrUnavailable. The pool
// reconnects by itself once the database is back: nothing needs to be
// restarted, though a call that picks a connection broken during the
// outage may fail once more. Callers should give contexts a deadline, so
// an unanswering server is an error rather than a wait; and a pool given to
// New should bound its connection attempts (connect_timeout), as Open's
// does, since pgxpool finishes an attempt in the background after its
// caller gave up: unbounded attempts to a server that accepts but never
// answers hold the pool's every slot long after it recovers.
package postgres
