// Package auth holds authentication primitives shared by the domain and the
// HTTP layer: the caller's identity in a context, argon2id password hashing,
// and opaque secret tokens stored only as hashes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Identity is the authenticated caller: a user ID and what they may do.
type Identity struct {
	UserID string
	Roles  []string
	// Orgs maps organisation ID to the caller's role in it.
	Orgs map[string]string
	// Via is "session" or "token".
	Via string
}

// HasRole reports whether the identity holds the given account role.
func (id *Identity) HasRole(role string) bool {
	if id == nil {
		return false
	}
	for _, r := range id.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// IsAdmin reports whether the identity is an administrator.
func (id *Identity) IsAdmin() bool { return id.HasRole("admin") }

// OrgRole returns the caller's role in org, or "" when not a member.
func (id *Identity) OrgRole(org string) string {
	if id == nil {
		return ""
	}
	return id.Orgs[org]
}

type ctxKey struct{}

// NewContext returns ctx carrying the identity.
func NewContext(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// UserFromContext returns the identity in ctx, or nil for anonymous callers.
func UserFromContext(ctx context.Context) *Identity {
	id, _ := ctx.Value(ctxKey{}).(*Identity)
	return id
}

// Argon2id parameters (OWASP 2023 baseline: 19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns a PHC-formatted argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC hash, in constant time.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a login names no account, so that the
// response time does not reveal which accounts exist.
var dummyHash, _ = HashPassword("tongban-no-such-account")

// CheckDummy spends the same work as CheckPassword on a fixed hash.
func CheckDummy(password string) { CheckPassword(dummyHash, password) }

// NewSecret returns a random URL-safe secret with the given prefix
// (e.g. "tb_") and 32 bytes of entropy.
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the hex SHA-256 of a secret; only hashes are stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
