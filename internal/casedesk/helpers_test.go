package casedesk_test

// Shared fixtures: a whole Faro on each database engine (SQLite always,
// PostgreSQL when FARO_TEST_POSTGRES is set), accounts, a clock, signed-in
// HTTP clients and planted values that must never show where they must not.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/geo"
)

type env struct {
	*app.App
	Engine  string
	DataDir string
	Clock   *clock
	ctx     context.Context
	Logs    *apptest.Logs
}

func eachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, name := range apptest.Engines() {
		t.Run(name, func(t *testing.T) { fn(t, newEnv(t, name)) })
	}
}

// day is when the case store believes it is; references count per day.
var day = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, engine string) *env {
	t.Helper()
	opts := apptest.EngineOptions(t, engine)
	a, logs := apptest.New(t, opts)
	c := &clock{now: day}
	a.Cases.Now = c.Now
	a.Incidents.Now = c.Now
	e := &env{App: a, Engine: engine, DataDir: opts.DataDir, Clock: c, ctx: context.Background(), Logs: logs}
	for code, name := range map[string]string{"CM": "Central Mediterranean", "WM": "Western Mediterranean", "SD": "Sonoran Desert"} {
		if err := a.Cases.AddRegion(e.ctx, code, name); err != nil {
			t.Fatalf("add region: %v", err)
		}
	}
	return e
}

// clock moves one second on at each reading, so entries get distinct,
// ordered times without sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

func password(login string) string { return "pw-" + login + "-Long-Enough-1" }

func (e *env) user(t testing.TB, login string, role auth.Role) *auth.User {
	t.Helper()
	u, err := e.Auth.CreateUser(e.ctx, auth.NewUser{Login: login, DisplayName: "Name of " + login,
		Password: password(login), Role: role})
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

func (e *env) as(u *auth.User) context.Context { return audit.WithActor(e.ctx, u.ID) }

// secret returns a fresh planted value no other text holds.
func secret(label string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return label + "Qz" + hex.EncodeToString(b)
}

func ptr[T any](v T) *T { return &v }

// openSea opens a sea case in region as u with a first position.
func (e *env) openSea(t testing.TB, u *auth.User, region string, d casedesk.Details, fix *casedesk.Fix) *casedesk.Case {
	t.Helper()
	c := &casedesk.Case{Kind: casedesk.KindSea, Region: region, Phase: casedesk.PhaseDistress, People: ptr(40), Details: d}
	if err := e.Cases.Open(e.as(u), c, fix); err != nil {
		t.Fatalf("open case: %v", err)
	}
	return c
}

func fixAt(lat, lon float64) *casedesk.Fix {
	return &casedesk.Fix{Point: geo.Point{Lat: lat, Lon: lon}, PrecisionM: 11}
}

// client is one signed-in browser (apptest.Client).
type client = apptest.Client

type response = apptest.Response

func (e *env) server(t testing.TB) *httptest.Server { return apptest.Server(t, e.App) }

func (e *env) signedIn(t testing.TB, srv *httptest.Server, u *auth.User) *client {
	t.Helper()
	return apptest.SignedIn(t, e.App, srv.URL, u)
}

func wantStatus(t testing.TB, r *response, code int, what string) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s: status %d, want %d (Location %q)", what, r.StatusCode, code, r.Header.Get("Location"))
	}
}

// mustNotHold fails when body holds a planted value; it names it by
// number only.
func mustNotHold(t testing.TB, what, body string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("%s shows planted value #%d (canary leaked)", what, i)
		}
	}
}

func mustHold(t testing.TB, what, body string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if !strings.Contains(body, s) {
			t.Errorf("%s does not show planted value #%d", what, i)
		}
	}
}
