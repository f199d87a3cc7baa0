package casedesk

import (
	"sync"
	"time"

	"github.com/faro-project/faro/internal/auth"
)

// The board fragment (GET /cases?part=board) is fetched again by every
// open board on every change: 200 boards meant 200 renders of the same
// thing, each decrypting every open case and drawing the map. The cache
// renders it once per change and serves that copy to everyone who would
// get the same bytes.
//
// What makes two fragments equal is the key: the board version (bumped
// by the store after every change it publishes, and on every board event
// from another process), the language, and the viewer's role. The
// fragment holds no CSRF token and no per-session value today; the role
// is in the key, whole, so that a later template line showing more to
// higher roles can never leak a documenter's copy to a viewer.
const (
	// boardTTL keeps relative times ("12 min ago") and the hour-without-
	// contact flag close to right without any change happening.
	boardTTL = 20 * time.Second
	// boardMaxEntries bounds memory: versions × languages × roles.
	boardMaxEntries = 64
)

type boardKey struct {
	version uint64
	lang    string
	role    auth.Role
}

type boardEntry struct {
	body []byte
	at   time.Time
}

// boardCall is one render in progress; others wanting the same key wait
// for it instead of rendering again (single flight).
type boardCall struct {
	done chan struct{}
	body []byte
	err  error
}

type boardCache struct {
	now func() time.Time

	mu      sync.Mutex
	gen     uint64 // bumped by drop: renders begun before it are not kept
	renders uint64 // renders done (tests, benchmark)
	entries map[boardKey]boardEntry
	flight  map[boardKey]*boardCall
}

func newBoardCache(now func() time.Time) *boardCache {
	return &boardCache{now: now, entries: map[boardKey]boardEntry{}, flight: map[boardKey]*boardCall{}}
}

// get returns the fragment for k, rendering it with render when no fresh
// copy exists. Concurrent callers with the same key share one render.
func (c *boardCache) get(k boardKey, render func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.entries[k]; ok && c.now().Sub(e.at) < boardTTL {
		c.mu.Unlock()
		return e.body, nil
	}
	if call, ok := c.flight[k]; ok {
		c.mu.Unlock()
		<-call.done
		return call.body, call.err
	}
	call := &boardCall{done: make(chan struct{})}
	c.flight[k] = call
	gen := c.gen
	c.renders++
	c.mu.Unlock()

	at := c.now()
	call.body, call.err = render()

	c.mu.Lock()
	delete(c.flight, k)
	// A seal during the render dropped the cache: what was decrypted
	// before it goes to the requests that asked, and is not kept.
	if call.err == nil && gen == c.gen {
		c.put(k, boardEntry{body: call.body, at: at})
	}
	c.mu.Unlock()
	close(call.done)
	return call.body, call.err
}

// put stores e, first dropping copies of older versions and expired ones
// (c.mu held). If the cache is still full it starts over: a full cache
// means many languages and roles at once, and one render each is cheap.
func (c *boardCache) put(k boardKey, e boardEntry) {
	now := c.now()
	for old, x := range c.entries {
		if old.version < k.version || now.Sub(x.at) >= boardTTL {
			delete(c.entries, old)
		}
	}
	if len(c.entries) >= boardMaxEntries {
		clear(c.entries)
	}
	c.entries[k] = e
}

// drop forgets every copy: called when the vault seals, so no decrypted
// board outlives the key.
func (c *boardCache) drop() {
	c.mu.Lock()
	c.gen++
	clear(c.entries)
	c.mu.Unlock()
}

// rendered is how many renders the cache has done (tests, benchmark).
func (c *boardCache) rendered() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.renders
}

// size is how many copies are kept (tests).
func (c *boardCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
