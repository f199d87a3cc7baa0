package alerting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/store"
)

// Rule says who is alerted about which cases: cases of Kinds, whose last
// position is in Area, at MinPhase or above and MinSeverity or above.
// Tier 1 rules fire when a case opens or its phase rises; tier n+1 rules
// fire when nobody acknowledged tier n within its AckMinutes.
type Rule struct {
	ID             int64
	Name           string
	Kinds          []string
	Area           Area
	MinPhase       string
	MinSeverity    int
	Tier           int
	AckMinutes     int
	Template       string // "" means the stage's own template
	BroadcastHours int    // lifetime of a raid broadcast this rule makes
	Active         bool
	Responders     []int64
}

// Case kinds and phases, in rising order of urgency.
var (
	CaseKinds = []string{"sea", "land", "raid"}
	Phases    = []string{"uncertainty", "alert", "distress"}
)

// PhaseRank orders phases: 0 for none or unknown, then 1, 2, 3.
func PhaseRank(p string) int { return slices.Index(Phases, p) + 1 }

// ErrNoRule is returned when a rule does not exist.
var ErrNoRule = errors.New("alerting: no such rule")

var templateName = regexp.MustCompile(`^[a-z0-9_]{0,40}$`)

// Validate checks everything but the area (ParseArea did that).
func (r *Rule) Validate() error {
	var errs []error
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || len(r.Name) > 200 {
		errs = append(errs, fieldErr("name", "alerting.err.name"))
	}
	if len(r.Kinds) == 0 {
		errs = append(errs, fieldErr("kinds", "alerting.err.kinds"))
	}
	for _, k := range r.Kinds {
		if !slices.Contains(CaseKinds, k) {
			errs = append(errs, fieldErr("kinds", "alerting.err.kinds"))
			break
		}
	}
	if r.MinPhase != "" && PhaseRank(r.MinPhase) == 0 {
		errs = append(errs, fieldErr("min_phase", "alerting.err.phase"))
	}
	if r.MinSeverity < 0 || r.MinSeverity > 5 {
		errs = append(errs, fieldErr("min_severity", "alerting.err.severity"))
	}
	if r.Tier < 1 || r.Tier > 9 {
		errs = append(errs, fieldErr("tier", "alerting.err.tier"))
	}
	if r.AckMinutes < 1 || r.AckMinutes > 7*24*60 {
		errs = append(errs, fieldErr("ack_minutes", "alerting.err.ack_minutes"))
	}
	if !templateName.MatchString(r.Template) {
		errs = append(errs, fieldErr("template", "alerting.err.template"))
	}
	if r.BroadcastHours < 1 || r.BroadcastHours > 7*24 {
		errs = append(errs, fieldErr("broadcast_hours", "alerting.err.broadcast_hours"))
	}
	if len(r.Responders) == 0 {
		errs = append(errs, fieldErr("responders", "alerting.err.responders"))
	}
	return errors.Join(errs...)
}

// Matches says whether the rule applies to the case as it is now.
func (r *Rule) Matches(c *Case) bool {
	if !r.Active || !slices.Contains(r.Kinds, c.Kind) {
		return false
	}
	if r.MinPhase != "" && PhaseRank(c.Phase) < PhaseRank(r.MinPhase) {
		return false
	}
	if c.Severity < r.MinSeverity {
		return false
	}
	if r.Area.Kind() == AreaAny {
		return true
	}
	return c.Position != nil && r.Area.Contains(*c.Position)
}

// Near says whether a verifier's home is within the rule's area around a
// raid report: within the radius of the report for a circle rule, inside
// the polygon for a polygon rule, anywhere for a rule without an area.
func (r *Rule) Near(c *Case, resp *Responder) bool {
	if resp.Home == nil || c.Position == nil {
		return false
	}
	switch r.Area.Kind() {
	case AreaCircle:
		return DistanceKm(*c.Position, *resp.Home) <= r.Area.RadiusKm
	case AreaPolygon:
		return r.Area.Contains(*resp.Home)
	}
	return true
}

const ruleCols = `id, name, kinds, area, min_phase, min_severity, tier, ack_minutes, template, broadcast_hours, active`

func scanRule(sc interface{ Scan(...any) error }) (Rule, error) {
	var r Rule
	var kinds, area string
	var active int
	if err := sc.Scan(&r.ID, &r.Name, &kinds, &area, &r.MinPhase, &r.MinSeverity, &r.Tier, &r.AckMinutes,
		&r.Template, &r.BroadcastHours, &active); err != nil {
		return r, err
	}
	r.Kinds = strings.Split(kinds, ",")
	r.Active = active == 1
	a, err := decodeArea(area)
	if err != nil {
		return r, fmt.Errorf("rule %d area: %w", r.ID, err)
	}
	r.Area = a
	return r, nil
}

// querier is a DB or a Tx.
type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// loadRules returns the rules (active only if asked), with responders.
func loadRules(ctx context.Context, q querier, activeOnly bool) ([]Rule, error) {
	where := ""
	if activeOnly {
		where = " WHERE active = 1"
	}
	rows, err := q.Query(ctx, `SELECT `+ruleCols+` FROM alert_rules`+where+` ORDER BY tier, id`)
	if err != nil {
		return nil, err
	}
	var out []Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rs, err := q.Query(ctx, `SELECT rule_id, responder_id FROM rule_responders ORDER BY rule_id, responder_id`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	byID := map[int64]*Rule{}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for rs.Next() {
		var rid, resp int64
		if err := rs.Scan(&rid, &resp); err != nil {
			return nil, err
		}
		if r := byID[rid]; r != nil {
			r.Responders = append(r.Responders, resp)
		}
	}
	return out, rs.Err()
}

// Rules lists every rule, by tier.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) { return loadRules(ctx, s.DB, false) }

// Rule loads one rule.
func (s *Service) Rule(ctx context.Context, id int64) (*Rule, error) {
	r, err := scanRule(s.DB.QueryRow(ctx, `SELECT `+ruleCols+` FROM alert_rules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoRule
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT responder_id FROM rule_responders WHERE rule_id = ? ORDER BY responder_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		r.Responders = append(r.Responders, v)
	}
	return &r, rows.Err()
}

// SaveRule creates (ID 0) or updates a rule, with its audit entry.
func (s *Service) SaveRule(ctx context.Context, r *Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := store.Now()
	active := 0
	if r.Active {
		active = 1
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		action := "update"
		args := []any{r.Name, strings.Join(r.Kinds, ","), r.Area.encode(), r.MinPhase, r.MinSeverity, r.Tier,
			r.AckMinutes, r.Template, r.BroadcastHours, active, now}
		if r.ID == 0 {
			action = "create"
			id, err := store.InsertID(ctx, tx, `INSERT INTO alert_rules (name, kinds, area, min_phase, min_severity, tier,
				ack_minutes, template, broadcast_hours, active, updated_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
				append(args, now)...)
			if err != nil {
				return err
			}
			r.ID = id
		} else {
			res, err := tx.Exec(ctx, `UPDATE alert_rules SET name = ?, kinds = ?, area = ?, min_phase = ?, min_severity = ?,
				tier = ?, ack_minutes = ?, template = ?, broadcast_hours = ?, active = ?, updated_at = ? WHERE id = ?`,
				append(args, r.ID)...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNoRule
			}
			if _, err := tx.Exec(ctx, `DELETE FROM rule_responders WHERE rule_id = ?`, r.ID); err != nil {
				return err
			}
		}
		for _, resp := range r.Responders {
			if _, err := tx.Exec(ctx, `INSERT INTO rule_responders (rule_id, responder_id) VALUES (?, ?)`, r.ID, resp); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, action, "alert_rule", strconv.FormatInt(r.ID, 10))
	})
}

// DeleteRule removes a rule. Deliveries it made stay, naming its id.
func (s *Service) DeleteRule(ctx context.Context, id int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM rule_responders WHERE rule_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM alert_rules WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoRule
		}
		return s.audit(ctx, tx, "delete", "alert_rule", strconv.FormatInt(id, 10))
	})
}
