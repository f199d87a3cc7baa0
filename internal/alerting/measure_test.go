package alerting_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/jobs"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/responders"
)

var (
	fanout        = flag.Int("fanout", 0, "TestMeasureFanout: number of webhook responders (0: skip)")
	fanoutProfile = flag.String("fanoutprofile", "", "TestMeasureFanout: directory for CPU profiles of each timed phase (faro-DB.prof, bare-DB.prof)")
)

// phaseProfile starts a CPU profile of one timed phase when -fanoutprofile
// is set, and returns what stops it.
func phaseProfile(t *testing.T, name string) func() {
	if *fanoutProfile == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(*fanoutProfile, name+".prof"))
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		t.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// TestMeasureFanout measures one alert to -fanout webhook responders on
// loopback: time from opening the case until the last delivery arrives,
// against a bare worker pool of the same concurrency posting the same
// signed requests to the same receiver, in the same run. It reports; it
// never fails on time.
//
//	go test ./internal/alerting -run TestMeasureFanout -fanout 10000 -v
func TestMeasureFanout(t *testing.T) {
	if *fanout == 0 {
		t.Skip("measurement: run with -fanout N")
	}
	eachDB(t, func(t *testing.T, dsn string) {
		n := *fanout
		var got atomic.Int64
		done := make(chan struct{})
		var once sync.Once
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if got.Add(1) == int64(n) {
				once.Do(func() { close(done) })
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer recv.Close()

		a := newApp(t, t.TempDir(), dsn, notify.Config{}, true)
		defer a.Close()
		ctx := context.Background()
		start := time.Now()
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = addResponder(t, a, &responders.Responder{Name: fmt.Sprintf("Responder %d", i), Kind: responders.KindVolunteer,
				Channels: []responders.Channel{{Channel: "webhook", Address: fmt.Sprintf("%s/r/%d", recv.URL, i), Secret: []byte("secret")}}})
		}
		addRule(t, a, alerting.Rule{Kinds: []string{"sea"}, Tier: 1, AckMinutes: 600, Responders: ids})
		t.Logf("setup: %d responders in %v", n, time.Since(start).Round(time.Millisecond))
		runWorkers(t, a)

		db := filepath.Base(t.Name())
		stop := phaseProfile(t, "faro-"+db)
		t0 := time.Now()
		c := openSeaCase(t, a, "+8821600000000")
		dispatched := time.Since(t0)
		<-done
		faro := time.Since(t0)
		stop()
		ds, _ := a.Alerts.Deliveries(ctx, c.ID)
		if len(ds) != n {
			t.Errorf("%d deliveries, want %d", len(ds), n)
		}

		// The bare loop: the same signed JSON, the same concurrency.
		got.Store(0)
		done = make(chan struct{})
		once = sync.Once{}
		body := []byte(`{"event":"faro.alert","template":"distress","ref":"` + c.Ref + `","kind":"sea","phase":"distress",` +
			`"position":"35.56890, 12.60120","people_on_board":"47","lang":"en","text":"MAYDAY relay: 47 people, position 35.56890, 12.60120","ack_url":"https://faro.test/ack/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`)
		client := &http.Client{Timeout: notify.DefaultTimeout}
		stop = phaseProfile(t, "bare-"+db)
		t1 := time.Now()
		work := make(chan int)
		var wg sync.WaitGroup
		for range jobs.DefaultConcurrency {
			wg.Go(func() {
				for i := range work {
					req, _ := http.NewRequest("POST", fmt.Sprintf("%s/r/%d", recv.URL, i), bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set(notify.SignatureHeader, notify.Sign([]byte("secret"), body, time.Now()))
					resp, err := client.Do(req)
					if err != nil {
						t.Error(err)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
		<-done
		bare := time.Since(t1)
		stop()
		t.Logf("fan-out to %d webhooks: faro %v (dispatch transaction %v), bare loop %v, ratio %.1f×",
			n, faro.Round(time.Millisecond), dispatched.Round(time.Millisecond), bare.Round(time.Millisecond), float64(faro)/float64(bare))
	})
}
