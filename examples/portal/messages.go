package main

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The demo's own words (its pages, the chrome around the library's pages,
// its emails) are in messages/<language>.json: go-i18n files, as the
// library's locales are, with IDs prefixed "acme." so none is the
// library's. httpx reads them beside its own (Config.Messages), so a page
// of the demo and a page of the library pick one language and one plural
// rule: the templates translate with httpx's t, tn and lang
// (Handler.TemplateFuncs), the handlers with Handler.Translate.
//
// Both follow a request. The emails are written for a user who is not
// asking for a page, and count the codes left in plural messages, which
// Translate does not do: the outbox reads the same files through a
// go-i18n bundle of its own (loadMessages), as the banner does.

// pageLanguages are the demo's languages, each a messages/<tag>.json
// (TestMessageFiles) and an entry of the language switcher.
var pageLanguages = []string{"en", "fr", "es", "de", "it", "nl"}

// loadMessages reads the demo's messages into a go-i18n bundle whose
// fallback is English.
func loadMessages(fsys fs.FS) (*i18n.Bundle, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, lang := range pageLanguages {
		if _, err := bundle.LoadMessageFileFS(fsys, lang+".json"); err != nil {
			return nil, fmt.Errorf("messages: %w", err)
		}
	}
	return bundle, nil
}
