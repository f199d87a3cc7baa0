package live

import "time"

// SetTimings shortens the heartbeat and reconnect backoff for tests.
func SetTimings(hb, backoff time.Duration) func() {
	oh, ob := heartbeat, minBackoff
	heartbeat, minBackoff = hb, backoff
	return func() { heartbeat, minBackoff = oh, ob }
}

// ListenerPID is the PostgreSQL backend of the listening connection.
func (p *Postgres) ListenerPID() uint32 { return p.pid.Load() }

var (
	CheckEvent = checkEvent
	Format     = format
)

// Subscribers counts the subscriptions of a Local broker.
func Subscribers(b *Local) int {
	b.h.mu.Lock()
	defer b.h.mu.Unlock()
	n := 0
	for _, m := range b.h.subs {
		n += len(m)
	}
	return n
}
