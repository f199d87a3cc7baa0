package jobs

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxErrorLen bounds last_error: a class and a status code, not a story.
const maxErrorLen = 200

// errorText is what is stored and logged of a handler's error: its first
// line, scrubbed, cut short.
func errorText(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return scrub(s)
}

// scrub removes from an error text what is most likely personal data
// that a careless handler let through (the jobs table and the logs are
// not encrypted): words with '@' (addresses), URLs (they may carry
// tokens or names), and numbers of six or more digits, counted across
// the separators and spaces they are written with (phone numbers,
// coordinates, IP addresses). SMTP enhanced status codes ("5.1.1") stand
// apart, so "550 5.1.1" survives. It cannot recognise a name: handlers
// must still return error classes only.
func scrub(s string) string {
	s = strings.ToValidUTF8(s, "?")
	words := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	out := make([]string, 0, len(words))
	var group []string // consecutive all-numeric words: one number?
	flush := func() {
		if digits(strings.Join(group, "")) >= minDigits {
			out = append(out, "[number]")
		} else {
			out = append(out, group...)
		}
		group = group[:0]
	}
	for _, w := range words {
		switch {
		case strings.ContainsRune(w, '@') || strings.Contains(w, "://"):
			flush()
			out = append(out, "[redacted]")
		case statusCode.MatchString(w):
			flush()
			out = append(out, w)
		case allNumberish(w):
			group = append(group, w)
		default:
			flush()
			out = append(out, redactRuns(w))
		}
	}
	flush()
	s = strings.Join(out, " ")
	if len(s) > maxErrorLen {
		cut := maxErrorLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// minDigits is the shortest number taken for personal data: status codes
// have three digits, the shortest phone numbers seven.
const minDigits = 6

// statusCode matches an SMTP enhanced status code (RFC 3463).
var statusCode = regexp.MustCompile(`^[245]\.[0-9]{1,3}\.[0-9]{1,3}[:,;]?$`)

// numberish are the characters a phone number, coordinate or address is
// written with besides digits.
func numberish(c byte) bool {
	return c >= '0' && c <= '9' || strings.IndexByte("+-.:,;()/", c) >= 0
}

func allNumberish(w string) bool {
	for i := 0; i < len(w); i++ {
		if !numberish(w[i]) {
			return false
		}
	}
	return true
}

func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// redactRuns replaces long numbers inside a word ("tel:+34612345678").
func redactRuns(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); {
		if !numberish(w[i]) {
			b.WriteByte(w[i])
			i++
			continue
		}
		j := i
		for j < len(w) && numberish(w[j]) {
			j++
		}
		if digits(w[i:j]) >= minDigits {
			b.WriteString("[number]")
		} else {
			b.WriteString(w[i:j])
		}
		i = j
	}
	return b.String()
}
