package qrcode_test

import (
	"bytes"
	"fmt"
	"image/png"

	"github.com/portalmfa/portalmfa/totp"
	"github.com/portalmfa/portalmfa/totp/qrcode"
)

func ExamplePNG() {
	// A real secret comes from totp.NewSecret(nil); this one is RFC 6238's.
	uri := totp.URI("Example Portal", "alice@example.com", []byte("12345678901234567890"))

	img, err := qrcode.PNG(uri)
	if err != nil {
		fmt.Println("try again later:", err)
		return
	}
	// Serve img as image/png with Cache-Control: no-store: it carries the
	// secret.
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	fmt.Println(cfg.Width == cfg.Height, cfg.Width > 0, err)
	// Output:
	// true true <nil>
}
