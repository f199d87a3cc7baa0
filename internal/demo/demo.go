// Package demo seeds invented, realistic records for trying Faro: the
// people, places and stories are made up; the patterns follow what border
// monitors document on the Balkan route, in the Aegean, in the central
// Mediterranean and at the US-Mexico border.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/incident"
)

type region struct {
	name     string
	country  string
	adm1     string
	lat, lon float64
	spread   float64
	types    []string
	origins  []string
	units    []string
	team     string
	langs    []string
}

var regions = []region{
	{"Balkan route", "HR", "Karlovac", 45.15, 15.75, 0.25, []string{"pushback", "chain_pushback", "violence"},
		[]string{"AF", "PK", "SY", "MA", "BD"}, []string{"border police", "special police unit"}, "Balkans", []string{"fa", "ar", "en"}},
	{"Balkan route", "BA", "Una-Sana", 44.82, 15.87, 0.2, []string{"pushback", "violence", "destruction_of_aid"},
		[]string{"AF", "PK", "IQ"}, []string{"border police"}, "Balkans", []string{"fa", "en"}},
	{"Balkan route", "BG", "Haskovo", 41.73, 26.35, 0.3, []string{"pushback", "violence", "detention_abuse"},
		[]string{"SY", "AF", "MA"}, []string{"border police", "army"}, "Balkans", []string{"ar", "fa"}},
	{"Aegean", "GR", "North Aegean", 39.2, 26.35, 0.3, []string{"pushback", "violence", "disappearance"},
		[]string{"SY", "AF", "CD", "SO", "PS"}, []string{"coast guard", "unmarked boat"}, "Aegean", []string{"ar", "fa", "fr", "en"}},
	{"Aegean", "GR", "Evros", 41.3, 26.3, 0.25, []string{"pushback", "death", "family_separation"},
		[]string{"SY", "AF", "MA", "TR"}, []string{"border police", "masked men"}, "Aegean", []string{"ar", "fa"}},
	{"Central Mediterranean", "LY", "Tripolitania", 33.4, 12.9, 0.6, []string{"death", "disappearance", "detention_abuse", "pushback"},
		[]string{"SD", "ER", "NG", "BD", "ML", "GN", "CI"}, []string{"Libyan coast guard"}, "Mediterranean", []string{"ar", "fr", "en"}},
	{"Central Mediterranean", "IT", "Sicily", 35.5, 12.6, 0.4, []string{"death", "disappearance", "family_separation"},
		[]string{"TN", "BD", "EG", "GN", "CI"}, []string{"coast guard"}, "Mediterranean", []string{"ar", "fr", "en"}},
	{"US-Mexico border", "US", "Arizona", 31.75, -111.6, 0.4, []string{"death", "disappearance", "destruction_of_aid", "violence"},
		[]string{"MX", "GT", "HN", "SV", "VE"}, []string{"Border Patrol"}, "Sonoran desert", []string{"es", "en"}},
	{"US-Mexico border", "US", "Texas", 26.3, -98.4, 0.4, []string{"death", "family_separation", "violence", "pushback"},
		[]string{"MX", "HN", "GT", "CU", "HT"}, []string{"Border Patrol", "state troopers"}, "Rio Grande", []string{"es", "en", "fr"}},
}

var violenceByType = map[string][]string{
	"pushback":           {"beating", "theft_or_destruction", "forced_undressing", "dog_attack", "denial_of_food_water"},
	"chain_pushback":     {"beating", "theft_or_destruction", "kicking"},
	"violence":           {"beating", "kicking", "dog_attack", "electric_shock", "shots_fired"},
	"detention_abuse":    {"beating", "denial_of_food_water", "electric_shock"},
	"destruction_of_aid": {"theft_or_destruction"},
	"family_separation":  {},
	"death":              {"reckless_driving", "shots_fired"},
	"disappearance":      {},
}

// Result says what was seeded. Public counts the incidents that meet the
// publication rules (verified, submitted, every consent public).
type Result struct{ Incidents, Testimonies, Public int }

// publicShare is one in how many demo incidents is verified with public
// consent, so that the public site has points and statistics to show.
const publicShare = 3

// Seed creates n invented incidents with testimonies, authored by
// documenterID, assigning them to teams it creates as needed; members
// join every team.
func Seed(ctx context.Context, st *incident.Store, teams *incident.Teams, documenterID int64, members []int64, n int, seed uint64) (Result, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ctx = audit.WithActor(ctx, documenterID)
	teamIDs := map[string]int64{}
	for _, r := range regions {
		if _, ok := teamIDs[r.team]; ok {
			continue
		}
		id, err := teams.Create(ctx, r.team)
		if err != nil {
			return Result{}, err
		}
		teamIDs[r.team] = id
		for _, m := range append([]int64{documenterID}, members...) {
			if err := teams.SetMember(ctx, id, m, true); err != nil {
				return Result{}, err
			}
		}
	}
	var res Result
	now := time.Now().UTC()
	for i := 0; i < n; i++ {
		r := regions[rng.IntN(len(regions))]
		typ := r.types[rng.IntN(len(r.types))]
		inc := &incident.Incident{
			Status:  incident.StatusSubmitted,
			TeamID:  teamIDs[r.team],
			Type:    typ,
			Country: r.country,
			Adm1:    r.adm1,
			Place:   places[rng.IntN(len(places))],
			Point:   &incident.Point{Lat: round(r.lat+(rng.Float64()-0.5)*r.spread, 5), Lon: round(r.lon+(rng.Float64()-0.5)*r.spread, 5)},
			Units:   r.units[rng.IntN(len(r.units))],
		}
		inc.PointPrecisionM = 1
		days := rng.IntN(3 * 365)
		inc.OccurredAt = now.AddDate(0, 0, -days-1).Truncate(24 * time.Hour)
		inc.DatePrecision = incident.PrecisionDay
		switch rng.IntN(6) {
		case 0:
			inc.OccurredAt = inc.OccurredAt.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
			inc.DatePrecision = incident.PrecisionTime
		case 1:
			inc.OccurredAt = time.Date(inc.OccurredAt.Year(), inc.OccurredAt.Month(), 1, 0, 0, 0, 0, time.UTC)
			inc.DatePrecision = incident.PrecisionMonth
		}
		group := 2 + rng.IntN(40)
		inc.Counts.GroupSize = &group
		if rng.IntN(3) > 0 {
			minors := rng.IntN(group/3 + 1)
			women := rng.IntN((group-minors)/2 + 1)
			men := group - minors - women
			inc.Counts.Minors, inc.Counts.Women, inc.Counts.Men = &minors, &women, &men
		}
		if typ == "death" || typ == "disappearance" {
			dead, missing := min(rng.IntN(4), group), rng.IntN(6)
			if typ == "death" && dead == 0 {
				dead = 1
			}
			missing = min(missing, group-dead)
			surv := group - dead - missing
			if surv < 0 {
				surv = 0
			}
			inc.Counts.Dead, inc.Counts.Missing, inc.Counts.Survivors = &dead, &missing, &surv
		}
		for k := 0; k < 1+rng.IntN(2); k++ {
			o := r.origins[rng.IntN(len(r.origins))]
			if !contains(inc.Origins, o) {
				inc.Origins = append(inc.Origins, o)
			}
		}
		for _, v := range violenceByType[typ] {
			if rng.IntN(2) == 0 {
				inc.Violence = append(inc.Violence, v)
			}
		}
		officers := 1 + rng.IntN(8)
		inc.Officers = &officers
		yes, no := true, false
		inc.AsylumAsked = []*bool{&yes, &no, nil}[rng.IntN(3)]
		inc.Interpreter = []*bool{&yes, &no, nil}[rng.IntN(3)]
		q := 1 + rng.IntN(5)
		inc.SourceQuality = &q
		inc.Sources = sources[rng.IntN(len(sources))]
		inc.Verification = []string{incident.Unverified, incident.Corroborated, incident.Verified}[rng.IntN(3)]
		consent := incident.ConsentScopes[rng.IntN(3)]
		public := rng.IntN(publicShare) == 0
		switch {
		case public:
			inc.Verification, consent = incident.Verified, incident.ConsentPublicAnonymous
		case inc.Verification == incident.Verified && consent == incident.ConsentPublicAnonymous:
			// Not drawn for publication: keep it out of the public
			// dataset, so the share stays what publicShare says.
			inc.Verification = incident.Corroborated
		}
		inc.Tags = []string{[]string{"night", "winter", "river", "forest", "sea", "desert", "minors"}[rng.IntN(7)]}
		lang := r.langs[rng.IntN(len(r.langs))]
		stories := narratives[lang]
		t := &incident.Testimony{
			Language:     lang,
			Narrative:    stories[rng.IntN(len(stories))],
			Pseudonym:    pseudonyms[lang][rng.IntN(len(pseudonyms[lang]))],
			Interviewer:  fmt.Sprintf("volunteer %c", 'A'+rng.IntN(20)),
			TakenOn:      inc.OccurredAt.AddDate(0, 0, rng.IntN(5)),
			ConsentScope: consent,
			ConsentDate:  inc.OccurredAt.AddDate(0, 0, rng.IntN(5)),
			ConsentHow:   []string{"oral", "written", "recorded"}[rng.IntN(3)],
		}
		if err := st.Create(ctx, inc, t); err != nil {
			return res, err
		}
		res.Incidents++
		res.Testimonies++
		if public {
			res.Public++
		}
	}
	return res, nil
}

func round(v float64, decimals int) float64 {
	p := 1.0
	for i := 0; i < decimals; i++ {
		p *= 10
	}
	return float64(int64(v*p)) / p
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
