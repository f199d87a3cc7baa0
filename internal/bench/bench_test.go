package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
	"github.com/getsops/sops/v3/shamir"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// ---------------------------------------------------------------------
// Helpers

const benchPassword = "bench password for a viewer"

// signIn creates an account with the given role and returns a session
// token for it, as the login form would set in the faro_session cookie.
func signIn(tb testing.TB, a *app.App, login string, role auth.Role) string {
	tb.Helper()
	ctx := context.Background()
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: "Bench " + login, Password: benchPassword, Role: role}); err != nil {
		tb.Fatal(err)
	}
	res, err := a.Auth.Login(ctx, login, benchPassword, "127.0.0.1", "faro-bench")
	if err != nil {
		tb.Fatal(err)
	}
	if res.State != auth.StateFull {
		tb.Fatalf("login state %q, want %q", res.State, auth.StateFull)
	}
	return res.Token
}

// newClient is a keep-alive client that never follows redirects (a
// redirect to /login must show up as a failure, not as a fast page).
func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// get fetches url with the given headers and returns the status, the
// headers and the body exactly as sent on the wire: setting
// Accept-Encoding by hand stops the transport from decompressing.
func get(c *http.Client, url string, hdr map[string]string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

// cpuClock counts the CPU time (user and system, all threads) the process
// spends in the timed part of a benchmark. On a machine shared with other
// work, wall time per operation includes waiting for a CPU; CPU time
// mostly does not, so its ratio is the steadier one. It leaves out time
// spent waiting for the disk, which wall time includes.
type cpuClock struct{ start, total time.Duration }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() *cpuClock { return &cpuClock{start: cpuTime()} }

// pause and resume bracket untimed work, with the benchmark timer.
func (c *cpuClock) pause(b *testing.B) {
	b.StopTimer()
	c.total += cpuTime() - c.start
}

func (c *cpuClock) resume(b *testing.B) {
	c.start = cpuTime()
	b.StartTimer()
}

// report adds the cpu-ns/op metric; call it right after the timed loop.
func (c *cpuClock) report(b *testing.B) {
	c.total += cpuTime() - c.start
	if b.N > 0 {
		b.ReportMetric(float64(c.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// ---------------------------------------------------------------------
// Home page against a bare handler

// benchGET hammers url from parallel keep-alive clients and reports
// requests per second and the response bytes on the wire per request.
// Client and server share the machine, as they share its cores.
func benchGET(b *testing.B, url string, hdr map[string]string) {
	client := newClient()
	defer client.CloseIdleConnections()
	// Warm the connection pool and check the answer once.
	if status, _, _, err := get(client, url, hdr); err != nil || status != http.StatusOK {
		b.Fatalf("GET %s: status %d, %v", url, status, err)
	}
	var failures, wire atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS clients in flight
	b.ResetTimer()
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				failures.Add(1)
				continue
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			wire.Add(n)
			if resp.StatusCode != http.StatusOK {
				failures.Add(1)
			}
		}
	})
	b.StopTimer()
	cpu.report(b)
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(wire.Load())/float64(b.N), "wire-B/req")
}

// homeServer starts Faro with a signed-in viewer and returns the URL of
// the home page and the headers a browser of that viewer sends.
func homeServer(b *testing.B, encoding string) (string, map[string]string) {
	a, _ := apptest.New(b)
	token := signIn(b, a, "bench.viewer", auth.Viewer)
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	return srv.URL + "/", map[string]string{
		"Cookie":          "faro_session=" + token,
		"Accept-Encoding": encoding,
		"Accept-Language": "en",
	}
}

// BenchmarkHomePage is GET / as a signed-in viewer through the whole
// middleware stack (session lookup in SQLite, security headers, gzip,
// template rendering, request log), gzip accepted as browsers do.
func BenchmarkHomePage(b *testing.B) {
	url, hdr := homeServer(b, "gzip")
	benchGET(b, url, hdr)
}

// BenchmarkHomePageIdentity is BenchmarkHomePage without gzip, to tell
// the cost of compression from the rest.
func BenchmarkHomePageIdentity(b *testing.B) {
	url, hdr := homeServer(b, "identity")
	benchGET(b, url, hdr)
}

// BenchmarkBareHandler serves the very bytes of Faro's rendered home page
// from a plain net/http handler: no session, no template, no compression.
func BenchmarkBareHandler(b *testing.B) {
	url, hdr := homeServer(b, "identity")
	status, _, page, err := get(newClient(), url, hdr)
	if err != nil || status != http.StatusOK {
		b.Fatalf("home page: status %d, %v", status, err)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer bare.Close()
	hdr["Accept-Encoding"] = "gzip"
	benchGET(b, bare.URL+"/", hdr)
}

// ---------------------------------------------------------------------
// Field encryption against bare XChaCha20-Poly1305

func randomBytes(tb testing.TB, n int) []byte {
	tb.Helper()
	p := make([]byte, n)
	if _, err := rand.Read(p); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkFieldEncryptDecrypt seals and opens a 1 KiB field with the
// vault: location-bound associated data, key id header, read lock.
func BenchmarkFieldEncryptDecrypt(b *testing.B) {
	a, _ := apptest.New(b)
	pt := randomBytes(b, 1024)
	loc := vault.Location{Table: "testimonies", Record: "1234", Field: "body"}
	b.SetBytes(int64(len(pt)))
	cpu := startCPU()
	for b.Loop() {
		ct, err := a.Vault.Encrypt(loc, pt)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Vault.Decrypt(loc, ct); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkBareXChaCha is one Seal and one Open of the same bytes with a
// random nonce each time (what a correct use needs at the least).
func BenchmarkBareXChaCha(b *testing.B) {
	pt := randomBytes(b, 1024)
	aead, err := chacha20poly1305.NewX(randomBytes(b, chacha20poly1305.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	b.SetBytes(int64(len(pt)))
	cpu := startCPU()
	for b.Loop() {
		rand.Read(nonce)
		ct := aead.Seal(nil, nonce, pt, nil)
		if _, err := aead.Open(nil, nonce, ct, nil); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// ---------------------------------------------------------------------
// Evidence upload against a bare hashed, fsynced file write

const uploadSize = 8 << 20

// removeFiles deletes every regular file under dir, keeping the disk from
// filling with b.N uploads; callers stop the timer around it.
func removeFiles(tb testing.TB, dir string) {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Remove(p)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkEvidenceUpload is Store.Put of 8 MiB: SHA-256 of the plaintext,
// chunked XChaCha20-Poly1305, fsync, rename, directory fsync, then the
// metadata row and its audit entry committed in one SQLite transaction.
func BenchmarkEvidenceUpload(b *testing.B) {
	a, _ := apptest.New(b)
	ctx := audit.WithActor(context.Background(), 1)
	data := randomBytes(b, uploadSize)
	b.SetBytes(uploadSize)
	cpu := startCPU()
	for b.Loop() {
		f, err := a.Evidence.Put(ctx, bytes.NewReader(data), "photo.jpg")
		if err != nil {
			b.Fatal(err)
		}
		if f.Size != uploadSize {
			b.Fatalf("stored %d bytes", f.Size)
		}
		cpu.pause(b)
		removeFiles(b, a.Evidence.Dir)
		cpu.resume(b)
	}
	cpu.report(b)
}

// BenchmarkBareFileWriteHash writes the same bytes to a new file while
// hashing them with SHA-256, then fsyncs the file and its directory: a
// durably named copy, as Put leaves, without encryption or database.
func BenchmarkBareFileWriteHash(b *testing.B) {
	dir := b.TempDir()
	data := randomBytes(b, uploadSize)
	buf := make([]byte, 64<<10)
	b.SetBytes(uploadSize)
	cpu := startCPU()
	for b.Loop() {
		f, err := os.CreateTemp(dir, "bare-*.bin")
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(io.MultiWriter(f, h), bytes.NewReader(data), buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := syncDir(dir); err != nil {
			b.Fatal(err)
		}
		_ = h.Sum(nil)
		cpu.pause(b)
		removeFiles(b, dir)
		cpu.resume(b)
	}
	cpu.report(b)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ---------------------------------------------------------------------
// Unsealing

const unsealPassphrase = "correct horse battery staple for faro"

func openDB(tb testing.TB) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "faro.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, migrations.All()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkUnsealPassphrase is a full passphrase unseal with the default
// argon2id costs (vault.DefaultKDF): read the config, derive the root
// key, check it, unwrap the data keys.
func BenchmarkUnsealPassphrase(b *testing.B) {
	ctx := context.Background()
	v := vault.New(openDB(b))
	v.KDF = vault.DefaultKDF
	if err := v.InitPassphrase(ctx, unsealPassphrase); err != nil {
		b.Fatal(err)
	}
	cpu := startCPU()
	for b.Loop() {
		v.Seal()
		if err := v.UnsealPassphrase(ctx, unsealPassphrase); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
	b.ReportMetric(float64(vault.DefaultKDF.MemKiB)/1024, "kdf-MiB")
}

// BenchmarkBareArgon2id is the key derivation alone, with the same costs.
func BenchmarkBareArgon2id(b *testing.B) {
	salt := randomBytes(b, 32)
	p := vault.DefaultKDF
	cpu := startCPU()
	for b.Loop() {
		_ = argon2.IDKey([]byte(unsealPassphrase), salt, p.Time, p.MemKiB, p.Threads, 32)
	}
	cpu.report(b)
}

// BenchmarkUnsealShares is a Shamir unseal from 3 of 5 shares, entered
// one by one as holders do (each share parsed and checked, then combined).
func BenchmarkUnsealShares(b *testing.B) {
	ctx := context.Background()
	v := vault.New(openDB(b))
	shares, err := v.InitShares(ctx, 5, 3)
	if err != nil {
		b.Fatal(err)
	}
	cpu := startCPU()
	for b.Loop() {
		v.Seal()
		if err := v.UnsealShares(ctx, shares[1:4]); err != nil {
			b.Fatalf("unseal with 3 of 5 valid shares: %v", err)
		}
	}
	cpu.report(b)
}

// BenchmarkSharesRootRebuild is the share path without the unseal itself:
// read the config, parse and check 3 shares, combine, check the root key
// (vault.RootFromShares, used by key rotation).
func BenchmarkSharesRootRebuild(b *testing.B) {
	ctx := context.Background()
	v := vault.New(openDB(b))
	shares, err := v.InitShares(ctx, 5, 3)
	if err != nil {
		b.Fatal(err)
	}
	cpu := startCPU()
	for b.Loop() {
		root, err := v.RootFromShares(ctx, shares[1:4])
		if err != nil {
			b.Fatal(err)
		}
		clear(root)
	}
	cpu.report(b)
}

// BenchmarkBareShamirCombine is the combination alone of 3 raw shares of
// a 32-byte key.
func BenchmarkBareShamirCombine(b *testing.B) {
	parts, err := shamir.Split(randomBytes(b, 32), 5, 3)
	if err != nil {
		b.Fatal(err)
	}
	cpu := startCPU()
	for b.Loop() {
		if _, err := shamir.Combine(parts[1:4]); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// ---------------------------------------------------------------------
// Audit log against a bare INSERT

// BenchmarkAuditAppend records one read in its own transaction: head
// read, signing key decrypted, leaf hashed into the Merkle tree, new
// checkpoint signed with ed25519, row inserted and head updated.
func BenchmarkAuditAppend(b *testing.B) {
	a, _ := apptest.New(b)
	ctx := context.Background()
	i := 0
	cpu := startCPU()
	for b.Loop() {
		i++
		if err := a.Audit.Record(ctx, audit.Entry{Actor: 7, Action: audit.Read, RecordType: "evidence", RecordID: strconv.Itoa(i)}); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkBareInsert inserts a row shaped like an audit entry (same
// columns, same index, a JSON leaf of the same form) in a transaction of
// its own, on the same database with the same SQLite settings.
func BenchmarkBareInsert(b *testing.B) {
	a, _ := apptest.New(b)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE bench_log (idx BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor BIGINT NOT NULL,
			action TEXT NOT NULL, record_type TEXT NOT NULL, record_id TEXT NOT NULL, leaf BLOB NOT NULL)`,
		`CREATE INDEX bench_log_record ON bench_log (record_type, record_id, action)`,
	} {
		if _, err := a.DB.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	i := int64(0)
	cpu := startCPU()
	for b.Loop() {
		id := strconv.FormatInt(i, 10)
		at := store.Now()
		leaf, _ := json.Marshal(map[string]any{"idx": i, "at": at, "actor": 7, "action": audit.Read, "type": "evidence", "id": id})
		err := a.DB.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO bench_log (idx, at, actor, action, record_type, record_id, leaf) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				i, at, 7, audit.Read, "evidence", id, leaf)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu.report(b)
}

// ---------------------------------------------------------------------
// Page weight

// pageBudget is the most a page may weigh on first load, gzipped, with
// every stylesheet, script and icon it links to.
const pageBudget = 30 * 1024

var assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// weigh fetches path and every /static/ asset it links to, gzip accepted,
// and returns the page's HTML and, page first, each URL with its body
// bytes on the wire. headers is the size of the response headers, which
// HTTP/1.1 does not compress: logged for the record, outside the budget.
func weigh(t *testing.T, c *http.Client, base, path string, hdr map[string]string) (html string, names []string, sizes []int, headers int) {
	t.Helper()
	status, h, body, err := get(c, base+path, hdr)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s: status %d, %v", path, status, err)
	}
	if h.Get("Content-Encoding") != "gzip" {
		t.Errorf("GET %s: not gzipped (Content-Encoding %q)", path, h.Get("Content-Encoding"))
	}
	raw, err := gunzip(body, h)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	html = string(raw)
	names, sizes, headers = append(names, path), append(sizes, len(body)), headerSize(h)
	seen := map[string]bool{}
	for _, m := range assetRef.FindAllStringSubmatch(html, -1) {
		u := m[1]
		if seen[u] {
			continue // a browser fetches each URL once
		}
		seen[u] = true
		status, ah, ab, err := get(c, base+u, map[string]string{"Accept-Encoding": "gzip"})
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET %s (linked from %s): status %d, %v", u, path, status, err)
		}
		if ah.Get("Content-Encoding") != "gzip" {
			t.Logf("GET %s: sent uncompressed (%s)", u, ah.Get("Content-Type"))
		}
		names, sizes, headers = append(names, u), append(sizes, len(ab)), headers+headerSize(ah)
	}
	if len(names) == 1 {
		t.Errorf("GET %s: links to no /static/ asset; the page weight would be incomplete", path)
	}
	return html, names, sizes, headers
}

// headerSize is roughly what the response headers took on the wire.
func headerSize(h http.Header) int {
	var buf bytes.Buffer
	buf.WriteString("HTTP/1.1 200 OK\r\n")
	h.Write(&buf)
	return buf.Len() + 2
}

func gunzip(body []byte, h http.Header) ([]byte, error) {
	if h.Get("Content-Encoding") != "gzip" {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// TestPageWeight checks the first-load budget of the login page (signed
// out) and the home page (signed in as a viewer and as a coordinator, who
// sees more navigation), in every language Faro ships. It measures sizes,
// not time.
func TestPageWeight(t *testing.T) {
	a, _ := apptest.New(t)
	viewer := signIn(t, a, "weight.viewer", auth.Viewer)
	coordinator := signIn(t, a, "weight.coord", auth.Coordinator)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	c := newClient()
	defer c.CloseIdleConnections()

	pages := []struct {
		name, path, token string
	}{
		{"login", "/login", ""},
		{"home-viewer", "/", viewer},
		{"home-coordinator", "/", coordinator},
	}
	for _, lang := range a.Web.I18n.Langs() {
		for _, p := range pages {
			t.Run(p.name+"/"+lang, func(t *testing.T) {
				cookies := []string{"faro_lang=" + lang}
				if p.token != "" {
					cookies = append(cookies, "faro_session="+p.token)
				}
				hdr := map[string]string{"Accept-Encoding": "gzip", "Accept-Language": lang, "Cookie": strings.Join(cookies, "; ")}
				html, names, sizes, headers := weigh(t, c, srv.URL, p.path, hdr)
				if !strings.Contains(html, `<html lang="`+lang+`"`) {
					t.Fatalf("%s was not rendered in %s", p.path, lang)
				}
				total := 0
				var parts []string
				for i := range names {
					total += sizes[i]
					parts = append(parts, fmt.Sprintf("%s %d B", names[i], sizes[i]))
				}
				t.Logf("%s [%s]: %d B gzip on first load (budget %d B): %s; plus about %d B of response headers",
					p.path, lang, total, pageBudget, strings.Join(parts, ", "), headers)
				if total > pageBudget {
					t.Errorf("%s [%s] weighs %d B gzip on first load, over the %d B budget", p.path, lang, total, pageBudget)
				}
			})
		}
	}
}
