package httpx_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

// outbox sends SMS and emails into a list, or fails.
type outbox struct {
	mu   sync.Mutex
	sent []sent
	fail bool
}

type sent struct{ to, subject, body string }

func (o *outbox) SendSMS(_ context.Context, to, text string) error {
	return o.add(sent{to: to, body: text})
}

func (o *outbox) SendEmail(_ context.Context, to, subject, body string) error {
	return o.add(sent{to: to, subject: subject, body: body})
}

func (o *outbox) add(m sent) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail {
		return errors.New("test: provider down for " + m.to)
	}
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sent)
}

func (o *outbox) last(t testing.TB) (sent, string) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	require.NotEmpty(t, o.sent, "nothing was sent")
	m := o.sent[len(o.sent)-1]
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(m.body)
	require.NotEmpty(t, code, m.body)
	return m, code
}

// pageText is the page as a reader sees its text: entities decoded.
func pageText(w *httptest.ResponseRecorder) string { return html.UnescapeString(w.Body.String()) }

// newCodesHost is a host whose Service sends codes by SMS and email into o.
func newCodesHost(t *testing.T, o *outbox) *host {
	return newHostWith(t, func(c *portalmfa.Config) {
		c.Codes = portalmfa.CodesConfig{SMS: o, Email: o, EmailVerified: true, Region: "FR"}
	})
}

// addPhone confirms alice's number through the pages with proof and
// returns the last answer.
func (hs *host) addPhone(o *outbox, userID string, proof reqOption) *httptest.ResponseRecorder {
	hs.t.Helper()
	w := hs.do(http.MethodPost, "/my/security/phone/add", form("number", "06 12 34 56 78"), proof)
	require.Equal(hs.t, http.StatusOK, w.Code, w.Body.String())
	_, code := o.last(hs.t)
	return hs.do(http.MethodPost, "/my/security/phone/confirm", form("number", "+33612345678", "code", code), proof)
}

func TestPhonePages(t *testing.T) {
	o := new(outbox)
	hs := newCodesHost(t, o)

	t.Run("the overview offers a number", func(t *testing.T) {
		body := hs.do(http.MethodGet, "/my/security/", nil, as("alice")).Body.String()
		item := itemOf(t, body, "portalmfa-phone")
		assert.Contains(t, item, "Text message (SMS)")
		assert.Contains(t, item, `href="/my/security/phone/add"`)
		assert.NotContains(t, body, `id="portalmfa-email"`, "codes by email wait for another factor")
	})
	t.Run("adding a first number needs the password", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/phone/add", nil, as("alice"))
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/my/security/verify?need=password&next=%2Fphone%2Fadd", w.Header().Get("Location"))
		w = hs.do(http.MethodPost, "/my/security/phone/add", form("number", "06 12 34 56 78"), as("alice"))
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.Zero(t, o.count(), "nothing sent without it")
	})
	sudo := hs.sudo("alice")
	for _, tc := range []struct {
		name, number, text string
		code               int
	}{
		{"empty", "", "isn't a valid phone number", http.StatusUnprocessableEntity},
		{"malformed", "<script>", "isn't a valid phone number", http.StatusUnprocessableEntity},
		{"too long", strings.Repeat("6", 500), "isn't a valid phone number", http.StatusUnprocessableEntity},
		{"oversized", strings.Repeat("6", 50_000), "too large", http.StatusRequestEntityTooLarge},
		{"a landline", "01 42 68 53 00", "can't receive text messages", http.StatusUnprocessableEntity},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			w := hs.do(http.MethodPost, "/my/security/phone/add", form("number", tc.number), sudo)
			assert.Equal(t, tc.code, w.Code)
			assert.Contains(t, pageText(w), tc.text)
			if tc.code == http.StatusUnprocessableEntity {
				assert.Contains(t, w.Body.String(), `aria-invalid="true"`)
				assert.NotContains(t, w.Body.String(), `value="<script>`, "the input is escaped")
			}
			assert.Zero(t, o.count())
		})
	}
	t.Run("a cross-site form sends nothing", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/phone/add", form("number", "06 12 34 56 78"), sudo, withHeader("Sec-Fetch-Site", "cross-site"))
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Zero(t, o.count())
	})
	t.Run("a code goes to the number, and a wrong one is refused", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/phone/add", form("number", "06 12 34 56 78"), sudo)
		require.Equal(t, http.StatusOK, w.Code)
		assertSafePage(t, w)
		body := pageText(w)
		assert.Contains(t, body, "We texted a 6-digit code to +33 • •• •• •• 78.")
		assert.Contains(t, body, `name="number" value="+33612345678"`)
		assert.Contains(t, body, `autocomplete="one-time-code"`)
		m, code := o.last(t)
		assert.Equal(t, "+33612345678", m.to)
		assert.True(t, strings.HasPrefix(m.body, code+" is your Acme Portal security code."), m.body)
		assert.True(t, strings.HasSuffix(m.body, "\n\n@portal.example #"+code), "origin-bound, on the passkeys' RP ID: %q", m.body)

		w = hs.do(http.MethodPost, "/my/security/phone/add", form("number", "+33612345678", "resend", "1"), sudo)
		assert.Equal(t, http.StatusTooManyRequests, w.Code, "a resend waits a minute")
		assert.Contains(t, pageText(w), "Wait a moment")
		assert.Contains(t, pageText(w), "We texted a 6-digit code", "still the code's page")

		w = hs.do(http.MethodPost, "/my/security/phone/confirm", form("number", "+33612345678", "code", "000000"), sudo)
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, pageText(w), "isn't right")
	})
	t.Run("confirming a first number shows the backup codes", func(t *testing.T) {
		hs.clock.Add(time.Minute)
		w := hs.addPhone(o, "alice", sudo)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		assert.Contains(t, pageText(w), "<title>Phone number added</title>")
		assert.Len(t, codesFromPage(t, w.Body.String()), 10)
		assertSafePage(t, w)
		item := html.UnescapeString(itemOf(t, hs.do(http.MethodGet, "/my/security/", nil, as("alice")).Body.String(), "portalmfa-phone"))
		assert.Contains(t, item, "Codes go to +33 • •• •• •• 78.")
		assert.NotContains(t, item, "612345678", "the number is masked")
	})
	t.Run("removing it asks, and needs the password as the last factor", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/phone/remove", nil, as("alice"))
		require.Equal(t, http.StatusSeeOther, w.Code)
		w = hs.do(http.MethodGet, "/my/security/phone/remove", nil, hs.sudo("alice"))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, pageText(w), "Remove your phone number?")
		assert.Contains(t, pageText(w), "Turn off two-factor authentication")
		w = hs.do(http.MethodPost, "/my/security/phone/remove", form(), hs.sudo("alice"))
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/my/security/?done=phone-removed#portalmfa-phone", w.Header().Get("Location"))
		assert.False(t, hs.status("alice").Enabled())
	})
}

func TestChallengeCodes(t *testing.T) {
	o := new(outbox)
	hs := newCodesHost(t, o)
	require.Equal(t, http.StatusOK, hs.addPhone(o, "alice", hs.sudo("alice")).Code)
	hs.clock.Add(time.Minute)
	pending := withCookie(hs.pending("alice"))

	t.Run("the challenge offers the phone", func(t *testing.T) {
		body := pageText(hs.do(http.MethodGet, "/login/2fa/", nil, pending))
		assert.Contains(t, body, "Choose how to confirm it's you.")
		assert.Contains(t, body, `action="/login/2fa/send/sms"`)
		assert.Contains(t, body, "Text a code to +33 • •• •• •• 78")
		assert.NotContains(t, body, `name="code"`, "no app, no app code field")
	})
	t.Run("unknown channels and forged forms", func(t *testing.T) {
		assert.Equal(t, http.StatusNotFound, hs.do(http.MethodPost, "/login/2fa/send/fax", form(), pending).Code)
		w := hs.do(http.MethodPost, "/login/2fa/send/email", form(), pending)
		assert.Equal(t, http.StatusOK, w.Code, "alice has no email codes: the challenge again")
		assert.NotContains(t, pageText(w), "We emailed")
		assert.Equal(t, http.StatusForbidden, hs.do(http.MethodPost, "/login/2fa/send/sms", form(), pending, withHeader("Sec-Fetch-Site", "cross-site")).Code)
		w = hs.do(http.MethodPost, "/login/2fa/send/sms", form())
		assert.Equal(t, http.StatusSeeOther, w.Code, "no pending login, no code")
		assert.Zero(t, o.count()-1, "only the confirmation was sent")
	})
	t.Run("a code is sent, a resend waits, a wrong code is refused", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/login/2fa/send/sms", form(), pending)
		require.Equal(t, http.StatusOK, w.Code)
		assertSafePage(t, w)
		assert.Contains(t, pageText(w), "We texted a 6-digit code to +33 • •• •• •• 78.")
		assert.Contains(t, w.Body.String(), `action="/login/2fa/code/sms"`)
		sentMark := cookieNamed(w, "portalmfa_sent")
		require.NotNil(t, sentMark)
		assert.True(t, sentMark.HttpOnly)
		assert.Equal(t, "/login/2fa", sentMark.Path)

		w = hs.do(http.MethodPost, "/login/2fa/send/sms", form(), pending)
		assert.Equal(t, http.StatusTooManyRequests, w.Code, "without the mark, no code of this login is known to be out")
		assert.Contains(t, pageText(w), "Wait a moment")
		assert.Contains(t, pageText(w), "Choose how to confirm it's you.", "the challenge again")
		assert.NotContains(t, w.Body.String(), "disabled", "a send refused is no lock")

		w = hs.do(http.MethodPost, "/login/2fa/send/sms", form(), pending, withCookie(sentMark))
		assert.Equal(t, http.StatusOK, w.Code, "a reload: the code's page, open")
		assert.NotEmpty(t, w.Header().Get("Retry-After"))
		assert.Contains(t, pageText(w), "Wait a moment")
		assert.NotContains(t, w.Body.String(), "disabled")
		assert.NotContains(t, w.Body.String(), `aria-invalid`)
		assert.Equal(t, 2, o.count(), "nothing sent")
		w = hs.do(http.MethodPost, "/login/2fa/code/sms", form("code", "000000"), pending)
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, pageText(w), "isn't right")
	})
	t.Run("the right code passes", func(t *testing.T) {
		_, code := o.last(t)
		w := hs.do(http.MethodPost, "/login/2fa/code/sms", form("code", code), pending)
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, []string{"alice"}, hs.passedUsers())
	})
	t.Run("a provider that fails is said so, and nothing counted", func(t *testing.T) {
		o.mu.Lock()
		o.fail = true
		o.mu.Unlock()
		hs.clock.Add(time.Minute)
		w := hs.do(http.MethodPost, "/login/2fa/send/sms", form(), withCookie(hs.pending("alice")))
		assert.Equal(t, http.StatusBadGateway, w.Code)
		assert.Contains(t, pageText(w), "We couldn't send the code. Try again.")
		assert.NotContains(t, pageText(w), "612345678")
		assert.Contains(t, hs.logs.String(), "provider down for +33 • •• •• •• 78", "the log has the error, the number masked")
		assert.NotContains(t, hs.logs.String(), "612345678")
		locked, err := hs.svc.LockedOut(t.Context(), "alice")
		require.NoError(t, err)
		assert.Nil(t, locked)
	})
}

func TestEmailCodePages(t *testing.T) {
	o := new(outbox)
	hs := newCodesHost(t, o)
	_, codes := hs.enrollWithCodes("alice")

	item := html.UnescapeString(itemOf(t, hs.do(http.MethodGet, "/my/security/", nil, as("alice")).Body.String(), "portalmfa-email"))
	assert.Contains(t, item, "Turn this on to get a code at a•••@example.com when you sign in.")
	w := hs.do(http.MethodGet, "/my/security/email/enable", nil, hs.sudo("alice"))
	require.Equal(t, http.StatusSeeOther, w.Code, "with 2FA on, another factor needs a factor")
	assert.Contains(t, w.Header().Get("Location"), "need=factor")
	proof := hs.sudoCode("alice", codes[0])
	w = hs.do(http.MethodGet, "/my/security/email/enable", nil, proof)
	require.Equal(t, http.StatusOK, w.Code)
	w = hs.do(http.MethodPost, "/my/security/email/enable", form(), proof)
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/my/security/?done=email-on#portalmfa-email", w.Header().Get("Location"))
	page, _, _ := strings.Cut(w.Header().Get("Location"), "#")
	body := pageText(hs.do(http.MethodGet, page, nil, as("alice")))
	assert.Contains(t, itemOf(t, body, "portalmfa-email"), "Codes by email are on.")

	pending := withCookie(hs.pending("alice"))
	body = pageText(hs.do(http.MethodGet, "/login/2fa/", nil, pending))
	assert.Contains(t, body, "Enter the 6-digit code from your authenticator app.", "the app leads")
	assert.Contains(t, body, "Email a code to a•••@example.com")
	w = hs.do(http.MethodPost, "/login/2fa/send/email", form(), pending)
	require.Equal(t, http.StatusOK, w.Code)
	m, code := o.last(t)
	assert.Equal(t, "alice@example.com", m.to)
	assert.Equal(t, "Your Acme Portal security code: "+code, m.subject)
	w = hs.do(http.MethodPost, "/login/2fa/code/email", form("code", code), pending)
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, []string{"alice"}, hs.passedUsers())

	t.Run("turning them off needs any verification", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/email/disable", nil, hs.sudoCode("alice", codes[1]))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, pageText(w), "Turn off codes by email?")
		assert.NotContains(t, pageText(w), "Turn off two-factor authentication", "a fallback is not the last factor")
		w = hs.do(http.MethodPost, "/my/security/email/disable", form(), hs.sudoCode("alice", codes[2]))
		assert.Equal(t, "/my/security/?done=email-off#portalmfa-email", w.Header().Get("Location"))
		assert.Equal(t, portalmfa.Off, hs.status("alice").Factor(portalmfa.FactorEmail).State)
	})
}

// A phone-only user verifies with a code texted for it.
func TestVerifyWithPhone(t *testing.T) {
	o := new(outbox)
	hs := newCodesHost(t, o)
	require.Equal(t, http.StatusOK, hs.addPhone(o, "alice", hs.sudo("alice")).Code)
	hs.clock.Add(time.Minute)

	w := hs.do(http.MethodGet, "/my/security/verify?need=factor&next=%2Fbackup-codes%2Fregenerate", nil, as("alice"))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, pageText(w), `action="/my/security/verify/send/sms"`)
	w = hs.do(http.MethodPost, "/my/security/verify/send/sms", form("next", "/backup-codes/regenerate", "need", "factor"), as("alice"), withHeader("Sec-Fetch-Site", "cross-site"))
	assert.Equal(t, http.StatusForbidden, w.Code)
	w = hs.do(http.MethodPost, "/my/security/verify/send/email", form("next", "/backup-codes/regenerate", "need", "factor"), as("alice"))
	assert.Equal(t, http.StatusNotFound, w.Code, "email codes as a fallback prove no factor")
	sends := o.count()
	w = hs.do(http.MethodPost, "/my/security/verify/send/sms", form("next", "/backup-codes/regenerate", "need", "factor"), as("alice"))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, sends+1, o.count())
	assert.Contains(t, pageText(w), "We texted a 6-digit code to +33 • •• •• •• 78.")
	assert.Contains(t, pageText(w), `name="method" value="sms"`)
	_, code := o.last(t)

	w = hs.do(http.MethodPost, "/my/security/verify", form("method", "sms", "code", "000000", "next", "/backup-codes/regenerate", "need", "factor"), as("alice"))
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	assert.Contains(t, pageText(w), "isn't right")
	assert.Contains(t, pageText(w), `name="method" value="sms"`, "the code's field again")
	w = hs.do(http.MethodPost, "/my/security/verify", form("method", "sms", "code", code, "next", "/backup-codes/regenerate", "need", "factor"), as("alice"))
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/my/security/backup-codes/regenerate", w.Header().Get("Location"))
	proof := cookieNamed(w, "portalmfa_verified")
	require.NotNil(t, proof)
	w = hs.do(http.MethodGet, "/my/security/backup-codes/regenerate", nil, hs.sudoWith("alice", proof.Value))
	assert.Equal(t, http.StatusOK, w.Code, "the texted code proves a factor")
}

// A phone-only user of a portal that stopped sending SMS still meets the
// challenge (2FA stays on, closed), on the backup-code form.
func TestChallengeWithoutTheSender(t *testing.T) {
	o := new(outbox)
	before := newCodesHost(t, o)
	require.Equal(t, http.StatusOK, before.addPhone(o, "alice", before.sudo("alice")).Code)
	after := newHostWith(t, func(c *portalmfa.Config) { c.Store = before.store })
	w := after.do(http.MethodGet, "/login/2fa/", nil, withCookie(after.pending("alice")))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `action="/login/2fa/backup"`)
	assert.NotContains(t, w.Body.String(), "/send/sms")
	item := pageText(after.do(http.MethodGet, "/my/security/", nil, as("alice")))
	item = itemOf(t, item, "portalmfa-phone")
	assert.Contains(t, item, "Codes go to +33 • •• •• •• 78.", "the number is listed, to be removed")
	assert.Contains(t, item, "Remove number")
	assert.NotContains(t, item, "Change number", "no SMS to confirm another")
	w = after.do(http.MethodPost, "/my/security/phone/remove", form(), after.sudo("alice"))
	assert.Equal(t, "/my/security/?done=phone-removed#portalmfa-phone", w.Header().Get("Location"))
	assert.False(t, after.status("alice").Enabled())
}

// No code goes out while the user is locked out: the page says so.
func TestNoSendWhileLocked(t *testing.T) {
	o := new(outbox)
	hs := newCodesHost(t, o)
	sudo := hs.sudo("alice")
	for range 3 {
		_, err := hs.svc.ReverifyPassword(t.Context(), "alice", "wrong", "", portalmfa.Client{})
		require.Error(t, err)
	}
	w := hs.do(http.MethodPost, "/my/security/phone/add", form("number", "06 12 34 56 78"), sudo)
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Contains(t, pageText(w), "Too many failed attempts")
	assert.Zero(t, o.count())
}

// The overview has one primary button, the next step: while 2FA is off,
// the first method offered (the app, or a passkey where a policy counts
// no app); once it is on, none of the methods to add.
func TestOverviewOnePrimary(t *testing.T) {
	primaries := func(w *httptest.ResponseRecorder) []string {
		var buttons []string // each primary button, up to its label
		for _, part := range strings.Split(w.Body.String(), `class="btn btn-primary`)[1:] {
			buttons = append(buttons, part[:min(len(part), 80)])
		}
		return buttons
	}
	hs := newCodesHost(t, &outbox{})
	w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
	require.Equal(t, http.StatusOK, w.Code)
	got := primaries(w)
	require.Len(t, got, 1, "one primary")
	assert.Contains(t, got[0], "Set up authenticator app")
	for _, other := range []string{"/my/security/passkeys/add", "/my/security/phone/add"} {
		assert.Contains(t, w.Body.String(), `class="btn btn-outline-primary`, other)
		assert.Contains(t, w.Body.String(), other)
	}

	hs.enroll("alice")
	w = hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
	assert.Empty(t, primaries(w), "2FA on: adding more is a choice")

	noApp := policy.Policy{Name: "keys", Everyone: true, Level: policy.Recommended, Allowed: []string{"passkey", "sms"}}
	ph := newPolicyHost(t, noApp)
	got = primaries(ph.do(http.MethodGet, "/my/security/", nil, as("bob")))
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "Add a passkey")
}

// Without a sender, a number cannot be added nor codes by email turned on:
// the pages are not there. Removing stays, for what the user has from
// before.
func TestNoSenderNoAdding(t *testing.T) {
	hs := newHost(t)
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, "/my/security/phone/add"}, {http.MethodPost, "/my/security/phone/add"},
		{http.MethodPost, "/my/security/phone/confirm"},
		{http.MethodGet, "/my/security/email/enable"}, {http.MethodPost, "/my/security/email/enable"},
	} {
		assert.Equal(t, http.StatusNotFound, hs.do(req.method, req.path, form("number", "06 12 34 56 78"), as("alice")).Code, req.path)
	}
	assert.NotEqual(t, http.StatusNotFound, hs.do(http.MethodGet, "/my/security/phone/remove", nil, as("alice")).Code)
}
