package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/portalmfa/portalmfa"
)

// outboxSize is how many messages the development outbox keeps.
const outboxSize = 50

// outbox is the demo's portalmfa.Notifier. A real portal would send an
// email; the demo renders the same message, in the user's language, and
// keeps it in memory for the development outbox page (/dev/outbox).
type outbox struct {
	now   func() time.Time
	texts map[string]map[portalmfa.NotificationKind]mailTemplate // by language

	mu   sync.Mutex
	mail []mail // oldest first
}

// mail is one rendered notification.
type mail struct {
	At       time.Time
	To       string // "Alice Martin <alice@example.com>"
	Language string
	Kind     portalmfa.NotificationKind
	Subject  string
	Body     string
}

type mailTemplate struct {
	subject, body *template.Template
}

// mailData is what the message templates read.
type mailData struct {
	Name      string // the user's name
	When      string // the time of the event, in the language's format
	IP        string
	Device    string // "" when unknown
	Remaining int    // backup codes left
}

func newOutbox(now func() time.Time) (*outbox, error) {
	o := &outbox{now: now, texts: map[string]map[portalmfa.NotificationKind]mailTemplate{}}
	for lang, msgs := range mailCatalog() {
		o.texts[lang] = map[portalmfa.NotificationKind]mailTemplate{}
		for kind, m := range msgs {
			name := lang + "/" + string(kind)
			subject, err := template.New(name).Parse(m.subject)
			if err != nil {
				return nil, fmt.Errorf("outbox: %s subject: %w", name, err)
			}
			body, err := template.New(name).Parse(m.body)
			if err != nil {
				return nil, fmt.Errorf("outbox: %s body: %w", name, err)
			}
			o.texts[lang][kind] = mailTemplate{subject, body}
		}
	}
	return o, nil
}

// Notify implements portalmfa.Notifier: it renders n in the language of
// its user (English when the demo has no text in it) into the outbox.
func (o *outbox) Notify(_ context.Context, n portalmfa.Notification) error {
	lang := o.language(n.User.Language)
	t, ok := o.texts[lang][n.Kind]
	if !ok {
		return fmt.Errorf("outbox: no message for %q", n.Kind)
	}
	at := n.At
	if at.IsZero() {
		at = o.now()
	}
	at = at.In(n.User.Location()) // the user's local time; UTC, named, without a zone
	d := mailData{
		Name:      cmp.Or(n.User.Name, n.User.Email, n.UserID),
		When:      at.Format(mailTimeLayout(lang)),
		IP:        n.IP,
		Device:    n.Device,
		Remaining: n.Remaining,
	}
	var subject, body strings.Builder
	if err := t.subject.Execute(&subject, d); err != nil {
		return fmt.Errorf("outbox: %s: %w", n.Kind, err)
	}
	if err := t.body.Execute(&body, d); err != nil {
		return fmt.Errorf("outbox: %s: %w", n.Kind, err)
	}
	to := cmp.Or(n.User.Email, n.UserID)
	if n.User.Name != "" && n.User.Email != "" {
		to = n.User.Name + " <" + n.User.Email + ">"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail = append(o.mail, mail{At: at, To: to, Language: lang, Kind: n.Kind, Subject: subject.String(), Body: body.String()})
	if len(o.mail) > outboxSize {
		o.mail = slices.Delete(o.mail, 0, len(o.mail)-outboxSize)
	}
	return nil
}

// messages returns the outbox, newest first.
func (o *outbox) messages() []mail {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.mail)
	slices.Reverse(out)
	return out
}

// language picks the catalog's language for a user's language tag
// ("de-CH" gets German, one the demo lacks English).
func (o *outbox) language(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if _, ok := o.texts[base]; ok {
		return base
	}
	return "en"
}
