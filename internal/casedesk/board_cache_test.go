package casedesk

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
)

type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) now() time.Time      { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeNow) add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

func renderAs(n *atomic.Int32, body string) func() ([]byte, error) {
	return func() ([]byte, error) { n.Add(1); return []byte(body), nil }
}

// TestBoardCacheSingleFlight: 200 concurrent misses of one key render once
// and all get that render.
func TestBoardCacheSingleFlight(t *testing.T) {
	c := newBoardCache(time.Now)
	var n atomic.Int32
	release := make(chan struct{})
	render := func() ([]byte, error) {
		n.Add(1)
		<-release
		return []byte("board"), nil
	}
	k := boardKey{version: 1, lang: "en", role: auth.Viewer}
	var wg sync.WaitGroup
	var bad atomic.Int32
	for range 200 {
		wg.Go(func() {
			b, err := c.get(k, render)
			if err != nil || string(b) != "board" {
				bad.Add(1)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let them all queue behind the first
	close(release)
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d callers got something else than the render", bad.Load())
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d renders for 200 concurrent misses, want 1", got)
	}
}

// TestBoardCacheKeepsRolesApart: a copy rendered for a documenter is never
// served to a viewer (nor to another language), whatever the order.
func TestBoardCacheKeepsRolesApart(t *testing.T) {
	c := newBoardCache(time.Now)
	var n atomic.Int32
	doc := boardKey{version: 3, lang: "en", role: auth.Documenter}
	if b, _ := c.get(doc, renderAs(&n, "for-documenter")); string(b) != "for-documenter" {
		t.Fatal("documenter render not returned")
	}
	for _, role := range []auth.Role{auth.Viewer, auth.Reviewer, auth.Coordinator, auth.Admin} {
		k := doc
		k.role = role
		if b, _ := c.get(k, renderAs(&n, "for-"+string(role))); string(b) != "for-"+string(role) {
			t.Errorf("%s got a copy rendered for another role", role)
		}
	}
	es := doc
	es.lang = "es"
	if b, _ := c.get(es, renderAs(&n, "es")); string(b) != "es" {
		t.Error("Spanish reader got the English copy")
	}
	if b, _ := c.get(doc, renderAs(&n, "again")); string(b) != "for-documenter" {
		t.Error("the documenter's copy was not kept")
	}
	if n.Load() != 6 {
		t.Errorf("%d renders, want 6", n.Load())
	}
}

// TestBoardCacheVersionAndTTL: a new version renders again and drops the
// older copies; a copy older than the TTL renders again.
func TestBoardCacheVersionAndTTL(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)}
	c := newBoardCache(clk.now)
	var n atomic.Int32
	k := boardKey{version: 1, lang: "en", role: auth.Viewer}
	c.get(k, renderAs(&n, "v1"))
	k2 := k
	k2.version = 2
	if b, _ := c.get(k2, renderAs(&n, "v2")); string(b) != "v2" {
		t.Error("a new version served the old copy")
	}
	if c.size() != 1 {
		t.Errorf("%d copies after a new version, want 1", c.size())
	}
	clk.add(boardTTL - time.Second)
	if b, _ := c.get(k2, renderAs(&n, "v2b")); string(b) != "v2" {
		t.Error("a fresh copy was rendered again")
	}
	clk.add(2 * time.Second)
	if b, _ := c.get(k2, renderAs(&n, "v2c")); string(b) != "v2c" {
		t.Error("a copy older than the TTL was served")
	}
}

// TestBoardCacheBounded: many languages and roles at once never keep more
// than boardMaxEntries copies.
func TestBoardCacheBounded(t *testing.T) {
	c := newBoardCache(time.Now)
	var n atomic.Int32
	for i := range 3 * boardMaxEntries {
		c.get(boardKey{version: 1, lang: "l" + strconv.Itoa(i), role: auth.Viewer}, renderAs(&n, "x"))
		if c.size() > boardMaxEntries {
			t.Fatalf("%d copies kept, bound is %d", c.size(), boardMaxEntries)
		}
	}
}

// TestBoardCacheDrop: drop forgets every copy, and a render that was under
// way when it came is not kept; failed renders are never kept.
func TestBoardCacheDrop(t *testing.T) {
	c := newBoardCache(time.Now)
	var n atomic.Int32
	k := boardKey{version: 1, lang: "en", role: auth.Viewer}
	c.get(k, renderAs(&n, "a"))
	c.drop()
	if c.size() != 0 {
		t.Fatal("drop kept copies")
	}
	b, _ := c.get(k, func() ([]byte, error) { c.drop(); return []byte("during"), nil })
	if string(b) != "during" || c.size() != 0 {
		t.Error("a render under way at the drop was kept")
	}
	if _, err := c.get(k, func() ([]byte, error) { return nil, errors.New("sealed") }); err == nil || c.size() != 0 {
		t.Error("a failed render was kept or its error lost")
	}
}
