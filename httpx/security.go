package httpx

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/oob/phone"
)

func (h *Handler) securityHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.withUser(h.overview))
	mux.HandleFunc("GET /verify", h.withUser(h.verifyPage))
	mux.HandleFunc("POST /verify", h.withUser(h.verify))
	mux.HandleFunc("POST /verify/send/{channel}", h.withUser(h.sendVerifyCode))
	mux.HandleFunc("POST /totp/begin", h.withUser(h.beginTOTP))
	mux.HandleFunc("POST /totp/replace", h.withUser(h.replaceTOTP))
	mux.HandleFunc("GET /totp/setup", h.withUser(h.setupPage))
	mux.HandleFunc("GET /totp/qr.png", h.withUser(h.qrCode))
	mux.HandleFunc("POST /totp/codes", h.withUser(h.toWizardCodes))
	mux.HandleFunc("GET /totp/codes", h.withUser(h.wizardCodes))
	mux.HandleFunc("POST /totp/cancel", h.withUser(h.cancelTOTP))
	mux.HandleFunc("GET /totp/confirm", h.withUser(h.confirmPage))
	mux.HandleFunc("POST /totp/confirm", h.withUser(h.confirmTOTP))
	mux.HandleFunc("POST /backup-codes/download", h.withUser(h.downloadCodes))
	mux.HandleFunc("GET /backup-codes/regenerate", h.withUser(h.regeneratePage))
	mux.HandleFunc("POST /backup-codes/regenerate", h.withUser(h.regenerateCodes))
	mux.HandleFunc("GET /totp/disable", h.withUser(h.disablePage))
	mux.HandleFunc("POST /totp/disable", h.withUser(h.disableTOTP))
	mux.HandleFunc("GET /passkeys/add", h.withUser(h.addPasskeyPage))
	mux.HandleFunc("POST /passkeys/add", h.withUser(h.addPasskey))
	mux.HandleFunc("POST /passkeys/{id}/rename", h.withUser(h.renamePasskey))
	mux.HandleFunc("GET /passkeys/{id}/delete", h.withUser(h.deletePasskeyPage))
	mux.HandleFunc("POST /passkeys/{id}/delete", h.withUser(h.deletePasskey))
	// A number is added, and codes by email turned on, only while the
	// Service sends them (404 otherwise); both are removed whenever.
	if h.svc.CodesOn(oob.SMS) {
		mux.HandleFunc("GET /phone/add", h.withUser(h.phoneAddPage))
		mux.HandleFunc("POST /phone/add", h.withUser(h.addPhone))
		mux.HandleFunc("POST /phone/confirm", h.withUser(h.confirmPhone))
	}
	mux.HandleFunc("GET /phone/remove", h.withUser(h.removePhonePage))
	mux.HandleFunc("POST /phone/remove", h.withUser(h.removePhone))
	if h.svc.CodesOn(oob.Email) {
		mux.HandleFunc("GET /email/enable", h.withUser(h.enableEmailPage))
		mux.HandleFunc("POST /email/enable", h.withUser(h.enableEmail))
	}
	mux.HandleFunc("GET /email/disable", h.withUser(h.removeEmailPage))
	mux.HandleFunc("POST /email/disable", h.withUser(h.disableEmail))
	mux.HandleFunc("POST /devices/{id}/rename", h.withUser(h.renameDevice))
	mux.HandleFunc("POST /devices/{id}/revoke", h.withUser(h.revokeDevice))
	mux.HandleFunc("POST /devices/revoke-all", h.withUser(h.revokeAllDevices))
	mux.HandleFunc("GET /history/{id}/not-me", h.withUser(h.notMePage))
	mux.HandleFunc("POST /history/{id}/not-me", h.withUser(h.notMe))
	mux.HandleFunc("GET /static/{file}", h.serveStatic)
	return h.wrap(kindSecurity, mux, "/verify", "/passkeys/add")
}

type userHandler func(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int)

// withUser lets only the signed-in user of a full host session through. A
// visitor without one is sent to the login page; a form posted without one
// (the session ended meanwhile) is refused with a page saying so. The
// pending-login cookie is never looked at here: it is not a session.
func (h *Handler) withUser(next userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := h.cfg.CurrentUser(r)
		if !ok || u.ID == "" {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				h.redirectLogin(w, r, "")
				return
			}
			h.renderError(w, r, kindSecurity, h.pickLanguage(r, ""), http.StatusForbidden, msgSignedOut)
			return
		}
		next(w, r, u, h.pickLanguage(r, u.Language))
	}
}

// to redirects (303) to a path of the security page.
func (h *Handler) to(w http.ResponseWriter, r *http.Request, p string) {
	http.Redirect(w, r, h.cfg.SecurityPath+p, http.StatusSeeOther)
}

// isUserError reports whether err is target and not a failure on our side
// that happens to wrap it.
func isUserError(err, target error) bool {
	return errors.Is(err, target) && !errors.Is(err, portalmfa.ErrUnavailable)
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	h.showOverview(w, r, u, lang, http.StatusOK, nil, "")
}

// showOverview renders the overview: the second factor, the backup codes,
// the trusted devices and the recent login attempts. a is a message from a
// form of the page, and invalid the device whose new name it refused;
// without a message, the ?done= flash of the last action shows, if the
// account agrees.
func (h *Handler) showOverview(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, status int, a *alert, invalid string) {
	ctx := r.Context()
	pst, err := h.svc.PolicyState(ctx, u)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	st := pst.Status
	ds, err := h.svc.Devices(ctx, u.ID)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	es, err := h.svc.LoginHistory(ctx, u.ID)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	var ps []portalmfa.Passkey // Status counted them: none, no second read
	if st.Factor(portalmfa.FactorPasskey).Count > 0 {
		if ps, err = h.svc.Passkeys(ctx, u.ID); err != nil {
			h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
			return
		}
	}
	v := &view{TOTP: "off", Alert: a, Enabled: st.Enabled(), PasskeysOn: h.svc.PasskeysEnabled(),
		Banner: h.banner(lang, u, pst), NotAllowed: notAllowed(pst.Policy)}
	switch tf := st.Factor(portalmfa.FactorTOTP); tf.State {
	case portalmfa.On:
		v.TOTP, v.Since = "on", h.formatDate(lang, h.location(u), tf.Since)
		if tf.Replacing {
			v.TOTP = "replacing"
		}
	case portalmfa.Pending:
		v.TOTP = "pending"
	}
	// Each item while the Service sends its codes, or the user has them
	// from before (to be removed). Codes by email, a fallback, are offered
	// once another factor is on, unless the host lets them stand alone.
	if sms := st.Factor(portalmfa.FactorSMS); h.svc.CodesOn(oob.SMS) || sms.State == portalmfa.On {
		v.Phone = &codesView{On: sms.State == portalmfa.On, To: sms.To, Sends: h.svc.CodesOn(oob.SMS)}
	}
	if email := st.Factor(portalmfa.FactorEmail); (h.svc.CodesOn(oob.Email) && (st.Enabled() || h.svc.EmailAlone())) || email.State == portalmfa.On {
		v.Email = &codesView{On: email.State == portalmfa.On, To: email.To, Sends: h.svc.CodesOn(oob.Email)}
		if !v.Email.On {
			v.Email.To = phone.MaskEmail(u.Email)
		}
	}
	v.Primary = v.nextStep()
	if st.Enabled() {
		v.BackupCodes, v.BackupCodesLow = st.BackupCodes, st.BackupCodesLow
		v.RegenerateURL = h.cfg.SecurityPath + "/backup-codes/regenerate"
	}
	loc := h.location(u)
	v.Passkeys = h.passkeyViews(lang, loc, ps, invalid)
	v.Devices, v.ActiveDevices = h.deviceViews(r, lang, loc, ds, invalid)
	current := ""
	if c, err := r.Cookie(signInCookie); err == nil {
		current = c.Value
	}
	v.History = h.historyViews(lang, loc, es, current)
	if a == nil {
		v.Alert = h.flash(lang, r.URL.Query(), st, v)
	}
	v.placeAlert()
	h.render(w, r, kindSecurity, lang, "overview.html", status, v)
}

// nextStep is the kind of factor whose button the overview makes its one
// primary: an app's setup begun, or else, while 2FA is off, the first
// method offered (the app, a passkey, a phone, codes by email alone).
// Once 2FA is on, adding more is a choice, not the next step: none.
func (v *view) nextStep() string {
	switch {
	case v.TOTP == "pending" || v.TOTP == "replacing":
		return "totp"
	case v.Enabled:
		return ""
	case !v.NotAllowed["totp"]:
		return "totp"
	case v.PasskeysOn && !v.NotAllowed["passkey"]:
		return "passkey"
	case v.Phone != nil && v.Phone.Sends && !v.NotAllowed["sms"]:
		return "sms"
	case v.Email != nil && v.Email.Sends && !v.NotAllowed["email"]:
		return "email"
	}
	return ""
}

// placeAlert hands the page's message to the item of a list it is about,
// which shows it; a card's shows in the card. One about nothing on the
// page shows at the top.
func (v *view) placeAlert() {
	a := v.Alert
	if a == nil || a.For == "" {
		return
	}
	for i, d := range v.Devices {
		if a.For == "portalmfa-device-"+d.ID {
			v.Devices[i].Alert, v.Alert = a, nil
			return
		}
	}
	for i, p := range v.Passkeys {
		if a.For == "portalmfa-passkey-"+p.ID {
			v.Passkeys[i].Alert, v.Alert = a, nil
			return
		}
	}
	switch {
	case a.For == "portalmfa-devices", a.For == "portalmfa-history":
	case a.For == "portalmfa-passkeys" && v.PasskeysOn:
	case a.For == "portalmfa-phone" && v.Phone != nil:
	case a.For == "portalmfa-email" && v.Email != nil:
	default:
		a.For = "" // about nothing on the page: the top
	}
}

// flash is the message of the ?done= query, when the account is in the
// state it announces: it only confirms what the page shows anyway, so a
// stale or crafted link cannot announce a state the account is not in. It
// is for the item the query names (device=, passkey=), else its card.
func (h *Handler) flash(lang int, q url.Values, st portalmfa.Status, v *view) *alert {
	a := h.flashAlert(lang, q.Get("done"), st, v)
	if a == nil {
		return nil
	}
	switch {
	case q.Has("device"):
		a.For = "portalmfa-device-" + q.Get("device")
	case q.Has("passkey"):
		a.For = "portalmfa-passkey-" + q.Get("passkey")
	default:
		a.For = doneCard(q.Get("done"))
	}
	return a
}

func (h *Handler) flashAlert(lang int, done string, st portalmfa.Status, v *view) *alert {
	id := doneMessage(done)
	revoked := false
	for _, d := range v.Devices {
		revoked = revoked || d.Status == "revoked"
	}
	var show bool
	switch id {
	case msgDoneTOTPOn, msgDoneTOTPReplaced:
		show = st.Factor(portalmfa.FactorTOTP).State == portalmfa.On
	case msgDoneTOTPOff:
		show = st.Factor(portalmfa.FactorTOTP).State != portalmfa.On
	case msgDonePasskeyAdded, msgDonePasskeyRenamed:
		show = len(v.Passkeys) > 0
	case msgDonePasskeyDeleted, msgDonePhoneGone:
		show = true
	case msgDonePhoneAdded:
		show = st.Factor(portalmfa.FactorSMS).State == portalmfa.On
	case msgDoneEmailOn:
		show = st.Factor(portalmfa.FactorEmail).State == portalmfa.On
	case msgDoneEmailOff:
		show = st.Factor(portalmfa.FactorEmail).State != portalmfa.On
	case msgDoneDeviceRenamed:
		show = len(v.Devices) > 0
	case msgDoneDeviceRevoked:
		show = revoked
	case msgDoneDevicesRevoked:
		show = v.ActiveDevices == 0
	case msgDoneNotMe:
		reported := false
		for _, e := range v.History {
			reported = reported || e.Reported
		}
		if v.ActiveDevices > 0 || !reported {
			return nil
		}
		if h.cfg.EndOtherSessions != nil {
			id = msgDoneNotMeSessions
		}
		a := &alert{Kind: "warning", Text: h.text(lang, id)}
		if h.cfg.ChangePasswordURL != "" {
			a.Link, a.LinkText = h.cfg.ChangePasswordURL, h.text(lang, msgChangePassword)
		}
		return a
	}
	if !show {
		return nil
	}
	return &alert{Kind: "success", Text: h.text(lang, id)}
}

// beginTOTP starts the wizard, or starts it again with a new key.
func (h *Handler) beginTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	_, err := h.svc.BeginTOTP(r.Context(), u, h.proof(r))
	switch {
	case err == nil:
		h.to(w, r, "/totp/setup")
	case isProofError(err):
		h.needs(w, r, u, lang, portalmfa.AddFactor, "/totp/setup")
	case isUserError(err, portalmfa.ErrAlreadyEnabled):
		h.to(w, r, "/")
	default:
		h.refusal(w, r, u, lang, err)
	}
}

// replaceTOTP starts setting up a new app in place of the one on (a lost
// phone), or starts it again with a new key; the old app works meanwhile.
func (h *Handler) replaceTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	_, err := h.svc.BeginTOTPReplacement(r.Context(), u, h.proof(r))
	switch {
	case err == nil:
		h.to(w, r, "/totp/setup")
	case isProofError(err):
		h.needs(w, r, u, lang, portalmfa.AddFactor, replaceSetup)
	case isUserError(err, portalmfa.ErrNotEnrolled):
		h.to(w, r, "/")
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// replaceSetup is step 1 of the wizard asked to replace the app: where the
// verify page comes back to after a replacement needed it.
const replaceSetup = "/totp/setup?replace=1"

func (h *Handler) setupPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	h.showSetup(w, r, u, lang, http.StatusOK, nil)
}

// showSetup renders step 1 of the wizard for the pending enrollment or
// replacement, with a message when there is one. Every step of the wizard
// needs the recent verification its beginning needs, pending enrollment or
// not; without a pending one, it begins one (the page the verify page
// comes back to): a replacement when asked (replaceSetup). With TOTP on
// and nothing being set up, the user goes back to the overview.
func (h *Handler) showSetup(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, status int, a *alert) {
	ctx := r.Context()
	back := "/totp/setup"
	if r.URL.Query().Has("replace") {
		back = replaceSetup
	}
	st, ok := h.wizardAllowed(w, r, u, lang, back)
	if !ok {
		return
	}
	replacing := st.Factor(portalmfa.FactorTOTP).State == portalmfa.On
	e, err := h.svc.PendingTOTP(ctx, u, h.proof(r))
	switch {
	case isUserError(err, portalmfa.ErrNotEnrolled) && replacing:
		e, err = h.svc.BeginTOTPReplacement(ctx, u, h.proof(r))
	case isUserError(err, portalmfa.ErrNotEnrolled):
		e, err = h.svc.BeginTOTP(ctx, u, h.proof(r))
	}
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	h.render(w, r, kindSecurity, lang, "setup.html", status, &view{
		Alert:       a,
		Step:        1,
		Replacing:   replacing,
		WizardCodes: !st.Enabled(),
		Key:         e.Key,
		KeyGroups:   keyGroups(e.Key),
		OTPAuthURI:  template.URL(e.URI), //nolint:gosec // built by totp.URI, every part escaped
	})
}

// wizardAllowed reports whether u may see the TOTP wizard now: TOTP not
// on, and a recent verification that allows adding it. Otherwise it has
// answered: the overview, or the verify page coming back to back.
func (h *Handler) wizardAllowed(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, back string) (portalmfa.Status, bool) {
	st, err := h.svc.Status(r.Context(), u.ID)
	f := st.Factor(portalmfa.FactorTOTP)
	switch {
	case err != nil:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return st, false
	case f.State == portalmfa.On && !f.Replacing && back != replaceSetup:
		h.to(w, r, "/")
		return st, false
	}
	return st, h.needs(w, r, u, lang, portalmfa.AddFactor, back)
}

// qrCode serves the pending secret as a QR code. It is an image of the
// secret, so it is never cached, and the URL carries nothing secret.
func (h *Handler) qrCode(w http.ResponseWriter, r *http.Request, u portalmfa.User, _ int) {
	png, err := h.svc.TOTPQRCode(r.Context(), u, h.proof(r))
	switch {
	case isUserError(err, portalmfa.ErrNotEnrolled):
		http.NotFound(w, r)
		return
	case isProofError(err):
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	case err != nil:
		code := h.unavailable(r, err)
		http.Error(w, http.StatusText(code), code)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	_, _ = w.Write(png)
}

// toWizardCodes is step 1's Next: 303 to step 2, so that a reload of step 2,
// and Back from step 3, are GETs that post nothing again.
func (h *Handler) toWizardCodes(w http.ResponseWriter, r *http.Request, _ portalmfa.User, _ int) {
	h.to(w, r, "/totp/codes")
}

// wizardCodes is step 2: it shows the enrollment's backup codes, made on
// the first visit and the same on every later one until the wizard ends;
// none is valid before step 3 turns TOTP on.
func (h *Handler) wizardCodes(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	codes, err := h.svc.PendingBackupCodes(r.Context(), u.ID, h.proof(r))
	switch {
	case err == nil:
		h.showCodes(w, r, u, lang, codes, codesWizard)
	case isProofError(err):
		h.wizardAllowed(w, r, u, lang, "/totp/setup")
	case isUserError(err, portalmfa.ErrAlreadyEnabled):
		h.to(w, r, "/totp/confirm") // 2FA is on: the account has its codes
	case isUserError(err, portalmfa.ErrNotEnrolled):
		h.to(w, r, "/") // nothing pending
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// cancelTOTP is Cancel in the wizard: the pending enrollment goes (an
// active one stays), and back to the overview.
func (h *Handler) cancelTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if err := h.svc.CancelTOTP(r.Context(), u.ID); err != nil && !isUserError(err, portalmfa.ErrNotEnrolled) {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	h.to(w, r, "/")
}

// confirmPage is step 3, the code form. Whether step 2 came first is the
// Service's to check when the code is posted.
func (h *Handler) confirmPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	st, ok := h.wizardAllowed(w, r, u, lang, "/totp/confirm")
	switch f := st.Factor(portalmfa.FactorTOTP); {
	case !ok:
	case f.State != portalmfa.Pending && !f.Replacing:
		h.to(w, r, "/")
	case !st.Enabled() && !st.BackupCodesShown:
		// Step 2 was skipped: back to step 1, whose Next shows the codes.
		h.showSetup(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgCodesFirst)})
	default:
		h.render(w, r, kindSecurity, lang, "confirm.html", http.StatusOK, &view{Step: 3, WizardCodes: !st.Enabled(), Focus: true})
	}
}

func (h *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	st, err := h.svc.Status(r.Context(), u.ID)
	if err == nil {
		err = h.svc.ConfirmTOTP(r.Context(), u.ID, r.PostForm.Get("code"), h.proof(r), h.client(r))
	}
	switch {
	case err == nil && st.Factor(portalmfa.FactorTOTP).Replacing:
		h.to(w, r, "/?done=totp-replaced")
	case err == nil:
		h.to(w, r, "/?done=totp-on")
	case isProofError(err):
		h.wizardAllowed(w, r, u, lang, "/totp/confirm")
	case isUserError(err, portalmfa.ErrAlreadyEnabled):
		h.to(w, r, "/")
	case isUserError(err, portalmfa.ErrNotEnrolled):
		// The wizard was restarted in another tab (or finished there):
		// show the current key, if any, and say why the code failed.
		h.showSetup(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgSetupRestarted)})
	case isUserError(err, portalmfa.ErrNoBackupCodes):
		// Step 2 was skipped: back to step 1, whose Next shows the codes.
		h.showSetup(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgCodesFirst)})
	default:
		status, a := h.problem(w, r, lang, err)
		h.render(w, r, kindSecurity, lang, "confirm.html", status, &view{Step: 3, WizardCodes: !st.Enabled(), Alert: a, Focus: true})
	}
}

// disablePage asks to confirm turning the app off, once the change is
// allowed.
func (h *Handler) disablePage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	st, err := h.svc.Status(r.Context(), u.ID)
	switch {
	case err != nil:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	case st.Factor(portalmfa.FactorTOTP).State != portalmfa.On:
		h.to(w, r, "/")
	case h.needs(w, r, u, lang, portalmfa.RemoveFactor, "/totp/disable"):
		h.render(w, r, kindSecurity, lang, "remove.html", http.StatusOK, &view{
			Remove: "totp", Action: "/totp/disable", LastFactor: st.Credentials() == 1,
		})
	}
}

func (h *Handler) disableTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	err := h.svc.RemoveTOTP(r.Context(), u.ID, h.proof(r), h.client(r))
	switch {
	case err == nil:
		h.to(w, r, "/?done=totp-off")
	case isProofError(err):
		h.disablePage(w, r, u, lang) // the need may have grown: verify again
	default:
		h.refusal(w, r, u, lang, err)
	}
}
