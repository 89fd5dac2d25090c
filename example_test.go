package portalmfa_test

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa"
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
	codes, _ := svc.NewBackupCodes(ctx, user.ID)
	fmt.Println("backup codes:", len(codes))
	fmt.Println("confirm:", svc.ConfirmTOTP(ctx, user.ID, totp.Code(secret, now), portalmfa.Client{}))

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
