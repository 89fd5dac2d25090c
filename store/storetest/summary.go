package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/summary"
)

// SummaryStore is a [Store] that also reads many users' state at once.
type SummaryStore interface {
	Store
	summary.Store
}

// RunSummaries checks a [summary.Store] against what the store's other
// capabilities hold:
//
//   - unknown users, and no users, are not errors: zero accounts with their
//     IDs, in the order asked, duplicates included;
//   - an active app counts, a pending enrollment does not;
//   - passkeys are counted per user;
//   - a confirmed number and codes by email show as SMS and Email;
//   - backup codes: the unused codes of an active set (a pending set, and
//     used codes, do not count);
//   - trusted devices: those neither revoked nor expired at now;
//   - the last sign-in: the newest successful attempt in the history, not
//     a failure nor another kind of event;
//   - one user's records never show in another's account, even where one
//     ID is a prefix of another;
//   - MaxBatch users at once, and more is [summary.ErrTooMany].
func RunSummaries(t *testing.T, newStore func(t *testing.T) SummaryStore) {
	ctx := t.Context()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	s := newStore(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	hash := func(n byte) []byte { return bytes.Repeat([]byte{n}, 32) }

	// "u1": the app, two passkeys, a phone, email codes, a set of 10 with
	// 3 used, a device trusted, one revoked, one expired, sign-ins.
	must("SavePendingTOTP", s.SavePendingTOTP(ctx, "u1", []byte("sealed"), now))
	must("ActivateTOTP", s.ActivateTOTP(ctx, "u1", []byte("sealed"), 1, now))
	for i := range 2 {
		must("AddPasskey", s.AddPasskey(ctx, passkeys.Passkey{ID: []byte{1, byte(i)}, UserID: "u1", PublicKey: []byte{1},
			AAGUID: make([]byte, 16), CreatedAt: now}, 10))
	}
	must("SaveDestination", s.SaveDestination(ctx, oob.Destination{UserID: "u1", Channel: oob.SMS, Address: "+33612345678", ConfirmedAt: now}))
	must("SaveDestination", s.SaveDestination(ctx, oob.Destination{UserID: "u1", Channel: oob.Email, Address: "u1@example.com", ConfirmedAt: now}))
	var hashes [][]byte
	for i := range backupcodes.Count {
		hashes = append(hashes, hash(byte(i+1)))
	}
	must("SaveBackupCodes", s.SaveBackupCodes(ctx, "u1", hash(99), hashes, nil, true, now))
	for i := range 3 {
		_, err := s.RedeemBackupCode(ctx, "u1", hashes[i], now)
		must("RedeemBackupCode", err)
	}
	for i, d := range []devices.Device{
		{ID: "d-live", ExpiresAt: now.Add(time.Hour)},
		{ID: "d-revoked", ExpiresAt: now.Add(time.Hour)},
		{ID: "d-expired", ExpiresAt: now},
	} {
		d.UserID, d.CreatedAt, d.LastUsedAt = "u1", now.Add(-time.Hour), now.Add(-time.Hour)
		must("SaveDevice", s.SaveDevice(ctx, d, hash(byte(50+i))))
	}
	must("RevokeDevice", s.RevokeDevice(ctx, "u1", "d-revoked", now))
	lastOK := now.Add(-2 * time.Hour)
	for _, e := range []history.Event{
		{Kind: history.Attempt, Success: true, At: now.Add(-3 * time.Hour), Method: history.TOTP},
		{Kind: history.Attempt, Success: true, At: lastOK, Method: history.Passkey},
		{Kind: history.Attempt, Success: false, At: now.Add(-time.Hour), Method: history.TOTP, Reason: history.WrongCode},
		{Kind: history.DeviceTrusted, At: now.Add(-time.Minute)},
	} {
		e.UserID = "u1"
		must("RecordEvent", s.RecordEvent(ctx, e))
	}
	// "u1x": an ID u1 is a prefix of, with a pending app and a pending set.
	must("SavePendingTOTP", s.SavePendingTOTP(ctx, "u1x", []byte("sealed"), now))
	must("SaveBackupCodes", s.SaveBackupCodes(ctx, "u1x", hash(98), hashes[:2], nil, false, now))
	must("RecordEvent", s.RecordEvent(ctx, history.Event{UserID: "u1x", Kind: history.Attempt, At: now, Method: history.TOTP, Reason: history.WrongCode}))

	got, err := s.Accounts(ctx, []string{"nobody", "u1", "u1x", "u1"}, now)
	must("Accounts", err)
	want := []summary.Account{
		{UserID: "nobody"},
		{UserID: "u1", TOTP: true, Passkeys: 2, SMS: true, Email: true, BackupCodes: 7, Devices: 1, LastSignIn: lastOK},
		{UserID: "u1x"},
		{UserID: "u1", TOTP: true, Passkeys: 2, SMS: true, Email: true, BackupCodes: 7, Devices: 1, LastSignIn: lastOK},
	}
	if len(got) != len(want) {
		t.Fatalf("Accounts returned %d accounts, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.LastSignIn.Equal(w.LastSignIn) {
			t.Errorf("Accounts[%d].LastSignIn = %v, want %v", i, g.LastSignIn, w.LastSignIn)
		}
		g.LastSignIn, w.LastSignIn = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("Accounts[%d] = %+v, want %+v", i, g, w)
		}
	}

	none, err := s.Accounts(ctx, nil, now)
	must("Accounts(nil)", err)
	if len(none) != 0 {
		t.Errorf("Accounts(nil) = %v, want none", none)
	}
	ids := make([]string, summary.MaxBatch)
	for i := range ids {
		ids[i] = fmt.Sprintf("x%d", i)
	}
	ids[len(ids)-1] = "u1"
	batch, err := s.Accounts(ctx, ids, now)
	must("Accounts(MaxBatch)", err)
	if len(batch) != summary.MaxBatch || batch[len(batch)-1].Passkeys != 2 || slices.ContainsFunc(batch[:len(batch)-1], func(a summary.Account) bool { return a.TOTP }) {
		t.Errorf("Accounts(MaxBatch) mixed users up")
	}
	if _, err := s.Accounts(ctx, append(ids, "one more"), now); !errors.Is(err, summary.ErrTooMany) {
		t.Errorf("Accounts(MaxBatch+1) = %v, want ErrTooMany", err)
	}
}

// BenchmarkAccounts measures a walk over 10,000 users, [summary.MaxBatch]
// at a time, as the console's filter or export makes: one op reads them
// all (ns/user is the cost of one). Each user has a set of backup codes
// with one used, a trusted device and four history entries (two sign-ins,
// a failure, a device trusted); every other user an app, every third two
// passkeys, every fourth a phone. Filling the store is not timed; a store
// with InTx fills it 100 users a transaction. settle, if not nil, runs
// once the store is filled, before the timing starts: for a database to
// do what it would do soon after a bulk import (PostgreSQL's autovacuum
// analyzes the new tables; until it does, the planner's guesses make a
// batch cost several times as much).
func BenchmarkAccounts(b *testing.B, s SummaryStore, settle func()) {
	const users, perTx = 10_000, 100
	ctx := b.Context()
	ids := make([]string, users)
	for i := range ids {
		ids[i] = fmt.Sprintf("user-%05d", i)
	}
	inTx := inTxOf(s)
	for start := 0; start < users; start += perTx {
		if err := inTx(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+perTx, users); i++ {
				if err := seedAccount(ctx, s, i, ids[i]); err != nil {
					return fmt.Errorf("%s: %w", ids[i], err)
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if settle != nil {
		settle()
	}
	want := summary.Account{TOTP: true, Passkeys: 2, SMS: true, BackupCodes: backupcodes.Count - 1, Devices: 1}
	b.ReportAllocs()
	for b.Loop() {
		for start := 0; start < users; start += summary.MaxBatch {
			as, err := s.Accounts(ctx, ids[start:start+summary.MaxBatch], t0)
			if err != nil {
				b.Fatal(err)
			}
			// The user of the batch with every factor, as a check the
			// store read the right rows.
			if a := as[0]; start%12 == 0 && (a.UserID != ids[start] || a.TOTP != want.TOTP || a.Passkeys != want.Passkeys ||
				a.SMS != want.SMS || a.BackupCodes != want.BackupCodes || a.Devices != want.Devices ||
				!a.LastSignIn.Equal(t0.Add(-time.Hour))) {
				b.Fatalf("Accounts read %+v", a)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*users), "ns/user")
}

// seedAccount gives user, the i-th of BenchmarkAccounts, their records.
func seedAccount(ctx context.Context, s SummaryStore, i int, user string) error {
	if i%2 == 0 {
		if err := s.SavePendingTOTP(ctx, user, []byte("sealed"), t0); err != nil {
			return err
		}
		if err := s.ActivateTOTP(ctx, user, []byte("sealed"), 1, t0); err != nil {
			return err
		}
	}
	if i%3 == 0 {
		for k := range 2 {
			if err := s.AddPasskey(ctx, passkey(user, fmt.Sprint(user, "/", k)), 10); err != nil {
				return err
			}
		}
	}
	if i%4 == 0 {
		if err := s.SaveDestination(ctx, oob.Destination{UserID: user, Channel: oob.SMS, Address: "+33612345678", ConfirmedAt: t0}); err != nil {
			return err
		}
	}
	hashes := codeHashes(user)
	if err := s.SaveBackupCodes(ctx, user, []byte("bench-salt-01234"), hashes, nil, true, t0); err != nil {
		return err
	}
	if _, err := s.RedeemBackupCode(ctx, user, hashes[0], t0); err != nil {
		return err
	}
	d := devices.Device{ID: user + "/device", UserID: user, Name: "Firefox on Windows", IP: "192.0.2.1",
		CreatedAt: t0.Add(-time.Hour), LastUsedAt: t0.Add(-time.Hour), ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	if err := s.SaveDevice(ctx, d, tokenHash(d.ID)); err != nil {
		return err
	}
	for _, e := range []history.Event{
		{Kind: history.Attempt, Success: true, At: t0.Add(-3 * time.Hour), Method: history.TOTP},
		{Kind: history.Attempt, Success: true, At: t0.Add(-time.Hour), Method: history.Passkey},
		{Kind: history.Attempt, At: t0.Add(-time.Hour / 2), Method: history.TOTP, Reason: history.WrongCode},
		{Kind: history.DeviceTrusted, At: t0.Add(-time.Minute)},
	} {
		e.UserID, e.IP, e.Device = user, "192.0.2.1", "Firefox on Windows"
		if err := s.RecordEvent(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// inTxOf returns the InTx of s, to fill it a transaction at a time, or a
// function that runs each batch as it is when s has none.
func inTxOf(s any) func(ctx context.Context, fn func(ctx context.Context) error) error {
	if tx, ok := s.(interface {
		InTx(ctx context.Context, fn func(ctx context.Context) error) error
	}); ok {
		return tx.InTx
	}
	return func(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }
}
