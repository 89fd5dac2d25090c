package portalmfa

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
)

// ErrUnknownDevice: no such trusted device of this user, or none that is
// still trusted.
var ErrUnknownDevice = devices.ErrUnknownDevice

// TrustDevice remembers the browser of c for Config.TrustDeviceFor (or
// less, under the user's policy: [Service.TrustPeriod]), once the
// user has just passed the second factor and asked for it. It returns the
// token for the browser's cookie (the store keeps only its hash) and when it
// expires.
func (s *Service) TrustDevice(ctx context.Context, userID string, c Client) (token string, expires time.Time, err error) {
	trust, err := s.TrustPeriod(ctx, userID)
	if err != nil {
		return "", time.Time{}, err
	}
	token, hash, err := devices.NewToken(s.cfg.Rand)
	if err != nil {
		return "", time.Time{}, unavailable(err)
	}
	now := s.cfg.Now()
	d := devices.Device{
		ID: devices.IDForToken(token), UserID: userID, Name: s.deviceNames.name(c.UserAgent), IP: c.IP,
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(trust),
	}
	if err := s.store.SaveDevice(ctx, d, hash); err != nil {
		return "", time.Time{}, unavailable(err)
	}
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.DeviceTrusted})
	s.notify(ctx, c, Notification{Kind: NotifyNewTrustedDevice, UserID: userID})
	return token, d.ExpiresAt, nil
}

// DeviceID returns the ID of the device token was issued for, trusted or
// not any more, so a page can mark "this device" in [Service.Devices] from
// the browser's cookie. It checks nothing: a token that is not one of ours
// gets an ID no device has.
func (s *Service) DeviceID(token string) string { return devices.IDForToken(token) }

// UseTrustedDevice lets a login skip the second factor when token belongs
// to a device this user trusted, not revoked nor expired. Call it only after
// the user's password was checked: the token stands in for the second
// factor, never for the password. It returns [ErrUnknownDevice] otherwise,
// and the login goes on to the challenge. An accepted token is recorded in
// the login history; a refused one is not (see below).
func (s *Service) UseTrustedDevice(ctx context.Context, userID, token string, c Client) error {
	if userID == "" || token == "" || len(token) > 256 {
		return ErrUnknownDevice
	}
	d, err := s.store.UseDevice(ctx, userID, devices.HashToken(token), c.IP, s.cfg.Now())
	switch {
	case errors.Is(err, devices.ErrUnknownDevice):
		// Not recorded: a stale cookie is routine, and the challenge that
		// follows records the real attempt.
		return ErrUnknownDevice
	case err != nil:
		return unavailable(err)
	}
	// A policy's cap holds for devices trusted before it, too.
	trust, err := s.TrustPeriod(ctx, userID)
	if err != nil {
		return err
	}
	if !s.cfg.Now().Before(d.CreatedAt.Add(trust)) {
		return ErrUnknownDevice
	}
	s.recordAttempt(ctx, userID, c, history.TrustedDevice, nil)
	return nil
}

// Devices returns the user's trusted devices, active or not, the most
// recently used first.
//
// The list stays short: a device no longer trusted drops off it a week
// after it stopped being trusted, and at most MaxDevicesListed are
// returned (an attack run made a page of 6.4 MB with 5,000 revoked devices).
func (s *Service) Devices(ctx context.Context, userID string) ([]devices.Device, error) {
	ds, err := s.store.Devices(ctx, userID)
	if err != nil {
		return nil, unavailable(err)
	}
	now := s.cfg.Now()
	shown := ds[:0]
	for _, d := range ds {
		ended := d.RevokedAt
		if ended.IsZero() {
			ended = d.ExpiresAt
		}
		if d.StatusAt(now) == devices.Active || now.Sub(ended) < inactiveDevicesListed {
			shown = append(shown, d)
		}
	}
	return shown[:min(len(shown), MaxDevicesListed)], nil
}

// MaxDevicesListed caps [Service.Devices]; inactiveDevicesListed is how
// long a device no longer trusted stays on the list, greyed.
const (
	MaxDevicesListed      = 50
	inactiveDevicesListed = 7 * 24 * time.Hour
)

// ErrInvalidName: a device name that is empty or too long.
var ErrInvalidName = errors.New("portalmfa: invalid device name")

// RenameDevice names the user's device id.
func (s *Service) RenameDevice(ctx context.Context, userID, id, name string) error {
	if utf8.RuneCountInString(name) > devices.MaxNameLength {
		return ErrInvalidName
	}
	if name = devices.CleanName(name); name == "" {
		return ErrInvalidName
	}
	return deviceOp(s.store.RenameDevice(ctx, userID, id, name))
}

// RevokeDevice stops trusting the user's device id.
func (s *Service) RevokeDevice(ctx context.Context, userID, id string, c Client) error {
	if err := deviceOp(s.store.RevokeDevice(ctx, userID, id, s.cfg.Now())); err != nil {
		return err
	}
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.DeviceRevoked})
	return nil
}

// RevokeAllDevices stops trusting every device of the user and returns how
// many it revoked (expired ones included).
func (s *Service) RevokeAllDevices(ctx context.Context, userID string, c Client) (int, error) {
	n, err := s.revokeAll(ctx, userID)
	if err == nil && n > 0 {
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.DeviceRevoked})
	}
	return n, err
}

// PasswordChanged tells the Service the user's password changed: every
// trusted device is revoked, so the next login asks for the second factor
// again. Hosts call it from their password-change and password-reset flows.
func (s *Service) PasswordChanged(ctx context.Context, userID string) error {
	_, err := s.RevokeAllDevices(ctx, userID, Client{})
	return err
}

func (s *Service) revokeAll(ctx context.Context, userID string) (int, error) {
	n, err := s.store.RevokeAllDevices(ctx, userID, s.cfg.Now())
	if err != nil {
		return 0, unavailable(err)
	}
	if n > 0 {
		s.log.InfoContext(ctx, "portalmfa: trusted devices revoked", "user", userID, "count", n)
	}
	return n, nil
}

// deviceOp maps a store result of an operation on one device.
func deviceOp(err error) error {
	switch {
	case err == nil, errors.Is(err, devices.ErrUnknownDevice):
		return err
	}
	return unavailable(err)
}

// ResetSecondFactor is the administrator's reset of a user who lost every
// factor: TOTP, backup codes and trusted devices go, and the next login
// needs the password only, until the user enrolls again. [Service.AdminReset]
// names the administrator and the reason.
func (s *Service) ResetSecondFactor(ctx context.Context, userID string) error {
	return s.reset(ctx, userID, history.Event{Kind: history.AdminReset}, Client{})
}

// ErrResetReason: an administrator's reset needs the administrator's name
// and a reason.
var ErrResetReason = errors.New("portalmfa: a reset needs the administrator and a reason")

// Actor is who makes an administrator's change, for the audit log: their
// name (the console gives the administrator's AccountLabel, up to 200
// bytes are kept) and where they are.
type Actor struct {
	Name   string
	Client Client
}

// event is an entry of kind for the audit log, naming a, about note.
func (a Actor) event(kind history.Kind, note string) history.Event {
	return history.Event{Kind: kind, Actor: cut(clean(strings.TrimSpace(a.Name)), 200), Note: note}
}

// AdminReset is [Service.ResetSecondFactor] by the administrator by, for
// reason: the security event names them, keeps the reason (up to 500
// bytes) and where they were, for the audit log; the user is told
// ([NotifyAdminReset]), without the administrator's address. The event is
// in the user's trail too: a host that shows users their
// [Service.SecurityEvents] shows them the administrator's name, address
// and device.
func (s *Service) AdminReset(ctx context.Context, userID, reason string, by Actor) error {
	by.Name, reason = strings.TrimSpace(by.Name), strings.TrimSpace(reason)
	if userID == "" || by.Name == "" || reason == "" {
		return ErrResetReason
	}
	return s.reset(ctx, userID, by.event(history.AdminReset, cut(clean(reason), 500)), by.Client)
}

// clean makes text a store keeps as it is: valid UTF-8 (PostgreSQL refuses
// anything else), without control characters but line breaks (NUL among
// them, which PostgreSQL refuses too).
func clean(text string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
}

// reset is an administrator's reset, recorded as e (an AdminReset) from c.
func (s *Service) reset(ctx context.Context, userID string, e history.Event, c Client) error {
	if err := s.removeSecondFactor(ctx, userID); err != nil {
		return err
	}
	e.UserID = userID
	s.event(ctx, c, e)
	s.notify(ctx, Client{}, Notification{Kind: NotifyAdminReset, UserID: userID, Note: e.Note})
	s.log.InfoContext(ctx, "portalmfa: second factor reset by an administrator", "user", userID, "admin", e.Actor)
	return nil
}

// cut shortens s to at most n bytes, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
