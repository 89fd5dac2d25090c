// Package ceremony runs the WebAuthn ceremonies of passkeys on
// github.com/go-webauthn/webauthn: registration, a login bound to one user
// (the second factor, a re-verification) and a passwordless login, where the
// passkey names its user.
//
// Each Begin returns the options for the browser's navigator.credentials
// call, as JSON, and a state to keep server-side until the matching Finish
// (see [passkeys.CeremonyStore]: a state must be finished once). The states
// carry their own expiry, which go-webauthn enforces at Finish.
//
// Users are known to authenticators by a user handle, never by the host's
// user ID: the caller derives one per user (an HMAC of the ID), so that a
// passkey reveals nothing of the account it belongs to.
package ceremony

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/portalmfa/portalmfa/passkeys"
)

var (
	// ErrRefused: the browser's answer does not complete the ceremony (a
	// wrong origin or RP ID, a bad signature, another challenge, an expired
	// state, a missing user verification, an unknown passkey). The log gets
	// the detail; the user only needs to try again.
	ErrRefused = errors.New("passkeys: ceremony refused")
	// ErrClone: the passkey's signature counter went backwards or stood
	// still, a sign that the key was copied ([Used.Cloned]). The login is
	// refused.
	ErrClone = errors.New("passkeys: signature counter did not increase")
)

// MaxResponse bounds the size of a browser's answer that Finish reads; one
// with attestation "none" is about 1 KB.
const MaxResponse = 16 << 10

// Config configures a [RP].
type Config struct {
	// RPID is the relying party ID: the site's domain ("portal.example"),
	// or "localhost" for development on http://localhost:PORT. Browsers
	// refuse an IP address.
	RPID string
	// RPName is shown by some authenticators.
	RPName string
	// Origins are the origins allowed to run the ceremonies
	// ("https://portal.example"); each one's host must be RPID or a
	// subdomain of it.
	Origins []string
	// Timeout is how long a ceremony may take, in the browser and here.
	Timeout time.Duration
}

// RP is a relying party: it begins and finishes ceremonies.
type RP struct {
	w *webauthn.WebAuthn
}

// New checks cfg and returns its relying party.
func New(cfg Config) (*RP, error) {
	if cfg.RPID == "" || cfg.RPName == "" || len(cfg.Origins) == 0 || cfg.Timeout <= 0 {
		return nil, errors.New("passkeys: RPID, RPName, Origins and Timeout are required")
	}
	if strings.ContainsAny(cfg.RPID, ":/") || isIP(cfg.RPID) {
		return nil, fmt.Errorf("passkeys: RP ID %q must be a domain name, without scheme or port (browsers refuse IP addresses)", cfg.RPID)
	}
	for _, o := range cfg.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("passkeys: origin %q must be scheme://host[:port]", o)
		}
		host := u.Hostname()
		if host != cfg.RPID && !strings.HasSuffix(host, "."+cfg.RPID) {
			return nil, fmt.Errorf("passkeys: origin %q is not within RP ID %q", o, cfg.RPID)
		}
		if u.Scheme == "http" && host != "localhost" && !strings.HasSuffix(host, ".localhost") {
			return nil, fmt.Errorf("passkeys: origin %q: browsers allow passkeys over http only on localhost", o)
		}
	}
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout}
	w, err := webauthn.New(&webauthn.Config{
		RPID:                  cfg.RPID,
		RPDisplayName:         cfg.RPName,
		RPOrigins:             cfg.Origins,
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return &RP{w: w}, nil
}

func isIP(host string) bool {
	host = strings.Trim(host, "[]")
	return strings.Count(host, ":") > 1 || strings.Trim(host, "0123456789.") == ""
}

// User is the account a ceremony is about, as authenticators see it.
type User struct {
	// Handle is the user handle new passkeys get: at most 64 bytes; see
	// the package doc.
	Handle      []byte
	Name        string // the account name, shown when choosing a passkey
	DisplayName string
	Passkeys    []passkeys.Passkey
}

// BeginRegistration starts registering a new passkey for u. Its passkeys
// are excluded, so an authenticator that holds one already says so. A
// resident key and user verification are preferred, not required: a
// security key without a PIN still makes a second factor.
func (rp *RP) BeginRegistration(u User) (options, state []byte, err error) {
	creation, session, err := rp.w.BeginRegistration(waUser{u},
		webauthn.WithExclusions(webauthn.Credentials(credentials(u.Passkeys)).CredentialDescriptors()),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		}),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("passkeys: begin registration: %w", err)
	}
	return marshal(creation, session)
}

// FinishRegistration checks the browser's answer to BeginRegistration and
// returns the new passkey, with the fields the ceremony knows (not UserID,
// Name, CreatedAt nor CreatedOn).
func (rp *RP) FinishRegistration(u User, state, response []byte) (passkeys.Passkey, error) {
	session, err := unmarshalState(state)
	if err != nil {
		return passkeys.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return passkeys.Passkey{}, refused(err)
	}
	c, err := rp.w.CreateCredential(waUser{u}, session, parsed)
	if err != nil {
		return passkeys.Passkey{}, refused(err)
	}
	p := passkeys.Passkey{
		ID:              c.ID,
		PublicKey:       c.PublicKey,
		AAGUID:          c.Authenticator.AAGUID,
		SignCount:       c.Authenticator.SignCount,
		AttestationType: c.AttestationType,
		UserVerified:    c.Flags.UserVerified,
		BackupEligible:  c.Flags.BackupEligible,
		BackedUp:        c.Flags.BackupState,
	}
	for _, t := range c.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	return p, nil
}

// BeginLogin starts a login of u with one of its passkeys: the second
// factor, or proof of presence before a sensitive change. User verification
// is preferred; requireUV makes it required.
func (rp *RP) BeginLogin(u User, requireUV bool) (options, state []byte, err error) {
	if len(u.Passkeys) == 0 {
		return nil, nil, passkeys.ErrUnknownPasskey
	}
	assertion, session, err := rp.w.BeginLogin(waUser{u}, userVerification(requireUV))
	if err != nil {
		return nil, nil, fmt.Errorf("passkeys: begin login: %w", err)
	}
	return marshal(assertion, session)
}

// BeginPasswordless starts a login where the browser offers whatever
// passkey it holds for the site, and the passkey names its user. User
// verification is required: the passkey stands in for the password too.
// conditional asks for the browser's autofill (mediation "conditional")
// rather than a dialog.
func (rp *RP) BeginPasswordless(conditional bool) (options, state []byte, err error) {
	mediation := protocol.MediationDefault
	if conditional {
		mediation = protocol.MediationConditional
	}
	assertion, session, err := rp.w.BeginDiscoverableMediatedLogin(mediation, userVerification(true))
	if err != nil {
		return nil, nil, fmt.Errorf("passkeys: begin passwordless login: %w", err)
	}
	return marshal(assertion, session)
}

// Assertion is a parsed answer to a login, before it is checked: it names
// the passkey, so the caller can find its owner.
type Assertion struct {
	parsed *protocol.ParsedCredentialAssertionData
}

// ParseAssertion parses the browser's answer to a login.
func ParseAssertion(response []byte) (*Assertion, error) {
	if len(response) > MaxResponse {
		return nil, fmt.Errorf("%w: answer too large", ErrRefused)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, refused(err)
	}
	return &Assertion{parsed: parsed}, nil
}

// PasskeyID is the credential ID the answer was made with.
func (a *Assertion) PasskeyID() []byte { return a.parsed.RawID }

// Used is what a login with a passkey says of it.
type Used struct {
	ID []byte
	// SignCount is the authenticator's counter now; Prev the stored one.
	SignCount, Prev uint32
	BackedUp        bool
	UserVerified    bool // the authenticator verified the user this time
}

// Cloned reports a counter that did not increase: a sign the passkey was
// copied (WebAuthn §6.1.1; passkeys that do not count send 0 each time).
func (u Used) Cloned() bool {
	return u.SignCount <= u.Prev && (u.SignCount != 0 || u.Prev != 0)
}

// FinishLogin checks an answer to BeginLogin or BeginPasswordless (state
// says which) against u, the passkey's owner with all their passkeys. It
// leaves the counter to the caller ([Used.Cloned]), who may need to spend
// the ceremony first: a replay of a genuine answer is a replay, not a
// clone.
func (rp *RP) FinishLogin(u User, state []byte, a *Assertion) (Used, error) {
	session, err := unmarshalState(state)
	if err != nil {
		return Used{}, err
	}
	// go-webauthn compares the counter with the stored one; with none
	// given it only takes the new one.
	stored := u.Passkeys
	u.Passkeys = make([]passkeys.Passkey, len(stored))
	for i, p := range stored {
		p.SignCount = 0
		u.Passkeys[i] = p
	}
	// The caller names u, the passkey's owner (found by the credential
	// ID, or the user the ceremony was begun for), and the passkey must be
	// one of u's. The handle it carries is the one it was registered with,
	// perhaps under a key since retired: u is known by it for this login.
	if h := a.parsed.Response.UserHandle; len(h) > 0 {
		u.Handle = h
	}
	var c *webauthn.Credential
	if len(session.UserID) == 0 {
		_, c, err = rp.w.ValidatePasskeyLogin(func(_, handle []byte) (webauthn.User, error) {
			if !bytes.Equal(handle, u.Handle) {
				return nil, passkeys.ErrUnknownPasskey
			}
			return waUser{u}, nil
		}, session, a.parsed)
	} else {
		// The ceremony was begun for u (the caller checks that): its
		// handle is whichever of u's the passkey knows.
		session.UserID = u.Handle
		c, err = rp.w.ValidateLogin(waUser{u}, session, a.parsed)
	}
	if err != nil {
		return Used{}, refused(err)
	}
	used := Used{
		ID:           c.ID,
		SignCount:    c.Authenticator.SignCount,
		BackedUp:     c.Flags.BackupState,
		UserVerified: a.parsed.Response.AuthenticatorData.Flags.HasUserVerified(),
	}
	for _, p := range stored {
		if bytes.Equal(p.ID, c.ID) {
			used.Prev = p.SignCount
		}
	}
	return used, nil
}

func userVerification(required bool) webauthn.LoginOption {
	uv := protocol.VerificationPreferred
	if required {
		uv = protocol.VerificationRequired
	}
	return func(o *protocol.PublicKeyCredentialRequestOptions) error {
		o.UserVerification = uv
		return nil
	}
}

// refused wraps a go-webauthn error, whose detail is for the log.
func refused(err error) error {
	if pe, ok := errors.AsType[*protocol.Error](err); ok && pe.DevInfo != "" {
		return fmt.Errorf("%w: %w (%s)", ErrRefused, err, pe.DevInfo)
	}
	return fmt.Errorf("%w: %w", ErrRefused, err)
}

func marshal(options any, session *webauthn.SessionData) ([]byte, []byte, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, err
	}
	s, err := json.Marshal(session)
	if err != nil {
		return nil, nil, err
	}
	return o, s, nil
}

func unmarshalState(state []byte) (webauthn.SessionData, error) {
	var s webauthn.SessionData
	if err := json.Unmarshal(state, &s); err != nil {
		return s, fmt.Errorf("passkeys: ceremony state: %w", err)
	}
	return s, nil
}

// waUser is u as go-webauthn's User.
type waUser struct{ u User }

func (w waUser) WebAuthnID() []byte          { return w.u.Handle }
func (w waUser) WebAuthnName() string        { return w.u.Name }
func (w waUser) WebAuthnDisplayName() string { return w.u.DisplayName }
func (w waUser) WebAuthnCredentials() []webauthn.Credential {
	return credentials(w.u.Passkeys)
}

func credentials(ps []passkeys.Passkey) []webauthn.Credential {
	cs := make([]webauthn.Credential, len(ps))
	for i, p := range ps {
		var transports []protocol.AuthenticatorTransport
		for _, t := range p.Transports {
			transports = append(transports, protocol.AuthenticatorTransport(t))
		}
		cs[i] = webauthn.Credential{
			ID:              p.ID,
			PublicKey:       p.PublicKey,
			AttestationType: p.AttestationType,
			Transport:       transports,
			Flags: webauthn.CredentialFlags{
				UserVerified:   p.UserVerified,
				BackupEligible: p.BackupEligible,
				BackupState:    p.BackedUp,
			},
			Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount},
		}
	}
	return cs
}
