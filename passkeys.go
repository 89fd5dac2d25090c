package portalmfa

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/passkeys/ceremony"
)

// PasskeyConfig turns passkeys on. Browsers bind a passkey to the RP ID,
// a domain: "portal.example" for https://portal.example and its
// subdomains, or "localhost" for development on http://localhost:PORT.
// Browsers refuse an IP address, so a demo on http://127.0.0.1 has no
// passkeys: open it as http://localhost:PORT.
type PasskeyConfig struct {
	// RPID is the relying party ID, a domain. Required to have passkeys.
	RPID string
	// Origins are the origins of the pages that run the ceremonies
	// ("https://portal.example"), each within RPID. Required.
	Origins []string
	// MaxPerUser caps the passkeys of one account. Optional: 10; at most 100.
	MaxPerUser int
	// Timeout is how long a ceremony may take. Optional: 5 minutes; at most 10.
	Timeout time.Duration
	// NoPasswordless keeps passkeys a second factor only: no sign-in
	// without the password ([Service.FinishPasswordless] refuses).
	NoPasswordless bool
}

// Errors of passkeys.
var (
	// ErrPasskeysOff: the Service has no passkeys (Config.Passkeys unset).
	ErrPasskeysOff = errors.New("portalmfa: passkeys are not enabled")
	// ErrPasskeyRefused: the browser's answer did not complete the
	// ceremony (another origin, a bad signature, an unknown passkey…).
	ErrPasskeyRefused = ceremony.ErrRefused
	// ErrPasskeyClone: the passkey's counter did not increase, a sign it
	// was copied; the login is refused and the user told.
	ErrPasskeyClone = ceremony.ErrClone
	// ErrCeremonyExpired: the ceremony is unknown, expired or finished
	// already; begin again.
	ErrCeremonyExpired = passkeys.ErrNoCeremony
	// ErrTooManyPasskeys: the account has Config.Passkeys.MaxPerUser.
	ErrTooManyPasskeys = passkeys.ErrTooMany
	// ErrPasskeyRegistered: that passkey is registered already.
	ErrPasskeyRegistered = passkeys.ErrDuplicate
	// ErrUnknownPasskey: no such passkey of this user.
	ErrUnknownPasskey = passkeys.ErrUnknownPasskey
)

// PasskeyStore is what a Store keeps for passkeys. It is optional: New
// looks for it, and a Service whose store lacks it offers no passkeys.
type PasskeyStore interface {
	passkeys.Store
	passkeys.CeremonyStore
}

// passkeyService is the passkeys part of the Service, present when
// Config.Passkeys is set.
type passkeyService struct {
	rp    *ceremony.RP
	store PasskeyStore
	names *passkeys.Names
	// handleKey makes user handles of new passkeys; older passkeys are
	// known by their credential IDs, whatever key made their handle.
	handleKey []byte
	// passwordlessKey signs passwordless ceremonies, newest first.
	passwordlessKey [][]byte
	cfg             PasskeyConfig
}

func newPasskeyService(cfg *Config, store Store) (*passkeyService, error) {
	pc := cfg.Passkeys
	ps, ok := store.(PasskeyStore)
	if !ok {
		return nil, errors.New("portalmfa: Config.Passkeys is set but the Store keeps no passkeys")
	}
	if pc.MaxPerUser == 0 {
		pc.MaxPerUser = 10
	}
	if pc.Timeout == 0 {
		pc.Timeout = 5 * time.Minute
	}
	if pc.MaxPerUser < 1 || pc.MaxPerUser > 100 || pc.Timeout < 0 || pc.Timeout > 10*time.Minute {
		return nil, errors.New("portalmfa: Config.Passkeys needs 1 ≤ MaxPerUser ≤ 100 and Timeout ≤ 10 minutes")
	}
	rp, err := ceremony.New(ceremony.Config{RPID: pc.RPID, RPName: cfg.Issuer, Origins: pc.Origins, Timeout: pc.Timeout})
	if err != nil {
		return nil, fmt.Errorf("portalmfa: Config.Passkeys: %w", err)
	}
	names, err := passkeys.NewNames()
	if err != nil {
		return nil, err
	}
	p := &passkeyService{rp: rp, store: ps, names: names, cfg: pc, handleKey: deriveKey(cfg.Keys[0], purposeUserHandle)}
	for _, k := range cfg.Keys {
		p.passwordlessKey = append(p.passwordlessKey, deriveKey(k, purposePasswordless))
	}
	return p, nil
}

// Passkey is one of a user's passkeys, as the security page lists it.
type Passkey struct {
	// ID is the credential ID in base64url, for links and forms.
	ID string
	// Name is the user's name for it, else its provider's ("iCloud
	// Keychain"), else "" (a page says "Passkey", or "Security key" for a
	// SecurityKey).
	Name string
	// SecurityKey: a passkey on a security key (USB, NFC, Bluetooth), not
	// synced.
	SecurityKey bool
	// Synced: a passkey manager keeps it in sync across devices; otherwise
	// it lives on this device (or security key) only.
	Synced    bool
	CreatedAt time.Time
	// LastUsedAt is zero before its first login.
	LastUsedAt time.Time
	// CreatedOn names the browser and system it was registered with.
	CreatedOn string
}

// PasskeysEnabled reports whether the Service offers passkeys.
func (s *Service) PasskeysEnabled() bool { return s.passkeys != nil }

// PasswordlessEnabled reports whether a passkey may sign a user in without
// the password.
func (s *Service) PasswordlessEnabled() bool {
	return s.passkeys != nil && !s.passkeys.cfg.NoPasswordless
}

// Passkeys lists the user's passkeys, the oldest first.
func (s *Service) Passkeys(ctx context.Context, userID string) ([]Passkey, error) {
	if s.passkeys == nil {
		return nil, nil
	}
	ps, err := s.passkeys.store.Passkeys(ctx, userID)
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]Passkey, len(ps))
	for i, p := range ps {
		name := p.Name
		if name == "" {
			name = s.passkeys.names.Provider(p.AAGUID)
		}
		out[i] = Passkey{
			ID: base64.RawURLEncoding.EncodeToString(p.ID), Name: name, Synced: p.BackedUp,
			SecurityKey: securityKey(p), CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt, CreatedOn: p.CreatedOn,
		}
	}
	return out, nil
}

// securityKey reports a passkey that lives on a roaming authenticator only.
func securityKey(p passkeys.Passkey) bool {
	roaming := false
	for _, t := range p.Transports {
		switch t {
		case "usb", "nfc", "ble", "smart-card":
			roaming = true
		case "internal", "hybrid":
			return false
		}
	}
	return roaming && !p.BackupEligible
}

// Ceremony is a WebAuthn ceremony begun: Options go to the browser's
// navigator.credentials call (PublicKeyCredential.parse…OptionsFromJSON),
// Token stays in that browser (a cookie) until the Finish call, which it
// must be given. A ceremony is finished once, by its user, before Expires.
type Ceremony struct {
	Token   string
	Options json.RawMessage
	Expires time.Time
}

// Ceremony purposes: the finish of one purpose refuses a ceremony begun
// for another.
const (
	ceremonyRegister = "register"
	ceremonyLogin    = "login"
	ceremonyReverify = "reverify"
)

// BeginPasskeyRegistration starts adding a passkey to u's account, once
// proof allows adding a factor ([AddFactor]).
func (s *Service) BeginPasskeyRegistration(ctx context.Context, u User, proof string) (Ceremony, error) {
	p := s.passkeys
	if p == nil {
		return Ceremony{}, ErrPasskeysOff
	}
	if _, err := s.checkAdd(ctx, u.ID, proof, FactorPasskey); err != nil {
		return Ceremony{}, err
	}
	cu, err := s.ceremonyUser(ctx, u)
	if err != nil {
		return Ceremony{}, err
	}
	if len(cu.Passkeys) >= p.cfg.MaxPerUser {
		return Ceremony{}, ErrTooManyPasskeys
	}
	options, state, err := p.rp.BeginRegistration(cu)
	if err != nil {
		return Ceremony{}, unavailable(err)
	}
	return s.saveCeremony(ctx, u.ID, ceremonyRegister, options, state)
}

// FinishPasskeyRegistration checks the browser's answer to the ceremony of
// token and stores the new passkey. When it is the user's first factor,
// 2FA is on now, and it returns the account's new backup codes, to be
// shown once as the TOTP wizard shows them; otherwise no codes.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, u User, token string, response []byte, proof string, c Client) (codes []string, err error) {
	if s.passkeys == nil {
		return nil, ErrPasskeysOff
	}
	// One factor change of a user's at a time: two first passkeys at once
	// would each make the account's codes.
	err = s.exclusive(ctx, u.ID, func() error {
		codes, err = s.finishRegistration(ctx, u, token, response, proof, c)
		return err
	})
	return codes, err
}

func (s *Service) finishRegistration(ctx context.Context, u User, token string, response []byte, proof string, c Client) (codes []string, err error) {
	p := s.passkeys
	st, err := s.checkAdd(ctx, u.ID, proof, FactorPasskey)
	if err != nil {
		return nil, err
	}
	first := !st.Enabled()
	state, err := s.takeCeremony(ctx, u.ID, ceremonyRegister, token)
	if err != nil {
		return nil, err
	}
	if len(response) > ceremony.MaxResponse {
		return nil, fmt.Errorf("%w: answer too large", ErrPasskeyRefused)
	}
	cu, err := s.ceremonyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	pk, err := p.rp.FinishRegistration(cu, state, response)
	if err != nil {
		s.log.InfoContext(ctx, "portalmfa: passkey registration refused", "user", u.ID, "err", err)
		return nil, err
	}
	now := s.cfg.Now()
	pk.UserID, pk.CreatedAt, pk.CreatedOn = u.ID, now, s.deviceNames.name(c.UserAgent)
	switch err := p.store.AddPasskey(ctx, pk, p.cfg.MaxPerUser); {
	case errors.Is(err, passkeys.ErrDuplicate), errors.Is(err, passkeys.ErrTooMany):
		return nil, err
	case err != nil:
		return nil, unavailable(err)
	}
	s.event(ctx, c, history.Event{UserID: u.ID, Kind: history.PasskeyAdded})
	s.notify(ctx, c, Notification{Kind: NotifyPasskeyAdded, UserID: u.ID})
	s.log.InfoContext(ctx, "portalmfa: passkey added", "user", u.ID)
	if !first {
		return nil, nil
	}
	return s.firstFactorOn(ctx, u.ID, c), nil
}

// RenamePasskey names the user's passkey id (as in [Passkey.ID]).
func (s *Service) RenamePasskey(ctx context.Context, userID, id, name string) error {
	if s.passkeys == nil {
		return ErrPasskeysOff
	}
	raw, err := passkeyID(id)
	if err != nil {
		return err
	}
	if utf8.RuneCountInString(name) > devices.MaxNameLength {
		return ErrInvalidName
	}
	if name = devices.CleanName(name); name == "" {
		return ErrInvalidName
	}
	return passkeyOp(s.passkeys.store.RenamePasskey(ctx, userID, raw, name))
}

// DeletePasskey removes the user's passkey id once proof allows removing a
// factor ([RemoveFactor]). Another factor left on keeps 2FA on; without
// one, the backup codes and trusted devices go too.
func (s *Service) DeletePasskey(ctx context.Context, userID, id, proof string, c Client) error {
	if s.passkeys == nil {
		return ErrPasskeysOff
	}
	raw, err := passkeyID(id)
	if err != nil {
		return err
	}
	// Removing one passkey of several removes no factor: the kind stays on.
	return s.removeFactor(ctx, userID, proof, FactorPasskey, c, func() error {
		if err := passkeyOp(s.passkeys.store.DeletePasskey(ctx, userID, raw)); err != nil {
			return err
		}
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.PasskeyRemoved})
		s.notify(ctx, c, Notification{Kind: NotifyPasskeyRemoved, UserID: userID})
		s.log.InfoContext(ctx, "portalmfa: passkey removed", "user", userID)
		return nil
	})
}

// BeginPasskeyLogin starts a login of the user with one of their passkeys,
// at the challenge ([Service.VerifyPasskey]). It returns
// [ErrUnknownPasskey] when the user has none.
func (s *Service) BeginPasskeyLogin(ctx context.Context, userID string) (Ceremony, error) {
	if err := s.allowed(ctx, userID, FactorPasskey); err != nil {
		return Ceremony{}, err
	}
	return s.beginUserCeremony(ctx, userID, ceremonyLogin)
}

// BeginPasskeyVerification starts a verification of the user with one of
// their passkeys before a sensitive change ([Service.ReverifyPasskey]).
func (s *Service) BeginPasskeyVerification(ctx context.Context, userID string) (Ceremony, error) {
	return s.beginUserCeremony(ctx, userID, ceremonyReverify)
}

func (s *Service) beginUserCeremony(ctx context.Context, userID, purpose string) (Ceremony, error) {
	p := s.passkeys
	if p == nil {
		return Ceremony{}, ErrPasskeysOff
	}
	cu, err := s.ceremonyUser(ctx, User{ID: userID})
	if err != nil {
		return Ceremony{}, err
	}
	if len(cu.Passkeys) == 0 {
		return Ceremony{}, ErrUnknownPasskey
	}
	options, state, err := p.rp.BeginLogin(cu, false)
	if err != nil {
		return Ceremony{}, unavailable(err)
	}
	return s.saveCeremony(ctx, userID, purpose, options, state)
}

// VerifyPasskey finishes a login begun by [Service.BeginPasskeyLogin] at
// the challenge: the passkey is the second factor. It counts towards the
// lockout and goes into the login history as a code does.
func (s *Service) VerifyPasskey(ctx context.Context, userID, token string, response []byte, c Client) error {
	if err := s.allowed(ctx, userID, FactorPasskey); err != nil {
		return err
	}
	return s.finishPasskeyLogin(ctx, userID, ceremonyLogin, token, response, c, loginPasskey)
}

// ReverifyPasskey finishes a verification begun by
// [Service.BeginPasskeyVerification], and returns a proof of a factor
// merged with prev.
func (s *Service) ReverifyPasskey(ctx context.Context, userID, token string, response []byte, prev string, c Client) (string, error) {
	err := s.finishPasskeyLogin(ctx, userID, ceremonyReverify, token, response, c, reverifying)
	if errors.Is(err, ErrNotEnrolled) && !errors.Is(err, ErrUnavailable) {
		return "", fmt.Errorf("%w: no passkey left", ErrPasskeyRefused) // deleted meanwhile
	}
	if err != nil {
		return "", err
	}
	return s.newProof(userID, prev, false)
}

func (s *Service) finishPasskeyLogin(ctx context.Context, userID, purpose, token string, response []byte, c Client, kind attemptKind) error {
	if s.passkeys == nil {
		return ErrPasskeysOff
	}
	state, err := s.takeCeremony(ctx, userID, purpose, token)
	if err != nil {
		return err
	}
	a, err := ceremony.ParseAssertion(response)
	if err != nil {
		return err // not a guess: nothing was signed
	}
	return s.attempt(ctx, userID, c, kind, func(ctx context.Context) error {
		cu, err := s.ceremonyUser(ctx, User{ID: userID})
		if err != nil {
			return err
		}
		if len(cu.Passkeys) == 0 {
			return ErrNotEnrolled // deleted since the login began
		}
		return s.usePasskey(ctx, cu, userID, state, a, c)
	})
}

// usePasskey checks an assertion of u's and accepts the use.
func (s *Service) usePasskey(ctx context.Context, cu ceremony.User, userID string, state []byte, a *ceremony.Assertion, c Client) error {
	used, err := s.passkeys.rp.FinishLogin(cu, state, a)
	if err != nil {
		return err
	}
	return s.acceptPasskeyUse(ctx, userID, used, c)
}

// acceptPasskeyUse refuses a counter that did not increase (recorded and
// notified: someone may hold a copy), and otherwise stores the counter and
// time of the use, provided no other login with the passkey came between.
func (s *Service) acceptPasskeyUse(ctx context.Context, userID string, used ceremony.Used, c Client) error {
	if used.Cloned() {
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.PasskeyCloned})
		s.notify(ctx, c, Notification{Kind: NotifyPasskeyClone, UserID: userID})
		s.log.WarnContext(ctx, "portalmfa: passkey counter did not increase, login refused", "user", userID)
		return ErrPasskeyClone
	}
	switch err := s.passkeys.store.UsePasskey(ctx, userID, used.ID, used.Prev, used.SignCount, used.BackedUp, s.cfg.Now()); {
	case errors.Is(err, passkeys.ErrCounterMoved), errors.Is(err, passkeys.ErrUnknownPasskey):
		// Another login with it finished first, or it was deleted.
		return fmt.Errorf("%w: %w", ErrPasskeyRefused, err)
	case err != nil:
		return unavailable(err)
	}
	return nil
}

// BeginPasswordless starts a sign-in with a passkey and no password, for
// the host's login page; conditional asks for the browser's autofill.
// Anyone may ask, so nothing is stored: the ceremony's state travels in
// the token, signed under a key of its own, and only a finish with a
// genuine passkey writes (to spend it).
func (s *Service) BeginPasswordless(ctx context.Context, conditional bool) (Ceremony, error) {
	if !s.PasswordlessEnabled() {
		return Ceremony{}, ErrPasskeysOff
	}
	options, state, err := s.passkeys.rp.BeginPasswordless(conditional)
	if err != nil {
		return Ceremony{}, unavailable(err)
	}
	expires := s.cfg.Now().Add(s.passkeys.cfg.Timeout)
	payload := make([]byte, 1+8, 1+8+len(state))
	payload[0] = passwordlessVersion
	binary.BigEndian.PutUint64(payload[1:9], uint64(expires.Unix()))
	payload = append(payload, state...)
	return Ceremony{Token: signToken(s.passkeys.passwordlessKey[0], payload), Options: options, Expires: expires}, nil
}

// passwordlessVersion starts the payload of a passwordless ceremony's
// token: version | expiry, unix seconds, 8 bytes | go-webauthn's state.
const passwordlessVersion = 1

// FinishPasswordless checks the browser's answer to the ceremony of token
// and returns the user the passkey signed in: password and second factor
// at once, which only a passkey that verified its user (biometrics, PIN)
// may do. It goes into the user's history. A failure counts against the
// client's IP only: a signature cannot be guessed, and a credential ID is
// no secret, so a failure must not let anyone lock its owner out. A locked
// user is refused all the same.
func (s *Service) FinishPasswordless(ctx context.Context, token string, response []byte, c Client) (userID string, err error) {
	p := s.passkeys
	if !s.PasswordlessEnabled() {
		return "", ErrPasskeysOff
	}
	payload, ok := openToken(p.passwordlessKey, token, 4096)
	if !ok || len(payload) < 9 || payload[0] != passwordlessVersion {
		return "", ErrCeremonyExpired
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(payload[1:9])), 0)
	if !s.cfg.Now().Before(expires) {
		return "", ErrCeremonyExpired
	}
	a, err := ceremony.ParseAssertion(response)
	if err != nil {
		return "", err
	}
	ipKey := ipLimitKey(c.IP)
	pk, err := p.store.PasskeyByID(ctx, a.PasskeyID())
	switch {
	case errors.Is(err, passkeys.ErrUnknownPasskey):
		// A passkey of a deleted registration, or made up.
		s.countFailure(ctx, ipKey, s.cfg.IPLimit, s.cfg.Now())
		return "", fmt.Errorf("%w: %w", ErrPasskeyRefused, err)
	case err != nil:
		return "", unavailable(err)
	}
	userID = pk.UserID
	// A passkey the user's policy does not count signs no one in, and
	// counts nothing.
	if err := s.allowed(ctx, userID, FactorPasskey); err != nil {
		return "", err
	}
	defer func() { s.recordAttempt(ctx, userID, c, history.Passkey, err) }()
	if err := s.refuseIfLocked(ctx, userID, c, loginPasskey, ipKey, userLimitKey(userID)); err != nil {
		return "", err
	}
	cu, err := s.ceremonyUser(ctx, User{ID: userID})
	if err != nil {
		return "", err
	}
	used, err := p.rp.FinishLogin(cu, payload[9:], a)
	if err == nil && !used.UserVerified {
		err = fmt.Errorf("%w: the passkey did not verify its user", ErrPasskeyRefused) // go-webauthn checks it too
	}
	if err != nil {
		s.countFailure(ctx, ipKey, s.cfg.IPLimit, s.cfg.Now())
		return "", err
	}
	// Spend the token, before the counter is looked at: of two finishes
	// with it, one gets past here, and a replay is refused as one. It is
	// spent by what it says, whatever its spelling.
	key := sha256.Sum256(payload)
	switch err := p.store.SaveCeremony(ctx, key[:], passkeys.Ceremony{Purpose: "spent", Expires: expires}); {
	case errors.Is(err, passkeys.ErrDuplicate):
		return "", ErrCeremonyExpired
	case err != nil:
		return "", unavailable(err)
	}
	if err := s.acceptPasskeyUse(ctx, userID, used, c); err != nil {
		return "", err
	}
	if err := s.store.ResetAttempts(ctx, userLimitKey(userID)); err != nil {
		return "", unavailable(err)
	}
	return userID, nil
}

// ceremonyUser is u as authenticators know it, with their passkeys.
func (s *Service) ceremonyUser(ctx context.Context, u User) (ceremony.User, error) {
	ps, err := s.passkeys.store.Passkeys(ctx, u.ID)
	if err != nil {
		return ceremony.User{}, unavailable(err)
	}
	cu := ceremony.User{Name: u.AccountLabel(), DisplayName: u.Name, Passkeys: ps}
	if cu.DisplayName == "" {
		cu.DisplayName = cu.Name
	}
	h := hmac.New(sha256.New, s.passkeys.handleKey)
	h.Write([]byte(u.ID))
	cu.Handle = h.Sum(nil)
	return cu, nil
}

// saveCeremony keeps a ceremony's state under the hash of a new token.
func (s *Service) saveCeremony(ctx context.Context, userID, purpose string, options, state []byte) (Ceremony, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.cfg.Rand, raw); err != nil {
		return Ceremony{}, unavailable(err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	key := sha256.Sum256([]byte(token))
	expires := s.cfg.Now().Add(s.passkeys.cfg.Timeout)
	err := s.passkeys.store.SaveCeremony(ctx, key[:], passkeys.Ceremony{UserID: userID, Purpose: purpose, Data: state, Expires: expires})
	if err != nil {
		return Ceremony{}, unavailable(err)
	}
	return Ceremony{Token: token, Options: options, Expires: expires}, nil
}

// takeCeremony returns, once, the state of the ceremony of token, begun for
// userID and purpose; [ErrCeremonyExpired] otherwise.
func (s *Service) takeCeremony(ctx context.Context, userID, purpose, token string) ([]byte, error) {
	if token == "" || len(token) > 64 {
		return nil, ErrCeremonyExpired
	}
	key := sha256.Sum256([]byte(token))
	c, err := s.passkeys.store.TakeCeremony(ctx, key[:], s.cfg.Now())
	switch {
	case errors.Is(err, passkeys.ErrNoCeremony):
		return nil, ErrCeremonyExpired
	case err != nil:
		return nil, unavailable(err)
	case c.UserID != userID || c.Purpose != purpose:
		// Another user's ceremony, or one begun for something else: the
		// token is spent, as it would be by its own finish.
		s.log.WarnContext(ctx, "portalmfa: ceremony finished by another user or for another purpose", "user", userID)
		return nil, ErrCeremonyExpired
	}
	return c.Data, nil
}

// passkeyID decodes a passkey ID of a form or link.
func passkeyID(id string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) == 0 || len(raw) > 1023 {
		return nil, ErrUnknownPasskey
	}
	return raw, nil
}

// passkeyOp maps a store result of an operation on one passkey.
func passkeyOp(err error) error {
	switch {
	case err == nil, errors.Is(err, passkeys.ErrUnknownPasskey):
		return err
	}
	return unavailable(err)
}

// passkeyFactor is passkeys as one of the Service's factors.

// Its store is the Service's whether passkeys are configured or not: a
// user's passkeys keep 2FA on, closed, after the configuration goes.
type passkeyFactor struct{ store passkeys.Store }

func (f passkeyFactor) status(ctx context.Context, userID string) ([]Factor, error) {
	ps, err := f.store.Passkeys(ctx, userID)
	if err != nil {
		return nil, unavailable(err)
	}
	if len(ps) == 0 {
		return []Factor{{Kind: FactorPasskey}}, nil
	}
	return []Factor{{Kind: FactorPasskey, State: On, Since: ps[0].CreatedAt, Count: len(ps)}}, nil
}

func (f passkeyFactor) removeAll(ctx context.Context, userID string) error {
	ps, err := f.store.Passkeys(ctx, userID)
	if err != nil {
		return unavailable(err)
	}
	for _, p := range ps {
		if err := passkeyOp(f.store.DeletePasskey(ctx, userID, p.ID)); err != nil && !errors.Is(err, passkeys.ErrUnknownPasskey) {
			return err
		}
	}
	return nil
}
