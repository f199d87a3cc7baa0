// Command load100k fills a Faro data directory with invented incidents
// (100,000 by default), each with a testimony of about 80 words, and
// measures Faro at that size: list and search latency through HTTP as a
// reviewer, the search index build at unseal, memory, and the gzip weight
// of the list, form and incident pages. It prints its results as
// markdown for docs/performance.md.
//
// Records are written through incident.Store.Create, as the intake form
// and the API write them: encrypted fields, references, audit entries and
// all. During the load only, SQLite's synchronous setting is lowered to
// OFF on the writer connection (unless -durable), which spares one fsync
// per record and changes nothing in what is stored; it is set back to FULL
// before anything is measured.
//
// Every figure comes with a bare baseline measured in the same run:
//
//   - list and search pages against a bare net/http handler running the
//     same two SQL statements (count and page) on the same database, with
//     the same visibility rule and the same ids from the same in-memory
//     index for a free-text query, and writing the rows as a bare table;
//   - the index build against reading and decrypting the same fields with
//     no index (the part no index design can avoid);
//   - memory against the same process sealed (no index, no keys).
//
// Usage (see scripts/load100k.sh):
//
//	go run ./internal/bench/cmd/load100k -data DIR -phase load
//	go run ./internal/bench/cmd/load100k -data DIR -phase measure
//
// A data directory is reused: the load only tops it up to -n records.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// passphrase unseals the load's data directory; it protects nothing real.
const passphrase = "load100k passphrase, invented data only"

const userPassword = "load100k password for invented accounts"

// cheapHash keeps the loader's own accounts quick to create; they never
// log in with a password (sessions are opened directly).
var cheapHash = auth.HashParams{Time: 1, MemKiB: 1024, Threads: 1}

type config struct {
	data     string
	n        int
	phase    string
	requests int
	rounds   int
	workers  int
	durable  bool
	cheapKDF bool
	seed     uint64
}

func main() {
	var c config
	flag.StringVar(&c.data, "data", filepath.Join(os.TempDir(), "faro-load100k"), "data directory (created, or reused and topped up)")
	flag.IntVar(&c.n, "n", 100000, "incidents to have in the data directory, one testimony each")
	flag.StringVar(&c.phase, "phase", "all", "load, measure, or all (load then measure in one process: peak RSS then includes the load)")
	flag.IntVar(&c.requests, "requests", 200, "timed requests of each kind (list, search)")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds of the index build and its baseline")
	flag.IntVar(&c.workers, "workers", runtime.GOMAXPROCS(0), "goroutines creating records during the load")
	flag.BoolVar(&c.durable, "durable", false, "keep synchronous=FULL during the load (one fsync per record; slower)")
	flag.BoolVar(&c.cheapKDF, "cheap-kdf", false, "initialise the vault with cheap argon2id costs instead of vault.DefaultKDF")
	seed := flag.Uint64("seed", 1, "seed of the invented records")
	flag.Parse()
	c.seed = *seed
	if c.phase != "load" && c.phase != "measure" && c.phase != "all" {
		fail(fmt.Errorf("-phase must be load, measure or all"))
	}
	if err := run(context.Background(), c); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load100k:", err)
	os.Exit(1)
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "load100k: "+format+"\n", args...)
}

func run(ctx context.Context, c config) error {
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(c.data, "load100k-faro.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	hash := cheapHash
	kdf := vault.DefaultKDF
	if c.cheapKDF {
		kdf = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
	}
	// Faro's own log goes to a file in the data directory, as a server's
	// would go somewhere: writing it is part of serving a request.
	a, err := app.New(ctx, app.Config{DataDir: c.data, Hash: &hash, KDF: &kdf,
		Log: slog.New(slog.NewJSONHandler(logFile, nil))})
	if err != nil {
		return err
	}
	defer a.Close()
	rssStart := readMem()

	_, err = a.Vault.Config(ctx)
	fresh := errors.Is(err, vault.ErrNotInitialized)
	if err != nil && !fresh {
		return err
	}
	if fresh {
		say("initialising a new data directory in %s", c.data)
		if err := a.Initialize(ctx, passphrase); err != nil {
			return err
		}
	}
	w, err := setUp(ctx, a)
	if err != nil {
		return err
	}

	if c.phase != "measure" {
		if a.Vault.Sealed() {
			if err := a.Vault.UnsealPassphrase(ctx, passphrase); err != nil {
				return err
			}
		}
		if err := waitIndex(ctx, a, 10*time.Minute); err != nil {
			return err
		}
		if err := load(ctx, a, w, c); err != nil {
			return err
		}
		if c.phase == "load" {
			return nil
		}
		a.Vault.Seal()
	}
	return measure(ctx, a, w, c, rssStart)
}

// world is what the loader sets up around the records.
type world struct {
	documenter, reviewer *auth.User
	teams                map[string]int64
}

func ensureUser(ctx context.Context, a *app.App, login string, role auth.Role) (*auth.User, error) {
	u, err := a.Auth.UserByLogin(ctx, login)
	if err == nil {
		return u, nil
	}
	return a.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: "Load " + login, Password: userPassword, Role: role})
}

// setUp makes (or finds) a documenter who writes the records, a reviewer
// who reads them, and the demo's teams with both as members.
func setUp(ctx context.Context, a *app.App) (*world, error) {
	w := &world{teams: map[string]int64{}}
	var err error
	if w.documenter, err = ensureUser(ctx, a, "load.documenter", auth.Documenter); err != nil {
		return nil, err
	}
	if w.reviewer, err = ensureUser(ctx, a, "load.reviewer", auth.Reviewer); err != nil {
		return nil, err
	}
	ctx = audit.WithActor(ctx, w.documenter.ID)
	teams, err := a.Teams.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		w.teams[t.Name] = t.ID
	}
	for _, name := range teamNames {
		if _, ok := w.teams[name]; ok {
			continue
		}
		id, err := a.Teams.Create(ctx, name)
		if err != nil {
			return nil, err
		}
		w.teams[name] = id
		for _, u := range []*auth.User{w.documenter, w.reviewer} {
			if err := a.Teams.SetMember(ctx, id, u.ID, true); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

func count(ctx context.Context, a *app.App, q string) (int, error) {
	var n int
	err := a.DB.QueryRow(ctx, q).Scan(&n)
	return n, err
}

// waitIndex waits until both search indexes (the full one and the one
// of clear fields) hold every incident: they are built in the background
// after an unseal, the full one first.
func waitIndex(ctx context.Context, a *app.App, limit time.Duration) error {
	n, err := count(ctx, a, "SELECT COUNT(*) FROM incidents")
	if err != nil {
		return err
	}
	full, ok1 := a.Incidents.Index.(interface{ Len() int })
	clear, ok2 := a.Incidents.Clear.(interface{ Len() int })
	if !ok1 || !ok2 {
		return fmt.Errorf("the search index (%T) does not tell its size", a.Incidents.Index)
	}
	deadline := time.Now().Add(limit)
	for full.Len() != n || clear.Len() != n {
		if time.Now().After(deadline) {
			return fmt.Errorf("search indexes hold %d and %d of %d incidents after %s", full.Len(), clear.Len(), n, limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// cpuTime is the CPU time (user and system, all threads) of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// unseal seals, settles, unseals with the passphrase and waits for the
// indexes; it returns the time of the unseal call and of the wait after.
func unseal(ctx context.Context, a *app.App) (time.Duration, time.Duration, error) {
	if !a.Vault.Sealed() {
		a.Vault.Seal()
	}
	settle()
	t0 := time.Now()
	if err := a.Vault.UnsealPassphrase(ctx, passphrase); err != nil {
		return 0, 0, err
	}
	t1 := time.Now()
	if err := waitIndex(ctx, a, 10*time.Minute); err != nil {
		return 0, 0, err
	}
	return t1.Sub(t0), time.Since(t1), nil
}

// load tops the data directory up to c.n incidents.
func load(ctx context.Context, a *app.App, w *world, c config) error {
	have, err := count(ctx, a, "SELECT COUNT(*) FROM incidents")
	if err != nil {
		return err
	}
	if have >= c.n {
		say("%s already holds %d incidents", c.data, have)
		return nil
	}
	todo := c.n - have
	if !c.durable {
		if _, err := a.DB.Exec(ctx, "PRAGMA synchronous=OFF"); err != nil {
			return err
		}
		defer a.DB.Exec(ctx, "PRAGMA synchronous=FULL")
	}
	// Creation times run over the three years before now, in order, so
	// that references (one series a day) and "recently updated" look
	// like an instance in use for three years.
	now := time.Now().UTC()
	start := now.AddDate(-3, 0, 0)
	step := now.Sub(start) / time.Duration(2*todo+2)
	var tick atomic.Int64
	saved := a.Incidents.Now
	a.Incidents.Now = func() time.Time { return start.Add(time.Duration(tick.Add(1)) * step) }
	defer func() { a.Incidents.Now = saved }()

	say("creating %d incidents with testimonies in %s (%d workers, synchronous=%s)", todo, c.data, c.workers,
		map[bool]string{true: "FULL", false: "OFF"}[c.durable])
	actx := audit.WithActor(ctx, w.documenter.ID)
	next := make(chan int)
	var done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var failed atomic.Bool
	var wg sync.WaitGroup
	t0 := time.Now()
	for range max(c.workers, 1) {
		wg.Go(func() {
			for i := range next {
				inc, t := record(c.seed, i, now, w.teams)
				if err := a.Incidents.Create(actx, inc, t); err != nil {
					errOnce.Do(func() { firstErr = err; failed.Store(true) })
					continue
				}
				if d := done.Add(1); d%5000 == 0 {
					el := time.Since(t0)
					say("  %d / %d (%.0f a second, %s left)", d, todo, float64(d)/el.Seconds(),
						(time.Duration(float64(el) / float64(d) * float64(int64(todo)-d))).Round(time.Second))
				}
			}
		})
	}
	for i := have; i < c.n; i++ {
		if failed.Load() {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	el := time.Since(t0)
	if _, err := a.DB.Exec(ctx, "PRAGMA synchronous=FULL"); err != nil {
		return err
	}
	if err := a.DB.Checkpoint(ctx); err != nil {
		return err
	}
	fmt.Printf("## Load\n\n")
	fmt.Printf("Created %d incidents with one testimony each through `incident.Store.Create` in %s (%.0f records a second, %d goroutines, synchronous=%s during the load).\n\n",
		todo, el.Round(time.Second), float64(todo)/el.Seconds(), c.workers, map[bool]string{true: "FULL", false: "OFF"}[c.durable])
	return nil
}

// ---------------------------------------------------------------------
// Memory

type mem struct {
	rss, hwm          int64  // VmRSS, VmHWM, bytes
	heapObj, heapLive uint64 // Go heap: objects now (live and not yet collected), live at the last GC
}

func readMem() mem {
	var m mem
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			v, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[0] {
			case "VmRSS:":
				m.rss = v << 10
			case "VmHWM:":
				m.hwm = v << 10
			}
		}
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		m.heapObj = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		m.heapLive = s[1].Value.Uint64()
	}
	return m
}

// settle collects garbage and hands free memory back to the system, so
// that RSS shows what is held rather than what is waiting for the GC.
func settle() mem {
	runtime.GC()
	debug.FreeOSMemory()
	return readMem()
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// ---------------------------------------------------------------------
// Index build

// textStats are what the bare pass read.
type textStats struct {
	incidents, testimonies int
	bytes, words           int64 // plaintext of the indexed encrypted fields
	narrativeWords         int64
}

// bareDecrypt reads and decrypts every field the search index holds
// (place and sources of each incident, narrative and pseudonym of each
// testimony) and throws the text away: the part of an index build that
// no index design avoids.
func bareDecrypt(ctx context.Context, a *app.App) (textStats, error) {
	var st textStats
	open := func(table string, id int64, field string, ct []byte) (string, error) {
		if ct == nil {
			return "", nil
		}
		b, err := a.Vault.Decrypt(vault.Location{Table: table, Record: strconv.FormatInt(id, 10), Field: field}, ct)
		return string(b), err
	}
	rows, err := a.DB.Query(ctx, "SELECT id, place, sources FROM incidents")
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var id int64
		var place, src []byte
		if err := rows.Scan(&id, &place, &src); err != nil {
			rows.Close()
			return st, err
		}
		p, err1 := open("incidents", id, "place", place)
		s, err2 := open("incidents", id, "sources", src)
		if err := errors.Join(err1, err2); err != nil {
			rows.Close()
			return st, err
		}
		st.incidents++
		st.bytes += int64(len(p) + len(s))
		st.words += int64(len(strings.Fields(p)) + len(strings.Fields(s)))
	}
	rows.Close()
	trows, err := a.DB.Query(ctx, "SELECT id, narrative, pseudonym FROM testimonies")
	if err != nil {
		return st, err
	}
	defer trows.Close()
	for trows.Next() {
		var id int64
		var n, p []byte
		if err := trows.Scan(&id, &n, &p); err != nil {
			return st, err
		}
		narr, err1 := open("testimonies", id, "narrative", n)
		pseud, err2 := open("testimonies", id, "pseudonym", p)
		if err := errors.Join(err1, err2); err != nil {
			return st, err
		}
		st.testimonies++
		nw := int64(len(strings.Fields(narr)))
		st.narrativeWords += nw
		st.bytes += int64(len(narr) + len(pseud))
		st.words += nw + int64(len(strings.Fields(pseud)))
	}
	return st, trows.Err()
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile is the nearest-rank percentile p (0-100) of d.
func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	k := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(k, 0), len(s)-1)]
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f ms", float64(d)/1e6)
}

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

// ---------------------------------------------------------------------
// Measurements

func measure(ctx context.Context, a *app.App, w *world, c config, rssStart mem) error {
	nInc, err := count(ctx, a, "SELECT COUNT(*) FROM incidents")
	if err != nil {
		return err
	}
	nT, err := count(ctx, a, "SELECT COUNT(*) FROM testimonies")
	if err != nil {
		return err
	}
	nDraft, err := count(ctx, a, "SELECT COUNT(*) FROM incidents WHERE status = 'draft'")
	if err != nil {
		return err
	}
	nAudit, err := count(ctx, a, "SELECT COUNT(*) FROM audit_log")
	if err != nil {
		return err
	}
	dbSize := fileSize(filepath.Join(c.data, "faro.db")) + fileSize(filepath.Join(c.data, "faro.db-wal"))
	if !a.Vault.Sealed() {
		a.Vault.Seal()
	}

	// Unseal as an operator does, and wait until search answers in full.
	sealed := settle()
	say("unsealing (argon2id, then the search indexes over %d incidents)", nInc)
	argon, build, err := unseal(ctx, a)
	if err != nil {
		return err
	}
	built := readMem()
	steady := settle()
	unsealTimes, indexTimes := []time.Duration{argon}, []time.Duration{build}

	// More rounds: an unseal again (from the second round), and the index
	// build called directly against its bare baseline, in alternating
	// order, with wall and CPU time.
	var faroBuild, bareBuild, faroCPU, bareCPU []time.Duration
	var st textStats
	for r := range c.rounds {
		say("index round %d of %d", r+1, c.rounds)
		if r > 0 {
			argon, build, err := unseal(ctx, a)
			if err != nil {
				return err
			}
			unsealTimes, indexTimes = append(unsealTimes, argon), append(indexTimes, build)
		}
		for k := range 2 {
			runtime.GC()
			s, cs := time.Now(), cpuTime()
			if (r+k)%2 == 0 {
				n, err := a.RebuildIndex(ctx)
				if err != nil {
					return err
				}
				if n != nInc {
					return fmt.Errorf("index built over %d incidents, want %d", n, nInc)
				}
				faroBuild, faroCPU = append(faroBuild, time.Since(s)), append(faroCPU, cpuTime()-cs)
			} else {
				if st, err = bareDecrypt(ctx, a); err != nil {
					return err
				}
				bareBuild, bareCPU = append(bareBuild, time.Since(s)), append(bareCPU, cpuTime()-cs)
			}
		}
	}
	afterBuilds := settle()

	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	lat, err := latencies(ctx, a, w, c, srv.URL)
	if err != nil {
		return err
	}
	weights, err := pageWeights(ctx, a, w, srv.URL)
	if err != nil {
		return err
	}
	afterHTTP := readMem()
	afterHTTPSettled := settle()

	// Report.
	fmt.Printf("## Data\n\n")
	fmt.Printf("%d incidents (%d of them drafts), %d testimonies of %.0f words on average (%d encrypted words, %.1f MiB of plaintext in the indexed encrypted fields), %d audit entries; database %.0f MiB on disk.\n\n",
		nInc, nDraft, nT, float64(st.narrativeWords)/float64(max(st.testimonies, 1)), st.words, float64(st.bytes)/(1<<20), nAudit, float64(dbSize)/(1<<20))

	fmt.Printf("## Search index at unseal (goal: built in < 5 s)\n\n")
	kt, km := vaultKDF(ctx, a)
	first := "the first in a fresh process"
	if c.phase == "all" {
		first = "the first right after the load, in the same process"
	}
	fmt.Printf("Seal, then `UnsealPassphrase` and wait until both search indexes (all words; words of clear fields) hold every incident: %d times, %s.\n\n", c.rounds, first)
	fmt.Printf("| Step | Median | Rounds |\n|---|---|---|\n")
	fmt.Printf("| `UnsealPassphrase` (argon2id t=%d, %d MiB; data keys; the unseal hook's `FreeOSMemory`) | %s | %s |\n", kt, km/1024, ms(median(unsealTimes)), joinDur(unsealTimes))
	fmt.Printf("| then the background index build, until every incident is searchable | **%s** | %s |\n\n", ms(median(indexTimes)), joinDur(indexTimes))
	fmt.Printf("`RebuildIndex` called directly against the bare pass (read and decrypt place, sources, narrative and pseudonym of every record; no index), alternating, %d rounds:\n\n", c.rounds)
	fmt.Printf("| | Wall, median | Wall, rounds | CPU, median |\n|---|---|---|---|\n")
	fmt.Printf("| `RebuildIndex` | **%s** | %s | %s |\n", ms(median(faroBuild)), joinDur(faroBuild), ms(median(faroCPU)))
	fmt.Printf("| bare read + decrypt | %s | %s | %s |\n", ms(median(bareBuild)), joinDur(bareBuild), ms(median(bareCPU)))
	fmt.Printf("| ratio, per round: median (min–max) | **%s** | | %s |\n\n", roundRatios(faroBuild, bareBuild), roundRatios(faroCPU, bareCPU))

	fmt.Printf("## Memory\n\n")
	fmt.Printf("VmRSS and VmHWM of the measuring process from /proc/self/status (it holds Faro, its SQLite connections and the HTTP client); \"settled\" is after `runtime.GC` and `debug.FreeOSMemory`. Go heap: live after the last GC, and all objects now (live and garbage not yet collected).\n\n")
	fmt.Printf("| Moment | RSS | Peak RSS so far | Go heap live | Go heap objects |\n|---|---|---|---|---|\n")
	row := func(what string, m mem) {
		fmt.Printf("| %s | %s | %s | %s | %s |\n", what, mib(m.rss), mib(m.hwm), mib(int64(m.heapLive)), mib(int64(m.heapObj)))
	}
	row("started, sealed", rssStart)
	row("sealed, settled (baseline: no keys, no index)", sealed)
	row("unsealed, indexes just built", built)
	row("unsealed with indexes, settled", steady)
	row(fmt.Sprintf("after %d more unseals and %d direct index builds, settled", c.rounds-1, c.rounds), afterBuilds)
	row(fmt.Sprintf("after %d list + %d search requests and the page weights", c.requests, c.requests), afterHTTP)
	row("the same, settled", afterHTTPSettled)
	fmt.Printf("\nPeak RSS of the process (VmHWM): %s. The index costs %s of RSS over the sealed baseline (%.2f× the baseline; %.1f× the %.0f MiB of plaintext it indexes).\n\n",
		mib(afterHTTPSettled.hwm), mib(steady.rss-sealed.rss), float64(steady.rss)/float64(sealed.rss),
		float64(steady.rss-sealed.rss)/float64(max(st.bytes, 1)), float64(st.bytes)/(1<<20))

	lat.report(c)
	weights.report()
	return nil
}

// roundRatios is a[i]/b[i] per round, as median (min–max).
func roundRatios(a, b []time.Duration) string {
	var r []float64
	for i := range min(len(a), len(b)) {
		if b[i] > 0 {
			r = append(r, float64(a[i])/float64(b[i]))
		}
	}
	if len(r) == 0 {
		return "–"
	}
	slices.Sort(r)
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", r[len(r)/2], r[0], r[len(r)-1])
}

func joinDur(d []time.Duration) string {
	var s []string
	for _, x := range d {
		s = append(s, ms(x))
	}
	return strings.Join(s, ", ")
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// vaultKDF returns the argon2id time and memory (KiB) the vault was set
// up with.
func vaultKDF(ctx context.Context, a *app.App) (t, m int) {
	var s string
	if a.DB.QueryRow(ctx, "SELECT kdf FROM vault WHERE id = 1").Scan(&s) != nil {
		return 0, 0
	}
	var p int
	fmt.Sscanf(s, "t=%d,m=%d,p=%d", &t, &m, &p)
	return t, m
}

// ---------------------------------------------------------------------
// List and search latency

// bareList serves a list page the bare way: the same visibility rule and
// filters, the same two statements (count, then one page) on the same
// database, the ids of a free-text query from the same in-memory index;
// rows written as a bare HTML table. No session, no template, no vocab or
// team lookups, no gzip.
type bareList struct {
	db     *store.DB
	index  incident.Index
	userID int64
	teams  []int64
}

func (b *bareList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	cond := []string{"(created_by = ? OR (status = 'submitted' AND (team_id IS NULL OR team_id IN (" + marks(len(b.teams)) + "))))", "status = 'submitted'"}
	args := []any{b.userID}
	for _, t := range b.teams {
		args = append(args, t)
	}
	add := func(c string, a ...any) { cond = append(cond, c); args = append(args, a...) }
	if v := q.Get("from"); v != "" {
		t, _ := time.Parse("2006-01-02", v)
		add("occurred_at >= ?", t.Unix())
	}
	if v := q.Get("to"); v != "" {
		t, _ := time.Parse("2006-01-02", v)
		add("occurred_at < ?", t.Add(24*time.Hour).Unix())
	}
	for _, f := range [][2]string{{"country", "country = ?"}, {"type", "type = ?"}, {"verification", "verification = ?"}, {"consent", "consent_scope = ?"}} {
		if v := q.Get(f[0]); v != "" {
			add(f[1], v)
		}
	}
	if v, _ := strconv.ParseInt(q.Get("team"), 10, 64); v != 0 {
		add("team_id = ?", v)
	}
	if v := q.Get("violence"); v != "" {
		add("(',' || violence || ',') LIKE ?", "%,"+v+",%")
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		t := time.Now()
		ids := b.index.Search(v)
		w.Header().Set("X-Index-Ns", strconv.FormatInt(int64(time.Since(t)), 10))
		w.Header().Set("X-Hits", strconv.Itoa(len(ids)))
		if len(ids) == 0 {
			w.Header().Set("X-Total", "0")
			io.WriteString(w, "<!doctype html><title>Incidents</title><p>No incidents.")
			return
		}
		// Every hit, as one JSON array (more ids than any placeholder
		// list allows), as Faro hands them to SQL.
		js, _ := json.Marshal(ids)
		add("id IN (SELECT value FROM json_each(?))", string(js))
	}
	where := strings.Join(cond, " AND ")
	// The count stops past incident.CountCap, as Faro's does.
	var total int
	if err := b.db.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM incidents WHERE "+where+" LIMIT ?) AS capped",
		append(append([]any(nil), args...), incident.CountCap+1)...).Scan(&total); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	order := map[string]string{"occurred_asc": "occurred_at ASC, id ASC", "updated": "updated_at DESC, id DESC", "ref": "ref DESC"}[q.Get("sort")]
	if order == "" {
		order = "occurred_at DESC, id DESC"
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	rows, err := b.db.Query(ctx, `SELECT id, ref, status, type, occurred_at, date_precision, country, dead, missing, verification,
		consent_scope, COALESCE(team_id, 0) FROM incidents WHERE `+where+" ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, 50, (page-1)*50)...)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	defer rows.Close()
	var out bytes.Buffer
	out.WriteString("<!doctype html><title>Incidents</title><table>\n")
	for rows.Next() {
		var id, occurred, team int64
		var ref, status, typ, prec, country, verif, consent string
		var dead, missing *int64
		if err := rows.Scan(&id, &ref, &status, &typ, &occurred, &prec, &country, &dead, &missing, &verif, &consent, &team); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(&out, "<tr><td><a href=\"/incidents/%d\">%s</a><td>%s<td>%s<td>%s<td>%s\n", id, html.EscapeString(ref),
			time.Unix(occurred, 0).UTC().Format("2006-01-02"), html.EscapeString(typ), html.EscapeString(country), html.EscapeString(verif))
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	out.WriteString("</table>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Total", strconv.Itoa(total))
	w.Write(out.Bytes())
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

type variant struct {
	kind string // "list" or "search"
	path string // after /incidents
}

type timing struct {
	faro, bare []time.Duration
}

type latencyResult struct {
	byKind    map[string]*timing
	byVariant map[string]*timing
	variants  []variant
	hits      map[string]int // total as the bare handler counted it
	indexHits map[string]int // ids the search index returned, before the cap
	indexTime map[string][]time.Duration
	mismatch  []string
}

func client() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fetch GETs url and reads the whole body, timing the round trip.
func fetch(c *http.Client, url string, hdr map[string]string) (time.Duration, *http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	t := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return time.Since(t), resp, body, err
}

func variants(w *world, now time.Time) []variant {
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	team := strconv.FormatInt(w.teams["Aegean"], 10)
	list := []string{
		"", "?page=2", "?page=40", "?page=400", "?page=1700",
		"?country=GR", "?country=US&page=3", "?type=death", "?type=pushback&page=10",
		"?verification=verified", "?violence=beating", "?consent=partners",
		"?from=" + day(now.AddDate(-1, 0, 0)) + "&to=" + day(now.AddDate(0, -9, 0)),
		"?sort=ref", "?sort=updated&page=5", "?sort=occurred_asc&page=100", "?team=" + team,
		"?country=HR&type=pushback&violence=beating", "?from=" + day(now.AddDate(-2, 0, 0)) + "&country=IT&verification=corroborated",
		"?type=disappearance&consent=public_anonymised&sort=ref",
	}
	search := []string{
		"?q=police", "?q=river", "?q=dogs", "?q=asylum+beaten", "?q=van+windows", "?q=Moussa", "?q=" + url.QueryEscape("Velovac"),
		"?q=" + url.QueryEscape("القارب"), "?q=" + url.QueryEscape("الشرطة"), "?q=" + url.QueryEscape("پلیس"),
		"?q=desierto", "?q=frontiere", "?q=transl", "?q=zebra", "?q=forest&country=HR", "?q=water&page=3",
		"?q=" + url.QueryEscape("pregnant doctor"), "?q=shelter&type=pushback", "?q=Brez", "?q=" + url.QueryEscape("coast guard"),
	}
	var out []variant
	for _, p := range list {
		out = append(out, variant{"list", p})
	}
	for _, p := range search {
		out = append(out, variant{"search", p})
	}
	return out
}

func latencies(ctx context.Context, a *app.App, w *world, c config, base string) (*latencyResult, error) {
	rctx := audit.WithActor(ctx, w.reviewer.ID)
	session, err := a.Auth.NewSessionFor(rctx, w.reviewer, "load100k")
	if err != nil {
		return nil, err
	}
	token, _, err := a.Auth.CreateToken(rctx, w.reviewer.ID, "load100k", auth.Reviewer)
	if err != nil {
		return nil, err
	}
	teams, err := a.Teams.Of(ctx, w.reviewer.ID)
	if err != nil {
		return nil, err
	}
	bare := httptest.NewServer(&bareList{db: a.DB, index: a.Incidents.Index, userID: w.reviewer.ID, teams: teams})
	defer bare.Close()
	hc := client()
	defer hc.CloseIdleConnections()
	hdr := map[string]string{"Cookie": "faro_session=" + session, "Accept-Encoding": "gzip", "Accept-Language": "en"}
	res := &latencyResult{byKind: map[string]*timing{"list": {}, "search": {}}, byVariant: map[string]*timing{}, hits: map[string]int{},
		indexHits: map[string]int{}, indexTime: map[string][]time.Duration{}}
	res.variants = variants(w, time.Now().UTC())

	// Check once that the baseline finds what Faro finds (the API's total
	// for the same query), and warm both servers up.
	for _, v := range res.variants {
		_, resp, body, err := fetch(hc, base+"/incidents"+v.path, hdr)
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET /incidents%s: %v %v %.200s", v.path, status(resp), err, body)
		}
		_, bresp, _, err := fetch(hc, bare.URL+"/"+v.path, hdr)
		if err != nil || bresp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("bare %s: %v %v", v.path, status(bresp), err)
		}
		bt, _ := strconv.Atoi(bresp.Header.Get("X-Total"))
		res.hits[v.path] = bt
		res.indexHits[v.path], _ = strconv.Atoi(bresp.Header.Get("X-Hits"))
		sep := "?"
		if strings.Contains(v.path, "?") {
			sep = "&"
		}
		_, aresp, abody, err := fetch(hc, base+"/api/incidents"+v.path+sep+"per_page=1", map[string]string{"Authorization": "Bearer " + token})
		if err != nil || aresp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET /api/incidents%s: %v %v %.200s", v.path, status(aresp), err, abody)
		}
		var out struct{ Total int }
		if err := json.Unmarshal(abody, &out); err != nil {
			return nil, err
		}
		if out.Total != bt {
			res.mismatch = append(res.mismatch, fmt.Sprintf("%s: Faro %d, bare %d", v.path, out.Total, bt))
		}
	}
	for _, k := range []string{"list", "search"} {
		var vs []variant
		for _, v := range res.variants {
			if v.kind == k {
				vs = append(vs, v)
			}
		}
		say("%d timed %s requests", c.requests, k)
		for i := range c.requests {
			v := vs[i%len(vs)]
			tv := res.byVariant[v.path]
			if tv == nil {
				tv = &timing{}
				res.byVariant[v.path] = tv
			}
			for j := range 2 {
				if (i+j)%2 == 0 {
					d, resp, body, err := fetch(hc, base+"/incidents"+v.path, hdr)
					if err != nil || resp.StatusCode != http.StatusOK {
						return nil, fmt.Errorf("GET /incidents%s: %v %v %.200s", v.path, status(resp), err, body)
					}
					res.byKind[k].faro = append(res.byKind[k].faro, d)
					tv.faro = append(tv.faro, d)
				} else {
					d, resp, _, err := fetch(hc, bare.URL+"/"+v.path, hdr)
					if err != nil || resp.StatusCode != http.StatusOK {
						return nil, fmt.Errorf("bare %s: %v %v", v.path, status(resp), err)
					}
					res.byKind[k].bare = append(res.byKind[k].bare, d)
					tv.bare = append(tv.bare, d)
					if ns, err := strconv.ParseInt(resp.Header.Get("X-Index-Ns"), 10, 64); err == nil {
						res.indexTime[v.path] = append(res.indexTime[v.path], time.Duration(ns))
					}
				}
			}
		}
	}
	return res, nil
}

func status(r *http.Response) string {
	if r == nil {
		return "no answer"
	}
	return r.Status
}

func (l *latencyResult) report(c config) {
	fmt.Printf("## List and search latency (goal: p95 < 50 ms)\n\n")
	fmt.Printf("GET /incidents as a reviewer (member of every team; sees submitted records and encrypted fields), session cookie, gzip, one keep-alive client, requests one after another through `httptest.NewServer(a.Handler())`; each request is paired with the same query on the bare handler, alternating which goes first. Time is the round trip to the last byte of the body.\n\n")
	fmt.Printf("| Requests | n | Faro p50 | Faro p95 | Faro max | bare p50 | bare p95 | p50 ratio | p95 ratio |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, k := range []string{"list", "search"} {
		t := l.byKind[k]
		goal := ""
		if percentile(t.faro, 95) >= 50*time.Millisecond {
			goal = " (missed)"
		}
		fmt.Printf("| %s (%d kinds) | %d | %s | **%s**%s | %s | %s | %s | %s | %s |\n", k, l.count(k), len(t.faro),
			ms(percentile(t.faro, 50)), ms(percentile(t.faro, 95)), goal, ms(slices.Max(t.faro)),
			ms(percentile(t.bare, 50)), ms(percentile(t.bare, 95)),
			ratio(percentile(t.faro, 50), percentile(t.bare, 50)), ratio(percentile(t.faro, 95), percentile(t.bare, 95)))
	}
	fmt.Printf("\nBy query (medians of about %d requests each). Records: the total the list shows (counting stops at %s: %s means more). Index hits: the ids the search index returned for the words, before the filters and the visibility rule; every one is kept. Index search: the time of `Index.Search` alone, inside the bare handler.\n\n", max(c.requests/l.count("list"), 1), thousands(incident.CountCap), thousands(incident.CountCap+1))
	fmt.Printf("| Query | Records | Index hits | Index search | Faro | bare | ratio |\n|---|---|---|---|---|---|---|\n")
	for _, v := range l.variants {
		t := l.byVariant[v.path]
		if t == nil {
			continue
		}
		p := v.path
		if p == "" {
			p = "(none)"
		}
		if u, err := url.QueryUnescape(p); err == nil {
			p = u
		}
		hits, ixt := "", ""
		if v.kind == "search" {
			hits, ixt = thousands(l.indexHits[v.path]), ms(median(l.indexTime[v.path]))
		}
		fmt.Printf("| `%s` | %s | %s | %s | %s | %s | %s |\n", p, thousands(l.hits[v.path]), hits, ixt, ms(median(t.faro)), ms(median(t.bare)), ratio(median(t.faro), median(t.bare)))
	}
	if len(l.mismatch) > 0 {
		fmt.Printf("\n**The bare handler and Faro disagree** on the number of records for: %s.\n", strings.Join(l.mismatch, "; "))
	} else {
		fmt.Printf("\nFor every query the bare handler counted the same records as Faro's API (`GET /api/incidents`, same query).\n")
	}
	fmt.Println()
}

func (l *latencyResult) count(kind string) int {
	n := 0
	for _, v := range l.variants {
		if v.kind == kind {
			n++
		}
	}
	return max(n, 1)
}

// ---------------------------------------------------------------------
// Page weight

var assetRef = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

type weight struct {
	page, what  string
	html, gzipd int // HTML uncompressed, HTML gzipped
	total       int // gzipped, with every linked asset once
	assets      []string
}

type weightResult []weight

func pageWeights(ctx context.Context, a *app.App, w *world, base string) (weightResult, error) {
	session, err := a.Auth.NewSessionFor(audit.WithActor(ctx, w.reviewer.ID), w.reviewer, "load100k")
	if err != nil {
		return nil, err
	}
	// The newest submitted record with the longest testimony among the
	// first page: what a reviewer opens from the list.
	var id int64
	err = a.DB.QueryRow(ctx, `SELECT i.id FROM incidents i JOIN testimonies t ON t.incident_id = i.id
		WHERE i.status = 'submitted' AND i.team_id IS NOT NULL ORDER BY i.occurred_at DESC, LENGTH(t.narrative) DESC LIMIT 1`).Scan(&id)
	if err != nil {
		return nil, err
	}
	hc := client()
	defer hc.CloseIdleConnections()
	hdr := map[string]string{"Cookie": "faro_session=" + session, "Accept-Encoding": "gzip", "Accept-Language": "en"}
	sid := strconv.FormatInt(id, 10)
	var out weightResult
	for _, p := range [][2]string{
		{"/incidents", "list, first page of 50"},
		{"/incidents?q=police", "list, search results"},
		{"/incidents/new", "intake form, step 1"},
		{"/incidents/" + sid, "incident with its testimony"},
		{"/incidents/" + sid + "/edit?step=3", "intake form, step 3 (testimony)"},
	} {
		_, resp, body, err := fetch(hc, base+p[0], hdr)
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %v %v", p[0], status(resp), err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" {
			return nil, fmt.Errorf("GET %s: not gzipped", p[0])
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			return nil, err
		}
		wt := weight{page: strings.Replace(p[0], sid, "{id}", 1), what: p[1], html: len(raw), gzipd: len(body), total: len(body)}
		seen := map[string]bool{}
		for _, m := range assetRef.FindAllStringSubmatch(string(raw), -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			_, aresp, ab, err := fetch(hc, base+m[1], map[string]string{"Accept-Encoding": "gzip"})
			if err != nil || aresp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("GET %s: %v %v", m[1], status(aresp), err)
			}
			wt.total += len(ab)
			wt.assets = append(wt.assets, fmt.Sprintf("%s %d B", m[1], len(ab)))
		}
		out = append(out, wt)
	}
	return out, nil
}

func (r weightResult) report() {
	fmt.Printf("## Page weight with 100k records (goal: ≤ 30 KiB gzipped each)\n\n")
	fmt.Printf("Bodies as sent with `Accept-Encoding: gzip` to the reviewer; first load counts every stylesheet, script and icon linked, once.\n\n")
	fmt.Printf("| Page | What | HTML | HTML gzip | First load gzip | Budget used |\n|---|---|---|---|---|---|\n")
	for _, w := range r {
		fmt.Printf("| `%s` | %s | %s B | %s B | %s B | %.0f%% |\n", w.page, w.what, thousands(w.html), thousands(w.gzipd), thousands(w.total), 100*float64(w.total)/(30*1024))
	}
	if len(r) > 0 {
		fmt.Printf("\nAssets of the first page: %s.\n\n", strings.Join(r[0].assets, ", "))
	}
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
