package alerting

import (
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// HookConfig authenticates the inbound reply hooks; an empty secret turns
// its hook off.
type HookConfig struct {
	// TwilioToken is the SMS gateway's auth token (X-Twilio-Signature).
	TwilioToken string
	// SignalSecret is the shared secret the Signal relay sends in
	// X-Faro-Hook-Secret.
	SignalSecret string
	// PublicURL is how the gateway reaches Faro ("https://faro.example"),
	// which Twilio signs; empty: the request's own scheme and host.
	PublicURL string
}

// SignalSecretHeader carries the Signal hook's shared secret.
const SignalSecretHeader = "X-Faro-Hook-Secret"

// Handlers serve the alerting pages and hooks.
type Handlers struct {
	web   *web.Server
	s     *Service
	hooks HookConfig
}

// Register adds the alerting routes.
func Register(srv *web.Server, s *Service, hooks HookConfig) *Handlers {
	h := &Handlers{web: srv, s: s, hooks: hooks}
	srv.AddPages("alerting", templates, "templates/*.html")
	r := srv.Router
	r.Handle("GET /alerting/rules", web.AtLeast(auth.Coordinator), h.rules)
	r.Handle("GET /alerting/rules/new", web.AtLeast(auth.Coordinator), h.newRule)
	r.Handle("POST /alerting/rules", web.AtLeast(auth.Coordinator), h.createRule)
	r.Handle("GET /alerting/rules/{id}", web.AtLeast(auth.Coordinator), h.editRule)
	r.Handle("POST /alerting/rules/{id}", web.AtLeast(auth.Coordinator), h.updateRule)
	r.Handle("POST /alerting/rules/{id}/delete", web.AtLeast(auth.Coordinator), h.deleteRule)
	r.Handle("GET /alerts", web.AtLeast(auth.Viewer), h.alerts)
	r.Handle("GET /alerts/history", web.AtLeast(auth.Coordinator), h.history)
	// Responders have no account: the token in the link is the key.
	r.Handle("GET /ack/{token}", web.Public, h.ackPage)
	r.Handle("POST /ack/{token}", web.Public, h.ack)
	r.Handle("GET /verify/{token}", web.Public, h.verifyPage)
	r.Handle("POST /verify/{token}", web.Public, h.verify)
	r.Handle("POST /hooks/sms", web.Inbound, h.smsHook)
	r.Handle("POST /hooks/signal", web.Inbound, h.signalHook)
	return h
}

// ruleForm is the rule page's data.
type ruleForm struct {
	Rule       *Rule
	Responders []Responder
	Kinds      []string
	Phases     []string
	AreaKinds  []string
}

func (h *Handlers) rules(w http.ResponseWriter, r *http.Request) {
	rules, err := h.s.Rules(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	resp, err := h.s.Responders.List(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, x := range resp {
		names[x.ID] = x.Name
	}
	h.web.Render(w, r, http.StatusOK, "alerting/rules", h.web.NewPage(r, "alerting.rules_title",
		struct {
			Rules []Rule
			Names map[int64]string
		}{rules, names}))
}

func (h *Handlers) renderRule(w http.ResponseWriter, r *http.Request, status int, rule *Rule, form url.Values, errs error) {
	resp, err := h.s.Responders.List(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	title := "alerting.rule_new"
	if rule.ID != 0 {
		title = "alerting.rule_edit"
	}
	p := h.web.NewPage(r, title, ruleForm{Rule: rule, Responders: resp, Kinds: CaseKinds, Phases: Phases,
		AreaKinds: []string{AreaAny, AreaPolygon, AreaCircle}})
	p.Form = form
	for _, e := range unwrapErrors(errs) {
		var fe *FieldError
		if errors.As(e, &fe) {
			if _, dup := p.Errors[fe.Field]; !dup {
				p.Errors[fe.Field] = fe.Key
			}
		}
	}
	h.web.Render(w, r, status, "alerting/rule", p)
}

func unwrapErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// ruleValues is a rule as form values, to fill the edit form.
func ruleValues(r *Rule) url.Values {
	v := url.Values{"name": {r.Name}, "kinds": r.Kinds, "area_kind": {r.Area.Kind()}, "polygon": {r.Area.PolygonText()},
		"centre": {r.Area.CentreText()}, "min_phase": {r.MinPhase}, "min_severity": {strconv.Itoa(r.MinSeverity)},
		"tier": {strconv.Itoa(r.Tier)}, "ack_minutes": {strconv.Itoa(r.AckMinutes)}, "template": {r.Template},
		"broadcast_hours": {strconv.Itoa(r.BroadcastHours)}}
	if r.Area.Centre != nil {
		v.Set("radius_km", strconv.FormatFloat(r.Area.RadiusKm, 'f', -1, 64))
	}
	if r.Active {
		v.Set("active", "1")
	}
	for _, id := range r.Responders {
		v.Add("responders", strconv.FormatInt(id, 10))
	}
	return v
}

func (h *Handlers) newRule(w http.ResponseWriter, r *http.Request) {
	h.renderRule(w, r, http.StatusOK, &Rule{}, url.Values{"tier": {"1"}, "ack_minutes": {"15"},
		"broadcast_hours": {strconv.Itoa(DefaultBroadcastHours)}, "active": {"1"}, "area_kind": {AreaAny}}, nil)
}

// parseRuleForm reads the rule form; every field's error is reported.
func parseRuleForm(form url.Values) (Rule, error) {
	var errs []error
	num := func(field string) int {
		n, err := strconv.Atoi(strings.TrimSpace(form.Get(field)))
		if err != nil {
			errs = append(errs, fieldErr(field, "alerting.err.number"))
		}
		return n
	}
	r := Rule{Name: form.Get("name"), Kinds: form["kinds"], MinPhase: form.Get("min_phase"), Template: strings.TrimSpace(form.Get("template")),
		Active: form.Get("active") == "1"}
	r.MinSeverity, r.Tier, r.AckMinutes, r.BroadcastHours = num("min_severity"), num("tier"), num("ack_minutes"), num("broadcast_hours")
	area, err := ParseArea(form.Get("area_kind"), form.Get("polygon"), form.Get("centre"), form.Get("radius_km"))
	if err != nil {
		errs = append(errs, err)
	}
	r.Area = area
	for _, v := range form["responders"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fieldErr("responders", "alerting.err.responders"))
			break
		}
		r.Responders = append(r.Responders, id)
	}
	if err := r.Validate(); err != nil {
		errs = append(errs, err)
	}
	return r, errors.Join(errs...)
}

func (h *Handlers) createRule(w http.ResponseWriter, r *http.Request) {
	h.saveRule(w, r, 0)
}

func (h *Handlers) saveRule(w http.ResponseWriter, r *http.Request, id int64) {
	if err := r.ParseForm(); err != nil {
		h.web.Error(w, r, http.StatusBadRequest)
		return
	}
	rule, err := parseRuleForm(r.PostForm)
	rule.ID = id
	if err != nil {
		h.renderRule(w, r, http.StatusUnprocessableEntity, &rule, r.PostForm, err)
		return
	}
	if err := h.s.SaveRule(r.Context(), &rule); errors.Is(err, ErrNoRule) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	} else if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/alerting/rules", "alerting.rule_saved")
}

func (h *Handlers) ruleID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.web.Error(w, r, http.StatusNotFound)
		return 0, false
	}
	return id, true
}

func (h *Handlers) editRule(w http.ResponseWriter, r *http.Request) {
	id, ok := h.ruleID(w, r)
	if !ok {
		return
	}
	rule, err := h.s.Rule(r.Context(), id)
	if errors.Is(err, ErrNoRule) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	} else if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.renderRule(w, r, http.StatusOK, rule, ruleValues(rule), nil)
}

func (h *Handlers) updateRule(w http.ResponseWriter, r *http.Request) {
	if id, ok := h.ruleID(w, r); ok {
		h.saveRule(w, r, id)
	}
}

func (h *Handlers) deleteRule(w http.ResponseWriter, r *http.Request) {
	id, ok := h.ruleID(w, r)
	if !ok {
		return
	}
	if err := h.s.DeleteRule(r.Context(), id); errors.Is(err, ErrNoRule) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	} else if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/alerting/rules", "alerting.rule_deleted")
}

// alertsData is the alert list's data.
type alertsData struct {
	Alerts  []Broadcast
	History bool
	Now     time.Time
}

func (h *Handlers) alerts(w http.ResponseWriter, r *http.Request)  { h.alertList(w, r, false) }
func (h *Handlers) history(w http.ResponseWriter, r *http.Request) { h.alertList(w, r, true) }

func (h *Handlers) alertList(w http.ResponseWriter, r *http.Request, history bool) {
	list, err := h.s.Alerts(r.Context(), history, 500)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	title := "alerting.alerts_title"
	if history {
		title = "alerting.history_title"
	}
	h.web.Render(w, r, http.StatusOK, "alerting/alerts", h.web.NewPage(r, title,
		alertsData{Alerts: list, History: history, Now: h.s.opts.Now()}))
}

// The ack and verify pages: GET only shows a button. Link scanners and
// chat previews fetch links; only a person pressing the button acts.

func (h *Handlers) linkPage(w http.ResponseWriter, r *http.Request, page string, status int, flash string) {
	link, err := h.s.LinkInfo(r.Context(), r.PathValue("token"))
	if errors.Is(err, ErrNoToken) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	} else if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p := h.web.NewPage(r, "alerting."+page+"_title", link)
	p.Flash = flash
	// The token is in the URL: never let it leak through Referer (the
	// site sends no-referrer already) nor into a shared cache.
	w.Header().Set("Cache-Control", "no-store")
	h.web.Render(w, r, status, "alerting/"+page, p)
}

func (h *Handlers) ackPage(w http.ResponseWriter, r *http.Request) {
	h.linkPage(w, r, "ack", http.StatusOK, "")
}

func (h *Handlers) ack(w http.ResponseWriter, r *http.Request) {
	_, err := h.s.Acknowledge(r.Context(), r.PathValue("token"), "link")
	if errors.Is(err, ErrNoToken) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	} else if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.linkPage(w, r, "ack", http.StatusOK, "alerting.ack_done")
}

func (h *Handlers) verifyPage(w http.ResponseWriter, r *http.Request) {
	h.linkPage(w, r, "verify", http.StatusOK, "")
}

// Verdict codes in the verify form (button values hold no letters).
var verdictCodes = map[string]string{"1": VerdictConfirmed, "2": VerdictFalseAlarm}

func (h *Handlers) verify(w http.ResponseWriter, r *http.Request) {
	verdict, ok := verdictCodes[r.PostFormValue("verdict")]
	if !ok {
		h.linkPage(w, r, "verify", http.StatusUnprocessableEntity, "alerting.verify_choose")
		return
	}
	err := h.s.Verify(r.Context(), r.PathValue("token"), verdict)
	switch {
	case errors.Is(err, ErrNoToken), errors.Is(err, ErrNotVerify):
		h.web.Error(w, r, http.StatusNotFound)
	case errors.Is(err, ErrDecided):
		// Already decided (a reviewer, or another verifier, was first).
		h.linkPage(w, r, "verify", http.StatusConflict, "alerting.verify_already")
	case err != nil:
		h.web.ServerError(w, r, err)
	default:
		h.linkPage(w, r, "verify", http.StatusOK, "alerting.verify_done")
	}
}

// maxHookBody bounds an inbound hook's body: a reply is an SMS.
const maxHookBody = 64 << 10

// smsHook takes Twilio's inbound message webhook (form From, Body),
// signed with X-Twilio-Signature.
func (h *Handlers) smsHook(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxHookBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !VerifyTwilio(h.hooks.TwilioToken, h.publicURL(r), r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		// 401, not 403: this is a program without credentials.
		http.Error(w, "signature required", http.StatusUnauthorized)
		return
	}
	h.reply(w, r, "sms", r.PostForm.Get("From"), r.PostForm.Get("Body"))
}

// publicURL is the URL the gateway signed: the configured public base
// (behind a proxy) and the path and query as received.
func (h *Handlers) publicURL(r *http.Request) string {
	base := strings.TrimSuffix(h.hooks.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + r.URL.RequestURI()
}

// signalMessage is what a Signal relay (signal-cli-rest-api in json-rpc
// mode, or a small forwarder) posts for a received message.
type signalMessage struct {
	Envelope struct {
		Source       string `json:"source"`
		SourceNumber string `json:"sourceNumber"`
		DataMessage  *struct {
			Message string `json:"message"`
		} `json:"dataMessage"`
	} `json:"envelope"`
}

func (h *Handlers) signalHook(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get(SignalSecretHeader)
	if h.hooks.SignalSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(h.hooks.SignalSecret)) != 1 {
		http.Error(w, "secret required", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBody))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	from, text, ok, err := parseSignal(body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusNoContent) // receipts, typing: nothing to read
		return
	}
	h.reply(w, r, "signal", from, text)
}

// parseSignal reads a relayed Signal envelope; ok is false for envelopes
// without a text message (receipts, typing notices).
func parseSignal(body []byte) (from, text string, ok bool, err error) {
	var m signalMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", "", false, err
	}
	if m.Envelope.DataMessage == nil {
		return "", "", false, nil
	}
	from = m.Envelope.SourceNumber
	if from == "" {
		from = m.Envelope.Source
	}
	return from, m.Envelope.DataMessage.Message, true, nil
}

// reply answers a gateway: 200 whether or not the text acknowledged
// anything (a gateway retrying a question would not help), 500 only when
// Faro failed and a retry may succeed.
func (h *Handlers) reply(w http.ResponseWriter, r *http.Request, channel, from, text string) {
	err := h.s.Reply(r.Context(), channel, from, text)
	switch {
	case err == nil:
		h.web.Log.Info("acknowledged by reply", "channel", channel)
	case errors.Is(err, ErrNotAck), errors.Is(err, ErrNoResponder), errors.Is(err, ErrNoToken), errors.Is(err, ErrNoCase):
		h.web.Log.Info("reply not taken as an acknowledgement", "channel", channel)
	default:
		h.web.Log.Error("reply hook", "channel", channel, "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	if channel == "sms" {
		// An empty TwiML answer: no automatic text back to the sender.
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
