package httpx

import (
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/backupcodes"
)

// showCodes renders a freshly made set of backup codes: step 2 of the
// wizard, or the result of regenerating. The page is the only place the
// codes are ever shown, so like every page of ours it is not stored
// (Cache-Control: no-store, set by secureHeaders).
func (h *Handler) showCodes(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, codes []string, why string) {
	heading := h.codesHeading(lang, u)
	v := &view{
		Codes:        codes,
		CodesHeading: heading,
		CodesText:    codesText(heading, codes, "\n"),
		CodesFor:     why,
	}
	if why == codesWizard {
		v.Step, v.WizardCodes = 2, true
	}
	h.render(w, r, kindSecurity, lang, "codes.html", http.StatusOK, v)
}

// codesHeading is the line above the codes, on the page, on paper and in
// the downloaded file: whose they are, and from when.
func (h *Handler) codesHeading(lang int, u portalmfa.User) string {
	s := h.text(lang, msgCodesHeading, "Site", h.svc.Issuer(), "Account", u.AccountLabel(), "Date", h.formatDate(lang, h.location(u), h.svc.Now()))
	// The account name is the host's data: keep the heading one line.
	return strings.Map(func(c rune) rune {
		if c < ' ' || c == 0x7f {
			return ' '
		}
		return c
	}, s)
}

// codesText is the heading and the codes, one a line, each line ending in eol.
func codesText(heading string, codes []string, eol string) string {
	var b strings.Builder
	b.WriteString(heading)
	b.WriteString(eol)
	for _, c := range codes {
		b.WriteString(c)
		b.WriteString(eol)
	}
	return b.String()
}

// downloadCodes answers the Download button of the codes page with a text
// file of the codes it posts. The server keeps no plaintext codes, so the
// page sends them back, in the body of a same-origin POST: never in a URL,
// never logged. Only well-formed codes, at most a set's worth, are echoed.
func (h *Handler) downloadCodes(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	posted := r.PostForm["code"]
	if len(posted) == 0 || len(posted) > backupcodes.Count {
		h.renderError(w, r, kindSecurity, lang, http.StatusBadRequest, msgBadRequest)
		return
	}
	codes := make([]string, len(posted))
	for i, c := range posted {
		n, err := backupcodes.Normalize(c)
		if err != nil {
			h.renderError(w, r, kindSecurity, lang, http.StatusBadRequest, msgBadRequest)
			return
		}
		codes[i] = backupcodes.Format(n)
	}
	// CRLF: the file opens as lines in every editor, Windows' included.
	body := codesText(h.codesHeading(lang, u), codes, "\r\n")
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="`+codesFileName(h.svc.Issuer())+`"`)
	hdr.Set("Content-Language", h.langs[lang].String())
	_, _ = w.Write([]byte(body))
}

// codesFileName names the downloaded codes after the site, so a user with
// codes of several sites can tell them apart: "Acme Customer Portal"
// gives acme-customer-portal-backup-codes.txt. Letters lose their accents;
// anything but ASCII letters and digits becomes one hyphen.
func codesFileName(site string) string {
	var b strings.Builder
	hyphen := false
	for _, c := range norm.NFD.String(strings.ToLower(site)) {
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			hyphen = false
		case unicode.Is(unicode.Mn, c): // an accent, taken off its letter
		default:
			hyphen = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "backup-codes.txt"
	}
	return b.String() + "-backup-codes.txt"
}

// Why a set of codes is shown.
const (
	codesWizard       = "wizard"      // step 2 of the TOTP wizard
	codesRegenerated  = "regenerated" // new codes replacing old ones
	codesPasskeyAdded = "passkey"     // the codes of a first factor, a passkey
)

// regeneratePage asks to confirm, once a factor was verified recently.
func (h *Handler) regeneratePage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	st, err := h.svc.Status(r.Context(), u.ID)
	switch {
	case err != nil:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	case !st.Enabled():
		h.to(w, r, "/") // no second factor, no codes to replace
	case h.needs(w, r, u, lang, portalmfa.RegenerateCodes, "/backup-codes/regenerate"):
		h.render(w, r, kindSecurity, lang, "regenerate.html", http.StatusOK, &view{BackupCodes: st.BackupCodes})
	}
}

// regenerateCodes replaces the user's backup codes and shows the new ones;
// the old ones stop working at once.
func (h *Handler) regenerateCodes(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	codes, err := h.svc.RegenerateBackupCodes(r.Context(), u.ID, h.proof(r), h.client(r))
	switch {
	case err == nil:
		h.showCodes(w, r, u, lang, codes, codesRegenerated)
	case isProofError(err):
		h.regeneratePage(w, r, u, lang)
	case isUserError(err, portalmfa.ErrNotEnrolled):
		h.to(w, r, "/") // 2FA was turned off meanwhile
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}
