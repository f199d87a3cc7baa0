package alerting

import (
	"context"
	"sync"
	"time"
)

// caseCache keeps a case for a second while its deliveries are composed:
// a fan-out to thousands would otherwise load and decrypt the same case
// thousands of times (and the case desk finds the last position by
// walking back the timeline, which the deliveries themselves lengthen).
// A second's staleness is nothing next to how often positions come in.
type caseCache struct {
	mu sync.Mutex
	m  map[int64]cachedCase
}

type cachedCase struct {
	c  Case
	at time.Time
}

const caseCacheTTL = time.Second

func (s *Service) cachedCase(ctx context.Context, id int64) (*Case, error) {
	now := time.Now()
	s.cache.mu.Lock()
	if e, ok := s.cache.m[id]; ok && now.Sub(e.at) < caseCacheTTL {
		s.cache.mu.Unlock()
		c := e.c
		return &c, nil
	}
	s.cache.mu.Unlock()
	c, err := s.Cases.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	if s.cache.m == nil || len(s.cache.m) > 1000 {
		s.cache.m = map[int64]cachedCase{} // old entries go all at once
	}
	s.cache.m[id] = cachedCase{c: *c, at: now}
	s.cache.mu.Unlock()
	return c, nil
}
