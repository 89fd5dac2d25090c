package httpx

import (
	"net/http"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
)

// historyView is one login attempt as the overview lists it.
type historyView struct {
	ID       string
	When     string // date and time, formatted for the language
	Datetime string // the same, RFC 3339, for <time datetime>
	Method   string // translated
	Success  bool
	Reason   string // translated; "" on success
	IP       string
	Device   string // "" when the User-Agent told nothing
	Reported bool   // the user said "this wasn't me" about it
	Current  bool   // the sign-in of the browser looking at the page
}

// historyViews lists es for the overview; current is the ID of the entry
// of this browser's sign-in, if known.
func (h *Handler) historyViews(lang int, loc *time.Location, es []portalmfa.SignIn, current string) []historyView {
	views := make([]historyView, 0, len(es))
	for _, e := range es {
		v := historyView{
			ID:       e.ID,
			When:     h.formatDateTime(lang, loc, e.At),
			Datetime: e.At.Format(time.RFC3339),
			Method:   h.text(lang, methodMessage(e.Method)),
			Success:  e.Success,
			IP:       e.IP,
			Device:   e.Device,
			Reported: e.Reported,
			Current:  e.Success && e.ID == current,
		}
		if !e.Success {
			if id := reasonMessage(e.Reason); id != "" {
				v.Reason = h.text(lang, id)
			}
		}
		views = append(views, v)
	}
	return views
}

func methodMessage(m history.Method) string {
	switch m {
	case history.TOTP:
		return msgMethodTOTP
	case history.BackupCode:
		return msgMethodBackupCode
	case history.TrustedDevice:
		return msgMethodTrustedDevice
	case history.Passkey:
		return msgMethodPasskey
	case history.Password:
		return msgMethodPassword
	case history.SMS:
		return msgMethodSMS
	case history.Email:
		return msgMethodEmail
	}
	return msgMethodOther
}

// reasonMessage names why an attempt failed; "" for a reason we have no
// words for, which then shows as "Failed" alone.
func reasonMessage(r history.Reason) string {
	switch r {
	case history.WrongCode:
		return msgReasonWrongCode
	case history.Replayed:
		return msgReasonReplayed
	case history.Locked:
		return msgReasonLocked
	case history.Suspended:
		return msgReasonSuspended
	case history.ExpiredState:
		return msgReasonExpired
	case history.Unavailable:
		return msgReasonUnavailable
	case history.WrongPass:
		return msgReasonWrongPassword
	}
	return ""
}

// signInCookie names the login history entry of this browser's sign-in,
// so that the security page does not offer to report it as someone
// else's. It is no secret: a forged one hides the offer in the forger's own
// browser only.
const signInCookie = "portalmfa_signin"

// RecordSignIn records the outcome of the host's own password step for
// userID, err from [portalmfa.Service.PasswordAttempt] (nil when it
// passed), in the login history: call it for a refused password, and for
// an accepted one when no second step follows. On a sign-in, the overview
// of this browser then marks its entry as its own.
func (h *Handler) RecordSignIn(w http.ResponseWriter, r *http.Request, userID string, err error) {
	h.svc.RecordSignIn(r.Context(), userID, h.client(r), err)
	if err == nil {
		h.markSignIn(w, r, userID)
	}
}

// markSignIn remembers, in this browser, the entry of the sign-in of
// userID that just passed: the newest success of their history. A failure
// to read it is logged; the page then offers to report every entry.
func (h *Handler) markSignIn(w http.ResponseWriter, r *http.Request, userID string) {
	es, err := h.svc.LoginHistory(r.Context(), userID)
	if err != nil {
		h.log.ErrorContext(r.Context(), "portalmfa/httpx: reading the sign-in just passed", "err", err)
		return
	}
	for _, e := range es {
		if e.Success {
			http.SetCookie(w, &http.Cookie{
				Name: signInCookie, Value: e.ID, Path: h.cfg.SecurityPath,
				HttpOnly: true, Secure: h.cfg.HTTPS(r), SameSite: http.SameSiteLaxMode,
			})
			return
		}
	}
}

// notMePage asks to confirm "this wasn't me" on an entry of the user's
// recent history, saying what it will do. An entry that is not one of the
// user's recent attempts is not found.
func (h *Handler) notMePage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	es, err := h.svc.LoginHistory(r.Context(), u.ID)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	for _, v := range h.historyViews(lang, h.location(u), es, "") {
		if v.ID == r.PathValue("id") {
			h.render(w, r, kindSecurity, lang, "not-me.html", http.StatusOK, &view{
				History: []historyView{v}, EndsSessions: h.cfg.EndOtherSessions != nil,
			})
			return
		}
	}
	h.renderError(w, r, kindSecurity, lang, http.StatusNotFound, msgEventUnknown)
}

// notMe is "this wasn't me", confirmed, on an entry of the user's recent
// history: the Service revokes every trusted device (this browser's cookie
// goes too), the host ends the user's other sessions, and the overview
// then says so, marks the entry and points to changing the password. An
// entry that is not one of the user's recent attempts is not found.
func (h *Handler) notMe(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	err := h.svc.NotMe(r.Context(), u.ID, r.PathValue("id"), h.client(r))
	switch {
	case err == nil:
		if h.deviceToken(r) != "" {
			h.clearDevice(w, r)
		}
		if h.cfg.EndOtherSessions != nil {
			h.cfg.EndOtherSessions(r, u.ID)
		}
		h.to(w, r, "/?done=not-me#portalmfa-history")
	case isUserError(err, portalmfa.ErrNotYourEvent):
		h.renderError(w, r, kindSecurity, lang, http.StatusNotFound, msgEventUnknown)
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}
