package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language/display"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

// The administrator's console: for now its policies, listed with how many
// users each targets, created, edited and deleted. The host mounts it
// behind its own administrator authentication, and Config.CurrentAdmin
// says who that is: anyone else gets 403, and without CurrentAdmin the
// console does not exist (404).

// Admin returns the handler of the administrator's console. Mount it with
// the prefix stripped, behind the host's administrator authentication:
//
//	mux.Handle("/admin/2fa/", http.StripPrefix("/admin/2fa", adminOnly(h.Admin())))
func (h *Handler) Admin() http.Handler { return h.admin }

// Message IDs of the console used from Go code.
const (
	msgAdminForbidden   = "admin.forbidden"
	msgAdminName        = "admin.error.name"
	msgAdminGroups      = "admin.error.groups"
	msgAdminDeadline    = "admin.error.deadline"
	msgAdminNumber      = "admin.error.number"
	msgAdminInvalid     = "admin.error.invalid"
	msgAdminInConfig    = "admin.error.in_config"
	msgAdminExists      = "admin.error.exists"
	msgAdminChanged     = "admin.error.changed"
	msgAdminNoStore     = "admin.error.no_store"
	msgAdminUnmet       = "admin.error.unmet"
	msgAdminSaved       = "admin.done.saved"
	msgAdminDeleted     = "admin.done.deleted"
	msgAdminPreview     = "admin.form.preview_result" // plural, in users
	msgAdminPreviewNone = "admin.form.preview_none"

	msgAdminEveryone      = "admin.target.everyone"
	msgAdminAllFactors    = "admin.factors.all"
	msgAdminDeadlineDate  = "admin.deadline.date"
	msgAdminDeadlineGrace = "admin.deadline.grace" // plural, in days
	msgAdminDevicesCap    = "admin.devices.cap"    // plural, in days
	msgAdminOptional      = "admin.level.optional"
	msgAdminRecommended   = "admin.level.recommended"
	msgAdminRequired      = "admin.level.required"
	msgAdminTOTP          = "admin.factor.totp"
	msgAdminPasskey       = "admin.factor.passkey"
	msgAdminSMS           = "admin.factor.sms"
	msgAdminEmail         = "admin.factor.email"
)

// levelMessage is the message of a policy's level.
func levelMessage(l policy.Level) string {
	switch l {
	case policy.Recommended:
		return msgAdminRecommended
	case policy.Required:
		return msgAdminRequired
	}
	return msgAdminOptional
}

// factorMessage is the message of a kind of factor a policy may allow.
func factorMessage(kind string) string {
	switch kind {
	case "passkey":
		return msgAdminPasskey
	case "sms":
		return msgAdminSMS
	case "email":
		return msgAdminEmail
	}
	return msgAdminTOTP
}

func (h *Handler) adminHandler() http.Handler {
	if h.cfg.CurrentAdmin == nil {
		return http.NotFoundHandler()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.withAdmin(h.dashboard))
	mux.HandleFunc("GET /policies", h.withAdmin(h.policiesPage))
	mux.HandleFunc("GET /users", h.withAdmin(h.usersPage))
	mux.HandleFunc("GET /users.csv", h.withAdmin(h.usersCSV))
	mux.HandleFunc("GET /audit", h.withAdmin(h.auditPage))
	mux.HandleFunc("GET /users/{id}/reset", h.withAdmin(h.resetPage))
	mux.HandleFunc("POST /users/{id}/reset", h.withAdmin(h.reset))
	mux.HandleFunc("GET /policies/new", h.withAdmin(h.newPolicyPage))
	mux.HandleFunc("POST /policies/new", h.withAdmin(h.savePolicy))
	mux.HandleFunc("GET /policies/{name}", h.withAdmin(h.editPolicyPage))
	mux.HandleFunc("POST /policies/{name}", h.withAdmin(h.savePolicy))
	mux.HandleFunc("GET /policies/{name}/delete", h.withAdmin(h.deletePolicyPage))
	mux.HandleFunc("POST /policies/{name}/delete", h.withAdmin(h.deletePolicy))
	mux.HandleFunc("GET /static/{file}", h.serveStatic)
	return h.wrap(kindAdmin, mux)
}

// actor is the administrator of r, for the audit log.
func (h *Handler) actor(r *http.Request, admin portalmfa.User) portalmfa.Actor {
	return portalmfa.Actor{Name: admin.AccountLabel(), Client: h.client(r)}
}

// adminKey is the context key of the administrator withAdmin let through.
type adminKey struct{}

type adminHandler func(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int)

// withAdmin lets only the host's administrator through.
func (h *Handler) withAdmin(next adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		admin, ok := h.cfg.CurrentAdmin(r)
		if !ok || admin.ID == "" {
			h.log.WarnContext(r.Context(), "portalmfa/httpx: console refused", "path", r.URL.Path, "ip", h.cfg.ClientIP(r))
			h.renderError(w, r, kindAdmin, h.pickLanguage(r, ""), http.StatusForbidden, msgAdminForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		// For render, which hands the administrator to the layout.
		r = r.WithContext(context.WithValue(r.Context(), adminKey{}, admin))
		next(w, r, admin, h.pickLanguage(r, admin.Language))
	}
}

// policyRow is a policy as the console lists it.
type policyRow struct {
	Name, Target, Level, Factors, Deadline, Devices string
	Revision                                        int
	Users                                           int // -1 when unknown (no Config.ListUsers)
	InConfig                                        bool
}

// policyForm is the policy form's fields, as typed, and the revision of
// the policy it edits.
type policyForm struct {
	Name, Groups, Level, Grace, Deadline, Trust string
	Revision                                    int
	Everyone, Editing                           bool
	Allowed                                     map[string]bool
	Banners                                     []bannerField
	BannersSet                                  bool // a banner has a text: the list shows open
	// Invalid names the field a message is about, for aria-invalid.
	Invalid string
}

type bannerField struct{ Lang, Name, Text string }

func (h *Handler) policiesPage(w http.ResponseWriter, r *http.Request, _ portalmfa.User, lang int) {
	ps, err := h.svc.Policies(r.Context())
	if err != nil {
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	counts, err := h.svc.PolicyTargets(r.Context(), ps...)
	switch {
	case errors.Is(err, portalmfa.ErrNoUserList), errors.Is(err, portalmfa.ErrTooManyUsers):
		counts = nil // not counted: the column stays empty
	case err != nil:
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	v := &view{}
	for i, p := range ps {
		row := h.policyRow(lang, p)
		row.Users = -1
		if counts != nil {
			row.Users = counts[i]
		}
		row.InConfig = h.inConfig(p.Name)
		v.PolicyRows = append(v.PolicyRows, row)
	}
	switch r.URL.Query().Get("done") {
	case "saved":
		v.Alert = &alert{Kind: "success", Text: h.text(lang, msgAdminSaved)}
	case "deleted":
		v.Alert = &alert{Kind: "success", Text: h.text(lang, msgAdminDeleted)}
	}
	h.render(w, r, kindAdmin, lang, "admin-policies.html", http.StatusOK, v)
}

// policyRow describes p in words of the console's language.
func (h *Handler) policyRow(lang int, p policy.Policy) policyRow {
	row := policyRow{Name: p.Name, Revision: p.Revision, Level: h.text(lang, levelMessage(p.Level))}
	if p.Everyone {
		row.Target = h.text(lang, msgAdminEveryone)
	} else {
		row.Target = strings.Join(p.Groups, ", ")
	}
	if len(p.Allowed) == 0 {
		row.Factors = h.text(lang, msgAdminAllFactors)
	} else {
		names := make([]string, len(p.Allowed))
		for i, f := range p.Allowed {
			names[i] = h.text(lang, factorMessage(f))
		}
		row.Factors = strings.Join(names, ", ")
	}
	switch {
	case p.Level != policy.Required:
	case !p.Deadline.IsZero():
		row.Deadline = h.text(lang, msgAdminDeadlineDate, "Date", h.formatDate(lang, time.UTC, p.Deadline))
	default:
		row.Deadline = h.textPlural(lang, msgAdminDeadlineGrace, p.GraceDays)
	}
	if p.TrustDays > 0 {
		row.Devices = h.textPlural(lang, msgAdminDevicesCap, p.TrustDays)
	}
	return row
}

func (h *Handler) newPolicyPage(w http.ResponseWriter, r *http.Request, _ portalmfa.User, lang int) {
	h.showPolicyForm(w, r, lang, http.StatusOK, h.formOf(policy.Policy{Level: policy.Recommended}, false), nil)
}

func (h *Handler) editPolicyPage(w http.ResponseWriter, r *http.Request, _ portalmfa.User, lang int) {
	p, ok := h.storedPolicy(w, r, lang)
	if !ok {
		return
	}
	h.showPolicyForm(w, r, lang, http.StatusOK, h.formOf(p, true), nil)
}

// storedPolicy finds the policy of the path's name among those the store
// keeps; otherwise it has answered (404, or the error).
func (h *Handler) storedPolicy(w http.ResponseWriter, r *http.Request, lang int) (policy.Policy, bool) {
	name := r.PathValue("name")
	ps, err := h.svc.Policies(r.Context())
	if err != nil {
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return policy.Policy{}, false
	}
	i := slices.IndexFunc(ps, func(p policy.Policy) bool { return p.Name == name })
	if i < 0 || h.inConfig(name) {
		http.NotFound(w, r)
		return policy.Policy{}, false
	}
	return ps[i], true
}

// inConfig reports whether the policy of that name is kept in the
// Service's configuration, where the console cannot change it.
func (h *Handler) inConfig(name string) bool {
	return slices.ContainsFunc(h.svc.ConfigPolicies(), func(q policy.Policy) bool { return q.Name == name })
}

// formOf is p as the form shows it.
func (h *Handler) formOf(p policy.Policy, editing bool) *policyForm {
	f := &policyForm{Name: p.Name, Everyone: p.Everyone, Groups: strings.Join(p.Groups, ", "), Level: p.Level.String(),
		Revision: p.Revision, Editing: editing, Allowed: map[string]bool{}}
	for _, k := range p.Allowed {
		f.Allowed[k] = true
	}
	if p.GraceDays > 0 {
		f.Grace = strconv.Itoa(p.GraceDays)
	}
	if !p.Deadline.IsZero() {
		f.Deadline = p.Deadline.UTC().Format(time.DateOnly)
	}
	if p.TrustDays > 0 {
		f.Trust = strconv.Itoa(p.TrustDays)
	}
	for _, tag := range h.langs {
		base, _ := tag.Base()
		f.Banners = append(f.Banners, bannerField{Lang: base.String(), Name: display.Self.Name(base), Text: p.Banners[base.String()]})
		f.BannersSet = f.BannersSet || p.Banners[base.String()] != ""
	}
	return f
}

// showPolicyForm shows the form of f, with message a (a problem, or the
// preview's count).
func (h *Handler) showPolicyForm(w http.ResponseWriter, r *http.Request, lang, status int, f *policyForm, a *alert) {
	v := &view{PolicyForm: f, Alert: a, Factors: policy.Factors()}
	h.render(w, r, kindAdmin, lang, "admin-policy.html", status, v)
}

// savePolicy reads the form: "preview" counts whom it would target, "save"
// stores it.
func (h *Handler) savePolicy(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	if !h.postForm(w, r, kindAdmin, lang) {
		return
	}
	editing := r.PathValue("name") != ""
	if editing {
		if _, ok := h.storedPolicy(w, r, lang); !ok {
			return
		}
	}
	p, f, problem := h.readPolicyForm(r.PostForm, editing)
	if editing {
		// The revision the form was made from: a save replaces that one only.
		rev, err := strconv.Atoi(r.PostForm.Get("revision"))
		if err != nil || rev < 1 {
			h.renderError(w, r, kindAdmin, lang, http.StatusBadRequest, msgBadRequest)
			return
		}
		p.Name, f.Name, p.Revision, f.Revision = r.PathValue("name"), r.PathValue("name"), rev, rev
	}
	if problem != "" {
		h.showPolicyForm(w, r, lang, http.StatusUnprocessableEntity, f, &alert{Kind: "danger", Text: h.text(lang, problem)})
		return
	}
	if err := h.svc.CheckPolicy(p); errors.Is(err, portalmfa.ErrPolicyUnmet) {
		h.showPolicyForm(w, r, lang, http.StatusUnprocessableEntity, f, &alert{Kind: "danger", Text: h.text(lang, msgAdminUnmet)})
		return
	}
	if r.PostForm.Get("action") == "preview" {
		counts, err := h.svc.PolicyTargets(r.Context(), p)
		switch {
		case errors.Is(err, portalmfa.ErrNoUserList), errors.Is(err, portalmfa.ErrTooManyUsers):
			h.showPolicyForm(w, r, lang, http.StatusOK, f, &alert{Kind: "info", Text: h.text(lang, msgAdminPreviewNone)})
		case err != nil:
			h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		default:
			h.showPolicyForm(w, r, lang, http.StatusOK, f, &alert{Kind: "info", Text: h.textPlural(lang, msgAdminPreview, counts[0])})
		}
		return
	}
	switch err := h.svc.SavePolicy(r.Context(), p, h.actor(r, admin)); {
	case err == nil:
		h.log.InfoContext(r.Context(), "portalmfa/httpx: policy saved in the console", "policy", p.Name, "admin", admin.ID)
		http.Redirect(w, r, h.cfg.AdminPath+"/policies?done=saved", http.StatusSeeOther)
	case errors.Is(err, portalmfa.ErrPolicyExists):
		f.Invalid = "name"
		h.showPolicyForm(w, r, lang, http.StatusConflict, f, &alert{Kind: "danger", Text: h.text(lang, msgAdminExists)})
	case errors.Is(err, portalmfa.ErrPolicyChanged):
		// The form keeps what this administrator typed; the alert says
		// to open the policy again to see the other's change.
		h.showPolicyForm(w, r, lang, http.StatusConflict, f, &alert{Kind: "danger", Text: h.text(lang, msgAdminChanged)})
	case errors.Is(err, portalmfa.ErrPolicyInConfig):
		h.showPolicyForm(w, r, lang, http.StatusConflict, f, &alert{Kind: "danger", Text: h.text(lang, msgAdminInConfig)})
	case errors.Is(err, portalmfa.ErrNoPolicyStore):
		h.showPolicyForm(w, r, lang, http.StatusConflict, f, &alert{Kind: "danger", Text: h.text(lang, msgAdminNoStore)})
	case errors.Is(err, policy.ErrInvalid):
		h.showPolicyForm(w, r, lang, http.StatusUnprocessableEntity, f, &alert{Kind: "danger", Text: h.text(lang, msgAdminInvalid)})
	default:
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// readPolicyForm reads a policy from the form's fields, and the form as
// typed; problem is the message of the first field that is wrong.
func (h *Handler) readPolicyForm(form url.Values, editing bool) (p policy.Policy, f *policyForm, problem string) {
	f = &policyForm{Name: strings.TrimSpace(form.Get("name")), Everyone: form.Get("target") == "everyone",
		Groups: form.Get("groups"), Level: form.Get("level"), Grace: strings.TrimSpace(form.Get("grace")),
		Deadline: strings.TrimSpace(form.Get("deadline")), Trust: strings.TrimSpace(form.Get("trust")),
		Editing: editing, Allowed: map[string]bool{}}
	p = policy.Policy{Name: f.Name, Everyone: f.Everyone, Banners: map[string]string{}}
	for _, tag := range h.langs {
		base, _ := tag.Base()
		text := strings.TrimSpace(form.Get("banner_" + base.String()))
		f.Banners = append(f.Banners, bannerField{Lang: base.String(), Name: display.Self.Name(base), Text: text})
		if text != "" {
			p.Banners[base.String()], f.BannersSet = text, true
		}
	}
	for _, k := range policy.Factors() {
		if form.Get("allow_"+k) == "1" {
			p.Allowed = append(p.Allowed, k)
			f.Allowed[k] = true
		}
	}
	if !f.Everyone {
		for g := range strings.SplitSeq(f.Groups, ",") {
			if g = strings.TrimSpace(g); g != "" && !slices.Contains(p.Groups, g) {
				p.Groups = append(p.Groups, g)
			}
		}
	}
	level, err := policy.ParseLevel(f.Level)
	p.Level = level
	number := func(s string, to *int) bool {
		if s == "" {
			return true
		}
		n, err := strconv.Atoi(s)
		*to = n
		return err == nil && n >= 0
	}
	switch {
	case f.Name == "" || len(f.Name) > policy.MaxNameLen:
		f.Invalid = "name"
		return p, f, msgAdminName
	case !f.Everyone && len(p.Groups) == 0:
		f.Invalid = "groups"
		return p, f, msgAdminGroups
	case err != nil:
		return p, f, msgAdminInvalid
	case !number(f.Grace, &p.GraceDays):
		f.Invalid = "grace"
		return p, f, msgAdminNumber
	case !number(f.Trust, &p.TrustDays):
		f.Invalid = "trust"
		return p, f, msgAdminNumber
	}
	if f.Deadline != "" {
		d, err := time.Parse(time.DateOnly, f.Deadline)
		if err != nil || p.GraceDays > 0 || p.Level != policy.Required {
			f.Invalid = "deadline"
			return p, f, msgAdminDeadline
		}
		p.Deadline = d
	}
	if p.Level != policy.Required && p.GraceDays > 0 {
		f.Invalid = "grace"
		return p, f, msgAdminDeadline
	}
	if err := p.Validate(); err != nil {
		return p, f, msgAdminInvalid
	}
	return p, f, ""
}

func (h *Handler) deletePolicyPage(w http.ResponseWriter, r *http.Request, _ portalmfa.User, lang int) {
	p, ok := h.storedPolicy(w, r, lang)
	if !ok {
		return
	}
	counts, err := h.svc.PolicyTargets(r.Context(), p)
	users := -1
	switch {
	case err == nil:
		users = counts[0]
	case !errors.Is(err, portalmfa.ErrNoUserList) && !errors.Is(err, portalmfa.ErrTooManyUsers):
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	row := h.policyRow(lang, p)
	row.Users = users
	h.render(w, r, kindAdmin, lang, "admin-delete.html", http.StatusOK, &view{PolicyRows: []policyRow{row}})
}

func (h *Handler) deletePolicy(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	if !h.postForm(w, r, kindAdmin, lang) {
		return
	}
	if _, ok := h.storedPolicy(w, r, lang); !ok {
		return
	}
	// The revision the page asking was made from: a delete removes that one only.
	rev, err := strconv.Atoi(r.PostForm.Get("revision"))
	if err != nil || rev < 1 {
		h.renderError(w, r, kindAdmin, lang, http.StatusBadRequest, msgBadRequest)
		return
	}
	switch err := h.svc.DeletePolicy(r.Context(), r.PathValue("name"), rev, h.actor(r, admin)); {
	case errors.Is(err, portalmfa.ErrPolicyChanged):
		h.renderError(w, r, kindAdmin, lang, http.StatusConflict, msgAdminChanged)
	case err == nil, errors.Is(err, portalmfa.ErrUnknownPolicy):
		h.log.InfoContext(r.Context(), "portalmfa/httpx: policy deleted in the console", "policy", r.PathValue("name"), "admin", admin.ID)
		http.Redirect(w, r, h.cfg.AdminPath+"/policies?done=deleted", http.StatusSeeOther)
	default:
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
	}
}
