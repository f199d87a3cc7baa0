package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/vault"
)

// password is every test account's password. Failure messages never show
// it, nor any token.
const password = "correct horse battery"

// start is 10 seconds into a 30-second TOTP step.
var start = time.Date(2026, 3, 2, 9, 0, 10, 0, time.UTC)

// clock is a controllable Service.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	ctx   context.Context
	db    *store.DB
	svc   *auth.Service
	clock *clock
}

// each runs fn on every database with a fresh service using cheap hashes,
// default limits and a clock standing at start.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		c := &clock{now: start}
		svc := auth.New(db)
		v := vault.New(db)
		v.KDF = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
		if err := v.InitPassphrase(context.Background(), "test passphrase for auth"); err != nil {
			t.Fatal(err)
		}
		svc.Cipher = v
		svc.Hash = cheap
		svc.Now = c.Now
		fn(t, &fixture{ctx: context.Background(), db: db, svc: svc, clock: c})
	})
}

func (f *fixture) user(t *testing.T, login string, role auth.Role) *auth.User {
	t.Helper()
	u, err := f.svc.CreateUser(f.ctx, auth.NewUser{Login: login, DisplayName: "User " + login, Password: password, Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return u
}

func (f *fixture) reload(t *testing.T, u *auth.User) *auth.User {
	t.Helper()
	u, err := f.svc.UserByID(f.ctx, u.ID)
	if err != nil {
		t.Fatalf("reload user: %v", err)
	}
	return u
}

// login signs in with the right password from a fixed address and fails
// the test otherwise.
func (f *fixture) login(t *testing.T, login string) *auth.LoginResult {
	t.Helper()
	res, err := f.svc.Login(f.ctx, login, password, "192.0.2.1", "Firefox")
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	return res
}

// live reports whether token still opens a session, failing the test on
// errors other than ErrNoSession.
func (f *fixture) live(t *testing.T, token string) bool {
	t.Helper()
	_, _, err := f.svc.Lookup(f.ctx, token)
	if errors.Is(err, auth.ErrNoSession) {
		return false
	}
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	return true
}

// enrolTOTP turns on the second factor for u and returns its secret. The
// code of the current step is used up by the confirmation.
func (f *fixture) enrolTOTP(t *testing.T, u *auth.User) string {
	t.Helper()
	e, err := f.svc.StartTOTP(f.ctx, f.reload(t, u), "Faro")
	if err != nil {
		t.Fatalf("StartTOTP: %v", err)
	}
	if err := f.svc.ConfirmTOTP(f.ctx, u.ID, auth.TOTPCode(e.Secret, f.clock.Now())); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	return e.Secret
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
