package httpx

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
)

// The console's audit log: every user's security events, or their sign-in
// attempts, newest first; filtered by user, kind and dates; a page at a
// time, each page going on from the last entry of the one before.

// auditPerPage is the length of a page of the log.
const auditPerPage = 50

// Message IDs of the audit log.
const (
	msgAdminNoLog    = "admin.audit.no_log"
	msgAuditSecurity = "admin.audit.kind.security"
	msgAuditFailed   = "admin.audit.kind.failed"
	msgAuditAttempts = "admin.audit.kind.attempts"

	msgKindAttempt          = "admin.kind.attempt"
	msgKindTwoFactorOn      = "admin.kind.2fa_enabled"
	msgKindTwoFactorOff     = "admin.kind.2fa_disabled"
	msgKindTOTPOn           = "admin.kind.totp_enabled"
	msgKindTOTPOff          = "admin.kind.totp_disabled"
	msgKindTOTPReplaced     = "admin.kind.totp_replaced"
	msgKindPasskeyAdded     = "admin.kind.passkey_added"
	msgKindPasskeyRemoved   = "admin.kind.passkey_removed"
	msgKindPasskeyCloned    = "admin.kind.passkey_cloned"
	msgKindPhoneAdded       = "admin.kind.phone_added"
	msgKindPhoneReplaced    = "admin.kind.phone_replaced"
	msgKindPhoneRemoved     = "admin.kind.phone_removed"
	msgKindEmailCodesOn     = "admin.kind.email_codes_on"
	msgKindEmailCodesOff    = "admin.kind.email_codes_off"
	msgKindCodesRegenerated = "admin.kind.codes_regenerated"
	msgKindCodeUsed         = "admin.kind.code_used"
	msgKindDeviceTrusted    = "admin.kind.device_trusted"
	msgKindDeviceRevoked    = "admin.kind.device_revoked"
	msgKindLockedOut        = "admin.kind.locked_out"
	msgKindCodesSuspended   = "admin.kind.codes_suspended"
	msgKindAdminReset       = "admin.kind.admin_reset"
	msgKindNotMe            = "admin.kind.not_me"
	msgKindPolicySaved      = "admin.kind.policy_saved"
	msgKindPolicyDeleted    = "admin.kind.policy_deleted"
	msgKindOther            = "admin.kind.other"
)

// kindMessage is the message of an entry's kind.
func kindMessage(k history.Kind) string {
	switch k {
	case history.Attempt:
		return msgKindAttempt
	case history.TwoFactorEnabled:
		return msgKindTwoFactorOn
	case history.TwoFactorDisabled:
		return msgKindTwoFactorOff
	case history.TOTPEnabled:
		return msgKindTOTPOn
	case history.TOTPDisabled:
		return msgKindTOTPOff
	case history.TOTPReplaced:
		return msgKindTOTPReplaced
	case history.PasskeyAdded:
		return msgKindPasskeyAdded
	case history.PasskeyRemoved:
		return msgKindPasskeyRemoved
	case history.PasskeyCloned:
		return msgKindPasskeyCloned
	case history.PhoneAdded:
		return msgKindPhoneAdded
	case history.PhoneReplaced:
		return msgKindPhoneReplaced
	case history.PhoneRemoved:
		return msgKindPhoneRemoved
	case history.EmailCodesOn:
		return msgKindEmailCodesOn
	case history.EmailCodesOff:
		return msgKindEmailCodesOff
	case history.CodesRegenerated:
		return msgKindCodesRegenerated
	case history.CodeUsed:
		return msgKindCodeUsed
	case history.DeviceTrusted:
		return msgKindDeviceTrusted
	case history.DeviceRevoked:
		return msgKindDeviceRevoked
	case history.LockedOut:
		return msgKindLockedOut
	case history.CodesSuspended:
		return msgKindCodesSuspended
	case history.AdminReset:
		return msgKindAdminReset
	case history.NotMe:
		return msgKindNotMe
	case history.PolicySaved:
		return msgKindPolicySaved
	case history.PolicyDeleted:
		return msgKindPolicyDeleted
	}
	return msgKindOther
}

// auditView is the log's page: its filter as typed, the kinds it offers,
// the entries, and the links to the newest and the older entries.
type auditView struct {
	User, Kind, From, To string
	Kinds                []auditKind
	Rows                 []auditRow
	NewestURL, OlderURL  string
}

// auditKind is an option of the log's filter of kinds.
type auditKind struct{ Value, Label string }

// auditRow is an entry as the log shows it.
type auditRow struct {
	When, Datetime  string // in the administrator's zone; RFC 3339
	UserID, Name    string // Name: the host's label of the user, "" if unknown
	Event           string // the kind, translated
	Policy          string // the name of the policy changed, for a policy's change
	Method, Reason  string // an attempt's, translated
	Attempt, Failed bool
	Actor, IP       string
	Device, Note    string
}

// auditQuery reads the log's filter from the URL: "kind" is "" (security
// events), "failed" (failed second-factor attempts, as the dashboard counts
// them), "attempts" (every attempt, the host's password steps included) or
// a kind of security event; "from" and "to" are days in loc, both included;
// "after" is the place the page goes on from. ok is false for a filter the
// log does not know.
func auditQuery(q url.Values, loc *time.Location) (hq history.Query, ok bool) {
	hq.UserID = strings.TrimSpace(q.Get("user"))
	switch kind := q.Get("kind"); kind {
	case "":
		hq.Kinds = history.SecurityKinds()
	case "failed":
		hq.Failed, hq.Methods = true, history.SecondFactorMethods()
	case "attempts":
		hq.Kinds = []history.Kind{history.Attempt}
	default:
		if !slices.Contains(history.SecurityKinds(), history.Kind(kind)) {
			return hq, false
		}
		hq.Kinds = []history.Kind{history.Kind(kind)}
	}
	day := func(name string, to *time.Time) bool {
		s := q.Get(name)
		if s == "" {
			return true
		}
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		*to = d
		return err == nil
	}
	if !day("from", &hq.Since) || !day("to", &hq.Until) {
		return hq, false
	}
	if !hq.Until.IsZero() {
		hq.Until = hq.Until.AddDate(0, 0, 1) // the end of the day
	}
	if after := q.Get("after"); after != "" {
		ms, id, found := strings.Cut(after, ".")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !found || err != nil {
			return hq, false
		}
		hq.After = history.Cursor{At: time.UnixMilli(n), ID: id}
	}
	return hq, len(hq.UserID) <= 200
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	loc := h.location(admin)
	q := r.URL.Query()
	hq, ok := auditQuery(q, loc)
	if !ok {
		h.renderError(w, r, kindAdmin, lang, http.StatusBadRequest, msgBadRequest)
		return
	}
	es, err := h.svc.AuditLog(r.Context(), hq, auditPerPage+1)
	switch {
	case errors.Is(err, history.ErrInvalidCursor):
		h.renderError(w, r, kindAdmin, lang, http.StatusBadRequest, msgBadRequest)
		return
	case errors.Is(err, portalmfa.ErrNoLog):
		h.renderError(w, r, kindAdmin, lang, http.StatusNotImplemented, msgAdminNoLog)
		return
	case err != nil:
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	a := &auditView{User: hq.UserID, Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to")}
	a.Kinds = []auditKind{{"", h.text(lang, msgAuditSecurity)}, {"failed", h.text(lang, msgAuditFailed)},
		{"attempts", h.text(lang, msgAuditAttempts)}}
	for _, k := range history.SecurityKinds() {
		a.Kinds = append(a.Kinds, auditKind{string(k), h.text(lang, kindMessage(k))})
	}
	link := func(after string) string {
		v := url.Values{"user": {a.User}, "kind": {a.Kind}, "from": {a.From}, "to": {a.To}}
		if after != "" {
			v.Set("after", after)
		}
		return h.cfg.AdminPath + "/audit?" + v.Encode()
	}
	if len(es) > auditPerPage {
		es = es[:auditPerPage]
		last := es[len(es)-1]
		a.OlderURL = link(strconv.FormatInt(last.At.UnixMilli(), 10) + "." + last.ID)
	}
	if !hq.After.IsZero() {
		a.NewestURL = link("")
	}
	names := h.userNames(r, es)
	for _, e := range es {
		row := auditRow{When: h.formatDateTime(lang, loc, e.At), Datetime: e.At.Format(time.RFC3339), UserID: e.UserID,
			Name: names[e.UserID], Event: h.text(lang, kindMessage(e.Kind)), Actor: e.Actor, IP: e.IP, Device: e.Device, Note: e.Note}
		switch e.Kind {
		case history.PolicySaved, history.PolicyDeleted:
			row.Policy, row.Note = e.Note, ""
		case history.Attempt:
			row.Attempt, row.Failed, row.Method = true, !e.Success, h.text(lang, methodMessage(e.Method))
			if id := reasonMessage(e.Reason); !e.Success && id != "" {
				row.Reason = h.text(lang, id)
			}
		}
		a.Rows = append(a.Rows, row)
	}
	h.render(w, r, kindAdmin, lang, "admin-audit.html", http.StatusOK, &view{Audit: a})
}

// userNames gives the host's label of each user of es, through
// Config.LookupUser: a user the host no longer knows, or a lookup that
// fails, is shown by ID.
func (h *Handler) userNames(r *http.Request, es []history.Event) map[string]string {
	names := map[string]string{}
	for _, e := range es {
		if _, done := names[e.UserID]; done || e.UserID == "" { // "": a policy's change
			continue
		}
		names[e.UserID] = ""
		if u, err := h.svc.LookupUser(r.Context(), e.UserID); err == nil && (u.Name != "" || u.Email != "") {
			names[e.UserID] = u.AccountLabel()
		}
	}
	return names
}
