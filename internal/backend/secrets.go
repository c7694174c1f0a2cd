package backend

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Secrets derives everything the backend keys with its server secret: the hash
// under which API keys are looked up, and the sealing of the few secrets that a
// manager must be able to read back (a managed account's primary key and token).
type Secrets struct {
	hashKey []byte
	aead    cipher.AEAD
	// linkKey signs links that work without an API key (invoice documents).
	linkKey []byte
	// fingerprintKey keys card fingerprints; a purpose of its own, so that a
	// fingerprint can never be matched against an API-key hash.
	fingerprintKey []byte
	// requestKey keys the fingerprints of idempotent requests.
	requestKey []byte
	// sessionKey keys the stored IDs of portal sessions.
	sessionKey []byte
	// webhookKey signs notification webhooks (notification_delivery.go).
	webhookKey ed25519.PrivateKey
	// PasswordCost is the bcrypt cost for account passwords.
	PasswordCost int
}

// MinServerSecretLen is the shortest server secret accepted, in bytes.
const MinServerSecretLen = 32

// NewSecrets derives the keys from the server secret.
func NewSecrets(serverSecret []byte) (*Secrets, error) {
	if len(serverSecret) < MinServerSecretLen {
		return nil, errors.New("server secret must be at least 32 bytes")
	}
	block, err := aes.NewCipher(derive(serverSecret, "seal"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Secrets{hashKey: derive(serverSecret, "api-key-hash"), aead: aead, linkKey: derive(serverSecret, "signed-link"),
		fingerprintKey: derive(serverSecret, "card-fingerprint"), requestKey: derive(serverSecret, "idempotency-request"),
		sessionKey: derive(serverSecret, "portal-session"), webhookKey: ed25519.NewKeyFromSeed(derive(serverSecret, "webhook-signing-ed25519")),
		PasswordCost: bcrypt.DefaultCost}, nil
}

func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("telnyx-reference-backend/" + purpose))
	return m.Sum(nil)
}

// HashKey returns the lookup hash of an API key. Keys carry at least 128 random
// bits, so a keyed fast hash is enough; a database leak alone reveals nothing.
func (s *Secrets) HashKey(key string) string {
	m := hmac.New(sha256.New, s.hashKey)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// CardFingerprint identifies a card number without revealing it: the same
// number always gives the same fingerprint under one server secret, and
// without the secret the fingerprint cannot be tested against guesses (card
// numbers are too few for a plain hash to hide them). 32 hex digits.
func (s *Secrets) CardFingerprint(number string) string {
	m := hmac.New(sha256.New, s.fingerprintKey)
	m.Write([]byte(number))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// RequestFingerprint tells idempotent requests apart (see
// Service.Idempotent, which leaves the secrets out of what it passes here):
// HMAC-SHA-256 under a key of its own, in hex, so that a stored fingerprint
// cannot be tested against guesses without the server secret.
func (s *Secrets) RequestFingerprint(request []byte) string {
	m := hmac.New(sha256.New, s.requestKey)
	m.Write(request)
	return hex.EncodeToString(m.Sum(nil))
}

// PortalSessionID is the stored ID of a portal session token: its
// HMAC-SHA-256 under a key of its own, in hex. A token carries 256 random
// bits, so a plain hash would hide it as well; keyed, the sessions table
// holds no digest of a credential at all, as every other table.
func (s *Secrets) PortalSessionID(token string) string {
	m := hmac.New(sha256.New, s.sessionKey)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts a secret that must be readable back later.
func (s *Secrets) Seal(plaintext string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plaintext), nil))
}

// Open decrypts what Seal produced.
func (s *Secrets) Open(sealed string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("sealed secret is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errors.New("sealed secret does not open with this server secret")
	}
	return string(plain), nil
}

// Stored passwords are bcrypt hashes sealed with the server secret, so that a
// copy of the database cannot be guessed against offline: without the secret
// the only way to test a password is the portal's throttled sign-in. Sealed
// rather than peppered (bcrypt over a keyed digest of the password) because
// sealing converts the plain bcrypt hashes of earlier releases without their
// passwords, into the one form every hash then has (Service.SealPasswordHashes).
const (
	// SealedPasswordPrefix begins every stored password hash.
	SealedPasswordPrefix = "sealed-bcrypt:" //nolint:gosec // G101: a format's name, not a credential
	// UnscrubbedPasswordPrefix begins a hash that the upgrade sealed while
	// its plain form may still be in the database's free space; it becomes
	// SealedPasswordPrefix once the store is scrubbed.
	UnscrubbedPasswordPrefix = "sealed-bcrypt-unscrubbed:" //nolint:gosec // G101: a format's name, not a credential
)

// HashPassword returns what is stored of an account password: its bcrypt
// hash, sealed.
func (s *Secrets) HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.PasswordCost)
	if err != nil {
		return "", err
	}
	return SealedPasswordPrefix + s.Seal(string(h)), nil
}

// openPasswordHash returns the bcrypt hash sealed in stored (what
// HashPassword returned), and false when there is none: an empty or
// malformed value, a hash in the clear, or one sealed with another secret.
func (s *Secrets) openPasswordHash(stored string) (string, bool) {
	sealed, ok := strings.CutPrefix(stored, SealedPasswordPrefix)
	if !ok {
		sealed, ok = strings.CutPrefix(stored, UnscrubbedPasswordPrefix)
	}
	if !ok {
		return "", false
	}
	hash, err := s.Open(sealed)
	return hash, err == nil
}

// CheckPassword reports whether password is the one whose stored hash is
// stored. A hash that does not open with this server secret matches nothing.
func (s *Secrets) CheckPassword(stored, password string) bool {
	hash, ok := s.openPasswordHash(stored)
	return ok && bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// NewAPIKey returns a fresh API key: "KEY", 32 hex digits (128 random bits) that
// also serve as a readable identifier, "_", and 32 more random bytes.
func NewAPIKey() string {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return "KEY" + strings.ToUpper(hex.EncodeToString(id)) + "_" + base64.RawURLEncoding.EncodeToString(secret)
}

// NewAPIToken returns a fresh V1 API token.
func NewAPIToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// MaskKey shows a key's "KEY" prefix and its last four characters only.
func MaskKey(key string) string {
	if len(key) <= 7 {
		return "KEY…"
	}
	return key[:3] + "…" + key[len(key)-4:]
}

// NewServerSecret returns a fresh random server secret.
func NewServerSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// SignLink returns the signature of a link made of parts: base64url of an
// HMAC over the parts, each length-prefixed so that no two lists of parts
// sign the same.
func (s *Secrets) SignLink(parts ...string) string {
	m := hmac.New(sha256.New, s.linkKey)
	for _, p := range parts {
		m.Write([]byte(strconv.Itoa(len(p)) + ":" + p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// VerifyLink reports, in constant time, whether signature is SignLink(parts...).
func (s *Secrets) VerifyLink(signature string, parts ...string) bool {
	return hmac.Equal([]byte(signature), []byte(s.SignLink(parts...)))
}
