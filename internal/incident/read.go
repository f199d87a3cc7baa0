package incident

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/store"
)

// Viewer is who is asking, for access rules.
type Viewer struct {
	UserID int64
	// AllTeams sees every team's submitted records (coordinators, admins).
	AllTeams bool
	Teams    []int64
	// Sensitive may read encrypted fields (reviewers and up; documenters
	// for the records they created).
	Sensitive bool
}

const incidentColumns = `id, ref, status, COALESCE(team_id, 0), type, occurred_at, date_precision, country, adm1, adm2,
	place, point, point_precision_m, group_size, dead, missing, survivors, minors, women, men, origins, units, uniforms, vehicles,
	officers, violence, asylum_asked, interpreter_present, sources, source_quality, verification, verified_by, verified_at, tags,
	consent_scope, created_by, created_at, updated_at`

type incidentRow struct {
	inc                  Incident
	place, point, source []byte
}

func scanIncident(row interface{ Scan(...any) error }) (*incidentRow, error) {
	var r incidentRow
	i := &r.inc
	var occurred, verifiedAt, created, updated int64
	var gs, dead, missing, surv, minors, women, men, officers, asylum, interp, quality sql.NullInt64
	var origins, violence, tags string
	err := row.Scan(&i.ID, &i.Ref, &i.Status, &i.TeamID, &i.Type, &occurred, &i.DatePrecision, &i.Country, &i.Adm1, &i.Adm2,
		&r.place, &r.point, &i.PointPrecisionM, &gs, &dead, &missing, &surv, &minors, &women, &men, &origins, &i.Units, &i.Uniforms, &i.Vehicles,
		&officers, &violence, &asylum, &interp, &r.source, &quality, &i.Verification, &i.VerifiedBy, &verifiedAt, &tags,
		&i.ConsentScope, &i.CreatedBy, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	i.OccurredAt, i.VerifiedAt = fromUnix(occurred), fromUnix(verifiedAt)
	i.CreatedAt, i.UpdatedAt = fromUnix(created), fromUnix(updated)
	c := &i.Counts
	c.GroupSize, c.Dead, c.Missing, c.Survivors = nullInt(gs), nullInt(dead), nullInt(missing), nullInt(surv)
	c.Minors, c.Women, c.Men = nullInt(minors), nullInt(women), nullInt(men)
	i.Officers, i.SourceQuality = nullInt(officers), nullInt(quality)
	i.AsylumAsked, i.Interpreter = nullBool(asylum), nullBool(interp)
	i.Origins, i.Violence, i.Tags = splitCodes(origins), splitCodes(violence), splitCodes(tags)
	return &r, nil
}

func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullBool(n sql.NullInt64) *bool {
	if !n.Valid {
		return nil
	}
	v := n.Int64 == 1
	return &v
}

// visible is the SQL condition for what v may see.
func (v Viewer) visible() (string, []any) {
	cond := "(created_by = ?"
	args := []any{v.UserID}
	// Records without a team belong to the whole group (a small group
	// may never set teams up); team records to their members.
	switch {
	case v.AllTeams:
		cond += " OR status = 'submitted'"
	case len(v.Teams) > 0:
		cond += " OR (status = 'submitted' AND (team_id IS NULL OR team_id IN (" + placeholders(len(v.Teams)) + ")))"
		for _, t := range v.Teams {
			args = append(args, t)
		}
	default:
		cond += " OR (status = 'submitted' AND team_id IS NULL)"
	}
	return cond + ")", args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// Get loads an incident v may see, with its testimonies and evidence ids.
// Encrypted fields are decrypted only when v may read them (or the viewer
// created the record), and each such read is written to the audit log
// before anything is returned.
func (s *Store) Get(ctx context.Context, id int64, v Viewer) (*Incident, error) {
	cond, args := v.visible()
	r, err := scanIncident(s.DB.QueryRow(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE id = ? AND "+cond, append([]any{id}, args...)...))
	if err != nil {
		return nil, err
	}
	inc := &r.inc
	sensitive := v.Sensitive || inc.CreatedBy == v.UserID
	if sensitive {
		if err := s.Audit.Record(ctx, audit.Entry{Actor: v.UserID, Action: audit.Read, RecordType: "incident", RecordID: strconv.FormatInt(id, 10)}); err != nil {
			return nil, err
		}
		if err := s.openIncident(inc, r); err != nil {
			return nil, err
		}
	}
	if inc.Testimonies, err = s.testimonies(ctx, id, sensitive); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, "SELECT evidence_id, testimony_id FROM incident_evidence WHERE incident_id = ? ORDER BY evidence_id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byTestimony := map[int64]*Testimony{}
	for _, t := range inc.Testimonies {
		byTestimony[t.ID] = t
	}
	for rows.Next() {
		var e string
		var tid int64
		if err := rows.Scan(&e, &tid); err != nil {
			return nil, err
		}
		if t := byTestimony[tid]; t != nil {
			t.Evidence = append(t.Evidence, e)
		} else {
			inc.Evidence = append(inc.Evidence, e)
		}
	}
	return inc, rows.Err()
}

func (s *Store) openIncident(inc *Incident, r *incidentRow) error {
	var err error
	if inc.Place, err = s.open("incidents", inc.ID, "place", r.place); err != nil {
		return err
	}
	if inc.Sources, err = s.open("incidents", inc.ID, "sources", r.source); err != nil {
		return err
	}
	pt, err := s.open("incidents", inc.ID, "point", r.point)
	if err != nil {
		return err
	}
	if pt != "" {
		var p Point
		if err := json.Unmarshal([]byte(pt), &p); err != nil {
			return err
		}
		inc.Point = &p
	}
	return nil
}

func (s *Store) testimonies(ctx context.Context, incidentID int64, sensitive bool) ([]*Testimony, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, incident_id, language, narrative, pseudonym, interviewer, interpreter, witness_contact,
		taken_on, consent_scope, consent_date, consent_how, created_by, created_at FROM testimonies WHERE incident_id = ? ORDER BY created_at, id`, incidentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Testimony
	for rows.Next() {
		var t Testimony
		var enc [5][]byte
		var taken, cdate, created int64
		if err := rows.Scan(&t.ID, &t.IncidentID, &t.Language, &enc[0], &enc[1], &enc[2], &enc[3], &enc[4],
			&taken, &t.ConsentScope, &cdate, &t.ConsentHow, &t.CreatedBy, &created); err != nil {
			return nil, err
		}
		t.TakenOn, t.ConsentDate, t.CreatedAt = fromUnix(taken), fromUnix(cdate), fromUnix(created)
		if sensitive {
			fields := [5]*string{&t.Narrative, &t.Pseudonym, &t.Interviewer, &t.InterpreterName, &t.WitnessContact}
			names := [5]string{"narrative", "pseudonym", "interviewer", "interpreter", "witness_contact"}
			for i := range fields {
				if *fields[i], err = s.open("testimonies", t.ID, names[i], enc[i]); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// ErrIndexPartial says the index was built but some records' encrypted
// fields could not be read (they are tampered or were written with a key
// this vault lacks).
var ErrIndexPartial = errors.New("incident: search index built without some encrypted fields")

// Filter narrows a list.
type Filter struct {
	From, To      time.Time
	Country       string
	Type          string
	Violence      string
	Verification  string
	Consent       string
	TeamID        int64
	Status        string // "" = submitted and own drafts; "draft" = own drafts only
	Query         string
	Sort          string // "occurred" (default, newest first), "occurred_asc", "updated", "ref"
	Page, PerPage int
	// After, when set, starts the page after the row whose sort key is
	// AfterKey and id AfterID (keyset pagination: no rows skipped one by
	// one); Page is then only what the pager shows.
	After             bool
	AfterKey, AfterID int64
}

// Summary is a list row: no encrypted field.
type Summary struct {
	ID            int64
	Ref           string
	Status        string
	Type          string
	OccurredAt    time.Time
	DatePrecision string
	Country       string
	Dead, Missing *int
	Verification  string
	ConsentScope  string
	TeamID        int64
	UpdatedAt     time.Time
}

// where builds the SQL condition and arguments for what v may see of f.
// empty reports that a free-text query matched nothing at all. List and
// Each share it, so a page and an export of the same filter agree.
func (s *Store) where(f Filter, v Viewer) (cond string, args []any, empty bool) {
	c, args := v.visible()
	where := []string{c}
	add := func(c string, a ...any) { where = append(where, c); args = append(args, a...) }
	if f.Status == StatusDraft {
		add("status = 'draft' AND created_by = ?", v.UserID)
	} else {
		add("status = 'submitted'")
	}
	if !f.From.IsZero() {
		add("occurred_at >= ?", f.From.Unix())
	}
	if !f.To.IsZero() {
		add("occurred_at < ?", f.To.Unix())
	}
	if f.Country != "" {
		add("country = ?", f.Country)
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	if f.Violence != "" {
		add("(',' || violence || ',') LIKE ?", "%,"+f.Violence+",%")
	}
	if f.Verification != "" {
		add("verification = ?", f.Verification)
	}
	if f.Consent != "" {
		add("consent_scope = ?", f.Consent)
	}
	if f.TeamID != 0 {
		add("team_id = ?", f.TeamID)
	}
	if strings.TrimSpace(f.Query) != "" {
		sc, sargs, ok := s.searchCondition(f.Query, v)
		if !ok {
			return "", nil, true
		}
		add(sc, sargs...)
	}
	return strings.Join(where, " AND "), args, false
}

// CountCap is where List stops counting; a total of CountCap+1 means
// "more than CountCap".
const CountCap = 10000

// walkHits is the number of search hits above which List walks the
// filtered list in order and keeps the hits in Go, instead of handing
// every hit to SQL: a word in half the records finds its first page
// after a hundred rows and its capped count after some 20,000 rows of an
// index, where an id list of 50,000 costs a lookup and a sort of each.
var walkHits = 10000

// sortSpec is a list order with its keyset condition: the rows after a
// row whose sort key is k and id is id. ref has no keyset form (list
// pages of it page by OFFSET). Ties on the key are broken by id in the
// key's direction, so that the index (…, key, id, …) is read in one
// direction with no sort at all, however deep the page.
type sortSpec struct {
	col   string // the sort key's column
	desc  bool
	order string
	after string // keyset condition, two arguments: key, id
	key   func(Summary) int64
}

func sortOf(name string) sortSpec {
	occurred := func(sm Summary) int64 { return unix(sm.OccurredAt) }
	switch name {
	case "occurred_asc":
		return sortSpec{"occurred_at", false, "occurred_at ASC, id ASC", "(occurred_at, id) > (?, ?)", occurred}
	case "updated":
		return sortSpec{"updated_at", true, "updated_at DESC, id DESC", "(updated_at, id) < (?, ?)", func(sm Summary) int64 { return unix(sm.UpdatedAt) }}
	case "ref":
		return sortSpec{col: "ref", desc: true, order: "ref DESC"}
	default:
		return sortSpec{"occurred_at", true, "occurred_at DESC, id DESC", "(occurred_at, id) < (?, ?)", occurred}
	}
}

// Cursor is the keyset position after sm in the order f sorts by, for a
// next-page link ("" when that order has none).
func (f Filter) Cursor(sm Summary) string {
	sp := sortOf(f.Sort)
	if sp.key == nil {
		return ""
	}
	return strconv.FormatInt(sp.key(sm), 10) + "." + strconv.FormatInt(sm.ID, 10)
}

// ParseCursor reads a Cursor back into f; a malformed one is ignored (the
// page number then applies, as in links made before cursors).
func (f *Filter) ParseCursor(c string) {
	k, id, ok := strings.Cut(c, ".")
	key, err1 := strconv.ParseInt(k, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if ok && err1 == nil && err2 == nil {
		f.After, f.AfterKey, f.AfterID = true, key, n
	}
}

const summaryColumns = `id, ref, status, type, occurred_at, date_precision, country, dead, missing, verification,
	consent_scope, COALESCE(team_id, 0), updated_at`

func scanSummaries(rows *sql.Rows) ([]Summary, error) {
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var sm Summary
		var occurred, updated int64
		var dead, missing sql.NullInt64
		if err := rows.Scan(&sm.ID, &sm.Ref, &sm.Status, &sm.Type, &occurred, &sm.DatePrecision, &sm.Country, &dead, &missing,
			&sm.Verification, &sm.ConsentScope, &sm.TeamID, &updated); err != nil {
			return nil, err
		}
		sm.OccurredAt, sm.UpdatedAt, sm.Dead, sm.Missing = fromUnix(occurred), fromUnix(updated), nullInt(dead), nullInt(missing)
		out = append(out, sm)
	}
	return out, rows.Err()
}

// List returns one page of incidents v may see, and the total count (at
// most CountCap+1, meaning more). A page starts after f's cursor when it
// has one and the order allows it, else at f.Page.
func (s *Store) List(ctx context.Context, f Filter, v Viewer) ([]Summary, int, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	sp := sortOf(f.Sort)
	search := strings.TrimSpace(f.Query) != ""
	if search {
		if m, ok := s.largeHits(f.Query, v); ok {
			return s.listWalk(ctx, f, v, sp, m)
		}
	}
	if search {
		return s.listHits(ctx, f, v, sp)
	}
	w, args, _ := s.where(f, v)
	// Counting stops past CountCap: an exact count of 100k rows costs a
	// full scan on every page, and nobody pages through ten thousand.
	var total int
	if err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM incidents WHERE "+w+" LIMIT ?) AS capped",
		append(append([]any(nil), args...), CountCap+1)...).Scan(&total); err != nil {
		return nil, 0, err
	}
	var rows *sql.Rows
	var err error
	switch {
	case f.After && sp.after != "":
		rows, err = s.DB.Query(ctx, "SELECT "+summaryColumns+" FROM incidents WHERE "+w+" AND "+sp.after+" ORDER BY "+sp.order+" LIMIT ?",
			append(args, f.AfterKey, f.AfterID, f.PerPage)...)
	case f.Page > 1:
		// Skip in a subquery that needs only the index, then read the
		// rows of the one page.
		rows, err = s.DB.Query(ctx, "SELECT "+summaryColumns+" FROM incidents WHERE id IN (SELECT id FROM incidents WHERE "+w+
			" ORDER BY "+sp.order+" LIMIT ? OFFSET ?) ORDER BY "+sp.order, append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
	default:
		rows, err = s.DB.Query(ctx, "SELECT "+summaryColumns+" FROM incidents WHERE "+w+" ORDER BY "+sp.order+" LIMIT ?",
			append(args, f.PerPage)...)
	}
	if err != nil {
		return nil, 0, err
	}
	out, err := scanSummaries(rows)
	return out, total, err
}

// hitRow is a search hit that passed the filters and the visibility rule.
type hitRow struct {
	id  int64
	key any // int64, or string for ref
}

// listHits is List for a search with at most walkHits hits: one
// statement reads the id and sort key of every hit that passes the
// filters and the visibility rule, from an index that leads with id and
// covers those columns; counting, sorting and paging are done here; then
// the page's rows are read. A count and a sorted page in SQL would each
// look every hit up again.
func (s *Store) listHits(ctx context.Context, f Filter, v Viewer, sp sortSpec) ([]Summary, int, error) {
	var q string
	var qargs []any
	if v.Sensitive {
		q, qargs = s.joinHits(f, v, "incidents.id, incidents."+sp.col)
	} else {
		w, args, empty := s.where(f, v)
		if empty {
			return nil, 0, nil
		}
		q, qargs = "SELECT id, "+sp.col+" FROM incidents WHERE "+w, args
	}
	rows, err := s.DB.Query(ctx, q, qargs...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var hits []hitRow
	for rows.Next() {
		var h hitRow
		if sp.col == "ref" {
			var ref string
			if err := rows.Scan(&h.id, &ref); err != nil {
				return nil, 0, err
			}
			h.key = ref
		} else {
			var k int64
			if err := rows.Scan(&h.id, &k); err != nil {
				return nil, 0, err
			}
			h.key = k
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	total := min(len(hits), CountCap+1)
	slices.SortFunc(hits, func(a, b hitRow) int { return compareHits(sp, a, b) })
	var page []int64
	keyset := f.After && sp.after != ""
	skip := (f.Page - 1) * f.PerPage
	for _, h := range hits {
		if len(page) >= f.PerPage {
			break
		}
		switch {
		case keyset:
			if afterCursor(f, sp, h.key, h.id) {
				page = append(page, h.id)
			}
		case skip > 0:
			skip--
		default:
			page = append(page, h.id)
		}
	}
	out, err := s.summariesOf(ctx, page)
	return out, total, err
}

// compareHits orders two hits as sp's ORDER BY does.
func compareHits(sp sortSpec, a, b hitRow) int {
	var c int
	switch ka := a.key.(type) {
	case string:
		c = strings.Compare(ka, b.key.(string))
	case int64:
		c = cmp.Compare(ka, b.key.(int64))
	}
	if c == 0 {
		c = cmp.Compare(a.id, b.id)
	}
	if sp.desc {
		c = -c
	}
	return c
}

// summariesOf reads the list rows of ids, in the order of ids.
func (s *Store) summariesOf(ctx context.Context, ids []int64) ([]Summary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, inArgs := s.idList(ids)
	prow, err := s.DB.Query(ctx, "SELECT "+summaryColumns+" FROM incidents WHERE "+in, inArgs...)
	if err != nil {
		return nil, err
	}
	got, err := scanSummaries(prow)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Summary, len(got))
	for _, sm := range got {
		byID[sm.ID] = sm
	}
	out := make([]Summary, 0, len(ids))
	for _, id := range ids {
		if sm, ok := byID[id]; ok {
			out = append(out, sm)
		}
	}
	return out, nil
}

// hitSet is what a free-text query matched, as List's walk tests it.
type hitSet struct {
	full  map[int64]struct{} // any field, encrypted ones included
	clear map[int64]struct{} // clear fields only; nil when full applies to every record
	user  int64              // whose records match on full when clear is set
}

// size is the number of hits (of both sets).
func (h *hitSet) size() int { return len(h.full) + len(h.clear) }

func (h *hitSet) match(id, createdBy int64) bool {
	if _, ok := h.full[id]; ok && (h.clear == nil || createdBy == h.user) {
		return true
	}
	_, ok := h.clear[id]
	return ok
}

func toSet(ids []int64) map[int64]struct{} {
	m := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

// largeHits returns the hits of q when there are so many that walking the
// list beats handing them to SQL. The matching rule is searchCondition's.
func (s *Store) largeHits(q string, v Viewer) (*hitSet, bool) {
	full := s.Index.Search(q)
	if v.Sensitive {
		if len(full) <= walkHits {
			return nil, false
		}
		return &hitSet{full: toSet(full)}, true
	}
	clear := s.Clear.Search(q)
	if len(full)+len(clear) <= walkHits {
		return nil, false
	}
	return &hitSet{full: toSet(full), clear: toSet(clear), user: v.UserID}, true
}

// listWalk is List for a search with very many hits: it reads the ids of
// the filtered list in order and keeps those in the hit set, until it
// has the page and has counted past CountCap; then it reads the page's
// rows.
func (s *Store) listWalk(ctx context.Context, f Filter, v Viewer, sp sortSpec, hits *hitSet) ([]Summary, int, error) {
	nf := f
	nf.Query = ""
	w, args, _ := s.where(nf, v)
	keyset := f.After && sp.after != ""
	skip := (f.Page - 1) * f.PerPage
	if keyset {
		// The count is of the whole list; the page starts after the cursor.
		skip = -1
	}
	rows, err := s.DB.Query(ctx, "SELECT id, created_by, "+sp.col+" FROM incidents WHERE "+w+" ORDER BY "+sp.order, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var page []int64
	total, walked := 0, 0
	decided, lookup := false, false
	for rows.Next() {
		walked++
		var id, by int64
		var key any
		if err := rows.Scan(&id, &by, &key); err != nil {
			return nil, 0, err
		}
		if !hits.match(id, by) {
			continue
		}
		total++
		switch {
		case keyset:
			if len(page) < f.PerPage && afterCursor(f, sp, key, id) {
				page = append(page, id)
			}
		case total > skip && len(page) < f.PerPage:
			page = append(page, id)
		}
		if len(page) >= f.PerPage {
			if total > CountCap {
				break
			}
			// The page is full; only the count is left. Walking on to
			// CountCap costs about (CountCap-total)*walked/total more rows;
			// counting the hits by id instead costs a lookup of each.
			// (Only with one list of hits: the two lists of a viewer
			// who may not read every record make an OR that SQLite may
			// answer by a scan.)
			if !decided && hits.clear == nil {
				decided = true
				if lookupRows*lookups(f, hits.size()) < (CountCap+1-total)*walked/total {
					lookup = true
					break
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if lookup {
		// Only a viewer who may read every record has one list of hits.
		q, qargs := s.joinHits(f, v, "1")
		if err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM ("+q+" LIMIT ?) AS capped", append(qargs, CountCap+1)...).Scan(&total); err != nil {
			return nil, 0, err
		}
	}
	out, err := s.summariesOf(ctx, page)
	return out, total, err
}

// lookups estimates how many hits a capped count by id looks up before it
// stops: with no filter besides the query nearly every hit is in the
// list, and the count stops just past CountCap; with filters, possibly
// every hit.
func lookups(f Filter, hits int) int {
	if f.From.IsZero() && f.To.IsZero() && f.Country == "" && f.Type == "" && f.Violence == "" &&
		f.Verification == "" && f.Consent == "" && f.TeamID == 0 && f.Status != StatusDraft {
		return min(hits, (CountCap+1)*11/10)
	}
	return hits
}

// lookupRows is what counting one search hit by id (an index lookup)
// costs in rows of an index walked in order, as measured on SQLite with
// 100k records.
var lookupRows = 2

// afterCursor says whether a row with sort key key and id comes after f's
// cursor in order sp.
func afterCursor(f Filter, sp sortSpec, key any, id int64) bool {
	k, ok := key.(int64)
	if !ok {
		return true
	}
	c := cmp.Compare(k, f.AfterKey)
	if c == 0 {
		c = cmp.Compare(id, f.AfterID)
	}
	if sp.desc {
		return c < 0
	}
	return c > 0
}

// joinHits is a statement selecting cols of the records of f that v may
// see, for a viewer who may read every record's encrypted fields (whose
// hits are one list): the hits' ids are read from one JSON array and each
// is looked up in turn, in the array's order. It costs less than "id IN
// (the array)", which first copies every id into a temporary index,
// though a count stopping at CountCap needs only the first few thousand.
// Columns of the hit list are named hit only, so f's conditions on
// incidents' columns need no table name.
func (s *Store) joinHits(f Filter, v Viewer, cols string) (string, []any) {
	nf := f
	nf.Query = ""
	w, args, _ := s.where(nf, v)
	_, jargs := s.idList(s.Index.Search(f.Query))
	src := "(SELECT value AS hit FROM json_each(?)) AS hits"
	if s.DB.Dialect == store.Postgres {
		src = "(SELECT jsonb_array_elements_text(?::jsonb)::bigint AS hit) AS hits"
	}
	// CROSS JOIN keeps the hits outside on SQLite, whatever the filters:
	// json_each has no index to look a record's id up in.
	return "SELECT " + cols + " FROM " + src + " CROSS JOIN incidents WHERE incidents.id = hits.hit AND " + w, append(jargs, args...)
}

// idList is the SQL condition "id is one of ids", as one JSON array
// parameter: a common word can match more ids than any placeholder list
// allows.
func (s *Store) idList(ids []int64) (string, []any) {
	b := make([]byte, 0, 18*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	b = append(b, ']')
	if s.DB.Dialect == store.Postgres {
		return "id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)", []any{string(b)}
	}
	return "id IN (SELECT value FROM json_each(?))", []any{string(b)}
}

// searchCondition turns a free-text query into an SQL condition on ids.
// Encrypted words match only records whose encrypted fields the viewer
// may read: all of them for reviewers and up, their own otherwise.
func (s *Store) searchCondition(q string, v Viewer) (string, []any, bool) {
	// Every hit goes to SQL as one JSON array parameter: a common word
	// can match half the records, more than any placeholder list allows,
	// and cutting the list would silently drop results.
	in := s.idList
	full := s.Index.Search(q)
	if v.Sensitive {
		if len(full) == 0 {
			return "", nil, false
		}
		c, a := in(full)
		return c, a, true
	}
	clear := s.Clear.Search(q)
	var conds []string
	var args []any
	if len(clear) > 0 {
		c, a := in(clear)
		conds, args = append(conds, c), append(args, a...)
	}
	if len(full) > 0 {
		c, a := in(full)
		conds, args = append(conds, "(created_by = ? AND "+c+")"), append(append(args, v.UserID), a...)
	}
	if len(conds) == 0 {
		return "", nil, false
	}
	return "(" + strings.Join(conds, " OR ") + ")", args, true
}

// Refresh brings one incident's entries in the search indexes up to date
// with the database, or removes them when the incident is gone: for a
// change another process made (see Changed).
func (s *Store) Refresh(ctx context.Context, id int64) { s.reindex(ctx, id) }

// reindex refreshes one incident in the search index from the database.
// Failures only degrade search; they are not the write's failure.
func (s *Store) reindex(ctx context.Context, id int64) {
	r, err := scanIncident(s.DB.QueryRow(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE id = ?", id))
	if errors.Is(err, ErrNotFound) {
		s.Index.Delete(id)
		s.Clear.Delete(id)
		return
	}
	if err != nil {
		return
	}
	if err := s.openIncident(&r.inc, r); err != nil {
		return
	}
	ts, err := s.testimonies(ctx, id, true)
	if err != nil {
		return
	}
	s.Index.Put(id, indexText(&r.inc, ts)...)
	s.Clear.Put(id, clearText(&r.inc)...)
}

// clearText is the searchable text kept in clear in the database.
func clearText(inc *Incident) []string {
	return []string{inc.Ref, inc.Units, inc.Uniforms, inc.Vehicles, strings.Join(inc.Tags, " "), inc.Adm1, inc.Adm2}
}

// indexText is all searchable text, encrypted fields included.
func indexText(inc *Incident, ts []*Testimony) []string {
	out := append(clearText(inc), inc.Place, inc.Sources)
	for _, t := range ts {
		out = append(out, t.Narrative, t.Pseudonym)
	}
	return out
}

// EvidenceVisible says whether v may see an incident that the evidence
// file is attached to.
func (s *Store) EvidenceVisible(ctx context.Context, evidenceID string, v Viewer) (bool, error) {
	cond, args := v.visible()
	var n int
	err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM incidents WHERE id IN (SELECT incident_id FROM incident_evidence WHERE evidence_id = ?) AND "+cond,
		append([]any{evidenceID}, args...)...).Scan(&n)
	return n > 0, err
}

// Head loads an incident v may see without its testimonies, evidence or
// encrypted fields, so nothing sensitive is read and no read is audited:
// for callers that only need to decide what v may do with the record (the
// API's add-testimony checks who created it and its status).
func (s *Store) Head(ctx context.Context, id int64, v Viewer) (*Incident, error) {
	cond, args := v.visible()
	r, err := scanIncident(s.DB.QueryRow(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE id = ? AND "+cond, append([]any{id}, args...)...))
	if err != nil {
		return nil, err
	}
	return &r.inc, nil
}

// asStored returns a copy of inc as Get would read it back: times to the
// second in UTC, code lists as split from their stored form, no
// testimonies or evidence beyond those given. Create uses it so the
// caller can answer without a read-back (which would audit a read of
// what the author just wrote).
func asStored(inc *Incident) *Incident {
	c := *inc
	c.OccurredAt, c.VerifiedAt = fromUnix(unix(inc.OccurredAt)), fromUnix(unix(inc.VerifiedAt))
	c.CreatedAt, c.UpdatedAt = fromUnix(unix(inc.CreatedAt)), fromUnix(unix(inc.UpdatedAt))
	c.Origins, c.Violence, c.Tags = splitCodes(joinCodes(inc.Origins)), splitCodes(joinCodes(inc.Violence)), splitCodes(joinCodes(inc.Tags))
	if inc.Point != nil {
		p := *inc.Point
		c.Point = &p
	}
	c.Testimonies, c.Evidence = nil, nil
	return &c
}
