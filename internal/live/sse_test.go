package live_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/web"
)

// sseServer serves ServeSSE behind Faro's whole middleware stack (gzip,
// security headers, request log), as the app will.
func sseServer(t testing.TB, b live.Broker, topics ...string) *httptest.Server {
	t.Helper()
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.New(web.Config{InstanceName: "Faro"}, auth.New(nil), bundle, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s.Router.Handle("GET /live", web.Public, func(w http.ResponseWriter, r *http.Request) {
		live.ServeSSE(w, r, b, topics...)
	})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// openStream connects like a browser would (asking for gzip) and returns
// the parsed messages.
func openStream(t testing.TB, ctx context.Context, url string) (*http.Response, <-chan sseMessage) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/live", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	out := make(chan sseMessage, 64)
	go readSSE(resp.Body, out)
	return resp, out
}

func next(t *testing.T, ch <-chan sseMessage, skipComments bool) sseMessage {
	t.Helper()
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatal("stream ended")
			}
			if m.Comment && skipComments {
				continue
			}
			return m
		case <-time.After(5 * time.Second):
			t.Fatal("nothing on the stream within 5 s")
		}
	}
}

func TestServeSSEStreamsEventsThroughMiddleware(t *testing.T) {
	b := live.NewLocal()
	defer b.Close()
	ts := sseServer(t, b, "board", "case:9")
	resp, msgs := openStream(t, context.Background(), ts.URL)

	h := resp.Header
	if resp.StatusCode != http.StatusOK || h.Get("Content-Type") != "text/event-stream" ||
		h.Get("Cache-Control") != "no-store" || h.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, h)
	}
	if enc := h.Get("Content-Encoding"); enc != "" {
		t.Errorf("event stream sent with Content-Encoding %q", enc)
	}
	if m := next(t, msgs, true); m.Retry != "2000" {
		t.Fatalf("first message %+v, want retry: 2000", m)
	}
	ctx := context.Background()
	// Each event must arrive on its own, without waiting for more bytes:
	// nothing between handler and client may buffer.
	for _, e := range []live.Event{{Topic: "board", Data: "12"}, {Topic: "case:9", Data: "v4\nsecond"}, {Topic: "board", Data: ""}} {
		if err := b.Publish(ctx, e.Topic, e.Data); err != nil {
			t.Fatal(err)
		}
		if m := next(t, msgs, true); m.Event != e {
			t.Errorf("got %+v, want %+v", m.Event, e)
		}
	}
	if err := b.Publish(ctx, "elsewhere", "1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "board", "13"); err != nil {
		t.Fatal(err)
	}
	if m := next(t, msgs, true); m.Data != "13" {
		t.Errorf("an unsubscribed topic reached the stream: %+v", m.Event)
	}
}

func TestServeSSEHeartbeat(t *testing.T) {
	defer live.SetTimings(30*time.Millisecond, time.Second)()
	b := live.NewLocal()
	defer b.Close()
	ts := sseServer(t, b, "board")
	_, msgs := openStream(t, context.Background(), ts.URL)
	next(t, msgs, true) // retry
	if m := next(t, msgs, false); !m.Comment {
		t.Errorf("idle stream sent %+v, want a heartbeat comment", m)
	}
}

// Shutdown must not wait 30 s for streams that never end: closing the
// broker from RegisterOnShutdown ends them.
func TestShutdownEndsStreams(t *testing.T) {
	b := live.NewLocal()
	ts := sseServer(t, b, "board")
	_, msgs := openStream(t, context.Background(), ts.URL)
	next(t, msgs, true)
	ts.Config.RegisterOnShutdown(b.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.Config.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v after %s", err, time.Since(start))
	}
	for m := range msgs {
		_ = m
	}
}

func TestServeSSEEndsWhenClientGoes(t *testing.T) {
	b := live.NewLocal()
	defer b.Close()
	ts := sseServer(t, b, "board")
	ctx, cancel := context.WithCancel(context.Background())
	_, msgs := openStream(t, ctx, ts.URL)
	next(t, msgs, true)
	cancel()
	// The handler unsubscribes when the client has gone; publishing keeps
	// working and, eventually, nobody is subscribed.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := b.Publish(context.Background(), "board", "1"); err != nil {
			t.Fatal(err)
		}
		if live.Subscribers(b) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("handler still subscribed after the client left")
}

func FuzzSSEFormat(f *testing.F) {
	for _, s := range []string{"12", "a\nb", "a\r\nb\rc", "", "\n\n", "event: x\n\ndata: y"} {
		f.Add("board", s)
	}
	f.Fuzz(func(t *testing.T, topic, data string) {
		if live.CheckEvent(topic, data) != nil {
			return
		}
		out := make(chan sseMessage, 4)
		readSSE(strings.NewReader(live.Format(live.Event{Topic: topic, Data: data})), out)
		var got []sseMessage
		for m := range out {
			got = append(got, m)
		}
		want := strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
		if len(got) != 1 || got[0].Data != want || got[0].Topic != topic {
			t.Fatalf("event does not survive the stream: %d messages", len(got))
		}
	})
}
