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
	// data is what a cached case gives a message template, per stage,
	// without the ack link: formatting a position (DMS and all) once per
	// delivery showed in a fan-out's profile.
	data map[dataKey]TemplateData
}

type dataKey struct {
	id    int64
	stage string
	at    time.Time // the cached case's: a reload makes a new key
}

type cachedCase struct {
	c  Case
	at time.Time
}

const caseCacheTTL = time.Second

// cachedCaseAt returns a case, cached for caseCacheTTL, and when it was
// loaded.
func (s *Service) cachedCaseAt(ctx context.Context, id int64) (*Case, time.Time, error) {
	now := time.Now()
	s.cache.mu.Lock()
	if e, ok := s.cache.m[id]; ok && now.Sub(e.at) < caseCacheTTL {
		s.cache.mu.Unlock()
		c := e.c
		return &c, e.at, nil
	}
	s.cache.mu.Unlock()
	c, err := s.Cases.Case(ctx, id)
	if err != nil {
		return nil, time.Time{}, err
	}
	s.cache.mu.Lock()
	if s.cache.m == nil || len(s.cache.m) > 1000 {
		s.cache.m = map[int64]cachedCase{} // old entries go all at once
	}
	s.cache.m[id] = cachedCase{c: *c, at: now}
	s.cache.mu.Unlock()
	return c, now, nil
}

// caseData returns a case's template data for stage, without the ack
// link, cached with the case.
func (s *Service) caseData(ctx context.Context, id int64, stage string) (TemplateData, error) {
	c, at, err := s.cachedCaseAt(ctx, id)
	if err != nil {
		return TemplateData{}, err
	}
	key := dataKey{id: id, stage: stage, at: at}
	s.cache.mu.Lock()
	d, ok := s.cache.data[key]
	s.cache.mu.Unlock()
	if ok {
		return d, nil
	}
	d = s.templateData(c, stage)
	s.cache.mu.Lock()
	if s.cache.data == nil || len(s.cache.data) > 1000 {
		s.cache.data = map[dataKey]TemplateData{}
	}
	s.cache.data[key] = d
	s.cache.mu.Unlock()
	return d, nil
}
