package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/vault"
)

const (
	// browserLifetime bounds a whole test's browser: a hung Chromium ends
	// the test instead of the whole go test run.
	browserLifetime = 3 * time.Minute
	// stepTimeout bounds one step (a navigation, a click, a query).
	stepTimeout = 45 * time.Second

	password = "a long and careful passphrase"
	// otherDevice is the User-Agent of the session opened from Go, so that
	// the session list shows something a person would recognise.
	otherDevice = "Faro browser test: the other phone"
)

// cheapHash and cheapKDF keep argon2 fast: the browser tests are about
// pages, not hashing.
var (
	cheapHash = auth.HashParams{Time: 1, MemKiB: 1024, Threads: 1}
	cheapKDF  = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
)

// TestPhoneLoginTOTPArabicSessions walks the path of a documenter on a
// phone: password, TOTP code, the page in Arabic (right to left), the
// session list, ending another device's session, and signing out. Every
// request must stay on Faro's own host, and the console must stay free of
// errors, Content-Security-Policy violations included.
func TestPhoneLoginTOTPArabicSessions(t *testing.T) {
	chromium := chromiumPath(t)
	e := startApp(t)
	ctx := context.Background()
	requireLang(t, e.bundle, "ar")
	en, ar := e.bundle.Localizer("en"), e.bundle.Localizer("ar")

	u, err := e.app.Auth.CreateUser(ctx, auth.NewUser{Login: "amal", DisplayName: "Amal", Password: password, Role: auth.Documenter})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	enr, err := e.app.Auth.StartTOTP(ctx, u, "Faro")
	if err != nil {
		t.Fatalf("start TOTP: %v", err)
	}
	codes := &totpCodes{secret: enr.Secret}
	if err := e.app.Auth.ConfirmTOTP(ctx, u.ID, codes.next(t, true)); err != nil {
		t.Fatalf("confirm TOTP: %v", err)
	}

	// A second session for the same account, opened from Go as if from
	// another phone: the browser will end it from the account page.
	pending, err := e.app.Auth.Login(ctx, "amal", password, "192.0.2.10", otherDevice)
	if err != nil {
		t.Fatalf("login from Go: %v", err)
	}
	if pending.State != auth.StateSecondFactor {
		t.Fatalf("login from Go: state %q, want %q", pending.State, auth.StateSecondFactor)
	}
	other, err := e.app.Auth.CompleteSecondFactor(ctx, pending.Token, codes.next(t, true), "192.0.2.10", otherDevice)
	if err != nil {
		t.Fatalf("second factor from Go: %v", err)
	}
	sessions, err := e.app.Auth.Sessions(ctx, u.ID)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("sessions before the browser logs in: %d, %v; want 1", len(sessions), err)
	}
	otherID := sessions[0].ID

	b := newBrowser(t, chromium, e, "phone")
	b.do("emulate a phone", chromedp.EmulateViewport(360, 740, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateScale(2)))

	// Password.
	b.navigate("/login")
	b.expectPath("/login")
	if w := run(b, "read the viewport width", chromedp.Evaluate[int](`window.innerWidth`)); w != 360 {
		t.Errorf("the page is laid out %d CSS pixels wide, want 360 (the phone's width)", w)
	}
	b.shot("login")
	b.do("type login and password",
		chromedp.SendKeys(chromedp.ID("login"), "amal"),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit("submit the password", `#login-submit`)
	b.expectPath("/login/totp")
	b.expectText("h1", en.T("login.totp.title"))
	b.shot("totp")

	// Second factor: a code for a later step than the two used from Go.
	b.do("type the TOTP code", chromedp.SendKeys(chromedp.ID("code"), codes.next(t, false)))
	b.submit("submit the TOTP code", `#totp-submit`)
	b.expectPath("/")
	b.expectText("h1", en.T("home.welcome", "Amal"))
	b.shot("home")

	// Arabic, with the footer form. With JavaScript on, app.js sends the
	// form as soon as a language is picked (SetValue fires "change"), so
	// picking is the whole switch; the #lang-submit button is the path
	// without JavaScript, which TestNoJavaScriptLoginAndLanguage takes.
	if n := len(run(b, "find the language button", chromedp.Nodes(chromedp.CSS(`footer form[action="/lang"] #lang-submit`)))); n != 1 {
		t.Errorf("found %d #lang-submit buttons in the footer form, want 1", n)
	}
	b.submitWith("pick Arabic (app.js submits the form)", chromedp.SetValue(chromedp.ID("lang-select"), "ar"))
	b.expectPath("/")
	b.expectRTL("ar")
	b.expectText("h1", ar.T("home.welcome", "Amal"))
	b.shot("home-ar")
	if got, err := e.app.Auth.UserByID(ctx, u.ID); err != nil || got.Lang != "ar" {
		t.Errorf("account language after the switch: %v, %v; want ar", got, err)
	}

	// The session list: this browser and the other phone.
	b.submit("open the account page", `header a[href="/account"]`)
	b.expectPath("/account")
	b.expectRTL("ar")
	b.shot("account-ar")
	rows := b.sessionRows(ar.T("sessions.current"))
	if len(rows) != 2 {
		t.Fatalf("account page lists %d sessions, want 2: %+v", len(rows), rows)
	}
	var target string
	current := 0
	for _, r := range rows {
		if r.Current {
			current++
		} else {
			target = r.Action
		}
	}
	if current != 1 || target == "" {
		t.Fatalf("want one row marked %q and one other; got %+v", ar.T("sessions.current"), rows)
	}
	if want := fmt.Sprintf("/account/sessions/%d/revoke", otherID); target != want {
		t.Fatalf("the other row revokes %q, want %q (the session opened from Go)", target, want)
	}
	if !strings.Contains(b.text("#sessions"), otherDevice) {
		t.Errorf("the session list does not show the other device's name %q", otherDevice)
	}

	b.submit("revoke the other session", fmt.Sprintf(`form[action=%q] button.revoke`, target))
	b.expectPath("/account")
	b.expectText(".flash", ar.T("session.revoked"))
	b.shot("account-revoked")
	rows = b.sessionRows(ar.T("sessions.current"))
	if len(rows) != 1 || !rows[0].Current {
		t.Fatalf("after revoking, the list shows %+v; want only this device", rows)
	}
	if _, _, err := e.app.Auth.Lookup(ctx, other.Token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the revoked session still works: %v", err)
	}

	// Sign out with the header button.
	b.submit("log out", `header form[action="/logout"] button`)
	b.expectPath("/login")
	b.expectRTL("ar")
	b.expectText(".flash", ar.T("logout.done"))
	b.shot("logged-out")
	if left, err := e.app.Auth.Sessions(ctx, u.ID); err != nil || len(left) != 0 {
		t.Errorf("sessions after logout: %d, %v; want none", len(left), err)
	}

	b.finish()
}

// TestNoJavaScriptLoginAndLanguage checks that Faro works with JavaScript
// off: a viewer signs in and switches the language with the button.
func TestNoJavaScriptLoginAndLanguage(t *testing.T) {
	chromium := chromiumPath(t)
	e := startApp(t)
	ctx := context.Background()
	requireLang(t, e.bundle, "ar")
	en, ar := e.bundle.Localizer("en"), e.bundle.Localizer("ar")
	if _, err := e.app.Auth.CreateUser(ctx, auth.NewUser{Login: "nour", DisplayName: "Nour", Password: password, Role: auth.Viewer}); err != nil {
		t.Fatalf("create user: %v", err)
	}

	b := newBrowser(t, chromium, e, "nojs")
	b.do("turn JavaScript off and emulate a phone",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.EmulateViewport(360, 740, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateScale(2)))

	b.navigate("/login")
	b.shot("login")
	b.do("type login and password",
		chromedp.SendKeys(chromedp.ID("login"), "nour"),
		chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit("submit the password", `#login-submit`)
	b.expectPath("/")
	b.expectText("h1", en.T("home.welcome", "Nour"))
	b.shot("home")

	// Prove that the page's own script is off: app.js submits the language
	// form on "change"; with scripts disabled nothing may happen.
	b.do("pick Arabic and fire change",
		chromedp.SetValue(chromedp.ID("lang-select"), "ar"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("lang-select").dispatchEvent(new Event("change", {bubbles: true}))`),
		chromedp.Sleep(750*time.Millisecond))
	if lang := run(b, "read the page language", chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "en" {
		t.Fatalf("the page switched to %q on its own: app.js ran although JavaScript is off", lang)
	}

	b.submit("switch the language with the button", `#lang-submit`)
	b.expectPath("/")
	b.expectRTL("ar")
	b.expectText("h1", ar.T("home.welcome", "Nour"))
	b.shot("home-ar")

	b.finish()
}

// TestDetectorsWork makes sure the checks above can fail: an inline
// script breaks the Content-Security-Policy and a page on another host
// name is a foreign request, and both must be caught.
func TestDetectorsWork(t *testing.T) {
	chromium := chromiumPath(t)
	e := startApp(t)
	b := newBrowser(t, chromium, e, "detectors")
	b.navigate("/login")
	b.do("inject an inline script", chromedp.Evaluate[chromedp.Void](
		`document.head.appendChild(Object.assign(document.createElement("script"), {textContent: "window.faroInline = 1"}))`))
	inline := run(b, "read what the inline script did", chromedp.Evaluate[bool](`window.faroInline === 1`))
	if inline {
		t.Errorf("an inline script ran: the Content-Security-Policy does not block it")
	}
	_, port, _ := strings.Cut(e.host, ":")
	b.navigate("http://localhost:" + port + "/login")

	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		csp, foreign := false, len(b.foreign) > 0
		for _, p := range b.problems {
			if strings.Contains(p, "Content Security Policy") {
				csp = true
			}
		}
		b.mu.Unlock()
		if csp && foreign {
			b.mu.Lock()
			t.Logf("caught, as they should be:\n  %s\n  foreign request: %s", strings.Join(b.problems, "\n  "), strings.Join(b.foreign, ", "))
			b.mu.Unlock()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("detectors missed something: CSP violation seen %v, foreign request seen %v\nproblems: %q\nrequests: %q",
				csp, foreign, b.problems, b.requests)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// --- the app ---

type testApp struct {
	app    *app.App
	srv    *httptest.Server
	base   string // http://127.0.0.1:port
	host   string // 127.0.0.1:port
	bundle *i18n.Bundle
	logs   *lockedBuffer
}

// startApp runs Faro in-process on SQLite in a temporary directory. The
// server's warnings and errors fail the test.
func startApp(t *testing.T) *testApp {
	t.Helper()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hash, kdf := cheapHash, cheapKDF
	a, err := app.New(context.Background(), app.Config{DataDir: t.TempDir(), Hash: &hash, KDF: &kdf, Log: logger})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	// A new Faro is sealed until initialised; initialising leaves it open.
	if err := a.Initialize(context.Background(), "browser test vault passphrase"); err != nil {
		a.Close()
		t.Fatalf("initialise: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
		if s := logs.String(); s != "" {
			t.Errorf("the server logged warnings or errors:\n%s", s)
		}
	})
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatalf("load catalogues: %v", err)
	}
	u, _ := url.Parse(srv.URL)
	return &testApp{app: a, srv: srv, base: srv.URL, host: u.Host, bundle: bundle, logs: logs}
}

func requireLang(t *testing.T, b *i18n.Bundle, lang string) {
	t.Helper()
	if !b.Has(lang) {
		t.Fatalf("no %q catalogue: internal/i18n/catalog/%s.json is missing, and the browser tests need a right-to-left language", lang, lang)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// totpCodes hands out codes for strictly increasing time steps, as the
// server accepts each step once. A code for the previous step is used only
// when it stays valid long enough; a step too far ahead is waited for.
type totpCodes struct {
	secret string
	last   int64
}

const totpPeriod = 30

// next returns a code the server accepts now. immediate says the code is
// checked at once (from Go); otherwise (typed into the browser) it must
// stay valid for a while.
func (c *totpCodes) next(t *testing.T, immediate bool) string {
	t.Helper()
	now := time.Now().Unix()
	cur := now / totpPeriod
	left := (cur+1)*totpPeriod - now // seconds before the step changes
	step := max(c.last+1, cur)
	if immediate && c.last+1 <= cur-1 && left >= 10 {
		step = cur - 1 // still accepted (one step of skew) for at least 10s
	}
	if step > cur+1 {
		// Too far ahead: wait until the server's step is one before it.
		wait := time.Until(time.Unix((step-1)*totpPeriod, 0)) + 100*time.Millisecond
		t.Logf("waiting %v for the next TOTP step", wait.Round(time.Second))
		time.Sleep(wait)
	}
	c.last = step
	return auth.TOTPCode(c.secret, time.Unix(step*totpPeriod, 0))
}

// --- the browser ---

// chromiumPath finds Chromium. A missing browser fails the test: the
// browser tests are part of the suite, not an option.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped in -short mode")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found (looked for chromium, chromium-browser and google-chrome in PATH): " +
		"install chromium (Debian: apt-get install chromium) to run the browser tests, or use go test -short to leave them out")
	return ""
}

type browser struct {
	t      *testing.T
	ctx    context.Context
	app    *testApp
	dir    string // where screenshots go
	prefix string
	shots  int

	mu       sync.Mutex
	requests []string // every URL the page asked for
	foreign  []string // those that left the test server
	problems []string // console errors, exceptions, failed loads
}

// newBrowser starts a fresh headless Chromium with its own profile.
func newBrowser(t *testing.T, chromium string, a *testApp, prefix string) *browser {
	t.Helper()
	dir := os.Getenv("FARO_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts directory: %v", err)
	}
	b := &browser{t: t, app: a, dir: dir, prefix: prefix}
	// The profile directory is made before the browser's cleanup is
	// registered, so it is removed after the browser has exited.
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US"),
	)
	root, cancelRoot := context.WithTimeout(context.Background(), browserLifetime)
	actx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithListener(b.listen))
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		chromedp.Cancel(cctx)
		cancelCtx()
		cancelAlloc()
		cancelRoot()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", chromium, err)
	}
	b.ctx = ctx
	return b
}

// listen runs on chromedp's reading goroutine: it only records.
func (b *browser) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Request == nil {
			return
		}
		u := ev.Request.URL
		b.mu.Lock()
		defer b.mu.Unlock()
		b.requests = append(b.requests, ev.Request.Method+" "+u)
		if !b.local(u) {
			b.foreign = append(b.foreign, u)
		}
	case *network.EventLoadingFailed:
		if ev.Canceled {
			return // a form post that replaced the page, for instance
		}
		b.problem("load failed: %s %s", ev.ErrorText, ev.BlockedReason)
	case *runtime.EventExceptionThrown:
		msg := "exception"
		if d := ev.ExceptionDetails; d != nil {
			msg = d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += ": " + d.Exception.Description
			}
			msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
		b.problem("uncaught %s", msg)
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert && ev.Type != runtime.ConsoleAPICalledTypeWarning {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, string(a.Value))
			}
		}
		b.problem("console.%s: %s", ev.Type, strings.Join(parts, " "))
	case *cdplog.EventEntryAdded:
		if ev.Entry == nil || (ev.Entry.Level != cdplog.EntryLevelError && ev.Entry.Level != cdplog.EntryLevelWarning) {
			return
		}
		b.problem("browser log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
	}
}

// problem records a console problem; the caller holds no lock.
func (b *browser) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.mu.Lock()
	b.problems = append(b.problems, msg)
	b.mu.Unlock()
}

// local reports whether a requested URL stays on the test server. data:
// URLs never leave the page.
func (b *browser) local(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return true
	}
	return u.Host == b.app.host
}

// finish fails the test when a request left the server or the console
// reported a problem.
func (b *browser) finish() {
	b.t.Helper()
	// One more round trip: events sent before its reply have been read.
	run(b, "flush events", chromedp.Evaluate[int](`1`))
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t.Logf("%d requests recorded, %d to hosts other than %s", len(b.requests), len(b.foreign), b.app.host)
	if len(b.foreign) > 0 {
		b.t.Errorf("requests to hosts other than %s:\n  %s", b.app.host, strings.Join(b.foreign, "\n  "))
	}
	if len(b.problems) > 0 {
		b.t.Errorf("the browser reported problems (console errors, CSP violations, failed loads):\n  %s", strings.Join(b.problems, "\n  "))
	}
	if len(b.requests) == 0 {
		b.t.Errorf("no request was recorded: the network listener is not working")
	}
}

// fail saves what the page looked like, then stops the test.
func (b *browser) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		name := b.file("FAILED")
		if os.WriteFile(name, png, 0o644) == nil {
			b.t.Logf("screenshot of the failure: %s", name)
		}
	}
	if loc, lerr := chromedp.Run(ctx, chromedp.Location()); lerr == nil {
		b.t.Logf("page at failure: %s", loc)
	}
	b.t.Fatalf("%s: %v", what, err)
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

// navigate loads a path on the test server (or a full URL) and expects 200.
func (b *browser) navigate(target string) {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.app.base + target
	}
	resp := run(b, "open "+target, chromedp.NavigateResponse(target))
	if resp.Status != http.StatusOK {
		b.fail("open "+target, fmt.Errorf("status %d", resp.Status))
	}
}

// submit clicks what sel finds, waits for the page that follows (after
// any redirects) and expects it to answer 200.
func (b *browser) submit(what, sel string) {
	b.t.Helper()
	b.submitWith(what, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// submitWith runs an action that loads a new page, waits for that page
// (after any redirects) and expects it to answer 200.
func (b *browser) submitWith(what string, action chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, action)
	if err != nil {
		b.fail(what, err)
	}
	if resp.Status != http.StatusOK {
		b.fail(what, fmt.Errorf("the page after it answered %d", resp.Status))
	}
}

func (b *browser) expectPath(want string) {
	b.t.Helper()
	loc := run(b, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil || u.Host != b.app.host || u.Path != want {
		b.fail("check the location", fmt.Errorf("at %s, want path %s on %s", loc, want, b.app.host))
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "read "+sel, chromedp.TextContent(chromedp.CSS(sel))))
}

var spaces = regexp.MustCompile(`\s+`)

func (b *browser) expectText(sel, want string) {
	b.t.Helper()
	got := spaces.ReplaceAllString(b.text(sel), " ")
	if got != spaces.ReplaceAllString(strings.TrimSpace(want), " ") {
		b.t.Errorf("%s reads %q, want %q", sel, got, want)
	}
}

// expectRTL checks that the page is in lang and laid out right to left.
func (b *browser) expectRTL(lang string) {
	b.t.Helper()
	type docInfo struct {
		Lang, Dir, BodyDirection string
	}
	got := run(b, "read the document direction", chromedp.Evaluate[docInfo](
		`({Lang: document.documentElement.lang, Dir: document.documentElement.dir, BodyDirection: getComputedStyle(document.body).direction})`))
	if got.Lang != lang || got.Dir != "rtl" || got.BodyDirection != "rtl" {
		b.t.Errorf("document is lang=%q dir=%q with body direction %q; want lang=%q, dir and direction rtl",
			got.Lang, got.Dir, got.BodyDirection, lang)
	}
}

type sessionRow struct {
	Current bool
	Action  string
}

// sessionRows reads the account page's session list; a row is the current
// one when it carries a tag reading currentText.
func (b *browser) sessionRows(currentText string) []sessionRow {
	b.t.Helper()
	return run(b, "read the session list", chromedp.Evaluate[[]sessionRow](fmt.Sprintf(
		`Array.from(document.querySelectorAll("tr.session-row"), r => ({
			Current: Array.from(r.querySelectorAll(".tag")).some(t => t.textContent.trim() === %q),
			Action: (r.querySelector("form") || {getAttribute: () => ""}).getAttribute("action"),
		}))`, currentText)))
}

// shot saves a full-page PNG of the page.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		b.t.Errorf("screenshot %s is not a PNG", name)
	}
	if err := os.WriteFile(b.file(name), png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
}

func (b *browser) file(name string) string {
	b.shots++
	return filepath.Join(b.dir, fmt.Sprintf("%s-%02d-%s.png", b.prefix, b.shots, name))
}
