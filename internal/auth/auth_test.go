package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tongban/tongban/internal/auth"
)

func TestPasswordHashing(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string with the documented parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		hash, password string
		want           bool
	}{
		{h, "correct horse battery", true},
		{h, "correct horse batterY", false},
		{h, "", false},
		{"$argon2id$v=19$m=19456,t=2,p=1$bad", "x", false},
		{"plain", "plain", false},
		{strings.Replace(h, "argon2id", "argon2i", 1), "correct horse battery", false},
	}
	for _, tt := range tests {
		if got := auth.CheckPassword(tt.hash, tt.password); got != tt.want {
			t.Errorf("CheckPassword(%.20q…, %q) = %v, want %v", tt.hash, tt.password, got, tt.want)
		}
	}
}

func TestSecretsAndIdentity(t *testing.T) {
	a, b := auth.NewSecret("tb_"), auth.NewSecret("tb_")
	if a == b || !strings.HasPrefix(a, "tb_") || len(a) < 40 {
		t.Errorf("secrets %q %q", a, b)
	}
	if h1, h2 := auth.HashSecret(a), auth.HashSecret(a); h1 == a || h1 != h2 || len(h1) != 64 {
		t.Error("HashSecret is not a stable hex SHA-256")
	}
	if auth.UserFromContext(context.Background()) != nil {
		t.Error("anonymous context has an identity")
	}
	id := &auth.Identity{UserID: "u", Roles: []string{"volunteer", "admin"}, Orgs: map[string]string{"o": "finance"}}
	ctx := auth.NewContext(context.Background(), id)
	got := auth.UserFromContext(ctx)
	if got == nil || !got.IsAdmin() || !got.HasRole("volunteer") || got.HasRole("donor") || got.OrgRole("o") != "finance" || got.OrgRole("x") != "" {
		t.Errorf("identity round trip: %+v", got)
	}
	var none *auth.Identity
	if none.IsAdmin() || none.OrgRole("o") != "" {
		t.Error("nil identity has rights")
	}
}
