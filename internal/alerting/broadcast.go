package alerting

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/store"
)

// Broadcast is a raid alert sent to the wider network after a verifier
// confirmed the report. Its area is coarse (about 1 km) on purpose.
type Broadcast struct {
	ID        int64
	CaseID    int64
	Ref       string
	Centre    geo.Point
	RadiusKm  float64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Active says whether the alert still shows outside the history.
func (b Broadcast) Active(now time.Time) bool { return now.Before(b.ExpiresAt) }

// DefaultBroadcastHours is how long a raid alert lasts without a rule.
const DefaultBroadcastHours = 12

// coarsen snaps a point to 0.01° (about 1.1 km of latitude): an alert
// says which streets, never which door.
func coarsen(p geo.Point) geo.Point {
	return geo.Point{Lat: math.Round(p.Lat*100) / 100, Lon: math.Round(p.Lon*100) / 100}
}

// broadcast records the alert of a confirmed raid report and sends it to
// the responders of the tier 1 raid rules that match it.
func (s *Service) broadcast(ctx context.Context, tx *store.Tx, c *Case) error {
	var exists int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM broadcast_alerts WHERE case_id = ?`, c.ID).Scan(&exists); err != nil {
		return err
	}
	if exists > 0 {
		return nil
	}
	rules, err := loadRules(ctx, tx, true)
	if err != nil {
		return err
	}
	hours, radius, ruleID := DefaultBroadcastHours, s.opts.DefaultRadiusKm, int64(0)
	for i := range rules {
		if r := &rules[i]; r.Tier == 1 && r.Matches(c) {
			hours, ruleID = r.BroadcastHours, r.ID
			if r.Area.Kind() == AreaCircle {
				radius = r.Area.RadiusKm
			}
			break
		}
	}
	var centre geo.Point
	if c.Position != nil {
		centre = coarsen(*c.Position)
	}
	radius = math.Max(1, math.Ceil(radius))
	now := s.opts.Now()
	expires := now.Add(time.Duration(hours) * time.Hour)
	id, err := store.InsertID(ctx, tx, `INSERT INTO broadcast_alerts (case_id, ref, rule_id, lat, lon, radius_km, created_at, expires_at)
		VALUES (?,?,?,?,?,?,?,?)`, c.ID, c.Ref, ruleID, centre.Lat, centre.Lon, radius, now.Unix(), expires.Unix())
	if err != nil {
		return err
	}
	n, err := s.dispatch(ctx, tx, c, StageBroadcast, 1, 0)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("Confirmed: raid alert broadcast within %.0f km, %d deliveries, expires %s UTC",
		radius, n, expires.UTC().Format("2006-01-02 15:04"))
	if _, err := s.Cases.AddEvent(ctx, tx, c.ID, EventNote, text, ""); err != nil {
		return err
	}
	return s.audit(ctx, tx, "create", "broadcast_alert", fmt.Sprint(id))
}

// Alerts lists broadcast alerts, newest first: the active ones, or with
// history every one (coordinators' page).
func (s *Service) Alerts(ctx context.Context, history bool, limit int) ([]Broadcast, error) {
	q := `SELECT id, case_id, ref, lat, lon, radius_km, created_at, expires_at FROM broadcast_alerts`
	args := []any{}
	if !history {
		q += ` WHERE expires_at > ?`
		args = append(args, s.opts.Now().Unix())
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	rows, err := s.DB.Query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Broadcast
	for rows.Next() {
		var b Broadcast
		var created, expires int64
		if err := rows.Scan(&b.ID, &b.CaseID, &b.Ref, &b.Centre.Lat, &b.Centre.Lon, &b.RadiusKm, &created, &expires); err != nil {
			return nil, err
		}
		b.CreatedAt, b.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// DeliveryStatus is one delivery as the case page or a test sees it.
type DeliveryStatus struct {
	ID, Responder int64
	Channel       string
	Stage         string
	Tier          int
	Status        string
	Attempts      int
	LastError     string
}

// Deliveries lists a case's deliveries in the order they were made.
func (s *Service) Deliveries(ctx context.Context, caseID int64) ([]DeliveryStatus, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, responder_id, channel, stage, tier, status, attempts, last_error
		FROM deliveries WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeliveryStatus
	for rows.Next() {
		var d DeliveryStatus
		if err := rows.Scan(&d.ID, &d.Responder, &d.Channel, &d.Stage, &d.Tier, &d.Status, &d.Attempts, &d.LastError); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
