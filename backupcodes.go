package portalmfa

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/history"
)

// PendingBackupCodes returns the backup codes of a first factor being set
// up, for step 2 of the wizard: made on the first call, the same on every
// later one (a reload, Back from step 3) until the wizard ends. They stay
// pending, useless, until the factor is confirmed ([Service.ConfirmTOTP]).
// Meanwhile the store keeps them sealed under the key ring beside their
// hashes; confirming deletes that copy, so no one sees them again. Starting
// the wizard again ([Service.BeginTOTP]) makes new ones. It returns
// [ErrNotEnrolled] unless TOTP is pending, and [ErrAlreadyEnabled] once 2FA
// is on: the account has its codes then. It needs the proof
// [Service.BeginTOTP] needed.
func (s *Service) PendingBackupCodes(ctx context.Context, userID, proof string) ([]string, error) {
	st, err := s.Status(ctx, userID)
	switch {
	case err != nil:
		return nil, err
	case st.Enabled():
		return nil, ErrAlreadyEnabled
	case st.Factor(FactorTOTP).State != Pending:
		return nil, ErrNotEnrolled
	}
	if err := s.checkProof(userID, proof, changeNeed(st, AddFactor)); err != nil {
		return nil, err
	}
	set, err := s.store.BackupCodes(ctx, userID)
	switch {
	case err == nil && !set.Active && set.Sealed != nil:
		codes, err := s.codesSealer.Open(set.Sealed, sealedCodesFor(userID, set.Salt))
		if err == nil {
			return strings.Fields(string(codes)), nil
		}
		// Its key has left the ring: what cannot be shown again is
		// replaced, as a restart of the wizard would.
		s.log.ErrorContext(ctx, "portalmfa: cannot open pending backup codes; making new ones", "user", userID, "err", err)
	case err != nil && !errors.Is(err, backupcodes.ErrNoCodes):
		return nil, unavailable(err)
	}
	return s.saveBackupCodes(ctx, userID, false)
}

// sealedCodesFor is what a pending set's sealed codes are bound to: its
// user and its salt, so a copy opens for no other user nor set. The salt
// has a fixed length, so the two cannot run into each other.
func sealedCodesFor(userID string, salt []byte) string { return string(salt) + userID }

// RegenerateBackupCodes replaces the user's backup codes once proof holds
// a recent verification with a factor ([RegenerateCodes]); the old codes
// stop working at that moment. It returns [ErrNotEnrolled] while 2FA is
// off.
func (s *Service) RegenerateBackupCodes(ctx context.Context, userID, proof string, c Client) (codes []string, err error) {
	// One factor change of a user's at a time: codes made while the last
	// factor is being removed would outlive 2FA.
	err = s.exclusive(ctx, userID, func() error {
		switch st, err := s.Status(ctx, userID); {
		case err != nil:
			return err
		case !st.Enabled():
			return ErrNotEnrolled
		}
		if err := s.checkProof(userID, proof, NeedFactor); err != nil {
			return err
		}
		codes, err = s.saveBackupCodes(ctx, userID, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.CodesRegenerated})
	s.notify(ctx, c, Notification{Kind: NotifyCodesRegenerated, UserID: userID})
	s.log.InfoContext(ctx, "portalmfa: backup codes regenerated", "user", userID)
	return codes, nil
}

func (s *Service) saveBackupCodes(ctx context.Context, userID string, active bool) ([]string, error) {
	codes, err := backupcodes.Generate(s.cfg.Rand)
	if err != nil {
		return nil, unavailable(err)
	}
	salt, err := s.hashers[0].NewSalt(s.cfg.Rand)
	if err != nil {
		return nil, unavailable(err)
	}
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		n, _ := backupcodes.Normalize(c) // generated codes are well-formed
		hashes[i] = s.hashers[0].Hash(salt, userID, n)
	}
	var sealed []byte // a pending set's codes, to show again
	if !active {
		if sealed, err = s.codesSealer.Seal([]byte(strings.Join(codes, " ")), sealedCodesFor(userID, salt)); err != nil {
			return nil, unavailable(err)
		}
	}
	switch err := s.store.SaveBackupCodes(ctx, userID, salt, hashes, sealed, active, s.cfg.Now()); {
	case errors.Is(err, backupcodes.ErrAlreadyActive):
		return nil, ErrAlreadyEnabled // step 3 finished in another tab meanwhile
	case err != nil:
		return nil, unavailable(err)
	}
	return codes, nil
}

// LowBackupCodes is Config.LowBackupCodes: at or below this many codes
// left, the user should make new ones.
func (s *Service) LowBackupCodes() int { return s.cfg.LowBackupCodes }

// VerifyBackupCode redeems a backup code at the login challenge and returns
// how many are left. A code works once; a wrong one counts towards the same
// lockout as a wrong TOTP code.
func (s *Service) VerifyBackupCode(ctx context.Context, userID, code string, c Client) (remaining int, err error) {
	n, err := backupcodes.Normalize(code)
	if err != nil {
		return 0, err
	}
	err = s.attempt(ctx, userID, c, loginBackupCode, func(ctx context.Context) error {
		remaining, err = s.redeemBackupCode(ctx, userID, n)
		return err
	})
	if err != nil {
		return 0, err
	}
	s.backupCodeUsed(ctx, userID, c, remaining)
	return remaining, nil
}

// redeemBackupCode uses up the user's backup code n (normalized) and
// returns how many are left.
func (s *Service) redeemBackupCode(ctx context.Context, userID, n string) (remaining int, err error) {
	set, err := s.store.BackupCodes(ctx, userID)
	switch {
	case errors.Is(err, backupcodes.ErrNoCodes) || err == nil && !set.Active:
		// Without active codes, say whether 2FA itself went off since
		// the password step, as the other factors do.
		if st, err := s.Status(ctx, userID); err != nil {
			return 0, err
		} else if !st.Enabled() {
			return 0, ErrNotEnrolled
		}
		return 0, ErrInvalidBackupCode
	case err != nil:
		return 0, unavailable(err)
	}
	// The set was hashed under the newest key of its day, which its salt
	// names. (Salts made before they named one leave every key to try.)
	hashers := s.hashers
	if backupcodes.Tagged(set.Salt) {
		i := slices.IndexFunc(hashers, func(h *backupcodes.Hasher) bool { return h.Made(set.Salt) })
		if i < 0 {
			// Its key has left the ring: our failure, not the user's.
			s.log.ErrorContext(ctx, "portalmfa: backup codes hashed under a key no longer in Config.Keys", "user", userID)
			return 0, unavailable(errors.New("backup-code key missing"))
		}
		hashers = hashers[i : i+1]
	}
	for _, h := range hashers {
		remaining, err = s.store.RedeemBackupCode(ctx, userID, h.Hash(set.Salt, userID, n), s.cfg.Now())
		if !errors.Is(err, backupcodes.ErrInvalidCode) {
			break
		}
	}
	switch {
	case errors.Is(err, backupcodes.ErrInvalidCode):
		return 0, ErrInvalidBackupCode
	case err != nil:
		return 0, unavailable(err)
	}
	return remaining, nil
}

// backupCodeUsed records and notifies the use of a backup code.
func (s *Service) backupCodeUsed(ctx context.Context, userID string, c Client, remaining int) {
	s.log.InfoContext(ctx, "portalmfa: backup code used", "user", userID, "remaining", remaining)
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.CodeUsed})
	s.notify(ctx, c, Notification{Kind: NotifyBackupCodeUsed, UserID: userID, Remaining: remaining})
	if remaining <= s.cfg.LowBackupCodes {
		s.notify(ctx, c, Notification{Kind: NotifyFewBackupCodes, UserID: userID, Remaining: remaining})
	}
}
