package incident_test

// Shared fixtures for the incident tests: a whole Faro on each database
// engine, accounts and teams, planted secrets, and reflection helpers that
// name the fields that differ without ever printing their values (they
// hold narratives and pseudonyms).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

// env is one running Faro with the handles the tests use.
type env struct {
	*app.App
	Engine  string
	DataDir string
	Clock   *clock
	ctx     context.Context
	Logs    *apptest.Logs
}

// eachEngine runs fn once per engine, each with a fresh instance.
func eachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, name := range apptest.Engines() {
		t.Run(name, func(t *testing.T) { fn(t, newEnv(t, name)) })
	}
}

// day is the date the incident store believes it is, unless a test moves
// the clock: refs are numbered per day.
var day = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, engine string) *env {
	t.Helper()
	opts := apptest.EngineOptions(t, engine)
	a, logs := apptest.New(t, opts)
	c := &clock{now: day}
	a.Incidents.Now = c.Now
	return &env{App: a, Engine: engine, DataDir: opts.DataDir, Clock: c, ctx: context.Background(), Logs: logs}
}

// clock is the incident store's clock. Each reading moves it one second
// on, so records get distinct, ordered update times without sleeping.
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

// password is the password of the account with this login.
func password(login string) string { return "pw-" + login + "-Long-Enough-1" }

// user creates an account.
func (e *env) user(t testing.TB, login string, role auth.Role) *auth.User {
	t.Helper()
	u, err := e.Auth.CreateUser(e.ctx, auth.NewUser{Login: login, DisplayName: "Name of " + login,
		Password: password(login), Role: role})
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

// team creates a team with the given members.
func (e *env) team(t testing.TB, name string, members ...*auth.User) int64 {
	t.Helper()
	id, err := e.Teams.Create(e.ctx, name)
	if err != nil {
		t.Fatalf("create team: %v", err)
	}
	for _, m := range members {
		if err := e.Teams.SetMember(e.ctx, id, m.ID, true); err != nil {
			t.Fatalf("add member: %v", err)
		}
	}
	return id
}

// as returns a context acting as u.
func (e *env) as(u *auth.User) context.Context { return audit.WithActor(e.ctx, u.ID) }

// viewerOf builds the access view the web layer builds for u.
func (e *env) viewerOf(t testing.TB, u *auth.User) incident.Viewer {
	t.Helper()
	teams, err := e.Teams.Of(e.ctx, u.ID)
	if err != nil {
		t.Fatalf("teams of: %v", err)
	}
	return incident.Viewer{UserID: u.ID, AllTeams: u.Role.AtLeast(auth.Coordinator), Teams: teams,
		Sensitive: u.Role.AtLeast(auth.Reviewer)}
}

// create stores inc (and t) as u.
func (e *env) create(t testing.TB, u *auth.User, inc *incident.Incident, tm *incident.Testimony) {
	t.Helper()
	if err := e.Incidents.Create(e.as(u), inc, tm); err != nil {
		t.Fatalf("create incident: %v", err)
	}
}

// get loads an incident as u, failing the test on any error.
func (e *env) get(t testing.TB, u *auth.User, id int64) *incident.Incident {
	t.Helper()
	inc, err := e.Incidents.Get(e.as(u), id, e.viewerOf(t, u))
	if err != nil {
		t.Fatalf("get incident as %s: %v", u.Login, err)
	}
	return inc
}

// auditCount counts the audit entries about a record, by action and
// (when actor is not 0) by actor.
func (e *env) auditCount(t testing.TB, recordType string, id int64, action string, actor int64) int {
	t.Helper()
	evs, err := e.Audit.Of(e.ctx, recordType, itoa(id), action)
	if err != nil {
		t.Fatalf("audit of: %v", err)
	}
	n := 0
	for _, ev := range evs {
		if actor == 0 || ev.Actor == actor {
			n++
		}
	}
	return n
}

// verifyAudit checks the whole audit log against its signed head.
func (e *env) verifyAudit(t testing.TB) {
	t.Helper()
	vkey, err := audit.VerifierKey(e.ctx, e.DB)
	if err != nil {
		t.Fatalf("verifier key: %v", err)
	}
	rep, err := audit.Verify(e.ctx, e.DB, vkey, nil)
	if err != nil {
		t.Fatalf("verify audit log: %v", err)
	}
	if !rep.OK() {
		t.Errorf("audit log does not verify: %v", rep.Problems)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// secret returns a fresh planted value: a word no other text holds, so
// finding it anywhere it must not be is proof of a leak.
func secret(label string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return label + "Qz" + hex.EncodeToString(b)
}

// fileLeaks lists the files under dir (database, its journal, evidence)
// whose bytes hold any of the secrets; it names files, not secrets.
func fileLeaks(t testing.TB, dir string, secrets ...string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, s := range secrets {
			if s != "" && strings.Contains(string(b), s) {
				out = append(out, filepath.Base(path)+" holds planted value #"+strconv.Itoa(i))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

// diffFields names the exported fields of two structs (or pointers to
// them) that differ, descending into slices of struct pointers, without
// printing any value.
func diffFields(prefix string, a, b any) []string {
	return diffValues(prefix, reflect.ValueOf(a), reflect.ValueOf(b))
}

func diffValues(name string, a, b reflect.Value) []string {
	if a.Kind() == reflect.Pointer && b.Kind() == reflect.Pointer && a.Type().Elem().Kind() == reflect.Struct &&
		a.Type().Elem() != reflect.TypeOf(time.Time{}) {
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return []string{name + " (nil on one side)"}
			}
			return nil
		}
		return diffValues(name, a.Elem(), b.Elem())
	}
	switch {
	case a.Kind() == reflect.Struct && a.Type() != reflect.TypeOf(time.Time{}):
		var out []string
		for i := 0; i < a.NumField(); i++ {
			if !a.Type().Field(i).IsExported() {
				continue
			}
			f := a.Type().Field(i).Name
			out = append(out, diffValues(join(name, f), a.Field(i), b.Field(i))...)
		}
		return out
	case a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Pointer:
		if a.Len() != b.Len() {
			return []string{name + " (length)"}
		}
		var out []string
		for i := 0; i < a.Len(); i++ {
			out = append(out, diffValues(name+"["+strconv.Itoa(i)+"]", a.Index(i), b.Index(i))...)
		}
		return out
	case a.Type() == reflect.TypeOf(time.Time{}):
		if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
			return []string{name}
		}
		return nil
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return []string{name}
	}
	return nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func ptr[T any](v T) *T { return &v }

// waitFor polls cond for up to ten seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
