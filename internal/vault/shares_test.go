package vault

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
)

var canonicalShare = regexp.MustCompile(`^faro-share-([a-z2-7]{5}-){13}[a-z2-7]$`)

func testShare(t testing.TB) (string, [4]byte, []byte) {
	t.Helper()
	tag := [4]byte{0xde, 0xad, 0xbe, 0xef}
	part := make([]byte, 33)
	for i := range part {
		part[i] = byte(i*37 + 11)
	}
	part[32] = 3 // x coordinate
	return encodeShare(tag, part), tag, part
}

func TestShareEncoding(t *testing.T) {
	s, tag, part := testShare(t)
	if !canonicalShare.MatchString(s) {
		t.Fatalf("share not in the printed format: %q", s)
	}
	gotTag, gotPart, err := parseShare(s)
	if err != nil || gotTag != tag || !bytes.Equal(gotPart, part) {
		t.Fatalf("round trip: %v", err)
	}
}

func TestShareParsingIgnoresFormatting(t *testing.T) {
	s, tag, part := testShare(t)
	body := strings.TrimPrefix(s, sharePrefix)
	bare := strings.ReplaceAll(body, "-", "")
	variants := []string{
		s,
		strings.ToUpper(s),
		"  " + s + "\n",
		"\t" + strings.ToUpper(s) + "\r\n",
		body,
		bare,
		strings.ToUpper(bare),
		strings.ReplaceAll(s, "-", " "),
		strings.ReplaceAll(s, "-", ""),
		strings.ReplaceAll(strings.ToUpper(s), "-", " "),
		"FARO-SHARE-" + strings.ReplaceAll(body, "-", " - "),
		"Faro-Share-" + strings.ReplaceAll(body, "-", "\n"),
		sharePrefix + strings.ReplaceAll(body, "-", "\t"),
		"faro share " + strings.ReplaceAll(body, "-", " "),
		"FARO SHARE " + strings.ToUpper(bare),
		"faroshare" + bare,
		"faro-share" + bare,
		"faro - share - " + body,
		// Mixed case, dashes regrouped.
		func() string {
			var b strings.Builder
			for i, r := range bare {
				if i%2 == 0 {
					b.WriteString(strings.ToUpper(string(r)))
				} else {
					b.WriteRune(r)
				}
				if i%3 == 2 {
					b.WriteByte('-')
				}
			}
			return b.String()
		}(),
	}
	for _, in := range variants {
		gotTag, gotPart, err := parseShare(in)
		if err != nil {
			t.Errorf("variant %q: %v", in, err)
			continue
		}
		if gotTag != tag || !bytes.Equal(gotPart, part) {
			t.Errorf("variant %q decoded to another share", in)
		}
	}
}

func TestShareParsingRejects(t *testing.T) {
	s, _, _ := testShare(t)
	body := strings.TrimPrefix(s, sharePrefix)
	for _, in := range []string{
		"", " ", "faro-share-", "faro-share", "faroshare", sharePrefix + "aaaaa",
		s[:len(s)-1], s + "a", s + "aaaaaaaa", body[1:],
		strings.Replace(s, "a", "1", 1), // not base32
		strings.Replace(s, "-", "0", 1),
		s + "=", sharePrefix + strings.Repeat("a", 66), // checksum wrong
		strings.Repeat(s, 2),
		"other-share-" + body,
	} {
		if _, _, err := parseShare(in); !errors.Is(err, ErrShareMalformed) {
			t.Errorf("%q: %v, want ErrShareMalformed", in, err)
		}
	}
}

// TestShareEveryTypoCaught changes every character of a share to every
// other base32 letter. The CRC-32 must catch each, except where only the
// two unused low bits of the last letter change (the decoded share is then
// the same, so accepting it is harmless).
func TestShareEveryTypoCaught(t *testing.T) {
	s, tag, part := testShare(t)
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	start := len(sharePrefix)
	for i := start; i < len(s); i++ {
		if s[i] == '-' {
			continue
		}
		for _, c := range []byte(alphabet) {
			if c == s[i] {
				continue
			}
			typo := []byte(s)
			typo[i] = c
			gotTag, gotPart, err := parseShare(string(typo))
			if err == nil {
				if i != len(s)-1 || gotTag != tag || !bytes.Equal(gotPart, part) {
					t.Fatalf("typo at position %d (%c) accepted", i, c)
				}
				continue
			}
			if !errors.Is(err, ErrShareMalformed) {
				t.Fatalf("typo at %d: %v", i, err)
			}
		}
	}
	// Two adjacent letters swapped.
	for i := start; i+1 < len(s); i++ {
		if s[i] == '-' || s[i+1] == '-' || s[i] == s[i+1] {
			continue
		}
		typo := []byte(s)
		typo[i], typo[i+1] = typo[i+1], typo[i]
		if _, _, err := parseShare(string(typo)); !errors.Is(err, ErrShareMalformed) {
			t.Fatalf("letters %d and %d swapped: %v", i, i+1, err)
		}
	}
}

// FuzzParseShare: parsing never panics, and whatever it accepts is a share
// whose canonical printing parses back to the same bytes and matches the
// input letter for letter once formatting (case, spaces, dashes, prefix)
// is set aside, up to the two unused bits of the last letter.
func FuzzParseShare(f *testing.F) {
	s, _, _ := testShare(f)
	body := strings.TrimPrefix(s, sharePrefix)
	for _, seed := range []string{
		s, strings.ToUpper(s), body, strings.ReplaceAll(s, "-", " "), "faroshare" + strings.ReplaceAll(body, "-", ""),
		"", "faro-share-", "faro-share-aaaaa-bbbbb", sharePrefix + strings.Repeat("a", 66),
		"\x00\xff", "ſ", "K",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tag, part, err := parseShare(in)
		if err != nil {
			if !errors.Is(err, ErrShareMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
			if part != nil {
				t.Fatal("a share was returned with an error")
			}
			return
		}
		if len(part) != 33 {
			t.Fatalf("accepted share of %d bytes", len(part))
		}
		canon := encodeShare(tag, part)
		if !canonicalShare.MatchString(canon) {
			t.Fatalf("re-encoding %q is not canonical", canon)
		}
		tag2, part2, err := parseShare(canon)
		if err != nil || tag2 != tag || !bytes.Equal(part2, part) {
			t.Fatalf("re-encoding does not parse back: %v", err)
		}
		if encodeShare(tag2, part2) != canon {
			t.Fatal("re-encoding is not stable")
		}
		// Letter for letter, modulo formatting.
		norm := strings.ToUpper(strings.NewReplacer("-", "", " ", "", "\t", "", "\n", "", "\r", "").Replace(strings.ToLower(strings.TrimSpace(in))))
		want := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(canon, sharePrefix), "-", ""))
		for strings.HasPrefix(norm, "FAROSHARE") && len(norm) > len(want) {
			norm = norm[len("FAROSHARE"):]
		}
		if len(norm) != len(want) || norm[:len(want)-1] != want[:len(want)-1] {
			t.Fatalf("accepted %q, which is not %q modulo formatting", in, canon)
		}
		last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", norm[len(norm)-1])
		wantLast := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", want[len(want)-1])
		if last < 0 || last>>2 != wantLast>>2 {
			t.Fatalf("accepted %q: last letter differs in used bits from %q", in, canon)
		}
	})
}
