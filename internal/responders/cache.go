package responders

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faro-project/faro/internal/notify"
)

// Templates are cached by name, parsed. An alert to thousands of
// responders renders the same template thousands of times: reading and
// parsing it for each was a large part of a fan-out's cost. SaveTemplate
// drops the cache (and bumps Generation) after its commit; templateTTL
// bounds how long another process's edit, on a shared PostgreSQL, goes
// unseen.
const templateTTL = 5 * time.Second

type parsedTemplate struct {
	MessageTemplate
	body, subject *notify.Template
}

type templateSet struct {
	all []parsedTemplate
	at  time.Time
}

type templateCache struct {
	mu sync.Mutex
	m  map[string]templateSet
}

// generation counts this process's changes to responders and templates,
// for callers that cache what they read (alerting, during a fan-out).
var generation atomic.Uint64

// Generation changes whenever a responder or template is saved or deleted
// through any Store of this process.
func (s *Store) Generation() uint64 { return generation.Load() }

func (s *Store) changed() {
	generation.Add(1)
	s.templates.mu.Lock()
	s.templates.m = nil
	s.templates.mu.Unlock()
}

// templatesNamed returns the parsed templates called name, cached.
func (s *Store) templatesNamed(ctx context.Context, name string) ([]parsedTemplate, error) {
	gen := generation.Load()
	now := time.Now()
	s.templates.mu.Lock()
	if e, ok := s.templates.m[name]; ok && now.Sub(e.at) < templateTTL {
		s.templates.mu.Unlock()
		return e.all, nil
	}
	s.templates.mu.Unlock()
	rows, err := s.queryTemplates(ctx, `WHERE name = ?`, name)
	if err != nil {
		return nil, err
	}
	all := make([]parsedTemplate, 0, len(rows))
	for _, t := range rows {
		p := parsedTemplate{MessageTemplate: t}
		// A template that does not parse (edited by hand in the database)
		// stays listed: picking it must still fail, not fall through.
		p.body, _ = notify.ParseTemplate(t.Body)
		p.subject, _ = notify.ParseTemplate(t.Subject)
		all = append(all, p)
	}
	s.templates.mu.Lock()
	if generation.Load() == gen { // not saved meanwhile: what we read is current
		if s.templates.m == nil {
			s.templates.m = map[string]templateSet{}
		}
		s.templates.m[name] = templateSet{all: all, at: now}
	}
	s.templates.mu.Unlock()
	return all, nil
}
