package casedesk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/store"
)

const caseColumns = `id, ref, kind, region, status, phase, severity, verification, people, details, opened_by, opened_at,
	last_contact_at, updated_at, closed_at, closed_by, outcome, outcome_note, rescued, dead, missing, incident_id`

type scanner interface{ Scan(...any) error }

// scanCase reads one row and decrypts its details and outcome note.
func (s *Store) scanCase(r scanner) (*Case, error) {
	var c Case
	var people, rescued, dead, missing, incident sql.NullInt64
	var details, note []byte
	var opened, contact, updated, closed, closedBy int64
	var outcome string
	err := r.Scan(&c.ID, &c.Ref, &c.Kind, &c.Region, &c.Status, &c.Phase, &c.Severity, &c.Verification, &people, &details,
		&c.OpenedBy, &opened, &contact, &updated, &closed, &closedBy, &outcome, &note, &rescued, &dead, &missing, &incident)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.People = nullInt(people)
	c.OpenedAt, c.LastContactAt, c.UpdatedAt = fromUnix(opened), fromUnix(contact), fromUnix(updated)
	c.IncidentID = incident.Int64
	b, err := s.open("cases", c.ID, "details", details)
	if err != nil {
		return nil, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &c.Details); err != nil {
			return nil, err
		}
	}
	if outcome != "" {
		cl := &Closure{Outcome: outcome, Rescued: nullInt(rescued), Dead: nullInt(dead), Missing: nullInt(missing),
			ClosedAt: fromUnix(closed), ClosedBy: closedBy}
		b, err := s.open("cases", c.ID, "outcome_note", note)
		if err != nil {
			return nil, err
		}
		if len(b) > 0 {
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, err
			}
			cl.RescuedBy, cl.TakenTo = m["by"], m["to"]
		}
		c.Closure = cl
	}
	return &c, nil
}

// Get loads a case with its last position.
func (s *Store) Get(ctx context.Context, id int64) (*Case, error) {
	c, err := s.scanCase(s.DB.QueryRow(ctx, "SELECT "+caseColumns+" FROM cases WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	return c, s.lastFix(ctx, s.DB, c)
}

// GetByRef loads a case by its reference.
func (s *Store) GetByRef(ctx context.Context, ref string) (*Case, error) {
	c, err := s.scanCase(s.DB.QueryRow(ctx, "SELECT "+caseColumns+" FROM cases WHERE ref = ?", ref))
	if err != nil {
		return nil, err
	}
	return c, s.lastFix(ctx, s.DB, c)
}

// getTx loads a case inside a write transaction (which sees its own
// uncommitted changes; the read pool does not).
func (s *Store) getTx(ctx context.Context, tx *store.Tx, id int64) (*Case, error) {
	c, err := s.scanCase(tx.QueryRow(ctx, "SELECT "+caseColumns+" FROM cases WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	return c, s.lastFix(ctx, tx, c)
}

func (s *Store) lastFix(ctx context.Context, q store.Querier, c *Case) error {
	var id, at int64
	var fix []byte
	err := q.QueryRow(ctx, "SELECT id, at, fix FROM case_events WHERE case_id = ? AND fix IS NOT NULL ORDER BY at DESC, created_at DESC LIMIT 1", c.ID).Scan(&id, &at, &fix)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	f, err := s.openFix(id, at, fix)
	c.LastPosition = f
	return err
}

func (s *Store) openFix(id, at int64, ct []byte) (*Fix, error) {
	b, err := s.open("case_events", id, "fix", ct)
	if err != nil || b == nil {
		return nil, err
	}
	var j fixJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &Fix{Point: geo.Point{Lat: j.Lat, Lon: j.Lon}, At: fromUnix(at), PrecisionM: j.P}, nil
}

// Track returns a case's positions, oldest first.
func (s *Store) Track(ctx context.Context, id int64) ([]Fix, error) {
	tracks, err := s.tracks(ctx, "case_id = ?", id)
	return tracks[id], err
}

// tracks returns the positions of the cases matching cond, oldest first.
func (s *Store) tracks(ctx context.Context, cond string, args ...any) (map[int64][]Fix, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, case_id, at, fix FROM case_events WHERE fix IS NOT NULL AND "+cond+" ORDER BY at, created_at", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]Fix{}
	for rows.Next() {
		var id, caseID, at int64
		var fix []byte
		if err := rows.Scan(&id, &caseID, &at, &fix); err != nil {
			return nil, err
		}
		f, err := s.openFix(id, at, fix)
		if err != nil {
			return nil, err
		}
		if f != nil {
			out[caseID] = append(out[caseID], *f)
		}
	}
	return out, rows.Err()
}

// Timeline returns a case's entries, newest first.
func (s *Store) Timeline(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, at, author, kind, body, fix, status FROM case_events WHERE case_id = ? ORDER BY at DESC, created_at DESC", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{CaseID: id}
		var at int64
		var body, fix []byte
		if err := rows.Scan(&e.ID, &at, &e.Author, &e.Kind, &body, &fix, &e.Status); err != nil {
			return nil, err
		}
		e.At = fromUnix(at)
		b, err := s.open("case_events", e.ID, "body", body)
		if err != nil {
			return nil, err
		}
		e.Text = string(b)
		if e.Fix, err = s.openFix(e.ID, at, fix); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// BoardCase is an open case on the board with its track.
type BoardCase struct {
	*Case
	Track []Fix
}

// Board returns the open cases, most urgent first: phase (or raid
// verification), then severity, then the longest silence.
func (s *Store) Board(ctx context.Context) ([]BoardCase, error) {
	rows, err := s.DB.Query(ctx, "SELECT "+caseColumns+" FROM cases WHERE status = ?", StatusOpen)
	if err != nil {
		return nil, err
	}
	var cases []*Case
	for rows.Next() {
		c, err := s.scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortByUrgency(cases)
	tracks, err := s.tracks(ctx, "case_id IN (SELECT id FROM cases WHERE status = ?)", StatusOpen)
	if err != nil {
		return nil, err
	}
	out := make([]BoardCase, len(cases))
	for i, c := range cases {
		t := tracks[c.ID]
		if len(t) > 0 {
			last := t[len(t)-1]
			c.LastPosition = &last
		}
		out[i] = BoardCase{Case: c, Track: t}
	}
	return out, nil
}

func sortByUrgency(cases []*Case) {
	sort.SliceStable(cases, func(i, j int) bool {
		a, b := cases[i], cases[j]
		if ua, ub := a.urgency(), b.urgency(); ua != ub {
			return ua < ub
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if !a.LastContactAt.Equal(b.LastContactAt) {
			return a.LastContactAt.Before(b.LastContactAt) // longest silence first
		}
		return a.Ref < b.Ref
	})
}

// Closed returns the most recently closed cases.
func (s *Store) Closed(ctx context.Context, limit int) ([]*Case, error) {
	rows, err := s.DB.Query(ctx, "SELECT "+caseColumns+" FROM cases WHERE status = ? ORDER BY closed_at DESC LIMIT ?", StatusClosed, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Case
	for rows.Next() {
		c, err := s.scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

var regionCode = regexp.MustCompile(`^[A-Z]{2,4}$`)

// ValidRegionCode says whether code may be a region code: 2 to 4 capital
// letters, since it goes into every reference.
func ValidRegionCode(code string) bool { return regionCode.MatchString(code) }

// Regions lists the region codes.
func (s *Store) Regions(ctx context.Context) ([]Region, error) {
	rows, err := s.DB.Query(ctx, "SELECT code, name FROM case_regions ORDER BY code")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Region
	for rows.Next() {
		var r Region
		if err := rows.Scan(&r.Code, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ErrExists: the region code is already taken.
var ErrExists = errors.New("casedesk: already exists")

// AddRegion adds a region code with its name.
func (s *Store) AddRegion(ctx context.Context, code, name string) error {
	code = strings.TrimSpace(code)
	name = strings.TrimSpace(name)
	if !ValidRegionCode(code) || name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return ErrInvalid
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM case_regions WHERE code = ?", code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		if _, err := tx.Exec(ctx, "INSERT INTO case_regions (code, name, created_at) VALUES (?, ?, ?)", code, name, time.Now().Unix()); err != nil {
			return err
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Create, RecordType: "case_region", RecordID: code})
	})
}

// hasRegion says whether a region code exists.
func (s *Store) hasRegion(ctx context.Context, code string) (bool, error) {
	var n int
	err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM case_regions WHERE code = ?", code).Scan(&n)
	return n > 0, err
}
