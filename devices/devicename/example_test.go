package devicename_test

import (
	"fmt"

	"github.com/portalmfa/portalmfa/devices/devicename"
)

func ExampleName() {
	for _, ua := range []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		"",
	} {
		fmt.Printf("%q\n", devicename.Name(ua))
	}
	// Output:
	// "Firefox on Windows"
	// "Safari on iOS"
	// ""
}
