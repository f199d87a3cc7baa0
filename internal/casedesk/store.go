package casedesk

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// Publisher is the part of live.Broker the store needs: it tells open
// pages that something changed, after the change has committed.
type Publisher interface {
	Publish(ctx context.Context, topic, data string) error
}

// Live topics.
const (
	TopicBoard = "cases"
)

// TopicCase is the live topic of one case's page.
func TopicCase(id int64) string { return "case:" + strconv.FormatInt(id, 10) }

// Hooks let the alerting package act on case changes. They run INSIDE the
// transaction of the change, so whatever they queue lands with it or not
// at all; they must not do network I/O.
type Hooks interface {
	CaseOpened(ctx context.Context, tx *store.Tx, c *Case) error
	CaseChanged(ctx context.Context, tx *store.Tx, c *Case, e Event) error // phase, position, verification, close
}

// Store keeps cases, their timelines and handover notes.
type Store struct {
	DB     *store.DB
	Cipher vault.Cipher
	Audit  *audit.Log
	Live   Publisher
	Log    *slog.Logger
	Now    func() time.Time

	mu    sync.RWMutex
	hooks Hooks

	// board counts the changes that alter the board, so a rendered board
	// can be kept until the next one (boardCache).
	board atomic.Uint64
}

// BoardVersion is a number that grows with every change this process
// made (or heard of) that alters the board.
func (s *Store) BoardVersion() uint64 { return s.board.Load() }

// boardChanged bumps the board version. It runs after the commit and
// before the publish: a board refetching because of the event then asks
// for the new version, whose render starts after the change landed.
func (s *Store) boardChanged() { s.board.Add(1) }

// NewStore returns the case store. b may be nil (no live updates).
func NewStore(db *store.DB, v vault.Cipher, a *audit.Log, b live.Broker) *Store {
	return &Store{DB: db, Cipher: v, Audit: a, Live: b, Log: slog.Default(), Now: time.Now}
}

// SetHooks registers the alerting package's hooks.
func (s *Store) SetHooks(h Hooks) {
	s.mu.Lock()
	s.hooks = h
	s.mu.Unlock()
}

func (s *Store) getHooks() Hooks {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.hooks
}

// newID returns a random positive id below 2^53 (safe as a JSON number)
// that says nothing about how many cases exist.
func newID() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>11) | 1
}

func loc(table string, id int64, field string) vault.Location {
	return vault.Location{Table: table, Record: strconv.FormatInt(id, 10), Field: field}
}

func (s *Store) seal(table string, id int64, field string, value []byte) (any, error) {
	if len(value) == 0 {
		return nil, nil
	}
	return s.Cipher.Encrypt(loc(table, id, field), value)
}

func (s *Store) open(table string, id int64, field string, ct []byte) ([]byte, error) {
	if ct == nil {
		return nil, nil
	}
	return s.Cipher.Decrypt(loc(table, id, field), ct)
}

// minute truncates t to the minute: the timeline's precision.
func minute(t time.Time) time.Time { return t.UTC().Truncate(time.Minute) }

func fromUnix(u int64) time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(u, 0).UTC()
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// changed tells open pages about a case after the transaction commits.
func (s *Store) changed(ctx context.Context, tx *store.Tx, caseID int64) {
	tx.AfterCommit(s.boardChanged)
	if s.Live == nil {
		return
	}
	tx.AfterCommit(func() {
		// A page that misses this refreshes on the next change or by hand:
		// a failed publish must not fail a change that has landed.
		ctx := context.WithoutCancel(ctx)
		id := strconv.FormatInt(caseID, 10)
		if err := s.Live.Publish(ctx, TopicBoard, id); err != nil {
			s.Log.Warn("live publish failed", "topic", TopicBoard, "err", err)
		}
		if err := s.Live.Publish(ctx, TopicCase(caseID), id); err != nil {
			s.Log.Warn("live publish failed", "topic", "case", "err", err)
		}
	})
}

func (s *Store) audit(ctx context.Context, tx *store.Tx, action, typ string, id int64) error {
	return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: action, RecordType: typ, RecordID: strconv.FormatInt(id, 10)})
}

// nextRef hands out the next reference of the day and region in one
// statement, so concurrent opens never share a number (see incident).
func (s *Store) nextRef(ctx context.Context, tx *store.Tx, region string, now time.Time) (string, error) {
	day := now.UTC().Format("2006-01-02")
	var last int
	err := tx.QueryRow(ctx, `INSERT INTO case_seq (day, region, last) VALUES (?, ?, 1)
		ON CONFLICT (day, region) DO UPDATE SET last = case_seq.last + 1 RETURNING last`, day, region).Scan(&last)
	return fmt.Sprintf("%s-%s-%03d", day, region, last), err
}

// Open stores a new case with its first timeline entry (and its first
// position when fix is not nil), calls the CaseOpened hook and publishes.
// It sets c.ID, c.Ref, c.Status and the times.
func (s *Store) Open(ctx context.Context, c *Case, fix *Fix) error {
	if err := checkNew(c); err != nil {
		return err
	}
	now := minute(s.Now())
	c.ID = newID()
	c.Status = StatusOpen
	c.OpenedAt, c.LastContactAt, c.UpdatedAt = now, now, now
	c.OpenedBy = audit.ActorOf(ctx)
	c.Closure, c.IncidentID = nil, 0
	if c.Kind == KindRaid {
		c.Phase, c.Verification = "", VerifyPending
	} else {
		c.Verification = ""
		if c.Phase == "" {
			c.Phase = PhaseUncertainty
		}
	}
	if c.Severity == 0 {
		c.Severity = 3
	}
	details, err := json.Marshal(c.Details)
	if err != nil {
		return err
	}
	sealed, err := s.seal("cases", c.ID, "details", details)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		ref, err := s.nextRef(ctx, tx, c.Region, now)
		if err != nil {
			return err
		}
		c.Ref = ref
		if _, err := tx.Exec(ctx, `INSERT INTO cases (id, ref, kind, region, status, phase, severity, verification, people, details,
			opened_by, opened_at, last_contact_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Ref, c.Kind, c.Region, c.Status, c.Phase, c.Severity, c.Verification, intOrNil(c.People), sealed,
			c.OpenedBy, now.Unix(), now.Unix(), now.Unix()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, audit.Create, "case", c.ID); err != nil {
			return err
		}
		if _, err := s.insertEvent(ctx, tx, c.ID, Event{At: now, Author: c.OpenedBy, Kind: EventOpened}); err != nil {
			return err
		}
		if fix != nil {
			// The first position comes with CaseOpened, not as a change.
			f := *fix
			if f.At.IsZero() {
				f.At = now
			}
			f.At = minute(f.At)
			if _, err := s.insertEvent(ctx, tx, c.ID, Event{At: f.At, Author: c.OpenedBy, Kind: EventPosition, Fix: &f}); err != nil {
				return err
			}
			c.LastPosition = &f
		}
		if h := s.getHooks(); h != nil {
			if err := h.CaseOpened(ctx, tx, c); err != nil {
				return err
			}
		}
		s.changed(ctx, tx, c.ID)
		return nil
	})
}

func checkNew(c *Case) error {
	if !contains(Kinds, c.Kind) {
		return fmt.Errorf("%w: kind", ErrInvalid)
	}
	if c.Phase != "" && !contains(Phases, c.Phase) {
		return fmt.Errorf("%w: phase", ErrInvalid)
	}
	if c.Severity < 0 || c.Severity > 5 {
		return fmt.Errorf("%w: severity", ErrInvalid)
	}
	if !regionCode.MatchString(c.Region) {
		return fmt.Errorf("%w: region", ErrInvalid)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// contactKinds move "last contact": the people in distress were heard from.
var contactKinds = map[string]bool{EventCall: true, EventMessage: true, EventPosition: true, EventOpened: true}

// AddEvent appends an entry (kind from EventKinds) to a case's timeline
// inside the caller's transaction, audited; open pages hear of it after the commit. A position
// entry also calls the CaseChanged hook.
func (s *Store) AddEvent(ctx context.Context, tx *store.Tx, caseID int64, e Event) (int64, error) {
	if !contains(EventKinds, e.Kind) {
		return 0, fmt.Errorf("%w: event kind", ErrInvalid)
	}
	if e.Kind == EventPosition && e.Fix == nil {
		return 0, fmt.Errorf("%w: position without a fix", ErrInvalid)
	}
	if e.Status != "" && !contains(DeliveryStatuses, e.Status) {
		return 0, fmt.Errorf("%w: event status", ErrInvalid)
	}
	if e.At.IsZero() {
		e.At = s.Now()
	}
	e.At = minute(e.At)
	if e.Fix != nil {
		e.Fix.At = e.At
	}
	id, err := s.insertEvent(ctx, tx, caseID, e)
	if err != nil {
		return 0, err
	}
	e.ID, e.CaseID = id, caseID
	if e.Kind == EventPosition {
		if h := s.getHooks(); h != nil {
			c, err := s.getTx(ctx, tx, caseID)
			if err != nil {
				return 0, err
			}
			if err := h.CaseChanged(ctx, tx, c, e); err != nil {
				return 0, err
			}
		}
	}
	return id, nil
}

// insertEvent writes one timeline row and moves the case's times.
func (s *Store) insertEvent(ctx context.Context, tx *store.Tx, caseID int64, e Event) (int64, error) {
	id := newID()
	body, err := s.seal("case_events", id, "body", []byte(e.Text))
	if err != nil {
		return 0, err
	}
	var fix any
	if e.Fix != nil {
		if !validPoint(e.Fix.Point) {
			return 0, fmt.Errorf("%w: position out of range", ErrInvalid)
		}
		b, _ := json.Marshal(fixJSON{Lat: e.Fix.Point.Lat, Lon: e.Fix.Point.Lon, P: e.Fix.PrecisionM})
		if fix, err = s.seal("case_events", id, "fix", b); err != nil {
			return 0, err
		}
	}
	now := s.Now().Unix()
	res, err := tx.Exec(ctx, `UPDATE cases SET updated_at = ?,
		last_contact_at = CASE WHEN ? AND last_contact_at < ? THEN ? ELSE last_contact_at END,
		last_fix_at = CASE WHEN ? AND last_fix_at < ? THEN ? ELSE last_fix_at END WHERE id = ?`,
		now, contactKinds[e.Kind], e.At.Unix(), e.At.Unix(), e.Fix != nil, e.At.Unix(), e.At.Unix(), caseID)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrNotFound
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_events (id, case_id, at, author, kind, body, fix, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, caseID, e.At.Unix(), e.Author, e.Kind, body, fix, e.Status, now); err != nil {
		return 0, err
	}
	if err := s.audit(ctx, tx, audit.Create, "case_event", id); err != nil {
		return 0, err
	}
	s.changed(ctx, tx, caseID)
	return id, nil
}

type fixJSON struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	P   float64 `json:"p,omitempty"`
}

func validPoint(p geo.Point) bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// SetEventStatus sets a delivery's status; a note, when given, is added
// to the timeline as a status entry.
func (s *Store) SetEventStatus(ctx context.Context, tx *store.Tx, eventID int64, status, note string) error {
	if !contains(DeliveryStatuses, status) {
		return fmt.Errorf("%w: event status", ErrInvalid)
	}
	var caseID int64
	if err := tx.QueryRow(ctx, "SELECT case_id FROM case_events WHERE id = ?", eventID).Scan(&caseID); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE case_events SET status = ? WHERE id = ?", status, eventID); err != nil {
		return err
	}
	if err := s.audit(ctx, tx, audit.Update, "case_event", eventID); err != nil {
		return err
	}
	if note != "" {
		if _, err := s.insertEvent(ctx, tx, caseID, Event{At: minute(s.Now()), Author: audit.ActorOf(ctx), Kind: EventStatus, Text: note, Status: status}); err != nil {
			return err
		}
	}
	s.changed(ctx, tx, caseID)
	return nil
}

// SetVerification records a raid report's verdict (confirmed or
// false_alarm) by account by (0 for a verifier answering by link).
func (s *Store) SetVerification(ctx context.Context, tx *store.Tx, caseID int64, verdict string, by int64) error {
	if !contains(Verdicts, verdict) {
		return fmt.Errorf("%w: verdict", ErrInvalid)
	}
	c, err := s.getTx(ctx, tx, caseID)
	if err != nil {
		return err
	}
	if c.Kind != KindRaid || !c.Open() {
		return ErrState
	}
	now := minute(s.Now())
	if _, err := tx.Exec(ctx, "UPDATE cases SET verification = ?, updated_at = ? WHERE id = ?", verdict, now.Unix(), caseID); err != nil {
		return err
	}
	if err := s.audit(ctx, tx, audit.Update, "case", caseID); err != nil {
		return err
	}
	c.Verification = verdict
	e := Event{At: now, Author: by, Kind: EventVerification, Status: ""}
	e.Text = verdict
	if e.ID, err = s.insertEvent(ctx, tx, caseID, e); err != nil {
		return err
	}
	e.CaseID = caseID
	return s.hookChanged(ctx, tx, c, e)
}

func (s *Store) hookChanged(ctx context.Context, tx *store.Tx, c *Case, e Event) error {
	if h := s.getHooks(); h != nil {
		return h.CaseChanged(ctx, tx, c, e)
	}
	return nil
}

// SetPhase changes a distress case's phase, severity and head count.
func (s *Store) SetPhase(ctx context.Context, id int64, phase string, severity int, people *int) error {
	if !contains(Phases, phase) || severity < 1 || severity > 5 || (people != nil && (*people < 0 || *people > maxCount)) {
		return ErrInvalid
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !c.Distress() || !c.Open() {
			return ErrState
		}
		now := minute(s.Now())
		if _, err := tx.Exec(ctx, "UPDATE cases SET phase = ?, severity = ?, people = ?, updated_at = ? WHERE id = ?",
			phase, severity, intOrNil(people), now.Unix(), id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, audit.Update, "case", id); err != nil {
			return err
		}
		c.Phase, c.Severity, c.People = phase, severity, people
		e := Event{At: now, Author: audit.ActorOf(ctx), Kind: EventPhase, Text: phase + " " + strconv.Itoa(severity)}
		if e.ID, err = s.insertEvent(ctx, tx, id, e); err != nil {
			return err
		}
		e.CaseID = id
		return s.hookChanged(ctx, tx, c, e)
	})
}

// Close ends a case with its outcome. The caller validated cl (see
// ParseClose); the store refuses an outcome outside the kind's list.
func (s *Store) Close(ctx context.Context, id int64, cl Closure) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !c.Open() {
			return ErrState
		}
		if list := outcomesOf(c.Kind); !contains(list, cl.Outcome) {
			return fmt.Errorf("%w: outcome", ErrInvalid)
		}
		now := minute(s.Now())
		cl.ClosedAt, cl.ClosedBy = now, audit.ActorOf(ctx)
		note, err := s.seal("cases", id, "outcome_note", outcomeNote(cl))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = ?, closed_at = ?, closed_by = ?, outcome = ?, outcome_note = ?,
			rescued = ?, dead = ?, missing = ?, updated_at = ? WHERE id = ?`,
			StatusClosed, now.Unix(), cl.ClosedBy, cl.Outcome, note, intOrNil(cl.Rescued), intOrNil(cl.Dead), intOrNil(cl.Missing), now.Unix(), id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, audit.Update, "case", id); err != nil {
			return err
		}
		c.Status, c.Closure = StatusClosed, &cl
		e := Event{At: now, Author: cl.ClosedBy, Kind: EventClosed, Text: cl.Outcome}
		if e.ID, err = s.insertEvent(ctx, tx, id, e); err != nil {
			return err
		}
		e.CaseID = id
		return s.hookChanged(ctx, tx, c, e)
	})
}

func outcomesOf(kind string) []string {
	if kind == KindRaid {
		return RaidOutcomes
	}
	return Outcomes
}

func outcomeNote(cl Closure) []byte {
	if cl.RescuedBy == "" && cl.TakenTo == "" {
		return nil
	}
	b, _ := json.Marshal(map[string]string{"by": cl.RescuedBy, "to": cl.TakenTo})
	return b
}

// Reopen opens a closed case again; its outcome is kept in the timeline
// but cleared from the case.
func (s *Store) Reopen(ctx context.Context, id int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Open() {
			return ErrState
		}
		now := minute(s.Now())
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = ?, closed_at = 0, closed_by = 0, outcome = '', outcome_note = NULL,
			rescued = NULL, dead = NULL, missing = NULL, updated_at = ? WHERE id = ?`, StatusOpen, now.Unix(), id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, audit.Update, "case", id); err != nil {
			return err
		}
		_, err = s.insertEvent(ctx, tx, id, Event{At: now, Author: audit.ActorOf(ctx), Kind: EventReopened})
		return err
	})
}

// AddEntry adds a hand-typed timeline entry in a transaction of its own.
func (s *Store) AddEntry(ctx context.Context, caseID int64, e Event) (int64, error) {
	if !contains(EntryKinds, e.Kind) {
		return 0, fmt.Errorf("%w: entry kind", ErrInvalid)
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, "SELECT status FROM cases WHERE id = ?", caseID).Scan(&status); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		var err error
		id, err = s.AddEvent(ctx, tx, caseID, e)
		return err
	})
	return id, err
}

// AddHandover stores a shift handover note.
func (s *Store) AddHandover(ctx context.Context, text string) (int64, error) {
	id := newID()
	body, err := s.Cipher.Encrypt(loc("case_handover", id, "body"), []byte(text))
	if err != nil {
		return 0, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO case_handover (id, author, body, at) VALUES (?, ?, ?, ?)",
			id, audit.ActorOf(ctx), body, s.Now().Unix()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, audit.Create, "case_handover", id); err != nil {
			return err
		}
		tx.AfterCommit(s.boardChanged)
		if s.Live != nil {
			tx.AfterCommit(func() {
				if err := s.Live.Publish(context.WithoutCancel(ctx), TopicBoard, "handover"); err != nil {
					s.Log.Warn("live publish failed", "topic", TopicBoard, "err", err)
				}
			})
		}
		return nil
	})
	return id, err
}

// Handovers returns the newest handover notes first.
func (s *Store) Handovers(ctx context.Context, limit int) ([]Handover, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, author, body, at FROM case_handover ORDER BY at DESC, id DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Handover
	for rows.Next() {
		var h Handover
		var body []byte
		var at int64
		if err := rows.Scan(&h.ID, &h.Author, &body, &at); err != nil {
			return nil, err
		}
		b, err := s.open("case_handover", h.ID, "body", body)
		if err != nil {
			return nil, err
		}
		h.Text, h.At = string(b), fromUnix(at)
		out = append(out, h)
	}
	return out, rows.Err()
}
