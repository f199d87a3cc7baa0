package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
)

func TestTokenRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "rosa", auth.Reviewer)
		tok, id, err := f.svc.CreateToken(f.ctx, u.ID, "  sync script ", auth.Documenter)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, auth.TokenPrefix) || len(tok) < 40 {
			t.Fatalf("token has the wrong form (length %d)", len(tok))
		}
		got, gotID, err := f.svc.LookupToken(f.ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || gotID != id {
			t.Errorf("lookup gives user %d token %d, want %d %d", got.ID, gotID, u.ID, id)
		}
		if got.Role != auth.Documenter {
			t.Errorf("role %s, want it capped at documenter", got.Role)
		}
		list, err := f.svc.ListTokens(f.ctx, u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %d", err, len(list))
		}
		if list[0].Name != "sync script" || list[0].Role != auth.Documenter || list[0].LastUsedAt == 0 {
			t.Errorf("listed %+v", list[0])
		}
		// Only the hash is stored.
		if n := f.count(t, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", tok); n != 0 {
			t.Errorf("the token itself is in the database")
		}
		for _, forged := range []string{"", tok + "x", strings.ToUpper(tok), strings.TrimPrefix(tok, auth.TokenPrefix)} {
			if _, _, err := f.svc.LookupToken(f.ctx, forged); !errors.Is(err, auth.ErrNoToken) {
				t.Errorf("forged token: %v, want ErrNoToken", err)
			}
		}
	})
}

func TestTokenRoleLimits(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "dora", auth.Documenter)
		for _, r := range []auth.Role{auth.Reviewer, auth.Coordinator, auth.Admin, "root", ""} {
			if _, _, err := f.svc.CreateToken(f.ctx, u.ID, "x", r); !errors.Is(err, auth.ErrTokenRole) {
				t.Errorf("token with role %q for a documenter: %v, want ErrTokenRole", r, err)
			}
		}
		for _, name := range []string{"", "   ", strings.Repeat("n", 81), "tab\there", "nul\x00"} {
			if _, _, err := f.svc.CreateToken(f.ctx, u.ID, name, auth.Viewer); !errors.Is(err, auth.ErrTokenName) {
				t.Errorf("token name %q: %v, want ErrTokenName", name, err)
			}
		}
		tok, _, err := f.svc.CreateToken(f.ctx, u.ID, "full", auth.Documenter)
		if err != nil {
			t.Fatal(err)
		}
		// A demotion caps the token at the account's new role.
		if err := f.svc.SetRole(f.ctx, u.ID, auth.Viewer); err != nil {
			t.Fatal(err)
		}
		got, _, err := f.svc.LookupToken(f.ctx, tok)
		if err != nil || got.Role != auth.Viewer {
			t.Errorf("after demotion: %v role %v, want viewer", err, got)
		}
		// A disabled account's tokens stop working, and work again when
		// the account is enabled.
		if err := f.svc.SetDisabled(f.ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.LookupToken(f.ctx, tok); !errors.Is(err, auth.ErrNoToken) {
			t.Errorf("disabled account's token: %v", err)
		}
		if _, _, err := f.svc.CreateToken(f.ctx, u.ID, "x", auth.Viewer); err == nil {
			t.Errorf("a disabled account got a new token")
		}
	})
}

func TestTokenRevoke(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a := f.user(t, "ana", auth.Viewer)
		b := f.user(t, "ben", auth.Viewer)
		tok, id, err := f.svc.CreateToken(f.ctx, a.ID, "phone", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeToken(f.ctx, id, b.ID); !errors.Is(err, auth.ErrNoToken) {
			t.Errorf("someone else revoking: %v, want ErrNoToken", err)
		}
		if _, _, err := f.svc.LookupToken(f.ctx, tok); err != nil {
			t.Fatalf("token stopped working after a refused revocation: %v", err)
		}
		if err := f.svc.RevokeToken(f.ctx, id, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.LookupToken(f.ctx, tok); !errors.Is(err, auth.ErrNoToken) {
			t.Errorf("revoked token: %v", err)
		}
		if err := f.svc.RevokeToken(f.ctx, id, a.ID); !errors.Is(err, auth.ErrNoToken) {
			t.Errorf("second revocation: %v", err)
		}
		if list, _ := f.svc.ListTokens(f.ctx, a.ID); len(list) != 0 {
			t.Errorf("revoked token still listed")
		}
	})
}

func TestTokenLastUsedThrottled(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Viewer)
		tok, id, err := f.svc.CreateToken(f.ctx, u.ID, "x", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() int64 {
			var v int64
			if err := f.db.QueryRow(f.ctx, "SELECT last_used_at FROM api_tokens WHERE id = ?", id).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if lastUsed() != 0 {
			t.Fatal("new token marked used")
		}
		f.svc.LookupToken(f.ctx, tok)
		first := lastUsed()
		if first != start.Unix() {
			t.Fatalf("last used %d, want %d", first, start.Unix())
		}
		f.clock.Add(30 * time.Second)
		f.svc.LookupToken(f.ctx, tok)
		if lastUsed() != first {
			t.Errorf("last_used_at written twice within a minute")
		}
		f.clock.Add(31 * time.Second)
		f.svc.LookupToken(f.ctx, tok)
		if lastUsed() == first {
			t.Errorf("last_used_at not refreshed after a minute")
		}
	})
}
