package alerting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// delivery is one row of deliveries.
type delivery struct {
	ID, Case, Responder, ChannelID, Rule int64
	// Event is the delivery's own timeline entry; Batch, instead, the
	// entry summarising a large dispatch (see eachOnTimeline).
	Event, Batch           int64
	Channel, Stage, Status string
	Tier, Attempts         int
	tokenHash              string
	sealedToken            []byte
}

const deliveryCols = `id, case_id, responder_id, channel_id, rule_id, event_id, batch_event_id, channel, stage, status, tier, attempts,
	ack_token_hash, ack_token`

func scanDelivery(sc interface{ Scan(...any) error }) (*delivery, error) {
	var d delivery
	err := sc.Scan(&d.ID, &d.Case, &d.Responder, &d.ChannelID, &d.Rule, &d.Event, &d.Batch, &d.Channel, &d.Stage, &d.Status,
		&d.Tier, &d.Attempts, &d.tokenHash, &d.sealedToken)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoToken
	}
	return &d, err
}

// Deliver is the delivery job: render the responder's template in their
// language and send it. It runs outside any transaction (network I/O)
// and is retried; the outcome is written afterwards, in a short one.
func (s *Service) Deliver(ctx context.Context, a DeliverArgs, final bool) error {
	x, err := s.deliver(ctx, a, final)
	if err != nil || x == nil {
		return err
	}
	return s.record(ctx, func(tx *store.Tx) error { return s.commitSent(ctx, tx, []any{x}) })
}

// deliver sends a delivery and returns its success (nil if there is
// nothing to record), for the caller to commit with commitSent: the job
// queue commits it with the job's done mark (RegisterJobs), so a sent
// delivery costs no transaction of its own. Failures are recorded here.
func (s *Service) deliver(ctx context.Context, a DeliverArgs, final bool) (*sent, error) {
	d, err := s.loadDelivery(ctx, a.Delivery)
	if errors.Is(err, ErrNoToken) {
		return nil, permanent{errors.New("alerting: delivery gone")}
	}
	if err != nil {
		return nil, err
	}
	if d.Status != StatusPending {
		return nil, nil // sent (an earlier attempt's outcome landed) or acknowledged
	}
	msg, err := s.compose(ctx, d)
	if err != nil {
		if IsPermanent(err) {
			return nil, s.recordFailure(ctx, d, err, true)
		}
		return nil, err
	}
	note, err := s.Sender.Send(ctx, msg)
	if err != nil {
		perm := s.Sender.IsPermanent(err)
		if rerr := s.recordFailure(ctx, d, err, perm || final); rerr != nil {
			return nil, rerr
		}
		if perm {
			return nil, permanent{err}
		}
		return nil, err
	}
	return &sent{d: d, note: note, at: s.opts.Now().Unix()}, nil
}

// compose builds the message of a delivery.
func (s *Service) compose(ctx context.Context, d *delivery) (Message, error) {
	data, err := s.caseData(ctx, d.Case, d.Stage)
	if errors.Is(err, ErrNoCase) {
		return Message{}, permanent{errors.New("case gone")}
	}
	if err != nil {
		return Message{}, err
	}
	resp, err := s.responder(ctx, d.Responder)
	if errors.Is(err, ErrNoResponder) {
		return Message{}, permanent{errors.New("responder gone")}
	}
	if err != nil {
		return Message{}, err
	}
	var ch *Channel
	for i := range resp.Channels {
		if resp.Channels[i].ID == d.ChannelID {
			ch = &resp.Channels[i]
		}
	}
	if ch == nil {
		return Message{}, permanent{errors.New("channel gone")}
	}
	token, err := s.Cipher.Decrypt(tokenLocation(d.tokenHash), d.sealedToken)
	if err != nil {
		return Message{}, err // sealed: retry once unsealed
	}
	tmpl := s.templateFor(ctx, d)
	data.AckURL = s.ackURL(d.Stage, string(token))
	if d.Stage == StageBroadcast {
		var lat, lon, km float64
		var exp int64
		if err := s.DB.QueryRow(ctx, `SELECT lat, lon, radius_km, expires_at FROM broadcast_alerts WHERE case_id = ?`, d.Case).
			Scan(&lat, &lon, &km, &exp); err != nil {
			return Message{}, err
		}
		data.Area = fmt.Sprintf("%.0f km ~ %.2f, %.2f", km, lat, lon)
		data.Expires = time.Unix(exp, 0).UTC().Format("2006-01-02 15:04 UTC")
	}
	r, err := s.render(ctx, tmpl, resp.Languages, ch.Channel, data, s.ackURL(d.Stage, placeholderToken))
	if err != nil {
		return Message{}, permanent{errors.New("template does not render")}
	}
	return Message{Channel: ch.Channel, To: ch.Address, Subject: r.Subject, Text: r.Text, Lang: r.Lang, JSON: r.JSON,
		Secret: ch.Secret, IdempotencyKey: "faro-delivery-" + strconv.FormatInt(d.ID, 10)}, nil
}

func (s *Service) templateFor(ctx context.Context, d *delivery) string {
	switch d.Stage {
	case StageVerify:
		return "raid_verify"
	case StageBroadcast:
		return "raid_alert"
	}
	if name := s.ruleTemplate(ctx, d.Rule); name != "" {
		return name
	}
	if d.Tier > 1 {
		return "escalation"
	}
	return "distress"
}

// AckPath is the path of a delivery's link: verifiers get the page with
// the two verdicts, everyone else the acknowledgement page.
func AckPath(stage, token string) string {
	if stage == StageVerify {
		return "/verify/" + token
	}
	return "/ack/" + token
}

// ackURL is the link of a delivery's token.
func (s *Service) ackURL(stage, token string) string {
	return strings.TrimSuffix(s.opts.BaseURL, "/") + AckPath(stage, token)
}

// templateData is what a case gives a message template at stage; compose
// adds each delivery's ack link.
func (s *Service) templateData(c *Case, stage string) TemplateData {
	d := TemplateData{Ref: c.Ref, Kind: c.Kind, Phase: c.Phase, Condition: c.Condition, ConditionCodes: c.ConditionCodes,
		CallerPhone: c.Phone, Notes: c.Notes, Instance: s.opts.Instance}
	if c.Position != nil {
		p := *c.Position
		if stage == StageBroadcast {
			p = coarsen(p) // the wider network learns the area, not the door
		}
		d.PositionDecimal, d.PositionDMS = p.String(), p.DMS()
		if !c.FixAt.IsZero() {
			d.PositionTime = c.FixAt.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	if c.People != nil {
		d.PeopleOnBoard = strconv.Itoa(*c.People)
	}
	if stage == StageBroadcast {
		d.CallerPhone, d.Notes, d.Condition, d.ConditionCodes = "", "", "", "" // the reporter stays with the verifiers
	}
	return d
}

// recordFailure writes an attempt's failure; failed marks it final.
func (s *Service) recordFailure(ctx context.Context, d *delivery, cause error, failed bool) error {
	class := s.describe(cause)
	return s.record(ctx, func(tx *store.Tx) error {
		status := StatusPending
		if failed {
			status = StatusFailed
		}
		res, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND status = ?`,
			status, class, d.ID, StatusPending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || !failed {
			return nil
		}
		if d.Batch != 0 {
			if err := s.noteOutcome(ctx, tx, d, StatusFailed, class); err != nil {
				return err
			}
			return s.settleBatch(ctx, tx, d.Batch)
		}
		return s.Cases.SetEventStatus(ctx, tx, d.Event, StatusFailed, class)
	})
}

// describe names a failure without quoting a peer: its error text may
// echo an address or a phone number, and last_error is shown and logged.
func (s *Service) describe(err error) string {
	if IsPermanent(err) {
		return "rejected: " + err.Error() // compose's own fixed texts
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if d := s.Sender.Describe(err); d != "" {
		return d
	}
	return "temporary failure"
}
