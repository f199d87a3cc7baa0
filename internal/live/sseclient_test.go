package live_test

import (
	"bufio"
	"io"
	"strings"

	"github.com/faro-project/faro/internal/live"
)

// sseMessage is what a browser's EventSource would see: an event, or a
// comment (heartbeat) or a retry field.
type sseMessage struct {
	live.Event
	Comment bool
	Retry   string
}

// readSSE parses a text/event-stream the way EventSource does (the parts
// Faro uses) and sends each message on out until the stream ends.
func readSSE(r io.Reader, out chan<- sseMessage) {
	defer close(out)
	br := bufio.NewReader(r)
	var m sseMessage
	var data []string
	have := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if have {
				m.Data = strings.Join(data, "\n")
				out <- m
			}
			m, data, have = sseMessage{}, nil, false
		case strings.HasPrefix(line, ":"):
			out <- sseMessage{Comment: true}
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			have = true
			switch field {
			case "event":
				m.Topic = value
			case "data":
				data = append(data, value)
			case "retry":
				m.Retry = value
			}
		}
	}
}
