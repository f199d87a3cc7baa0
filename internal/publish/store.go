package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/store"
)

// ErrNotFound is returned by Get for an id that is not in the public
// dataset.
var ErrNotFound = errors.New("publish: not found")

// Store reads and writes public_records. Everything in it is public by
// construction, so it needs no keys and reads work while Faro is sealed.
type Store struct {
	db *store.DB
	// pageSize is how many rows Each reads per query (tests lower it).
	pageSize int
}

// NewStore returns the public dataset over db.
func NewStore(db *store.DB) *Store { return &Store{db: db, pageSize: 500} }

// Filter narrows the public dataset. The zero value is everything.
type Filter struct {
	Source  string
	Type    string
	Year    int
	Route   string
	Country string
	// BBox keeps records with a position inside it; a box whose MinLon is
	// above its MaxLon crosses the antimeridian.
	BBox *geo.BBox
}

const recordCols = `id, source, source_id, type, occurred_on, date_precision, year, month, lat, lon, place, country,
	region, route, cause, dead, missing, dead_and_missing, survivors, females, males, minors, origins, suppressed,
	summary, attribution, licence, url, raw, updated_at`

// where turns f into a WHERE clause (with a leading " WHERE " when not
// empty) and its arguments.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if f.Source != "" {
		add("source = ?", f.Source)
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	if f.Year != 0 {
		add("year = ?", f.Year)
	}
	if f.Route != "" {
		add("route = ?", f.Route)
	}
	if f.Country != "" {
		add("country = ?", f.Country)
	}
	if b := f.BBox; b != nil {
		add("lat IS NOT NULL AND lat >= ? AND lat <= ?", b.MinLat, b.MaxLat)
		if b.MinLon <= b.MaxLon {
			add("lon >= ? AND lon <= ?", b.MinLon, b.MaxLon)
		} else {
			add("(lon >= ? OR lon <= ?)", b.MinLon, b.MaxLon)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

type scanner interface{ Scan(...any) error }

func scanRecord(sc scanner) (*Record, error) {
	var r Record
	var lat, lon sql.NullFloat64
	var n [7]sql.NullInt64
	err := sc.Scan(&r.ID, &r.Source, &r.SourceID, &r.Type, &r.OccurredOn, &r.DatePrecision, &r.Year, &r.Month,
		&lat, &lon, &r.Place, &r.Country, &r.Region, &r.Route, &r.Cause,
		&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6],
		&r.Origins, &r.Suppressed, &r.Summary, &r.Attribution, &r.Licence, &r.URL, &r.Raw, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if lat.Valid && lon.Valid {
		r.Lat, r.Lon = &lat.Float64, &lon.Float64
	}
	ptrs := [7]**int{&r.Dead, &r.Missing, &r.DeadAndMissing, &r.Survivors, &r.Females, &r.Males, &r.Minors}
	for i, v := range n {
		if v.Valid {
			x := int(v.Int64)
			*ptrs[i] = &x
		}
	}
	return &r, nil
}

func intArg(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func floatArg(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// values are r's columns after id, in recordCols order, without updated_at.
func (r *Record) values() []any {
	return []any{r.Source, r.SourceID, r.Type, r.OccurredOn, r.DatePrecision, r.Year, r.Month,
		floatArg(r.Lat), floatArg(r.Lon), r.Place, r.Country, r.Region, r.Route, r.Cause,
		intArg(r.Dead), intArg(r.Missing), intArg(r.DeadAndMissing), intArg(r.Survivors),
		intArg(r.Females), intArg(r.Males), intArg(r.Minors),
		r.Origins, r.Suppressed, r.Summary, r.Attribution, r.Licence, r.URL, r.Raw}
}

// sameContent says whether a and b publish the same thing (ids and update
// times aside).
func sameContent(a, b *Record) bool {
	va, vb := a.values(), b.values()
	for i := range va {
		if fmt.Sprint(va[i]) != fmt.Sprint(vb[i]) {
			return false
		}
	}
	return true
}

// Upsert stores r under (Source, SourceID): a record already there is
// updated, never duplicated. A record whose content did not change is
// left alone, so that Version (and every ETag) stays the same. r.ID and
// r.UpdatedAt are set. tx may be nil: Upsert then runs its own
// transaction.
func (s *Store) Upsert(ctx context.Context, tx *store.Tx, r *Record) (created bool, err error) {
	if tx == nil {
		err = s.db.InTx(ctx, func(tx *store.Tx) error {
			created, err = s.Upsert(ctx, tx, r)
			return err
		})
		return created, err
	}
	if r.Source == "" || r.SourceID == "" {
		return false, errors.New("publish: record without source or source id")
	}
	r.fillDate()
	old, err := scanRecord(tx.QueryRow(ctx, "SELECT "+recordCols+" FROM public_records WHERE source = ? AND source_id = ?", r.Source, r.SourceID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.UpdatedAt = store.Now()
		id, err := store.InsertID(ctx, tx, `INSERT INTO public_records (source, source_id, type, occurred_on, date_precision, year, month,
			lat, lon, place, country, region, route, cause, dead, missing, dead_and_missing, survivors, females, males, minors,
			origins, suppressed, summary, attribution, licence, url, raw, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(r.values(), r.UpdatedAt)...)
		if err != nil {
			return false, err
		}
		r.ID = id
		return true, bumpVersion(ctx, tx)
	case err != nil:
		return false, err
	}
	r.ID = old.ID
	if sameContent(old, r) {
		r.UpdatedAt = old.UpdatedAt
		return false, nil
	}
	r.UpdatedAt = store.Now()
	_, err = tx.Exec(ctx, `UPDATE public_records SET source = ?, source_id = ?, type = ?, occurred_on = ?, date_precision = ?,
		year = ?, month = ?, lat = ?, lon = ?, place = ?, country = ?, region = ?, route = ?, cause = ?, dead = ?, missing = ?,
		dead_and_missing = ?, survivors = ?, females = ?, males = ?, minors = ?, origins = ?, suppressed = ?, summary = ?,
		attribution = ?, licence = ?, url = ?, raw = ?, updated_at = ? WHERE id = ?`,
		append(r.values(), r.UpdatedAt, r.ID)...)
	if err != nil {
		return false, err
	}
	return false, bumpVersion(ctx, tx)
}

// fillDate sets Year and Month from OccurredOn when they are not given.
func (r *Record) fillDate() {
	if r.Year != 0 || len(r.OccurredOn) < 7 {
		return
	}
	if y, err := strconv.Atoi(r.OccurredOn[:4]); err == nil {
		r.Year = y
	}
	if m, err := strconv.Atoi(r.OccurredOn[5:7]); err == nil && r.DatePrecision != "year" {
		r.Month = m
	}
}

// DeleteSource removes the records of source for which keep returns
// false (keep nil removes them all) and returns how many went.
func (s *Store) DeleteSource(ctx context.Context, tx *store.Tx, source string, keep func(sourceID string) bool) (int, error) {
	if tx == nil {
		var n int
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = s.DeleteSource(ctx, tx, source, keep)
			return err
		})
		return n, err
	}
	rows, err := tx.Query(ctx, "SELECT id, source_id FROM public_records WHERE source = ?", source)
	if err != nil {
		return 0, err
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var sid string
		if err := rows.Scan(&id, &sid); err != nil {
			rows.Close()
			return 0, err
		}
		if keep == nil || !keep(sid) {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range gone {
		if _, err := tx.Exec(ctx, "DELETE FROM public_records WHERE id = ?", id); err != nil {
			return 0, err
		}
	}
	if len(gone) > 0 {
		return len(gone), bumpVersion(ctx, tx)
	}
	return 0, nil
}

// Each calls fn with every record matching f, in id order. It reads a
// page of rows at a time and calls fn with no query open, so memory does
// not grow with the dataset and a slow reader holds no database
// connection. fn's error stops it and is returned as is.
func (s *Store) Each(ctx context.Context, f Filter, fn func(*Record) error) error {
	where, args := f.where()
	if where == "" {
		where = " WHERE id > ?"
	} else {
		where += " AND id > ?"
	}
	q := "SELECT " + recordCols + " FROM public_records" + where + " ORDER BY id LIMIT " + strconv.Itoa(s.pageSize)
	page := make([]*Record, 0, s.pageSize)
	var after int64
	for {
		page = page[:0]
		rows, err := s.db.Query(ctx, q, append(args, after)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < s.pageSize {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// Get returns one record by its public id.
func (s *Store) Get(ctx context.Context, id int64) (*Record, error) {
	r, err := scanRecord(s.db.QueryRow(ctx, "SELECT "+recordCols+" FROM public_records WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return r, err
}

const versionKey = "publish.version"

// bumpVersion counts a change to public_records in the same transaction.
func bumpVersion(ctx context.Context, tx *store.Tx) error {
	_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)`, versionKey)
	return err
}

// Version changes whenever public_records changes: a counter bumped in
// the transaction of every change. ETags are built from it.
func (s *Store) Version(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", versionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "0", nil
	}
	return v, err
}
