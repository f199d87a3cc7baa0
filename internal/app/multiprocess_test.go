package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store/storetest"
)

// Two faro processes on one PostgreSQL database: a session opened on one
// works on the other, and a revocation on one is seen by the other at once.
// Nothing that matters lives in one process's memory.
func TestTwoProcessesShareOnePostgres(t *testing.T) {
	if os.Getenv(storetest.Env) == "" {
		t.Log("PostgreSQL-only test: runs when FARO_TEST_POSTGRES is set")
		return
	}
	a1, a2 := twoProcesses(t)
	ctx := context.Background()
	if _, err := a1.Auth.CreateUser(ctx, auth.NewUser{Login: "shared", DisplayName: "Shared", Password: "shared password 1", Role: auth.Reviewer}); err != nil {
		t.Fatal(err)
	}
	res, err := a1.Auth.Login(ctx, "shared", "shared password 1", "192.0.2.7", "test")
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := httptest.NewServer(a1.Handler()), httptest.NewServer(a2.Handler())
	defer s1.Close()
	defer s2.Close()
	get := func(base string) int {
		req, _ := http.NewRequest("GET", base+"/account", nil)
		req.AddCookie(&http.Cookie{Name: "faro_session", Value: res.Token})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c1, c2 := get(s1.URL), get(s2.URL); c1 != 200 || c2 != 200 {
		t.Fatalf("session from process 1: %d on process 1, %d on process 2", c1, c2)
	}
	sessions, err := a2.Auth.Sessions(ctx, 0)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("sessions seen by process 2: %d, %v", len(sessions), err)
	}
	if err := a2.Auth.RevokeSession(ctx, sessions[0].ID, 0); err != nil {
		t.Fatal(err)
	}
	if c := get(s1.URL); c != http.StatusSeeOther {
		t.Errorf("revoked on process 2, still valid on process 1: %d", c)
	}
	// Both processes append to one audit log that still verifies.
	if _, err := a2.Auth.CreateUser(ctx, auth.NewUser{Login: "second", DisplayName: "Second", Password: "second password 1", Role: auth.Viewer}); err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Auth.UserByLogin(ctx, "second"); err != nil {
		t.Errorf("account made on process 2 unknown to process 1: %v", err)
	}
	// "Seal now" on one process seals the other within seconds.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go a2.WatchSeals(wctx)
	a1.SealAll(ctx, 0)
	if !a1.Vault.Sealed() {
		t.Fatal("process 1 not sealed")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !a2.Vault.Sealed() {
		if time.Now().After(deadline) {
			t.Fatal("process 2 still unsealed 10 s after process 1 sealed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Unsealing process 2 again does not re-trigger the old seal.
	if err := a2.Vault.UnsealPassphrase(ctx, apptest.Passphrase); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if a2.Vault.Sealed() {
		t.Error("process 2 sealed again by an old seal")
	}
}

// twoProcesses returns two Faro instances on one fresh PostgreSQL database
// and data directory, both unsealed: two faro processes.
func twoProcesses(t *testing.T) (*app.App, *app.App) {
	t.Helper()
	dsn := storetest.PostgresDSN(t)
	dataDir := t.TempDir()
	a1, _ := apptest.New(t, apptest.Options{Database: dsn, DataDir: dataDir})
	hash, kdf := apptest.CheapHash, apptest.CheapKDF
	a2, err := app.New(context.Background(), app.Config{Database: dsn, DataDir: dataDir, Hash: &hash, KDF: &kdf,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a2.Close() })
	if err := a2.Vault.UnsealPassphrase(context.Background(), apptest.Passphrase); err != nil {
		t.Fatal(err)
	}
	return a1, a2
}
