package oob_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/oob"
)

func ExampleNormalize() {
	for _, typed := range []string{"123 456", "123-456", "12345", "12345a"} {
		code, err := oob.Normalize(typed)
		fmt.Printf("%q %v\n", code, err)
	}
	// Output:
	// "123456" <nil>
	// "123456" <nil>
	// "" oob: malformed code
	// "" oob: malformed code
}

func ExampleHasher_Hash() {
	h, _ := oob.NewHasher(bytes.Repeat([]byte{1}, 32)) // derive from your key ring
	code, _ := oob.NewCode(nil)                        // sent to the user by SMS
	stored := h.Hash("alice", "login:7f3a", code)

	typed, _ := oob.Normalize(code[:3] + " " + code[3:])
	fmt.Println(bytes.Equal(stored, h.Hash("alice", "login:7f3a", typed)))
	fmt.Println(bytes.Equal(stored, h.Hash("alice", "login:9c21", typed))) // another login
	// Output:
	// true
	// false
}

func ExampleLimits_Check() {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := oob.Limits{Cooldown: oob.DefaultCooldown, PerHour: oob.DefaultPerHour}
	lastSend := now.Add(-20 * time.Second)
	err := l.Check(now, lastSend, time.Time{}, time.Time{})
	var le *oob.LimitError
	if errors.As(err, &le) {
		fmt.Println(errors.Is(err, oob.ErrCooldown), le.Until.Sub(now))
	}
	// Output: true 40s
}
