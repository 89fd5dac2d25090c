package portalmfa

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/oob/phone"
)

// Codes sent out of band: six digits by SMS to a confirmed mobile number,
// or by email to the user's address. Each channel is a factor, a peer of
// the app and passkeys, present when the host gives its sender.
//
// NIST SP 800-63B (5.1.3.3) calls SMS a restricted authenticator: a number
// can be moved to another SIM, and messages read on a lock screen. It does
// not count email as an out-of-band authenticator at all, since whoever
// holds the mailbox password holds the codes. So the host turns each on
// only by giving its sender, and email is by default a fallback: offered
// once another factor is on, and gone when the last other one goes
// (CodesConfig.EmailAlone opts out).

// SMSSender sends a text message to a mobile number in E.164 form
// ("+33612345678"). oob/smsgateway has one for an HTTP gateway.
type SMSSender interface {
	SendSMS(ctx context.Context, to, text string) error
}

// EmailSender sends a plain-text email. oob/smtpmail has one for SMTP.
type EmailSender interface {
	SendEmail(ctx context.Context, to, subject, body string) error
}

// CodesConfig turns on codes by SMS, by email, or both.
type CodesConfig struct {
	// SMS sends codes by text message. Optional: no codes by SMS.
	SMS SMSSender
	// Email sends codes by email. Optional: no codes by email. It needs
	// EmailVerified.
	Email EmailSender
	// EmailVerified says the host has verified its users' addresses
	// (User.Email): a code sent to an address nobody proved is no factor.
	EmailVerified bool
	// EmailAlone lets codes by email be a user's only factor. Optional: by
	// default they are a fallback beside another factor.
	EmailAlone bool
	// Region is the region of numbers typed without a country code, as
	// a CLDR code ("FR", "GB"). Optional: numbers must then begin with +.
	Region string
	// Domain is the portal's host name, written on the SMS's last line
	// ("@portal.example #123456") so that phones offer to fill the code
	// in on that site only (origin-bound one-time codes). Optional:
	// Config.Passkeys.RPID, else no such line.
	Domain string
	// Limits bound the sends. Optional: one a minute per user, five an
	// hour per user and per destination.
	Limits oob.Limits
	// SendTimeout bounds one send, so a slow provider does not hold the
	// page. Optional: 10 seconds; at most 1 minute.
	SendTimeout time.Duration
}

// CodeStore is what a Store keeps for codes. It is optional: New looks for
// it when Config.Codes has a sender.
type CodeStore interface {
	oob.Store
	oob.DestinationStore
}

// CodeText writes the message that carries code, in the user's language:
// an email's subject and body, or for an SMS its text as body. The Service
// adds the origin-bound line to an SMS itself. httpx passes one made from
// its locale files.
type CodeText func(code string) (subject, body string)

// CodeSent says where a code went, masked, and when another may be sent.
type CodeSent struct {
	Channel  oob.Channel
	To       string
	Expires  time.Time
	ResendAt time.Time
}

// PhoneSetup is a number being confirmed: the code went to Number.
type PhoneSetup struct {
	// Number is the number in E.164 form, to be handed back with the code
	// ([Service.ConfirmPhone]).
	Number string
	CodeSent
}

// Errors of codes sent out of band. A refused send is a [*oob.LimitError],
// wrapping [ErrCooldown] or [ErrTooManySends].
var (
	// ErrCodesOff: the Service sends no codes by that channel.
	ErrCodesOff = errors.New("portalmfa: codes by this channel are not enabled")
	// ErrSendFailed: the sender failed or timed out. The send counts
	// towards the limits (a provider that timed out may have delivered
	// it), nothing towards the lockout.
	ErrSendFailed   = errors.New("portalmfa: the code could not be sent")
	ErrCooldown     = oob.ErrCooldown
	ErrTooManySends = oob.ErrTooManySends
	// ErrInvalidNumber: not a valid number; ErrNotMobile, which matches
	// ErrInvalidNumber too, a valid one that cannot receive SMS.
	ErrInvalidNumber = phone.ErrInvalid
	ErrNotMobile     = phone.ErrNotMobile
	// ErrNoEmail: the user has no valid email address.
	ErrNoEmail = errors.New("portalmfa: the user has no valid email address")
	// ErrEmailNeedsFactor: codes by email are a fallback; another factor
	// must be on first.
	ErrEmailNeedsFactor = errors.New("portalmfa: codes by email need another factor first")
)

const purposeCodeHash = "portalmfa v1 oob-code-hash"

// codeService is the codes part of the Service, present when a sender is.
type codeService struct {
	cfg     CodesConfig
	hashers []*oob.Hasher // newest first
}

// codeStore is the Store's codes, nil when it keeps none.
func (s *Service) codeStore() CodeStore {
	cs, _ := s.store.(CodeStore)
	return cs
}

func newCodeService(cfg *Config) (*codeService, error) {
	cc := cfg.Codes
	switch _, ok := cfg.Store.(CodeStore); {
	case !ok:
		return nil, errors.New("portalmfa: Config.Codes has a sender but the Store keeps no codes")
	case cc.Email != nil && !cc.EmailVerified:
		return nil, errors.New("portalmfa: Config.Codes.Email needs EmailVerified: codes to unverified addresses prove nothing")
	case cc.Region != "" && !phone.ValidRegion(cc.Region):
		return nil, fmt.Errorf("portalmfa: Config.Codes.Region %q is not a region", cc.Region)
	}
	if cc.Domain == "" {
		cc.Domain = cfg.Passkeys.RPID
	}
	if cc.Limits == (oob.Limits{}) {
		cc.Limits = oob.Limits{Cooldown: oob.DefaultCooldown, PerHour: oob.DefaultPerHour}
	}
	if err := cc.Limits.Validate(); err != nil {
		return nil, fmt.Errorf("portalmfa: Config.Codes.Limits: %w", err)
	}
	if cc.SendTimeout == 0 {
		cc.SendTimeout = 10 * time.Second
	}
	if cc.SendTimeout < 0 || cc.SendTimeout > time.Minute {
		return nil, errors.New("portalmfa: Config.Codes.SendTimeout must be at most 1 minute")
	}
	c := &codeService{cfg: cc}
	for _, k := range cfg.Keys {
		h, err := oob.NewHasher(deriveKey(k, purposeCodeHash))
		if err != nil {
			return nil, err
		}
		c.hashers = append(c.hashers, h)
	}
	return c, nil
}

// CodesOn reports whether the Service sends codes by ch.
func (s *Service) CodesOn(ch oob.Channel) bool {
	if s.codes == nil {
		return false
	}
	switch ch {
	case oob.SMS:
		return s.codes.cfg.SMS != nil
	case oob.Email:
		return s.codes.cfg.Email != nil
	}
	return false
}

// EmailAlone is Config.Codes.EmailAlone: codes by email may be a user's
// only factor.
func (s *Service) EmailAlone() bool { return s.codes != nil && s.codes.cfg.EmailAlone }

// SendLoginCode sends a code for the pending login state by ch to the
// user's destination, and says where it went. A code works only for this
// login and channel, for [oob.Validity], once; a newer one voids it. It
// returns [ErrNotEnrolled] when the user has no destination of ch.
func (s *Service) SendLoginCode(ctx context.Context, state string, ch oob.Channel, text CodeText, c Client) (CodeSent, error) {
	userID, d, binding, err := s.loginBinding(ctx, state, ch)
	if err != nil {
		return CodeSent{}, err
	}
	if err := s.allowed(ctx, userID, factorOf(ch)); err != nil {
		return CodeSent{}, err
	}
	if err := s.refuseSend(ctx, userID, c); err != nil {
		return CodeSent{}, err
	}
	return s.sendCode(ctx, userID, binding, d.Channel, d.Address, d.Address, text)
}

// VerifyLoginCode checks a code sent by ch for the pending login state. A
// wrong code counts in the same lockout as every other factor; asking for
// another code does not reset it.
func (s *Service) VerifyLoginCode(ctx context.Context, state string, ch oob.Channel, code string, c Client) error {
	n, err := oob.Normalize(code)
	if err != nil {
		return ErrMalformedCode
	}
	userID, _, binding, err := s.loginBinding(ctx, state, ch)
	if err != nil {
		return err
	}
	if err := s.allowed(ctx, userID, factorOf(ch)); err != nil {
		return err
	}
	kind := loginSMS
	if ch == oob.Email {
		kind = loginEmail
	}
	return s.attempt(ctx, userID, c, kind, func(ctx context.Context) error {
		return s.redeemCode(ctx, userID, binding, n)
	})
}

// factorOf is the kind of factor of the codes sent by ch.
func factorOf(ch oob.Channel) FactorKind {
	if ch == oob.SMS {
		return FactorSMS
	}
	return FactorEmail
}

// loginBinding opens a pending login and returns its user, their
// destination of ch and what a code for it is bound to: the state's nonce,
// which no other login has, and the destination, so a code sent to a
// number works no more once another replaces it.
func (s *Service) loginBinding(ctx context.Context, state string, ch oob.Channel) (userID string, d oob.Destination, binding string, err error) {
	if !s.CodesOn(ch) {
		return "", d, "", ErrCodesOff
	}
	userID, nonce, err := s.openPending(state)
	if err != nil {
		return "", d, "", err
	}
	if d, err = s.destination(ctx, userID, ch); err != nil {
		return "", d, "", err
	}
	return userID, d, "login:" + string(ch) + ":" + hex.EncodeToString(nonce) + ":" + d.Address, nil
}

// refuseSend refuses to send a code the user could not use: while they
// are locked out ([*LockedOutError]), or their codes suspended
// ([ErrSuspended]).
func (s *Service) refuseSend(ctx context.Context, userID string, c Client) error {
	if err := s.refuseIfLocked(ctx, userID, c, sending, userLimitKey(userID)); err != nil {
		return err
	}
	switch until, err := s.store.LockedUntil(ctx, failuresInARow(userID), s.cfg.Now()); {
	case err != nil:
		return unavailable(err)
	case !until.IsZero():
		return ErrSuspended
	}
	return nil
}

// destination returns the user's destination of ch, or ErrNotEnrolled.
func (s *Service) destination(ctx context.Context, userID string, ch oob.Channel) (oob.Destination, error) {
	if !s.CodesOn(ch) {
		return oob.Destination{}, ErrCodesOff
	}
	ds, err := s.codeStore().Destinations(ctx, userID)
	if err != nil {
		return oob.Destination{}, unavailable(err)
	}
	for _, d := range ds {
		if d.Channel == ch {
			return d, nil
		}
	}
	return oob.Destination{}, ErrNotEnrolled
}

// sendCode makes a code for userID and binding, stores its hash if the
// limits allow a send, with the hourly cap counting sends to counted, and
// sends it by ch to addr.
func (s *Service) sendCode(ctx context.Context, userID, binding string, ch oob.Channel, addr, counted string, text CodeText) (CodeSent, error) {
	if text == nil {
		return CodeSent{}, errors.New("portalmfa: no CodeText to write the code's message")
	}
	code, err := oob.NewCode(s.cfg.Rand)
	if err != nil {
		return CodeSent{}, unavailable(err)
	}
	now := s.cfg.Now()
	sent := CodeSent{Channel: ch, Expires: now.Add(oob.Validity), ResendAt: now.Add(s.codes.cfg.Limits.Cooldown)}
	c := oob.Code{UserID: userID, Binding: binding, Channel: ch, Destination: counted,
		Hash: s.codes.hashers[0].Hash(userID, binding, code), SentAt: now, ExpiresAt: sent.Expires}
	switch err := s.codeStore().SaveOOBCode(ctx, c, s.codes.cfg.Limits, now); {
	case errors.Is(err, oob.ErrCooldown), errors.Is(err, oob.ErrTooManySends):
		return CodeSent{}, err
	case err != nil:
		return CodeSent{}, unavailable(err)
	}
	subject, body := text(code)
	sctx, cancel := context.WithTimeout(ctx, s.codes.cfg.SendTimeout)
	defer cancel()
	if ch == oob.SMS {
		sent.To = phone.Mask(addr)
		if d := s.codes.cfg.Domain; d != "" {
			body += "\n\n@" + d + " #" + code
		}
		err = s.codes.cfg.SMS.SendSMS(sctx, addr, body)
	} else {
		sent.To = phone.MaskEmail(addr)
		err = s.codes.cfg.Email.SendEmail(sctx, addr, subject, body)
	}
	if err != nil {
		// The sender's error goes to the log, never to the page, with the
		// destination masked and the code hidden should it quote them.
		msg := strings.NewReplacer(addr, sent.To, strings.TrimPrefix(addr, "+"), sent.To, code, "••••••").Replace(err.Error())
		s.log.ErrorContext(ctx, "portalmfa: sending a code", "user", userID, "channel", ch, "err", msg)
		return CodeSent{}, ErrSendFailed
	}
	s.log.InfoContext(ctx, "portalmfa: code sent", "user", userID, "channel", ch)
	return sent, nil
}

// redeemCode uses up the user's code for binding, trying each key of the
// ring (a code lives minutes; the key may have changed meanwhile).
func (s *Service) redeemCode(ctx context.Context, userID, binding, normalized string) error {
	now := s.cfg.Now()
	for _, h := range s.codes.hashers {
		switch err := s.codeStore().RedeemOOBCode(ctx, userID, binding, h.Hash(userID, binding, normalized), now); {
		case err == nil:
			return nil
		case !errors.Is(err, oob.ErrInvalidCode):
			return unavailable(err)
		}
	}
	return ErrInvalidCode
}

// SendVerificationCode sends a code by ch to the user's destination, for a
// recent verification ([Service.ReverifySentCode]). Codes by email serve
// only when they are a factor of their own (Config.Codes.EmailAlone):
// as a fallback they prove too little to add a factor or make codes.
func (s *Service) SendVerificationCode(ctx context.Context, userID string, ch oob.Channel, text CodeText, c Client) (CodeSent, error) {
	d, err := s.verifyingDestination(ctx, userID, ch)
	if err != nil {
		return CodeSent{}, err
	}
	if err := s.refuseSend(ctx, userID, c); err != nil {
		return CodeSent{}, err
	}
	return s.sendCode(ctx, userID, verifyBinding(d), ch, d.Address, d.Address, text)
}

// ReverifySentCode checks a code of [Service.SendVerificationCode] and
// returns a proof of a factor, merged with what prev still holds. A wrong
// code counts in the lockout.
func (s *Service) ReverifySentCode(ctx context.Context, userID string, ch oob.Channel, code, prev string, c Client) (string, error) {
	n, err := oob.Normalize(code)
	if err != nil {
		return "", ErrMalformedCode
	}
	d, err := s.verifyingDestination(ctx, userID, ch)
	if err != nil {
		return "", err
	}
	err = s.attempt(ctx, userID, c, reverifyingSent, func(ctx context.Context) error {
		return s.redeemCode(ctx, userID, verifyBinding(d), n)
	})
	if err != nil {
		return "", err
	}
	return s.newProof(userID, prev, false)
}

// verifyBinding is what a code for a verification is bound to: its
// destination, so it proves nothing once another replaces it.
func verifyBinding(d oob.Destination) string { return "verify:" + string(d.Channel) + ":" + d.Address }

// verifyingDestination is the user's destination of ch when a code sent
// there may prove a factor.
func (s *Service) verifyingDestination(ctx context.Context, userID string, ch oob.Channel) (oob.Destination, error) {
	if ch == oob.Email && !s.EmailAlone() {
		return oob.Destination{}, ErrCodesOff
	}
	return s.destination(ctx, userID, ch)
}

// BeginPhone sends a code to number, which the user typed, to confirm it
// as their number for codes by SMS, in place of any other once confirmed
// ([Service.ConfirmPhone]). It needs the proof adding a factor needs; a
// second call is a resend, within the limits.
func (s *Service) BeginPhone(ctx context.Context, userID, number, proof string, text CodeText, c Client) (PhoneSetup, error) {
	if !s.CodesOn(oob.SMS) {
		return PhoneSetup{}, ErrCodesOff
	}
	e164, err := phone.Parse(number, s.codes.cfg.Region)
	if err != nil {
		return PhoneSetup{}, err
	}
	if _, err := s.checkAdd(ctx, userID, proof, FactorSMS); err != nil {
		return PhoneSetup{}, err
	}
	if err := s.refuseSend(ctx, userID, c); err != nil {
		return PhoneSetup{}, err
	}
	// The hourly cap of a number being confirmed is its own: anyone may
	// type anyone's number, and must not use up the owner's sends.
	sent, err := s.sendCode(ctx, userID, confirmBinding(e164), oob.SMS, e164, "confirm:"+e164, text)
	if err != nil {
		return PhoneSetup{}, err
	}
	return PhoneSetup{Number: e164, CodeSent: sent}, nil
}

func confirmBinding(e164 string) string { return "confirm:sms:" + e164 }

// ConfirmPhone checks the code sent to number by [Service.BeginPhone] and
// makes number the user's. For a first factor it returns the account's
// new backup codes, to show once. A wrong code counts in the lockout.
func (s *Service) ConfirmPhone(ctx context.Context, userID, number, code, proof string, c Client) (codes []string, err error) {
	if !s.CodesOn(oob.SMS) {
		return nil, ErrCodesOff
	}
	e164, err := phone.Parse(number, s.codes.cfg.Region)
	if err != nil {
		return nil, err
	}
	n, err := oob.Normalize(code)
	if err != nil {
		return nil, ErrMalformedCode
	}
	err = s.exclusive(ctx, userID, func() error {
		st, err := s.checkAdd(ctx, userID, proof, FactorSMS)
		if err != nil {
			return err
		}
		err = s.attempt(ctx, userID, c, confirmingCode, func(ctx context.Context) error {
			return s.redeemCode(ctx, userID, confirmBinding(e164), n)
		})
		if err != nil {
			return err
		}
		d := oob.Destination{UserID: userID, Channel: oob.SMS, Address: e164, ConfirmedAt: s.cfg.Now()}
		if err := s.codeStore().SaveDestination(ctx, d); err != nil {
			return unavailable(err)
		}
		kind := history.PhoneAdded
		if st.Factor(FactorSMS).State == On {
			kind = history.PhoneReplaced
		}
		s.event(ctx, c, history.Event{UserID: userID, Kind: kind})
		s.notify(ctx, c, Notification{Kind: NotifyPhoneAdded, UserID: userID})
		s.log.InfoContext(ctx, "portalmfa: phone confirmed", "user", userID)
		if !st.Enabled() {
			codes = s.firstFactorOn(ctx, userID, c)
		}
		return nil
	})
	return codes, err
}

// RemovePhone removes the user's number, once proof allows removing a
// factor ([RemoveFactor]).
//
// It works without an SMS sender too, for a number kept from before.
func (s *Service) RemovePhone(ctx context.Context, userID, proof string, c Client) error {
	if s.codeStore() == nil {
		return ErrCodesOff
	}
	return s.removeFactor(ctx, userID, proof, FactorSMS, c, func() error {
		if err := s.deleteDestination(ctx, userID, oob.SMS); err != nil {
			return err
		}
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.PhoneRemoved})
		s.notify(ctx, c, Notification{Kind: NotifyPhoneRemoved, UserID: userID})
		s.log.InfoContext(ctx, "portalmfa: phone removed", "user", userID)
		return nil
	})
}

func (s *Service) deleteDestination(ctx context.Context, userID string, ch oob.Channel) error {
	ok, err := s.codeStore().DeleteDestination(ctx, userID, ch)
	switch {
	case err != nil:
		return unavailable(err)
	case !ok:
		return ErrNotEnrolled
	}
	return nil
}

// EnableEmailCodes turns codes by email on for u, to u.Email, once proof
// allows adding a factor. Unless Config.Codes.EmailAlone, another factor
// must be on ([ErrEmailNeedsFactor]). With EmailAlone, a first factor's
// backup codes are returned, to show once. Codes keep going to the
// address of that moment: a host whose user changes address turns them
// off and on again.
func (s *Service) EnableEmailCodes(ctx context.Context, u User, proof string, c Client) (codes []string, err error) {
	if !s.CodesOn(oob.Email) {
		return nil, ErrCodesOff
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > 254 {
		return nil, ErrNoEmail
	}
	err = s.exclusive(ctx, u.ID, func() error {
		st, err := s.checkAdd(ctx, u.ID, proof, FactorEmail)
		switch {
		case err != nil:
			return err
		case st.Factor(FactorEmail).State == On:
			return ErrAlreadyEnabled
		case !st.Enabled() && !s.codes.cfg.EmailAlone:
			return ErrEmailNeedsFactor
		}
		d := oob.Destination{UserID: u.ID, Channel: oob.Email, Address: u.Email, ConfirmedAt: s.cfg.Now()}
		if err := s.codeStore().SaveDestination(ctx, d); err != nil {
			return unavailable(err)
		}
		s.event(ctx, c, history.Event{UserID: u.ID, Kind: history.EmailCodesOn})
		s.notify(ctx, c, Notification{Kind: NotifyEmailCodesOn, UserID: u.ID})
		s.log.InfoContext(ctx, "portalmfa: email codes on", "user", u.ID)
		if !st.Enabled() {
			codes = s.firstFactorOn(ctx, u.ID, c)
		}
		return nil
	})
	return codes, err
}

// DisableEmailCodes turns codes by email off, once proof allows
// ([RemoveEmailCodes]).
//
// It works without an email sender too.
func (s *Service) DisableEmailCodes(ctx context.Context, userID, proof string, c Client) error {
	if s.codeStore() == nil {
		return ErrCodesOff
	}
	return s.removeFactor(ctx, userID, proof, FactorEmail, c, func() error {
		if err := s.deleteDestination(ctx, userID, oob.Email); err != nil {
			return err
		}
		s.emailCodesOff(ctx, userID, c)
		return nil
	})
}

func (s *Service) emailCodesOff(ctx context.Context, userID string, c Client) {
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.EmailCodesOff})
	s.notify(ctx, c, Notification{Kind: NotifyEmailCodesOff, UserID: userID})
	s.log.InfoContext(ctx, "portalmfa: email codes off", "user", userID)
}

// codesFactor is the codes by SMS and by email as factors of the Service,
// whether it sends them or not (see Status.Factors).
type codesFactor struct{ store CodeStore }

func (f codesFactor) status(ctx context.Context, userID string) ([]Factor, error) {
	ds, err := f.store.Destinations(ctx, userID)
	if err != nil {
		return nil, unavailable(err)
	}
	sms, email := Factor{Kind: FactorSMS}, Factor{Kind: FactorEmail}
	for _, d := range ds {
		switch d.Channel {
		case oob.SMS:
			sms.State, sms.Since, sms.Count, sms.To = On, d.ConfirmedAt, 1, phone.Mask(d.Address)
		case oob.Email:
			email.State, email.Since, email.Count, email.To = On, d.ConfirmedAt, 1, phone.MaskEmail(d.Address)
		}
	}
	return []Factor{sms, email}, nil
}

func (f codesFactor) removeAll(ctx context.Context, userID string) error {
	for _, ch := range []oob.Channel{oob.SMS, oob.Email} {
		if _, err := f.store.DeleteDestination(ctx, userID, ch); err != nil {
			return unavailable(err)
		}
	}
	return nil
}
