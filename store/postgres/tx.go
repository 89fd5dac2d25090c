package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// InTx runs fn in one transaction, which every call of s made with the
// context fn receives joins: one commit, one WAL flush, for all of them,
// when fn returns nil. When fn returns an error, panics, or its context is
// cancelled, the transaction is rolled back and InTx returns fn's error (or
// panics again, or returns the error the cancellation caused). It is the
// Service's optional TxStore.
//
// The transaction is READ COMMITTED whatever the server's default, as the
// store's statements expect: each sees what committed before it began. The
// rules the contracts make atomic hold as they do outside InTx, but a row a
// call changes stays locked until the commit, so a concurrent transaction
// changing the same row (the same lockout key, the same enrollment) waits
// for it: fn should be quick. fn makes its calls one at a time (a
// transaction is one connection), and a call made with another context is
// not part of the transaction.
//
// [Store.AddPasskey] and [Store.SaveOOBCode], transactions of their own
// outside InTx, run inside it in a savepoint, as does [Store.SaveDevice] (PostgreSQL fails a whole
// transaction on a failed statement, such as a refused duplicate): a
// failure of theirs takes back what they did, and the transaction goes
// on. InTx within InTx does the same for its fn.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	t := s.txOf(ctx)
	var tx pgx.Tx
	var err error
	if t != nil {
		tx, err = t.begin(ctx) // fn's context already carries t
	} else {
		tx, err = s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	}
	if err != nil {
		return fmt.Errorf("postgres: begin transaction: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit; on a failed one pgx drops the connection
	inner := ctx
	if t == nil {
		t = &txState{tx: tx}
		inner = context.WithValue(ctx, txKey{s}, t)
	}
	if err := fn(inner); err != nil {
		return err
	}
	if err := t.failure(); err != nil {
		return fmt.Errorf("postgres: commit transaction: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit transaction: %w", err)
	}
	return nil
}

// txKey is the context key under which InTx puts its transaction. The key
// holds the Store, so a transaction of one Store is never taken up by
// another, nor hidden from it by another's.
type txKey struct{ s *Store }

// txState is the transaction InTx put in a context.
type txState struct {
	tx pgx.Tx

	mu     sync.Mutex
	broken error // a savepoint's rollback failed: the transaction must not commit
}

// txOf returns the transaction of s that ctx carries, or nil.
func (s *Store) txOf(ctx context.Context) *txState {
	t, _ := ctx.Value(txKey{s}).(*txState)
	return t
}

// conn is where a call runs its statements: a [pgxpool.Pool] or a
// [pgx.Tx]. (A call of several statements uses [Store.begin].)
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// db returns where ctx's statements run: its transaction, or the pool.
func (s *Store) db(ctx context.Context) conn {
	if t := s.txOf(ctx); t != nil {
		return t.tx
	}
	return s.pool
}

// begin makes a savepoint of the transaction, whose Rollback, should it
// fail, keeps the transaction from committing: the savepoint's writes
// would be committed with the rest.
func (t *txState) begin(ctx context.Context) (pgx.Tx, error) {
	sp, err := t.tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return savepoint{Tx: sp, of: t}, nil
}

// savepoint is a savepoint of an InTx transaction.
type savepoint struct {
	pgx.Tx
	of *txState
}

func (sp savepoint) Rollback(ctx context.Context) error {
	err := sp.Tx.Rollback(ctx)
	if err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		sp.of.mu.Lock()
		defer sp.of.mu.Unlock()
		if sp.of.broken == nil {
			sp.of.broken = fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	return err
}

func (t *txState) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.broken
}

// begin starts a group of statements that take effect together or not at
// all: a transaction of its own, or a savepoint of the transaction ctx
// carries.
func (s *Store) begin(ctx context.Context) (pgx.Tx, error) {
	if t := s.txOf(ctx); t != nil {
		return t.begin(ctx)
	}
	return s.pool.Begin(ctx)
}
