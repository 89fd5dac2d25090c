package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/totp"
)

// TxStore is what [RunTx] checks: a store that runs several of its calls
// in one transaction (the Service's optional portalmfa.TxStore), with the
// capabilities an attempt at a factor calls inside one.
type TxStore interface {
	// InTx runs fn in one transaction: every call of the store made with
	// the context fn receives belongs to it. It commits when fn returns
	// nil; otherwise it rolls back and returns fn's error.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	totp.Store
	backupcodes.Store
	lockout.Store
	history.Store
}

// errFn is the error the suite's transactions fail with.
var errFn = errors.New("storetest: fn failed")

// RunTx checks a [TxStore]: what fn writes is kept together when it
// returns nil, and only then visible to calls outside the transaction;
// undone together when it returns an error, panics or its context is
// cancelled; a call that is several statements (SaveBackupCodes,
// RedeemBackupCode) works inside, and a refusal of one leaves the
// transaction going with the rest of fn's writes; InTx within InTx is
// part of the outer transaction, its error undoing its own writes only;
// another store's calls are not part of it; and however many transactions
// reserve one lockout key at once, no more than the threshold are let
// through. A store that is also a [devices.Store] or a [passkeys.Store] is
// checked to refuse a duplicate inside a transaction that goes on; one
// that is a [policy.Store], to save and delete policies and record when
// they first applied inside a transaction, kept or undone with it.
// newStore is as for [RunTOTP].
func RunTx(t *testing.T, newStore func(t *testing.T) TxStore) {
	var (
		limit   = lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}
		secretA = []byte("sealed-secret-A\x00\xff")
		secretB = []byte("sealed-secret-B\x00\xfe")
		salt    = []byte("salt-A\x00\xff-0123456")
		hashes  = codeHashes("tx")
	)

	// enrolled gives alice an active enrollment of secretA at step 100.
	enrolled := func(t *testing.T, s TxStore) {
		t.Helper()
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), "alice", secretA, t0), nil)
		wantErr(t, "ActivateTOTP", s.ActivateTOTP(t.Context(), "alice", secretA, 100, t0), nil)
	}
	// reserve makes one attempt on key with ctx, and expects it granted
	// with Failures failures.
	reserve := func(t *testing.T, ctx context.Context, s lockout.Store, key string, failures int) {
		t.Helper()
		a, err := s.ReserveAttempt(ctx, key, limit, t0)
		wantErr(t, fmt.Sprintf("ReserveAttempt(%q)", key), err, nil)
		if a.Failures != failures {
			t.Errorf("ReserveAttempt(%q): Failures = %d, want %d", key, a.Failures, failures)
		}
	}
	// event is an entry of the history of user, its device naming it.
	event := func(user, label string) history.Event {
		return history.Event{
			UserID: user, At: t0, Kind: history.Attempt, Method: history.TOTP,
			Success: true, IP: "192.0.2.1", Device: label,
		}
	}
	// record records the entry of alice labelled label.
	record := func(t *testing.T, ctx context.Context, s history.Store, label string) {
		t.Helper()
		wantErr(t, "RecordEvent "+label, s.RecordEvent(ctx, event("alice", label)), nil)
	}
	// recorded expects the labels of alice's entries to be want, read with
	// ctx.
	recorded := func(t *testing.T, ctx context.Context, s history.Store, want ...string) {
		t.Helper()
		es, err := s.Events(ctx, "alice", 100)
		wantErr(t, "Events", err, nil)
		got := devicesOf(es)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("alice's history holds %q, want %q", got, want)
		}
	}
	// lastStep expects alice's last accepted step to be want, read with
	// ctx.
	lastStep := func(t *testing.T, ctx context.Context, s totp.Store, want int64) {
		t.Helper()
		e, err := s.TOTPEnrollment(ctx, "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		if e.LastStep != want {
			t.Errorf("LastStep = %d, want %d", e.LastStep, want)
		}
	}
	// remaining expects alice's backup codes to be an active set with want
	// unused, or none when want is -1; read with ctx.
	remaining := func(t *testing.T, ctx context.Context, s backupcodes.Store, want int) {
		t.Helper()
		set, err := s.BackupCodes(ctx, "alice")
		if want < 0 {
			wantErr(t, "BackupCodes", err, backupcodes.ErrNoCodes)
			return
		}
		wantErr(t, "BackupCodes", err, nil)
		if !set.Active || set.Remaining != want {
			t.Errorf("BackupCodes: Active = %v, Remaining = %d, want true, %d", set.Active, set.Remaining, want)
		}
	}
	// writeAll makes, with ctx, the writes of a successful TOTP challenge
	// and more: the IP's and the user's attempts, the step, a reset, an
	// entry, a set of backup codes and one of them redeemed, a replacement
	// secret saved and dropped.
	writeAll := func(t *testing.T, ctx context.Context, s TxStore) {
		t.Helper()
		reserve(t, ctx, s, "ip:192.0.2.1", 1)
		reserve(t, ctx, s, "user:alice", 1)
		wantErr(t, "AcceptTOTPStep", s.AcceptTOTPStep(ctx, "alice", 101), nil)
		wantErr(t, "ResetAttempts", s.ResetAttempts(ctx, "user:alice"), nil)
		record(t, ctx, s, "in tx")
		wantErr(t, "SaveBackupCodes", s.SaveBackupCodes(ctx, "alice", salt, hashes, nil, true, t0), nil)
		n, err := s.RedeemBackupCode(ctx, "alice", hashes[0], t0)
		wantErr(t, "RedeemBackupCode", err, nil)
		if n != len(hashes)-1 {
			t.Errorf("RedeemBackupCode = %d, want %d", n, len(hashes)-1)
		}
		wantErr(t, "SaveReplacementTOTP", s.SaveReplacementTOTP(ctx, "alice", secretB), nil)
		wantErr(t, "DeletePendingTOTP", s.DeletePendingTOTP(ctx, "alice"), nil)
	}
	// noneWritten checks that none of writeAll's writes is there.
	noneWritten := func(t *testing.T, s TxStore) {
		t.Helper()
		ctx := t.Context()
		recorded(t, ctx, s)
		lastStep(t, ctx, s, 100)
		remaining(t, ctx, s, -1)
		reserve(t, ctx, s, "ip:192.0.2.1", 1)
		wantErr(t, "AcceptTOTPStep", s.AcceptTOTPStep(ctx, "alice", 101), nil)
	}

	t.Run("CommitKeepsEveryWrite", func(t *testing.T) {
		s := newStore(t)
		enrolled(t, s)
		err := s.InTx(t.Context(), func(ctx context.Context) error {
			writeAll(t, ctx, s)
			// fn reads what it wrote.
			lastStep(t, ctx, s, 101)
			recorded(t, ctx, s, "in tx")
			remaining(t, ctx, s, len(hashes)-1)
			e, err := s.TOTPEnrollment(ctx, "alice")
			wantErr(t, "TOTPEnrollment", err, nil)
			if e.Replacement != nil {
				t.Errorf("Replacement = %q after DeletePendingTOTP", e.Replacement)
			}
			return nil
		})
		wantErr(t, "InTx", err, nil)
		ctx := t.Context()
		lastStep(t, ctx, s, 101)
		wantErr(t, "AcceptTOTPStep again", s.AcceptTOTPStep(ctx, "alice", 101), totp.ErrReplayed)
		recorded(t, ctx, s, "in tx")
		remaining(t, ctx, s, len(hashes)-1)
		_, err = s.RedeemBackupCode(ctx, "alice", hashes[0], t0)
		wantErr(t, "RedeemBackupCode again", err, backupcodes.ErrInvalidCode)
		reserve(t, ctx, s, "ip:192.0.2.1", 2)
		reserve(t, ctx, s, "user:alice", 1) // reset in the transaction
		e, err := s.TOTPEnrollment(ctx, "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		if e.Replacement != nil {
			t.Errorf("Replacement = %q after DeletePendingTOTP", e.Replacement)
		}
	})

	t.Run("UncommittedIsUnseen", func(t *testing.T) {
		// Until the commit, a call outside the transaction finds nothing
		// of it.
		s := newStore(t)
		enrolled(t, s)
		err := s.InTx(t.Context(), func(ctx context.Context) error {
			writeAll(t, ctx, s)
			_, err := s.ReserveAttempt(ctx, "locked", lockout.Limit{Threshold: 1, Delay: time.Hour, MaxDelay: time.Hour}, t0)
			wantErr(t, "ReserveAttempt", err, nil)
			outside := t.Context()
			recorded(t, outside, s)
			lastStep(t, outside, s, 100)
			remaining(t, outside, s, -1)
			until, err := s.LockedUntil(outside, "locked", t0)
			wantErr(t, "LockedUntil", err, nil)
			sameTime(t, "LockedUntil outside the transaction", until, time.Time{})
			return nil
		})
		wantErr(t, "InTx", err, nil)
		until, err := s.LockedUntil(t.Context(), "locked", t0)
		wantErr(t, "LockedUntil", err, nil)
		sameTime(t, "LockedUntil after the commit", until, t0.Add(time.Hour))
	})

	t.Run("ErrorRollsBackEveryWrite", func(t *testing.T) {
		s := newStore(t)
		enrolled(t, s)
		err := s.InTx(t.Context(), func(ctx context.Context) error {
			writeAll(t, ctx, s)
			return fmt.Errorf("challenge: %w", errFn)
		})
		wantErr(t, "InTx", err, errFn)
		noneWritten(t, s)
	})

	t.Run("RefusalsInsideLeaveItGoing", func(t *testing.T) {
		// Refusals of calls that are one statement, and of calls that are
		// several, leave the transaction going: fn's other writes commit.
		s := newStore(t)
		enrolled(t, s)
		wantErr(t, "SaveBackupCodes", s.SaveBackupCodes(t.Context(), "alice", salt, hashes, nil, true, t0), nil)
		ds, hasDevices := s.(devices.Store)
		ps, hasPasskeys := s.(passkeys.Store)
		device := devices.Device{
			ID: "device-1", UserID: "alice", Name: "Firefox on Windows", IP: "192.0.2.1",
			CreatedAt: t0, LastUsedAt: t0, ExpiresAt: t0.Add(30 * 24 * time.Hour),
		}
		key := passkey("alice", "tx")
		err := s.InTx(t.Context(), func(ctx context.Context) error {
			reserve(t, ctx, s, "ip:192.0.2.1", 1)
			wantErr(t, "SavePendingTOTP over an active enrollment", s.SavePendingTOTP(ctx, "alice", secretB, t0), totp.ErrAlreadyActive)
			_, err := s.RedeemBackupCode(ctx, "alice", []byte("no such code"), t0)
			wantErr(t, "RedeemBackupCode of an unknown code", err, backupcodes.ErrInvalidCode)
			wantErr(t, "SaveBackupCodes pending over an active set",
				s.SaveBackupCodes(ctx, "alice", salt, hashes[:1], nil, false, t0), backupcodes.ErrAlreadyActive)
			wantErr(t, "DeletePendingTOTP without one", s.DeletePendingTOTP(ctx, "bob"), totp.ErrNotEnrolled)
			wantErr(t, "AcceptTOTPStep replayed", s.AcceptTOTPStep(ctx, "alice", 100), totp.ErrReplayed)
			if hasDevices {
				wantErr(t, "SaveDevice", ds.SaveDevice(ctx, device, tokenHash("tx-1")), nil)
				if err := ds.SaveDevice(ctx, device, tokenHash("tx-2")); err == nil {
					t.Error("SaveDevice of a stored ID succeeded")
				}
			}
			if hasPasskeys {
				wantErr(t, "AddPasskey", ps.AddPasskey(ctx, key, 10), nil)
				wantErr(t, "AddPasskey again", ps.AddPasskey(ctx, key, 10), passkeys.ErrDuplicate)
			}
			// The transaction goes on.
			wantErr(t, "AcceptTOTPStep", s.AcceptTOTPStep(ctx, "alice", 101), nil)
			n, err := s.RedeemBackupCode(ctx, "alice", hashes[1], t0)
			wantErr(t, "RedeemBackupCode", err, nil)
			if n != len(hashes)-1 {
				t.Errorf("RedeemBackupCode = %d, want %d", n, len(hashes)-1)
			}
			record(t, ctx, s, "after the refusals")
			return nil
		})
		wantErr(t, "InTx", err, nil)
		ctx := t.Context()
		recorded(t, ctx, s, "after the refusals")
		lastStep(t, ctx, s, 101)
		remaining(t, ctx, s, len(hashes)-1)
		reserve(t, ctx, s, "ip:192.0.2.1", 2)
		e, err := s.TOTPEnrollment(ctx, "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		if string(e.Secret) != string(secretA) || !e.Active {
			t.Errorf("enrollment = %q, active %v; want %q, active", e.Secret, e.Active, secretA)
		}
		if hasDevices {
			got, err := ds.Devices(ctx, "alice")
			wantErr(t, "Devices", err, nil)
			if len(got) != 1 {
				t.Errorf("alice has %d devices, want 1", len(got))
			}
		}
		if hasPasskeys {
			got, err := ps.Passkeys(ctx, "alice")
			wantErr(t, "Passkeys", err, nil)
			if len(got) != 1 {
				t.Errorf("alice has %d passkeys, want 1", len(got))
			}
		}
	})

	t.Run("Nested", func(t *testing.T) {
		// InTx within InTx is part of the outer transaction: it sees and
		// changes the same rows (on another connection, reserving the
		// outer's key would wait for the outer's commit: hence the
		// deadline). Its error undoes its own writes, and the outer goes
		// on.
		s := newStore(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		err := s.InTx(ctx, func(ctx context.Context) error {
			reserve(t, ctx, s, "outer", 1)
			wantErr(t, "inner InTx", s.InTx(ctx, func(ctx context.Context) error {
				reserve(t, ctx, s, "outer", 2)
				record(t, ctx, s, "inner")
				return nil
			}), nil)
			reserve(t, ctx, s, "outer", 3)
			recorded(t, ctx, s, "inner")
			wantErr(t, "failing inner InTx", s.InTx(ctx, func(ctx context.Context) error {
				reserve(t, ctx, s, "outer", 4)
				reserve(t, ctx, s, "failed", 1)
				record(t, ctx, s, "failed")
				return errFn
			}), errFn)
			wantErr(t, "InTx in an InTx", s.InTx(ctx, func(ctx context.Context) error {
				return s.InTx(ctx, func(ctx context.Context) error {
					reserve(t, ctx, s, "innermost", 1)
					return nil
				})
			}), nil)
			wantErr(t, "failing InTx around an InTx", s.InTx(ctx, func(ctx context.Context) error {
				wantErr(t, "InTx in a failing InTx", s.InTx(ctx, func(ctx context.Context) error {
					reserve(t, ctx, s, "undone", 1)
					return nil
				}), nil)
				return errFn
			}), errFn)
			recorded(t, ctx, s, "inner")
			return nil
		})
		wantErr(t, "InTx", err, nil)
		ctx = t.Context()
		recorded(t, ctx, s, "inner")
		reserve(t, ctx, s, "outer", 4)
		reserve(t, ctx, s, "failed", 1)
		reserve(t, ctx, s, "innermost", 2)
		reserve(t, ctx, s, "undone", 1)
	})

	t.Run("NestedUndoneWithOuter", func(t *testing.T) {
		s := newStore(t)
		err := s.InTx(t.Context(), func(ctx context.Context) error {
			wantErr(t, "inner InTx", s.InTx(ctx, func(ctx context.Context) error {
				reserve(t, ctx, s, "inner", 1)
				record(t, ctx, s, "inner")
				return nil
			}), nil)
			return errFn
		})
		wantErr(t, "InTx", err, errFn)
		recorded(t, t.Context(), s)
		reserve(t, t.Context(), s, "inner", 1)
	})

	t.Run("OtherStores", func(t *testing.T) {
		// A transaction of one store is never another's: s2's calls made
		// in s1's transaction are not part of it, nor is s2's transaction
		// s1's, and s1's calls in s2's transaction still belong to s1's.
		s1, s2 := newStore(t), newStore(t)
		err := s1.InTx(t.Context(), func(ctx context.Context) error {
			reserve(t, ctx, s1, "k", 1)
			reserve(t, ctx, s2, "k", 1)
			wantErr(t, "s2.InTx", s2.InTx(ctx, func(ctx context.Context) error {
				reserve(t, ctx, s1, "k", 2)
				reserve(t, ctx, s2, "k", 2)
				record(t, ctx, s2, "s2")
				return nil
			}), nil)
			record(t, ctx, s1, "s1")
			return errFn
		})
		wantErr(t, "s1.InTx", err, errFn)
		ctx := t.Context()
		reserve(t, ctx, s1, "k", 1)
		recorded(t, ctx, s1)
		reserve(t, ctx, s2, "k", 3)
		recorded(t, ctx, s2, "s2")
	})

	t.Run("ConcurrentReserve", func(t *testing.T) {
		// Transactions that each reserve the same key, as a burst of
		// challenges from one address: only the threshold of them are
		// let through, counted 1 to Threshold, and every transaction
		// commits its entry.
		s := newStore(t)
		const n = 20
		attempts := make([]lockout.Attempt, n)
		reserved := make([]error, n)
		errs := Together(n, func(i int) error {
			return s.InTx(t.Context(), func(ctx context.Context) error {
				attempts[i], reserved[i] = s.ReserveAttempt(ctx, "ip:192.0.2.1", limit, t0)
				if reserved[i] != nil && !errors.Is(reserved[i], lockout.ErrLockedOut) {
					return reserved[i]
				}
				if err := s.ResetAttempts(ctx, "user:"+strconv.Itoa(i)); err != nil {
					return err
				}
				return s.RecordEvent(ctx, event("alice", strconv.Itoa(i)))
			})
		})
		for i, err := range errs {
			wantErr(t, fmt.Sprint("InTx ", i), err, nil)
		}
		end := t0.Add(limit.LockDelay(0))
		granted := make([]bool, limit.Threshold+1)
		for _, i := range countOutcomes(t, reserved, lockout.ErrLockedOut, limit.Threshold) {
			f := attempts[i].Failures
			if f < 1 || f > limit.Threshold || granted[f] {
				t.Errorf("caller %d: granted with Failures = %d, given twice or out of 1..%d", i, f, limit.Threshold)
				continue
			}
			granted[f] = true
			if f == limit.Threshold {
				sameTime(t, "LockedUntil of the locking attempt", attempts[i].LockedUntil, end)
			}
		}
		for i, err := range reserved {
			if errors.Is(err, lockout.ErrLockedOut) {
				sameTime(t, fmt.Sprint("LockedUntil of refused caller ", i), attempts[i].LockedUntil, end)
			}
		}
		es, err := s.Events(t.Context(), "alice", 2*n)
		wantErr(t, "Events", err, nil)
		if len(es) != n {
			t.Errorf("%d entries committed, want %d", len(es), n)
		}
		refuse(t, s, "ip:192.0.2.1", limit, t0, end)
	})

	t.Run("Policies", func(t *testing.T) {
		s := newStore(t)
		ps, ok := s.(policy.Store)
		if !ok {
			t.Skip("not a policy.Store")
		}
		// applied expects PolicyApplied(user, name, now) with ctx to
		// return want.
		applied := func(t *testing.T, ctx context.Context, user, name string, now, want time.Time) {
			t.Helper()
			got, err := ps.PolicyApplied(ctx, user, name, now)
			wantErr(t, "PolicyApplied", err, nil)
			sameTime(t, fmt.Sprintf("PolicyApplied(%q, %q)", user, name), got, want)
		}
		// names expects the stored policies to be named want, read with
		// ctx.
		names := func(t *testing.T, ctx context.Context, want ...string) {
			t.Helper()
			got, err := ps.Policies(ctx)
			wantErr(t, "Policies", err, nil)
			if fmt.Sprint(policyNames(got)) != fmt.Sprint(want) {
				t.Errorf("Policies = %q, want %q", policyNames(got), want)
			}
		}
		p := func(name string) policy.Policy {
			return policy.Policy{Name: name, Everyone: true, Level: policy.Required, GraceDays: 7}
		}
		t1 := t0.Add(time.Hour)
		wantErr(t, "SavePolicy", ps.SavePolicy(t.Context(), p("kept")), nil)
		applied(t, t.Context(), "alice", "kept", t0, t0)

		// Undone: a policy saved, one deleted, first applications.
		err := s.InTx(t.Context(), func(ctx context.Context) error {
			wantErr(t, "SavePolicy", ps.SavePolicy(ctx, p("undone")), nil)
			wantErr(t, "DeletePolicy", ps.DeletePolicy(ctx, "kept", 0), nil)
			applied(t, ctx, "bob", "undone", t0, t0)
			applied(t, ctx, "bob", "undone", t1, t0) // reads its own write
			names(t, ctx, "undone")
			return errFn
		})
		wantErr(t, "InTx", err, errFn)
		ctx := t.Context()
		names(t, ctx, "kept")
		applied(t, ctx, "alice", "kept", t1, t0)
		applied(t, ctx, "bob", "undone", t1, t1)

		// Kept: a refused delete leaves the transaction going.
		err = s.InTx(ctx, func(ctx context.Context) error {
			wantErr(t, "DeletePolicy of an unknown name", ps.DeletePolicy(ctx, "unknown", 0), policy.ErrNotFound)
			wantErr(t, "DeletePolicy", ps.DeletePolicy(ctx, "kept", 0), nil)
			wantErr(t, "SavePolicy", ps.SavePolicy(ctx, p("new")), nil)
			applied(t, ctx, "carol", "new", t0, t0)
			return nil
		})
		wantErr(t, "InTx", err, nil)
		names(t, ctx, "new")
		applied(t, ctx, "carol", "new", t1, t0)
		applied(t, ctx, "alice", "kept", t1, t1) // forgotten with the policy
	})

	t.Run("CancelledBeforeCommit", func(t *testing.T) {
		// The context is cancelled before fn returns nil, and fn ignores
		// the failure of a call made after: nothing is committed.
		s := newStore(t)
		enrolled(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		err := s.InTx(ctx, func(ctx context.Context) error {
			writeAll(t, ctx, s)
			cancel()
			s.RecordEvent(ctx, event("alice", "after the cancel")) //nolint:errcheck // may fail or not
			return nil
		})
		if err == nil {
			t.Fatal("InTx with its context cancelled before the commit returned nil")
		}
		t.Log(err)
		noneWritten(t, s)
	})

	t.Run("PanicRollsBack", func(t *testing.T) {
		s := newStore(t)
		enrolled(t, s)
		func() {
			defer func() {
				if r := recover(); r != errFn {
					t.Errorf("recovered %v, want InTx to panic again with fn's value", r)
				}
			}()
			s.InTx(t.Context(), func(ctx context.Context) error { //nolint:errcheck // it panics
				writeAll(t, ctx, s)
				panic(errFn)
			})
		}()
		// Nothing was written, and the store is not left waiting for the
		// transaction: the writes of noneWritten go through.
		noneWritten(t, s)
	})
}

// challengeLimit is the lockout limit of the challenge benchmarks.
var challengeLimit = lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}

// challenge makes, with ctx, the store calls of a successful TOTP
// challenge from the i-th address: the address's attempt, the user's and
// the user's long-run count reserved, the enrollment read, the step
// accepted, the user's two counts reset, the history entry recorded.
func challenge(ctx context.Context, s TxStore, i int, step int64, now time.Time) error {
	const user = "bench-user"
	for _, key := range []string{"ip:" + strconv.Itoa(i), "user:" + user, "suspend:" + user} {
		if _, err := s.ReserveAttempt(ctx, key, challengeLimit, now); err != nil {
			return err
		}
	}
	if _, err := s.TOTPEnrollment(ctx, user); err != nil {
		return err
	}
	if err := s.AcceptTOTPStep(ctx, user, step); err != nil {
		return err
	}
	if err := s.ResetAttempts(ctx, "user:"+user, "suspend:"+user); err != nil {
		return err
	}
	return s.RecordEvent(ctx, history.Event{
		UserID: user, At: now, Kind: history.Attempt, Method: history.TOTP,
		Success: true, IP: "192.0.2.1", Device: "Firefox on Windows",
	})
}

// benchmarkChallenge enrolls the benchmark's user, then measures
// challenges, each made by run.
func benchmarkChallenge(b *testing.B, s TxStore, run func(ctx context.Context, f func(ctx context.Context) error) error) {
	ctx := b.Context()
	const user = "bench-user"
	if err := s.SavePendingTOTP(ctx, user, []byte("sealed-secret"), t0); err != nil {
		b.Fatal(err)
	}
	if err := s.ActivateTOTP(ctx, user, []byte("sealed-secret"), 1, t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		err := run(ctx, func(ctx context.Context) error {
			return challenge(ctx, s, i, int64(i)+1, t0.Add(time.Duration(i)*time.Millisecond))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChallengeCalls measures the store calls of a successful TOTP
// challenge (three reservations, the enrollment read, the step accepted,
// two counts reset, an entry recorded) made one by one, each its own
// commit: [BenchmarkInTx]'s baseline.
func BenchmarkChallengeCalls(b *testing.B, s TxStore) {
	benchmarkChallenge(b, s, func(ctx context.Context, f func(ctx context.Context) error) error { return f(ctx) })
}

// BenchmarkInTx measures the calls of [BenchmarkChallengeCalls] made in
// one transaction.
func BenchmarkInTx(b *testing.B, s TxStore) {
	benchmarkChallenge(b, s, s.InTx)
}
