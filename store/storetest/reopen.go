package storetest

import (
	"io"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/totp"
)

// ReopenStore is what [RunReopen] writes and reads back: the capabilities
// every portal needs.
type ReopenStore interface {
	totp.Store
	backupcodes.Store
	lockout.Store
}

// RunReopen checks that a store opened on storage another store wrote to
// finds everything as that one left it: an active enrollment and its last
// step, a failure count, a set of backup codes with one used. open must
// return a store on the same storage each time it is called; RunReopen
// calls it twice, and closes the first store (when it is an [io.Closer])
// before opening the second. A memory store cannot run it.
//
// A store that keeps passkeys too ([passkeys.Store]) is checked to find
// one, with its last use, and one of two ceremonies
// ([passkeys.CeremonyStore]) after reopening, the other taken before; one
// that keeps policies ([policy.Store]), to find a policy and when it first
// applied to a user.
func RunReopen(t *testing.T, open func(t *testing.T) ReopenStore) {
	ctx := t.Context()
	limit := lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}
	codes := [][]byte{[]byte("hash-0"), []byte("hash-1")}

	s := open(t)
	wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(ctx, "alice", []byte("sealed"), t0), nil)
	wantErr(t, "ActivateTOTP", s.ActivateTOTP(ctx, "alice", []byte("sealed"), 7, t0), nil)
	_, err := s.ReserveAttempt(ctx, "k", limit, t0)
	wantErr(t, "ReserveAttempt", err, nil)
	wantErr(t, "SaveBackupCodes", s.SaveBackupCodes(ctx, "alice", []byte("salt"), codes, nil, true, t0), nil)
	_, err = s.RedeemBackupCode(ctx, "alice", codes[0], t0)
	wantErr(t, "RedeemBackupCode", err, nil)
	key := passkey("alice", "reopen")
	if ps, ok := s.(passkeys.Store); ok {
		wantErr(t, "AddPasskey", ps.AddPasskey(ctx, key, 10), nil)
		wantErr(t, "UsePasskey", ps.UsePasskey(ctx, "alice", key.ID, key.SignCount, key.SignCount+1, true, t0), nil)
	}
	ceremony := passkeys.Ceremony{UserID: "alice", Purpose: "login", Data: []byte("data"), Expires: t0.Add(time.Minute)}
	if cs, ok := s.(passkeys.CeremonyStore); ok {
		wantErr(t, "SaveCeremony", cs.SaveCeremony(ctx, ceremonyKey("taken"), ceremony), nil)
		wantErr(t, "SaveCeremony", cs.SaveCeremony(ctx, ceremonyKey("kept"), ceremony), nil)
		_, err := cs.TakeCeremony(ctx, ceremonyKey("taken"), t0)
		wantErr(t, "TakeCeremony", err, nil)
	}
	pol := policy.Policy{
		Name: "reopen", Groups: []string{"staff"}, Level: policy.Required,
		Deadline: time.Date(2027, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600)),
		Banners:  map[string]string{"fr": "Activez-la avant mars"},
	}
	if ps, ok := s.(policy.Store); ok {
		wantErr(t, "SavePolicy", ps.SavePolicy(ctx, pol), nil)
		_, err := ps.PolicyApplied(ctx, "alice", pol.Name, t0)
		wantErr(t, "PolicyApplied", err, nil)
	}
	if c, ok := s.(io.Closer); ok {
		wantErr(t, "Close", c.Close(), nil)
	}

	s = open(t)
	e, err := s.TOTPEnrollment(ctx, "alice")
	wantErr(t, "TOTPEnrollment after reopening", err, nil)
	if !e.Active || e.LastStep != 7 || string(e.Secret) != "sealed" {
		t.Errorf("after reopening: %+v", e)
	}
	wantErr(t, "AcceptTOTPStep(7) after reopening", s.AcceptTOTPStep(ctx, "alice", 7), totp.ErrReplayed)
	if a, err := s.ReserveAttempt(ctx, "k", limit, t0); err != nil || a.Failures != 2 {
		t.Errorf("ReserveAttempt after reopening: %+v, %v; want 2 failures", a, err)
	}
	if set, err := s.BackupCodes(ctx, "alice"); err != nil || !set.Active || set.Remaining != 1 || string(set.Salt) != "salt" {
		t.Errorf("BackupCodes after reopening: %+v, %v; want the active set with 1 code left", set, err)
	}
	_, err = s.RedeemBackupCode(ctx, "alice", codes[0], t0)
	wantErr(t, "RedeemBackupCode of a used code after reopening", err, backupcodes.ErrInvalidCode)
	if ps, ok := s.(passkeys.Store); ok {
		got, err := ps.PasskeyByID(ctx, key.ID)
		wantErr(t, "PasskeyByID after reopening", err, nil)
		key.SignCount, key.BackedUp, key.LastUsedAt = key.SignCount+1, true, t0
		samePasskey(t, "PasskeyByID after reopening", got, key)
	}
	if cs, ok := s.(passkeys.CeremonyStore); ok {
		_, err := cs.TakeCeremony(ctx, ceremonyKey("taken"), t0)
		wantErr(t, "TakeCeremony of a taken ceremony after reopening", err, passkeys.ErrNoCeremony)
		got, err := cs.TakeCeremony(ctx, ceremonyKey("kept"), t0)
		wantErr(t, "TakeCeremony after reopening", err, nil)
		sameCeremony(t, "TakeCeremony after reopening", got, ceremony)
	}
	if ps, ok := s.(policy.Store); ok {
		got, err := ps.Policies(ctx)
		wantErr(t, "Policies after reopening", err, nil)
		if len(got) != 1 {
			t.Fatalf("Policies after reopening = %v, want [%s]", policyNames(got), pol.Name)
		}
		stored := pol
		stored.Revision = 1
		samePolicy(t, "Policies after reopening", got[0], stored)
		first, err := ps.PolicyApplied(ctx, "alice", pol.Name, t0.Add(time.Hour))
		wantErr(t, "PolicyApplied after reopening", err, nil)
		sameTime(t, "PolicyApplied after reopening", first, t0)
	}
}
