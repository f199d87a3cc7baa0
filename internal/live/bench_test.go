package live_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

const streams = 200

// BenchmarkFanout200Streams measures publish→receive latency of a board
// update with 200 open pages, per page and event: over real HTTP event
// streams (through the whole web middleware stack) and, as the bare
// baseline in the same run, over the broker's channels without HTTP. On
// PostgreSQL the event also travels NOTIFY → LISTEN. Each iteration
// publishes one event and waits until every stream has it (or 5 s).
//
//	go test -run XXX -bench Fanout200 -benchtime 200x ./internal/live/
func BenchmarkFanout200Streams(b *testing.B) {
	b.Run("sqlite/channels", func(b *testing.B) { measure(b, live.NewLocal(), false) })
	b.Run("sqlite/sse", func(b *testing.B) { measure(b, live.NewLocal(), true) })
	if os.Getenv(storetest.Env) == "" {
		b.Log(storetest.Env + " not set: PostgreSQL skipped")
		return
	}
	b.Run("postgres/channels", func(b *testing.B) { measure(b, pgBroker(b), false) })
	b.Run("postgres/sse", func(b *testing.B) { measure(b, pgBroker(b), true) })
}

func pgBroker(b *testing.B) *live.Postgres {
	db, err := store.Open(context.Background(), storetest.PostgresDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	p := live.NewPostgres(db, nil)
	go p.Run(ctx)
	b.Cleanup(cancel)
	<-p.Ready()
	return p
}

type closer interface {
	live.Broker
	Close()
}

func measure(b *testing.B, br closer, overHTTP bool) {
	defer br.Close()
	topic := uniqueTopic("bench")
	received := make(chan time.Duration, streams*4)
	var wg sync.WaitGroup
	// Every client turns what it hears into a latency: the data is the
	// publish time, and sender and receivers share this process's clock.
	consume := func(data string) {
		ns, err := strconv.ParseInt(data, 10, 64)
		if err == nil {
			received <- time.Duration(time.Now().UnixNano() - ns)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if overHTTP {
		ts := sseServer(b, br, topic)
		for range streams {
			_, msgs := openStream(b, ctx, ts.URL)
			if m := <-msgs; m.Retry == "" {
				b.Fatal("stream did not start")
			}
			wg.Go(func() {
				for m := range msgs {
					if m.Topic == topic {
						consume(m.Data)
					}
				}
			})
		}
	} else {
		for range streams {
			ch, stop := br.Subscribe(topic)
			defer stop()
			wg.Go(func() {
				for e := range ch {
					consume(e.Data)
				}
			})
		}
	}

	lat := make([]time.Duration, 0, b.N*streams)
	missed := 0
	b.ResetTimer()
	for b.Loop() {
		if err := br.Publish(ctx, topic, strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
			b.Fatal(err)
		}
		timeout := time.After(5 * time.Second)
	wait:
		for got := 0; got < streams; got++ {
			select {
			case d := <-received:
				lat = append(lat, d)
			case <-timeout:
				missed += streams - got
				break wait
			}
		}
	}
	b.StopTimer()
	cancel()
	br.Close()
	slices.Sort(lat)
	if len(lat) > 0 {
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
		}
		b.ReportMetric(q(0.50), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	}
	b.ReportMetric(float64(missed), "missed")
}
