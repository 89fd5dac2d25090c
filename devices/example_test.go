package devices_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/devices"
)

// Trusting a device: the browser gets the token in a cookie, the store gets
// its hash. At the next login, the cookie's token is hashed again and looked
// up with the user whose password was just checked.
func ExampleNewToken() {
	token, hash, err := devices.NewToken(nil) // crypto/rand
	if err != nil {
		fmt.Println("try again later:", err)
		return
	}
	fmt.Println(len(token), "characters in the cookie")
	fmt.Println(len(hash), "bytes in the store")
	fmt.Println(bytes.Equal(devices.HashToken(token), hash))
	// Output:
	// 43 characters in the cookie
	// 32 bytes in the store
	// true
}

func ExampleDevice_StatusAt() {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d := devices.Device{Name: "Firefox on Windows", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}
	fmt.Println(d.StatusAt(now))
	fmt.Println(d.StatusAt(d.ExpiresAt))
	d.RevokedAt = now.Add(time.Hour)
	fmt.Println(d.StatusAt(now.Add(2 * time.Hour)))
	// Output:
	// active
	// expired
	// revoked
}
