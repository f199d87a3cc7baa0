package demo

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/responders"
)

// DeskResult says what SeedCaseDesk created. Phones lists every phone
// number it invented, so tests can check none of them is ever published.
type DeskResult struct {
	Regions, Open, Closed, Responders int
	Phones                            []string
}

// deskRegions are the case desk's region codes (they go into references).
var deskRegions = []casedesk.Region{
	{Code: "CM", Name: "Central Mediterranean"},
	{Code: "WM", Name: "Western Mediterranean"},
	{Code: "EM", Name: "Eastern Mediterranean and Aegean"},
	{Code: "AT", Name: "Atlantic route"},
	{Code: "SD", Name: "Sonoran Desert"},
}

// Invented phone numbers, all in ranges reserved for fiction: UK
// 07700 900xxx and North American 555-01xx. Nobody answers them.
const (
	phoneBoatCM    = "+44 7700 900412"
	phoneBoatEM    = "+44 7700 900236"
	phoneRelWM     = "+44 7700 900518"
	phoneBoatAT    = "+44 7700 900771"
	phoneRelSD     = "+1 520 555 0143"
	phoneRaid      = "+1 520 555 0177"
	phoneBoatClose = "+44 7700 900905"
)

var deskPhones = []string{phoneBoatCM, phoneBoatEM, phoneRelWM, phoneBoatAT, phoneRelSD, phoneRaid, phoneBoatClose}

// mark is one position of a case's track, some time before now.
type mark struct {
	ago      time.Duration
	lat, lon float64
	precM    float64
}

// note is one hand-typed timeline entry.
type note struct {
	ago  time.Duration
	kind string
	text string
}

// phaseChange raises (or lowers) a distress case's phase.
type phaseChange struct {
	ago      time.Duration
	phase    string
	severity int
}

// deskCase is the script of one demo case: opened with its first
// position, then positions, entries and phase changes in time order, and
// perhaps a closure.
type deskCase struct {
	c         casedesk.Case
	track     []mark // the first is where the case opens
	notes     []note
	phases    []phaseChange
	closure   *casedesk.Closure
	closedAgo time.Duration
}

func ptr(v int) *int { return &v }

// deskCases are invented: boats, callers, relatives and reporters do not
// exist; places are real seas and deserts so the map makes sense.
func deskCases() []deskCase {
	h := time.Hour
	m := time.Minute
	return []deskCase{
		{
			c: casedesk.Case{Kind: casedesk.KindSea, Region: "CM", Phase: casedesk.PhaseUncertainty, Severity: 3, People: ptr(45),
				Details: casedesk.Details{Source: "boat", Language: "ar", Men: ptr(31), Women: ptr(8), Minors: ptr(6), Medical: ptr(1),
					Conditions: []string{"water_inside", "fuel"}, Boat: "grey rubber boat, 40 hp engine (demo)",
					Departure: "beach west of the harbour (demo)", Phone: phoneBoatCM,
					Notes: "Invented demo case. Caller speaks Arabic and some French."}},
			track: []mark{{4 * h, 33.12, 11.95, 500}, {3 * h, 33.31, 12.04, 200}, {2 * h, 33.52, 12.11, 100}, {40 * m, 33.71, 12.20, 50}},
			notes: []note{
				{4*h - 5*m, casedesk.EventCall, "First call: 45 people, engine working, they left at night (demo)."},
				{3*h + 10*m, casedesk.EventEmail, "Case passed by e-mail to the Demo Rescue Coordination Centre (demo)."},
				{2*h + 30*m, casedesk.EventCall, "Water is coming in, they are bailing out with bottles (demo)."},
				{90 * m, casedesk.EventAck, "Demo Rescue Coordination Centre acknowledged by phone (demo)."},
				{40 * m, casedesk.EventMessage, "New position by message; one person is sick (demo)."},
			},
			phases: []phaseChange{{3 * h, casedesk.PhaseAlert, 4}, {2*h + 25*m, casedesk.PhaseDistress, 5}},
		},
		{
			c: casedesk.Case{Kind: casedesk.KindSea, Region: "EM", Phase: casedesk.PhaseUncertainty, Severity: 3, People: ptr(28),
				Details: casedesk.Details{Source: "boat", Language: "fa", Men: ptr(18), Women: ptr(5), Minors: ptr(5),
					Conditions: []string{"children"}, Boat: "black rubber boat (demo)", Phone: phoneBoatEM,
					Notes: "Invented demo case. A boat is said to circle them without lights."}},
			track: []mark{{2 * h, 37.66, 26.98, 300}, {70 * m, 37.69, 26.91, 100}},
			notes: []note{
				{2*h - 3*m, casedesk.EventCall, "Call in Farsi: they see the island lights (demo)."},
				{60 * m, casedesk.EventNote, "Line cut after the last position; trying again every 15 minutes (demo)."},
			},
			phases: []phaseChange{{65 * m, casedesk.PhaseAlert, 4}},
		},
		{
			c: casedesk.Case{Kind: casedesk.KindSea, Region: "WM", Phase: casedesk.PhaseUncertainty, Severity: 2, People: ptr(12),
				Details: casedesk.Details{Source: "relative", Language: "fr", Boat: "small wooden boat (demo)",
					Departure: "coast east of the cape (demo)", Relatives: phoneRelWM + " (cousin, demo)",
					Notes: "Invented demo case. Only the cousin has been reached; no contact with the boat."}},
			track: []mark{{5 * h, 35.61, -2.55, 5000}, {3 * h, 35.88, -2.71, 2000}, {80 * m, 36.05, -2.86, 1000}},
			notes: []note{
				{5 * h, casedesk.EventCall, "Cousin says they left yesterday evening and have not called since (demo)."},
				{3 * h, casedesk.EventNote, "Position estimated from the last shared location (demo)."},
			},
		},
		{
			c: casedesk.Case{Kind: casedesk.KindSea, Region: "AT", Phase: casedesk.PhaseUncertainty, Severity: 3, People: ptr(150),
				Details: casedesk.Details{Source: "relative", Language: "fr", Minors: ptr(20), Pregnant: ptr(3),
					Conditions: []string{"water", "engine", "pregnant"}, Boat: "wooden cayuco, two engines (demo)", Phone: phoneBoatAT,
					Notes: "Invented demo case. Eight days at sea according to the family."}},
			track: []mark{{9 * h, 24.42, -17.31, 2000}, {6 * h, 24.86, -17.02, 1000}, {150 * m, 25.21, -16.88, 500}},
			notes: []note{
				{9 * h, casedesk.EventCall, "Family reports a cayuco with about 150 people, no water left (demo)."},
				{7 * h, casedesk.EventEmail, "Alert sent by e-mail to the Demo Rescue Coordination Centre (demo)."},
				{150 * m, casedesk.EventCall, "Short call from the boat: one engine has stopped (demo)."},
			},
			phases: []phaseChange{{7 * h, casedesk.PhaseAlert, 4}, {140 * m, casedesk.PhaseDistress, 5}},
		},
		{
			c: casedesk.Case{Kind: casedesk.KindLand, Region: "SD", Phase: casedesk.PhaseAlert, Severity: 4, People: ptr(2),
				Details: casedesk.Details{Source: "relative", Language: "es", Men: ptr(2), Conditions: []string{"water", "injured"},
					Relatives: phoneRelSD + " (sister, demo)",
					Notes:     "Invented demo case. Two men left behind by their group; one has a hurt ankle."}},
			track: []mark{{6 * h, 31.93, -112.58, 1500}, {2 * h, 31.95, -112.61, 300}},
			notes: []note{
				{6 * h, casedesk.EventCall, "Sister says they have been without water since this morning (demo)."},
				{2 * h, casedesk.EventMessage, "Location pin received by message; battery at 8% (demo)."},
				{100 * m, casedesk.EventNote, "Demo desert aid volunteers are driving to the nearest road (demo)."},
			},
			phases: []phaseChange{{2 * h, casedesk.PhaseDistress, 5}},
		},
		{
			c: casedesk.Case{Kind: casedesk.KindRaid, Region: "SD", Severity: 4,
				Details: casedesk.Details{Language: "es", RaidType: "workplace", Place: "car wash on an invented avenue (demo)", RadiusM: 300,
					Agencies: "unmarked vans, people in tactical vests (demo)", Equipment: "four vehicles (demo)", Phone: phoneRaid,
					Notes: "Invented demo report, not verified yet: nobody may be alerted before a verifier confirms it."}},
			track: []mark{{25 * m, 32.22, -110.95, 300}},
			notes: []note{{20 * m, casedesk.EventNote, "Waiting for a verifier near the place (demo)."}},
		},
		{
			c: casedesk.Case{Kind: casedesk.KindSea, Region: "CM", Phase: casedesk.PhaseUncertainty, Severity: 3, People: ptr(38),
				Details: casedesk.Details{Source: "boat", Language: "en", Boat: "blue fibreglass boat (demo)", Phone: phoneBoatClose,
					Notes: "Invented demo case, closed."}},
			track: []mark{{30 * h, 34.91, 12.48, 200}, {27 * h, 35.12, 12.55, 100}},
			notes: []note{
				{30 * h, casedesk.EventCall, "38 people on board, engine broken (demo)."},
				{26 * h, casedesk.EventAck, "A rescue ship is on its way (demo)."},
			},
			phases:    []phaseChange{{29 * h, casedesk.PhaseDistress, 5}},
			closure:   &casedesk.Closure{Outcome: casedesk.OutcomeRescued, RescuedBy: "Demo rescue ship", TakenTo: "Lampedusa", Rescued: ptr(38), Dead: ptr(0), Missing: ptr(0)},
			closedAgo: 24 * h,
		},
	}
}

// handoverNote is the demo's shift handover.
const handoverNote = "Night shift handover (demo): the CM boat with 45 people is in distress and the rescue centre has acknowledged; " +
	"no news from the EM boat for an hour; the SD desert case needs a call back to the sister at 08:00; " +
	"the raid report is waiting for a verifier."

// deskClock is the case store's clock while seeding, so the demo cases
// have a past: opened hours ago, with positions and calls since.
type deskClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *deskClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *deskClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// SeedCaseDesk creates the demo's regions, cases (open and closed, with
// tracks, timelines and phases), a handover note and responders, as actor,
// at times before now. It sets cs.Now while it runs, so it must run before
// the server starts. No alert rule is created: nothing is ever sent.
func SeedCaseDesk(ctx context.Context, cs *casedesk.Store, rs *responders.Store, actor int64, now time.Time) (DeskResult, error) {
	ctx = audit.WithActor(ctx, actor)
	var res DeskResult
	for _, r := range deskRegions {
		if err := cs.AddRegion(ctx, r.Code, r.Name); err != nil {
			return res, fmt.Errorf("region %s: %w", r.Code, err)
		}
		res.Regions++
	}
	clk := &deskClock{t: now}
	old := cs.Now
	cs.Now = clk.Now
	defer func() { cs.Now = old }()
	for _, dc := range deskCases() {
		if err := seedCase(ctx, cs, clk, now, dc); err != nil {
			return res, err
		}
		if dc.closure != nil {
			res.Closed++
		} else {
			res.Open++
		}
	}
	clk.set(now.Add(-15 * time.Minute))
	if _, err := cs.AddHandover(ctx, handoverNote); err != nil {
		return res, fmt.Errorf("handover: %w", err)
	}
	for _, r := range deskResponders() {
		if err := rs.Save(ctx, &r); err != nil {
			return res, fmt.Errorf("responder: %w", err)
		}
		res.Responders++
	}
	res.Phones = append([]string(nil), deskPhones...)
	return res, nil
}

// seedCase plays one case's script in time order.
func seedCase(ctx context.Context, cs *casedesk.Store, clk *deskClock, now time.Time, dc deskCase) error {
	c := dc.c
	first := dc.track[0]
	clk.set(now.Add(-first.ago))
	fix := &casedesk.Fix{Point: geo.Point{Lat: first.lat, Lon: first.lon}, At: now.Add(-first.ago), PrecisionM: first.precM}
	if err := cs.Open(ctx, &c, fix); err != nil {
		return fmt.Errorf("open %s case: %w", c.Kind, err)
	}
	type step struct {
		ago time.Duration
		do  func() error
	}
	var steps []step
	for _, mk := range dc.track[1:] {
		e := casedesk.Event{At: now.Add(-mk.ago), Kind: casedesk.EventPosition,
			Fix: &casedesk.Fix{Point: geo.Point{Lat: mk.lat, Lon: mk.lon}, PrecisionM: mk.precM}}
		steps = append(steps, step{mk.ago, func() error { _, err := cs.AddEntry(ctx, c.ID, e); return err }})
	}
	for _, nt := range dc.notes {
		e := casedesk.Event{At: now.Add(-nt.ago), Kind: nt.kind, Text: nt.text}
		steps = append(steps, step{nt.ago, func() error { _, err := cs.AddEntry(ctx, c.ID, e); return err }})
	}
	for _, ph := range dc.phases {
		steps = append(steps, step{ph.ago, func() error { return cs.SetPhase(ctx, c.ID, ph.phase, ph.severity, c.People) }})
	}
	if dc.closure != nil {
		cl := *dc.closure
		steps = append(steps, step{dc.closedAgo, func() error { return cs.Close(ctx, c.ID, cl) }})
	}
	// Oldest first; a stable sort keeps positions before the entries
	// typed at the same minute.
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].ago > steps[j].ago })
	for _, s := range steps {
		clk.set(now.Add(-s.ago))
		if err := s.do(); err != nil {
			return fmt.Errorf("case %s: %w", c.Ref, err)
		}
	}
	return nil
}

// deskResponders are invented organisations with example.org addresses
// (a reserved domain: mail to it goes nowhere).
func deskResponders() []responders.Responder {
	email := func(addr string) []responders.Channel {
		return []responders.Channel{{Channel: notify.Email, Address: addr}}
	}
	return []responders.Responder{
		{Name: "Demo Rescue Coordination Centre", Kind: responders.KindRescueCentre, Languages: []string{"en", "it"}, Active: true,
			Channels: email("rcc@example.org"), Notes: "Invented demo responder."},
		{Name: "Demo search and rescue ship", Kind: responders.KindShip, Languages: []string{"en", "de"}, Active: true,
			Channels: email("bridge@example.org"), Notes: "Invented demo responder."},
		{Name: "Demo desert aid volunteers", Kind: responders.KindVolunteer, Languages: []string{"es", "en"}, Active: true,
			Channels: email("desert-aid@example.org"), Notes: "Invented demo responder."},
		{Name: "Demo rapid response verifier", Kind: responders.KindVerifier, Languages: []string{"es", "en"}, Active: true,
			Home: &geo.Point{Lat: 32.23, Lon: -110.96}, Channels: email("verifier@example.org"), Notes: "Invented demo responder."},
	}
}
