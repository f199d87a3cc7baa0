// Package live tells open pages that something changed, so a case desk
// board updates in every browser within a second without a reload.
//
// Events are small notices (a record id, a version), never the data
// itself and never personal data: a page that hears one refetches what it
// shows through the ordinary, authorized handlers. Losing an event is
// therefore harmless as long as the page eventually refetches, which is
// why a slow subscriber drops old events instead of slowing publishers,
// and why a broker that may have missed events (after a reconnect) sends
// the synthetic Resync event to everyone.
//
// On SQLite there is one faro process, so events stay in memory (Local).
// On PostgreSQL several processes may serve the same database, so events
// travel through LISTEN/NOTIFY (Postgres).
package live

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/faro-project/faro/internal/store"
)

// Event is one notice on a topic.
type Event struct {
	Topic, Data string
}

// AllTopics is the topic of events meant for every subscriber whatever it
// subscribed to; Resync is the one such event.
const AllTopics = "*"

// Resync tells pages that events may have been lost (the broker's
// database connection dropped) and they should refetch what they show.
var Resync = Event{Topic: AllTopics, Data: "resync"}

// MaxPayload bounds topic plus data. PostgreSQL allows 8000 bytes per
// notification; events carry ids, so a small bound catches misuse (a
// caller putting record contents in an event) early.
const MaxPayload = 1024

var (
	ErrTooLarge = errors.New("live: event larger than MaxPayload")
	ErrBadTopic = errors.New("live: topic empty, reserved or holding a line break")
	ErrBadData  = errors.New("live: data holds a NUL byte")
	ErrClosed   = errors.New("live: broker closed")
)

// Broker passes events from publishers to subscribers.
type Broker interface {
	// Publish sends data to the subscribers of topic, in this process and,
	// on PostgreSQL, in every process on the same database. Call it after
	// the change committed (store.Tx.AfterCommit), never inside a write
	// transaction: on SQLite that would hold the only writer.
	Publish(ctx context.Context, topic, data string) error
	// Subscribe returns a buffered channel of the topic's events (and of
	// Resync) and a function that ends the subscription. When the buffer
	// is full the oldest event is dropped. The channel is closed when the
	// subscription ends or the broker closes.
	Subscribe(topic string) (<-chan Event, func())
}

// Service is a Broker with its background work and its shutdown:
//
//	b := live.New(db, log)
//	go b.Run(ctx)
//	srv.RegisterOnShutdown(b.Close) // ends open event streams
type Service interface {
	Broker
	// Run does the broker's background work until ctx ends (for
	// PostgreSQL: listening for notifications from other processes).
	Run(ctx context.Context)
	// Close ends every subscription, so open event streams return and
	// http.Server.Shutdown need not wait for them. Later subscriptions
	// get a closed channel; Publish returns ErrClosed.
	Close()
}

// New picks the broker for the database: LISTEN/NOTIFY on PostgreSQL,
// in-memory on SQLite.
func New(db *store.DB, log *slog.Logger) Service {
	if db.Dialect == store.Postgres {
		return NewPostgres(db, log)
	}
	return NewLocal()
}

func checkEvent(topic, data string) error {
	if topic == "" || topic == AllTopics || strings.ContainsAny(topic, "\r\n\x00") {
		return ErrBadTopic
	}
	if strings.IndexByte(data, 0) >= 0 {
		return ErrBadData
	}
	if len(topic)+len(data) > MaxPayload {
		return ErrTooLarge
	}
	return nil
}
