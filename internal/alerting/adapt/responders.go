package adapt

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/responders"
)

// Responders is alerting.Responders over the responders store.
type Responders struct{ S *responders.Store }

func toResponder(r *responders.Responder) alerting.Responder {
	out := alerting.Responder{ID: r.ID, Name: r.Name, Kind: r.Kind, Languages: r.Languages, Home: r.Home, Active: r.Active}
	for _, c := range r.Channels {
		out.Channels = append(out.Channels, alerting.Channel{ID: c.ID, Channel: c.Channel, Address: c.Address, Secret: c.Secret})
	}
	return out
}

func noResponder(err error) error {
	if errors.Is(err, responders.ErrNotFound) {
		return alerting.ErrNoResponder
	}
	return err
}

// Responder loads one responder.
func (a Responders) Responder(ctx context.Context, id int64) (*alerting.Responder, error) {
	r, err := a.S.Get(ctx, id)
	if err != nil {
		return nil, noResponder(err)
	}
	out := toResponder(r)
	return &out, nil
}

// Generation changes whenever a responder is saved or deleted, so that
// alerting can keep a fan-out's responders and drop them on a change.
func (a Responders) Generation() uint64 { return a.S.Generation() }

// List lists every responder.
func (a Responders) List(ctx context.Context) ([]alerting.Responder, error) {
	return toResponders(a.S.List(ctx))
}

// ListForDispatch lists every responder without decrypting anything: ids,
// kinds, activity and channel ids and kinds only (see alerting's
// dispatchLister).
func (a Responders) ListForDispatch(ctx context.Context) ([]alerting.Responder, error) {
	return toResponders(a.S.ListForDispatch(ctx))
}

func toResponders(rs []responders.Responder, err error) ([]alerting.Responder, error) {
	if err != nil {
		return nil, err
	}
	out := make([]alerting.Responder, len(rs))
	for i := range rs {
		out[i] = toResponder(&rs[i])
	}
	return out, nil
}

// ByChannelAddress finds who owns a number.
func (a Responders) ByChannelAddress(ctx context.Context, channel, address string) (*alerting.Responder, error) {
	r, err := a.S.ByChannelAddress(ctx, channel, address)
	if err != nil {
		return nil, noResponder(err)
	}
	out := toResponder(r)
	return &out, nil
}

// WebhookBody is the JSON a webhook responder receives: the rendered
// message and the fields a program would rather not parse out of it.
type WebhookBody struct {
	Event         string `json:"event"` // "faro.alert"
	Template      string `json:"template"`
	Ref           string `json:"ref"`
	Kind          string `json:"kind"`
	Phase         string `json:"phase,omitempty"`
	Position      string `json:"position,omitempty"`
	PositionTime  string `json:"position_time,omitempty"`
	PeopleOnBoard string `json:"people_on_board,omitempty"`
	Area          string `json:"area,omitempty"`
	Expires       string `json:"expires,omitempty"`
	Lang          string `json:"lang"`
	Subject       string `json:"subject,omitempty"`
	Text          string `json:"text"`
	AckURL        string `json:"ack_url"`
}

// Render composes the named template in the responder's language.
func (a Responders) Render(ctx context.Context, name string, langs []string, channel string, d alerting.TemplateData) (alerting.Rendered, error) {
	c, err := a.S.Compose(ctx, name, langs, channel, notify.TemplateData(d))
	if err != nil {
		return alerting.Rendered{}, err
	}
	out := alerting.Rendered{Subject: c.Subject, Text: c.Text, Lang: c.Lang}
	if channel == notify.Webhook {
		out.JSON, err = json.Marshal(WebhookBody{Event: "faro.alert", Template: name, Ref: d.Ref, Kind: d.Kind, Phase: d.Phase,
			Position: d.PositionDecimal, PositionTime: d.PositionTime, PeopleOnBoard: d.PeopleOnBoard, Area: d.Area,
			Expires: d.Expires, Lang: c.Lang, Subject: c.Subject, Text: c.Text, AckURL: d.AckURL})
	}
	return out, err
}

// Sender is alerting.Sender over notify.
type Sender struct{ R notify.Sender }

// Send sends one message; the receipt's note (a webhook answer that
// could not be read) is returned to be recorded.
func (s Sender) Send(ctx context.Context, m alerting.Message) (string, error) {
	rc, err := s.R.Send(ctx, notify.Message{Channel: m.Channel, To: m.To, Subject: m.Subject, Text: m.Text, Lang: m.Lang,
		JSON: m.JSON, Secret: m.Secret, IdempotencyKey: m.IdempotencyKey})
	return rc.Note, err
}

// IsPermanent is notify's verdict.
func (Sender) IsPermanent(err error) bool { return notify.IsPermanent(err) }

// Describe: notify's errors name a channel and a status or cause, never
// an address or a body, so their text is kept.
func (Sender) Describe(err error) string {
	if len(err.Error()) > 200 {
		return err.Error()[:200]
	}
	return err.Error()
}
