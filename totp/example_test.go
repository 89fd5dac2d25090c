package totp_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/totp"
)

func ExampleVerify() {
	// A real secret comes from totp.NewSecret(nil); this one is RFC 6238's.
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)

	// The user types the code from their app, maybe with a space in it.
	typed := "050 471"

	step, err := totp.Verify(secret, typed, now)
	fmt.Println(step, err)
	// The caller then records step with Store.AcceptTOTPStep, which refuses
	// it a second time.

	_, err = totp.Verify(secret, "050 47", now)
	fmt.Println(err)
	// Output:
	// 37037037 <nil>
	// totp: malformed code
}

func ExampleURI() {
	secret := []byte("12345678901234567890")
	fmt.Println(totp.URI("Example Portal", "alice@example.com", secret))
	fmt.Println(totp.EncodeSecret(secret))
	// Output:
	// otpauth://totp/Example%20Portal:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Portal&algorithm=SHA1&digits=6&period=30
	// GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
}

func ExampleSealer() {
	// Keys come from the Service's key ring through HKDF; newest first.
	oldKey := bytes.Repeat([]byte{1}, 32)
	newKey := bytes.Repeat([]byte{2}, 32)

	before, _ := totp.NewSealer(oldKey)
	sealed, _ := before.Seal([]byte("12345678901234567890"), "user-42")

	after, _ := totp.NewSealer(newKey, oldKey)
	secret, err := after.Open(sealed, "user-42")
	fmt.Println(string(secret), err)
	fmt.Println("needs re-sealing:", !after.Current(sealed))

	_, err = after.Open(sealed, "user-43")
	fmt.Println(err != nil)
	// Output:
	// 12345678901234567890 <nil>
	// needs re-sealing: true
	// true
}
