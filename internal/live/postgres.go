package live

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faro-project/faro/internal/store"
)

// channel is the PostgreSQL notification channel. Notifications are per
// database, not per schema: every Faro process on the database hears them.
const channel = "faro_live"

// Backoff bounds for reconnecting the listener, and how long it waits for
// a notification before checking the connection is still alive (a dead
// TCP peer would otherwise leave it waiting forever).
var (
	minBackoff = 250 * time.Millisecond
	maxBackoff = 15 * time.Second
	idleCheck  = 30 * time.Second
)

// Postgres is the broker of several processes sharing one PostgreSQL
// database. Publish sends a NOTIFY; Run holds a connection of its own that
// LISTENs and hands what it hears to this process's subscribers, including
// what this process published itself. Without Run, nothing is delivered.
type Postgres struct {
	db     *store.DB
	log    *slog.Logger
	h      *hub
	ready  chan struct{}
	once   sync.Once
	pid    atomic.Uint32 // backend of the listening connection, for tests
	dialed atomic.Bool   // a connection has been made before: the next one resyncs
}

// NewPostgres returns a broker over db's LISTEN/NOTIFY.
func NewPostgres(db *store.DB, log *slog.Logger) *Postgres {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Postgres{db: db, log: log, h: newHub(), ready: make(chan struct{})}
}

// Publish notifies every process on the database. The payload is the
// topic, a line break and the data (topics hold no line breaks).
func (p *Postgres) Publish(ctx context.Context, topic, data string) error {
	if err := checkEvent(topic, data); err != nil {
		return err
	}
	if p.h.isClosed() {
		return ErrClosed
	}
	_, err := p.db.Exec(ctx, "SELECT pg_notify('"+channel+"', ?)", topic+"\n"+data)
	return err
}

func (p *Postgres) Subscribe(topic string) (<-chan Event, func()) { return p.h.subscribe(topic) }

// Close ends every subscription. Run keeps going until its ctx ends.
func (p *Postgres) Close() { p.h.close() }

// Closing is closed once Close has been called.
func (p *Postgres) Closing() <-chan struct{} { return p.h.done }

// Ready is closed once the listener first runs LISTEN: events published
// before then are not heard by this process.
func (p *Postgres) Ready() <-chan struct{} { return p.ready }

// Run listens until ctx ends, reconnecting with exponential backoff when
// the connection drops. After every reconnection it sends Resync to all
// subscribers: notifications sent while it was away are lost.
func (p *Postgres) Run(ctx context.Context) {
	backoff := minBackoff
	for ctx.Err() == nil {
		connected, err := p.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = minBackoff
		}
		// The error text comes from pgx and holds no DSN or payload.
		p.log.Warn("live: listener disconnected; reconnecting", "err", err, "in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// listen runs one connection until it fails; connected says whether it
// got as far as LISTEN.
func (p *Postgres) listen(ctx context.Context) (connected bool, err error) {
	conn, err := pgx.Connect(ctx, p.db.DSN())
	if err != nil {
		return false, errors.New("connect failed") // pgx errors may quote the DSN
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return false, err
	}
	p.pid.Store(conn.PgConn().PID())
	if p.dialed.Swap(true) {
		p.h.deliver(Resync)
	}
	p.once.Do(func() { close(p.ready) })
	for {
		wctx, cancel := context.WithTimeout(ctx, idleCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				return true, err
			}
			// Quiet for a while: make sure the server is still there.
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true, err
			}
			continue
		}
		topic, data, ok := strings.Cut(n.Payload, "\n")
		if !ok || topic == "" || topic == AllTopics {
			continue // not ours (someone else's NOTIFY on the channel)
		}
		p.h.deliver(Event{Topic: topic, Data: data})
	}
}
