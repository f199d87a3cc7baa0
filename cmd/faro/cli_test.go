package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndVersion(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 || !strings.Contains(out, "go run ./cmd/faro demo") || !strings.Contains(out, "serve") {
		t.Errorf("faro --help: code %d, output lacks the commands", code)
	}
	for _, c := range commands() {
		code, _, errOut := runCLI(t, c.name, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: faro "+c.name) {
			t.Errorf("faro %s --help: code %d", c.name, code)
		}
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "faro ") {
		t.Errorf("faro version: code %d, %q", code, out)
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: code %d", code)
	}
	if code, _, _ := runCLI(t, "serve", "--no-such-flag"); code != 2 {
		t.Errorf("unknown flag: code %d, want 2", code)
	}
}

func TestInitRefusesBadShares(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"init", "--data", dir, "--shares", "3"},
		{"init", "--data", dir, "--shares", "3", "--threshold", "4"},
		{"init", "--data", dir, "--shares", "3", "--threshold", "1"},
	} {
		if code, _, errOut := runCLI(t, args...); code == 0 || errOut == "" {
			t.Errorf("%v: code %d, want a clear error", args, code)
		}
	}
	code, out, _ := runCLI(t, "init", "--data", dir, "--shares", "5", "--threshold", "3")
	if code != 0 || strings.Count(out, "faro-share-") != 5 {
		t.Fatalf("init with shares: code %d, %d shares printed", code, strings.Count(out, "faro-share-"))
	}
	if code, _, errOut := runCLI(t, "init", "--data", dir, "--shares", "5", "--threshold", "3"); code == 0 || !strings.Contains(errOut, "already") {
		t.Errorf("second init: code %d, want 'already initialised'", code)
	}
}

// TestServeSealsOnSignalAndStopsGracefully runs faro serve in-process:
// faro seal (SIGUSR1 to the pid in the data directory) wipes the keys and
// the next request sees the sealed page; cancelling (as SIGTERM does)
// shuts it down cleanly.
func TestServeSealsOnSignalAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "..", filepath.Base(dir)+"-pass")
	if err := os.WriteFile(pass, []byte("a long test passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FARO_LOG_LEVEL", "warn")
	if code, _, errOut := runCLI(t, "init", "--data", dir, "--passphrase-file", pass); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--listen", addr, "--unseal-file", pass}, &bytes.Buffer{}, &errb)
	}()
	base := "http://" + addr
	status := func(path string) int {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(60 * time.Second)
	for status("/healthz") != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := status("/login"); s != 200 {
		t.Fatalf("unsealed /login: %d", s)
	}
	if code, _, errOut := runCLI(t, "seal", "--data", dir); code != 0 {
		t.Fatalf("faro seal: %s", errOut)
	}
	// Its own deadline: starting (with a real passphrase derivation) may
	// have used most of the first one on a busy machine.
	deadline = time.Now().Add(10 * time.Second)
	for status("/login") != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("still unsealed after faro seal")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := status("/healthz"); s != 200 {
		t.Errorf("sealed /healthz: %d", s)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after shutdown: %s", code, errb.String())
		}
	case <-time.After(35 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := os.Stat(filepath.Join(dir, pidFile)); !os.IsNotExist(err) {
		t.Error("pid file left behind after a clean stop")
	}
	// The audit log written meanwhile verifies.
	if code, out, errOut := runCLI(t, "verify", "--data", dir); code != 0 {
		t.Errorf("verify after serve: %s %s", out, errOut)
	}
	// An edited entry makes verify fail and say what broke.
	db, err := store.Open(context.Background(), filepath.Join(dir, "faro.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(context.Background(), "UPDATE audit_log SET actor = actor + 7 WHERE idx = 0"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, _ := runCLI(t, "verify", "--data", dir)
	if code != 1 || !strings.Contains(out, "FAIL: entry 0") {
		t.Errorf("verify after tampering: code %d, output %q", code, out)
	}
}

// TestRotateKeys: after rotation new writes use the new key and what the
// old key encrypted still reads.
func TestRotateKeys(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("a long test passphrase\n"), 0o600)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("admin password 1\n"), 0o600)
	if code, _, errOut := runCLI(t, "init", "--data", dir, "--passphrase-file", pass); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := runCLI(t, "adduser", "--data", dir, "--login", "first", "--name", "First Admin", "--password-file", pw, "--unseal-file", pass); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runCLI(t, "rotate-keys", "--data", dir, "--unseal-file", pass)
	if code != 0 || !strings.Contains(out, "data key 2") {
		t.Fatalf("rotate-keys: code %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "adduser", "--data", dir, "--login", "second", "--name", "Second Admin", "--password-file", pw, "--unseal-file", pass); code != 0 {
		t.Fatal(errOut)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "faro.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var first, second []byte
	db.QueryRow(context.Background(), "SELECT display_name FROM users WHERE login = 'first'").Scan(&first)
	db.QueryRow(context.Background(), "SELECT display_name FROM users WHERE login = 'second'").Scan(&second)
	if len(first) < 5 || len(second) < 5 || first[4] != 1 || second[4] != 2 {
		t.Errorf("key ids: first %v second %v, want 1 then 2", first[:5], second[:5])
	}
	if code, out, _ := runCLI(t, "verify", "--data", dir, "--unseal-file", pass); code != 0 {
		t.Errorf("verify after rotation: %s", out)
	}
}

// A lost share holder: re-wrapping under new shares makes the old
// passphrase useless and the new shares work.
func TestRotateKeysRewrap(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("a long test passphrase\n"), 0o600)
	if code, _, errOut := runCLI(t, "init", "--data", dir, "--passphrase-file", pass); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runCLI(t, "rotate-keys", "--data", dir, "--unseal-file", pass, "--new-shares", "3", "--new-threshold", "2")
	if code != 0 || strings.Count(out, "faro-share-") != 3 {
		t.Fatalf("rewrap: code %d, %d shares, %s", code, strings.Count(out, "faro-share-"), errOut)
	}
	if code, _, _ := runCLI(t, "verify", "--data", dir, "--unseal-file", pass); code == 0 {
		t.Error("the old passphrase still unseals after the re-wrap")
	}
	var shares []string
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "faro-share-"); i >= 0 {
			shares = append(shares, l[i:])
		}
	}
	sf := filepath.Join(t.TempDir(), "shares")
	os.WriteFile(sf, []byte(shares[0]+"\n"+shares[2]+"\n"), 0o600)
	if code, out, errOut := runCLI(t, "verify", "--data", dir, "--unseal-file", sf); code != 0 {
		t.Errorf("new shares do not unseal: %s %s", out, errOut)
	}
}
