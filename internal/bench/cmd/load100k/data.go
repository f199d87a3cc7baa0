package main

// Invented records, in the manner of internal/demo (same regions, types,
// languages and kinds of story) but with testimonies of about 80 words,
// assembled from sentences so that 100,000 of them do not repeat five
// stories. No real person or event is described.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/incident"
)

type region struct {
	country, adm1 string
	lat, lon      float64
	spread        float64
	types         []string
	origins       []string
	units         []string
	team          string
	langs         []string
}

var regions = []region{
	{"HR", "Karlovac", 45.15, 15.75, 0.25, []string{"pushback", "chain_pushback", "violence"},
		[]string{"AF", "PK", "SY", "MA", "BD"}, []string{"border police", "special police unit"}, "Balkans", []string{"fa", "ar", "en"}},
	{"BA", "Una-Sana", 44.82, 15.87, 0.2, []string{"pushback", "violence", "destruction_of_aid"},
		[]string{"AF", "PK", "IQ"}, []string{"border police"}, "Balkans", []string{"fa", "en"}},
	{"BG", "Haskovo", 41.73, 26.35, 0.3, []string{"pushback", "violence", "detention_abuse"},
		[]string{"SY", "AF", "MA"}, []string{"border police", "army"}, "Balkans", []string{"ar", "fa"}},
	{"GR", "North Aegean", 39.2, 26.35, 0.3, []string{"pushback", "violence", "disappearance"},
		[]string{"SY", "AF", "CD", "SO", "PS"}, []string{"coast guard", "unmarked boat"}, "Aegean", []string{"ar", "fa", "fr", "en"}},
	{"GR", "Evros", 41.3, 26.3, 0.25, []string{"pushback", "death", "family_separation"},
		[]string{"SY", "AF", "MA", "TR"}, []string{"border police", "masked men"}, "Aegean", []string{"ar", "fa"}},
	{"LY", "Tripolitania", 33.4, 12.9, 0.6, []string{"death", "disappearance", "detention_abuse", "pushback"},
		[]string{"SD", "ER", "NG", "BD", "ML", "GN", "CI"}, []string{"Libyan coast guard"}, "Mediterranean", []string{"ar", "fr", "en"}},
	{"IT", "Sicily", 35.5, 12.6, 0.4, []string{"death", "disappearance", "family_separation"},
		[]string{"TN", "BD", "EG", "GN", "CI"}, []string{"coast guard"}, "Mediterranean", []string{"ar", "fr", "en"}},
	{"US", "Arizona", 31.75, -111.6, 0.4, []string{"death", "disappearance", "destruction_of_aid", "violence"},
		[]string{"MX", "GT", "HN", "SV", "VE"}, []string{"Border Patrol"}, "Sonoran desert", []string{"es", "en"}},
	{"US", "Texas", 26.3, -98.4, 0.4, []string{"death", "family_separation", "violence", "pushback"},
		[]string{"MX", "HN", "GT", "CU", "HT"}, []string{"Border Patrol", "state troopers"}, "Rio Grande", []string{"es", "en", "fr"}},
}

// teamNames are the teams the loader makes, in the order of first use.
var teamNames = []string{"Balkans", "Aegean", "Mediterranean", "Sonoran desert", "Rio Grande"}

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

var places = []string{
	"forest path near the border fence", "river bank below the old bridge", "abandoned factory used as a squat",
	"road junction by the petrol station", "beach south of the harbour", "dry wash two hours from the road",
	"police station in the border town", "open sea, about 30 nautical miles from the coast", "farm track near the village",
	"railway line north of the station", "water station in the valley", "cemetery road by the canal",
}

var sources = []string{
	"interview by a field volunteer", "message relayed by a partner group", "call to the hotline",
	"photos sent by the group", "medical report from a clinic", "statement collected at the shelter",
}

var pseudonyms = map[string][]string{
	"en": {"J.", "Sam", "M.B.", "Alex", "T.", "Omar", "Dawit", "Hamid"},
	"ar": {"أبو علي", "م.", "سامر", "ليلى", "ع.", "خالد", "نور"},
	"fa": {"ر.", "نوید", "م.ک.", "زهرا", "ب.", "امید"},
	"fr": {"K.", "Moussa", "A.D.", "Fatou", "I.", "Mamadou"},
	"es": {"L.", "Don Pedro", "M.J.", "Rosa", "C.", "Yesenia"},
}

// Village names: a few hundred invented toponyms, the long tail of words
// a real index holds (places, names, numbers).
var (
	toponymHeads = []string{"Bor", "Vel", "Gor", "Kra", "Lip", "Mal", "Nov", "Ost", "Pet", "Rad", "Sel", "Tor", "Zab",
		"Dub", "Brez", "Hrast", "Kam", "Lug", "Pol", "Stru", "Vran", "Jas", "Cer", "Graš"}
	toponymTails = []string{"ovac", "ica", "ine", "sko", "jevo", "nik", "ane", "ište", "ovo", "ara", "enci", "uša"}
)

func toponym(rng *rand.Rand) string {
	return toponymHeads[rng.IntN(len(toponymHeads))] + toponymTails[rng.IntN(len(toponymTails))]
}

// Sentences of testimonies by language. {T} is a village, {n} a number of
// people, {k} of children, {d} of days or nights, {h} of hours.
var sentences = map[string][]string{
	"en": {
		"We left the camp at night, {n} of us, among them {k} children.",
		"We walked for {d} days through the forest near {T}.",
		"Police officers caught us at dawn close to the river.",
		"They took our phones, power banks and money and broke the phones with a stick.",
		"They made us take off our shoes and jackets and walk through the cold water.",
		"One man who asked for asylum was beaten on his legs and back.",
		"Nobody translated for us and they did not listen when we said asylum.",
		"They drove us in a closed van without windows for about {h} hours.",
		"The dogs attacked a boy from our group and bit his arm.",
		"At the station they kept us for one day without food or water.",
		"They gave us a paper we could not read and told us to sign it.",
		"In the morning they pushed us back across the border and shouted at us to go.",
		"The boat had no more fuel after {h} hours at sea.",
		"We called the alarm number many times but nobody came for a long time.",
		"A grey ship came close but did not stop, and later a smaller boat towed us back.",
		"Masked men in black uniforms fired shots in the air to frighten us.",
		"We found the water gallons cut open and empty on the trail near {T}.",
		"Two people in our group were very weak from the heat and could not walk.",
		"A woman who was pregnant lost consciousness and they did not call a doctor.",
		"My friend is still missing; we last saw him near the railway line at {T}.",
		"The officers burned our sleeping bags and the clothes we had left.",
		"They took photographs of us and our fingerprints but gave us no document.",
		"We were {n} people in the truck and it was very hot inside.",
		"Some of us were kicked when we were lying on the ground.",
		"Later volunteers from the shelter gave us food and treated the wounds.",
		"I want people to know what happens at this border every week.",
		"The current took a young man; we searched until sunrise and did not find him.",
		"They separated the women and the children from the men and did not say where they took them.",
		"The commander spoke on the radio and then they put us in the van again.",
		"It was snowing and we had no shoes when they left us in the forest.",
	},
	"es": {
		"Caminamos {d} noches por el desierto cerca de {T}.",
		"Encontramos los galones de agua rotos y vacíos.",
		"Dos personas del grupo ya no podían seguir por el calor.",
		"La patrulla nos detuvo en el camino de terracería.",
		"Separaron a las mujeres y a los niños y no nos dijeron a dónde los llevaban.",
		"Cruzamos el río de noche y la corriente era muy fuerte.",
		"Un muchacho desapareció en el agua y lo buscamos hasta el amanecer.",
		"Nos encerraron en un cuarto muy frío durante {d} días.",
		"Nadie nos explicó nada en nuestro idioma.",
		"Nos regresaron por el puente sin ningún papel.",
		"Los agentes rompieron nuestros teléfonos y tiraron la comida.",
		"Pedimos asilo pero se rieron de nosotros.",
		"Éramos {n} personas en la camioneta y hacía mucho calor.",
		"Una señora embarazada se desmayó y no llamaron a un médico.",
		"Los voluntarios del albergue nos dieron agua y curaron las heridas.",
	},
	"fr": {
		"Nous avons marché {d} nuits dans la forêt près de {T}.",
		"La police nous a arrêtés à l'aube près de la rivière.",
		"Ils ont pris nos téléphones et notre argent.",
		"Ils nous ont ramenés à la frontière dans un fourgon fermé.",
		"Le bateau n'avait plus d'essence après {h} heures en mer.",
		"Nous avons appelé à l'aide plusieurs fois.",
		"Un navire gris s'est approché sans s'arrêter.",
		"Au poste, ils nous ont gardés une journée sans manger.",
		"Personne ne traduisait et on nous a donné un papier que nous ne pouvions pas lire.",
		"Ils nous ont frappés quand nous avons demandé l'asile.",
		"Une femme enceinte a perdu connaissance.",
		"Nous étions {n} personnes, dont {k} enfants.",
		"Les chiens ont mordu un garçon de notre groupe.",
		"Des hommes masqués ont tiré en l'air.",
		"Mon ami a disparu près de la voie ferrée à {T}.",
	},
	"ar": {
		"مشينا {d} ليال في الغابة قرب {T}.",
		"أمسكتنا الشرطة عند الفجر قرب النهر.",
		"أخذوا هواتفنا ونقودنا وكسروا الهواتف.",
		"أعادونا إلى الحدود في شاحنة مغلقة بلا نوافذ.",
		"نفد الوقود من القارب بعد {h} ساعات في البحر.",
		"اتصلنا طلبا للمساعدة مرات كثيرة.",
		"اقتربت سفينة رمادية لكنها لم تتوقف.",
		"أجبرونا على خلع أحذيتنا وعبور النهر البارد.",
		"ضربوا أحد الرجال بالعصا عندما طلب اللجوء.",
		"احتجزونا يوما كاملا في المخفر بلا طعام ولا مترجم.",
		"أطلقوا الكلاب علينا في الظلام.",
		"كنا {n} أشخاص بينهم {k} أطفال.",
		"أحرقوا أكياس النوم والملابس.",
		"ما زال صديقي مفقودا منذ تلك الليلة.",
	},
	"fa": {
		"{d} شب در جنگل نزدیک {T} راه رفتیم.",
		"پلیس صبح زود ما را گرفت.",
		"گوشی‌ها و پول ما را گرفتند و شکستند.",
		"ما را با ون بسته به مرز برگرداندند.",
		"ما را مجبور کردند کفش و کاپشن خود را در بیاوریم.",
		"از رودخانه سرد رد شدیم.",
		"وقتی یکی از ما پناهندگی خواست، او را با باتوم زدند.",
		"در پاسگاه یک روز کامل بدون غذا نگه‌مان داشتند.",
		"هیچ مترجمی نبود.",
		"سگ‌ها را به طرف ما فرستادند.",
		"پای دوستم زخمی شد و کسی به او کمک نکرد.",
		"ما {n} نفر بودیم و {k} بچه همراه ما بود.",
	},
}

// narrative assembles a testimony of 60 to 100 words (80 on average)
// from distinct sentences of the language.
func narrative(rng *rand.Rand, lang string) string {
	pool := sentences[lang]
	target := 60 + rng.IntN(41)
	perm := rng.Perm(len(pool))
	var b strings.Builder
	words := 0
	for i := 0; words < target; i++ {
		s := pool[perm[i%len(pool)]]
		s = strings.NewReplacer("{T}", toponym(rng), "{n}", fmt.Sprint(2+rng.IntN(39)), "{k}", fmt.Sprint(1+rng.IntN(8)),
			"{d}", fmt.Sprint(1+rng.IntN(5)), "{h}", fmt.Sprint(2+rng.IntN(11))).Replace(s)
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
		words += len(strings.Fields(s))
	}
	return b.String()
}

// record builds the i-th invented incident and its testimony; the same
// seed and i always give the same record.
func record(seed uint64, i int, now time.Time, teams map[string]int64) (*incident.Incident, *incident.Testimony) {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	r := regions[rng.IntN(len(regions))]
	typ := r.types[rng.IntN(len(r.types))]
	inc := &incident.Incident{
		Status:  incident.StatusSubmitted,
		Type:    typ,
		Country: r.country,
		Adm1:    r.adm1,
		Adm2:    toponym(rng),
		Place:   places[rng.IntN(len(places))] + ", " + toponym(rng),
		Point:   &incident.Point{Lat: round5(r.lat + (rng.Float64()-0.5)*r.spread), Lon: round5(r.lon + (rng.Float64()-0.5)*r.spread)},
		Units:   r.units[rng.IntN(len(r.units))],
	}
	if rng.IntN(10) > 0 { // one record in ten belongs to no team
		inc.TeamID = teams[r.team]
	}
	if rng.IntN(50) == 0 { // one in fifty is still a draft
		inc.Status = incident.StatusDraft
	}
	inc.PointPrecisionM = []int{1, 10, 100, 1000}[rng.IntN(4)]
	inc.OccurredAt = now.AddDate(0, 0, -rng.IntN(3*365)-1).Truncate(24 * time.Hour)
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
		surv := max(group-dead-missing, 0)
		inc.Counts.Dead, inc.Counts.Missing, inc.Counts.Survivors = &dead, &missing, &surv
	}
	for range 1 + rng.IntN(2) {
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
	inc.Verification = incident.Verifications[rng.IntN(3)]
	inc.Tags = []string{[]string{"night", "winter", "river", "forest", "sea", "desert", "minors"}[rng.IntN(7)]}
	lang := r.langs[rng.IntN(len(r.langs))]
	t := &incident.Testimony{
		Language:     lang,
		Narrative:    narrative(rng, lang),
		Pseudonym:    pseudonyms[lang][rng.IntN(len(pseudonyms[lang]))],
		Interviewer:  fmt.Sprintf("volunteer %c", 'A'+rng.IntN(20)),
		TakenOn:      inc.OccurredAt.AddDate(0, 0, rng.IntN(5)),
		ConsentScope: incident.ConsentScopes[rng.IntN(3)],
		ConsentDate:  inc.OccurredAt.AddDate(0, 0, rng.IntN(5)),
		ConsentHow:   []string{"oral", "written", "recorded"}[rng.IntN(3)],
	}
	return inc, t
}

func round5(v float64) float64 { return float64(int64(v*1e5)) / 1e5 }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
