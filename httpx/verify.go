package httpx

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/oob"
)

// A sensitive change (adding or removing a factor, new backup codes) needs
// a recent verification. Its action checks the proof in the verified
// cookie; without a proof that suffices, the user is sent to the verify
// page with the page to come back to, verifies (password, a code or a
// passkey, as the change needs), and comes back to that page, a GET, which
// asks to confirm or, for an enrollment, begins it.

// verifiedCookie holds the proof of a recent verification: signed, bound
// to the user, short-lived. SameSite=Strict keeps it off every request
// another site starts, so a cross-site link cannot borrow it.
const verifiedCookie = "portalmfa_verified"

func (h *Handler) proof(r *http.Request) string {
	c, err := r.Cookie(verifiedCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

func (h *Handler) setProof(w http.ResponseWriter, r *http.Request, proof string) {
	http.SetCookie(w, &http.Cookie{
		Name: verifiedCookie, Value: proof, Path: h.cfg.SecurityPath,
		MaxAge:   int(h.svc.RecentVerification() / time.Second),
		HttpOnly: true, Secure: h.cfg.HTTPS(r), SameSite: http.SameSiteStrictMode,
	})
}

// needs reports whether change ch is allowed for u now. When it is not,
// it has answered: to the verify page, to come back to back (a path of
// ours, a GET), or an error page.
func (h *Handler) needs(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, ch portalmfa.Change, back string) bool {
	need, err := h.svc.Needs(r.Context(), u.ID, h.proof(r), ch)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return false
	}
	if need == portalmfa.NeedNothing {
		return true
	}
	h.toVerify(w, r, need, back)
	return false
}

func (h *Handler) toVerify(w http.ResponseWriter, r *http.Request, need portalmfa.Need, back string) {
	q := url.Values{"next": {back}, "need": {needName(need)}}
	h.to(w, r, "/verify?"+q.Encode())
}

// isProofError reports an error saying the proof went stale meanwhile.
func isProofError(err error) bool { return isUserError(err, portalmfa.ErrVerificationNeeded) }

func needName(n portalmfa.Need) string {
	switch n {
	case portalmfa.NeedPassword:
		return "password"
	case portalmfa.NeedFactor:
		return "factor"
	}
	return "any"
}

// safeNext is next when it is a path of the security page, "/" otherwise:
// the verify page never sends anyone elsewhere.
func safeNext(next string) string {
	if len(next) > 200 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t%") || strings.Contains(next, "..") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// verifyView is the verify page: the forms that meet the need, for what
// the user has.
func (h *Handler) verifyView(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, a *alert) (*view, bool) {
	ctx := r.Context()
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	need := q.Get("need")
	st, err := h.svc.Status(ctx, u.ID)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return nil, false
	}
	v := &view{Alert: a, Next: safeNext(q.Get("next")), Need: need, Username: u.AccountLabel(), Focus: true}
	if need != "factor" || !st.Enabled() {
		v.VerifyPassword = true
	}
	if need != "password" && st.Enabled() {
		v.Send = sends(h.svc, st, true)
		v.VerifyCode = true // a backup code always; an app code when TOTP is on
		if st.Factor(portalmfa.FactorTOTP).State == portalmfa.On {
			v.TOTP = "on"
		}
		if st.Factor(portalmfa.FactorPasskey).State == portalmfa.On {
			c, err := h.svc.BeginPasskeyVerification(ctx, u.ID)
			if err != nil {
				h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
				return nil, false
			}
			h.setCeremony(w, r, h.cfg.SecurityPath, c)
			v.PasskeyOptions = string(c.Options)
		}
	}
	return v, true
}

// sendVerifyCode sends a code by the path's channel for a verification,
// and shows the verify page with its field.
func (h *Handler) sendVerifyCode(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	ch, ok := channelOf(r)
	if !ok || !h.svc.CodesOn(ch) {
		http.NotFound(w, r)
		return
	}
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	_, err := h.svc.SendVerificationCode(r.Context(), u.ID, ch, h.codeText(lang, ch), h.client(r))
	scope := "verify:" + u.ID
	switch {
	case err == nil:
		h.markSent(w, r, h.cfg.SecurityPath, scope, ch)
		h.showVerifySent(w, r, u, lang, ch, http.StatusOK, nil)
	case isUserError(err, oob.ErrCooldown) && sentFor(r, scope, ch):
		_, a := h.problem(w, r, lang, err)
		h.showVerifySent(w, r, u, lang, ch, http.StatusOK, a) // the code sent a moment ago works
	case isUserError(err, portalmfa.ErrCodesOff): // email codes as a fallback
		http.NotFound(w, r)
	case isUserError(err, portalmfa.ErrNotEnrolled): // the phone went meanwhile
		h.showVerify(w, r, u, lang, http.StatusOK, nil)
	default:
		status, a := h.problem(w, r, lang, err)
		h.showVerify(w, r, u, lang, status, a)
	}
}

// showVerifySent is the verify page with the field of a code sent by ch.
func (h *Handler) showVerifySent(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, ch oob.Channel, status int, a *alert) {
	v, ok := h.verifyView(w, r, u, lang, a)
	if !ok {
		return
	}
	for _, s := range v.Send {
		if s.Channel == string(ch) {
			v.Channel, v.To = s.Channel, s.To
		}
	}
	h.render(w, r, kindSecurity, lang, "verify.html", status, v)
}

func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	h.showVerify(w, r, u, lang, http.StatusOK, nil)
}

func (h *Handler) showVerify(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, status int, a *alert) {
	v, ok := h.verifyView(w, r, u, lang, a)
	if !ok {
		return
	}
	h.render(w, r, kindSecurity, lang, "verify.html", status, v)
}

// verify checks what the verify page posted: a password, a code or a
// passkey, by the form's "method".
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	ctx, f, c, prev := r.Context(), r.PostForm, h.client(r), h.proof(r)
	var proof string
	var err error
	switch f.Get("method") {
	case "password":
		if f.Get("password") == "" {
			h.showVerify(w, r, u, lang, http.StatusUnprocessableEntity, &alert{Kind: "danger", Text: h.text(lang, msgPasswordEmpty)})
			return
		}
		proof, err = h.svc.ReverifyPassword(ctx, u.ID, f.Get("password"), prev, c)
	case "code":
		proof, err = h.svc.ReverifyCode(ctx, u.ID, f.Get("code"), prev, c)
	case "passkey":
		proof, err = h.svc.ReverifyPasskey(ctx, u.ID, h.ceremonyToken(r), []byte(f.Get("response")), prev, c)
		h.clearCeremony(w, r, h.cfg.SecurityPath)
	case "sms", "email":
		ch := oob.Channel(f.Get("method"))
		proof, err = h.svc.ReverifySentCode(ctx, u.ID, ch, f.Get("code"), prev, c)
		switch {
		case isUserError(err, portalmfa.ErrCodesOff): // a forged form: email codes as a fallback
			http.NotFound(w, r)
			return
		case isUserError(err, portalmfa.ErrNotEnrolled): // the number went meanwhile
			h.showVerify(w, r, u, lang, http.StatusOK, nil)
			return
		case err != nil:
			status, a := h.problem(w, r, lang, err)
			h.showVerifySent(w, r, u, lang, ch, status, a)
			return
		}
	default:
		h.renderError(w, r, kindSecurity, lang, http.StatusBadRequest, msgBadRequest)
		return
	}
	if err != nil {
		status, a := h.problem(w, r, lang, err)
		h.showVerify(w, r, u, lang, status, a)
		return
	}
	h.setProof(w, r, proof)
	h.to(w, r, safeNext(f.Get("next")))
}
