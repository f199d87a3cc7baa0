package alerting

import (
	"context"
	"errors"
	"fmt"

	"github.com/faro-project/faro/internal/store"
)

// Link is what an ack or verify page shows: enough for the responder to
// know which case, nothing they were not sent already.
type Link struct {
	Ref          string
	Stage        string
	Status       string
	Acknowledged bool
}

// LinkInfo looks a token up without changing anything: a GET of the link
// (a mail scanner, a chat app's preview) must never acknowledge.
func (s *Service) LinkInfo(ctx context.Context, token string) (*Link, error) {
	d, err := s.byToken(ctx, s.DB, token)
	if err != nil {
		return nil, err
	}
	l := &Link{Stage: d.Stage, Status: d.Status, Acknowledged: d.Status == StatusAcknowledged}
	if c, err := s.Cases.Case(ctx, d.Case); err == nil {
		l.Ref = c.Ref
	}
	return l, nil
}

func (s *Service) byToken(ctx context.Context, q querier, token string) (*delivery, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, ErrNoToken
	}
	return scanDelivery(q.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE ack_token_hash = ?`, hashToken(token)))
}

// Acknowledge records the acknowledgement of the delivery a link's token
// names; via says how ("link", "sms", "signal"). It reports whether this
// was the first acknowledgement of that delivery.
func (s *Service) Acknowledge(ctx context.Context, token, via string) (bool, error) {
	first := false
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		d, err := s.byToken(ctx, tx, token)
		if err != nil {
			return err
		}
		first, err = s.ack(ctx, tx, d, via)
		return err
	})
	return first, err
}

// ack marks d acknowledged, stops the escalations it makes moot, and
// writes it on the timeline.
func (s *Service) ack(ctx context.Context, tx *store.Tx, d *delivery, via string) (bool, error) {
	if d.Status == StatusAcknowledged {
		return false, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, acked_at = ?, ack_via = ? WHERE id = ?`,
		StatusAcknowledged, s.opts.Now().Unix(), via, d.ID); err != nil {
		return false, err
	}
	st, err := loadState(ctx, tx, d.Case)
	if err != nil {
		return false, err
	}
	if d.Stage != StageBroadcast {
		if err := s.cancelEscalations(ctx, tx, d.Case, d.Tier, max(st.tier, d.Tier)); err != nil {
			return false, err
		}
	}
	if d.Event != 0 { // a summarised dispatch's deliveries have no entry of their own
		if err := s.Cases.SetEventStatus(ctx, tx, d.Event, StatusAcknowledged, ""); err != nil {
			return false, err
		}
	}
	if d.Batch != 0 {
		if err := s.settleBatch(ctx, tx, d.Batch); err != nil {
			return false, err
		}
	}
	name := "responder"
	if r, err := s.responder(ctx, d.Responder); err == nil {
		name = r.Name
	}
	text := fmt.Sprintf("Acknowledged by %s (%s, tier %d)", name, via, d.Tier)
	if _, err := s.Cases.AddEvent(ctx, tx, d.Case, EventAck, text, ""); err != nil {
		return false, err
	}
	return true, s.audit(ctx, tx, "acknowledge", "delivery", fmt.Sprint(d.ID))
}

// Verdicts a verifier may give.
const (
	VerdictConfirmed  = "confirmed"
	VerdictFalseAlarm = "false_alarm"
)

// Verify records a verifier's verdict given through their link: the
// request is acknowledged, the case's verification set, and a confirmed
// report broadcast, in one transaction.
func (s *Service) Verify(ctx context.Context, token, verdict string) error {
	if verdict != VerdictConfirmed && verdict != VerdictFalseAlarm {
		return ErrVerdict
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		d, err := s.byToken(ctx, tx, token)
		if err != nil {
			return err
		}
		if d.Stage != StageVerify {
			return ErrNotVerify
		}
		c, err := s.Cases.Case(ctx, d.Case)
		if err != nil {
			return err
		}
		if c.Status == "closed" || c.Verification != "" && c.Verification != "pending" {
			return ErrDecided // a reviewer or another verifier was first
		}
		if _, err := s.ack(ctx, tx, d, "verify"); err != nil {
			return err
		}
		if err := s.Cases.SetVerification(ctx, tx, d.Case, verdict); err != nil {
			return err
		}
		// The case desk's hook has most likely seen the verdict already;
		// the state table makes this second look a no-op.
		c.Verification = verdict
		return s.onChange(ctx, tx, c)
	})
}

// ErrNotAck is returned by Reply when the text is not an acknowledgement.
var ErrNotAck = errors.New("alerting: reply is not an acknowledgement")

// Reply handles an inbound SMS or Signal message from a number: when it
// acknowledges, the newest open delivery to that number's responder (of
// the named case, if the text names one) is acknowledged.
func (s *Service) Reply(ctx context.Context, channel, from, text string) error {
	r := ParseReply(text)
	if !r.Ack {
		return ErrNotAck
	}
	resp, err := s.Responders.ByChannelAddress(ctx, channel, from)
	if err != nil {
		return err
	}
	var caseID int64
	if r.Ref != "" {
		c, err := s.Cases.CaseByRef(ctx, r.Ref)
		if err != nil {
			return err
		}
		caseID = c.ID
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		q := `SELECT ` + deliveryCols + ` FROM deliveries WHERE responder_id = ? AND stage <> ? AND status <> ?`
		args := []any{resp.ID, StageBroadcast, StatusAcknowledged}
		if caseID != 0 {
			q += ` AND case_id = ?`
			args = append(args, caseID)
		}
		d, err := scanDelivery(tx.QueryRow(ctx, q+` ORDER BY id DESC LIMIT 1`, args...))
		if err != nil {
			return err
		}
		_, err = s.ack(ctx, tx, d, channel)
		return err
	})
}
