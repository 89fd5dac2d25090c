package lockout_test

import (
	"fmt"
	"time"

	"github.com/portalmfa/portalmfa/lockout"
)

func ExampleLimit_LockDelay() {
	l := lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}
	for n := range 8 {
		fmt.Print(l.LockDelay(n), " ")
	}
	fmt.Println()
	// Output: 1m0s 2m0s 4m0s 8m0s 16m0s 32m0s 1h0m0s 1h0m0s
}
