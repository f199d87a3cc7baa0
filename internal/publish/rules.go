package publish

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// Publisher applies the publication rules to Faro's own incidents and
// keeps their public records (Source == SourceFaro) in step. Records of
// other sources are never touched.
//
// The rules:
//   - Only incidents with verification "verified" whose consent scope, and
//     the scope of every one of their testimonies, is public_anonymised or
//     public_named are published. An incident without testimonies has no
//     consent and is not published. Anything else is withdrawn.
//   - Place: the clear coarse position (already rounded to 0.1°) is
//     snapped to the centre of a Config.GridKm cell (see gridCentre), or
//     dropped when Config.Place is "admin"; the place text is the first
//     admin level only. The encrypted place and exact point are never read.
//   - Time: the first day of the Config.TimeUnit period (Monday of the ISO
//     week by default), DatePrecision saying which.
//   - k-anonymity: see suppress.
//   - Text: nothing but a reviewer-approved public text, and only when
//     every testimony's consent is public_named. Names, contacts,
//     narratives, sources, units and tags are never read.
type Publisher struct {
	db     *store.DB
	store  *Store
	cipher vault.Cipher
	sealed func() bool
	cfg    Config

	mu      sync.Mutex
	last    string    // fingerprint of the data the last refresh saw
	lastAll time.Time // when the last refresh ran in full
	poke    chan struct{}
}

// NewPublisher returns a publisher writing into st. cipher opens approved
// public texts; sealed says when it cannot (texts are then withheld until
// the keys return). cfg must have its defaults filled.
func NewPublisher(db *store.DB, st *Store, cipher vault.Cipher, sealed func() bool, cfg Config) *Publisher {
	if sealed == nil {
		sealed = func() bool { return false }
	}
	return &Publisher{db: db, store: st, cipher: cipher, sealed: sealed, cfg: cfg, poke: make(chan struct{}, 1)}
}

// Config returns the settings the publisher applies.
func (p *Publisher) Config() Config { return p.cfg }

// Poke asks the background loop for a refresh soon (after a change this
// process made); it never blocks.
func (p *Publisher) Poke() {
	select {
	case p.poke <- struct{}{}:
	default:
	}
}

// eligible is what the rules read of one incident: clear columns only,
// and the approved public text's ciphertext.
type eligible struct {
	id                 int64
	typ, country, adm1 string
	occurredAt         int64
	precision          string
	lat, lon           sql.NullFloat64
	counts             [7]sql.NullInt64 // group, dead, missing, survivors, minors, women, men
	origins            string
	text               []byte
	approvedAt         int64
	testimonies, named int
}

// publicScopes is the SQL list of consent scopes that allow publication.
const publicScopes = "('public_anonymised', 'public_named')"

const eligibleQuery = `SELECT i.id, i.type, i.country, i.adm1, i.occurred_at, i.date_precision, i.coarse_lat, i.coarse_lon,
	i.group_size, i.dead, i.missing, i.survivors, i.minors, i.women, i.men, i.origins,
	i.public_text, i.public_text_approved_at,
	(SELECT COUNT(*) FROM testimonies t WHERE t.incident_id = i.id),
	(SELECT COUNT(*) FROM testimonies t WHERE t.incident_id = i.id AND t.consent_scope = 'public_named')
	FROM incidents i
	WHERE i.verification = 'verified' AND i.status = 'submitted' AND i.consent_scope IN ` + publicScopes + `
	AND NOT EXISTS (SELECT 1 FROM testimonies t WHERE t.incident_id = i.id AND t.consent_scope NOT IN ` + publicScopes + `)
	ORDER BY i.id`

func (p *Publisher) loadEligible(ctx context.Context) ([]eligible, error) {
	rows, err := p.db.Query(ctx, eligibleQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []eligible
	for rows.Next() {
		var e eligible
		c := &e.counts
		if err := rows.Scan(&e.id, &e.typ, &e.country, &e.adm1, &e.occurredAt, &e.precision, &e.lat, &e.lon,
			&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &e.origins, &e.text, &e.approvedAt,
			&e.testimonies, &e.named); err != nil {
			return nil, err
		}
		if e.testimonies == 0 {
			continue
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PublicID is the public source id of an incident: a hash of its internal
// id, stable across refreshes, that says nothing about when or by whom it
// was documented (the internal reference holds the day of entry, which
// could undo the coarsening of time).
func PublicID(incidentID int64) string {
	h := sha256.Sum256([]byte("faro public record " + strconv.FormatInt(incidentID, 10)))
	return hex.EncodeToString(h[:10])
}

func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// record applies coarsening to one incident (suppression comes after).
func (p *Publisher) record(e *eligible) (*Record, error) {
	r := &Record{Source: SourceFaro, SourceID: PublicID(e.id), Type: e.typ, Country: e.country,
		Place: e.adm1, Region: e.adm1, Attribution: p.cfg.Attribution, Licence: p.cfg.Licence}
	var t time.Time
	if e.occurredAt != 0 {
		t = time.Unix(e.occurredAt, 0)
	}
	r.OccurredOn, r.DatePrecision = coarsenDate(t, e.precision, p.cfg.TimeUnit)
	r.fillDate()
	if p.cfg.Place == PlaceGrid && e.lat.Valid && e.lon.Valid {
		lat, lon := gridCentre(e.lat.Float64, e.lon.Float64, p.cfg.GridKm)
		r.Lat, r.Lon = &lat, &lon
	}
	c := e.counts
	r.Dead, r.Missing, r.Survivors = nullInt(c[1]), nullInt(c[2]), nullInt(c[3])
	r.Minors, r.Females, r.Males = nullInt(c[4]), nullInt(c[5]), nullInt(c[6])
	if r.Dead != nil || r.Missing != nil {
		sum := 0
		if r.Dead != nil {
			sum += *r.Dead
		}
		if r.Missing != nil {
			sum += *r.Missing
		}
		r.DeadAndMissing = &sum
	}
	if e.origins != "" {
		r.Origins = strings.Join(strings.Split(e.origins, ","), "; ")
	}
	if e.named == e.testimonies && e.approvedAt > 0 && e.text != nil && !p.sealed() {
		b, err := p.cipher.Decrypt(vault.Location{Table: "incidents", Record: strconv.FormatInt(e.id, 10), Field: "public_text"}, e.text)
		if err != nil {
			return nil, fmt.Errorf("open the approved public text: %w", err)
		}
		r.Summary = string(b)
	}
	return r, nil
}

// countPeople is how many people an incident counts for k-anonymity: the
// group size, else the dead, missing and survivors that are known, else
// 0 (unknown counts as too few, never as enough).
func countPeople(e *eligible) int {
	if e.counts[0].Valid {
		return int(e.counts[0].Int64)
	}
	n := 0
	for _, c := range e.counts[1:4] {
		if c.Valid {
			n += int(c.Int64)
		}
	}
	return n
}

// suppress withholds the countries of origin of every record that belongs
// to a cell (nationality × coarse place × period) counting fewer than k
// people, summing over all published records in that cell. An incident
// naming several nationalities counts its people split evenly among them
// (the documentation does not say how many of each). All of a record's
// origins go when any of its cells is too small: withholding only the
// rare one would show, by its absence, that it was there.
//
// By the same measure it withholds the sex and age counts (females, males,
// minors) of every record whose coarse place and period together counted
// fewer than k people in all: "one woman and one child" in a week and a
// grid cell where nobody else was recorded describes two people.
func suppress(recs []*Record, es []eligible, k int) {
	areas := map[string]int{}
	for i, r := range recs {
		areas[placeKey(r)+"|"+r.OccurredOn] += countPeople(&es[i])
	}
	cells := map[string]int{}
	keys := make([][]string, len(recs))
	for i, r := range recs {
		origins := splitOrigins(es[i].origins)
		if len(origins) == 0 {
			continue
		}
		share := countPeople(&es[i]) / len(origins)
		for _, o := range origins {
			key := o + "|" + placeKey(r) + "|" + r.OccurredOn
			cells[key] += share
			keys[i] = append(keys[i], key)
		}
	}
	for i, r := range recs {
		var withheld []string
		for _, key := range keys[i] {
			if cells[key] < k {
				r.Origins = ""
				withheld = append(withheld, "origins")
				break
			}
		}
		if areas[placeKey(r)+"|"+r.OccurredOn] < k && (r.Females != nil || r.Males != nil || r.Minors != nil) {
			r.Females, r.Males, r.Minors = nil, nil, nil
			withheld = append(withheld, "females", "males", "minors")
		}
		r.Suppressed = strings.Join(withheld, ",")
	}
}

func splitOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// placeKey names a record's coarse place: its grid cell, or its admin
// area when it has no position.
func placeKey(r *Record) string {
	if r.Lat != nil && r.Lon != nil {
		return strconv.FormatFloat(*r.Lat, 'f', 6, 64) + "," + strconv.FormatFloat(*r.Lon, 'f', 6, 64)
	}
	return "adm:" + r.Country + "/" + r.Region
}

func contentHash(r *Record) uint64 {
	h := fnv.New64a()
	for _, v := range r.values() {
		fmt.Fprint(h, v, "\x00")
	}
	return h.Sum64()
}

// Refresh applies the rules to every incident now: it publishes or
// updates the records that may be published and withdraws those that no
// longer may. It returns how many records it created or changed and how
// many it withdrew. Nothing is written when nothing changed.
func (p *Publisher) Refresh(ctx context.Context) (published, withdrawn int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fp, err := p.fingerprint(ctx)
	if err != nil {
		return 0, 0, err
	}
	published, withdrawn, err = p.refresh(ctx)
	if err == nil {
		p.last, p.lastAll = fp, time.Now()
	}
	return published, withdrawn, err
}

// RefreshIfChanged refreshes when the incidents, testimonies, approved
// texts or the sealed state changed since the last refresh, and in any
// case every ten minutes; otherwise it costs two small queries.
func (p *Publisher) RefreshIfChanged(ctx context.Context) (published, withdrawn int, ran bool, err error) {
	p.mu.Lock()
	fp, err := p.fingerprint(ctx)
	same := err == nil && fp == p.last && time.Since(p.lastAll) < 10*time.Minute
	p.mu.Unlock()
	if err != nil || same {
		return 0, 0, false, err
	}
	published, withdrawn, err = p.Refresh(ctx)
	return published, withdrawn, true, err
}

// fingerprint summarises what the rules read, cheaply.
func (p *Publisher) fingerprint(ctx context.Context) (string, error) {
	var a, b [3]int64
	if err := p.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(updated_at), 0), COALESCE(SUM(updated_at), 0) + COALESCE(SUM(public_text_approved_at), 0)
		FROM incidents`).Scan(&a[0], &a[1], &a[2]); err != nil {
		return "", err
	}
	if err := p.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(updated_at), 0), COALESCE(SUM(updated_at), 0) FROM testimonies`).
		Scan(&b[0], &b[1], &b[2]); err != nil {
		return "", err
	}
	return fmt.Sprint(a, b, p.sealed()), nil
}

func (p *Publisher) refresh(ctx context.Context) (published, withdrawn int, err error) {
	es, err := p.loadEligible(ctx)
	if err != nil {
		return 0, 0, err
	}
	recs := make([]*Record, len(es))
	for i := range es {
		if recs[i], err = p.record(&es[i]); err != nil {
			return 0, 0, err
		}
	}
	suppress(recs, es, p.cfg.K)
	// What is there now, as hashes: constant size per record.
	type have struct {
		id   int64
		hash uint64
	}
	existing := map[string]have{}
	err = p.store.Each(ctx, Filter{Source: SourceFaro}, func(r *Record) error {
		existing[r.SourceID] = have{r.ID, contentHash(r)}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	var changed []*Record
	for _, r := range recs {
		h, ok := existing[r.SourceID]
		if !ok || h.hash != contentHash(r) {
			changed = append(changed, r)
		}
		delete(existing, r.SourceID)
	}
	if len(changed) == 0 && len(existing) == 0 {
		return 0, 0, nil
	}
	err = p.db.InTx(ctx, func(tx *store.Tx) error {
		// One version bump for the whole publication, not one per record.
		if _, _, err := p.store.UpsertBatch(ctx, tx, changed, nil); err != nil {
			return err
		}
		for _, h := range existing {
			if _, err := tx.Exec(ctx, "DELETE FROM public_records WHERE id = ? AND source = ?", h.id, SourceFaro); err != nil {
				return err
			}
		}
		if len(existing) > 0 {
			return bumpVersion(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return len(changed), len(existing), nil
}

// Run refreshes at start, then whenever poked or every interval when the
// data changed, until ctx ends. Failures are logged by report and tried
// again at the next tick.
func (p *Publisher) Run(ctx context.Context, every time.Duration, report func(published, withdrawn int, err error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		pub, wd, ran, err := p.RefreshIfChanged(ctx)
		if (ran || err != nil) && report != nil && ctx.Err() == nil {
			report(pub, wd, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.poke:
			// A change made here: refresh now, even within the second
			// the fingerprint cannot tell apart.
			pub, wd, err := p.Refresh(ctx)
			if report != nil && ctx.Err() == nil {
				report(pub, wd, err)
			}
		}
	}
}
