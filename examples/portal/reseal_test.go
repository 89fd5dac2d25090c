package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// -reseal re-seals and exits without serving: the address, which no
// listener could take, is never used.
func TestRunReseal(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	for range 2 { // on a new database, then on the one the first run made
		var out bytes.Buffer
		if err := run(t.Context(), []string{"-reseal", "-db", db, "-addr", "203.0.113.1:1"}, &out); err != nil {
			t.Fatalf("run -reseal: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "Re-sealed 0 TOTP secret(s) under the newest key.") {
			t.Errorf("run -reseal printed:\n%s", out.String())
		}
	}
}
