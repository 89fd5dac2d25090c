package httpx

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/policy"
)

// The console's dashboard: the share of users with 2FA, by kind of
// factor, and how many a required policy waits on, as numbers and a bar
// chart drawn on the server (SVG, no script); and the last day's failed
// challenges and lockouts, with links to them in the audit log.

// bar is one bar of the dashboard's chart.
type bar struct {
	Label string
	Count int
	// Percent of all users, and the bar's width in the chart's units
	// (0–100).
	Percent, Width int
	Y              int // the bar's top, in the chart's units
}

// dashboardView is the dashboard's data.
type dashboardView struct {
	Users, WithTwoFA, Percent, InGrace, Overdue int
	Bars                                        []bar
	Height                                      int // the chart's height, in its units
	// The last day's failures, and their entries in the log; nil when the
	// store reads no log.
	LastDay                *portalmfa.Activity
	FailedURL, LockoutsURL string
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, admin portalmfa.User, lang int) {
	sh, err := h.svc.Shares(r.Context())
	if err != nil {
		if errors.Is(err, portalmfa.ErrTooManyUsers) || errors.Is(err, portalmfa.ErrNoUserList) || errors.Is(err, portalmfa.ErrNoSummaries) {
			h.usersProblem(w, r, lang, err)
			return
		}
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	percent := func(n int) int {
		if sh.Users == 0 {
			return 0
		}
		return (n*100 + sh.Users/2) / sh.Users
	}
	d := &dashboardView{Users: sh.Users, WithTwoFA: sh.WithTwoFA, Percent: percent(sh.WithTwoFA), InGrace: sh.InGrace, Overdue: sh.Overdue}
	for i, k := range policy.Factors() {
		p := percent(sh.ByFactor[k])
		d.Bars = append(d.Bars, bar{Label: h.text(lang, factorMessage(k)), Count: sh.ByFactor[k], Percent: p, Width: p, Y: i * 12})
	}
	d.Height = len(d.Bars) * 12
	switch a, err := h.svc.LastDay(r.Context()); {
	case err == nil:
		d.LastDay = &a
		// From the day the span starts, in the administrator's zone: the
		// log may show a few more hours.
		from := a.Since.In(h.location(admin)).Format(time.DateOnly)
		d.FailedURL = h.cfg.AdminPath + "/audit?" + url.Values{"kind": {"failed"}, "from": {from}}.Encode()
		d.LockoutsURL = h.cfg.AdminPath + "/audit?" + url.Values{"kind": {string(history.LockedOut)}, "from": {from}}.Encode()
	case !errors.Is(err, portalmfa.ErrNoLog):
		h.renderError(w, r, kindAdmin, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	h.render(w, r, kindAdmin, lang, "admin-dashboard.html", http.StatusOK, &view{Dashboard: d})
}
