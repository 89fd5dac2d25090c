package httpx

import (
	"html/template"
	"net/http"
)

// TemplateFuncs returns the template functions of our pages for a host's
// own pages (its sign-in and account pages, say), bound to the language
// ours would speak to r for a user who prefers userLang ("" to let the
// browser decide): t and tn find our messages and the host's
// (Config.Messages), and lang is the language tag, for <html lang>. A host
// parses its templates with them (any language will do) and, per request,
// rebinds a clone: so its pages and ours speak one language, with one
// catalog format and one plural rule.
func (h *Handler) TemplateFuncs(r *http.Request, userLang string) template.FuncMap {
	lang := h.pickLanguage(r, userLang)
	tag := h.langs[lang].String()
	return template.FuncMap{
		"t":    func(id string, args ...any) (string, error) { return h.translate(lang, id, args...) },
		"tn":   func(id string, n int) (string, error) { return h.translatePlural(lang, id, n) },
		"lang": func() string { return tag },
	}
}

// Translate returns message id (ours or the host's) in the language ours
// would speak to r for a user who prefers userLang, with args as name,
// value pairs for its placeholders: for what a host writes outside a
// template (an email's subject, say).
func (h *Handler) Translate(r *http.Request, userLang, id string, args ...any) (string, error) {
	return h.translate(h.pickLanguage(r, userLang), id, args...)
}
