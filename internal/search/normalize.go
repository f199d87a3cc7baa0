package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Special runes used by the normalizer and the tokenizer.
const (
	zwnj    = '\u200C' // ZERO WIDTH NON-JOINER: kept, joins the parts of a Persian word
	zwsp    = '\u200B' // ZERO WIDTH SPACE: becomes a space
	tatweel = '\u0640' // ARABIC TATWEEL (kashida): removed
)

// Normalize returns the search form of s: the form in which the index stores
// terms and in which queries are matched. Both sides go through the same
// function, so only its consistency matters, not its linguistic perfection.
//
// Steps, in order:
//
//   - invalid UTF-8 is replaced by U+FFFD, so the output is always valid UTF-8;
//   - NFKD (compatibility decomposition): ligatures (ﬁ→fi), full-width and
//     super/subscript forms, Arabic presentation forms (ﻻ→لا), and accented
//     letters are decomposed into base letter + combining marks;
//   - case folding, rune by rune, to lower(upper(r)), plus ß→ss: "ÇA"→"ca",
//     "Straße"→"strasse", Greek final sigma ς→σ, Kelvin sign K→k. (Not
//     x/text/cases.Fold: it maps Cherokee upper to lower case and lower to
//     upper, which is not idempotent. The other full foldings of
//     CaseFolding.txt are covered by NFKD and mark removal.);
//   - combining marks (Mn, Me) are removed when they are script-neutral
//     (Inherited: the Latin/Greek/Cyrillic accents, Arabic harakat
//     U+064B–U+0655, superscript alef U+0670, variation selectors) or belong
//     to Latin, Greek, Cyrillic, Arabic, Hebrew, Syriac, Thaana or N'Ko.
//     Marks of Indic and South-East-Asian scripts are KEPT: there they are
//     vowels, not accents. Spacing marks (Mc) are always kept;
//   - Arabic: tatweel U+0640 and the Quranic annotation signs U+06D6–U+06ED
//     are removed; hamza forms unify because the hamza is a removed mark
//     (أ إ آ → ا, ؤ → و, ئ → ي); ٱ ٲ ٳ → ا; high hamza U+0674 removed;
//     ى → ي; ة → ه; Persian/Urdu ی → ي, ک → ك, ۀ/ہ/ۃ → ه, so Persian text
//     matches the Arabic spelling of shared words;
//   - every decimal digit (Nd) of any script, notably Arabic-Indic ٠-٩ and
//     Persian ۰-۹, becomes its ASCII digit;
//   - a few letters that have no decomposition but are "accented" to a
//     searcher: ı→i, ł→l, ø→o, đ→d, ħ→h, ŧ→t, æ→ae, œ→oe; the modifier
//     apostrophe ʼ (U+02BC) becomes ' (so Ukrainian м'ясо and мʼясо agree);
//   - format characters (Cf: bidi marks, soft hyphen, BOM, ZWJ…) are removed,
//     except ZWNJ which is kept for the tokenizer; ZWSP becomes a space;
//   - NFC recomposition.
//
// Normalize is idempotent: Normalize(Normalize(s)) == Normalize(s).
// Pure lower-case ASCII input is returned unchanged without allocating.
//
// The function is lossy by design: "año" matches "ano", "й" matches "и",
// "Müller" matches "Muller" (not "Mueller").
func Normalize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			break
		}
		i++
	}
	if i == len(s) {
		return s
	}
	return normalizeFast(s, i)
}

// normalizeFast produces exactly normalizeSlow(s) (FuzzNormalize checks
// this), but handles most runes with a table lookup instead of running the
// x/text transformers over the whole string. s[:done] is known to be
// lower-case ASCII.
//
// A rune is "simple" if normalizeSlow maps it, in isolation, to exactly one
// rune, and neither the rune nor its image can combine with anything on its
// left (norm BoundaryBefore). Runs of other ("complex") runes are sent to
// normalizeSlow together with the simple rune just before them, which they
// might combine with (e.g. "e" + U+0301). Simple runes never interact with
// what follows a complex run, so the pieces can be normalised separately.
func normalizeFast(s string, done int) string {
	tab := fastTable()
	b := make([]byte, done, len(s)+8)
	copy(b, s[:done])
	lastStart, lastOut := -1, 0 // input offset / output length before the previous rune, if it was simple
	if done > 0 {
		lastStart, lastOut = done-1, done-1
	}
	for i := done; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			lastStart, lastOut = i, len(b)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if int(r) < len(tab) && tab[r] != 0 {
			lastStart, lastOut = i, len(b)
			b = utf8.AppendRune(b, rune(tab[r]-1))
			i += size
			continue
		}
		// Complex run: from the previous simple rune (if any) up to the next
		// simple rune.
		start := i
		if lastStart >= 0 {
			start = lastStart
			b = b[:lastOut]
		}
		j := i + size
		for j < len(s) && s[j] >= utf8.RuneSelf {
			r2, size2 := utf8.DecodeRuneInString(s[j:])
			if int(r2) < len(tab) && tab[r2] != 0 {
				break
			}
			j += size2
		}
		b = append(b, normalizeSlow(s[start:j])...)
		lastStart = -1
		i = j
	}
	return string(b)
}

// fastTableSize bounds the rune table: it covers Latin, Greek, Cyrillic,
// Armenian, Hebrew, Arabic, Syriac, Thaana, N'Ko, Indic, Thai, Georgian,
// Hangul Jamo, Ethiopic, … (U+0000–U+2FFF). Runes above it always take the
// slow path, which is correct, only slower.
const fastTableSize = 0x3000

// fastTable maps rune → (simple image + 1), or 0 if the rune is not simple.
// It is computed once, lazily (~10 ms), from normalizeSlow itself.
var fastTable = sync.OnceValue(func() []uint32 {
	t := make([]uint32, fastTableSize)
	for r := rune(utf8.RuneSelf); r < fastTableSize; r++ {
		s := string(r)
		if !norm.NFC.PropertiesString(s).BoundaryBefore() || !norm.NFKD.PropertiesString(s).BoundaryBefore() {
			continue
		}
		out := normalizeSlow(s)
		o, n := utf8.DecodeRuneInString(out)
		if n == 0 || n != len(out) || o == utf8.RuneError {
			continue
		}
		if !norm.NFC.PropertiesString(out).BoundaryBefore() || normalizeSlow(out) != out {
			continue
		}
		t[r] = uint32(o) + 1
	}
	return t
})

// normalizeSlow is the reference implementation of Normalize (for valid
// UTF-8 input).
func normalizeSlow(s string) string {
	s = norm.NFKD.String(s)
	if f := foldString(s); f != s {
		s = norm.NFKD.String(f)
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r < utf8.RuneSelf {
			b = append(b, byte(r))
			continue
		}
		switch {
		case r == 'ە' && hamzaAboveFollows(s[i:]):
			// ۀ (U+06C0) decomposes to ە + hamza above; Persian uses it as
			// heh + ezafe, so it is a heh. A bare ە (Kurdish) is kept.
			b = utf8.AppendRune(b, 'ه')
		case r == zwsp:
			b = append(b, ' ')
		case r == zwnj:
			b = utf8.AppendRune(b, r)
		case r == tatweel, r == '\u0674', r >= '\u06D6' && r <= '\u06ED':
			// tatweel, high hamza, Quranic annotation signs: drop.
		case unicode.Is(unicode.Cf, r):
			// bidi controls, soft hyphen, BOM, ZWJ, Arabic number signs…: drop.
		case unicode.In(r, unicode.Mn, unicode.Me):
			if !keepMark(r) {
				break
			}
			b = utf8.AppendRune(b, r)
		case unicode.Is(unicode.Nd, r):
			b = append(b, '0'+byte(digitValue(r)))
		default:
			if m, ok := letterMap[r]; ok {
				b = append(b, m...)
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return norm.NFC.String(string(b))
}

// letterMap holds the single-rune replacements applied after decomposition
// and case folding.
var letterMap = map[rune]string{
	// Arabic and Persian/Urdu letter unification.
	'ٱ': "ا", // U+0671 alef wasla
	'ٲ': "ا", // U+0672 alef with wavy hamza above
	'ٳ': "ا", // U+0673 alef with wavy hamza below
	'ى': "ي", // U+0649 alef maksura
	'ی': "ي", // U+06CC Farsi yeh
	'ک': "ك", // U+06A9 keheh (Persian kaf)
	'ة': "ه", // U+0629 taa marbuta
	'ہ': "ه", // U+06C1 heh goal (Urdu)
	'ۃ': "ه", // U+06C3 teh marbuta goal
	// Letters with a stroke / ligatures without a decomposition.
	'ı': "i",
	'ł': "l",
	'ø': "o",
	'đ': "d",
	'ħ': "h",
	'ŧ': "t",
	'æ': "ae",
	'œ': "oe",
	'ʼ': "'", // U+02BC modifier letter apostrophe
}

// keepMark reports whether a nonspacing/enclosing mark survives
// normalisation: accents of the listed scripts are dropped, vowel signs of
// other scripts (Devanagari, Bengali, Thai, …) are kept.
func keepMark(r rune) bool {
	return !unicode.In(r, unicode.Inherited, unicode.Latin, unicode.Greek, unicode.Cyrillic,
		unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko, unicode.Common)
}

// hamzaAboveFollows reports whether U+0654 occurs among the combining marks
// at the start of s.
func hamzaAboveFollows(s string) bool {
	for _, r := range s {
		if r == '\u0654' {
			return true
		}
		if !unicode.In(r, unicode.Mn, unicode.Me) {
			return false
		}
	}
	return false
}

// digitValue returns the value of a decimal digit (Nd). Unicode guarantees
// that Nd characters come in contiguous runs of ten, from 0 to 9.
func digitValue(r rune) int {
	n := 0
	for unicode.Is(unicode.Nd, r-1) {
		r--
		n++
	}
	return n % 10
}

// foldString case-folds s rune by rune; see Normalize.
func foldString(s string) string {
	for i, r := range s {
		if fold(r) != r {
			b := make([]byte, i, len(s)+8)
			copy(b, s[:i])
			for _, r := range s[i:] {
				if r == 'ß' || r == 'ẞ' {
					b = append(b, "ss"...)
				} else {
					b = utf8.AppendRune(b, fold(r))
				}
			}
			return string(b)
		}
	}
	return s
}

func fold(r rune) rune {
	if r == 'ß' || r == 'ẞ' {
		return -1 // always "changes": becomes "ss"
	}
	return unicode.ToLower(unicode.ToUpper(r))
}
