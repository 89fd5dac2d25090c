package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

// InTx runs fn in one transaction, which every call of s made with the
// context fn receives joins: one commit for all of them, when fn returns
// nil. When fn returns an error, panics, or its context is cancelled, the
// transaction is rolled back and InTx returns fn's error (or panics again,
// or returns the error the cancellation caused). It is the Service's
// optional TxStore.
//
// The transaction holds the database's write lock from its start (BEGIN
// IMMEDIATE, see dsn) to its end: every other writer, of this Store or of
// another process, waits for it. So fn should be quick and wait on nothing
// but s; a call of s made with another context, outside the transaction,
// waits for it too (up to busy_timeout) if it writes. fn makes its calls one
// at a time.
//
// The methods that are several statements, one transaction of their own
// outside InTx ([Store.SaveBackupCodes], [Store.RedeemBackupCode],
// [Store.AddPasskey], [Store.DeletePendingTOTP], [Store.SaveOOBCode],
// [Store.DeletePolicy]), run inside it in a savepoint: a failure of theirs takes back what they wrote, and the rest
// of the transaction goes on. InTx within InTx does the same for its fn.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	nested := s.txOf(ctx) != nil
	if !nested {
		s.prepareDeferred(ctx)
	}
	u, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: begin transaction: %w", err)
	}
	defer u.Rollback() //nolint:errcheck // a no-op after Commit
	inner := ctx
	if !nested {
		inner = context.WithValue(ctx, txKey{s}, u.tx)
	}
	if err := fn(inner); err != nil {
		return err
	}
	if err := u.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit transaction: %w", err)
	}
	return nil
}

// txKey is the context key under which InTx puts its transaction. The key
// holds the Store, so a transaction of one Store is never taken up by
// another, nor hidden from it by another's.
type txKey struct{ s *Store }

// txState is the transaction InTx put in a context.
type txState struct {
	*sql.Tx
	savepoints atomic.Int64 // how many were made: names the next

	mu     sync.Mutex
	broken error // a savepoint's rollback failed: the transaction must not commit
}

// breaks records that the transaction holds writes it should not: it will
// roll back.
func (t *txState) breaks(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.broken == nil {
		t.broken = err
	}
}

func (t *txState) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.broken
}

// txOf returns the transaction of s that ctx carries, or nil.
func (s *Store) txOf(ctx context.Context) *txState {
	t, _ := ctx.Value(txKey{s}).(*txState)
	return t
}

// runner runs statements of variable text (which the statement cache does
// not hold): *sql.DB and *sql.Tx are both one.
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// conn returns where ctx's statements run: its transaction, or the
// database.
func (s *Store) conn(ctx context.Context) runner {
	if t := s.txOf(ctx); t != nil {
		return t.Tx
	}
	return s.db
}

// unit is a group of statements that take effect together or not at all:
// a transaction of its own or, within InTx, a savepoint of InTx's
// transaction. Its methods are those of [sql.Tx] that the Store uses.
type unit struct {
	ctx       context.Context
	tx        *txState
	savepoint string // "" for a transaction of its own
	done      bool
}

// begin starts a unit: a transaction (BEGIN IMMEDIATE: see dsn), or a
// savepoint of the transaction ctx carries.
func (s *Store) begin(ctx context.Context) (*unit, error) {
	if t := s.txOf(ctx); t != nil {
		name := "portalmfa_" + strconv.FormatInt(t.savepoints.Add(1), 10)
		if _, err := t.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
			return nil, err
		}
		return &unit{ctx: ctx, tx: t, savepoint: name}, nil
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &unit{ctx: ctx, tx: &txState{Tx: sqlTx}}, nil
}

func (u *unit) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.tx.ExecContext(ctx, query, args...)
}

func (u *unit) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return u.tx.QueryRowContext(ctx, query, args...)
}

// Commit commits the transaction, or releases the savepoint into the
// transaction around it.
func (u *unit) Commit() error {
	if u.savepoint != "" {
		if _, err := u.tx.ExecContext(u.ctx, "RELEASE "+u.savepoint); err != nil {
			return err
		}
		u.done = true
		return nil
	}
	if err := u.tx.failure(); err != nil {
		return err // the deferred Rollback rolls back
	}
	err := u.tx.Commit()
	u.done = err == nil
	return err
}

// Rollback undoes what the unit did, unless it committed. A savepoint is
// rolled back even when the unit's context is cancelled, if InTx's is
// not: what the unit wrote must not be committed with the rest. Should it
// fail anyway, the transaction will not commit.
func (u *unit) Rollback() error {
	if u.done {
		return nil
	}
	u.done = true
	if u.savepoint == "" {
		return u.tx.Rollback()
	}
	ctx := context.WithoutCancel(u.ctx)
	_, err := u.tx.ExecContext(ctx, "ROLLBACK TO "+u.savepoint)
	if err == nil {
		_, err = u.tx.ExecContext(ctx, "RELEASE "+u.savepoint)
	}
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		u.tx.breaks(fmt.Errorf("rollback to savepoint: %w", err))
	}
	return err
}
