package httpx

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

// The console's users: every user's second-factor state, searchable,
// filtered by standing, a page at a time, and as CSV.

// usersPerPage is the length of a page of the console's users.
const usersPerPage = 25

// Message IDs of the console's users.
const (
	msgAdminNoUserList  = "admin.users.no_list"
	msgAdminNoSummary   = "admin.users.no_summary"
	msgAdminTooMany     = "admin.users.too_many"
	msgAdminResetReason = "admin.reset.reason_needed"
	msgAdminResetDone   = "admin.reset.done"
)

// userRow is a user as the console lists them.
type userRow struct {
	ID, Name, Email, LastSignIn, Deadline string
	Factors                               []string // translated names of the factors on
	BackupCodes, Devices                  int
	Standing                              string // policy.Standing's String
}

// userFilters are the filters of the list, by their query value.
var userFilters = []string{"", "no-2fa", "in-grace", "overdue"}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	search, filter, ok := userQuery(r)
	q := r.URL.Query()
	page, err := strconv.Atoi(q.Get("page"))
	if q.Get("page") == "" {
		page, err = 1, nil
	}
	if !ok || err != nil || page < 1 || page > portalmfa.MaxUsersWalked/usersPerPage+1 {
		h.renderError(w, r, kindAdmin, lang, http.StatusBadRequest, msgBadRequest)
		return
	}
	states, total, err := h.userStates(r, search, filter, (page-1)*usersPerPage, usersPerPage)
	if err != nil {
		h.usersProblem(w, r, lang, err)
		return
	}
	pages := max((total+usersPerPage-1)/usersPerPage, 1)
	link := func(p int) string {
		return h.cfg.AdminPath + "/users?" + url.Values{"q": {search}, "filter": {filter}, "page": {strconv.Itoa(p)}}.Encode()
	}
	if page > pages { // past the end: the last page
		http.Redirect(w, r, link(pages), http.StatusSeeOther)
		return
	}
	v := &view{UserSearch: search, UserFilter: filter, Page: page, Pages: pages, Total: total}
	for _, us := range states {
		v.UserRows = append(v.UserRows, h.userRow(lang, h.location(admin), us))
	}
	if page > 1 {
		v.PrevURL = link(page - 1)
	}
	if page < pages {
		v.NextURL = link(page + 1)
	}
	if q.Get("done") == "reset" {
		v.Alert = &alert{Kind: "success", Text: h.text(lang, msgAdminResetDone)}
	}
	v.CSVURL = h.cfg.AdminPath + "/users.csv?" + url.Values{"q": {search}, "filter": {filter}}.Encode()
	h.render(w, r, kindAdmin, lang, "admin-users.html", http.StatusOK, v)
}

// resetPage asks to confirm the reset of a user's second factor, with a
// reason.
func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	h.showReset(w, r, admin, lang, http.StatusOK, nil)
}

func (h *Handler) showReset(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang, status int, a *alert) {
	u, err := h.svc.LookupUser(r.Context(), r.PathValue("id"))
	if err != nil {
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	states, err := h.svc.UserStates(r.Context(), []portalmfa.User{u})
	if err != nil {
		h.usersProblem(w, r, lang, err)
		return
	}
	h.render(w, r, kindAdmin, lang, "admin-reset.html", status, &view{Alert: a, UserRows: []userRow{h.userRow(lang, h.location(admin), states[0])}})
}

// reset resets the user's second factor, for the reason posted.
func (h *Handler) reset(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	if !h.postForm(w, r, kindAdmin, lang) {
		return
	}
	switch err := h.svc.AdminReset(r.Context(), r.PathValue("id"), r.PostForm.Get("reason"), h.actor(r, admin)); {
	case err == nil:
		h.log.InfoContext(r.Context(), "portalmfa/httpx: second factor reset in the console", "user", r.PathValue("id"), "admin", admin.ID)
		http.Redirect(w, r, h.cfg.AdminPath+"/users?done=reset", http.StatusSeeOther)
	case errors.Is(err, portalmfa.ErrResetReason):
		h.showReset(w, r, admin, lang, http.StatusUnprocessableEntity, &alert{Kind: "danger", Text: h.text(lang, msgAdminResetReason)})
	default:
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// userQuery reads the list's search and filter, and whether they are ones
// the list knows.
func userQuery(r *http.Request) (search, filter string, ok bool) {
	q := r.URL.Query()
	search, filter = strings.TrimSpace(q.Get("q")), q.Get("filter")
	return search, filter, len(search) <= 200 && slices.Contains(userFilters, filter)
}

// userStates returns limit users from offset of those matching search
// and filter, and how many match in all. Without a filter the host pages
// its users; with one, every matching user is read, then paged here.
func (h *Handler) userStates(r *http.Request, search, filter string, offset, limit int) ([]portalmfa.UserState, int, error) {
	if filter == "" {
		users, total, err := h.svc.ListUsers(r.Context(), portalmfa.UserQuery{Search: search, Offset: offset, Limit: limit})
		if err != nil {
			return nil, 0, err
		}
		users = users[:min(len(users), limit)] // a host that gives more than asked
		states, err := h.svc.UserStates(r.Context(), users)
		return states, total, err
	}
	all, err := h.allUsers(r, search, filter)
	if err != nil {
		return nil, 0, err
	}
	return all[min(offset, len(all)):min(offset+limit, len(all))], len(all), nil
}

// allUsers reads every user matching search and filter.
func (h *Handler) allUsers(r *http.Request, search, filter string) ([]portalmfa.UserState, error) {
	var out []portalmfa.UserState
	err := h.svc.EachUserState(r.Context(), search, func(states []portalmfa.UserState) error {
		for _, us := range states {
			if matches(us, filter) {
				out = append(out, us)
			}
		}
		return nil
	})
	return out, err
}

// matches reports whether us passes filter.
func matches(us portalmfa.UserState, filter string) bool {
	switch filter {
	case "no-2fa":
		return !us.Enabled()
	case "in-grace":
		return us.Standing == policy.InGrace
	case "overdue":
		return us.Standing == policy.Overdue
	}
	return true
}

func (h *Handler) usersProblem(w http.ResponseWriter, r *http.Request, lang int, err error) {
	switch {
	case errors.Is(err, portalmfa.ErrNoUserList):
		h.renderError(w, r, kindAdmin, lang, http.StatusNotImplemented, msgAdminNoUserList)
	case errors.Is(err, portalmfa.ErrNoSummaries):
		h.renderError(w, r, kindAdmin, lang, http.StatusNotImplemented, msgAdminNoSummary)
	case errors.Is(err, portalmfa.ErrTooManyUsers):
		h.renderError(w, r, kindAdmin, lang, http.StatusRequestEntityTooLarge, msgAdminTooMany)
	default:
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// userRow describes us in words of the console's language.
func (h *Handler) userRow(lang int, loc *time.Location, us portalmfa.UserState) userRow {
	a := us.Account
	row := userRow{ID: us.User.ID, Name: us.User.Name, Email: us.User.Email, BackupCodes: a.BackupCodes, Devices: a.Devices,
		Standing: us.Standing.String()}
	if !a.LastSignIn.IsZero() {
		row.LastSignIn = h.formatDateTime(lang, loc, a.LastSignIn)
	}
	if us.Standing == policy.InGrace || us.Standing == policy.Overdue {
		row.Deadline = h.formatDate(lang, loc, us.Policy.Deadline)
	}
	for _, k := range []struct {
		on   bool
		kind string
	}{{a.TOTP, "totp"}, {a.Passkeys > 0, "passkey"}, {a.SMS, "sms"}, {a.Email, "email"}} {
		if k.on {
			row.Factors = append(row.Factors, h.text(lang, factorMessage(k.kind)))
		}
	}
	return row
}

// usersCSV exports the list, filter and search included, every page.
func (h *Handler) usersCSV(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	search, filter, ok := userQuery(r)
	if !ok {
		h.renderError(w, r, kindAdmin, lang, http.StatusBadRequest, msgBadRequest)
		return
	}
	states, err := h.allUsers(r, search, filter)
	if err != nil {
		h.usersProblem(w, r, lang, err)
		return
	}
	h.log.InfoContext(r.Context(), "portalmfa/httpx: users exported", "admin", admin.ID, "users", len(states))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="two-factor-users.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "name", "email", "totp", "passkeys", "sms", "email_codes", "backup_codes", "trusted_devices", "last_sign_in", "policy_level", "standing", "deadline"})
	for _, us := range states {
		a := us.Account
		last, deadline := "", ""
		if !a.LastSignIn.IsZero() {
			last = a.LastSignIn.UTC().Format(time.RFC3339)
		}
		if us.Standing == policy.InGrace || us.Standing == policy.Overdue {
			deadline = us.Policy.Deadline.UTC().Format(time.RFC3339)
		}
		_ = cw.Write([]string{csvSafe(us.User.ID), csvSafe(us.User.Name), csvSafe(us.User.Email), strconv.FormatBool(a.TOTP), strconv.Itoa(a.Passkeys),
			strconv.FormatBool(a.SMS), strconv.FormatBool(a.Email), strconv.Itoa(a.BackupCodes), strconv.Itoa(a.Devices),
			last, us.Policy.Level.String(), us.Standing.String(), deadline})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		h.log.WarnContext(r.Context(), "portalmfa/httpx: writing the users' CSV", "err", err)
	}
}

// csvSafe keeps a spreadsheet from reading a cell of the host's data as a
// formula (CSV injection): one starting with = + - @ or a tab gets a quote
// mark before it.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
