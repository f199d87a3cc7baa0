package publish

import (
	"container/list"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/faro-project/faro/internal/web"
)

// siteCache keeps the data of the last few rendered public pages, keyed by
// dataset version, language and canonical query: the map and the charts
// cost tens of milliseconds to build from 100k rows, and visitors ask for
// the same few views. Bounded, least recently used out first. Only the
// page's content is kept; the layout around it (with the visitor's CSRF
// token) is rendered for each request.
type siteCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *siteEntry, most recent first
	byKey map[string]*list.Element
}

type siteEntry struct {
	key  string
	data any
}

func newSiteCache(max int) *siteCache {
	return &siteCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *siteCache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*siteEntry).data, true
}

func (c *siteCache) put(key string, data any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		e.Value.(*siteEntry).data = data
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&siteEntry{key: key, data: data})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*siteEntry).key)
	}
}

func (c *siteCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// siteETag names one rendering of a public page. Besides the dataset
// version, the language and the query, it covers who is looking: the
// page carries the visitor's CSRF token (in the language form) and, when
// signed in, the account menu, so a browser that signs in or gets a new
// token must not reuse its old copy. It is weak: gzip may change the bytes.
func siteETag(r *http.Request, version, lang, query string) string {
	st := web.StateOf(r)
	var uid int64
	if u := web.User(r); u != nil {
		uid = u.ID
	}
	h := sha256.New()
	for _, part := range []string{version, lang, r.URL.Path, query, st.CSRF, strconv.FormatInt(uid, 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return `W/"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// siteCacheHeaders lets browsers and caches keep a public page for a minute,
// replacing the no-store every page gets by default (these pages hold
// only public data), and answers 304 when the browser's copy is current.
// It reports whether it did.
func siteCacheHeaders(w http.ResponseWriter, r *http.Request, etag string) (notModified bool) {
	h := w.Header()
	if web.User(r) != nil || len(h.Values("Set-Cookie")) > 0 {
		// The account menu is the visitor's own, and a shared cache must
		// not hand one visitor's new cookie (a first visit's CSRF token)
		// to the next: browser cache only.
		h.Set("Cache-Control", "private, max-age=60")
	} else {
		h.Set("Cache-Control", "public, max-age=60")
	}
	h.Add("Vary", "Accept-Language")
	h.Add("Vary", "Cookie")
	h.Set("ETag", etag)
	if siteETagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// siteETagMatch applies If-None-Match's weak comparison (RFC 9110 §13.1.2).
func siteETagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
