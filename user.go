package portalmfa

import (
	"context"
	"time"
	_ "time/tzdata" // see User.Location
)

// User is what the Service needs to know of a portal user. The host owns
// users; the library keeps only second-factor data keyed by ID.
type User struct {
	// ID is the host's stable, unique user identifier.
	ID string
	// Name and Email are display facts (see [User.AccountLabel]).
	Name  string
	Email string
	// Language is the user's preferred language tag ("fr", "de-CH"), or
	// empty to let the browser's Accept-Language decide.
	Language string
	// TimeZone is the user's IANA time zone ("Europe/Paris"): pages and
	// notifications show times in it. Empty (or unknown) for UTC, which
	// they then name.
	TimeZone string
	// Groups are the host's groups the user is in ("customers",
	// "partners"): policies target them.
	Groups []string
}

// Location is the user's time zone: TimeZone, or UTC when it is empty or
// unknown. The zone database is built in (time/tzdata), so a host on a
// system without one still shows local times.
func (u User) Location() *time.Location {
	if u.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// AccountLabel names the account to the user: Email, else Name, else ID.
// Authenticator apps show it beside the issuer.
func (u User) AccountLabel() string {
	switch {
	case u.Email != "":
		return u.Email
	case u.Name != "":
		return u.Name
	}
	return u.ID
}

// UserLanguage returns the preferred language of a user who has no session
// yet (at the login challenge), through Config.LookupUser; "" when the host
// did not give one or the lookup fails, and the browser's language decides.
func (s *Service) UserLanguage(ctx context.Context, userID string) string {
	if s.cfg.LookupUser == nil {
		return ""
	}
	u, err := s.cfg.LookupUser(ctx, userID)
	if err != nil {
		return ""
	}
	return u.Language
}

// Client describes where a request comes from. IP feeds the per-IP limit
// and, later, the history; it is a display fact otherwise.
type Client struct {
	IP        string
	UserAgent string
}
