// Package adapt connects alerting to the case desk, the responders and
// the channels, so that alerting itself depends on none of them.
package adapt

import (
	"context"
	"errors"
	"strings"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/store"
)

// Cases is alerting.Cases over the case desk.
type Cases struct{ S *casedesk.Store }

// ToCase converts a case desk case to what alerting needs.
func ToCase(c *casedesk.Case) *alerting.Case {
	out := &alerting.Case{ID: c.ID, Ref: c.Ref, Kind: c.Kind, Region: c.Region, Status: c.Status, Phase: c.Phase,
		Verification: c.Verification, Severity: c.Severity, People: c.People, Phone: c.Details.Phone, Notes: c.Details.Notes}
	if c.LastPosition != nil {
		p := c.LastPosition.Point
		out.Position, out.FixAt = &p, c.LastPosition.At
	}
	// The codes go as codes: the message shows them in its language.
	out.ConditionCodes = strings.Join(c.Details.Conditions, ",")
	out.Condition = c.Details.Boat
	return out
}

func notFound(err error) error {
	if errors.Is(err, casedesk.ErrNotFound) {
		return alerting.ErrNoCase
	}
	if errors.Is(err, casedesk.ErrState) {
		return errors.Join(alerting.ErrDecided, err)
	}
	return err
}

// Case loads a case.
func (a Cases) Case(ctx context.Context, id int64) (*alerting.Case, error) {
	c, err := a.S.Get(ctx, id)
	if err != nil {
		return nil, notFound(err)
	}
	return ToCase(c), nil
}

// CaseByRef loads a case by reference.
func (a Cases) CaseByRef(ctx context.Context, ref string) (*alerting.Case, error) {
	c, err := a.S.GetByRef(ctx, ref)
	if err != nil {
		return nil, notFound(err)
	}
	return ToCase(c), nil
}

// AddEvent writes on the timeline, authored by the system.
func (a Cases) AddEvent(ctx context.Context, tx *store.Tx, caseID int64, kind, text, status string) (int64, error) {
	id, err := a.S.AddEvent(ctx, tx, caseID, casedesk.Event{Kind: kind, Text: text, Status: status})
	return id, notFound(err)
}

// SetEventStatus updates a delivery's timeline entry.
func (a Cases) SetEventStatus(ctx context.Context, tx *store.Tx, eventID int64, status, note string) error {
	return notFound(a.S.SetEventStatus(ctx, tx, eventID, status, note))
}

// SetVerification records a verifier's verdict (no account: by link).
func (a Cases) SetVerification(ctx context.Context, tx *store.Tx, caseID int64, verdict string) error {
	return notFound(a.S.SetVerification(ctx, tx, caseID, verdict, 0))
}

// Hooks is casedesk.Hooks calling alerting.
type Hooks struct{ A *alerting.Service }

// CaseOpened runs in the transaction that opens the case.
func (h Hooks) CaseOpened(ctx context.Context, tx *store.Tx, c *casedesk.Case) error {
	return h.A.CaseOpened(ctx, tx, ToCase(c))
}

// CaseChanged runs in the transaction of the change.
func (h Hooks) CaseChanged(ctx context.Context, tx *store.Tx, c *casedesk.Case, _ casedesk.Event) error {
	return h.A.CaseChanged(ctx, tx, ToCase(c))
}

var _ casedesk.Hooks = Hooks{}
