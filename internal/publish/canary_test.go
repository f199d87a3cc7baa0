package publish_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/publish"
	"github.com/faro-project/faro/internal/store/storetest"
)

// cnCanary marks every restricted value planted: it must never appear
// in anything public.
const cnCanary = "QZXJCANARY"

// cnPublicOK marks the approved public text: it must appear (the test
// would prove nothing if nothing were published).
const cnPublicOK = "PUBLICOKTEXT"

// cnPlanted is what cnPlant put in a Faro.
type cnPlanted struct {
	// Forbidden are strings that must appear in no public output:
	// canaries, exact position digits, internal references and ids.
	Forbidden []string
	// Named is the incident whose every testimony consents to a name,
	// Anonymised one published without.
	Named, Anonymised int64
}

// cnEngines runs fn on a fresh Faro per database engine.
func cnEngines(t *testing.T, fn func(t *testing.T, a *app.App)) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.Env) != "" {
		engines = append(engines, "postgres")
	}
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			var opts apptest.Options
			if eng == "postgres" {
				opts.Database = storetest.PostgresDSN(t)
			}
			a, _ := apptest.New(t, opts)
			fn(t, a)
		})
	}
}

// cnPlant documents, through the incident store (so with real
// encryption), incidents at every consent level, verified or not, with a
// canary in every restricted field, and runs the publication rules. The
// site's tests may call it to check pages too.
func cnPlant(t *testing.T, a *app.App) cnPlanted {
	t.Helper()
	ctx := context.Background()
	var p cnPlanted
	scopes := []string{incident.ConsentInternal, incident.ConsentPartners, incident.ConsentPublicAnonymous, incident.ConsentPublicNamed}
	n := 0
	for _, verified := range []bool{true, false} {
		for i, scope := range scopes {
			n++
			c := fmt.Sprintf("%s%02d", cnCanary, n)
			lat, lon := 36.01234567+float64(n)*0.000001, -5.60987654-float64(n)*0.000001
			group := 2 + i // small groups: origins are suppressed, which must not matter
			inc := &incident.Incident{Type: "pushback", OccurredAt: time.Date(2026, 3, 5, 14, 27, 0, 0, time.UTC),
				DatePrecision: incident.PrecisionTime, Country: "ES", Adm1: "Andalucía", Adm2: "Tarifa",
				Place: "place " + c, Point: &incident.Point{Lat: lat, Lon: lon}, PointPrecisionM: 5,
				Counts: incident.Counts{GroupSize: &group}, Origins: []string{"SN"}, Units: "units " + c,
				Uniforms: "uniforms " + c, Vehicles: "vehicles " + c, Sources: "sources " + c, Tags: []string{"tag" + c}}
			tm := &incident.Testimony{Language: "en", Narrative: "narrative " + c, Pseudonym: "pseudonym " + c,
				Interviewer: "interviewer " + c, InterpreterName: "interpreter " + c, WitnessContact: "+34 600 " + c,
				ConsentScope: scope, ConsentHow: "oral " + c, TakenOn: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)}
			if err := a.Incidents.Create(ctx, inc, tm); err != nil {
				t.Fatal(err)
			}
			if err := a.Incidents.Submit(ctx, inc.ID); err != nil {
				t.Fatal(err)
			}
			if verified {
				if err := a.Incidents.SetVerification(ctx, inc.ID, incident.Verified); err != nil {
					t.Fatal(err)
				}
				switch scope {
				case incident.ConsentPublicNamed:
					p.Named = inc.ID
				case incident.ConsentPublicAnonymous:
					p.Anonymised = inc.ID
				}
			}
			p.Forbidden = append(p.Forbidden, c, inc.Ref, strconv.FormatInt(inc.ID, 10),
				strconv.FormatFloat(lat, 'f', 8, 64)[3:9], strconv.FormatFloat(-lon, 'f', 8, 64)[2:8])
		}
	}
	if _, _, err := a.Publisher.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

func cnDo(t *testing.T, a *app.App, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	a.Handler().ServeHTTP(w, req)
	return w
}

// cnReviewer signs a reviewer in and returns the session cookie.
func cnReviewer(t *testing.T, a *app.App) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "rev", DisplayName: "Rev", Password: "a long enough password 1", Role: auth.Reviewer})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Auth.NewSessionFor(audit.WithActor(ctx, u.ID), u, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "faro_session", Value: tok}
}

func cnPostText(t *testing.T, a *app.App, cookie *http.Cookie, id int64, text string) int {
	req := httptest.NewRequest(http.MethodPost, "/incidents/"+strconv.FormatInt(id, 10)+"/public-text",
		strings.NewReader(url.Values{"text": {text}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(cookie)
	return cnDo(t, a, req).Code
}

var cnOpenData = []string{"/data/incidents.csv", "/data/incidents.geojson", "/data/incidents.json", "/data/mmp.csv", "/data/dictionary"}

// TestCanariesNeverInOpenData: nothing planted in a restricted field of
// any record, at any consent level, appears in any open data file.
func TestCanariesNeverInOpenData(t *testing.T) {
	cnEngines(t, func(t *testing.T, a *app.App) {
		p := cnPlant(t, a)
		rev := cnReviewer(t, a)
		// The approved public text: refused without named consent,
		// published with it.
		if code := cnPostText(t, a, rev, p.Anonymised, cnPublicOK+" anonymised"); code != http.StatusUnprocessableEntity {
			t.Errorf("public text without named consent: %d, want 422", code)
		}
		if code := cnPostText(t, a, rev, p.Named, cnPublicOK+" words"); code != http.StatusSeeOther {
			t.Fatalf("public text: %d, want 303", code)
		}
		req := httptest.NewRequest(http.MethodGet, "/incidents/"+strconv.FormatInt(p.Named, 10)+"/public-text", nil)
		req.AddCookie(rev)
		if w := cnDo(t, a, req); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), cnPublicOK) {
			t.Errorf("public text page: %d", w.Code)
		}
		if _, _, err := a.Publisher.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		var faro int
		a.Public.Each(context.Background(), publish.Filter{Source: publish.SourceFaro}, func(*publish.Record) error { faro++; return nil })
		if faro != 2 {
			t.Errorf("%d records published, want 2 (verified, public consent)", faro)
		}
		for _, path := range cnOpenData {
			w := cnDo(t, a, httptest.NewRequest(http.MethodGet, path, nil))
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", path, w.Code)
			}
			body := w.Body.String()
			for _, f := range p.Forbidden {
				if strings.Contains(body, f) {
					t.Errorf("GET %s: canary leaked", path)
					break
				}
			}
			if strings.Contains(body, cnCanary) {
				t.Errorf("GET %s: canary leaked", path)
			}
			if path != "/data/dictionary" && path != "/data/mmp.csv" && !strings.Contains(body, cnPublicOK+" words") {
				t.Errorf("GET %s: the approved public text is missing", path)
			}
			if strings.Contains(body, cnPublicOK+" anonymised") {
				t.Errorf("GET %s: a refused text was published", path)
			}
		}
		// The CLI export reads the same store.
		var b strings.Builder
		if err := publish.WriteCSV(context.Background(), &b, a.Public, publish.Filter{}); err != nil || strings.Contains(b.String(), cnCanary) {
			t.Errorf("export: %v", err)
		}
	})
}

// TestOpenDataHTTP: public, cacheable, conditional, filtered.
func TestOpenDataHTTP(t *testing.T) {
	cnEngines(t, func(t *testing.T, a *app.App) {
		cnPlant(t, a)
		get := func(path string, hdr ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			return cnDo(t, a, req)
		}
		for _, path := range cnOpenData {
			w := get(path)
			h := w.Header()
			if w.Code != http.StatusOK || h.Get("Cache-Control") != "public, max-age=300" || h.Get("ETag") == "" ||
				h.Get("Content-Disposition") == "" || h.Get("Set-Cookie") != "" {
				t.Errorf("GET %s: %d, headers %v", path, w.Code, h)
			}
			if w304 := get(path, "If-None-Match", h.Get("ETag")); w304.Code != http.StatusNotModified || w304.Body.Len() != 0 {
				t.Errorf("GET %s with its ETag: %d", path, w304.Code)
			}
		}
		csv := get("/data/incidents.csv")
		lines := strings.Split(csv.Body.String(), "\n")
		if !strings.HasPrefix(lines[0], "id,source,") || !strings.HasPrefix(lines[1], "#event+id,") || len(lines) != 5 {
			t.Errorf("CSV: %d lines", len(lines))
		}
		if !strings.HasPrefix(csv.Header().Get("Content-Type"), "text/csv") {
			t.Errorf("content type %s", csv.Header().Get("Content-Type"))
		}
		if w := get("/data/incidents.geojson"); w.Header().Get("Content-Type") != "application/geo+json" {
			t.Errorf("geojson content type %s", w.Header().Get("Content-Type"))
		}
		etag := csv.Header().Get("ETag")
		// A change to the dataset changes the ETag.
		one := 1
		if _, err := a.Public.Upsert(context.Background(), nil, &publish.Record{Source: publish.SourceMMP, SourceID: "1", Dead: &one}); err != nil {
			t.Fatal(err)
		}
		if w := get("/data/incidents.csv", "If-None-Match", etag); w.Code != http.StatusOK || w.Header().Get("ETag") == etag {
			t.Errorf("after a change: %d, same ETag %v", w.Code, w.Header().Get("ETag") == etag)
		}
		if n := strings.Count(get("/data/incidents.csv?source=iom-mmp").Body.String(), "\n"); n != 3 {
			t.Errorf("source filter: %d lines", n)
		}
		if n := strings.Count(get("/data/incidents.csv?year=2025").Body.String(), "\n"); n != 2 {
			t.Errorf("year filter: %d lines", n)
		}
		for _, bad := range []string{"?year=abc", "?year=1", "?bbox=1,2"} {
			if w := get("/data/incidents.csv" + bad); w.Code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", bad, w.Code)
			}
		}
		// Sealed, the open data is still served: it needs no keys.
		a.Vault.Seal()
		if w := get("/data/incidents.json"); w.Code != http.StatusOK {
			t.Errorf("sealed: %d", w.Code)
		}
	})
}
