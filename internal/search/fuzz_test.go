package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "Évora", "ÇA", "Straße", "ẞ", "أحمد إحمد احمد", "مدرسة", "كـتـاب", "كَتَبَ",
	"یک يك", "٣٥ ۱۴۰۲", "می‌خواهم", "خانۀ", "والعنف بالقارب", "हिंदी", "가각ᄀ\u1161",
	"e\u0301\u0327", "\u0345\u03b1\u0345", "Ꭰꭰ", "ﬁ ① ½", "a\xffb\xc0", "ە\u064e\u0654",
	"\u200f\u200c\u200b\u00ad", "İı", "ǅ", "ΐ ᾳ",
}

// FuzzNormalize: Normalize never panics, returns valid UTF-8, is
// idempotent and agrees with the slow reference path; Tokenize's terms are
// themselves normalised.
func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, n)
		}
		if n2 := Normalize(n); n2 != n {
			t.Fatalf("not idempotent: Normalize(%q) = %q, Normalize(that) = %q", s, n, n2)
		}
		if ref := normalizeSlow(strings.ToValidUTF8(s, "\uFFFD")); ref != n {
			t.Fatalf("Normalize(%q) = %q, normalizeSlow = %q", s, n, ref)
		}
		for _, tok := range Tokenize(s) {
			if tok == "" || !utf8.ValidString(tok) || utf8.RuneCountInString(tok) > maxTokenRunes {
				t.Fatalf("Tokenize(%q): bad term %q", s, tok)
			}
			if Normalize(tok) != tok {
				t.Fatalf("Tokenize(%q): term %q is not normalised (%q)", s, tok, Normalize(tok))
			}
		}
	})
}

// FuzzIndex: every term of a document's text finds the document, through
// puts, updates and deletes.
func FuzzIndex(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+1)%len(fuzzSeeds)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ix := New()
		ix.Put(1, a)
		ix.Put(2, b)
		mustFind := func(text string, id int64, want bool) {
			t.Helper()
			for _, tok := range Tokenize(text) {
				got := slices.Contains(ix.Search(tok), id)
				if got != want {
					t.Fatalf("Search(%q) contains %d: %v, want %v (a=%q b=%q)", tok, id, got, want, a, b)
				}
			}
		}
		mustFind(a, 1, true)
		mustFind(b, 2, true)
		// Whole text as a query: all its words must be in the doc.
		if qs := queryTerms(a); len(qs) > 0 && !slices.Contains(ix.Search(a), 1) {
			t.Fatalf("Search(a) misses doc 1 (a=%q)", a)
		}
		ix.Put(1, b) // update
		mustFind(b, 1, true)
		ix.Delete(2)
		mustFind(b, 2, false)
		mustFind(b, 1, true)
		checkInvariants(t, ix)
		ix.Delete(1)
		if ix.Len() != 0 || ix.live != 0 {
			t.Fatalf("index not empty: %d docs, %d terms", ix.Len(), ix.live)
		}
	})
}
