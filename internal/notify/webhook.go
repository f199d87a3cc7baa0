package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

func (r *Router) sendWebhook(ctx context.Context, m Message) (Receipt, error) {
	to, err := ValidateWebhookURL(m.To)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("%w: webhook: %w", ErrInvalidMessage, err))
	}
	if !json.Valid(m.JSON) {
		return Receipt{}, Permanent(fmt.Errorf("%w: webhook body is not JSON", ErrInvalidMessage))
	}
	req, err := http.NewRequest(http.MethodPost, to, bytes.NewReader(m.JSON))
	if err != nil {
		return Receipt{}, Permanent(errors.New("notify: webhook: cannot build request"))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(m.Secret, m.JSON, r.now()))
	if m.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", m.IdempotencyKey)
	}
	status, body, err := r.do(ctx, Webhook, req)
	if err != nil {
		return Receipt{}, err
	}
	if status < 200 || status > 299 {
		if status >= 300 && status < 400 {
			return Receipt{}, Permanent(fmt.Errorf("notify: webhook: redirect (HTTP %d) not followed", status))
		}
		return Receipt{}, statusError(Webhook, status, "")
	}
	rc := Receipt{Provider: "webhook", Status: status}
	// A receiver owes us nothing but a 2xx; an id is kept when it gives one.
	if len(body) > 0 {
		var v struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(body, &v) != nil {
			rc.Note = noteMalformed
		} else if v.ID != nil {
			rc.ProviderID = truncate(fmt.Sprint(v.ID), 200)
		}
	}
	return rc, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
