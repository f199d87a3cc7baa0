package publish_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/publish"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// benchRecords is the size of the public dataset the site is measured on.
const benchRecords = 100_000

// insertBenchRecords fills public_records with n generated, MMP-like rows,
// straight into the table (the Store's one-by-one upsert would take
// minutes), and bumps the dataset version once.
func insertBenchRecords(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	type area struct {
		lat, lon, dlat, dlon float64
		route, region        string
	}
	areas := []area{
		{34, 15, 4, 10, "Central Mediterranean", "Mediterranean"},
		{36, -4, 2, 6, "Western Mediterranean", "Mediterranean"},
		{38, 26, 3, 4, "Eastern Mediterranean", "Mediterranean"},
		{31, -108, 3, 10, "US-Mexico border crossing", "North America"},
		{15, 40, 6, 8, "Horn of Africa to Yemen", "Middle East"},
		{20, 0, 8, 15, "Sahara crossing", "Northern Africa"},
		{8, 98, 6, 6, "Bay of Bengal", "South-eastern Asia"},
		{28, -15, 2, 4, "Atlantic route to the Canaries", "Northern Africa"},
	}
	causes := []string{"Drowning", "Harsh conditions", "Vehicle accident", "Violence", "Sickness", "Unknown", "Hypothermia", "Dehydration"}
	types := []string{"Incident", "Split Incident", "Cumulative Incident"}
	const batch = 400
	now := time.Now().Unix()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for start := 0; start < n; start += batch {
			var sb strings.Builder
			var args []any
			sb.WriteString(`INSERT INTO public_records (source, source_id, type, occurred_on, date_precision, year, month, lat, lon,
				place, country, region, route, cause, dead, missing, dead_and_missing, survivors, attribution, licence, url, raw, updated_at) VALUES `)
			for i := start; i < min(start+batch, n); i++ {
				if i > start {
					sb.WriteString(",")
				}
				sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
				a := areas[rng.IntN(len(areas))]
				y, m, d := 2014+rng.IntN(10), 1+rng.IntN(12), 1+rng.IntN(28)
				dead, missing := rng.IntN(8), rng.IntN(4)
				args = append(args, "iom-mmp", fmt.Sprint(i+1), types[rng.IntN(len(types))],
					fmt.Sprintf("%04d-%02d-%02d", y, m, d), "day", y, m,
					a.lat+(rng.Float64()-0.5)*a.dlat, a.lon+(rng.Float64()-0.5)*a.dlon,
					"Place "+fmt.Sprint(i%5000), "", a.region, a.route, causes[rng.IntN(len(causes))],
					dead, missing, dead+missing, rng.IntN(20), "IOM Missing Migrants Project", "CC BY 4.0",
					"https://missingmigrants.iom.int/", "{}", now)
			}
			if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('publish.version', '1')
			ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)`)
		return err
	})
	if err != nil {
		tb.Fatalf("insert %d records: %v", n, err)
	}
}

// latencies fetches url n times and returns each answer's time, sorted.
func latencies(tb testing.TB, hc *http.Client, url string, n int) []time.Duration {
	tb.Helper()
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		res, err := hc.Get(url)
		if err != nil {
			tb.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			tb.Fatalf("GET %s: %d", url, res.StatusCode)
		}
		out = append(out, time.Since(start))
	}
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p float64) time.Duration { return d[min(len(d)-1, int(float64(len(d))*p))] }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkSite measures the public map and statistics over 100k
// published incidents through a real HTTP round trip (gzip on, as
// browsers ask), against a bare handler on the same machine in the same
// run: warm (the page cache holds the view) and new views (each request a
// view not asked before, so the aggregation and SVG rendering run).
//
//	go test ./internal/publish/ -run '^$' -bench BenchmarkSite -benchtime 1x
func BenchmarkSite(b *testing.B) {
	var opts apptest.Options
	if os.Getenv("FARO_BENCH_POSTGRES") != "" {
		opts.Database = storetest.PostgresDSN(b)
	}
	a, _ := apptest.New(b, opts)
	insertBenchRecords(b, a.DB, benchRecords)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	}))
	defer bare.Close()
	hc := &http.Client{}
	const n = 200
	b.ResetTimer()
	for range b.N {
		base := latencies(b, hc, bare.URL+"/", n)
		report := func(name string, d []time.Duration) {
			b.Logf("%-38s n=%3d p50 %7.2f ms  p95 %7.2f ms  (baseline p95 %.2f ms, ratio %.0f×)", name, len(d),
				ms(pct(d, 0.5)), ms(pct(d, 0.95)), ms(pct(base, 0.95)), float64(pct(d, 0.95))/float64(pct(base, 0.95)))
		}
		report("baseline", base)
		for _, p := range []string{"/public", "/public/stats"} {
			// The first view after the dataset changed reads the
			// per-version aggregates (statistics cube, map positions).
			report("first GET "+p+" (new version)", latencies(b, hc, srv.URL+p, 1))
			d := latencies(b, hc, srv.URL+p, n)
			report("warm GET "+p, d)
			b.ReportMetric(ms(pct(d, 0.95)), "warm-p95-ms"+strings.ReplaceAll(p, "/", "_"))
		}
		// New views: each request a view never asked before (not in the
		// page cache), so the aggregation and the SVG rendering run.
		newViews := func(name, metric string, urls []string) {
			var d []time.Duration
			for _, u := range urls {
				d = append(d, latencies(b, hc, srv.URL+u, 1)...)
			}
			slices.Sort(d)
			report(name, d)
			b.ReportMetric(ms(pct(d, 0.95)), metric)
		}
		var urls []string
		centres := [][2]float64{{34, 15}, {36, -4}, {38, 26}, {31, -108}, {15, 40}, {20, 0}, {8, 98}, {28, -15}}
		for i, span := range []float64{60, 20, 8, 3, 1, 0.4} { // from a region to a town
			for j, c := range centres {
				lat, lon := c[0]+float64(i)*0.13, c[1]+float64(j)*0.07 // no two alike
				urls = append(urls, fmt.Sprintf("/public?bbox=%g,%g,%g,%g", lon-span, lat-span/2, lon+span, lat+span/2))
			}
		}
		newViews("new GET /public?bbox= (zoom)", "new-p95-ms_public_bbox", urls)
		routes := []string{"Central+Mediterranean", "Sahara+crossing", "Bay+of+Bengal", "US-Mexico+border+crossing"}
		urls = urls[:0]
		for y := 2014; y < 2024; y++ {
			urls = append(urls, fmt.Sprintf("/public?year=%d", y))
			for _, r := range routes {
				urls = append(urls, fmt.Sprintf("/public?year=%d&route=%s", y, r))
			}
		}
		newViews("new GET /public?year=&route=", "new-p95-ms_public_filter", urls)
		urls = urls[:0]
		for y := 2014; y < 2024; y++ {
			urls = append(urls, fmt.Sprintf("/public/stats?year=%d", y))
			for _, r := range routes {
				urls = append(urls, fmt.Sprintf("/public/stats?year=%d&route=%s", y, r))
				urls = append(urls, fmt.Sprintf("/public/stats?year=%d&route=%s&cause=Drowning", y, r))
			}
		}
		newViews("new GET /public/stats?year=…", "new-p95-ms_public_stats_filter", urls)

		// A change of the dataset: the next view answers from the
		// previous version while the new one is read in the background
		// (site_snap.go); then how long until the new one is served.
		jar, _ := cookiejar.New(nil)
		visitor := &http.Client{Jar: jar} // one visitor: its ETag changes only with the version
		oldTag := etagOf(b, visitor, srv.URL+"/public")
		lat, lon := 34.5, 15.5
		if _, err := a.Public.Upsert(context.Background(), nil, &publish.Record{Source: publish.SourceMMP,
			SourceID: fmt.Sprintf("bench-change-%d", time.Now().UnixNano()), OccurredOn: "2020-01-01", Lat: &lat, Lon: &lon}); err != nil {
			b.Fatal(err)
		}
		changed := time.Now()
		report("first GET /public after a change", latencies(b, hc, srv.URL+"/public", 1))
		for etagOf(b, visitor, srv.URL+"/public") == oldTag {
			time.Sleep(20 * time.Millisecond)
		}
		b.Logf("%-38s %7.0f ms", "new version served after", ms(time.Since(changed)))
	}
}

// etagOf is the ETag of a GET of u.
func etagOf(b *testing.B, hc *http.Client, u string) string {
	res, err := hc.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.Header.Get("ETag")
}
