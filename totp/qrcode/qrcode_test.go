package qrcode

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa/totp"
)

// testSecret is an arbitrary fixed secret, so failures reproduce.
func testSecret() []byte {
	s := make([]byte, totp.SecretSize)
	for i := range s {
		s[i] = byte(7*i + 3)
	}
	return s
}

// TestPNGScans reads the image back with an independent decoder.
func TestPNGScans(t *testing.T) {
	zbarimg, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed")
	}
	tests := []struct{ name, issuer, account string }{
		{"spaces and at", "Example Co", "alice smith@example.com"},
		{"colon and non-ascii", "Société: Générale", "josé@exämple.fr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uri := totp.URI(tc.issuer, tc.account, testSecret())
			img, err := PNG(uri)
			require.NoError(t, err)
			file := filepath.Join(t.TempDir(), "qr.png")
			require.NoError(t, os.WriteFile(file, img, 0o600))
			out, err := exec.Command(zbarimg, "--raw", "-q", file).Output()
			require.NoError(t, err)
			assert.Equal(t, uri, strings.TrimSuffix(string(out), "\n"))
		})
	}
}

func TestPNGImage(t *testing.T) {
	img, err := PNG(totp.URI("Example", "alice@example.com", testSecret()))
	require.NoError(t, err)
	decoded, err := png.Decode(bytes.NewReader(img))
	require.NoError(t, err, "PNG must return a PNG")
	b := decoded.Bounds()
	assert.Equal(t, b.Dx(), b.Dy())
	// A whole number of modules plus a quiet zone on each side.
	assert.Zero(t, b.Dx()%modulePixels)
	modules := b.Dx()/modulePixels - 2*quietModules
	assert.Zero(t, (modules-21)%4, "QR sizes are 21+4k modules, got %d", modules)
	// Top-left pixels are the quiet zone.
	r, g, bl, _ := decoded.At(b.Min.X+1, b.Min.Y+1).RGBA()
	assert.Equal(t, [3]uint32{0xffff, 0xffff, 0xffff}, [3]uint32{r, g, bl})
}

func TestPNGErrors(t *testing.T) {
	secret := testSecret()
	tests := []struct{ name, uri string }{
		{"empty", ""},
		{"too long for any QR version", totp.URI(strings.Repeat("x", 5000), "alice", secret)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := PNG(tc.uri)
			require.Error(t, err)
			assert.Nil(t, img)
			// The URI holds the secret: the error must quote neither.
			assert.NotContains(t, err.Error(), totp.EncodeSecret(secret))
			assert.NotContains(t, err.Error(), string(secret))
		})
	}
}
