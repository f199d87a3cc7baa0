package live

import "context"

// Local is the broker of a single process (SQLite): events go straight
// from Publish to this process's subscribers.
type Local struct{ h *hub }

// NewLocal returns an in-memory broker.
func NewLocal() *Local { return &Local{h: newHub()} }

func (l *Local) Publish(ctx context.Context, topic, data string) error {
	if err := checkEvent(topic, data); err != nil {
		return err
	}
	if l.h.isClosed() {
		return ErrClosed
	}
	l.h.deliver(Event{Topic: topic, Data: data})
	return nil
}

func (l *Local) Subscribe(topic string) (<-chan Event, func()) { return l.h.subscribe(topic) }

// Run has nothing to do in memory; it returns when ctx ends so callers
// can treat every broker alike.
func (l *Local) Run(ctx context.Context) { <-ctx.Done() }

func (l *Local) Close() { l.h.close() }

// Closing is closed once Close has been called.
func (l *Local) Closing() <-chan struct{} { return l.h.done }
