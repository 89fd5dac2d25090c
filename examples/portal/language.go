package main

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// languageCookie holds the language the switcher chose for a visitor who is
// not signed in; a signed-in user's choice is their account's preference.
const languageCookie = "lang"

// switchLanguage is the language switcher at the foot of every page. For a
// signed-in user it sets the account's preferred language, which the
// security pages, the login challenge and the emails follow as the host's
// user data (portalmfa.User.Language); signed out, a cookie. Then back to
// the page it was chosen on.
func (p *portal) switchLanguage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	lang := r.PostFormValue("lang")
	if !slices.Contains(pageLanguages, lang) {
		http.Error(w, "Bad request", http.StatusBadRequest)
		return
	}
	if a, ok := p.currentAccount(r); ok {
		a.language.Store(lang)
	}
	http.SetCookie(w, &http.Cookie{
		Name: languageCookie, Value: lang, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, sameSiteReferer(r), http.StatusSeeOther)
}

// sameSiteReferer is the path of the page a form was posted from, when that
// page is ours; "/" otherwise.
func sameSiteReferer(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host || u.Path == "" || u.Path[0] != '/' {
		return "/"
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}
