package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

const keySize = 32

// loadOrCreateKey reads the hex-encoded key at path, or, when there is no
// file, makes keySize random bytes and writes them there with mode 0600.
// created says which happened.
//
// A demo shortcut: a production portal reads its key ring from a secret
// manager, never from a file beside the database it protects.
func loadOrCreateKey(path string) (key []byte, created bool, err error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := hex.DecodeString(string(bytes.TrimSpace(data)))
		if err != nil || len(key) < keySize {
			return nil, false, fmt.Errorf("key file %s: want at least %d hex-encoded bytes", path, keySize)
		}
		return key, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("reading key file: %w", err)
	}

	key = make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("making a key: %w", err)
	}
	// O_EXCL: if another process made the file meanwhile, fail rather than
	// overwrite a key that may already seal secrets.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("creating key file: %w", err)
	}
	_, err = fmt.Fprintln(f, hex.EncodeToString(key))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // a half-written key would only fail the next start
		return nil, false, fmt.Errorf("writing key file: %w", err)
	}
	return key, true, nil
}
