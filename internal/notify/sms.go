package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxSMS bounds an SMS body: Twilio refuses more than 1600 characters.
const maxSMS = 1600

func (r *Router) sendSMS(ctx context.Context, m Message) (Receipt, error) {
	to, err := ValidatePhone(m.To)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("%w: sms: %w", ErrInvalidMessage, err))
	}
	if m.Text == "" || len([]rune(m.Text)) > maxSMS {
		return Receipt{}, Permanent(fmt.Errorf("%w: sms text empty or over %d characters", ErrInvalidMessage, maxSMS))
	}
	form := url.Values{"To": {to}, "From": {r.cfg.SMSFrom}, "Body": {m.Text}}
	endpoint := strings.TrimRight(r.cfg.SMSURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(r.cfg.SMSAccount) + "/Messages.json"
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Receipt{}, Permanent(errors.New("notify: sms: gateway URL is invalid"))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(r.cfg.SMSAccount, r.cfg.SMSToken)
	if m.IdempotencyKey != "" {
		// Twilio ignores it; compatible gateways may use it.
		req.Header.Set("Idempotency-Key", m.IdempotencyKey)
	}
	status, body, err := r.do(ctx, SMS, req)
	if err != nil {
		return Receipt{}, err
	}
	if status < 200 || status > 299 {
		// Twilio's message often repeats the number: keep only the code.
		var e struct {
			Code json.RawMessage `json:"code"`
		}
		code := ""
		if json.Unmarshal(body, &e) == nil && len(e.Code) > 0 {
			if n, err := strconv.Atoi(strings.Trim(string(e.Code), `"`)); err == nil {
				code = strconv.Itoa(n)
			}
		}
		return Receipt{}, statusError(SMS, status, code)
	}
	var v struct {
		SID    string `json:"sid"`
		Status string `json:"status"`
	}
	parseErr := json.Unmarshal(body, &v)
	rc := Receipt{Provider: "twilio", Status: status, ProviderID: truncate(v.SID, 100)}
	switch {
	case parseErr != nil || v.SID == "":
		rc.Note = noteMalformed
	case v.Status == "failed" || v.Status == "undelivered":
		rc.Note = "provider status " + v.Status
	case v.Status != "":
		rc.Note = "provider status " + truncate(v.Status, 40)
	}
	return rc, nil
}
