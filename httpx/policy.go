package httpx

import (
	"net/http"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

// Policies on the user's side: the security page's banner, the factors a
// policy does not count kept off the pages, and Confine, which keeps an
// overdue user on the security page.

// Message IDs of policies.
const (
	msgBannerRecommended = "security.banner.recommended"
	msgBannerRequired    = "security.banner.required" // plural, in days left
	msgBannerOverdue     = "security.banner.overdue"
	msgPolicyRequires    = "error.policy.requires"
	msgPolicyNotAllowed  = "error.policy.not_allowed"
)

// refusal answers an error of a change on the security page: a policy's
// refusal is said on the overview, anything else is a failure of ours.
func (h *Handler) refusal(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, err error) {
	if isUserError(err, portalmfa.ErrPolicyRequires) || isUserError(err, portalmfa.ErrFactorNotAllowed) {
		status, a := h.userProblem(w, r, lang, err)
		h.showOverview(w, r, u, lang, status, a, "")
		return
	}
	h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
}

// banner is the security page's banner of the user's policy: info while a
// factor is recommended, a warning with the deadline and the days left
// while one is required, danger once it is overdue; nil when nothing is
// asked, or what is asked is met. A policy's own text, in the page's
// language, replaces the default one.
func (h *Handler) banner(lang int, u portalmfa.User, ps portalmfa.PolicyState) *alert {
	deadline := h.formatDate(lang, h.location(u), ps.Policy.Deadline)
	var a alert
	switch ps.Standing {
	case policy.Urged:
		a = alert{Kind: "info", Text: h.text(lang, msgBannerRecommended)}
	case policy.InGrace:
		left := int((ps.Policy.Deadline.Sub(h.svc.Now()) + 24*time.Hour - 1) / (24 * time.Hour))
		a = alert{Kind: "warning", Text: h.textPlural(lang, msgBannerRequired, left, "Date", deadline)}
	case policy.Overdue:
		a = alert{Kind: "danger", Text: h.text(lang, msgBannerOverdue, "Date", deadline)}
	default:
		return nil
	}
	base, _ := h.langs[lang].Base()
	if text := ps.Policy.Banners[base.String()]; text != "" {
		a.Text = text
	}
	return &a
}

// notAllowed are the kinds of factor e does not count, for the pages.
func notAllowed(e policy.Effective) map[string]bool {
	out := map[string]bool{}
	for _, f := range policy.Factors() {
		if !e.Allows(f) {
			out[f] = true
		}
	}
	return out
}

// Confine keeps a signed-in user whose policy requires a second factor,
// past its deadline, with none it counts on, on the security page until one
// is: every other request of theirs is redirected there (303). Wrap the
// host's routes with it. The security page, the challenge and the
// passwordless sign-in pass, and so do the host's paths in open (its
// sign-out, its assets): a path ending in "/" opens everything under it.
// A visitor without a session passes. When the store fails, the answer is
// 503: the user is neither let through nor sent in circles.
func (h *Handler) Confine(next http.Handler, open ...string) http.Handler {
	passes := func(p string) bool {
		for _, prefix := range []string{h.cfg.SecurityPath, h.cfg.ChallengePath, h.cfg.PasswordlessPath} {
			if p == prefix || strings.HasPrefix(p, prefix+"/") {
				return true
			}
		}
		for _, o := range open {
			if p == o || (strings.HasSuffix(o, "/") && strings.HasPrefix(p, o)) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := h.cfg.CurrentUser(r)
		if !ok || u.ID == "" || passes(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		overdue, err := h.svc.Overdue(r.Context(), u)
		switch {
		case err != nil:
			h.renderError(w, r, kindSecurity, h.pickLanguage(r, u.Language), h.unavailable(r, err), msgUnavailable)
		case overdue:
			http.Redirect(w, r, h.cfg.SecurityPath+"/", http.StatusSeeOther)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
