package i18n

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func TestPluralCategory(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, Other}, {"en", 1, One}, {"en", 2, Other}, {"en", 11, Other}, {"en", 21, Other},
		{"en", 101, Other}, {"en", -1, One}, {"en", 1000000, Other},

		{"es", 0, Other}, {"es", 1, One}, {"es", 2, Other}, {"es", 21, Other}, {"es", 101, Other},
		{"es", 1000, Other}, {"es", 1000000, Many}, {"es", 2000000, Many}, {"es", 1000001, Other},
		{"es", -1, One},

		{"fr", 0, One}, {"fr", 1, One}, {"fr", 2, Other}, {"fr", 10, Other}, {"fr", 101, Other},
		{"fr", 1000000, Many}, {"fr", 3000000, Many}, {"fr", 1000002, Other},

		{"ar", 0, Zero}, {"ar", 1, One}, {"ar", 2, Two}, {"ar", 3, Few}, {"ar", 10, Few},
		{"ar", 11, Many}, {"ar", 26, Many}, {"ar", 99, Many}, {"ar", 100, Other}, {"ar", 101, Other},
		{"ar", 102, Other}, {"ar", 103, Few}, {"ar", 110, Few}, {"ar", 111, Many}, {"ar", 199, Many},
		{"ar", 200, Other}, {"ar", 1000, Other}, {"ar", 1003, Few}, {"ar", -3, Few},

		// Languages without rules count like English.
		{"xx", 1, One}, {"xx", 0, Other}, {"", 2, Other},
	} {
		if got := PluralCategory(tc.lang, tc.n); got != tc.want {
			t.Errorf("PluralCategory(%q, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestPluralCategoriesCoverRules(t *testing.T) {
	// Every category a rule can give must be one a message has to define.
	for lang := range pluralRules {
		cats := map[string]bool{}
		for _, c := range PluralCategories(lang) {
			cats[c] = true
		}
		if !cats[Other] {
			t.Errorf("%s: %q is not required", lang, Other)
		}
		seen := map[string]bool{}
		for n := 0; n <= 3000; n++ {
			seen[PluralCategory(lang, n)] = true
		}
		seen[PluralCategory(lang, 1000000)] = true
		for c := range seen {
			if !cats[c] {
				t.Errorf("%s: rule gives %q, which PluralCategories does not list", lang, c)
			}
		}
		for c := range cats {
			if !seen[c] {
				t.Errorf("%s: category %q is required but no number gives it", lang, c)
			}
		}
	}
}

// testBundle is a small bundle with four languages, independent of the
// real catalogues.
func testBundle(t testing.TB) *Bundle {
	t.Helper()
	fsys := fstest.MapFS{
		"c/en.json": {Data: []byte(`{"lang.self": "English", "hi": "Hello {1}", "n": {"one": "{1} file", "other": "{1} files"}, "only.en": "Only English"}`)},
		"c/es.json": {Data: []byte(`{"lang.self": "Español", "hi": "Hola {1}", "n": {"one": "{1} archivo", "many": "{1} de archivos", "other": "{1} archivos"}}`)},
		"c/fr.json": {Data: []byte(`{"lang.self": "Français", "hi": "Bonjour {1}", "n": {"one": "{1} fichier", "many": "{1} de fichiers", "other": "{1} fichiers"}}`)},
		"c/ar.json": {Data: []byte(`{"lang.self": "العربية", "hi": "مرحبا {1}", "n": {"zero": "لا ملفات", "one": "ملف واحد", "two": "ملفان", "few": "{1} ملفات", "many": "{1} ملفًا", "other": "{1} ملف"}}`)},
	}
	b, err := LoadFS(fsys, "c")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLangsOrder(t *testing.T) {
	b := testBundle(t)
	if got := strings.Join(b.Langs(), ","); got != "en,ar,es,fr" {
		t.Errorf("Langs() = %s, want English first then by code", got)
	}
	if b.Name("ar") != "العربية" || b.Name("xx") != "xx" {
		t.Errorf("Name: %q %q", b.Name("ar"), b.Name("xx"))
	}
}

func TestMatch(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		explicit, accept, want string
	}{
		{"", "", "en"},
		{"", "fr", "fr"},
		{"", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"},
		{"", "es-MX,es;q=0.9", "es"},
		{"", "es-419", "es"},
		{"", "ar-EG", "ar"},
		{"", "ar-SA,ar;q=0.9,en-US;q=0.8", "ar"},
		{"", "en-US,en;q=0.9,fr;q=0.5", "en"},
		{"", "en-GB", "en"},
		{"", "de-DE,de;q=0.9", "en"},
		{"", "de, fr;q=0.5", "fr"},
		{"", "ja", "en"},
		{"", "*", "en"},
		{"", "fr;q=0.1, es;q=0.9", "es"},
		{"", "garbage;;;q=x", "en"},
		{"", "12345", "en"},
		// An explicit choice wins when it is a catalogue.
		{"ar", "fr", "ar"},
		{"es", "", "es"},
		{"xx", "fr", "fr"},
		{"FR", "es", "es"},
		{"", ",,,", "en"},
	} {
		if got := b.Match(tc.explicit, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.explicit, tc.accept, got, tc.want)
		}
	}
}

func TestLocalizer(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "hi", []any{"Amira"}, "Hello Amira"},
		{"es", "hi", []any{"Amira"}, "Hola Amira"},
		{"en", "n", []any{1}, "1 file"},
		{"en", "n", []any{0}, "0 files"},
		{"en", "n", []any{int64(2)}, "2 files"},
		{"fr", "n", []any{0}, "0 fichier"},
		{"fr", "n", []any{2}, "2 fichiers"},
		{"es", "n", []any{1000000}, "1000000 de archivos"},
		{"ar", "n", []any{0}, "لا ملفات"},
		{"ar", "n", []any{2}, "ملفان"},
		{"ar", "n", []any{5}, "5 ملفات"},
		{"ar", "n", []any{11}, "11 ملفًا"},
		{"ar", "n", []any{100}, "100 ملف"},
		// Missing from a language: English; missing everywhere: the key.
		{"fr", "only.en", nil, "Only English"},
		{"fr", "no.such.key", nil, "no.such.key"},
		// Unknown language: English.
		{"xx", "hi", []any{"x"}, "Hello x"},
		// Arguments are text, not templates: braces in them stay.
		{"en", "hi", []any{"{1}"}, "Hello {1}"},
	} {
		if got := b.Localizer(tc.lang).T(tc.key, tc.args...); got != tc.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
	if d := b.Localizer("ar").Dir(); d != "rtl" {
		t.Errorf("ar Dir = %s", d)
	}
	for _, l := range []string{"en", "es", "fr", "xx"} {
		if d := b.Localizer(l).Dir(); d != "ltr" {
			t.Errorf("%s Dir = %s", l, d)
		}
	}
	if l := b.Localizer("xx").Lang; l != "en" {
		t.Errorf("unknown language localizer is %q", l)
	}
}

func TestLoadRejectsBrokenCatalogues(t *testing.T) {
	if _, err := LoadFS(fstest.MapFS{"c/fr.json": {Data: []byte(`{}`)}}, "c"); err == nil {
		t.Errorf("a bundle without English loaded")
	}
	if _, err := LoadFS(fstest.MapFS{"c/en.json": {Data: []byte(`{"a": 1}`)}}, "c"); err == nil {
		t.Errorf("a catalogue with a number loaded")
	}
	if _, err := LoadFS(fstest.MapFS{"c/en.json": {Data: []byte(`{"a": "x",}`)}}, "c"); err == nil {
		t.Errorf("malformed JSON loaded")
	}
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

func placeholders(s string) map[string]bool {
	out := map[string]bool{}
	for _, p := range placeholder.FindAllString(s, -1) {
		out[p] = true
	}
	return out
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func setString(m map[string]bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "[" + strings.Join(keys, " ") + "]"
}

var validPlaceholder = regexp.MustCompile(`^\{[1-9][0-9]?\}$`)

// TestCatalogues: every catalogue has exactly en.json's keys, with the
// same {n} placeholders, and plural messages define every category their
// language needs.
func TestCatalogues(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if b.Langs()[0] != Fallback {
		t.Fatalf("English is not first: %v", b.Langs())
	}
	t.Logf("catalogues: %v", b.Langs())
	enKeys := b.Keys(Fallback)
	if len(enKeys) == 0 {
		t.Fatal("empty English catalogue")
	}
	names := map[string]string{}
	for _, lang := range b.Langs() {
		if _, ok := pluralRules[lang]; !ok {
			t.Errorf("%s: no plural rules in plural.go; its plurals would follow English", lang)
		}
		if l := b.Localizer(lang); (lang == "ar") != (l.Dir() == "rtl") {
			t.Errorf("%s: direction %s", lang, l.Dir())
		}
		if other, dup := names[b.Name(lang)]; dup || b.Name(lang) == lang {
			t.Errorf("%s: lang.self %q missing or same as %s's", lang, b.Name(lang), other)
		}
		names[b.Name(lang)] = lang
		have := map[string]bool{}
		for _, k := range b.Keys(lang) {
			have[k] = true
			if _, ok := b.Lookup(Fallback, k); !ok {
				t.Errorf("%s: key %q is not in en.json", lang, k)
			}
		}
		for _, k := range enKeys {
			if !have[k] {
				t.Errorf("%s: key %q is missing", lang, k)
				continue
			}
			en, _ := b.Lookup(Fallback, k)
			m, _ := b.Lookup(lang, k)
			checkMessage(t, lang, k, en, m)
		}
	}
}

func checkMessage(t *testing.T, lang, key string, en, m Message) {
	t.Helper()
	enAll := map[string]bool{}
	if en.Plural == nil {
		enAll = placeholders(en.Text)
	} else {
		for _, s := range en.Plural {
			for p := range placeholders(s) {
				enAll[p] = true
			}
		}
	}
	for p := range enAll {
		if !validPlaceholder.MatchString(p) {
			t.Errorf("en %s: malformed placeholder %s", key, p)
		}
	}
	if (en.Plural == nil) != (m.Plural == nil) {
		t.Errorf("%s %s: plural in one catalogue, plain text in the other", lang, key)
		return
	}
	if m.Plural == nil {
		if strings.TrimSpace(m.Text) == "" {
			t.Errorf("%s %s: empty text", lang, key)
		}
		if got := placeholders(m.Text); !sameSet(got, enAll) {
			t.Errorf("%s %s: placeholders %s, English has %s", lang, key, setString(got), setString(enAll))
		}
		return
	}
	need := map[string]bool{}
	for _, c := range PluralCategories(lang) {
		need[c] = true
		if s, ok := m.Plural[c]; !ok || strings.TrimSpace(s) == "" {
			t.Errorf("%s %s: plural category %q missing", lang, key, c)
		}
	}
	for c, s := range m.Plural {
		if !need[c] {
			t.Errorf("%s %s: category %q is never used in %s", lang, key, c, lang)
		}
		// A form may leave a number out ("one file"), never add one.
		for p := range placeholders(s) {
			if !enAll[p] {
				t.Errorf("%s %s[%s]: placeholder %s is not in English", lang, key, c, p)
			}
		}
	}
	if got := placeholders(m.Plural[Other]); !sameSet(got, enAll) {
		t.Errorf("%s %s[other]: placeholders %s, English has %s", lang, key, setString(got), setString(enAll))
	}
}

func TestRealMatch(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range b.Langs() {
		if got := b.Match("", l); got != l {
			t.Errorf("Match(%q) = %q", l, got)
		}
		if got := b.Match(l, "de"); got != l {
			t.Errorf("explicit %q: %q", l, got)
		}
	}
	if got := b.Match("", "de-AT"); got != Fallback {
		t.Errorf("German: %q", got)
	}
}

func FuzzAcceptLanguage(f *testing.F) {
	b := testBundle(f)
	for _, s := range []string{"", "fr", "fr-CH, fr;q=0.9, en;q=0.8", "ar-EG", "*", "x-klingon", "en;q=2",
		"es;q=-1", "zh-Hant-TW", "i-default", "de-DE-u-co-phonebk", ";;;", "fr;q=0.5;q=0.9", strings.Repeat("en,", 200),
		"und", "sr-Latn", "\xff\xfe", "es-419;q=0.3,ar;q=0.31"} {
		f.Add("", s)
		f.Add("es", s)
	}
	f.Add("xx", "fr")
	f.Fuzz(func(t *testing.T, explicit, accept string) {
		got := b.Match(explicit, accept)
		if !b.Has(got) {
			t.Fatalf("Match(%q, %q) = %q, not a catalogue", explicit, accept, got)
		}
		if b.Has(explicit) && got != explicit {
			t.Fatalf("Match(%q, %q) = %q ignores the explicit choice", explicit, accept, got)
		}
		// The localizer it leads to always works.
		l := b.Localizer(got)
		if l.T("hi", "x") == "hi" {
			t.Fatalf("%s: no text for a key every catalogue has", got)
		}
	})
}
