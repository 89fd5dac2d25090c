package portalmfa_test

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/internal/softauthn"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/totp"
)

// The life of a second factor: enrollment, a login, a replayed code.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	svc, err := portalmfa.New(portalmfa.Config{
		Issuer: "Acme Portal",
		Keys:   [][]byte{[]byte("an example key of at least 32 bytes, from a secret store")},
		Store:  memory.New(),
		CheckPassword: func(ctx context.Context, userID, password string) (bool, error) {
			return password == "correct horse", nil
		},
		Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	user := portalmfa.User{ID: "42", Email: "ada@example.com"}

	// The wizard shows e.URI as a QR code and e.Key for typing by hand.
	// Turning a first factor on needs the password again: a session alone
	// could be someone else's.
	proof, _ := svc.ReverifyPassword(ctx, user.ID, "correct horse", "", portalmfa.Client{})
	e, _ := svc.BeginTOTP(ctx, user, proof)
	secret, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Key)
	// Then it shows the backup codes, once.
	codes, _ := svc.PendingBackupCodes(ctx, user.ID, proof)
	fmt.Println("backup codes:", len(codes))
	fmt.Println("confirm:", svc.ConfirmTOTP(ctx, user.ID, totp.Code(secret, now), proof, portalmfa.Client{}))

	// At the next login, after the password:
	need, _ := svc.SecondFactorRequired(ctx, user.ID)
	fmt.Println("second factor required:", need)
	now = now.Add(30 * time.Second)
	code := totp.Code(secret, now)
	fmt.Println("verify:", svc.VerifyTOTP(ctx, user.ID, code, portalmfa.Client{IP: "192.0.2.1"}))
	err = svc.VerifyTOTP(ctx, user.ID, code, portalmfa.Client{IP: "192.0.2.1"})
	fmt.Println("same code again is replayed:", errors.Is(err, portalmfa.ErrReplayed))

	// The phone is lost: a backup code works, once.
	left, err := svc.VerifyBackupCode(ctx, user.ID, codes[0], portalmfa.Client{})
	fmt.Println("backup code:", err, "left:", left)

	fmt.Println("turn off:", svc.RemoveTOTP(ctx, user.ID, proof, portalmfa.Client{}))
	// Output:
	// backup codes: 10
	// confirm: <nil>
	// second factor required: true
	// verify: <nil>
	// same code again is replayed: true
	// backup code: <nil> left: 9
	// turn off: <nil>
}

// A passkey as a user's only factor: registered after the password, with
// the account's backup codes, then used at the challenge. The browser's
// part (navigator.credentials) is played here by a software authenticator;
// in a portal, httpx's pages and script do it.
func ExampleService_BeginPasskeyRegistration() {
	ctx := context.Background()
	svc, err := portalmfa.New(portalmfa.Config{
		Issuer: "Acme Portal",
		Keys:   [][]byte{[]byte("an example key of at least 32 bytes, from a secret store")},
		Store:  memory.New(),
		CheckPassword: func(ctx context.Context, userID, password string) (bool, error) {
			return password == "correct horse", nil
		},
		// Browsers bind passkeys to a domain: "localhost" serves
		// http://localhost:PORT in development, never 127.0.0.1.
		Passkeys: portalmfa.PasskeyConfig{RPID: "portal.example", Origins: []string{"https://portal.example"}},
	})
	if err != nil {
		panic(err)
	}
	browser := &softauthn.Authenticator{Origin: "https://portal.example", UV: true}
	user := portalmfa.User{ID: "42", Email: "ada@example.com"}

	// A first factor needs the password again, not just a session.
	proof, _ := svc.ReverifyPassword(ctx, user.ID, "correct horse", "", portalmfa.Client{})
	reg, _ := svc.BeginPasskeyRegistration(ctx, user, proof)
	answer, _ := browser.Create(reg.Options) // navigator.credentials.create
	codes, err := svc.FinishPasskeyRegistration(ctx, user, reg.Token, answer, proof, portalmfa.Client{})
	fmt.Println("registered:", err, "backup codes:", len(codes))

	// At the next login, after the password:
	login, _ := svc.BeginPasskeyLogin(ctx, user.ID)
	answer, _ = browser.Get(login.Options) // navigator.credentials.get
	fmt.Println("challenge:", svc.VerifyPasskey(ctx, user.ID, login.Token, answer, portalmfa.Client{}))
	err = svc.VerifyPasskey(ctx, user.ID, login.Token, answer, portalmfa.Client{})
	fmt.Println("the same ceremony again:", errors.Is(err, portalmfa.ErrCeremonyExpired))
	// Output:
	// registered: <nil> backup codes: 10
	// challenge: <nil>
	// the same ceremony again: true
}
