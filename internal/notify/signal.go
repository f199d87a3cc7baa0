package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// maxSignal bounds a Signal text; the protocol takes more, but a rescue
// message longer than this is a template mistake.
const maxSignal = 4000

func (r *Router) sendSignal(ctx context.Context, m Message) (Receipt, error) {
	to, err := ValidatePhone(m.To)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("%w: signal: %w", ErrInvalidMessage, err))
	}
	if m.Text == "" || len([]rune(m.Text)) > maxSignal {
		return Receipt{}, Permanent(fmt.Errorf("%w: signal text empty or over %d characters", ErrInvalidMessage, maxSignal))
	}
	body, _ := json.Marshal(struct {
		Message    string   `json:"message"`
		Number     string   `json:"number"`
		Recipients []string `json:"recipients"`
	}{m.Text, r.cfg.SignalNumber, []string{to}})
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(r.cfg.SignalURL, "/")+"/v2/send", bytes.NewReader(body))
	if err != nil {
		return Receipt{}, Permanent(errors.New("notify: signal: gateway URL is invalid"))
	}
	req.Header.Set("Content-Type", "application/json")
	status, resp, err := r.do(ctx, Signal, req)
	if err != nil {
		return Receipt{}, err
	}
	if status < 200 || status > 299 {
		return Receipt{}, statusError(Signal, status, "")
	}
	rc := Receipt{Provider: "signal", Status: status}
	var v struct {
		Timestamp json.RawMessage `json:"timestamp"`
	}
	if json.Unmarshal(resp, &v) != nil || len(v.Timestamp) == 0 {
		rc.Note = noteMalformed
	} else {
		rc.ProviderID = truncate(strings.Trim(string(v.Timestamp), `"`), 40)
	}
	return rc, nil
}
