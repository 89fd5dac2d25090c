package httpx

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// One JSON file per language, named by its tag. en.json is the reference:
// every other file has exactly its IDs (the tests hold them to that).
//
//go:embed locales/*.json
var localeFiles embed.FS

// Message IDs used from Go code rather than from templates.
const (
	msgCodeMalformed    = "error.code.malformed"
	msgCodeInvalid      = "error.code.invalid"
	msgCodeReplayed     = "error.code.replayed"
	msgLocked           = "error.locked"     // plural, in minutes
	msgTriesLeft        = "error.tries_left" // plural
	msgWrongPassword    = "error.password.wrong"
	msgPasswordEmpty    = "error.password.empty"
	msgSetupRestarted   = "error.setup.restarted"
	msgCodesFirst       = "error.setup.codes_first"
	msgBackupMalformed  = "error.backup.malformed"
	msgBackupInvalid    = "error.backup.invalid"
	msgUnavailable      = "error.unavailable"
	msgSuspended        = "error.suspended"
	msgSignedOut        = "error.signed_out"
	msgCrossOrigin      = "error.cross_origin"
	msgTooLarge         = "error.too_large"
	msgBadRequest       = "error.bad_request"
	msgDoneTOTPOn       = "security.done.totp_on"
	msgDoneTOTPOff      = "security.done.totp_off"
	msgDoneTOTPReplaced = "security.done.totp_replaced"
	msgCodesHeading     = "codes.heading"
	msgDateFormat       = "format.date"
	msgDateTimeFormat   = "format.datetime"

	msgDoneDeviceRenamed  = "security.done.device_renamed"
	msgDoneDeviceRevoked  = "security.done.device_revoked"
	msgDoneDevicesRevoked = "security.done.devices_revoked"
	msgDoneNotMe          = "security.done.not_me"
	msgDoneNotMeSessions  = "security.done.not_me_sessions"
	msgChangePassword     = "security.done.change_password"
	msgDeviceName         = "error.device.name"
	msgDeviceUnknown      = "error.device.unknown"
	msgEventUnknown       = "error.history.unknown"
	msgPasskeyTooMany     = "error.passkey.too_many"
	msgPasskeyRegistered  = "error.passkey.registered"
	msgPasskeyUnknown     = "error.passkey.unknown"
	msgPasskeyRefused     = "error.passkey.refused"
	msgPasskeyClone       = "error.passkey.clone"
	msgPasskeyExpired     = "error.passkey.expired"
	msgDonePasskeyAdded   = "security.done.passkey_added"
	msgDonePasskeyRenamed = "security.done.passkey_renamed"
	msgDonePasskeyDeleted = "security.done.passkey_deleted"

	msgMethodTOTP          = "history.method.totp"
	msgMethodBackupCode    = "history.method.backup_code"
	msgMethodTrustedDevice = "history.method.trusted_device"
	msgMethodPasskey       = "history.method.passkey"
	msgMethodPassword      = "history.method.password"
	msgMethodSMS           = "history.method.sms"
	msgMethodEmail         = "history.method.email"
	msgMethodOther         = "history.method.other"
	msgReasonWrongCode     = "history.reason.wrong_code"
	msgReasonReplayed      = "history.reason.replayed"
	msgReasonLocked        = "history.reason.locked_out"
	msgReasonSuspended     = "history.reason.suspended"
	msgReasonExpired       = "history.reason.expired_state"
	msgReasonUnavailable   = "history.reason.unavailable"
	msgReasonWrongPassword = "history.reason.wrong_password"
)

// loadLocales reads every locale file into a fresh bundle, English first,
// and builds the matcher that picks among them.
func (h *Handler) loadLocales() error {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	ours, err := fs.Sub(localeFiles, "locales")
	if err != nil {
		return fmt.Errorf("httpx: locales: %w", err)
	}
	tags, fixed, ids, err := loadLocaleFiles(bundle, ours, nil)
	if err != nil {
		return fmt.Errorf("httpx: locale %w", err)
	}
	if h.cfg.Messages != nil {
		// The host's texts: in our languages, under IDs of their own.
		theirs, more, _, err := loadLocaleFiles(bundle, h.cfg.Messages, ids)
		if err != nil {
			return fmt.Errorf("httpx: Config.Messages: %w", err)
		}
		for i, tag := range theirs {
			j := slices.Index(tags, tag)
			if j < 0 {
				return fmt.Errorf("httpx: Config.Messages: %s is not one of our languages", tag)
			}
			maps.Copy(fixed[j], more[i])
		}
	}
	// English leads: the matcher falls back to the first tag.
	i := slices.Index(tags, language.English)
	if i < 0 {
		return errors.New("httpx: locales: en.json is missing")
	}
	tags[0], tags[i] = tags[i], tags[0]
	fixed[0], fixed[i] = fixed[i], fixed[0]
	h.langs, h.fixed = tags, fixed
	h.matcher = language.NewMatcher(tags)
	for _, t := range tags {
		h.localizers = append(h.localizers, i18n.NewLocalizer(bundle, t.String()))
	}
	return nil
}

// loadLocaleFiles loads every .json file of fsys into bundle and returns
// their languages, their plain messages (see fixedMessages) and every
// message ID they hold; an ID of taken is refused.
func loadLocaleFiles(bundle *i18n.Bundle, fsys fs.FS, taken map[string]bool) ([]language.Tag, []map[string]string, map[string]bool, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, nil, err
	}
	var tags []language.Tag
	var fixed []map[string]string
	ids := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".json" {
			continue
		}
		src, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, nil, nil, err
		}
		mf, err := bundle.ParseMessageFileBytes(src, e.Name())
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for _, m := range mf.Messages {
			if taken[m.ID] {
				return nil, nil, nil, fmt.Errorf("%s: %q is one of our message IDs", e.Name(), m.ID)
			}
			ids[m.ID] = true
		}
		f, err := fixedMessages(src)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		tags, fixed = append(tags, mf.Tag), append(fixed, f)
	}
	return tags, fixed, ids, nil
}

// fixedMessages returns the messages of a locale file that are plain text:
// no placeholder, no plural. Most of a page is such text, and it is
// looked up here rather than run through go-i18n on every request.
func fixedMessages(src []byte) (map[string]string, error) {
	var all map[string]any
	if err := json.Unmarshal(src, &all); err != nil {
		return nil, err
	}
	fixed := map[string]string{}
	for id, v := range all {
		if s, ok := v.(string); ok && !strings.Contains(s, "{{") {
			fixed[id] = s
		}
	}
	return fixed, nil
}

// pickLanguage returns the index of the language to answer in: the user's
// preference when we have it, else the browser's, else English.
func (h *Handler) pickLanguage(r *http.Request, userLang string) int {
	if userLang != "" {
		if t, err := language.Parse(userLang); err == nil {
			if _, i, c := h.matcher.Match(t); c != language.No {
				return i
			}
		}
	}
	// A long header is not a browser's; parsing it is wasted work.
	if al := r.Header.Get("Accept-Language"); al != "" && len(al) <= 512 {
		if tags, _, err := language.ParseAcceptLanguage(al); err == nil && len(tags) > 0 {
			if _, i, c := h.matcher.Match(tags...); c != language.No {
				return i
			}
		}
	}
	return 0
}

// translate returns message id in language lang. args are name/value pairs
// for the message's placeholders. A message missing in lang falls back to
// English; one missing in English is an error, which stops the page (and,
// for templates, New) rather than showing a blank.
func (h *Handler) translate(lang int, id string, args ...any) (string, error) {
	if len(args) == 0 {
		if s, ok := h.fixed[lang][id]; ok {
			return s, nil
		}
	}
	if len(args)%2 != 0 {
		return "", fmt.Errorf("httpx: message %q: arguments must be name/value pairs", id)
	}
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i < len(args); i += 2 {
			name, ok := args[i].(string)
			if !ok {
				return "", fmt.Errorf("httpx: message %q: argument name %v is not a string", id, args[i])
			}
			data[name] = args[i+1]
		}
	}
	return h.localize(lang, &i18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// translatePlural returns the plural form of message id for count, which
// the message reads as {{.Count}}; args are more name/value pairs.
func (h *Handler) translatePlural(lang int, id string, count int, args ...any) (string, error) {
	data := map[string]any{"Count": count}
	for i := 0; i+1 < len(args); i += 2 {
		if name, ok := args[i].(string); ok {
			data[name] = args[i+1]
		}
	}
	return h.localize(lang, &i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: data})
}

func (h *Handler) localize(lang int, lc *i18n.LocalizeConfig) (string, error) {
	s, err := h.localizers[lang].Localize(lc)
	if s != "" {
		return s, nil // possibly the English fallback; the tests keep that from happening
	}
	if err == nil {
		err = errors.New("empty message")
	}
	return "", fmt.Errorf("httpx: message %q: %w", lc.MessageID, err)
}

// text is translate for Go code, which has no template to fail: a missing
// message is logged and shows its ID.
func (h *Handler) text(lang int, id string, args ...any) string {
	s, err := h.translate(lang, id, args...)
	if err != nil {
		h.log.Error("portalmfa/httpx: translation", "err", err)
		return id
	}
	return s
}

func (h *Handler) textPlural(lang int, id string, count int, args ...any) string {
	s, err := h.translatePlural(lang, id, count, args...)
	if err != nil {
		h.log.Error("portalmfa/httpx: translation", "err", err)
		return id
	}
	return s
}

// formatDate shows a date the way the language writes it; the layout
// (a Go time layout, digits only so no month names need translating) is a
// message of its own.
func (h *Handler) formatDate(lang int, loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	layout := h.text(lang, msgDateFormat)
	if !strings.Contains(layout, "2006") {
		layout = time.DateOnly
	}
	// In the user's zone (UTC, named, when the host gave none): every
	// backend's times the same way, whatever zone a store hands back.
	return t.In(loc).Format(layout)
}

// formatDateTime is formatDate with the time of day and the zone, for the
// sign-in history.
func (h *Handler) formatDateTime(lang int, loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	layout := h.text(lang, msgDateTimeFormat)
	if !strings.Contains(layout, "2006") || !strings.Contains(layout, "04") {
		layout = "2006-01-02 15:04 MST"
	}
	// In the user's zone (UTC, named, when the host gave none): every
	// backend's times the same way, whatever zone a store hands back.
	return t.In(loc).Format(layout)
}
