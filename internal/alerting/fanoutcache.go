package alerting

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// While a fan-out runs, each delivery job needs its responder (decrypted
// name, address, secret) and its rule's template name. dispatch already
// listed and decrypted every responder once; loading each again, one
// query and four decryptions per delivery, was a large share of a
// fan-out's time. So the list is kept for responderTTL, and dropped as
// soon as the responders store says anything changed (Generation), so an
// address corrected during an alert is used by the next delivery. A
// Responders without Generation is never cached.

const (
	responderTTL = time.Minute
	ruleTTL      = time.Second
)

// generational is a Responders that counts its changes.
type generational interface{ Generation() uint64 }

type responderCache struct {
	mu  sync.Mutex
	gen uint64
	at  time.Time
	m   map[int64]*Responder
	// filling is closed when the list being read by fillResponders is in
	// m (nil: none is being read).
	filling chan struct{}
	fillGen uint64 // the generation being read into m
}

// dispatchLister is a Responders that can list without decrypting: ids,
// kinds, activity, and channel ids and kinds only.
type dispatchLister interface {
	ListForDispatch(ctx context.Context) ([]Responder, error)
}

// fillResponders starts reading and decrypting every responder into the
// fan-out cache on its own goroutine, unless the cache already holds a
// fresh list of generation gen or one is being read; a job asking for a
// responder meanwhile waits for it (responder). It reports false, having
// started nothing, when the Responders has no Generation (never cached) or
// a read of an older generation is still running: the caller then lists
// and decrypts itself, as before.
func (s *Service) fillResponders(gen uint64) bool {
	if _, ok := s.Responders.(generational); !ok {
		return false
	}
	c := &s.responders
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.filling != nil {
		// Reading already; of an older generation, it will not serve.
		return c.fillGen == gen
	}
	if c.m != nil && c.gen == gen && time.Since(c.at) < responderTTL/2 {
		return true
	}
	done := make(chan struct{})
	c.filling, c.fillGen = done, gen
	go func() {
		defer func() {
			c.mu.Lock()
			c.filling = nil
			c.mu.Unlock()
			close(done)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if all, err := s.Responders.List(ctx); err == nil {
			s.remember(gen, all)
		}
	}()
	return true
}

type ruleTemplates struct {
	mu sync.Mutex
	at time.Time
	m  map[int64]string
}

// remember keeps the responders dispatch listed.
func (s *Service) remember(gen uint64, list []Responder) {
	if _, ok := s.Responders.(generational); !ok {
		return
	}
	c := &s.responders
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.gen != gen || time.Since(c.at) > responderTTL {
		c.m = make(map[int64]*Responder, len(list))
	}
	c.gen, c.at = gen, time.Now()
	for i := range list {
		c.m[list[i].ID] = &list[i]
	}
}

// responder returns a responder, from the fan-out cache when it is fresh.
func (s *Service) responder(ctx context.Context, id int64) (*Responder, error) {
	if g, ok := s.Responders.(generational); ok {
		c := &s.responders
		c.mu.Lock()
		if filling := c.filling; filling != nil {
			c.mu.Unlock()
			select {
			case <-filling:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			c.mu.Lock()
		}
		r := c.m[id]
		fresh := r != nil && c.gen == g.Generation() && time.Since(c.at) < responderTTL
		c.mu.Unlock()
		if fresh {
			cp := *r
			return &cp, nil
		}
	}
	return s.Responders.Responder(ctx, id)
}

// generation is the responders' change count (0 without one).
func (s *Service) generation() uint64 {
	if g, ok := s.Responders.(generational); ok {
		return g.Generation()
	}
	return 0
}

// ruleTemplate returns a rule's template name, cached for a second.
func (s *Service) ruleTemplate(ctx context.Context, ruleID int64) string {
	c := &s.rules
	c.mu.Lock()
	if name, ok := c.m[ruleID]; ok && time.Since(c.at) < ruleTTL {
		c.mu.Unlock()
		return name
	}
	c.mu.Unlock()
	var name string
	s.DB.QueryRow(ctx, `SELECT template FROM alert_rules WHERE id = ?`, ruleID).Scan(&name)
	c.mu.Lock()
	if c.m == nil || time.Since(c.at) >= ruleTTL {
		c.m, c.at = map[int64]string{}, time.Now()
	}
	c.m[ruleID] = name
	c.mu.Unlock()
	return name
}

// noteOutcome writes one delivery of a summarised dispatch on the
// timeline: a failure, or a sent delivery with something worth noting.
func (s *Service) noteOutcome(ctx context.Context, tx *store.Tx, d *delivery, status, note string) error {
	name := "responder"
	if r, err := s.responder(ctx, d.Responder); err == nil {
		name = r.Name
	}
	text := fmt.Sprintf("%s → %s (%s, tier %d): %s", stageLabel(d.Stage), name, d.Channel, d.Tier, note)
	_, err := s.Cases.AddEvent(ctx, tx, d.Case, EventStatus, text, status)
	return err
}
