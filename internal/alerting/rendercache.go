package alerting

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"time"
)

// A fan-out renders the same template in the same language for thousands
// of responders; the messages differ only in each one's ack link. So a
// message is rendered once per (template, languages, channel, data) with a
// placeholder link, and each delivery's own link is spliced in. Whether
// splicing is exact is checked on the first render of each key, by
// rendering with the real link too and comparing: a template that
// transforms the link (or a link that renders differently) is then always
// rendered in full. Entries live renderTTL and are dropped when the
// responders store reports a change (a template saved).

const (
	renderTTL      = time.Second
	maxRenderCache = 256
)

type renderKey struct {
	gen             uint64
	tmpl, langs, ch string
	data            TemplateData // AckURL is the placeholder's
}

type renderEntry struct {
	r      Rendered // rendered with the placeholder link
	splice bool     // false: splicing is not exact, render in full
}

type renderCache struct {
	mu sync.Mutex
	at time.Time
	m  map[renderKey]*renderEntry
}

// placeholderToken stands for a delivery's ack token in a cached render:
// random per process, shaped like a token (base64url, 43 characters).
var placeholderToken = func() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}()

// render renders tmpl for one delivery, whose data carries its own
// AckURL; holdURL is the same link with placeholderToken for the token.
func (s *Service) render(ctx context.Context, tmpl string, langs []string, channel string, data TemplateData, holdURL string) (Rendered, error) {
	if _, ok := s.Responders.(generational); !ok || holdURL == "" || data.AckURL == "" {
		return s.Responders.Render(ctx, tmpl, langs, channel, data)
	}
	realURL := data.AckURL
	key := renderKey{gen: s.generation(), tmpl: tmpl, langs: strings.Join(langs, "\x00"), ch: channel, data: data}
	key.data.AckURL = holdURL
	c := &s.renders
	c.mu.Lock()
	e := c.m[key]
	if e != nil && time.Since(c.at) >= renderTTL {
		e = nil
	}
	c.mu.Unlock()
	if e != nil {
		if !e.splice {
			return s.Responders.Render(ctx, tmpl, langs, channel, data)
		}
		return splice(e.r, holdURL, realURL), nil
	}
	real, err := s.Responders.Render(ctx, tmpl, langs, channel, data)
	if err != nil {
		return real, err
	}
	held, err := s.Responders.Render(ctx, tmpl, langs, channel, key.data)
	e = &renderEntry{r: held}
	e.splice = err == nil && sameRendered(splice(held, holdURL, realURL), real)
	c.mu.Lock()
	if c.m == nil || time.Since(c.at) >= renderTTL || len(c.m) >= maxRenderCache {
		c.m, c.at = map[renderKey]*renderEntry{}, time.Now()
	}
	c.m[key] = e
	c.mu.Unlock()
	return real, nil
}

func splice(r Rendered, hold, real string) Rendered {
	out := Rendered{Subject: strings.ReplaceAll(r.Subject, hold, real), Text: strings.ReplaceAll(r.Text, hold, real), Lang: r.Lang}
	if r.JSON != nil {
		out.JSON = bytes.ReplaceAll(r.JSON, []byte(hold), []byte(real))
	}
	return out
}

func sameRendered(a, b Rendered) bool {
	return a.Subject == b.Subject && a.Text == b.Text && a.Lang == b.Lang && bytes.Equal(a.JSON, b.JSON)
}
