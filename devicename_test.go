package portalmfa

import (
	"strconv"
	"testing"
)

func TestNameCache(t *testing.T) {
	var c nameCache
	const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	if got := c.name(firefox); got != "Firefox on Windows" {
		t.Fatalf("name = %q", got)
	}
	if got := c.name(firefox); got != "Firefox on Windows" {
		t.Fatalf("cached name = %q", got)
	}
	for i := range 3 * nameCacheSize {
		c.name("made-up agent " + strconv.Itoa(i))
		if len(c.names) > nameCacheSize {
			t.Fatalf("cache grew to %d entries", len(c.names))
		}
	}
}
