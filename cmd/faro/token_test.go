package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/store"
)

func tokenCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestTokenCommand: faro token create prints a token once, on standard
// output alone, stores only its hash, refuses a role above the account's;
// list shows it without the secret; revoke ends it.
func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(t.TempDir(), "pass")
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pass, []byte("a long test passphrase\n"), 0o600)
	os.WriteFile(pw, []byte("password-of-rosa-1\n"), 0o600)
	t.Setenv("FARO_LOG_LEVEL", "warn")
	if code, _, errOut := tokenCLI(t, "init", "--data", dir, "--passphrase-file", pass); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	if code, _, errOut := tokenCLI(t, "adduser", "--data", dir, "--login", "rosa", "--role", "reviewer", "--password-file", pw, "--unseal-file", pass); code != 0 {
		t.Fatalf("adduser: %s", errOut)
	}
	if code, _, errOut := tokenCLI(t, "token", "create", "--data", dir, "--user", "rosa", "--role", "coordinator", "--unseal-file", pass); code != 1 || !strings.Contains(errOut, "cannot have the role coordinator") {
		t.Errorf("token above the account's role: code %d, %s", code, errOut)
	}
	if code, _, _ := tokenCLI(t, "token", "create", "--data", dir, "--role", "viewer", "--unseal-file", pass); code != 2 {
		t.Errorf("token create without --user: code %d, want 2", code)
	}
	code, out, errOut := tokenCLI(t, "token", "create", "--data", dir, "--user", "rosa", "--role", "documenter", "--name", "sync", "--unseal-file", pass)
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	tok := strings.TrimSpace(out)
	if !strings.HasPrefix(tok, "faro_") || strings.Contains(tok, "\n") || strings.Contains(errOut, tok) {
		t.Fatalf("standard output is not just the token")
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "faro.db"))
	if err != nil {
		t.Fatal(err)
	}
	var hash, role string
	err = db.QueryRow(context.Background(), "SELECT token_hash, role FROM api_tokens").Scan(&hash, &role)
	db.Close()
	sum := sha256.Sum256([]byte(tok))
	if err != nil || hash != hex.EncodeToString(sum[:]) || role != "documenter" {
		t.Errorf("stored token: %v, role %q, is its hash: %v", err, role, hash == hex.EncodeToString(sum[:]))
	}
	code, out, _ = tokenCLI(t, "token", "list", "--data", dir, "--user", "rosa")
	if code != 0 || !strings.Contains(out, "documenter\tsync") || strings.Contains(out, tok) {
		t.Errorf("token list: %d %q", code, out)
	}
	if code, out, _ := tokenCLI(t, "token", "revoke", "--data", dir, "--id", "1", "--unseal-file", pass); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: %d %q", code, out)
	}
	if code, _, errOut := tokenCLI(t, "token", "revoke", "--data", dir, "--id", "1", "--unseal-file", pass); code != 1 || !strings.Contains(errOut, "no valid token") {
		t.Errorf("second revoke: %d %q", code, errOut)
	}
	if code, out, _ := tokenCLI(t, "token", "list", "--data", dir, "--user", "rosa"); code != 0 || out != "" {
		t.Errorf("list after revoke: %q", out)
	}
	if code, _, errOut := tokenCLI(t, "token", "frob"); code != 2 || !strings.Contains(errOut, "unknown subcommand") {
		t.Errorf("unknown subcommand: %d", code)
	}
}
