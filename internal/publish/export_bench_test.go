package publish

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// ptSeed fills a fresh SQLite database with n public records shaped like
// the IOM rows (text, counts, positions, a raw row).
func ptSeed(b *testing.B, n int) *Store {
	b.Helper()
	db := storetest.SQLite(b, migrations.All())
	raw := `{"Web ID":"1","Region of Incident":"Mediterranean","Reported Date":"December 30, 2019","Number Dead":"1","Location Description":"Unspecified location off the coast of Algeria","Location Coordinates":"35.568972356329, -1.289773129748"}`
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			_, err := tx.Exec(context.Background(), `INSERT INTO public_records (source, source_id, type, occurred_on, date_precision,
				year, month, lat, lon, place, country, region, route, cause, dead, missing, dead_and_missing, origins, attribution,
				licence, url, raw, updated_at) VALUES (?, ?, 'death', ?, 'day', ?, ?, ?, ?, ?, 'Algeria', 'Mediterranean',
				'Western Mediterranean', 'Drowning', ?, NULL, ?, 'Unknown', 'IOM Missing Migrants Project', 'CC BY 4.0',
				'https://bit.ly/2FqQHo4', ?, 0)`,
				SourceMMP, fmt.Sprint(i), fmt.Sprintf("%d-%02d-%02d", 2014+i%6, 1+i%12, 1+i%28), 2014+i%6, 1+i%12,
				35+float64(i%1000)/1000, -1.2-float64(i%700)/1000, fmt.Sprintf("Unspecified location off the coast of Algeria %d", i),
				1+i%5, 1+i%5, raw)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return NewStore(db)
}

type ptCounter struct{ n int64 }

func (c *ptCounter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// ptPeakHeap samples HeapInuse every millisecond while fn runs and
// returns the peak above what was in use before.
func ptPeakHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// BenchmarkExport streams the open data files from 1k, 10k and 100k
// records. Memory must stay flat as the count grows: see peak-heap-MB.
// "scan" is the bare baseline: the same rows read and dropped.
//
//	go test -run XXX -bench BenchmarkExport -benchtime 3x ./internal/publish/
func BenchmarkExport(b *testing.B) {
	writers := []struct {
		name string
		fn   func(ctx context.Context, w io.Writer, s *Store) error
	}{
		{"scan", func(ctx context.Context, w io.Writer, s *Store) error {
			return s.Each(ctx, Filter{}, func(*Record) error { return nil })
		}},
		{"csv", func(ctx context.Context, w io.Writer, s *Store) error { return WriteCSV(ctx, w, s, Filter{}) }},
		{"geojson", func(ctx context.Context, w io.Writer, s *Store) error { return WriteGeoJSON(ctx, w, s, Filter{}, "n") }},
		{"json", func(ctx context.Context, w io.Writer, s *Store) error { return WriteJSON(ctx, w, s, Filter{}, "n") }},
		{"mmp", func(ctx context.Context, w io.Writer, s *Store) error { return WriteMMP(ctx, w, s, Filter{}) }},
	}
	for _, n := range []int{1_000, 10_000, 100_000} {
		st := ptSeed(b, n)
		for _, wr := range writers {
			b.Run(fmt.Sprintf("%s/records=%d", wr.name, n), func(b *testing.B) {
				var out ptCounter
				var peak uint64
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					out.n = 0
					p := ptPeakHeap(func() {
						if err := wr.fn(context.Background(), &out, st); err != nil {
							b.Fatal(err)
						}
					})
					peak = max(peak, p)
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(out.n)/(1<<20), "out-MB")
				b.SetBytes(out.n)
			})
		}
	}
}
