package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Level is how strongly a policy asks for a second factor.
type Level int

// The levels, weakest first.
const (
	Optional    Level = iota // nothing asked: the user chooses
	Recommended              // urged, with an info banner
	Required                 // a deadline, then sign-in confined to enrolling
)

func (l Level) String() string {
	switch l {
	case Optional:
		return "optional"
	case Recommended:
		return "recommended"
	case Required:
		return "required"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel reads a Level from its String.
func ParseLevel(s string) (Level, error) {
	for _, l := range []Level{Optional, Recommended, Required} {
		if s == l.String() {
			return l, nil
		}
	}
	return 0, fmt.Errorf("%w: level %q", ErrInvalid, s)
}

// Factors are the kinds of factor a policy may allow.
var factors = []string{"totp", "passkey", "sms", "email"}

// Factors returns the kinds of factor a policy may allow, in a fixed order.
func Factors() []string { return slices.Clone(factors) }

// Limits of a policy's fields.
const (
	MaxNameLen   = 100
	MaxGroups    = 100
	MaxGroupLen  = 100
	MaxBannerLen = 1000
	MaxGraceDays = 365
	MaxTrustDays = 400
)

// ErrInvalid is wrapped by the errors [Policy.Validate] returns.
var ErrInvalid = errors.New("policy: invalid")

// Policy is what an administrator asks of the users it targets.
type Policy struct {
	// Name identifies the policy, and orders policies of one level.
	Name string
	// Everyone targets every user; otherwise Groups, the host's group
	// names, do: a user in any of them.
	Everyone bool
	Groups   []string
	Level    Level
	// Allowed are the kinds of factor that count (see [Factors]); none
	// means all. Backup codes always count.
	Allowed []string
	// For a Required policy, when it must be met: Deadline, a fixed time,
	// or else GraceDays after the policy first applied to the user (0: at
	// once).
	Deadline  time.Time
	GraceDays int
	// TrustDays caps "trust this device", in days; 0 leaves it as
	// configured.
	TrustDays int
	// Banners replace the default text of the security page's banner, by
	// base language code ("en", "fr"…). Optional.
	Banners map[string]string
	// Revision is the version of a stored policy: it grows at each save,
	// and a name deleted and created again goes on from where it was, so
	// no two versions of a name share one. 0 for a policy not stored (a
	// new one, or one kept in code). The store sets it, and
	// [Store.SavePolicy] takes it back: two administrators' edits cannot
	// silently undo each other.
	Revision int
}

// Validate reports what is wrong with p, wrapping [ErrInvalid].
func (p Policy) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch {
	case strings.TrimSpace(p.Name) == "" || p.Name == "." || p.Name == ".." || len(p.Name) > MaxNameLen || !utf8.ValidString(p.Name) ||
		strings.ContainsFunc(p.Name, func(r rune) bool { return r == '/' || r == '\\' || unicode.IsControl(r) }):
		// No slash: the name is a segment of the console's paths.
		return bad("a name of 1 to %d bytes, without slashes or control characters", MaxNameLen)
	case !p.Everyone && len(p.Groups) == 0:
		return bad("no target: everyone, or at least one group")
	case p.Everyone && len(p.Groups) > 0:
		return bad("both everyone and groups")
	case len(p.Groups) > MaxGroups:
		return bad("more than %d groups", MaxGroups)
	case p.Level < Optional || p.Level > Required:
		return bad("level %d", int(p.Level))
	case p.GraceDays < 0 || p.GraceDays > MaxGraceDays:
		return bad("grace of %d days (0 to %d)", p.GraceDays, MaxGraceDays)
	case p.TrustDays < 0 || p.TrustDays > MaxTrustDays:
		return bad("trusted devices for %d days (0 to %d)", p.TrustDays, MaxTrustDays)
	case p.Level != Required && (!p.Deadline.IsZero() || p.GraceDays != 0):
		return bad("a deadline for a policy that requires nothing")
	case !p.Deadline.IsZero() && p.GraceDays != 0:
		return bad("both a deadline and a grace period")
	}
	for _, g := range p.Groups {
		if strings.TrimSpace(g) == "" || len(g) > MaxGroupLen || !utf8.ValidString(g) {
			return bad("a group name of 1 to %d bytes", MaxGroupLen)
		}
	}
	for _, f := range p.Allowed {
		if !slices.Contains(factors, f) {
			return bad("factor %q", f)
		}
	}
	for lang, text := range p.Banners {
		if !baseLanguage(lang) || len(text) > MaxBannerLen || !utf8.ValidString(text) {
			return bad("a banner of at most %d bytes under a base language code (\"en\", \"fr\")", MaxBannerLen)
		}
	}
	return nil
}

// baseLanguage reports whether s is a base language code as the pages look
// banners up: two or three lowercase letters.
func baseLanguage(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Targets reports whether p applies to a user in groups.
func (p Policy) Targets(groups []string) bool {
	if p.Everyone {
		return true
	}
	for _, g := range p.Groups {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// CountsGrace reports whether p's deadline counts from when p first
// applied to a user: a required policy without a fixed date.
func (p Policy) CountsGrace() bool { return p.Level == Required && p.Deadline.IsZero() }

// Applied is a policy that applies to a user, and since when (the first
// time it did, which a grace period counts from).
type Applied struct {
	Policy
	Since time.Time
}

// deadline is when a required policy must be met (zero for another level).
func (a Applied) deadline() time.Time {
	switch {
	case a.Level != Required:
		return time.Time{}
	case !a.Deadline.IsZero():
		return a.Deadline
	}
	return a.Since.AddDate(0, 0, a.GraceDays)
}

// Effective is the one policy that holds for a user: the strictest of
// those that apply (see the package doc). The zero value asks nothing.
type Effective struct {
	Level Level
	// Allowed are the kinds of factor that count; nil means all.
	Allowed []string
	// Deadline is when a required policy must be met.
	Deadline time.Time
	// TrustDays caps trusted devices, 0 for no cap.
	TrustDays int
	// Banners are the banner texts of the policy that set the level, by
	// language; nil for the default text.
	Banners map[string]string
	// Names are the policies that apply, sorted.
	Names []string
}

// Resolve folds the policies that apply to a user into one.
func Resolve(applied []Applied) Effective {
	var e Effective
	applied = slices.Clone(applied)
	slices.SortFunc(applied, func(a, b Applied) int { return strings.Compare(a.Name, b.Name) })
	var allowed []string // nil: all so far
	for i, a := range applied {
		e.Names = append(e.Names, a.Name)
		if i == 0 || a.Level > e.Level {
			e.Level, e.Banners = a.Level, a.Banners
		}
		if d := a.deadline(); !d.IsZero() && (e.Deadline.IsZero() || d.Before(e.Deadline)) {
			e.Deadline = d
		}
		if len(a.Allowed) > 0 {
			if allowed == nil {
				allowed = slices.Clone(a.Allowed)
			} else {
				// None in common leaves an empty list: nothing counts.
				allowed = slices.DeleteFunc(allowed, func(f string) bool { return !slices.Contains(a.Allowed, f) })
			}
		}
		if a.TrustDays > 0 && (e.TrustDays == 0 || a.TrustDays < e.TrustDays) {
			e.TrustDays = a.TrustDays
		}
	}
	if allowed != nil {
		e.Allowed = []string{}
		for _, f := range factors { // in the fixed order
			if slices.Contains(allowed, f) {
				e.Allowed = append(e.Allowed, f)
			}
		}
	}
	return e
}

// Allows reports whether a factor of kind counts under e.
func (e Effective) Allows(kind string) bool {
	return e.Allowed == nil || slices.Contains(e.Allowed, kind)
}

// Standing is where a user stands with their effective policy.
type Standing int

const (
	// Free: nothing is asked, or what is asked is met.
	Free Standing = iota
	// Urged: a second factor is recommended and none the policy allows
	// is on.
	Urged
	// InGrace: a second factor is required, none allowed is on, and the
	// deadline is ahead.
	InGrace
	// Overdue: a second factor is required, none allowed is on, and the
	// deadline has passed: sign-in is confined to enrolling one.
	Overdue
)

func (s Standing) String() string {
	switch s {
	case Free:
		return "free"
	case Urged:
		return "urged"
	case InGrace:
		return "in-grace"
	case Overdue:
		return "overdue"
	}
	return fmt.Sprintf("Standing(%d)", int(s))
}

// Standing says where a user stands at now, complying when a factor that
// e allows is on.
func (e Effective) Standing(now time.Time, complying bool) Standing {
	switch {
	case complying || e.Level == Optional:
		return Free
	case e.Level == Recommended:
		return Urged
	case now.Before(e.Deadline):
		return InGrace
	}
	return Overdue
}
