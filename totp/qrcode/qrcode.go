package qrcode

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	encoder "github.com/yeqown/go-qrcode/v2"
	"github.com/yeqown/go-qrcode/writer/standard"
)

// 8-pixel modules stay sharp on a phone screen and in print, and the quiet
// zone of 4 modules is what the QR specification asks for.
const (
	modulePixels = 8
	quietModules = 4
)

// PNG renders uri as a PNG QR code. Error correction is Medium: the code is
// shown on a screen, not printed on something that gets scratched, and a
// lower level means fewer modules, so each is bigger in an image that fits
// on a page.
//
// The error never quotes uri, which holds the secret.
func PNG(uri string) ([]byte, error) {
	if uri == "" {
		return nil, errors.New("qrcode: empty uri")
	}
	qr, err := encoder.NewWith(uri, encoder.WithErrorCorrectionLevel(encoder.ErrorCorrectionMedium))
	if err != nil {
		// The library's message may quote characters of the input.
		return nil, fmt.Errorf("qrcode: cannot encode a uri of %d bytes", len(uri))
	}
	var buf bytes.Buffer
	w := standard.NewWithWriter(nopCloser{&buf},
		standard.WithBuiltinImageEncoder(standard.PNG_FORMAT),
		standard.WithQRWidth(modulePixels),
		standard.WithBorderWidth(quietModules*modulePixels),
	)
	if err := qr.Save(w); err != nil {
		return nil, fmt.Errorf("qrcode: %w", err)
	}
	return buf.Bytes(), nil
}

// nopCloser lets the QR writer, which insists on closing its output, write
// into memory.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
