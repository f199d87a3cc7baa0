package casedesk_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
)

// boardClients is how many open boards the benchmark keeps.
const boardClients = 200

// round is one change: a case opened at t0, which every board must show.
type round struct {
	ref  string
	t0   time.Time
	mu   sync.Mutex
	lat  []time.Duration
	left atomic.Int32
	done chan struct{}
}

func (r *round) seen(at time.Time) {
	r.mu.Lock()
	r.lat = append(r.lat, at.Sub(r.t0))
	r.mu.Unlock()
	if r.left.Add(-1) == 0 {
		close(r.done)
	}
}

// boardClient does what board.js does: one EventSource on /cases/events;
// on any event, fetch /cases?part=board again (one fetch at a time; events
// arriving during a fetch cause one more fetch after it).
type boardClient struct {
	hc    *http.Client
	base  string
	token string
	cur   *atomic.Pointer[round]
	last  *round // the round this client has already reported
}

func (c *boardClient) get(ctx context.Context, path string, accept string) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "FaroBench/1.0")
	req.AddCookie(&http.Cookie{Name: "faro_session", Value: c.token})
	return c.hc.Do(req)
}

// stream opens the event stream and returns once it is established; the
// fetch loop runs until ctx ends.
func (c *boardClient) stream(ctx context.Context, tb testing.TB) {
	res, err := c.get(ctx, "/cases/events", "text/event-stream")
	if err != nil || res.StatusCode != http.StatusOK {
		tb.Fatalf("event stream: %v %v", err, res)
	}
	kick := make(chan struct{}, 1)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data:") {
				select {
				case kick <- struct{}{}:
				default: // a fetch is already due: it will see this change too
				}
			}
		}
	}()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-kick:
			}
			r := c.cur.Load()
			res, err := c.get(ctx, "/cases?part=board", "text/html")
			if err != nil {
				continue
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			at := time.Now()
			if r != nil && r != c.last && strings.Contains(string(body), r.ref) {
				c.last = r
				r.seen(at)
			}
		}
	}()
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkBoardLive200 measures what a hotline volunteer waits for: from
// a case being opened (the store call) to the refreshed board fragment
// received by each of 200 open boards, through Faro's whole handler
// (session, middleware, SSE, board rendering). Each iteration opens one
// case and waits until every board has a fragment holding its reference
// (at most 10 s; late boards count as missed). Baseline: one board
// fragment fetched alone, with no streams open, in the same run: rendered
// (bare-fetch) and served from the board cache (cached-fetch).
// renders/change counts the renders the cache did per change (one per
// board version reached; 200 without the cache).
//
//	go test -run XXX -bench BoardLive200 -benchtime 30x ./internal/casedesk/
func BenchmarkBoardLive200(b *testing.B) {
	for _, engine := range apptest.Engines() {
		b.Run(engine, func(b *testing.B) { benchBoardLive(b, engine) })
	}
}

func benchBoardLive(b *testing.B, engine string) {
	e := newEnv(b, engine)
	srv := e.server(b)
	u := e.user(b, "vic", auth.Viewer)
	doc := e.user(b, "dana", auth.Documenter)
	token, err := e.Auth.NewSessionFor(e.ctx, u, "FaroBench/1.0")
	if err != nil {
		b.Fatal(err)
	}
	// A working night's board: ten open cases before the measured ones.
	for i := range 10 {
		e.openSea(b, doc, "CM", casedesk.Details{}, fixAt(34+float64(i)/10, 12))
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * boardClients, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	// Baseline: one fragment alone, rendered (the cache dropped before
	// each fetch), then served from the cache.
	base := &boardClient{hc: hc, base: srv.URL, token: token}
	var bare, hit []time.Duration
	for i := range 100 {
		if i < 50 {
			e.CasePages.DropBoardCache()
		}
		t0 := time.Now()
		res, err := base.get(e.ctx, "/cases?part=board", "text/html")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if i < 50 {
			bare = append(bare, time.Since(t0))
		} else {
			hit = append(hit, time.Since(t0))
		}
	}

	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	// The server runs the broker's listener (RunWorkers); apptest does
	// not: on PostgreSQL nothing would reach the streams without it.
	go e.Live.Run(ctx)
	var cur atomic.Pointer[round]
	for range boardClients {
		c := &boardClient{hc: hc, base: srv.URL, token: token, cur: &cur}
		c.stream(ctx, b)
	}
	time.Sleep(500 * time.Millisecond) // every stream subscribed, LISTEN running

	var all []time.Duration
	missed := 0
	renders0 := e.CasePages.BoardRenders()
	b.ResetTimer()
	for range b.N {
		c := &casedesk.Case{Kind: casedesk.KindSea, Region: "CM", Phase: casedesk.PhaseDistress}
		r := &round{done: make(chan struct{})}
		r.left.Store(boardClients)
		// The reference is known only once opened; boards fetching before
		// that cannot show it anyway.
		r.t0 = time.Now()
		ref, err := nextRef(e, c)
		if err != nil {
			b.Fatal(err)
		}
		r.ref = ref
		cur.Store(r)
		if err := e.Cases.Open(e.as(doc), c, fixAt(35, 13)); err != nil {
			b.Fatal(err)
		}
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
		}
		r.mu.Lock()
		missed += boardClients - len(r.lat)
		all = append(all, r.lat...)
		r.mu.Unlock()
	}
	b.StopTimer()
	renders := e.CasePages.BoardRenders() - renders0
	cancel()
	e.CloseStreams()
	p50, p99 := percentile(all, 0.50), percentile(all, 0.99)
	b50 := percentile(bare, 0.50)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(percentile(all, 1).Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(b50.Microseconds())/1000, "bare-fetch-p50-ms")
	b.ReportMetric(float64(percentile(hit, 0.50).Microseconds())/1000, "cached-fetch-p50-ms")
	b.ReportMetric(float64(p50)/float64(max(b50, 1)), "p50/bare")
	b.ReportMetric(float64(renders)/float64(b.N), "renders/change")
	b.ReportMetric(float64(missed), "missed")
}

// nextRef predicts the reference Open will give: the day's next number in
// the region. The benchmark's clock is fixed to one day.
func nextRef(e *env, c *casedesk.Case) (string, error) {
	var n int
	err := e.DB.QueryRow(e.ctx, "SELECT COALESCE(MAX(last), 0) FROM case_seq WHERE region = ?", c.Region).Scan(&n)
	return fmt.Sprintf("%s-%s-%03d", day.Format("2006-01-02"), c.Region, n+1), err
}
