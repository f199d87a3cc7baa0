package live

import (
	"net/http"
	"strings"
	"time"
)

// heartbeat is how often an idle stream sends a comment line, so proxies
// and NAT boxes keep the connection and a dead client is noticed.
var heartbeat = 15 * time.Second

// writeTimeout bounds one write to a client: a stalled client must not
// hold its handler forever. It replaces any server-wide WriteTimeout for
// the stream, which would otherwise cut every stream after that time.
const writeTimeout = 30 * time.Second

// ServeSSE streams the events of topics (and Resync) to the client as
// text/event-stream until the client goes, the request's context ends or
// the broker closes. Each event is sent as "event: <topic>" and
// "data: <data>"; a page listens for its topics and for "*" (refetch).
// Ids are not sent: a page that reconnects refetches instead of replaying.
func ServeSSE(w http.ResponseWriter, r *http.Request, b Broker, topics ...string) {
	ch, cancel := subscribeAll(b, topics)
	defer cancel()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	if !send(w, rc, "retry: 2000\n\n") {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-ch:
			if !ok {
				return // broker closed (server shutting down) or unsubscribed
			}
			if !send(w, rc, format(e)) {
				return
			}
		case <-tick.C:
			if !send(w, rc, ":\n\n") {
				return
			}
		}
	}
}

func send(w http.ResponseWriter, rc *http.ResponseController, s string) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout)) // unsupported writers just lack the bound
	if _, err := w.Write([]byte(s)); err != nil {
		return false
	}
	return rc.Flush() == nil
}

// format renders e as one SSE message. Data may hold line breaks: each
// line becomes a data field, which the browser joins back with "\n".
func format(e Event) string {
	var sb strings.Builder
	sb.WriteString("event: ")
	sb.WriteString(e.Topic)
	sb.WriteByte('\n')
	data := strings.ReplaceAll(strings.ReplaceAll(e.Data, "\r\n", "\n"), "\r", "\n")
	for line := range strings.SplitSeq(data, "\n") {
		sb.WriteString("data: ")
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	sb.WriteByte('\n')
	return sb.String()
}

// subscribeAll merges the subscriptions of several topics into one
// channel. The merged channel closes once every subscription has.
func subscribeAll(b Broker, topics []string) (<-chan Event, func()) {
	if len(topics) == 1 {
		return b.Subscribe(topics[0])
	}
	out := make(chan Event, bufferSize)
	stop := make(chan struct{})
	var cancels []func()
	left := make(chan struct{}, len(topics))
	for _, t := range topics {
		ch, c := b.Subscribe(t)
		cancels = append(cancels, c)
		go func() {
			defer func() { left <- struct{}{} }()
			for e := range ch {
				select {
				case out <- e:
				case <-stop:
					return
				}
			}
		}()
	}
	go func() {
		for range topics {
			<-left
		}
		close(out)
	}()
	return out, func() {
		close(stop)
		for _, c := range cancels {
			c()
		}
	}
}
