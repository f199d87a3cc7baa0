package live_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

func recv(t *testing.T, ch <-chan live.Event) live.Event {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return live.Event{}
}

func none(t *testing.T, ch <-chan live.Event) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("unexpected event on topic %q", e.Topic)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestLocalPubSub(t *testing.T) {
	b := live.NewLocal()
	defer b.Close()
	ctx := context.Background()
	board, stop := b.Subscribe("board")
	board2, stop2 := b.Subscribe("board")
	defer stop2()
	other, stopOther := b.Subscribe("other")
	defer stopOther()

	if err := b.Publish(ctx, "board", "case:12:v3"); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []<-chan live.Event{board, board2} {
		if e := recv(t, ch); e != (live.Event{Topic: "board", Data: "case:12:v3"}) {
			t.Errorf("got %+v", e)
		}
	}
	none(t, other)

	stop()
	stop() // twice is harmless
	if _, ok := <-board; ok {
		t.Error("channel still open after unsubscribe")
	}
	if err := b.Publish(ctx, "board", "x"); err != nil {
		t.Fatal(err)
	}
	recv(t, board2)
}

func TestPublishRejectsMisuse(t *testing.T) {
	b := live.NewLocal()
	ctx := context.Background()
	for _, topic := range []string{"", "*", "a\nb", "a\rb"} {
		if err := b.Publish(ctx, topic, "1"); !errors.Is(err, live.ErrBadTopic) {
			t.Errorf("topic %q: err %v", topic, err)
		}
	}
	if err := b.Publish(ctx, "board", strings.Repeat("x", live.MaxPayload)); !errors.Is(err, live.ErrTooLarge) {
		t.Errorf("large payload: err %v", err)
	}
	if err := b.Publish(ctx, "board", "a\x00b"); !errors.Is(err, live.ErrBadData) {
		t.Errorf("NUL: err %v", err)
	}
	b.Close()
	if err := b.Publish(ctx, "board", "1"); !errors.Is(err, live.ErrClosed) {
		t.Errorf("after close: err %v", err)
	}
}

// A subscriber that never reads must cost publishers nothing, and when it
// reads again it sees the newest events, not the oldest.
func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	b := live.NewLocal()
	defer b.Close()
	slow, stopSlow := b.Subscribe("board")
	defer stopSlow()
	fast, stopFast := b.Subscribe("board")
	defer stopFast()

	const n = 1000
	done := make(chan struct{})
	got := make(chan int, 1)
	go func() {
		last := -1
		for e := range fast {
			last, _ = strconv.Atoi(e.Data)
			if last == n-1 {
				break
			}
		}
		got <- last
	}()
	go func() {
		defer close(done)
		for i := range n {
			if err := b.Publish(context.Background(), "board", strconv.Itoa(i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publisher blocked by a subscriber that does not read")
	}
	if last := <-got; last != n-1 {
		t.Errorf("fast subscriber ended at %d", last)
	}
	var last live.Event
	count := 0
	for {
		select {
		case e := <-slow:
			last = e
			count++
			continue
		default:
		}
		break
	}
	if count == 0 || count > 64 || last.Data != strconv.Itoa(n-1) {
		t.Errorf("slow subscriber holds %d events ending with %q; want a few ending with the newest", count, last.Data)
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	b := live.NewLocal()
	ch, stop := b.Subscribe("board")
	b.Close()
	b.Close()
	if _, ok := <-ch; ok {
		t.Error("channel open after Close")
	}
	stop() // after Close: harmless
	late, _ := b.Subscribe("board")
	if _, ok := <-late; ok {
		t.Error("subscription after Close is open")
	}
	select {
	case <-b.Closing():
	default:
		t.Error("Closing not closed")
	}
}

func TestNewPicksBrokerByDatabase(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		b := live.New(db, nil)
		defer b.Close()
		_, isLocal := b.(*live.Local)
		_, isPG := b.(*live.Postgres)
		if db.Dialect == store.SQLite && !isLocal || db.Dialect == store.Postgres && !isPG {
			t.Errorf("%s: got %T", db.Dialect, b)
		}
	})
}
