package demo_test

import (
	"context"
	encsv "encoding/csv"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/demo"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/publish"
)

// After the whole demo seeding (incidents, case desk, one publisher
// refresh) the board shows the open cases with their tracks, the public
// site and open data show the published third and nothing else, and no
// invented phone number of the case desk reaches anything public.

func TestDemoCaseDeskAndPublication(t *testing.T) {
	eachEngine(t, func(t *testing.T, engine string) {
		sd := seed(t, engine, 200, 2026)
		ctx := context.Background()
		reviewer, err := sd.Auth.CreateUser(ctx, auth.NewUser{Login: "checker", DisplayName: "checker",
			Password: "pw-checker-Long-Enough-1", Role: auth.Reviewer})
		if err != nil {
			t.Fatal(err)
		}
		teams, err := sd.Teams.Of(ctx, sd.member.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range teams {
			if err := sd.Teams.SetMember(ctx, id, reviewer.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		desk, err := demo.SeedCaseDesk(ctx, sd.Cases, sd.Responders, sd.doc.ID, now)
		if err != nil {
			t.Fatalf("seed case desk: %v", err)
		}
		if desk.Regions != 5 || desk.Open != 6 || desk.Closed != 1 || desk.Responders != 4 {
			t.Errorf("case desk seeded %+v", desk)
		}
		if _, _, err := sd.Publisher.Refresh(ctx); err != nil {
			t.Fatalf("refresh: %v", err)
		}

		checkBoard(t, sd, now)
		checkResponders(t, sd)
		checkPublished(t, sd)

		srv := httptest.NewServer(sd.Handler())
		t.Cleanup(srv.Close)
		viewer := signedIn(t, sd, srv, sd.member)
		board := get(t, viewer, srv, "/cases", http.StatusOK)
		open, err := sd.Cases.Board(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range open {
			if !strings.Contains(board, c.Ref) {
				t.Errorf("the board does not list open case %s", c.Ref)
			}
		}

		anon := &http.Client{Timeout: 30 * time.Second}
		pub := get(t, anon, srv, "/public", http.StatusOK)
		if got := strings.Count(pub, `href="/public/incidents/`); got == 0 {
			t.Error("/public lists no published record")
		}
		stats := get(t, anon, srv, "/public/stats", http.StatusOK)
		csv := get(t, anon, srv, "/data/incidents.csv", http.StatusOK)
		// A header, the HXL hashtag row, then one row per record.
		if recs, err := encsv.NewReader(strings.NewReader(csv)).ReadAll(); err != nil || len(recs)-2 != sd.res.Public {
			t.Errorf("incidents.csv has %d rows (%v), want %d records", len(recs)-2, err, sd.res.Public)
		}
		geojson := get(t, anon, srv, "/data/incidents.geojson", http.StatusOK)
		for name, body := range map[string]string{"/public": pub, "/public/stats": stats, "incidents.csv": csv, "incidents.geojson": geojson} {
			for _, p := range desk.Phones {
				digits := strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, p)
				if strings.Contains(body, p) || strings.Contains(body, digits) || strings.Contains(body, digits[len(digits)-7:]) {
					t.Errorf("a demo phone number reached %s", name)
				}
			}
		}

		// Reviewers and up find the public text of an incident; others
		// are not shown the link.
		id := strconv.FormatInt(firstID(t, sd), 10)
		rev := signedIn(t, sd, srv, reviewer)
		if page := get(t, rev, srv, "/incidents/"+id, http.StatusOK); !strings.Contains(page, `href="/incidents/`+id+`/public-text"`) {
			t.Error("a reviewer sees no link to the public text")
		}
		get(t, rev, srv, "/incidents/"+id+"/public-text", http.StatusOK)
		if page := get(t, viewer, srv, "/incidents/"+id, http.StatusOK); strings.Contains(page, "/public-text") {
			t.Error("a viewer is shown the link to the public text")
		}
	})
}

// checkBoard: six open cases, the most urgent first, sea cases with a
// track of 2 to 4 positions within the last hours, the raid report
// pending, a closed case and a handover note.
func checkBoard(t *testing.T, sd *seeded, now time.Time) {
	t.Helper()
	ctx := context.Background()
	open, err := sd.Cases.Board(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 6 {
		t.Fatalf("%d open cases, want 6", len(open))
	}
	kinds := map[string]int{}
	for _, c := range open {
		kinds[c.Kind]++
		if c.OpenedAt.After(now) || c.OpenedAt.Before(now.Add(-12*time.Hour)) {
			t.Errorf("case %s opened at %v, want within the last hours", c.Ref, c.OpenedAt)
		}
		switch c.Kind {
		case casedesk.KindSea:
			if len(c.Track) < 2 || len(c.Track) > 4 {
				t.Errorf("sea case %s has %d positions", c.Ref, len(c.Track))
			}
		case casedesk.KindRaid:
			if c.Verification != casedesk.VerifyPending {
				t.Errorf("raid report %s is %q, want pending", c.Ref, c.Verification)
			}
		}
		tl, err := sd.Cases.Timeline(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		for _, e := range tl {
			if e.Kind == casedesk.EventCall || e.Kind == casedesk.EventNote {
				calls++
			}
		}
		if calls == 0 {
			t.Errorf("case %s has no call or note in its timeline", c.Ref)
		}
	}
	if kinds[casedesk.KindSea] != 4 || kinds[casedesk.KindLand] != 1 || kinds[casedesk.KindRaid] != 1 {
		t.Errorf("open cases by kind %v", kinds)
	}
	if open[0].Phase != casedesk.PhaseDistress {
		t.Errorf("the board starts with a %s case, want distress", open[0].Phase)
	}
	closed, err := sd.Cases.Closed(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(closed) != 1 || closed[0].Closure == nil || closed[0].Closure.Outcome != casedesk.OutcomeRescued {
		t.Errorf("closed cases: %d, want one rescued", len(closed))
	}
	if hs, err := sd.Cases.Handovers(ctx, 5); err != nil || len(hs) != 1 {
		t.Errorf("handover notes: %d (%v), want 1", len(hs), err)
	}
	// The case store keeps its own clock once seeding is over.
	if got := sd.Cases.Now(); got.Before(now) {
		t.Error("the case store's clock was left in the past")
	}
}

// checkResponders: invented names, example.org addresses only.
func checkResponders(t *testing.T, sd *seeded) {
	t.Helper()
	rs, err := sd.Responders.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 {
		t.Errorf("%d responders, want 4", len(rs))
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.Name, "Demo ") {
			t.Errorf("responder %d is not named as a demo", r.ID)
		}
		for _, c := range r.Channels {
			if c.Channel != "email" || !strings.HasSuffix(c.Address, "@example.org") {
				t.Errorf("responder %d has a channel that could reach someone", r.ID)
			}
		}
	}
	var rules int
	if err := sd.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM alert_rules").Scan(&rules); err == nil && rules != 0 {
		t.Errorf("the demo made %d alert rules; it must send nothing", rules)
	}
}

// checkPublished: about a third of the incidents are public, exactly
// those the rules allow; every other one stays out.
func checkPublished(t *testing.T, sd *seeded) {
	t.Helper()
	ctx := context.Background()
	if sd.res.Public < 200/5 || sd.res.Public > 200/2 {
		t.Errorf("%d of 200 demo incidents are public, want about a third", sd.res.Public)
	}
	rows, err := sd.DB.Query(ctx, "SELECT source_id FROM public_records WHERE source = ?", publish.SourceFaro)
	if err != nil {
		t.Fatal(err)
	}
	published := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		published[id] = true
	}
	rows.Close()
	if len(published) != sd.res.Public {
		t.Errorf("%d records published, want %d", len(published), sd.res.Public)
	}
	ids := incidentIDs(t, sd)
	for i, inc := range sd.recs {
		allowed := inc.Verification == incident.Verified && inc.Status == incident.StatusSubmitted && public(inc.ConsentScope)
		for _, tm := range inc.Testimonies {
			allowed = allowed && public(tm.ConsentScope)
		}
		if got := published[publish.PublicID(ids[i])]; got != allowed {
			t.Errorf("%s (%s, consent %s): published %v, want %v", inc.Ref, inc.Verification, inc.ConsentScope, got, allowed)
		}
	}
}

func public(scope string) bool {
	return scope == incident.ConsentPublicAnonymous || scope == incident.ConsentPublicNamed
}

func incidentIDs(t *testing.T, sd *seeded) []int64 {
	t.Helper()
	rows, err := sd.DB.Query(context.Background(), "SELECT id FROM incidents ORDER BY ref")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func firstID(t *testing.T, sd *seeded) int64 {
	t.Helper()
	ids := incidentIDs(t, sd)
	if len(ids) == 0 {
		t.Fatal("no incident")
	}
	return ids[0]
}

func signedIn(t *testing.T, sd *seeded, srv *httptest.Server, u *auth.User) *http.Client {
	t.Helper()
	tok, err := sd.Auth.NewSessionFor(context.Background(), u, "FaroTest/1.0")
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(srv.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: "faro_session", Value: tok, Path: "/"}})
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, srv *httptest.Server, path string, want int) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("User-Agent", "FaroTest/1.0")
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d", path, res.StatusCode, want)
	}
	return string(b)
}
