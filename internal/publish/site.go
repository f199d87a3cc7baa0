package publish

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/web"
)

// The public site: a map, statistics and incident pages for anyone,
// without an account, in every UI language. It reads public_records and
// nothing else (no vault, no documentation table), so it can keep
// answering while Faro is sealed, and a restricted field can never reach
// it by mistake.

//go:embed templates/site*.html
var siteTemplates embed.FS

// siteCacheSize bounds the rendered pages kept: a map view is about
// 100-300 KB, so this is a few megabytes at most.
const siteCacheSize = 48

// mapListLimit is how many incidents the list under the map shows.
const mapListLimit = 50

// site holds the public site's handlers.
type site struct {
	web   *web.Server
	st    *Store
	q     *siteDB
	cfg   Config
	cache *siteCache
}

// RegisterSite adds the public site's routes: GET /public (the map),
// GET /public/stats and GET /public/incidents/{id}, all public.
//
// It returns a function that reads the current dataset into memory (the
// statistics and the map's positions), for Faro to call once at start-up
// so that the first visitor does not wait for it: about 2 s at 100k rows.
func RegisterSite(srv *web.Server, st *Store, cfg Config) (warm func(context.Context) error) {
	return registerSite(srv, st, cfg).warm
}

// warm reads the dataset's current version as the first page would.
func (s *site) warm(ctx context.Context) error {
	v, err := s.st.Version(ctx)
	if err != nil {
		return err
	}
	snap, err := s.q.Serve(ctx, v)
	if err != nil {
		return err
	}
	_, err = snap.Grid(ctx, s.st.db)
	return err
}

func registerSite(srv *web.Server, st *Store, cfg Config) *site {
	s := &site{web: srv, st: st, q: &siteDB{db: st.db},
		cfg: cfg.WithDefaults(srv.Config.InstanceName), cache: newSiteCache(siteCacheSize)}
	srv.AddPages("publish", siteTemplates, "templates/site*.html")
	srv.Router.Handle("GET /public", web.Public, s.mapPage)
	srv.Router.Handle("GET /public/stats", web.Public, s.statsPage)
	srv.Router.Handle("GET /public/incidents/{id}", web.Public, s.incidentPage)
	return s
}

// siteFilters are the choices of the filter form.
type siteFilters struct {
	Years, Types, Causes, Routes []string
	// TypeOptions are Types as the visitor reads them (site_label.go).
	TypeOptions []siteOption
}

// siteMapData is the map page's content.
type siteMapData struct {
	Query    siteQuery
	Map      template.HTML
	Links    []siteMapLink
	Filters  siteFilters
	Totals   siteTotals
	List     []siteListItem
	InView   int64
	More     int64
	Filtered bool
	K        int // the smallest cell published, for the suppression notice

	InViewText string
}

// siteStatsData is the statistics page's content.
type siteStatsData struct {
	Query    siteQuery
	Filters  siteFilters
	Totals   siteTotals
	Charts   []siteChart
	Filtered bool
	K        int
}

// siteChart is one chart and its table.
type siteChart struct {
	ID      string
	Title   string // catalogue key
	SVG     template.HTML
	Rows    []siteCount
	KeyHead string // catalogue key of the first column's heading
}

// siteIncidentData is an incident page's content.
type siteIncidentData struct {
	R      *Record
	People *int
	// Date is OccurredOn as precise as the record says.
	Date     string
	Position string // coarse position, as published
	Map      template.HTML
	// Attribution and Licence name the source; Faro's own when empty.
	Attribution, Licence string
	URL                  string // the source's link, http(s) only
	// TypeLabel is R.Type as the visitor reads it (site_label.go).
	TypeLabel string
}

// begin does what every public page does first: the dataset's version,
// the ETag of this rendering, and a 304 when the browser has it. It
// returns the cache key, or ok false when it answered.
func (s *site) begin(w http.ResponseWriter, r *http.Request, canonical string) (key, version string, ok bool) {
	v, err := s.st.Version(r.Context())
	if err != nil {
		s.web.ServerError(w, r, err)
		return "", "", false
	}
	return s.beginAt(w, r, canonical, v)
}

// beginAt is begin for a page built from the dataset at version v.
func (s *site) beginAt(w http.ResponseWriter, r *http.Request, canonical, v string) (key, version string, ok bool) {
	lang := web.L(r).Lang
	if siteCacheHeaders(w, r, siteETag(r, v+"."+s.cfg.fingerprint(), lang, canonical)) {
		return "", "", false
	}
	return v + "|" + lang + "|" + r.URL.Path + "?" + canonical, v, true
}

// beginSnap is begin for the map and the statistics: they are built from
// the snapshot in memory, which may be the previous version while the new
// one is read (site_snap.go), and their ETag and cache key say which.
func (s *site) beginSnap(w http.ResponseWriter, r *http.Request, canonical string) (key string, snap *siteSnap, ok bool) {
	v, err := s.st.Version(r.Context())
	if err != nil {
		s.web.ServerError(w, r, err)
		return "", nil, false
	}
	if snap, err = s.q.Serve(r.Context(), v); err != nil {
		s.web.ServerError(w, r, err)
		return "", nil, false
	}
	key, _, ok = s.beginAt(w, r, canonical, snap.version)
	return key, snap, ok
}

func siteFiltersOf(snap *siteSnap, l *i18n.Localizer) siteFilters {
	c := snap.cube
	f := siteFilters{Years: c.Values(siteByYear), Types: c.Values(siteByType), Causes: c.Values(siteByCause), Routes: c.Values(siteByRoute)}
	for _, t := range f.Types {
		f.TypeOptions = append(f.TypeOptions, siteOption{Value: t, Label: snap.typeLabel(l, t)})
	}
	return f
}

// siteNums formats counts for the visitor's language.
func siteNums(l *i18n.Localizer) func(int64) string {
	return func(n int64) string { return groupDigits(n, l.Lang) }
}

func (s *site) mapPage(w http.ResponseWriter, r *http.Request) {
	s.snapPage(w, r, true, "publish/site_map", "site.map.title",
		func(ctx context.Context, snap *siteSnap, q siteQuery, l *i18n.Localizer) (any, error) {
			return s.loadMap(ctx, snap, q, l)
		})
}

func (s *site) statsPage(w http.ResponseWriter, r *http.Request) {
	s.snapPage(w, r, false, "publish/site_stats", "site.stats.title",
		func(ctx context.Context, snap *siteSnap, q siteQuery, l *i18n.Localizer) (any, error) {
			return s.loadStats(ctx, snap, q, l)
		})
}

// snapPage serves a page built from a dataset snapshot (the map, the
// statistics): read the query, answer 304 or from the page cache when it
// can, else build the page's data with load and keep it.
func (s *site) snapPage(w http.ResponseWriter, r *http.Request, withBBox bool, page, title string,
	load func(context.Context, *siteSnap, siteQuery, *i18n.Localizer) (any, error)) {
	q, err := parseSiteQuery(r.URL.Query(), withBBox)
	if err != nil {
		s.web.Error(w, r, http.StatusBadRequest)
		return
	}
	key, snap, ok := s.beginSnap(w, r, q.values().Encode())
	if !ok {
		return
	}
	d, hit := s.cache.get(key)
	if !hit {
		if d, err = load(r.Context(), snap, q, web.L(r)); err != nil {
			s.web.ServerError(w, r, err)
			return
		}
		s.cache.put(key, d)
	}
	s.web.Render(w, r, http.StatusOK, page, s.web.NewPage(r, title, d))
}

func (s *site) loadMap(ctx context.Context, snap *siteSnap, q siteQuery, l *i18n.Localizer) (*siteMapData, error) {
	cube := snap.cube
	grid, err := snap.Grid(ctx, s.q.db)
	if err != nil {
		return nil, err
	}
	d := &siteMapData{Query: q, Filtered: q.Filter != (siteFilter{}), K: s.cfg.K}
	num := siteNums(l)
	label := func(n, people int64) string {
		return l.T("site.map.incidents", int(n), num(n)) + " · " + l.T("site.map.people", int(people), num(people))
	}
	var view geo.BBox
	d.Map, d.Links, err = siteRenderMap(q, l.T("site.map.alt"), label, num, func(v geo.BBox, cell float64) ([]siteCluster, error) {
		view = v
		cs, err := s.q.gridClusters(ctx, grid, q.Filter, v, cell)
		for _, c := range cs {
			d.InView += c.Incidents
		}
		return cs, err
	})
	if err != nil {
		return nil, err
	}
	d.Filters, d.Totals = siteFiltersOf(snap, l), cube.Totals(q.Filter)
	if d.List, err = s.q.gridList(ctx, grid, q.Filter, view, mapListLimit); err != nil {
		return nil, err
	}
	for i := range d.List {
		d.List[i].Type = siteTypeLabel(l, d.List[i].Source, d.List[i].Type)
	}
	d.More = d.InView - int64(len(d.List))
	d.InViewText = num(d.InView)
	s.attribute(&d.Totals)
	d.Totals.format(num)
	return d, nil
}

func (s *site) loadStats(_ context.Context, snap *siteSnap, q siteQuery, l *i18n.Localizer) (*siteStatsData, error) {
	cube := snap.cube
	d := &siteStatsData{Query: q, Filtered: q.Filter != (siteFilter{}), K: s.cfg.K,
		Filters: siteFiltersOf(snap, l), Totals: cube.Totals(q.Filter)}
	num, rtl := siteNums(l), l.Dir() == "rtl"
	s.attribute(&d.Totals)
	d.Totals.format(num)
	for _, c := range []struct {
		id, title, head string
		g               siteGroup
	}{
		{"month", "site.stats.bymonth", "site.stats.month", siteByMonth},
		{"year", "site.stats.byyear", "site.stats.year", siteByYear},
		{"route", "site.stats.byroute", "site.stats.route", siteByRoute},
		{"type", "site.stats.bytype", "site.stats.type", siteByType},
		{"cause", "site.stats.bycause", "site.stats.cause", siteByCause},
	} {
		rows := cube.Counts(q.Filter, c.g)
		bars := make([]chartBar, len(rows))
		for i, row := range rows {
			rows[i].IncidentsText, rows[i].PeopleText = num(row.Incidents), num(row.People)
			label := row.Key
			if c.g == siteByType {
				label = snap.typeLabel(l, label)
			}
			rows[i].Label = label
			if label == "" {
				label = l.T("site.unknown")
			}
			bars[i] = chartBar{Label: label, Value: row.People}
		}
		title := l.T(c.title)
		var svg template.HTML
		if c.g == siteByMonth || c.g == siteByYear {
			svg = columnChart(title, bars, num)
		} else {
			svg = barChart(title, bars, num, rtl)
		}
		d.Charts = append(d.Charts, siteChart{ID: c.id, Title: c.title, SVG: svg, Rows: rows, KeyHead: c.head})
	}
	return d, nil
}

func (s *site) incidentPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.web.Error(w, r, http.StatusNotFound)
		return
	}
	if _, _, ok := s.begin(w, r, ""); !ok {
		return
	}
	rec, err := s.st.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		// No caching of a miss: the record may be published in a minute.
		w.Header().Del("ETag")
		w.Header().Set("Cache-Control", "no-store")
		s.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		s.web.ServerError(w, r, err)
		return
	}
	d := s.incidentView(rec, web.L(r))
	s.web.Render(w, r, http.StatusOK, "publish/site_incident", s.web.NewPage(r, "site.incident.title", d))
}

// attribute names Faro's own records' source as configured.
func (s *site) attribute(t *siteTotals) {
	for i := range t.Sources {
		if t.Sources[i].Attribution == "" {
			t.Sources[i].Attribution = s.cfg.Attribution
		}
		if t.Sources[i].Licence == "" {
			t.Sources[i].Licence = s.cfg.Licence
		}
	}
}

func (s *site) incidentView(rec *Record, l *i18n.Localizer) siteIncidentData {
	d := siteIncidentData{R: rec, People: rec.DeadAndMissing, Attribution: rec.Attribution, Licence: rec.Licence,
		TypeLabel: siteTypeLabel(l, rec.Source, rec.Type)}
	if d.People == nil && rec.Dead != nil && rec.Missing != nil {
		n := *rec.Dead + *rec.Missing
		d.People = &n
	}
	if d.Attribution == "" {
		d.Attribution = s.cfg.Attribution
	}
	if d.Licence == "" {
		d.Licence = s.cfg.Licence
	}
	if u, err := url.Parse(rec.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		d.URL = rec.URL
	}
	d.Date = rec.OccurredOn
	switch rec.DatePrecision {
	case "month":
		d.Date = sitePrefix(rec.OccurredOn, 7)
	case "year":
		d.Date = sitePrefix(rec.OccurredOn, 4)
	}
	if rec.Lat != nil && rec.Lon != nil {
		p := geo.Point{Lat: *rec.Lat, Lon: *rec.Lon}
		d.Position = strconv.FormatFloat(p.Lat, 'f', 2, 64) + ", " + strconv.FormatFloat(p.Lon, 'f', 2, 64)
		var b strings.Builder
		err := geo.RenderSVG(&b, geo.MapOptions{Width: 480, MinSpan: 10, Borders: true, Title: l.T("site.incident.map"),
			Points: []geo.Marker{{Point: p}}, MarkerRadius: 6})
		if err == nil {
			d.Map = template.HTML(b.String())
		}
	}
	return d
}

func sitePrefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}
