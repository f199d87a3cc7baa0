package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/vault"
)

// ptCipher stands for the vault in these tests. It does not encrypt at
// all: the encrypted columns hold their plaintext, so a rule that read one
// would leak it into the outputs, where the tests look for it.
type ptCipher struct{}

func (ptCipher) Encrypt(_ vault.Location, p []byte) ([]byte, error) {
	return append([]byte("pt:"), p...), nil
}
func (ptCipher) Decrypt(_ vault.Location, c []byte) ([]byte, error) {
	return bytes.TrimPrefix(c, []byte("pt:")), nil
}

// ptInc is an incident as the tests plant it, straight into the tables.
type ptInc struct {
	verification string
	status       string
	scopes       []string // one testimony per scope
	occurred     time.Time
	precision    string
	lat, lon     *float64
	country      string
	adm1, adm2   string
	group, dead  *int
	missing      *int
	women        *int
	minors       *int
	origins      string
	publicText   string // approved when set
	canary       string // planted in every restricted field
}

func ptInt(n int) *int            { return &n }
func ptFloat(f float64) *float64  { return &f }
func ptCtx() context.Context      { return context.Background() }
func ptDay(s string) time.Time    { t, _ := time.Parse("2006-01-02", s); return t.Add(13 * time.Hour) }
func ptSealed(b bool) func() bool { return func() bool { return b } }
func ptCfg() Config               { return Config{}.WithDefaults("Test group") }
func ptNewPub(db *store.DB) *Publisher {
	return NewPublisher(db, NewStore(db), ptCipher{}, ptSealed(false), ptCfg())
}

var ptNextID int64 = 1000

func ptPlant(t testing.TB, db *store.DB, in ptInc) int64 {
	t.Helper()
	ptNextID++
	id := ptNextID
	if in.verification == "" {
		in.verification = "verified"
	}
	if in.status == "" {
		in.status = "submitted"
	}
	if in.precision == "" {
		in.precision = "day"
	}
	if in.country == "" {
		in.country = "ES"
	}
	c := in.canary
	// The incident's own scope is the broadest of its testimonies'.
	scope := ""
	rank := map[string]int{"internal": 0, "partners": 1, "public_anonymised": 2, "public_named": 3}
	for _, s := range in.scopes {
		if scope == "" || rank[s] > rank[scope] {
			scope = s
		}
	}
	point := []byte(nil)
	if in.lat != nil {
		point = []byte(fmt.Sprintf(`{"Lat":%.9f,"Lon":%.9f}`, *in.lat, *in.lon))
	}
	var clat, clon any
	if in.lat != nil {
		clat, clon = math.Round(*in.lat*10)/10, math.Round(*in.lon*10)/10
	}
	var text any
	var approved int64
	if in.publicText != "" {
		text, approved = []byte("pt:"+in.publicText), time.Now().Unix()
	}
	occurred := int64(0)
	if !in.occurred.IsZero() {
		occurred = in.occurred.Unix()
	}
	err := db.InTx(ptCtx(), func(tx *store.Tx) error {
		_, err := tx.Exec(ptCtx(), `INSERT INTO incidents (id, ref, status, type, occurred_at, date_precision, country, adm1, adm2,
			place, point, coarse_lat, coarse_lon, group_size, dead, missing, origins, units, uniforms, vehicles, sources,
			verification, tags, consent_scope, created_by, created_at, updated_at, public_text, public_text_approved_at, women, minors)
			VALUES (?, ?, ?, 'pushback', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
			id, "2026-11-25-"+fmt.Sprint(id), in.status, occurred, in.precision, in.country, in.adm1, in.adm2+c,
			[]byte("place "+c), point, clat, clon, intArg(in.group), intArg(in.dead), intArg(in.missing), in.origins,
			"units "+c, "uniforms "+c, "vehicles "+c, []byte("sources "+c), in.verification, "tag"+c, scope,
			time.Now().Unix(), time.Now().Unix(), text, approved, intArg(in.women), intArg(in.minors))
		if err != nil {
			return err
		}
		for i, s := range in.scopes {
			_, err := tx.Exec(ptCtx(), `INSERT INTO testimonies (id, incident_id, language, narrative, pseudonym, interviewer,
				interpreter, witness_contact, consent_scope, created_by, created_at, updated_at)
				VALUES (?, ?, 'en', ?, ?, ?, ?, ?, ?, 1, ?, ?)`, id*10+int64(i), id,
				[]byte("narrative "+c), []byte("pseudonym "+c), []byte("interviewer "+c), []byte("interpreter "+c),
				[]byte("contact +34600"+c), s, time.Now().Unix(), time.Now().Unix())
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func ptAll(t testing.TB, s *Store, f Filter) []*Record {
	t.Helper()
	var out []*Record
	if err := s.Each(ptCtx(), f, func(r *Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func ptOne(t testing.TB, s *Store, incidentID int64) *Record {
	t.Helper()
	for _, r := range ptAll(t, s, Filter{Source: SourceFaro}) {
		if r.SourceID == PublicID(incidentID) {
			return r
		}
	}
	return nil
}

// TestPublicationRules: only verified incidents whose every testimony
// consents to publication are published, and only coarsened.
func TestPublicationRules(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		lat, lon := ptFloat(36.01234567), ptFloat(-5.60987654)
		base := ptInc{scopes: []string{"public_anonymised"}, occurred: ptDay("2026-03-05"), lat: lat, lon: lon,
			adm1: "Andalucía", adm2: "Tarifa", group: ptInt(12), dead: ptInt(1), origins: "SN,GM", canary: "CANARY"}
		cases := []struct {
			name    string
			change  func(*ptInc)
			publish bool
		}{
			{"verified, public anonymised", func(*ptInc) {}, true},
			{"verified, public named", func(i *ptInc) { i.scopes = []string{"public_named"} }, true},
			{"unverified", func(i *ptInc) { i.verification = "unverified" }, false},
			{"corroborated", func(i *ptInc) { i.verification = "corroborated" }, false},
			{"draft", func(i *ptInc) { i.status = "draft" }, false},
			{"internal consent", func(i *ptInc) { i.scopes = []string{"internal"} }, false},
			{"partners consent", func(i *ptInc) { i.scopes = []string{"partners"} }, false},
			{"one testimony internal", func(i *ptInc) { i.scopes = []string{"public_named", "internal"} }, false},
			{"one testimony partners", func(i *ptInc) { i.scopes = []string{"public_anonymised", "partners"} }, false},
			{"no testimony", func(i *ptInc) { i.scopes = nil }, false},
		}
		ids := map[string]int64{}
		for _, c := range cases {
			in := base
			c.change(&in)
			ids[c.name] = ptPlant(t, db, in)
		}
		p := ptNewPub(db)
		pub, wd, err := p.Refresh(ptCtx())
		if err != nil || pub != 2 || wd != 0 {
			t.Fatalf("Refresh = %d, %d, %v; want 2 published", pub, wd, err)
		}
		st := NewStore(db)
		for _, c := range cases {
			r := ptOne(t, st, ids[c.name])
			if (r != nil) != c.publish {
				t.Errorf("%s: published %v, want %v", c.name, r != nil, c.publish)
			}
		}
		r := ptOne(t, st, ids["verified, public anonymised"])
		wantLat, wantLon := gridCentre(36.0, -5.6, 10)
		if r.Lat == nil || *r.Lat != wantLat || *r.Lon != wantLon {
			t.Errorf("position not the grid cell centre")
		}
		if math.Abs(*r.Lat-36.0123) > 0.05 || math.Abs(*r.Lon+5.6099) > 0.07 {
			t.Errorf("grid centre %v,%v is not within half a cell of the incident", *r.Lat, *r.Lon)
		}
		if r.OccurredOn != "2026-03-02" || r.DatePrecision != "week" || r.Year != 2026 || r.Month != 3 {
			t.Errorf("date = %s (%s) %d-%d; want the Monday 2026-03-02, week", r.OccurredOn, r.DatePrecision, r.Year, r.Month)
		}
		if r.Summary != "" || strings.Contains(fmt.Sprint(*r), "CANARY") {
			t.Errorf("canary leaked into the public record")
		}
		if r.Place != "Andalucía" || r.Region != "Andalucía" || r.Country != "ES" {
			t.Errorf("place = %q / %q / %q", r.Place, r.Region, r.Country)
		}
		if r.Dead == nil || *r.Dead != 1 || r.DeadAndMissing == nil || *r.DeadAndMissing != 1 || r.Missing != nil {
			t.Errorf("counts: unknown missing must stay unknown, total 1")
		}
		if r.Origins != "SN; GM" || r.Suppressed != "" || r.Licence != DefaultLicence || r.Attribution != "Test group" {
			t.Errorf("origins %q suppressed %q licence %q attribution %q", r.Origins, r.Suppressed, r.Licence, r.Attribution)
		}

		// Nothing changed: nothing written, same version.
		v1, _ := st.Version(ptCtx())
		if pub, wd, err := p.Refresh(ptCtx()); err != nil || pub != 0 || wd != 0 {
			t.Errorf("second Refresh = %d, %d, %v; want nothing", pub, wd, err)
		}
		if v2, _ := st.Version(ptCtx()); v2 != v1 {
			t.Errorf("version moved without a change: %s → %s", v1, v2)
		}

		// Consent withdrawn: the record goes.
		if _, err := db.Exec(ptCtx(), "UPDATE testimonies SET consent_scope = 'internal', updated_at = updated_at + 5 WHERE incident_id = ?", ids["verified, public anonymised"]); err != nil {
			t.Fatal(err)
		}
		if pub, wd, err := p.Refresh(ptCtx()); err != nil || pub != 0 || wd != 1 {
			t.Errorf("Refresh after withdrawal = %d, %d, %v; want 1 withdrawn", pub, wd, err)
		}
		if ptOne(t, st, ids["verified, public anonymised"]) != nil {
			t.Error("record still public after consent was withdrawn")
		}
		if v3, _ := st.Version(ptCtx()); v3 == v1 {
			t.Error("version did not move on withdrawal")
		}
	})
}

// TestRefreshLeavesSourcesAlone: imported records are never touched.
func TestRefreshLeavesSourcesAlone(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		st := NewStore(db)
		mmp := &Record{Source: SourceMMP, SourceID: "52673", OccurredOn: "2019-12-30", DatePrecision: "day",
			Lat: ptFloat(35.568972356329), Lon: ptFloat(-1.289773129748), Dead: ptInt(1), DeadAndMissing: ptInt(1),
			Place: "Unspecififed location off the coast of Algeria", Attribution: "IOM Missing Migrants Project", Licence: "CC BY 4.0"}
		if _, err := st.Upsert(ptCtx(), nil, mmp); err != nil {
			t.Fatal(err)
		}
		ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: ptDay("2026-01-01"), group: ptInt(5)})
		if _, _, err := ptNewPub(db).Refresh(ptCtx()); err != nil {
			t.Fatal(err)
		}
		got, err := st.Get(ptCtx(), mmp.ID)
		if err != nil || *got.Lat != 35.568972356329 || got.OccurredOn != "2019-12-30" || got.UpdatedAt != mmp.UpdatedAt {
			t.Errorf("the MMP record was changed by Refresh: %v", err)
		}
		if n := len(ptAll(t, st, Filter{})); n != 2 {
			t.Errorf("%d records, want 2", n)
		}
	})
}

// TestKSuppression: a nationality counting fewer than k people in one
// cell and week loses its origins; a cell and week counting fewer than k
// people in all loses its records' sex and age counts; the outputs say so.
func TestKSuppression(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		day := ptDay("2026-05-13")
		small := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: day, lat: ptFloat(35.9), lon: ptFloat(-5.3),
			group: ptInt(2), origins: "ER", women: ptInt(1), minors: ptInt(1)})
		big := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: day, lat: ptFloat(35.9), lon: ptFloat(-5.3),
			group: ptInt(7), origins: "SD"})
		// Two records of 2 people of one nationality in one cell and week
		// make a cell of 4: not suppressed.
		pairA := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: day, lat: ptFloat(36.5), lon: ptFloat(-2.1),
			group: ptInt(2), origins: "ML"})
		pairB := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: day.Add(48 * time.Hour), lat: ptFloat(36.5), lon: ptFloat(-2.1),
			group: ptInt(2), origins: "ML"})
		// The same two in different weeks: each is alone.
		lone := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: day.Add(21 * 24 * time.Hour), lat: ptFloat(36.5), lon: ptFloat(-2.1),
			group: ptInt(2), origins: "ML", women: ptInt(1), minors: ptInt(1)})
		// Alone in its cell and week, with its sex and age counts known but
		// no nationality: the counts go.
		alone := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: day, lat: ptFloat(38.2), lon: ptFloat(1.4),
			group: ptInt(2), women: ptInt(1), minors: ptInt(1)})
		// Unknown counts are too few.
		unknown := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: day, lat: ptFloat(40), lon: ptFloat(2), origins: "MA"})
		if _, _, err := ptNewPub(db).Refresh(ptCtx()); err != nil {
			t.Fatal(err)
		}
		st := NewStore(db)
		for _, c := range []struct {
			id         int64
			suppressed string
		}{{small, "origins"}, {big, ""}, {pairA, ""}, {pairB, ""}, {lone, "origins,females,males,minors"}, {unknown, "origins"},
			{alone, "females,males,minors"}} {
			r := ptOne(t, st, c.id)
			if r.Suppressed != c.suppressed {
				t.Errorf("incident %d: suppressed %q, want %q", c.id, r.Suppressed, c.suppressed)
			}
			if strings.Contains(r.Suppressed, "origins") && r.Origins != "" {
				t.Errorf("incident %d: origins %q published though withheld", c.id, r.Origins)
			}
			if withheld := strings.Contains(r.Suppressed, "females"); withheld && (r.Females != nil || r.Males != nil || r.Minors != nil) {
				t.Errorf("incident %d: sex and age counts published though withheld", c.id)
			}
		}
		// small's cell and week count 9 people (with big): its counts stay.
		if r := ptOne(t, st, small); r.Females == nil || *r.Females != 1 || r.Minors == nil || *r.Minors != 1 {
			t.Errorf("counts of a record in a large enough cell withheld: %v %v", r.Females, r.Minors)
		}
		stats, err := st.Stats(ptCtx(), Filter{})
		if err != nil || stats.Suppressed != 4 {
			t.Errorf("Stats.Suppressed = %v (%v), want 4", stats, err)
		}
		var csvOut, jsonOut bytes.Buffer
		WriteCSV(ptCtx(), &csvOut, st, Filter{})
		if strings.Contains(csvOut.String(), "ER") && strings.Contains(csvOut.String(), ",ER,") {
			t.Error("suppressed origin in CSV")
		}
		if !strings.Contains(csvOut.String(), ",origins,") {
			t.Error("CSV does not say what was suppressed")
		}
		WriteJSON(ptCtx(), &jsonOut, st, Filter{}, "n")
		var doc struct {
			Suppression string           `json:"suppression_notice"`
			Records     []map[string]any `json:"records"`
		}
		if err := json.Unmarshal(jsonOut.Bytes(), &doc); err != nil || doc.Suppression == "" {
			t.Fatalf("JSON: %v, notice %q", err, doc.Suppression)
		}
		for _, rec := range doc.Records {
			if rec["suppressed"] == "origins" && rec["origins"] != "" {
				t.Error("JSON record suppressed but with origins")
			}
		}
	})
}

// TestPublicTextNeedsNamedConsentAndApproval.
func TestPublicTextNeedsNamedConsentAndApproval(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		day := ptDay("2026-02-02")
		named := ptPlant(t, db, ptInc{scopes: []string{"public_named", "public_named"}, occurred: day, group: ptInt(9), publicText: "Approved words"})
		anon := ptPlant(t, db, ptInc{scopes: []string{"public_named", "public_anonymised"}, occurred: day, group: ptInt(9), publicText: "Approved but not named"})
		unapproved := ptPlant(t, db, ptInc{scopes: []string{"public_named"}, occurred: day, group: ptInt(9), canary: "NOTAPPROVED"})
		p := ptNewPub(db)
		if _, _, err := p.Refresh(ptCtx()); err != nil {
			t.Fatal(err)
		}
		st := NewStore(db)
		if r := ptOne(t, st, named); r.Summary != "Approved words" {
			t.Errorf("named + approved: summary %q", r.Summary)
		}
		if r := ptOne(t, st, anon); r.Summary != "" {
			t.Error("a text was published without every testimony's named consent")
		}
		if r := ptOne(t, st, unapproved); r.Summary != "" {
			t.Error("a text was published without approval")
		}
		// Sealed: the text cannot be opened and is withheld, not failed.
		sealedPub := NewPublisher(db, st, ptCipher{}, ptSealed(true), ptCfg())
		if _, _, err := sealedPub.Refresh(ptCtx()); err != nil {
			t.Fatal(err)
		}
		if r := ptOne(t, st, named); r.Summary != "" {
			t.Error("sealed refresh kept a text it could not open")
		}
	})
}

func TestGridCentre(t *testing.T) {
	for _, km := range []float64{1, 10, 50} {
		for _, p := range [][2]float64{{36.01, -5.6}, {-33.9, 18.4}, {0, 0}, {89.99, 179.99}, {-89.99, -179.99}, {14.5, 120.98}} {
			lat, lon := gridCentre(p[0], p[1], km)
			if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
				t.Errorf("%v at %g km: centre %v,%v out of range", p, km, lat, lon)
			}
			// A point's cell centre is its own cell centre.
			if l2, o2 := gridCentre(lat, lon, km); l2 != lat || o2 != lon {
				t.Errorf("%v at %g km: centre not stable", p, km)
			}
			if math.Abs(lat-p[0]) > km/kmPerDegree {
				t.Errorf("%v at %g km: centre latitude %v more than a cell away", p, km, lat)
			}
		}
	}
	// Points a few hundred metres apart in one cell share the centre.
	a1, o1 := gridCentre(36.02, -5.61, 10)
	a2, o2 := gridCentre(36.03, -5.62, 10)
	if a1 != a2 || o1 != o2 {
		t.Error("neighbouring points in one cell got different centres")
	}
}

func TestCoarsenDate(t *testing.T) {
	for _, c := range []struct {
		t              string
		own, unit      string
		want, wantPrec string
	}{
		{"2026-03-05", "day", "week", "2026-03-02", "week"},
		{"2026-03-08", "time", "week", "2026-03-02", "week"}, // Sunday
		{"2026-03-02", "day", "week", "2026-03-02", "week"},  // Monday
		{"2026-01-01", "day", "week", "2025-12-29", "week"},
		{"2026-03-05", "day", "month", "2026-03-01", "month"},
		{"2026-03-05", "month", "week", "2026-03-01", "month"},
		{"2026-03-05", "time", "day", "2026-03-05", "day"},
	} {
		got, prec := coarsenDate(ptDay(c.t), c.own, c.unit)
		if got != c.want || prec != c.wantPrec {
			t.Errorf("%s %s→%s: %s %s, want %s %s", c.t, c.own, c.unit, got, prec, c.want, c.wantPrec)
		}
	}
	if d, p := coarsenDate(time.Time{}, "day", "week"); d != "" || p != "" {
		t.Error("unknown date got a value")
	}
}

// TestAdminPlaceMode: no position at all, only the admin area.
func TestAdminPlaceMode(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		id := ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: ptDay("2026-03-05"), lat: ptFloat(36), lon: ptFloat(-5),
			adm1: "Ceuta", group: ptInt(4), origins: "MA"})
		cfg := ptCfg()
		cfg.Place, cfg.TimeUnit = PlaceAdmin, UnitMonth
		if _, _, err := NewPublisher(db, NewStore(db), ptCipher{}, ptSealed(false), cfg).Refresh(ptCtx()); err != nil {
			t.Fatal(err)
		}
		r := ptOne(t, NewStore(db), id)
		if r.Lat != nil || r.Lon != nil || r.Place != "Ceuta" || r.OccurredOn != "2026-03-01" || r.DatePrecision != "month" {
			t.Errorf("admin mode: %+v", r)
		}
	})
}

// TestRunRefreshesAtStartAndWhenPoked.
func TestRunRefreshesAtStartAndWhenPoked(t *testing.T) {
	db := storetest.SQLite(t, migrations.All())
	ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: ptDay("2026-01-05"), group: ptInt(5)})
	p := ptNewPub(db)
	ctx, cancel := context.WithCancel(ptCtx())
	defer cancel()
	reports := make(chan [2]int, 10)
	go p.Run(ctx, time.Hour, func(pub, wd int, err error) {
		if err != nil {
			t.Error(err)
		}
		reports <- [2]int{pub, wd}
	})
	if r := <-reports; r != [2]int{1, 0} {
		t.Fatalf("start: %v, want 1 published", r)
	}
	// Unchanged: RefreshIfChanged does not run.
	if _, _, ran, err := p.RefreshIfChanged(ptCtx()); ran || err != nil {
		t.Errorf("RefreshIfChanged ran with nothing changed (%v)", err)
	}
	ptPlant(t, db, ptInc{scopes: []string{"public_anonymised"}, occurred: ptDay("2026-01-06"), group: ptInt(5)})
	p.Poke()
	select {
	case r := <-reports:
		if r != [2]int{1, 0} {
			t.Errorf("after poke: %v, want 1 published", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no refresh after Poke")
	}
}
