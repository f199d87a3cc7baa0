package alerting

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Reply is what an inbound SMS or Signal message says.
type Reply struct {
	// Ack is true when the message acknowledges an alert.
	Ack bool
	// Ref is the case reference it names, if any ("2026-11-25-CM-014").
	Ref string
}

var refPattern = regexp.MustCompile(`(?i)\b(\d{4}-\d{2}-\d{2}-[A-Z]{1,8}-\d{1,6})\b`)

// ackWords are the replies that mean "received", in the languages the
// hotlines and responders use. They are compared after case folding and
// accent stripping, so "Reçu", "RECU" and "reçu." all count.
var ackWords = map[string]bool{
	"ack": true, "ok": true, "okay": true, "yes": true, "received": true, "roger": true, "copy": true,
	"recibido": true, "recibida": true, "si": true, "vale": true, "entendido": true,
	"recu": true, "recue": true, "bien recu": true, "oui": true, "d'accord": true,
	"ricevuto": true, "ricevuta": true,
	"تم": true, "تم الاستلام": true, "استلمت": true, "نعم": true, "حسنا": true,
}

// maxReply bounds the text looked at: acknowledgements are short, and a
// long message is a conversation for a person to read, not a command.
const maxReply = 1024

// ParseReply reads an inbound reply. It acknowledges when the message,
// once the case reference and punctuation are removed, is one of the ack
// words, or starts with one followed by a reference ("ACK 2026-11-25-CM-014",
// "ok 2026-11-25-cm-014 thanks" does not: only the word and the reference).
func ParseReply(text string) Reply {
	if len(text) > maxReply {
		return Reply{}
	}
	var r Reply
	if m := refPattern.FindStringSubmatch(text); m != nil {
		r.Ref = strings.ToUpper(m[1])
		text = strings.Replace(text, m[0], " ", 1)
	}
	words := strings.Join(strings.FieldsFunc(fold(text), func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsPunct(c) && c != '\'' || unicode.IsSymbol(c)
	}), " ")
	r.Ack = ackWords[words]
	return r
}

// fold lowercases and strips combining marks (é → e, but Arabic letters
// are kept whole; their harakat are dropped, as people often type them).
func fold(s string) string {
	var b strings.Builder
	for _, c := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return norm.NFC.String(b.String())
}
