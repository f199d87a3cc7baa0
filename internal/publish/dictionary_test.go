package publish

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/i18n"
)

// dictLangs are the languages the dictionary must be written in besides
// English.
var dictLangs = []string{"es", "fr", "ar"}

func dictBundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range append([]string{"en"}, dictLangs...) {
		if !b.Has(l) {
			t.Fatalf("no %s catalogue", l)
		}
	}
	return b
}

func dictRender(t *testing.T, cfg Config, l *i18n.Localizer) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteDictionary(&b, cfg, l); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestDictionaryCatalogue: every column, unit and MMP column has its text
// in every catalogue, and the English texts are the ones columns.go,
// Notice and SuppressedNotice give, so that the English dictionary says
// what the data files say.
func TestDictionaryCatalogue(t *testing.T) {
	b := dictBundle(t)
	var keys []string
	for _, c := range dataColumns {
		keys = append(keys, colKey(c.Name))
		if c.Units != "" {
			k, ok := unitKeys[c.Units]
			if !ok {
				t.Errorf("column %s: units %q have no catalogue key in unitKeys", c.Name, c.Units)
				continue
			}
			keys = append(keys, k)
			if m, _ := b.Lookup("en", k); m.Text != c.Units {
				t.Errorf("%s: English %q, columns.go says %q", k, m.Text, c.Units)
			}
		}
		if m, _ := b.Lookup("en", colKey(c.Name)); m.Text != c.Meaning {
			t.Errorf("%s: English %q, columns.go says %q", colKey(c.Name), m.Text, c.Meaning)
		}
	}
	for _, c := range mmpColumns2019 {
		keys = append(keys, mmpKey(c))
		if m, _ := b.Lookup("en", mmpKey(c)); m.Text != mmpMeaning[c] {
			t.Errorf("%s: English %q, mmpMeaning says %q", mmpKey(c), m.Text, mmpMeaning[c])
		}
	}
	for _, l := range b.Langs() {
		for _, k := range keys {
			if _, ok := b.Lookup(l, k); !ok {
				t.Errorf("%s: no %s", l, k)
			}
		}
	}
	en := b.Localizer("en")
	if got := en.T(dictKey + "suppression"); got != SuppressedNotice {
		t.Errorf("English suppression notice %q differs from SuppressedNotice", got)
	}
	cfg := ptCfg()
	if got := en.T(dictKey+"notice", cfg.Attribution, cfg.Licence); got != Notice(cfg) {
		t.Errorf("English notice %q differs from Notice", got)
	}
}

// dictStrip replaces by NUL what stays the same in every language: names
// that programs match on (file paths, column names, HXL hashtags, IOM's
// columns), the settings, and IOM's own words quoted as IOM writes them.
func dictStrip(s string, cfg Config) string {
	ids := []string{"/data/incidents.csv", "/data/incidents.geojson", "/data/incidents.json", "/data/mmp.csv", jsonShape, dataFilters,
		"IOM Missing Migrants Project", "December 30, 2019", cfg.Attribution, cfg.Licence}
	ids = append(ids, mmpColumns2019...)
	for _, c := range dataColumns {
		ids = append(ids, c.HXL)
	}
	for _, id := range ids {
		s = strings.ReplaceAll(s, id, "\x00")
	}
	for _, c := range dataColumns {
		s = regexp.MustCompile(`\b`+regexp.QuoteMeta(c.Name)+`\b`).ReplaceAllString(s, "\x00")
	}
	return s
}

var (
	dictSentence = regexp.MustCompile(`[^.;:\x00]+`)
	dictWord     = regexp.MustCompile(`\pL{2,}`)
	// dictEnglish are English words no translation has reason to keep.
	dictEnglish = regexp.MustCompile(`(?i)\b(the|is|are|when|not|known|which|with|from|only|published|records?|people|never|this|organisation's|countries|empty|where|who|number|dead|missing|children|withheld|coarsened)\b`)
)

// TestDictionaryTranslated: in Spanish, French and Arabic the dictionary
// keeps every identifier (column names, HXL hashtags, file paths, MMP
// columns) and holds no sentence of the English one nor English words
// outside identifiers, whatever the settings.
func TestDictionaryTranslated(t *testing.T) {
	b := dictBundle(t)
	admin := ptCfg()
	admin.Place, admin.TimeUnit, admin.K = PlaceAdmin, UnitMonth, 1
	day := ptCfg()
	day.TimeUnit, day.GridKm, day.K = UnitDay, 2.5, 12
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, cfg := range []Config{ptCfg(), admin, day} {
		// The English sentences (and the parts of sentences between ;
		// and :) that keep three words or more between identifiers.
		var sentences []string
		for _, s := range dictSentence.FindAllString(dictStrip(flat(dictRender(t, cfg, b.Localizer("en"))), cfg), -1) {
			if s = strings.TrimSpace(s); len(dictWord.FindAllString(s, -1)) >= 3 {
				sentences = append(sentences, s)
			}
		}
		if len(sentences) < 100 {
			t.Fatalf("only %d English sentences found: the test would prove little", len(sentences))
		}
		for _, lang := range dictLangs {
			got := dictRender(t, cfg, b.Localizer(lang))
			stripped := dictStrip(flat(got), cfg)
			for _, s := range sentences {
				if strings.Contains(stripped, s) {
					t.Errorf("%s (%s, %s): English sentence %q", lang, cfg.Place, cfg.TimeUnit, s)
				}
			}
			for _, w := range dictEnglish.FindAllString(stripped, -1) {
				t.Errorf("%s (%s, %s): English word %q", lang, cfg.Place, cfg.TimeUnit, w)
			}
			for _, c := range dataColumns {
				if !strings.Contains(got, "\n  "+c.Name+"\n    HXL: "+c.HXL+"\n") {
					t.Errorf("%s: column %s or its hashtag is missing", lang, c.Name)
				}
			}
			for _, c := range mmpColumns2019 {
				if !strings.Contains(got, "\n  "+c+"\n") {
					t.Errorf("%s: MMP column %s is missing", lang, c)
				}
			}
			for _, id := range []string{"/data/incidents.csv ", "/data/incidents.geojson ", "/data/incidents.json ", "/data/mmp.csv ",
				jsonShape, dataFilters, "#geo+lat", "WGS 84", "YYYY-MM-DD", cfg.Attribution, cfg.Licence} {
				if !strings.Contains(got, id) {
					t.Errorf("%s: %q is missing", lang, id)
				}
			}
		}
	}
}

// TestDictionaryNumbers: the coarsening text carries the settings'
// numbers in every language, with the language's decimal mark and the
// plural its count needs.
func TestDictionaryNumbers(t *testing.T) {
	b := dictBundle(t)
	cfg := ptCfg()
	cfg.GridKm, cfg.K = 2.5, 12
	for lang, want := range map[string][]string{
		"en": {"about 2.5 km", "fewer than 12 people"},
		"es": {"unos 2,5 km", "menos de 12 personas"},
		"fr": {"environ 2,5 km", "moins de 12 personnes"},
		"ar": {"نحو 2.5 كم", "أقل من 12 شخصًا"},
	} {
		got := strings.Join(strings.Fields(coarseningText(cfg, b.Localizer(lang))), " ")
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q is not in %q", lang, w, got)
			}
		}
	}
	cfg.K = 1
	if got := coarseningText(cfg, b.Localizer("en")); !strings.Contains(got, "fewer than 1 person.") {
		t.Errorf("en, k=1: %q", got)
	}
	cfg.K = 2
	if got := coarseningText(cfg, b.Localizer("ar")); !strings.Contains(got, "أقل من شخصين.") {
		t.Errorf("ar, k=2: %q", got)
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("mot ", 24) + "abcdef ; fin"
	if got := wrap(long); strings.Contains(got, "\n;") || !strings.Contains(got, "abcdef ;") {
		t.Errorf("a line starts with punctuation:\n%s", got)
	}
	ar := strings.Repeat("كلمة ", 30)
	lines := strings.Split(wrap(ar), "\n")
	for _, line := range lines[:len(lines)-1] {
		if n := len([]rune(line)); n > 100 || n < 90 {
			t.Errorf("Arabic line of %d characters", n)
		}
	}
}
