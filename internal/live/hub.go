package live

import "sync"

// bufferSize is how many events a subscriber may fall behind before the
// oldest are dropped. A board needs only the newest notices: any of them
// makes it refetch.
const bufferSize = 16

// hub fans events out to the subscribers in this process.
type hub struct {
	mu     sync.Mutex
	subs   map[string]map[*sub]struct{}
	closed bool
	done   chan struct{}
}

type sub struct{ ch chan Event }

func newHub() *hub {
	return &hub{subs: map[string]map[*sub]struct{}{}, done: make(chan struct{})}
}

func (h *hub) subscribe(topic string) (<-chan Event, func()) {
	s := &sub{ch: make(chan Event, bufferSize)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.ch)
		return s.ch, func() {}
	}
	m := h.subs[topic]
	if m == nil {
		m = map[*sub]struct{}{}
		h.subs[topic] = m
	}
	m[s] = struct{}{}
	return s.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if m := h.subs[topic]; m != nil {
			if _, ok := m[s]; ok {
				delete(m, s)
				if len(m) == 0 {
					delete(h.subs, topic)
				}
				close(s.ch)
			}
		}
	}
}

// deliver hands e to the topic's subscribers, or to all of them for
// AllTopics. It never blocks: sends happen under the lock, which also
// keeps them from racing with close.
func (h *hub) deliver(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.Topic == AllTopics {
		for _, m := range h.subs {
			for s := range m {
				s.offer(e)
			}
		}
		return
	}
	for s := range h.subs[e.Topic] {
		s.offer(e)
	}
}

// offer queues e, dropping the oldest queued event when the buffer is
// full: a slow reader must not hold up the publisher or other readers.
func (s *sub) offer(e Event) {
	for {
		select {
		case s.ch <- e:
			return
		default:
		}
		select {
		case <-s.ch:
		default:
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	for _, m := range h.subs {
		for s := range m {
			close(s.ch)
		}
	}
	h.subs = map[string]map[*sub]struct{}{}
}

func (h *hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}
