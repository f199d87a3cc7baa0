package search

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"hello world", "hello world"},
		{"Évora", "evora"},
		{"ÇA", "ca"},
		{"Straße", "strasse"},
		{"STRASSE", "strasse"},
		{"ẞ", "ss"},
		{"Ñandú", "nandu"},
		{"São João", "sao joao"},
		{"garçon à l'hôpital", "garcon a l'hopital"},
		{"Łódź", "lodz"},
		{"Øresund", "oresund"},
		{"Œuvre", "oeuvre"},
		{"İstanbul ışık", "istanbul isik"},
		{"ﬁnance", "finance"},          // ligature via NFKD
		{"ＡＢＣ１２３", "abc123"},           // full-width
		{"x²", "x2"},                   // superscript
		{"ΣΟΦΟΣ σοφός", "σοφοσ σοφοσ"}, // Greek: tonos, final sigma
		{"Ёлка", "елка"},
		{"Україна", "украіна"},  // ї → і (і and и stay distinct)
		{"м\u02BCясо", "м'ясо"}, // modifier apostrophe
		// Arabic
		{"أحمد", "احمد"},
		{"إحمد", "احمد"},
		{"آدم", "ادم"},
		{"ٱلله", "الله"},
		{"مؤمن", "مومن"},
		{"سائل", "سايل"},
		{"مستشفى", "مستشفي"},
		{"مدرسة", "مدرسه"},
		{"كـتـاب", "كتاب"},
		{"كَتَبَ", "كتب"},
		{"كِتَابٌ", "كتاب"},
		{"هٰذا", "هذا"},
		{"ﻻ", "لا"},                  // presentation form
		{"الصَّلَوٰةِ ۖ", "الصلوه "}, // harakat, superscript alef, Quranic sign
		{"٣٥", "35"},
		{"٠١٢٣٤٥٦٧٨٩", "0123456789"},
		// Persian / Urdu
		{"یک", "يك"},
		{"کودک", "كودك"},
		{"۱۴۰۲", "1402"},
		{"خانۀ", "خانه"},
		{"خانهٔ", "خانه"},
		{"پاکستان", "پاكستان"},
		{"می\u200cخواهم", "مي\u200cخواهم"}, // ZWNJ kept for the tokenizer
		// Other digits
		{"१२३", "123"},
		// Format characters
		{"a\u200Eb\u200Fc", "abc"},           // LRM/RLM
		{"infor\u00ADmation", "information"}, // soft hyphen
		{"\uFEFFbom", "bom"},
		{"a\u200Bb", "a b"}, // ZWSP separates
		// Indic marks are kept.
		{"हिंदी", "हिंदी"},
		// Invalid UTF-8 becomes U+FFFD.
		{"a\xffb", "a\uFFFDb"},
	}
	for _, tc := range tests {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeEquivalences(t *testing.T) {
	groups := [][]string{
		{"أحمد", "إحمد", "احمد", "آحمد", "ٱحمد"},
		{"مدرسة", "مدرسه", "مدرسۃ"},
		{"كـتـاب", "كتاب", "کتاب", "كِتَاب"},
		{"كَتَبَ", "كتب"},
		{"یک", "يك", "یک"},
		{"على", "علي", "علی"},
		{"٣٥", "۳۵", "35"},
		{"Évora", "EVORA", "evora", "E\u0301vora"},
		{"Straße", "STRASSE", "strasse"},
		{"Ἀθῆναι", "αθηναι", "ΑΘΗΝΑΙ"},
		{"Kelvin", "\u212Aelvin"},
	}
	for _, g := range groups {
		want := Normalize(g[0])
		for _, s := range g[1:] {
			if got := Normalize(s); got != want {
				t.Errorf("Normalize(%q) = %q, want %q (= Normalize(%q))", s, got, want, g[0])
			}
		}
	}
}

func TestNormalizeDistinct(t *testing.T) {
	pairs := [][2]string{
		{"كتب", "كتاب"},
		{"ە", "ه"},             // Kurdish ae stays distinct from heh
		{"कुल", "कल"},          // Devanagari vowel sign kept
		{"украина", "украіна"}, // Russian и vs Ukrainian і
	}
	for _, p := range pairs {
		if Normalize(p[0]) == Normalize(p[1]) {
			t.Errorf("Normalize(%q) == Normalize(%q) = %q", p[0], p[1], Normalize(p[0]))
		}
	}
}

func TestNormalizeNoAllocForLowerASCII(t *testing.T) {
	s := "already normalised ascii text 123"
	if n := testing.AllocsPerRun(100, func() { _ = Normalize(s) }); n != 0 {
		t.Errorf("Normalize allocated %v times for lower-case ASCII", n)
	}
}

// checkNormalize verifies the properties of Normalize on one input.
func checkNormalize(t *testing.T, s string) {
	t.Helper()
	n := Normalize(s)
	if !utf8.ValidString(n) {
		t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, n)
	}
	if n2 := Normalize(n); n2 != n {
		t.Fatalf("not idempotent: Normalize(%q) = %q, Normalize(that) = %q", s, n, n2)
	}
	if ref := normalizeSlow(strings.ToValidUTF8(s, "\uFFFD")); ref != n {
		t.Fatalf("fast path differs: Normalize(%q) = %q, normalizeSlow = %q", s, n, ref)
	}
}

// TestNormalizeEveryRune checks every assigned rune of the BMP and the
// supplementary planes 1–2, alone and after an "a".
func TestNormalizeEveryRune(t *testing.T) {
	step := rune(1)
	if testing.Short() {
		step = 7
	}
	for r := rune(0); r < 0x30000; r += step {
		if !utf8.ValidRune(r) || !(unicode.IsGraphic(r) || unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)) {
			continue
		}
		checkNormalize(t, string(r))
		checkNormalize(t, "A"+string(r)+"b")
	}
}

// TestNormalizeFoldOrbits: all case variants of a letter normalise alike.
func TestNormalizeFoldOrbits(t *testing.T) {
	for r := rune(0); r < 0x20000; r++ {
		if !unicode.IsLetter(r) {
			continue
		}
		want := Normalize(string(r))
		for x := unicode.SimpleFold(r); x != r; x = unicode.SimpleFold(x) {
			if got := Normalize(string(x)); got != want {
				t.Errorf("Normalize(%U %q) = %q, but Normalize(%U %q) = %q", x, x, got, r, r, want)
			}
		}
	}
}

// TestNormalizeRandomMix exercises the fast/slow path boundaries with
// strings mixing simple runes and combining marks, Hangul jamo, Arabic
// hamza, format characters, etc. (a deterministic complement of
// FuzzNormalize).
func TestNormalizeRandomMix(t *testing.T) {
	alphabet := []rune("aeEoIıßẞçÇ ́̈̀͂ͅ'-.,ە\u0654\u0655هيىیکكةأإآاؤئ\u064B\u064E\u0650\u0651\u0652\u0670ـ\u06D6٣۵" +
		"ᄀ\u1161\u11A8가각\u200C\u200D\u200E\u200B\u00AD\uFEFFक\u093F\u0941\u094D\u0902ো\u09BE\u09C7ΣσςάΆЙй\u0306ﬁ①½\uFFFD")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		checkNormalize(t, b.String())
	}
}
