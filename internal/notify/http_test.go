package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type capture struct {
	method, path, ctype, auth, idem, sig, ua string
	body                                     []byte
}

func server(t *testing.T, status int, resp string, got *capture) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*got = capture{method: r.Method, path: r.URL.Path, ctype: r.Header.Get("Content-Type"),
			auth: r.Header.Get("Authorization"), idem: r.Header.Get("Idempotency-Key"),
			sig: r.Header.Get(SignatureHeader), ua: r.Header.Get("User-Agent"), body: b}
		w.WriteHeader(status)
		io.WriteString(w, resp)
	}))
	t.Cleanup(s.Close)
	return s
}

func smsConfig(url string) Config {
	return Config{SMSURL: url + "/", SMSAccount: "AC123", SMSToken: "tok", SMSFrom: "+15005550006"}
}

func TestSMSTwilio(t *testing.T) {
	var got capture
	s := server(t, 201, `{"sid":"SM42","status":"queued"}`, &got)
	r := New(smsConfig(s.URL), s.Client())
	rc, err := r.Send(context.Background(), Message{Channel: SMS, To: "+39 333 123 4567", Text: "Caso 14: 35.1, -2.5 ✓"})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Provider != "twilio" || rc.ProviderID != "SM42" || rc.Status != 201 || rc.Note != "provider status queued" {
		t.Errorf("receipt %+v", rc)
	}
	if got.method != "POST" || got.path != "/2010-04-01/Accounts/AC123/Messages.json" || got.ctype != "application/x-www-form-urlencoded" {
		t.Errorf("request %s %s %s", got.method, got.path, got.ctype)
	}
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Authorization", got.auth)
	if u, p, ok := req.BasicAuth(); !ok || u != "AC123" || p != "tok" {
		t.Error("basic auth")
	}
	if string(got.body) != "Body=Caso+14%3A+35.1%2C+-2.5+%E2%9C%93&From=%2B15005550006&To=%2B393331234567" {
		t.Errorf("form %s", got.body)
	}
	if got.ua != "Faro" {
		t.Errorf("User-Agent %q", got.ua)
	}
}

func TestSMSTwilioErrors(t *testing.T) {
	for _, c := range []struct {
		status    int
		body      string
		permanent bool
		code      string
	}{
		{400, `{"code":21211,"message":"The 'To' number +393331234567 is not a valid phone number.","status":400}`, true, "21211"},
		{401, `{"code":20003,"message":"Authenticate"}`, true, "20003"},
		{429, `{"code":20429,"message":"Too Many Requests"}`, false, "20429"},
		{500, `oops`, false, ""},
		{503, ``, false, ""},
	} {
		var got capture
		s := server(t, c.status, c.body, &got)
		_, err := New(smsConfig(s.URL), s.Client()).Send(context.Background(), Message{Channel: SMS, To: "+393331234567", Text: "canary text"})
		if err == nil || IsPermanent(err) != c.permanent {
			t.Errorf("%d: %v permanent=%v", c.status, err, IsPermanent(err))
			continue
		}
		if strings.Contains(err.Error(), "333") || strings.Contains(err.Error(), "canary") {
			t.Errorf("%d: number or text leaked into error", c.status)
		}
		if c.code != "" && !strings.Contains(err.Error(), c.code) {
			t.Errorf("%d: error lacks Twilio code: %v", c.status, err)
		}
	}
}

func TestSMSMalformedSuccess(t *testing.T) {
	var got capture
	s := server(t, 201, `{"sid":`, &got)
	rc, err := New(smsConfig(s.URL), s.Client()).Send(context.Background(), Message{Channel: SMS, To: "+393331234567", Text: "x"})
	if err != nil || rc.Note != noteMalformed || rc.Status != 201 {
		t.Errorf("%+v %v", rc, err)
	}
}

func TestSMSInvalidNumberPermanent(t *testing.T) {
	r := New(smsConfig("http://127.0.0.1:1"), nil)
	_, err := r.Send(context.Background(), Message{Channel: SMS, To: "333 123", Text: "x"})
	if !IsPermanent(err) {
		t.Errorf("%v", err)
	}
}

func TestSignal(t *testing.T) {
	var got capture
	s := server(t, 201, `{"timestamp":"1764040320123"}`, &got)
	r := New(Config{SignalURL: s.URL, SignalNumber: "+4915112345678"}, s.Client())
	rc, err := r.Send(context.Background(), Message{Channel: Signal, To: "0039 333 1234567", Text: "Alerta: redada"})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Provider != "signal" || rc.ProviderID != "1764040320123" || rc.Note != "" {
		t.Errorf("receipt %+v", rc)
	}
	if got.method != "POST" || got.path != "/v2/send" || got.ctype != "application/json" {
		t.Errorf("request %s %s %s", got.method, got.path, got.ctype)
	}
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 3 || body["message"] != "Alerta: redada" || body["number"] != "+4915112345678" {
		t.Errorf("body %s", got.body)
	}
	if rc, ok := body["recipients"].([]any); !ok || len(rc) != 1 || rc[0] != "+393331234567" {
		t.Errorf("recipients %v", body["recipients"])
	}
}

func TestSignalErrors(t *testing.T) {
	for status, permanent := range map[int]bool{400: true, 500: false, 408: false} {
		var got capture
		s := server(t, status, `{"error":"Failed to send to +393331234567"}`, &got)
		_, err := New(Config{SignalURL: s.URL, SignalNumber: "+4915112345678"}, s.Client()).Send(context.Background(), Message{Channel: Signal, To: "+393331234567", Text: "x"})
		if err == nil || IsPermanent(err) != permanent || strings.Contains(err.Error(), "333") {
			t.Errorf("%d: %v", status, err)
		}
	}
	var got capture
	s := server(t, 201, `not json`, &got)
	rc, err := New(Config{SignalURL: s.URL, SignalNumber: "+4915112345678"}, s.Client()).Send(context.Background(), Message{Channel: Signal, To: "+393331234567", Text: "x"})
	if err != nil || rc.Note != noteMalformed {
		t.Errorf("%+v %v", rc, err)
	}
}

func TestWebhookSignedAndIdempotent(t *testing.T) {
	var got capture
	s := server(t, 202, `{"id":"evt_9"}`, &got)
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	r := New(Config{}, s.Client())
	r.Now = func() time.Time { return now }
	secret := []byte("whsec")
	body := []byte(`{"case":"2026-11-25-014"}`)
	rc, err := r.Send(context.Background(), Message{Channel: Webhook, To: s.URL + "/hook?x=1", JSON: body, Secret: secret, IdempotencyKey: "d-1"})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Provider != "webhook" || rc.Status != 202 || rc.ProviderID != "evt_9" || rc.Note != "" {
		t.Errorf("receipt %+v", rc)
	}
	if got.path != "/hook" || got.ctype != "application/json" || got.idem != "d-1" || got.ua != "Faro" || string(got.body) != string(body) {
		t.Errorf("request %+v", got)
	}
	if err := VerifySignature(secret, got.sig, got.body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := VerifySignature([]byte("other"), got.sig, got.body, now, 5*time.Minute); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := VerifySignature(secret, got.sig, got.body, now.Add(time.Hour), 5*time.Minute); !errors.Is(err, ErrSignatureExpired) {
		t.Errorf("replay: %v", err)
	}
}

func TestWebhookStatuses(t *testing.T) {
	for _, c := range []struct {
		status    int
		body      string
		ok        bool
		permanent bool
		note      string
	}{
		{200, ``, true, false, ""},
		{204, ``, true, false, ""},
		{200, `<html>ok</html>`, true, false, noteMalformed},
		{400, `bad`, false, true, ""},
		{404, ``, false, true, ""},
		{408, ``, false, false, ""},
		{429, ``, false, false, ""},
		{500, ``, false, false, ""},
		{302, ``, false, true, ""},
	} {
		var got capture
		s := server(t, c.status, c.body, &got)
		rc, err := New(Config{}, s.Client()).Send(context.Background(), Message{Channel: Webhook, To: s.URL + "/token-canary", JSON: []byte(`{}`)})
		if (err == nil) != c.ok || (err != nil && IsPermanent(err) != c.permanent) || rc.Note != c.note {
			t.Errorf("%d: %+v %v", c.status, rc, err)
		}
		if err != nil && strings.Contains(err.Error(), "canary") {
			t.Error("URL leaked into error")
		}
	}
}

func TestWebhookTransportErrorHidesURL(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(200 * time.Millisecond) }))
	defer s.Close()
	r := New(Config{}, s.Client())
	r.Timeout = 20 * time.Millisecond
	_, err := r.Send(context.Background(), Message{Channel: Webhook, To: s.URL + "/canary-token", JSON: []byte(`{}`)})
	if err == nil || IsPermanent(err) || strings.Contains(err.Error(), "canary") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v", err)
	}
}
