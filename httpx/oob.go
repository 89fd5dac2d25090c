package httpx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/oob/phone"
)

// Codes by SMS and by email: the phone and email items of the security
// page, and at the challenge the page a code was sent from.

// Message IDs of codes sent out of band.
const (
	msgSentSMS         = "sent.message.sms"
	msgSentSubject     = "sent.message.subject"
	msgSentBody        = "sent.message.body"
	msgPhoneInvalid    = "error.phone.invalid"
	msgPhoneNotMobile  = "error.phone.not_mobile"
	msgSendCooldown    = "error.send.cooldown"
	msgSendTooMany     = "error.send.too_many" // plural, in minutes
	msgSendFailed      = "error.send.failed"
	msgEmailNone       = "error.email.none"
	msgEmailNeedFactor = "error.email.needs_factor"
	msgDonePhoneAdded  = "security.done.phone_added"
	msgDonePhoneGone   = "security.done.phone_removed"
	msgDoneEmailOn     = "security.done.email_on"
	msgDoneEmailOff    = "security.done.email_off"
)

// Why a set of codes is shown, beside codesWizard and the others.
const (
	codesPhoneAdded = "phone" // the codes of a first factor, a phone
	codesEmailOn    = "email" // the codes of a first factor, codes by email
)

// codeText writes the message of a code in language lang.
func (h *Handler) codeText(lang int, ch oob.Channel) portalmfa.CodeText {
	site := h.svc.Issuer()
	return func(code string) (string, string) {
		if ch == oob.SMS {
			return "", h.text(lang, msgSentSMS, "Code", code, "Site", site)
		}
		return h.text(lang, msgSentSubject, "Code", code, "Site", site), h.text(lang, msgSentBody, "Code", code, "Site", site)
	}
}

// factorOf is the factor of the codes sent by ch.
func factorOf(ch oob.Channel) portalmfa.FactorKind {
	if ch == oob.SMS {
		return portalmfa.FactorSMS
	}
	return portalmfa.FactorEmail
}

// sends are the buttons that send a code to the user's destinations, by
// the channels the Service sends; for a verification, those that prove a
// factor: codes by email only when they are a factor of their own.
func sends(svc *portalmfa.Service, st portalmfa.Status, verifying bool) []sendView {
	var out []sendView
	for _, ch := range []oob.Channel{oob.SMS, oob.Email} {
		f := st.Factor(factorOf(ch))
		if f.State != portalmfa.On || !svc.CodesOn(ch) || (verifying && ch == oob.Email && !svc.EmailAlone()) {
			continue
		}
		out = append(out, sendView{Channel: string(ch), To: f.To})
	}
	return out
}

// sentCookie marks what this browser was last sent a code for (a login,
// a verification) and by which channel. A send refused for the cooldown
// shows that code's page when the code the user holds is for it (a
// reload, a second click), and the page they came from otherwise. A hint
// for the page, never a proof: the Service decides every code.
const sentCookie = "portalmfa_sent"

func sentMark(scope string, ch oob.Channel) string {
	sum := sha256.Sum256([]byte(scope))
	return string(ch) + "." + hex.EncodeToString(sum[:12])
}

// markSent sets sentCookie, on path, for a code sent for scope by ch.
func (h *Handler) markSent(w http.ResponseWriter, r *http.Request, path, scope string, ch oob.Channel) {
	http.SetCookie(w, &http.Cookie{
		Name: sentCookie, Value: sentMark(scope, ch), Path: path, MaxAge: int(oob.Validity / time.Second),
		HttpOnly: true, Secure: h.cfg.HTTPS(r), SameSite: http.SameSiteStrictMode,
	})
}

// sentFor reports whether this browser was sent the last code for scope
// by ch.
func sentFor(r *http.Request, scope string, ch oob.Channel) bool {
	c, err := r.Cookie(sentCookie)
	return err == nil && c.Value == sentMark(scope, ch)
}

// limited is the answer to a send the limits refused: when another is
// allowed, as Retry-After, and a warning.
func (h *Handler) limited(w http.ResponseWriter, lang int, limit *oob.LimitError) (int, *alert) {
	wait := max(limit.Until.Sub(h.svc.Now()), time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	if errors.Is(limit, oob.ErrTooManySends) {
		return http.StatusTooManyRequests, &alert{Kind: "warning", Text: h.textPlural(lang, msgSendTooMany, int((wait+time.Minute-1)/time.Minute))}
	}
	return http.StatusTooManyRequests, &alert{Kind: "warning", Text: h.text(lang, msgSendCooldown)}
}

// phoneAddPage asks for a number, once adding a factor is allowed.
func (h *Handler) phoneAddPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if h.needs(w, r, u, lang, portalmfa.AddFactor, "/phone/add") {
		h.render(w, r, kindSecurity, lang, "phone-add.html", http.StatusOK, &view{Focus: true})
	}
}

// addPhone sends a code to the number posted, and asks for it. Posted
// again from the code's page, it sends a new one.
func (h *Handler) addPhone(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	number := r.PostForm.Get("number")
	setup, err := h.svc.BeginPhone(r.Context(), u.ID, number, h.proof(r), h.codeText(lang, oob.SMS), h.client(r))
	switch {
	case err == nil:
		h.render(w, r, kindSecurity, lang, "phone-confirm.html", http.StatusOK, &view{Number: setup.Number, To: setup.To, Focus: true})
		return
	case isProofError(err):
		h.needs(w, r, u, lang, portalmfa.AddFactor, "/phone/add")
		return
	}
	status, a := h.problem(w, r, lang, err)
	if r.PostForm.Has("resend") { // from the code's page: back to it
		h.render(w, r, kindSecurity, lang, "phone-confirm.html", status, &view{Alert: a, Number: number, To: phone.Mask(number)})
		return
	}
	h.render(w, r, kindSecurity, lang, "phone-add.html", status, &view{Alert: a, Number: number, Focus: true})
}

// confirmPhone checks the code sent to the number. A first factor shows
// the account's new backup codes, once.
func (h *Handler) confirmPhone(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	number := r.PostForm.Get("number")
	codes, err := h.svc.ConfirmPhone(r.Context(), u.ID, number, r.PostForm.Get("code"), h.proof(r), h.client(r))
	switch {
	case err == nil && codes != nil:
		h.showCodes(w, r, u, lang, codes, codesPhoneAdded)
	case err == nil:
		h.to(w, r, "/?done=phone-added#portalmfa-phone")
	case isProofError(err):
		h.needs(w, r, u, lang, portalmfa.AddFactor, "/phone/add")
	case isUserError(err, portalmfa.ErrInvalidNumber):
		h.render(w, r, kindSecurity, lang, "phone-add.html", http.StatusUnprocessableEntity,
			&view{Alert: &alert{Kind: "danger", Text: h.text(lang, msgPhoneInvalid)}, Focus: true})
	default:
		status, a := h.problem(w, r, lang, err)
		h.render(w, r, kindSecurity, lang, "phone-confirm.html", status, &view{Alert: a, Number: number, To: phone.Mask(number), Focus: true, Locked: a.Lock})
	}
}

// removePhonePage asks to confirm, once removing the factor is allowed.
func (h *Handler) removePhonePage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	h.removeCodesPage(w, r, u, lang, portalmfa.FactorSMS)
}

func (h *Handler) removeEmailPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	h.removeCodesPage(w, r, u, lang, portalmfa.FactorEmail)
}

// removeCodesPage asks to confirm turning off codes of kind k.
func (h *Handler) removeCodesPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, k portalmfa.FactorKind) {
	st, err := h.svc.Status(r.Context(), u.ID)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	f := st.Factor(k)
	if f.State != portalmfa.On {
		h.to(w, r, "/")
		return
	}
	path, ch := "/phone/remove", portalmfa.RemoveFactor
	if k == portalmfa.FactorEmail {
		path, ch = "/email/disable", portalmfa.RemoveEmailCodes
	}
	if !h.needs(w, r, u, lang, ch, path) {
		return
	}
	h.render(w, r, kindSecurity, lang, "remove.html", http.StatusOK, &view{
		Remove: string(k), Action: path, To: f.To,
		LastFactor: !f.Fallback && st.Credentials() == 1,
	})
}

func (h *Handler) removePhone(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	err := h.svc.RemovePhone(r.Context(), u.ID, h.proof(r), h.client(r))
	h.codesRemoved(w, r, u, lang, err, "phone-removed", h.removePhonePage)
}

func (h *Handler) disableEmail(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	err := h.svc.DisableEmailCodes(r.Context(), u.ID, h.proof(r), h.client(r))
	h.codesRemoved(w, r, u, lang, err, "email-off", h.removeEmailPage)
}

func (h *Handler) codesRemoved(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, err error, done string, again userHandler) {
	switch {
	case err == nil:
		h.to(w, r, "/?done="+done+"#"+doneCard(done))
	case isProofError(err):
		again(w, r, u, lang) // the need may have grown: verify again
	case isUserError(err, portalmfa.ErrNotEnrolled), isUserError(err, portalmfa.ErrCodesOff):
		h.to(w, r, "/")
	default:
		h.refusal(w, r, u, lang, err)
	}
}

// enableEmailPage asks to confirm turning codes by email on, once adding
// a factor is allowed.
func (h *Handler) enableEmailPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if h.needs(w, r, u, lang, portalmfa.AddFactor, "/email/enable") {
		h.render(w, r, kindSecurity, lang, "email-on.html", http.StatusOK, &view{To: phone.MaskEmail(u.Email)})
	}
}

func (h *Handler) enableEmail(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	codes, err := h.svc.EnableEmailCodes(r.Context(), u, h.proof(r), h.client(r))
	switch {
	case err == nil && codes != nil:
		h.showCodes(w, r, u, lang, codes, codesEmailOn)
	case err == nil, isUserError(err, portalmfa.ErrAlreadyEnabled):
		h.to(w, r, "/?done=email-on#portalmfa-email")
	case isProofError(err):
		h.needs(w, r, u, lang, portalmfa.AddFactor, "/email/enable")
	case isUserError(err, portalmfa.ErrNoEmail):
		h.showOverview(w, r, u, lang, http.StatusUnprocessableEntity, &alert{Kind: "danger", Text: h.text(lang, msgEmailNone), For: "portalmfa-email"}, "")
	case isUserError(err, portalmfa.ErrEmailNeedsFactor):
		h.showOverview(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgEmailNeedFactor), For: "portalmfa-email"}, "")
	default:
		h.refusal(w, r, u, lang, err)
	}
}

// The challenge's side.

// channelOf reads the {channel} of a challenge path: "sms" or "email".
func channelOf(r *http.Request) (oob.Channel, bool) {
	ch := oob.Channel(r.PathValue("channel"))
	return ch, ch.Valid()
}

// sendLoginCode sends a code by the path's channel, then shows the page
// that asks for it.
func (h *Handler) sendLoginCode(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	ch, ok := channelOf(r)
	if !ok || !h.svc.CodesOn(ch) {
		http.NotFound(w, r)
		return
	}
	if !h.postForm(w, r, kindChallenge, lang) {
		return
	}
	state := pendingState(r)
	_, err := h.svc.SendLoginCode(r.Context(), state, ch, h.codeText(lang, ch), h.client(r))
	switch {
	case err == nil:
		h.markSent(w, r, h.cfg.ChallengePath, state, ch)
		h.showSent(w, r, userID, lang, ch, http.StatusOK, nil)
	case isUserError(err, portalmfa.ErrNotEnrolled):
		h.showChallenge(w, r, userID, lang, http.StatusOK, nil) // that method was turned off meanwhile
	case isUserError(err, oob.ErrCooldown) && sentFor(r, state, ch):
		// A reload, or a second click: the code sent a moment ago works,
		// so its page, with the form open.
		_, a := h.problem(w, r, lang, err)
		h.showSent(w, r, userID, lang, ch, http.StatusOK, a)
	default:
		status, a := h.problem(w, r, lang, err)
		h.showChallenge(w, r, userID, lang, status, a)
	}
}

// pendingState is the pending-login state of the request (withPending
// checked it).
func pendingState(r *http.Request) string {
	c, err := r.Cookie(pendingCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// showSent shows the page of a code sent by ch: where it went, its field,
// and a form to send another.
func (h *Handler) showSent(w http.ResponseWriter, r *http.Request, userID string, lang int, ch oob.Channel, status int, a *alert) {
	st, err := h.svc.Status(r.Context(), userID)
	if err != nil {
		h.renderError(w, r, kindChallenge, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	f := st.Factor(factorOf(ch))
	if f.State != portalmfa.On {
		h.clearPending(w, r)
		h.redirectLogin(w, r, "")
		return
	}
	v, _, err := h.challengeView(w, r, userID, lang, status, a)
	if err != nil {
		h.renderError(w, r, kindChallenge, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	v.Channel, v.To = string(ch), f.To
	h.render(w, r, kindChallenge, lang, "sent.html", status, v)
}

// verifyLoginCode checks a code sent by the path's channel.
func (h *Handler) verifyLoginCode(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	ch, ok := channelOf(r)
	if !ok || !h.svc.CodesOn(ch) {
		http.NotFound(w, r)
		return
	}
	if !h.postForm(w, r, kindChallenge, lang) {
		return
	}
	err := h.svc.VerifyLoginCode(r.Context(), pendingState(r), ch, r.PostForm.Get("code"), h.client(r))
	if err == nil || isUserError(err, portalmfa.ErrNotEnrolled) {
		h.challengeResult(w, r, userID, lang, err)
		return
	}
	status, a := h.problem(w, r, lang, err)
	h.showSent(w, r, userID, lang, ch, status, a)
}

// challengeMethod is the history's method of a late post to path of the
// challenge, "" for one that is no attempt (a send).
func challengeMethod(path string) history.Method {
	if strings.HasPrefix(path, "/send/") {
		return ""
	}
	switch path {
	case "/backup":
		return history.BackupCode
	case "/passkey":
		return history.Passkey
	case "/code/sms":
		return history.SMS
	case "/code/email":
		return history.Email
	}
	return history.TOTP
}
