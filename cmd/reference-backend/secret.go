package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// serverSecretFile is the name of the server secret kept in the data folder.
const serverSecretFile = "server-secret"

// loadOrCreateServerSecret reads the server secret from dir, or creates it
// there (32 random bytes, hex-encoded, mode 0600) when it does not exist yet.
// Reusing it across restarts is what keeps API keys valid and lets managers
// read their managed accounts' keys back.
func loadOrCreateServerSecret(dir string) (secret []byte, created bool, err error) {
	path := filepath.Join(dir, serverSecretFile)
	secret, err = readServerSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return secret, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create the data folder: %w", err)
	}
	// O_EXCL: when two processes start at once, one creates and the other reads.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: the path is in the data folder the operator chose

	if errors.Is(err, fs.ErrExist) {
		secret, err = readServerSecret(path)
		return secret, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("create the server secret: %w", err)
	}
	secret = []byte(hex.EncodeToString(backend.NewServerSecret()))
	_, werr := f.Write(append(secret, '\n'))
	if serr := f.Sync(); werr == nil {
		werr = serr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, false, fmt.Errorf("write the server secret %s: %w", path, werr)
	}
	return secret, true, nil
}

func readServerSecret(path string) ([]byte, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // G304: the path is in the data folder the operator chose
	if err != nil {
		return nil, err
	}
	secret := bytes.TrimSpace(raw)
	if len(secret) < backend.MinServerSecretLen {
		return nil, fmt.Errorf("the server secret in %s is shorter than %d characters", path, backend.MinServerSecretLen)
	}
	return secret, nil
}
