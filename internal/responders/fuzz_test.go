package responders

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/notify"
)

func FuzzParseLanguages(f *testing.F) {
	for _, s := range []string{"it, en", "es-MX;fr", "xx-!!", "", "ar ar AR", "zh-Hant-TW", strings.Repeat("en,", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		langs, _ := ParseLanguages(s)
		seen := map[string]bool{}
		for _, l := range langs {
			if l == "" || seen[l] || normaliseLang(l) != l {
				t.Fatalf("%q → %q", s, langs)
			}
			seen[l] = true
		}
	})
}

// FuzzValidate feeds what the forms pass on: validation never panics, and
// what it accepts is normalised and within limits.
func FuzzValidate(f *testing.F) {
	f.Add("MRCC", "rescue_centre", "it,en", "notes", "email", "ops@example.it", "")
	f.Add("", "ship", "??", "", "sms", "+39 333", "")
	f.Add("x", "verifier", "ar", "", "webhook", "https://h.example.org/x", "s3cret")
	f.Add("x", "other", "", "", "signal", "0039 333 1234567", "")
	f.Fuzz(func(t *testing.T, name, kind, langs, notes, channel, address, secret string) {
		l, _ := ParseLanguages(langs)
		r := &Responder{Name: name, Kind: kind, Languages: l, Notes: notes,
			Channels: []Channel{{Channel: channel, Address: address, Secret: []byte(secret)}}}
		if validate(r) != nil {
			return
		}
		if r.Name == "" || utf8.RuneCountInString(r.Name) > maxName || len(r.Languages) > maxLanguages {
			t.Fatalf("accepted out of limits")
		}
		c := r.Channels[0]
		if again, err := notify.ValidateAddress(c.Channel, c.Address); err != nil || again != c.Address {
			t.Fatalf("address not normalised: %v", err)
		}
		if (c.Channel == notify.Webhook) != (len(c.Secret) > 0) {
			t.Fatal("secret on the wrong channel")
		}
	})
}
