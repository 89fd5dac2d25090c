package httpx

import (
	"net/http"
	"net/url"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/devices"
)

// deviceCookie holds the token of a trusted device: the token only, which
// the Service stores as a hash.
//
// Over HTTPS its name takes the __Host- prefix, and it is Secure: a
// browser then accepts it only from a secure origin, for Path=/ and with no
// Domain, so neither a sibling subdomain nor a plain-http page of the same
// host can plant or overwrite it. Browsers refuse a __Host- cookie without
// Secure, and refuse Secure cookies from plain http, so on http (a demo on
// localhost) the prefix is off and the plain name is used; the two names
// never mix, as each scheme reads only its own.
const (
	deviceCookie       = "portalmfa_device"
	secureDeviceCookie = "__Host-" + deviceCookie
)

func (h *Handler) deviceCookieFor(r *http.Request, value string) *http.Cookie {
	c := &http.Cookie{
		Name:     deviceCookie,
		Value:    value,
		Path:     "/", // read by the host's login handler, wherever it is
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if h.cfg.HTTPS(r) {
		c.Name, c.Secure = secureDeviceCookie, true
	}
	return c
}

// deviceToken returns the trusted-device token r carries, or "".
func (h *Handler) deviceToken(r *http.Request) string {
	c, err := r.Cookie(h.deviceCookieFor(r, "").Name)
	if err != nil {
		return ""
	}
	return c.Value
}

// currentDeviceID returns the ID of the device r's cookie was issued for,
// or "" without a cookie. The cookie is not checked here: it only marks
// "this device" in the list, and decides nothing.
func (h *Handler) currentDeviceID(r *http.Request) string {
	if t := h.deviceToken(r); t != "" {
		return h.svc.DeviceID(t)
	}
	return ""
}

func (h *Handler) clearDevice(w http.ResponseWriter, r *http.Request) {
	c := h.deviceCookieFor(r, "")
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// trustIfAsked trusts the browser once the challenge is passed, when its
// "trust this device" box was ticked. A failure to remember the device is
// logged and the login goes on: the second factor did pass, and the next
// login simply asks again.
func (h *Handler) trustIfAsked(w http.ResponseWriter, r *http.Request, userID string) {
	if r.PostForm.Get("trust") != "1" {
		return
	}
	token, expires, err := h.svc.TrustDevice(r.Context(), userID, h.client(r))
	if err != nil {
		h.log.ErrorContext(r.Context(), "portalmfa/httpx: trusting a device", "err", err)
		return
	}
	c := h.deviceCookieFor(r, token)
	// The cookie expires with the device. A relative MaxAge needs no
	// agreement between our clock and the browser's.
	c.MaxAge = int(expires.Sub(h.svc.Now()) / time.Second)
	http.SetCookie(w, c)
}

// trustLabel splits a trust period for the checkbox label: whole days,
// or whole hours when it is under a day. Rounded down, so the label never
// promises more than the Service gives.
func trustLabel(d time.Duration) (days, hours int) {
	if d >= 24*time.Hour {
		return int(d / (24 * time.Hour)), 0
	}
	return 0, max(int(d/time.Hour), 1)
}

// deviceView is one trusted device as the overview lists it.
type deviceView struct {
	ID       string
	Name     string // "" when the User-Agent told nothing
	IP       string
	LastUsed string // dates, formatted for the language
	Expires  string
	Revoked  string
	Status   string // "active", "expired" or "revoked"
	Current  bool   // the browser looking at the page
	Invalid  bool   // its rename was just refused
	Alert    *alert // the page's message, when it is about this device
}

func (h *Handler) deviceViews(r *http.Request, lang int, loc *time.Location, ds []devices.Device, invalid string) (views []deviceView, active int) {
	now := h.svc.Now()
	current := h.currentDeviceID(r)
	for _, d := range ds {
		st := d.StatusAt(now)
		if st == devices.Active {
			active++
		}
		views = append(views, deviceView{
			ID:       d.ID,
			Name:     d.Name,
			IP:       d.IP,
			LastUsed: h.formatDate(lang, loc, d.LastUsedAt),
			Expires:  h.formatDate(lang, loc, d.ExpiresAt),
			Revoked:  h.formatDate(lang, loc, d.RevokedAt),
			Status:   string(st),
			Current:  current != "" && d.ID == current,
			Invalid:  d.ID == invalid,
		})
	}
	return views, active
}

// renameDevice names one of the user's devices. A name that is empty once
// cleaned, or too long, shows the overview again with a message; another
// user's device ID is not found, and nothing changes.
func (h *Handler) renameDevice(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	id := r.PathValue("id")
	err := h.svc.RenameDevice(r.Context(), u.ID, id, r.PostForm.Get("name"))
	switch {
	case err == nil:
		h.to(w, r, deviceDone("device-renamed", id))
	case isUserError(err, portalmfa.ErrInvalidName):
		h.showOverview(w, r, u, lang, http.StatusUnprocessableEntity,
			&alert{Kind: "danger", Text: h.text(lang, msgDeviceName), For: "portalmfa-device-" + id}, id)
	case isUserError(err, portalmfa.ErrUnknownDevice):
		h.renderError(w, r, kindSecurity, lang, http.StatusNotFound, msgDeviceUnknown)
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// deviceDone is the overview after action done on the device id: scrolled
// to it, with the message beside it.
func deviceDone(done, id string) string {
	return "/?" + url.Values{"done": {done}, "device": {id}}.Encode() + "#portalmfa-device-" + url.PathEscape(id)
}

// revokeDevice stops trusting one of the user's devices. When it is the
// browser asking, its cookie goes too.
func (h *Handler) revokeDevice(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	id := r.PathValue("id")
	err := h.svc.RevokeDevice(r.Context(), u.ID, id, h.client(r))
	switch {
	case err == nil:
		if id == h.currentDeviceID(r) {
			h.clearDevice(w, r)
		}
		h.to(w, r, deviceDone("device-revoked", id))
	case isUserError(err, portalmfa.ErrUnknownDevice):
		h.renderError(w, r, kindSecurity, lang, http.StatusNotFound, msgDeviceUnknown)
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// revokeAllDevices stops trusting every device of the user.
func (h *Handler) revokeAllDevices(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	if _, err := h.svc.RevokeAllDevices(r.Context(), u.ID, h.client(r)); err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	if h.deviceToken(r) != "" {
		h.clearDevice(w, r)
	}
	h.to(w, r, "/?done=devices-revoked#portalmfa-devices")
}
