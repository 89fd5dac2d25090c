package portalmfa_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/totp"
)

// outbox is a sender of both kinds that keeps what it sent, or fails.
type outbox struct {
	mu   sync.Mutex
	sent []sentMessage
	fail error
	hang bool // wait for the context to end
}

type sentMessage struct{ To, Subject, Body string }

func (o *outbox) SendSMS(ctx context.Context, to, text string) error {
	return o.send(ctx, sentMessage{To: to, Body: text})
}

func (o *outbox) SendEmail(ctx context.Context, to, subject, body string) error {
	return o.send(ctx, sentMessage{To: to, Subject: subject, Body: body})
}

func (o *outbox) send(ctx context.Context, m sentMessage) error {
	o.mu.Lock()
	fail, hang := o.fail, o.hang
	o.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	if fail != nil {
		return fail
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// lastCode is the code of the last message sent.
func (o *outbox) lastCode(t testing.TB) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	require.NotEmpty(t, o.sent, "nothing was sent")
	code := sixDigits.FindString(o.sent[len(o.sent)-1].Body)
	require.NotEmpty(t, code, "no code in %q", o.sent[len(o.sent)-1].Body)
	return code
}

func (o *outbox) last() sentMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent[len(o.sent)-1]
}

func codeText(code string) (string, string) {
	return "Your Acme Portal code", "Your Acme Portal code is " + code + "."
}

const aliceMobile = "+33612345678"

// withCodes gives the fixture both senders, the outbox o.
func withCodes(o *outbox, edit func(*portalmfa.CodesConfig)) func(*portalmfa.Config) {
	return func(c *portalmfa.Config) {
		c.Codes = portalmfa.CodesConfig{SMS: o, Email: o, EmailVerified: true, Region: "FR", Domain: "portal.example"}
		if edit != nil {
			edit(&c.Codes)
		}
	}
}

// addPhone confirms aliceMobile for u with proof and returns the first
// factor's backup codes, if any.
func (f *fixture) addPhone(t testing.TB, o *outbox, u portalmfa.User, proof string) []string {
	t.Helper()
	ctx := context.Background()
	setup, err := f.svc.BeginPhone(ctx, u.ID, "06 12 34 56 78", proof, codeText, portalmfa.Client{})
	require.NoError(t, err)
	require.Equal(t, aliceMobile, setup.Number)
	codes, err := f.svc.ConfirmPhone(ctx, u.ID, setup.Number, o.lastCode(t), proof, portalmfa.Client{IP: "192.0.2.1"})
	require.NoError(t, err)
	return codes
}

// addPhoneAndEmail gives u a phone, with codes by email beside it, a
// minute ago.
func (f *fixture) addPhoneAndEmail(t testing.TB, o *outbox, u portalmfa.User) {
	t.Helper()
	codes := f.addPhone(t, o, u, f.proof(t, u.ID))
	_, err := f.svc.EnableEmailCodes(context.Background(), u, f.codeProof(t, u.ID, codes[0]), portalmfa.Client{})
	require.NoError(t, err)
	f.clock.Add(time.Minute)
}

// pending is a new pending login of userID.
func (f *fixture) pending(t testing.TB, userID string) string {
	t.Helper()
	state, _, err := f.svc.NewPendingLogin(userID)
	require.NoError(t, err)
	return state
}

// A phone can be the only factor: confirming it turns 2FA on with backup
// codes, and its codes pass the challenge, each once.
func TestPhoneOnlyUser(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	proof := f.proof(t, alice.ID)

	setup, err := f.svc.BeginPhone(ctx, alice.ID, "06 12 34 56 78", proof, codeText, portalmfa.Client{})
	require.NoError(t, err)
	assert.Equal(t, "+33 • •• •• •• 78", setup.To)
	assert.Equal(t, aliceMobile, o.last().To)
	lines := strings.Split(o.last().Body, "\n")
	assert.Equal(t, "@portal.example #"+o.lastCode(t), lines[len(lines)-1], "the origin-bound line comes last")

	_, err = f.svc.ConfirmPhone(ctx, alice.ID, setup.Number, "000000", proof, c)
	var failed *portalmfa.FailedAttemptError
	require.ErrorAs(t, err, &failed, "a wrong code is a counted failure")
	assert.Equal(t, 4, failed.Left)
	_, err = f.svc.ConfirmPhone(ctx, alice.ID, "+33698765432", o.lastCode(t), proof, c)
	assert.ErrorIs(t, err, portalmfa.ErrInvalidCode, "the code confirms only the number it went to")
	_, err = f.svc.ConfirmPhone(ctx, bob.ID, setup.Number, o.lastCode(t), f.proof(t, bob.ID), c)
	assert.ErrorIs(t, err, portalmfa.ErrInvalidCode, "nor for another user")

	codes, err := f.svc.ConfirmPhone(ctx, alice.ID, setup.Number, o.lastCode(t), proof, c)
	require.NoError(t, err)
	assert.Len(t, codes, 10, "a first factor brings the backup codes")
	st := mustStatus(t, f, alice.ID)
	assert.True(t, st.Enabled())
	sms := st.Factor(portalmfa.FactorSMS)
	assert.Equal(t, portalmfa.On, sms.State)
	assert.Equal(t, "+33 • •• •• •• 78", sms.To)
	assert.Equal(t, 10, st.BackupCodes)

	state := f.pending(t, alice.ID)
	f.clock.Add(time.Minute)
	sent, err := f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	require.NoError(t, err)
	assert.Equal(t, oob.SMS, sent.Channel)
	assert.Equal(t, f.clock.Now().Add(time.Minute), sent.ResendAt)
	code := o.lastCode(t)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.Email, code, c), portalmfa.ErrNotEnrolled, "no email codes for this user")
	require.NoError(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, code, c))
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, code, c), portalmfa.ErrInvalidCode, "a code works once")

	h, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	require.NotEmpty(t, h)
	assert.Equal(t, history.SMS, h[1].Method, "newest first: the replay, then the success")
	assert.True(t, h[1].Success)

	assert.NotContains(t, f.log.String(), code, "codes never reach the log")
	assert.NotContains(t, f.log.String(), "612345678", "nor numbers")
}

// A code is bound to its login and channel, lasts oob.Validity, and a
// newer one voids it.
func TestLoginCodeBinding(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	f.addPhoneAndEmail(t, o, alice)
	var err error

	state := f.pending(t, alice.ID)
	_, err = f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	require.NoError(t, err)
	code := o.lastCode(t)

	other := f.pending(t, alice.ID)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, other, oob.SMS, code, c), portalmfa.ErrInvalidCode, "another login")
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.Email, code, c), portalmfa.ErrInvalidCode, "another channel")
	bobState := f.pending(t, bob.ID)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, bobState, oob.SMS, code, c), portalmfa.ErrNotEnrolled, "another user")

	f.clock.Add(time.Minute)
	sent, err := f.svc.SendLoginCode(ctx, state, oob.Email, codeText, c)
	require.NoError(t, err)
	assert.Equal(t, "a•••@example.com", sent.To)
	assert.Equal(t, alice.Email, o.last().To)
	assert.Equal(t, "Your Acme Portal code", o.last().Subject)
	assert.NotContains(t, o.last().Body, "@portal.example #", "the origin-bound line is for SMS")
	emailCode := o.lastCode(t)

	f.clock.Add(time.Minute)
	_, err = f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	require.NoError(t, err)
	if newer := o.lastCode(t); newer != code {
		assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, code, c), portalmfa.ErrInvalidCode, "a newer code voids the older")
	}

	f.clock.Add(oob.Validity - 2*time.Minute)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.Email, emailCode, c), portalmfa.ErrPendingExpired, "the login expired first")
}

// Codes expire after oob.Validity. (A login's last less: a code for a
// verification, which no state bounds, shows it.)
func TestCodeExpires(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	f.addPhone(t, o, alice, f.proof(t, alice.ID))
	f.clock.Add(time.Minute)
	_, err := f.svc.SendVerificationCode(ctx, alice.ID, oob.SMS, codeText, c)
	require.NoError(t, err)
	f.clock.Add(oob.Validity)
	_, err = f.svc.ReverifySentCode(ctx, alice.ID, oob.SMS, o.lastCode(t), "", c)
	assert.ErrorIs(t, err, portalmfa.ErrInvalidCode, "expired")

	state := f.pending(t, alice.ID)
	f.clock.Add(time.Minute)
	_, err = f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	require.NoError(t, err)
	f.clock.Add(5 * time.Minute)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, o.lastCode(t), c), portalmfa.ErrPendingExpired, "the login expired first")
}

// Typing someone's number, however often, uses none of the sends their
// sign-in needs; sends are refused while the user is locked out; and a
// code goes with the number it was sent to.
func TestSendsAndNumbers(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	codes := f.addPhone(t, o, alice, f.proof(t, alice.ID))

	proof := f.proof(t, bob.ID)
	for range 4 { // the confirmation of alice's own was the first
		f.clock.Add(time.Minute)
		_, err := f.svc.BeginPhone(ctx, bob.ID, aliceMobile, proof, codeText, c)
		require.NoError(t, err)
	}
	f.clock.Add(time.Minute)
	_, err := f.svc.BeginPhone(ctx, bob.ID, aliceMobile, proof, codeText, c)
	assert.ErrorIs(t, err, portalmfa.ErrTooManySends, "a number being confirmed is capped")
	state := f.pending(t, alice.ID)
	_, err = f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	require.NoError(t, err, "alice's sign-in has its own sends")
	code := o.lastCode(t)

	f.clock.Add(time.Minute)
	proof = f.codeProof(t, alice.ID, codes[0])
	setup, err := f.svc.BeginPhone(ctx, alice.ID, "+33698765432", proof, codeText, c)
	require.NoError(t, err)
	_, err = f.svc.ConfirmPhone(ctx, alice.ID, setup.Number, o.lastCode(t), proof, c)
	require.NoError(t, err)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, code, c), portalmfa.ErrInvalidCode, "the code went to the old number")

	for range 4 {
		_ = f.svc.VerifyLoginCode(ctx, state, oob.SMS, "000000", c)
	}
	locked, err := f.svc.LockedOut(ctx, alice.ID)
	require.NoError(t, err)
	require.NotNil(t, locked)
	sends := len(o.sent)
	_, err = f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	assert.ErrorIs(t, err, portalmfa.ErrLockedOut, "no code while locked out")
	_, err = f.svc.SendVerificationCode(ctx, alice.ID, oob.SMS, codeText, c)
	assert.ErrorIs(t, err, portalmfa.ErrLockedOut)
	assert.Len(t, o.sent, sends, "nothing sent")
}

// The limits: a cooldown between sends, five an hour per user and per
// destination; every backend enforces them (storetest.RunOOB), and the
// Service reports them.
func TestSendLimits(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	f.addPhone(t, o, alice, f.proof(t, alice.ID)) // the first send
	state := f.pending(t, alice.ID)

	_, err := f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	var limit *oob.LimitError
	require.ErrorAs(t, err, &limit)
	assert.ErrorIs(t, err, portalmfa.ErrCooldown)
	assert.Equal(t, f.clock.Now().Add(time.Minute), limit.Until)
	for range 4 {
		f.clock.Add(time.Minute)
		_, err := f.svc.SendLoginCode(ctx, f.pending(t, alice.ID), oob.SMS, codeText, c)
		require.NoError(t, err)
	}
	f.clock.Add(time.Minute)
	_, err = f.svc.SendLoginCode(ctx, f.pending(t, alice.ID), oob.SMS, codeText, c)
	assert.ErrorIs(t, err, portalmfa.ErrTooManySends, "five an hour")
	assert.Len(t, o.sent, 5)
}

// Wrong codes by SMS count in the user's one lockout with the app's, and
// a resend does not reset it.
func TestLoginCodeSharesLockout(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	secret, codes := f.enrollWithCodes(t, alice)
	f.clock.Add(totp.Period)
	f.addPhone(t, o, alice, f.codeProof(t, alice.ID, codes[0]))
	state := f.pending(t, alice.ID)

	for range 2 {
		assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, "000000", c), portalmfa.ErrInvalidCode)
	}
	f.clock.Add(time.Minute)
	_, err := f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	require.NoError(t, err)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, "000000", c), portalmfa.ErrInvalidCode)
	f.clock.Add(time.Minute)
	_, err = f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, c)
	require.NoError(t, err, "a resend")
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, "000000", c), portalmfa.ErrInvalidCode)
	err = f.svc.VerifyLoginCode(ctx, state, oob.SMS, "000000", c)
	assert.ErrorIs(t, err, portalmfa.ErrLockedOut, "the fifth failure of any kind locks")
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, o.lastCode(t), c), portalmfa.ErrLockedOut, "even the right code waits")
	assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c), portalmfa.ErrLockedOut, "and the app")
}

// A sender that fails or hangs gives ErrSendFailed in bounded time, with
// nothing of the destination in the error, and nothing counted against the
// user.
func TestSendFailure(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, func(cc *portalmfa.CodesConfig) { cc.SendTimeout = 50 * time.Millisecond }))
	f.addPhone(t, o, alice, f.proof(t, alice.ID))

	o.fail = errors.New("gateway said no to +33612345678")
	f.clock.Add(time.Minute)
	_, err := f.svc.SendLoginCode(ctx, f.pending(t, alice.ID), oob.SMS, codeText, c)
	require.ErrorIs(t, err, portalmfa.ErrSendFailed)
	assert.Contains(t, f.log.String(), "gateway said no to +33 • •• •• •• 78", "the sender's error is logged, masked")

	o.fail, o.hang = nil, true
	f.clock.Add(time.Minute)
	start := time.Now()
	_, err = f.svc.SendLoginCode(ctx, f.pending(t, alice.ID), oob.SMS, codeText, c)
	require.ErrorIs(t, err, portalmfa.ErrSendFailed)
	assert.Less(t, time.Since(start), 5*time.Second, "the timeout ended the send")

	locked, err := f.svc.LockedOut(ctx, alice.ID)
	require.NoError(t, err)
	assert.Nil(t, locked)
	h, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	assert.Empty(t, h, "a failed send is no attempt")
}

func TestPhoneNumbers(t *testing.T) {
	ctx := context.Background()
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	proof := f.proof(t, alice.ID)
	for _, tc := range []struct {
		name, number string
		err          error
	}{
		{"empty", "", portalmfa.ErrInvalidNumber},
		{"letters", "call me", portalmfa.ErrInvalidNumber},
		{"oversized", strings.Repeat("6", 10_000), portalmfa.ErrInvalidNumber},
		{"too short", "+33 6 12", portalmfa.ErrInvalidNumber},
		{"landline", "+33 1 42 68 53 00", portalmfa.ErrNotMobile},
		{"no such country", "+999 612345678", portalmfa.ErrInvalidNumber},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.BeginPhone(ctx, alice.ID, tc.number, proof, codeText, portalmfa.Client{})
			assert.ErrorIs(t, err, tc.err)
		})
	}
	assert.Empty(t, o.sent, "nothing was sent")

	t.Run("foreign, with its country code", func(t *testing.T) {
		setup, err := f.svc.BeginPhone(ctx, alice.ID, "+44 7911 123456", proof, codeText, portalmfa.Client{})
		require.NoError(t, err)
		assert.Equal(t, "+447911123456", setup.Number)
	})
	t.Run("without a region, a national number is refused", func(t *testing.T) {
		g := newFixtureWith(t, withCodes(o, func(cc *portalmfa.CodesConfig) { cc.Region = "" }))
		_, err := g.svc.BeginPhone(ctx, alice.ID, "06 12 34 56 78", g.proof(t, alice.ID), codeText, portalmfa.Client{})
		assert.ErrorIs(t, err, portalmfa.ErrInvalidNumber)
	})
	t.Run("a stolen session alone adds no phone", func(t *testing.T) {
		_, err := f.svc.BeginPhone(ctx, bob.ID, aliceMobile, "", codeText, portalmfa.Client{})
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded)
	})
}

// Replacing the number needs a factor, keeps the old one working until the
// new one is confirmed, and removing it is removing a factor.
func TestReplaceAndRemovePhone(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	codes := f.addPhone(t, o, alice, f.proof(t, alice.ID))
	f.clock.Add(time.Minute)

	_, err := f.svc.BeginPhone(ctx, alice.ID, "+33698765432", f.proof(t, alice.ID), codeText, portalmfa.Client{})
	assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "with 2FA on, a password alone does not change the number")
	proof := f.codeProof(t, alice.ID, codes[0])
	setup, err := f.svc.BeginPhone(ctx, alice.ID, "+33698765432", proof, codeText, portalmfa.Client{})
	require.NoError(t, err)
	assert.Equal(t, "+33 • •• •• •• 78", mustStatus(t, f, alice.ID).Factor(portalmfa.FactorSMS).To, "the old number stands until the new one is confirmed")
	again, err := f.svc.ConfirmPhone(ctx, alice.ID, setup.Number, o.lastCode(t), proof, c)
	require.NoError(t, err)
	assert.Nil(t, again, "no new codes for a replacement")
	st := mustStatus(t, f, alice.ID)
	assert.Equal(t, "+33 • •• •• •• 32", st.Factor(portalmfa.FactorSMS).To)
	assert.Equal(t, 9, st.BackupCodes)
	events, err := f.svc.SecurityEvents(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, history.PhoneReplaced, events[0].Kind)

	assert.ErrorIs(t, f.svc.RemovePhone(ctx, alice.ID, f.codeProof(t, alice.ID, codes[1]), c), portalmfa.ErrVerificationNeeded, "the last factor needs the password")
	require.NoError(t, f.svc.RemovePhone(ctx, alice.ID, f.proof(t, alice.ID), c))
	st = mustStatus(t, f, alice.ID)
	assert.False(t, st.Enabled())
	assert.Zero(t, st.BackupCodes)
	assert.ErrorIs(t, f.svc.RemovePhone(ctx, alice.ID, f.proof(t, alice.ID), c), portalmfa.ErrNotEnrolled)
}

// Codes by email are a fallback unless the host opts in: they need
// another factor, cost only any verification to turn off, and go with the
// last other factor.
func TestEmailCodes(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}

	t.Run("a fallback", func(t *testing.T) {
		o := new(outbox)
		f := newFixtureWith(t, withCodes(o, nil))
		_, err := f.svc.EnableEmailCodes(ctx, alice, f.proof(t, alice.ID), c)
		assert.ErrorIs(t, err, portalmfa.ErrEmailNeedsFactor)
		_, err = f.svc.EnableEmailCodes(ctx, bob, f.proof(t, bob.ID), c)
		assert.ErrorIs(t, err, portalmfa.ErrNoEmail)
		_, codes := f.enrollWithCodes(t, alice)
		_, err = f.svc.EnableEmailCodes(ctx, alice, f.proof(t, alice.ID), c)
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "adding a factor needs a factor")
		got, err := f.svc.EnableEmailCodes(ctx, alice, f.codeProof(t, alice.ID, codes[0]), c)
		require.NoError(t, err)
		assert.Nil(t, got)
		_, err = f.svc.EnableEmailCodes(ctx, alice, f.codeProof(t, alice.ID, codes[1]), c)
		assert.ErrorIs(t, err, portalmfa.ErrAlreadyEnabled)
		st := mustStatus(t, f, alice.ID)
		email := st.Factor(portalmfa.FactorEmail)
		assert.Equal(t, portalmfa.On, email.State)
		assert.True(t, email.Fallback)
		assert.Equal(t, 1, st.Credentials(), "a fallback is no credential")

		need, err := f.svc.Needs(ctx, alice.ID, f.codeProof(t, alice.ID, codes[2]), portalmfa.RemoveEmailCodes)
		require.NoError(t, err)
		assert.Equal(t, portalmfa.NeedNothing, need, "turning a fallback off needs any verification")
		need, _ = f.svc.Needs(ctx, alice.ID, f.codeProof(t, alice.ID, codes[3]), portalmfa.RemoveFactor)
		assert.Equal(t, portalmfa.NeedPassword, need, "the app is the last credential")

		require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c))
		st = mustStatus(t, f, alice.ID)
		assert.False(t, st.Enabled())
		assert.Equal(t, portalmfa.Off, st.Factor(portalmfa.FactorEmail).State, "the fallback went with the last factor")
	})
	t.Run("alone, when the host opts in", func(t *testing.T) {
		o := new(outbox)
		f := newFixtureWith(t, withCodes(o, func(cc *portalmfa.CodesConfig) { cc.EmailAlone = true }))
		codes, err := f.svc.EnableEmailCodes(ctx, alice, f.proof(t, alice.ID), c)
		require.NoError(t, err)
		assert.Len(t, codes, 10)
		st := mustStatus(t, f, alice.ID)
		assert.True(t, st.Enabled())
		state := f.pending(t, alice.ID)
		_, err = f.svc.SendLoginCode(ctx, state, oob.Email, codeText, c)
		require.NoError(t, err)
		require.NoError(t, f.svc.VerifyLoginCode(ctx, state, oob.Email, o.lastCode(t), c))
		assert.ErrorIs(t, f.svc.DisableEmailCodes(ctx, alice.ID, f.codeProof(t, alice.ID, codes[0]), c), portalmfa.ErrVerificationNeeded)
		require.NoError(t, f.svc.DisableEmailCodes(ctx, alice.ID, f.proof(t, alice.ID), c))
		assert.False(t, mustStatus(t, f, alice.ID).Enabled())
	})
	t.Run("only for verified addresses", func(t *testing.T) {
		_, err := portalmfa.New(portalmfa.Config{Issuer: "Acme", Keys: [][]byte{testKey}, Store: newFixture(t, nil).store,
			CheckPassword: func(context.Context, string, string) (bool, error) { return false, nil },
			Codes:         portalmfa.CodesConfig{Email: new(outbox)}})
		assert.ErrorContains(t, err, "EmailVerified")
	})
}

// Without a sender a channel is off: not a factor, and refused.
func TestCodesOff(t *testing.T) {
	ctx := context.Background()
	f := newFixtureWith(t, withCodes(new(outbox), func(cc *portalmfa.CodesConfig) { cc.Email = nil }))
	assert.True(t, f.svc.CodesOn(oob.SMS))
	assert.False(t, f.svc.CodesOn(oob.Email))
	_, err := f.svc.SendLoginCode(ctx, f.pending(t, alice.ID), oob.Email, codeText, portalmfa.Client{})
	assert.ErrorIs(t, err, portalmfa.ErrCodesOff)
	_, err = f.svc.EnableEmailCodes(ctx, alice, "", portalmfa.Client{})
	assert.ErrorIs(t, err, portalmfa.ErrCodesOff)
}

// A factor stays on, and 2FA closed, when the Service stops offering it:
// a sender, or the passkeys' configuration, gone from Config. Reset takes
// it away all the same.
func TestFactorsOutliveTheirConfiguration(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	store := memory.New()
	f := newFixtureWith(t, func(cfg *portalmfa.Config) { withCodes(o, nil)(cfg); cfg.Store = store })
	f.addPhone(t, o, alice, f.proof(t, alice.ID))
	alone := newFixtureWith(t, func(cfg *portalmfa.Config) {
		withCodes(o, func(cc *portalmfa.CodesConfig) { cc.EmailAlone = true })(cfg)
		cfg.Store = store
	})
	_, err := alone.svc.EnableEmailCodes(ctx, bob2, alone.proof(t, bob2.ID), c)
	require.NoError(t, err)
	p := newFixtureWith(t, withPasskeys(func(cfg *portalmfa.Config) { cfg.Store = store }))
	_, err = p.addPasskey(t, newAuthenticator(), carol, p.proof(t, carol.ID))
	require.NoError(t, err)

	bare := newFixture(t, store) // no senders, no passkeys
	for _, u := range []portalmfa.User{alice, bob2, carol} {
		required, err := bare.svc.SecondFactorRequired(ctx, u.ID)
		require.NoError(t, err)
		assert.True(t, required, "%s still has a factor", u.ID)
	}
	emailOnly := newFixtureWith(t, func(cfg *portalmfa.Config) { withCodes(o, nil)(cfg); cfg.Store = store })
	st := mustStatus(t, emailOnly, bob2.ID)
	assert.True(t, st.Enabled(), "email alone keeps 2FA on once EmailAlone is gone")
	assert.False(t, st.Factor(portalmfa.FactorEmail).Fallback)

	require.NoError(t, bare.svc.ResetSecondFactor(ctx, alice.ID))
	ds, err := store.Destinations(ctx, alice.ID)
	require.NoError(t, err)
	assert.Empty(t, ds, "reset removes the number, sender or not")
}

// Fifty concurrent submissions of one code at the challenge: one success.
// (storetest.RunOOB holds every backend to the same at the store.)
func TestLoginCodeConcurrent(t *testing.T) {
	ctx := context.Background()
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	f.addPhone(t, o, alice, f.proof(t, alice.ID))
	state := f.pending(t, alice.ID)
	f.clock.Add(time.Minute)
	_, err := f.svc.SendLoginCode(ctx, state, oob.SMS, codeText, portalmfa.Client{})
	require.NoError(t, err)
	code := o.lastCode(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 50 {
		wg.Go(func() {
			err := f.svc.VerifyLoginCode(ctx, state, oob.SMS, code, portalmfa.Client{IP: "192.0.2." + string(rune('0'+i%10))})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, ok)
}

// A phone proves a factor for a sensitive change, as the app does: a
// code sent for it, once. Codes by email, a fallback, prove nothing.
func TestReverifyWithSentCode(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	o := new(outbox)
	f := newFixtureWith(t, withCodes(o, nil))
	f.addPhoneAndEmail(t, o, alice)
	var err error

	_, err = f.svc.SendVerificationCode(ctx, alice.ID, oob.Email, codeText, portalmfa.Client{})
	assert.ErrorIs(t, err, portalmfa.ErrCodesOff, "a fallback proves no factor")
	_, err = f.svc.SendVerificationCode(ctx, bob.ID, oob.SMS, codeText, portalmfa.Client{})
	assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled)

	_, err = f.svc.SendVerificationCode(ctx, alice.ID, oob.SMS, codeText, portalmfa.Client{})
	require.NoError(t, err)
	code := o.lastCode(t)
	_, err = f.svc.ReverifySentCode(ctx, alice.ID, oob.SMS, "12345", "", c)
	assert.ErrorIs(t, err, portalmfa.ErrMalformedCode)
	_, err = f.svc.ReverifySentCode(ctx, bob.ID, oob.SMS, code, "", c)
	assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled, "another user's code")
	state := f.pending(t, alice.ID)
	assert.ErrorIs(t, f.svc.VerifyLoginCode(ctx, state, oob.SMS, code, c), portalmfa.ErrInvalidCode, "a verification code signs no one in")

	proof, err := f.svc.ReverifySentCode(ctx, alice.ID, oob.SMS, code, "", c)
	require.NoError(t, err)
	need, err := f.svc.Needs(ctx, alice.ID, proof, portalmfa.RegenerateCodes)
	require.NoError(t, err)
	assert.Equal(t, portalmfa.NeedNothing, need)
	_, err = f.svc.ReverifySentCode(ctx, alice.ID, oob.SMS, code, "", c)
	assert.ErrorIs(t, err, portalmfa.ErrInvalidCode, "once")
}

// pruneSpy counts the prunes of codes.
type pruneSpy struct {
	*memory.Store
	prunes int
}

func (p *pruneSpy) PruneOOB(ctx context.Context, before time.Time) (int, error) {
	p.prunes++
	return p.Store.PruneOOB(ctx, before)
}

// PruneHistory, the one periodic call, forgets expired codes too.
func TestPruneHistoryPrunesCodes(t *testing.T) {
	spy := &pruneSpy{Store: memory.New()}
	f := newFixtureWith(t, func(c *portalmfa.Config) { withCodes(new(outbox), nil)(c); c.Store = spy })
	_, err := f.svc.PruneHistory(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, spy.prunes)
}
