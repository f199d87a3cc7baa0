package incident

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// Index is the in-memory free-text index the store keeps current.
type Index interface {
	Put(docID int64, fields ...string)
	// Add adds words to a document and keeps those it has.
	Add(docID int64, fields ...string)
	Delete(docID int64)
	Search(query string) []int64
	Reset()
	// BulkLoad fills an empty index faster than repeated Puts; searches
	// wait rather than see it half built.
	BulkLoad(docs func(yield func(id int64, fields ...string)))
}

// Store keeps incidents and testimonies.
type Store struct {
	DB     *store.DB
	Cipher vault.Cipher
	Audit  *audit.Log
	// Index holds every searchable word, encrypted fields included;
	// Clear only the words of fields kept in clear. Someone who may not
	// read a record's encrypted fields searches Clear, so that a search
	// cannot confirm which record names a witness.
	Index Index
	Clear Index
	Now   func() time.Time
	// Files removes the files of evidence whose rows Delete removed. Nil
	// leaves them to the evidence store's sweep at start-up; either way
	// they are unreadable once their row, which holds their key, is gone.
	Files FileRemover
	// Changed, when set, is told the id of every incident whose
	// searchable text this process has just changed and indexed (after
	// the commit), so that other processes on the same PostgreSQL
	// database can refresh their own indexes (Refresh).
	Changed func(id int64)
}

func (s *Store) changed(id int64) {
	if s.Changed != nil {
		s.Changed(id)
	}
}

// FileRemover deletes evidence files that no longer have a row.
type FileRemover interface {
	RemoveOrphans(ctx context.Context, ids ...string) (int, error)
}

// NewStore returns a store over db with its two search indexes.
func NewStore(db *store.DB, c vault.Cipher, a *audit.Log, full, clear Index) *Store {
	return &Store{DB: db, Cipher: c, Audit: a, Index: full, Clear: clear, Now: time.Now}
}

// newID returns a random positive id below 2^53, so it survives JSON
// numbers in every client, and says nothing about how many records exist.
func newID() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>11) | 1
}

func loc(table string, id int64, field string) vault.Location {
	return vault.Location{Table: table, Record: strconv.FormatInt(id, 10), Field: field}
}

// seal encrypts s for the given place, or stores NULL for an empty value.
func (s *Store) seal(table string, id int64, field, value string) (any, error) {
	if value == "" {
		return nil, nil
	}
	return s.Cipher.Encrypt(loc(table, id, field), []byte(value))
}

func (s *Store) open(table string, id int64, field string, ct []byte) (string, error) {
	if ct == nil {
		return "", nil
	}
	b, err := s.Cipher.Decrypt(loc(table, id, field), ct)
	return string(b), err
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func boolOrNil(p *bool) any {
	if p == nil {
		return nil
	}
	if *p {
		return 1
	}
	return 0
}

// nextRef hands out the day's next reference: 2026-11-25-014.
func (s *Store) nextRef(ctx context.Context, tx *store.Tx) (string, error) {
	day := s.Now().UTC().Format("2006-01-02")
	// One statement reads and bumps the counter: on PostgreSQL a separate
	// SELECT then UPDATE let concurrent transactions take the same number
	// (or both INSERT the day's first row), and one of them failed.
	var last int
	err := tx.QueryRow(ctx, `INSERT INTO incident_refs (day, last) VALUES (?, 1)
		ON CONFLICT (day) DO UPDATE SET last = incident_refs.last + 1 RETURNING last`, day).Scan(&last)
	return fmt.Sprintf("%s-%03d", day, last), err
}

// sealed are the encrypted columns of an incident, ready to write.
type sealedIncident struct{ place, point, sources any }

func (s *Store) sealIncident(inc *Incident) (sealedIncident, error) {
	var out sealedIncident
	var err error
	if out.place, err = s.seal("incidents", inc.ID, "place", inc.Place); err != nil {
		return out, err
	}
	if inc.Point != nil {
		b, _ := json.Marshal(inc.Point)
		if out.point, err = s.seal("incidents", inc.ID, "point", string(b)); err != nil {
			return out, err
		}
	}
	out.sources, err = s.seal("incidents", inc.ID, "sources", inc.Sources)
	return out, err
}

// coarse rounds a point to about 10 km, the precision kept in clear for
// maps and statistics.
func coarse(p *Point) (any, any) {
	if p == nil {
		return nil, nil
	}
	r := func(v float64) float64 { return float64(int64(v*10+sign(v)*0.5)) / 10 }
	return r(p.Lat), r(p.Lon)
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func joinCodes(c []string) string { return strings.Join(c, ",") }

func splitCodes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Create stores a new incident, and its first testimony when given, in one
// transaction with their audit entries.
func (s *Store) Create(ctx context.Context, inc *Incident, t *Testimony) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return s.CreateTx(ctx, tx, inc, t) })
}

// CreateTx is Create inside the caller's transaction, so that another
// record (a distress case) can be linked to the incident atomically. The
// search indexes learn of the incident only once tx has committed: a
// rolled-back incident must not be found.
func (s *Store) CreateTx(ctx context.Context, tx *store.Tx, inc *Incident, t *Testimony) error {
	inc.ID = newID()
	now := s.Now()
	inc.CreatedAt, inc.UpdatedAt = now, now
	inc.CreatedBy = audit.ActorOf(ctx)
	if inc.Status == "" {
		inc.Status = StatusDraft
	}
	if inc.Verification == "" {
		inc.Verification = Unverified
	}
	if t != nil {
		t.ID, t.IncidentID = newID(), inc.ID
		inc.ConsentScope = t.ConsentScope
	}
	enc, err := s.sealIncident(inc)
	if err != nil {
		return err
	}
	ref, err := s.nextRef(ctx, tx)
	if err != nil {
		return err
	}
	inc.Ref = ref
	clat, clon := coarse(inc.Point)
	_, err = tx.Exec(ctx, `INSERT INTO incidents (id, ref, status, team_id, type, occurred_at, date_precision, country, adm1, adm2,
		place, point, point_precision_m, coarse_lat, coarse_lon, group_size, dead, missing, survivors, minors, women, men,
		origins, units, uniforms, vehicles, officers, violence, asylum_asked, interpreter_present, sources, source_quality,
		verification, tags, consent_scope, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inc.ID, inc.Ref, inc.Status, teamOrNil(inc.TeamID), inc.Type, unix(inc.OccurredAt), inc.DatePrecision, inc.Country, inc.Adm1, inc.Adm2,
		enc.place, enc.point, inc.PointPrecisionM, clat, clon,
		intOrNil(inc.Counts.GroupSize), intOrNil(inc.Counts.Dead), intOrNil(inc.Counts.Missing), intOrNil(inc.Counts.Survivors),
		intOrNil(inc.Counts.Minors), intOrNil(inc.Counts.Women), intOrNil(inc.Counts.Men),
		joinCodes(inc.Origins), inc.Units, inc.Uniforms, inc.Vehicles, intOrNil(inc.Officers), joinCodes(inc.Violence),
		boolOrNil(inc.AsylumAsked), boolOrNil(inc.Interpreter), enc.sources, intOrNil(inc.SourceQuality),
		inc.Verification, joinCodes(inc.Tags), inc.ConsentScope, inc.CreatedBy, now.Unix(), now.Unix())
	if err != nil {
		return err
	}
	if err := s.Audit.Append(ctx, tx, audit.Entry{Actor: inc.CreatedBy, Action: audit.Create, RecordType: "incident", RecordID: strconv.FormatInt(inc.ID, 10)}); err != nil {
		return err
	}
	var ts []*Testimony
	if t != nil {
		if err := s.insertTestimony(ctx, tx, t); err != nil {
			return err
		}
		ts = []*Testimony{t}
	}
	// The plaintext is at hand: index it as reindex would after reading
	// the record back and decrypting it again. The words are taken now,
	// so a caller changing inc after we return does not change them.
	full, clear := indexText(inc, ts), clearText(inc)
	id := inc.ID
	tx.AfterCommit(func() {
		s.Index.Put(id, full...)
		s.Clear.Put(id, clear...)
		s.changed(id)
	})
	return nil
}

func teamOrNil(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(u int64) time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(u, 0).UTC()
}

func (s *Store) insertTestimony(ctx context.Context, tx *store.Tx, t *Testimony) error {
	now := s.Now()
	t.CreatedAt = now
	t.CreatedBy = audit.ActorOf(ctx)
	cols, err := s.sealTestimony(t)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO testimonies (id, incident_id, language, narrative, pseudonym, interviewer, interpreter, witness_contact,
		taken_on, consent_scope, consent_date, consent_how, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.IncidentID, t.Language, cols[0], cols[1], cols[2], cols[3], cols[4],
		unix(t.TakenOn), t.ConsentScope, unix(t.ConsentDate), t.ConsentHow, t.CreatedBy, now.Unix(), now.Unix())
	if err != nil {
		return err
	}
	return s.Audit.Append(ctx, tx, audit.Entry{Actor: t.CreatedBy, Action: audit.Create, RecordType: "testimony", RecordID: strconv.FormatInt(t.ID, 10)})
}

// sealTestimony encrypts narrative, pseudonym, interviewer, interpreter
// and witness contact, in that order.
func (s *Store) sealTestimony(t *Testimony) ([5]any, error) {
	var out [5]any
	vals := [5]struct{ f, v string }{{"narrative", t.Narrative}, {"pseudonym", t.Pseudonym}, {"interviewer", t.Interviewer},
		{"interpreter", t.InterpreterName}, {"witness_contact", t.WitnessContact}}
	for i, fv := range vals {
		var err error
		if out[i], err = s.seal("testimonies", t.ID, fv.f, fv.v); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Update rewrites an incident's fields (not its testimonies).
func (s *Store) Update(ctx context.Context, inc *Incident) error {
	enc, err := s.sealIncident(inc)
	if err != nil {
		return err
	}
	inc.UpdatedAt = s.Now()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		clat, clon := coarse(inc.Point)
		// Status changes only through Submit: an autosave that read the
		// record before a submit must not turn it back into a draft.
		res, err := tx.Exec(ctx, `UPDATE incidents SET team_id = ?, type = ?, occurred_at = ?, date_precision = ?, country = ?, adm1 = ?, adm2 = ?,
			place = ?, point = ?, point_precision_m = ?, coarse_lat = ?, coarse_lon = ?, group_size = ?, dead = ?, missing = ?, survivors = ?,
			minors = ?, women = ?, men = ?, origins = ?, units = ?, uniforms = ?, vehicles = ?, officers = ?, violence = ?, asylum_asked = ?,
			interpreter_present = ?, sources = ?, source_quality = ?, tags = ?, updated_at = ? WHERE id = ?`,
			teamOrNil(inc.TeamID), inc.Type, unix(inc.OccurredAt), inc.DatePrecision, inc.Country, inc.Adm1, inc.Adm2,
			enc.place, enc.point, inc.PointPrecisionM, clat, clon,
			intOrNil(inc.Counts.GroupSize), intOrNil(inc.Counts.Dead), intOrNil(inc.Counts.Missing), intOrNil(inc.Counts.Survivors),
			intOrNil(inc.Counts.Minors), intOrNil(inc.Counts.Women), intOrNil(inc.Counts.Men),
			joinCodes(inc.Origins), inc.Units, inc.Uniforms, inc.Vehicles, intOrNil(inc.Officers), joinCodes(inc.Violence),
			boolOrNil(inc.AsylumAsked), boolOrNil(inc.Interpreter), enc.sources, intOrNil(inc.SourceQuality),
			joinCodes(inc.Tags), inc.UpdatedAt.Unix(), inc.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Update, RecordType: "incident", RecordID: strconv.FormatInt(inc.ID, 10)})
	})
	if err != nil {
		return err
	}
	s.reindex(ctx, inc.ID)
	s.changed(inc.ID)
	return nil
}

// SaveTestimony creates or rewrites a testimony and refreshes the
// incident's consent scope (the broadest of its testimonies).
func (s *Store) SaveTestimony(ctx context.Context, t *Testimony) error {
	// Decided before the transaction, which may run again when the
	// database is busy: a retry must insert again, not update.
	isNew := t.ID == 0
	if isNew {
		t.ID = newID()
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if isNew {
			if err := s.insertTestimony(ctx, tx, t); err != nil {
				return err
			}
		} else {
			cols, err := s.sealTestimony(t)
			if err != nil {
				return err
			}
			res, err := tx.Exec(ctx, `UPDATE testimonies SET language = ?, narrative = ?, pseudonym = ?, interviewer = ?, interpreter = ?,
				witness_contact = ?, taken_on = ?, consent_scope = ?, consent_date = ?, consent_how = ?, updated_at = ?
				WHERE id = ? AND incident_id = ?`, t.Language, cols[0], cols[1], cols[2], cols[3], cols[4],
				unix(t.TakenOn), t.ConsentScope, unix(t.ConsentDate), t.ConsentHow, s.Now().Unix(), t.ID, t.IncidentID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
			if err := s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Update, RecordType: "testimony", RecordID: strconv.FormatInt(t.ID, 10)}); err != nil {
				return err
			}
		}
		return refreshConsent(ctx, tx, t.IncidentID)
	})
	if err != nil {
		if isNew {
			t.ID = 0
		}
		return err
	}
	if isNew {
		// The plaintext is at hand and the incident's other words are
		// indexed already: add the new ones, without reading the record
		// back and decrypting all of it again.
		s.Index.Add(t.IncidentID, t.Narrative, t.Pseudonym)
		s.changed(t.IncidentID)
		return nil
	}
	s.reindex(ctx, t.IncidentID)
	s.changed(t.IncidentID)
	return nil
}

// soleEvidence lists the evidence attached to incident id and to no other
// incident.
func soleEvidence(ctx context.Context, tx *store.Tx, id int64) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT evidence_id FROM incident_evidence WHERE incident_id = ?
		AND evidence_id NOT IN (SELECT evidence_id FROM incident_evidence WHERE incident_id <> ?)`, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ev string
		if err := rows.Scan(&ev); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// refreshConsent stores the broadest consent scope of the incident's
// testimonies, so that lists can filter on it without decrypting.
func refreshConsent(ctx context.Context, tx *store.Tx, incidentID int64) error {
	rows, err := tx.Query(ctx, "SELECT consent_scope FROM testimonies WHERE incident_id = ?", incidentID)
	if err != nil {
		return err
	}
	best := -1
	for rows.Next() {
		var sc string
		if err := rows.Scan(&sc); err != nil {
			rows.Close()
			return err
		}
		for i, c := range ConsentScopes {
			if c == sc && i > best {
				best = i
			}
		}
	}
	rows.Close()
	scope := ""
	if best >= 0 {
		scope = ConsentScopes[best]
	}
	_, err = tx.Exec(ctx, "UPDATE incidents SET consent_scope = ? WHERE id = ?", scope, incidentID)
	return err
}

// Delete removes an incident with its testimonies, and the evidence
// attached to nothing else: deleting a record must not leave its photos
// and documents behind. An evidence row holds its file's key, so once the
// row is gone the file is unreadable; the file itself is removed after the
// commit. SQLite's secure_delete overwrites the freed pages; the
// ciphertexts were never plaintext anyway.
func (s *Store) Delete(ctx context.Context, id int64) error {
	var gone []string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if gone, err = soleEvidence(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM incident_evidence WHERE incident_id = ?", id); err != nil {
			return err
		}
		for _, ev := range gone {
			if _, err := tx.Exec(ctx, "DELETE FROM evidence WHERE id = ?", ev); err != nil {
				return err
			}
			if err := s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Delete, RecordType: "evidence", RecordID: ev}); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM testimonies WHERE incident_id = ?", id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "DELETE FROM incidents WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Delete, RecordType: "incident", RecordID: strconv.FormatInt(id, 10)})
	})
	if err == nil && s.Files != nil && len(gone) > 0 {
		// A failure leaves files without keys for the start-up sweep.
		s.Files.RemoveOrphans(ctx, gone...)
	}
	if err == nil {
		s.Index.Delete(id)
		s.Clear.Delete(id)
		s.changed(id)
	}
	return err
}

// SetVerification records a reviewer's verdict.
func (s *Store) SetVerification(ctx context.Context, id int64, level string) error {
	actor := audit.ActorOf(ctx)
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE incidents SET verification = ?, verified_by = ?, verified_at = ?, updated_at = ? WHERE id = ? AND status = ?",
			level, actor, s.Now().Unix(), s.Now().Unix(), id, StatusSubmitted)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "verify", RecordType: "incident", RecordID: strconv.FormatInt(id, 10)})
	})
}

// Submit hands a draft in for review.
func (s *Store) Submit(ctx context.Context, id int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE incidents SET status = ?, updated_at = ? WHERE id = ? AND status = ?", StatusSubmitted, s.Now().Unix(), id, StatusDraft)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: "submit", RecordType: "incident", RecordID: strconv.FormatInt(id, 10)})
	})
}

// AttachEvidence links a stored evidence file to an incident, or to one of
// its testimonies when testimonyID is not 0.
func (s *Store) AttachEvidence(ctx context.Context, incidentID int64, evidenceID string, testimonyID int64) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if testimonyID != 0 {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM testimonies WHERE id = ? AND incident_id = ?", testimonyID, incidentID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO incident_evidence (incident_id, evidence_id, testimony_id) VALUES (?, ?, ?)", incidentID, evidenceID, testimonyID); err != nil {
			return err
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Update, RecordType: "incident", RecordID: strconv.FormatInt(incidentID, 10)})
	})
}
