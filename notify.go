package portalmfa

import (
	"context"
	"time"
)

// NotificationKind names what happened to an account.
type NotificationKind string

const (
	NotifyNewTrustedDevice NotificationKind = "new-trusted-device"
	NotifyTOTPDisabled     NotificationKind = "totp-disabled"
	NotifyTOTPReplaced     NotificationKind = "totp-replaced" // a new app in place of the old
	NotifyBackupCodeUsed   NotificationKind = "backup-code-used"
	NotifyFewBackupCodes   NotificationKind = "few-backup-codes"
	NotifyRepeatedFailures NotificationKind = "repeated-failures"
	// NotifyCodesSuspended: the app's codes were suspended after
	// Config.SuspendAfter failures in a row.
	NotifyCodesSuspended   NotificationKind = "codes-suspended"
	NotifyNotMe            NotificationKind = "not-me"
	NotifyTwoFactorOn      NotificationKind = "2fa-on"
	NotifyTwoFactorOff     NotificationKind = "2fa-off"
	NotifyCodesRegenerated NotificationKind = "backup-codes-regenerated"
	NotifyPasskeyAdded     NotificationKind = "passkey-added"
	NotifyPasskeyRemoved   NotificationKind = "passkey-removed"
	// NotifyPhoneAdded: a mobile number was confirmed for codes by SMS, in
	// place of another or not.
	NotifyPhoneAdded    NotificationKind = "phone-added"
	NotifyPhoneRemoved  NotificationKind = "phone-removed"
	NotifyEmailCodesOn  NotificationKind = "email-codes-on"
	NotifyEmailCodesOff NotificationKind = "email-codes-off"
	// NotifyAdminReset: an administrator turned the user's second factor
	// off (Notification.Note holds the reason, when one was given).
	NotifyAdminReset NotificationKind = "admin-reset"
	// NotifyPasskeyClone: a login with a passkey was refused because its
	// counter did not increase, a sign someone copied it.
	NotifyPasskeyClone NotificationKind = "passkey-clone"
)

// Notification is what a [Notifier] receives.
type Notification struct {
	Kind NotificationKind
	// UserID names the user; User is the rest of what the host told us
	// through Config.LookupUser (its Language picks the message's
	// language), or just the ID without it.
	UserID string
	User   User
	At     time.Time
	IP     string
	Device string // a readable device name
	// Remaining is the number of unused backup codes, for
	// NotifyBackupCodeUsed and NotifyFewBackupCodes.
	Remaining int
	// Note is the administrator's reason, for NotifyAdminReset.
	Note string
}

// Notifier tells users what happened to their account (an email, a
// message in the portal). Notify runs inside the request that caused it:
// it should hand slow deliveries to a queue. Its errors are logged; the
// operation stands.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// notify tells the Notifier, if any, of n, which came from client c.
func (s *Service) notify(ctx context.Context, c Client, n Notification) {
	if s.cfg.Notifier == nil {
		return
	}
	if out, ok := ctx.Value(outboxKey{}).(*outbox); ok {
		out.held = append(out.held, heldNotification{c, n})
		return
	}
	n.At, n.IP, n.Device = s.cfg.Now(), c.IP, s.deviceNames.name(c.UserAgent)
	n.User = User{ID: n.UserID}
	if s.cfg.LookupUser != nil {
		u, err := s.cfg.LookupUser(ctx, n.UserID)
		if err != nil {
			s.log.ErrorContext(ctx, "portalmfa: looking up user to notify", "user", n.UserID, "err", err)
		} else {
			n.User = u
		}
	}
	if err := s.cfg.Notifier.Notify(ctx, n); err != nil {
		s.log.ErrorContext(ctx, "portalmfa: notifying", "user", n.UserID, "kind", n.Kind, "err", err)
	}
}
