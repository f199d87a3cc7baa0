package casedesk

import (
	"context"
	"strconv"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store"
)

// incidentType maps an outcome to the documentation's incident type.
func incidentType(outcome string) string {
	switch outcome {
	case OutcomeShipwreck, OutcomeDead:
		return "death"
	case OutcomeMissing:
		return "disappearance"
	case OutcomeIntercepted, OutcomePushedBack:
		return "pushback"
	}
	return "other"
}

// IncidentFrom builds the incident a closed distress case becomes: type
// from the outcome, date of closing, last position, counts.
func IncidentFrom(c *Case) *incident.Incident {
	inc := &incident.Incident{Type: incidentType(c.Closure.Outcome), OccurredAt: c.Closure.ClosedAt,
		DatePrecision: incident.PrecisionTime, Sources: c.Ref}
	if c.LastPosition != nil {
		inc.OccurredAt = c.LastPosition.At
		inc.Point = &incident.Point{Lat: c.LastPosition.Point.Lat, Lon: c.LastPosition.Point.Lon}
		inc.PointPrecisionM = int(c.LastPosition.PrecisionM)
	}
	inc.Counts = incident.Counts{GroupSize: c.People, Dead: c.Closure.Dead, Missing: c.Closure.Missing,
		Survivors: c.Closure.Rescued, Minors: c.Details.Minors, Women: c.Details.Women, Men: c.Details.Men}
	return inc
}

// MakeIncident turns a closed distress case into a draft incident of the
// documentation records (its author completes and submits it) and links
// the two, in ONE transaction: claim, incident (with its audit entry),
// link and timeline entry land together or not at all, so a crash or a
// failed step never leaves a case claimed without an incident. The
// conditional UPDATE is the claim: of two concurrent clicks, the second
// finds incident_id set (PostgreSQL waits on the row lock; SQLite has one
// writer) and gets ErrState.
func (s *Store) MakeIncident(ctx context.Context, id int64, incidents *incident.Store) (int64, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	if !c.Distress() || c.Open() || c.Closure == nil || c.IncidentID != 0 {
		return 0, ErrState
	}
	var incID int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE cases SET incident_id = 0 WHERE id = ? AND status = ? AND incident_id IS NULL", id, StatusClosed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrState
		}
		inc := IncidentFrom(c)
		if err := incidents.CreateTx(ctx, tx, inc, nil); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE cases SET incident_id = ?, updated_at = ? WHERE id = ?", inc.ID, s.Now().Unix(), id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, audit.Update, "case", id); err != nil {
			return err
		}
		if _, err := s.insertEvent(ctx, tx, id, Event{At: minute(s.Now()), Author: audit.ActorOf(ctx), Kind: EventIncident, Text: inc.Ref}); err != nil {
			return err
		}
		incID = inc.ID
		return nil
	})
	if err != nil {
		return 0, err
	}
	return incID, nil
}

// IncidentLink is the path of a case's incident.
func IncidentLink(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }
