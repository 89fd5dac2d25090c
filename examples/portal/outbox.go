package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/portalmfa/portalmfa"
)

// outboxSize is how many messages the development outbox keeps.
const outboxSize = 50

// outbox is the demo's portalmfa.Notifier, and its sender of codes by SMS
// and email (portalmfa.SMSSender, portalmfa.EmailSender). A real portal
// would send an email or a text message; the demo writes the same
// message, in the user's language, and keeps it in memory for the
// development outbox page (/dev/outbox).
type outbox struct {
	now     func() time.Time
	catalog *i18n.Bundle // the demo's messages (loadMessages): acme.mail.<kind>.subject, .body, …

	mu   sync.Mutex
	mail []mail // oldest first
}

// mail is one written notification.
type mail struct {
	At       time.Time
	To       string // "Alice Martin <alice@example.com>"
	Language string
	Kind     string // a portalmfa.NotificationKind, or kindSMS, kindCode
	Subject  string // "" for an SMS
	Body     string
}

func newOutbox(now func() time.Time, catalog *i18n.Bundle) *outbox {
	return &outbox{now: now, catalog: catalog}
}

// Notify implements portalmfa.Notifier: it writes n in the language of
// its user (the nearest the messages have, else English) into the outbox.
func (o *outbox) Notify(_ context.Context, n portalmfa.Notification) error {
	words := i18n.NewLocalizer(o.catalog, n.User.Language)
	localize := func(lc *i18n.LocalizeConfig) (string, error) {
		// A message missing in the user's language comes back in English,
		// with an error: the tests keep that from happening.
		s, err := words.Localize(lc)
		if err != nil {
			return "", fmt.Errorf("outbox: %w", err)
		}
		return s, nil
	}
	layout, tag, err := words.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: "acme.mail.time_layout"})
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	at := n.At
	if at.IsZero() {
		at = o.now()
	}
	at = at.In(n.User.Location()) // the user's local time; UTC, named, without a zone

	id := "acme.mail." + string(n.Kind)
	// The backup codes left, a sentence of the body: a plural message, and
	// one of its own for none.
	var left string
	switch {
	case n.Kind == portalmfa.NotifyFewBackupCodes && n.Remaining == 0:
		left, err = localize(&i18n.LocalizeConfig{MessageID: id + ".none"})
	case n.Kind == portalmfa.NotifyFewBackupCodes || n.Kind == portalmfa.NotifyBackupCodeUsed:
		left, err = localize(&i18n.LocalizeConfig{MessageID: id + ".left",
			PluralCount: n.Remaining, TemplateData: map[string]any{"Count": n.Remaining}})
	}
	if err != nil {
		return err
	}
	subject, err := localize(&i18n.LocalizeConfig{MessageID: id + ".subject"})
	if err != nil {
		return err
	}
	body, err := localize(&i18n.LocalizeConfig{MessageID: id + ".body", TemplateData: map[string]any{
		"Name":   cmp.Or(n.User.Name, n.User.Email, n.UserID),
		"When":   at.Format(layout),
		"IP":     n.IP,
		"Device": n.Device, // "" when unknown
		"Left":   left,
		"Note":   n.Note, // an administrator's reason
	}})
	if err != nil {
		return err
	}
	to := cmp.Or(n.User.Email, n.UserID)
	if n.User.Name != "" && n.User.Email != "" {
		to = n.User.Name + " <" + n.User.Email + ">"
	}
	o.add(mail{At: at, To: to, Language: tag.String(), Kind: string(n.Kind), Subject: subject, Body: body})
	return nil
}

// The kinds of the codes' messages, beside the notifications'.
const (
	kindSMS  = "sms"        // a code by SMS
	kindCode = "email-code" // a code by email
)

// SendSMS implements portalmfa.SMSSender: the text message goes into the
// outbox, in the language portalmfa wrote it in.
func (o *outbox) SendSMS(_ context.Context, to, text string) error {
	o.add(mail{At: o.now(), To: to, Kind: kindSMS, Body: text})
	return nil
}

// SendEmail implements portalmfa.EmailSender, into the outbox, unless
// the portal sends codes through a real SMTP server (-smtp).
func (o *outbox) SendEmail(_ context.Context, to, subject, body string) error {
	o.add(mail{At: o.now(), To: to, Kind: kindCode, Subject: subject, Body: body})
	return nil
}

func (o *outbox) add(m mail) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail = append(o.mail, m)
	if len(o.mail) > outboxSize {
		o.mail = slices.Delete(o.mail, 0, len(o.mail)-outboxSize)
	}
}

// messages returns the outbox, newest first.
func (o *outbox) messages() []mail {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.mail)
	slices.Reverse(out)
	return out
}
