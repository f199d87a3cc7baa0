package search

import (
	"slices"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ,;!? ", nil},
		{"Hello, World!", []string{"hello", "world"}},
		{"L'école de Évora", []string{"ecole", "de", "evora"}}, // "l" dropped (one letter)
		{"Jean-Pierre a 5 ans, né en 1998.", []string{"jean", "pierre", "5", "ans", "ne", "en", "1998"}},
		{"Straße №7", []string{"strasse", "no7"}}, // NFKD: № → No
		{"user@example.org", []string{"user", "example", "org"}},
		{"Ya llegó y o", []string{"ya", "llego"}},
		{"水 and 火", []string{"水", "and", "火"}}, // one ideograph is a word
		// Arabic: words stay whole; article-less stems are added.
		{"كتب أحمد", []string{"كتب", "احمد"}},
		{"ذهبت إلى المدرسة", []string{"ذهبت", "الي", "مدرسه", "المدرسه"}},
		{"والعنف", []string{"والعنف", "عنف"}},
		{"و ٣٥ شخصاً", []string{"35", "شخصا"}}, // lone و dropped, digits ASCII
		{"ال", []string{"ال"}},                 // too short to strip
		// Persian ZWNJ: joined word plus its parts.
		{"می‌خواهم بروم", []string{"ميخواهم", "مي", "خواهم", "بروم"}},
		{"\u200c\u200c", nil},
		// Indic vowel signs do not split words.
		{"हिंदी भाषा", []string{"हिंदी", "भाषा"}},
		// Format characters do not split words; ZWSP does.
		{"Pa\u00ADris a\u200Bb2", []string{"paris", "b2"}},
	}
	for _, tc := range tests {
		got := Tokenize(tc.in)
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, want)
		}
	}
}

func TestTokenizeTruncates(t *testing.T) {
	long := strings.Repeat("ab", 50)
	got := Tokenize(long + " ok")
	if len(got) != 2 || got[0] != long[:maxTokenRunes] || got[1] != "ok" {
		t.Errorf("Tokenize(long) = %q", got)
	}
	arabic := strings.Repeat("ب", 100)
	got = Tokenize(arabic)
	if len(got) != 1 || got[0] != strings.Repeat("ب", maxTokenRunes) {
		t.Errorf("Tokenize(long Arabic) = %q", got)
	}
}

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", nil},
		{"Viol POLICE viol", []string{"police", "viol"}},
		{"viol violence", []string{"violence"}}, // "viol" implied
		{"الكتاب", []string{"كتاب"}},            // article stripped
		{"الله", []string{"الله"}},              // stem too short: kept
		{"می‌خواهم", []string{"ميخواهم"}},       // ZWNJ word joined only
		{"l'Hôpital", []string{"hopital"}},
	}
	for _, tc := range tests {
		if got := queryTerms(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("queryTerms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
