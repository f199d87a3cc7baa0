package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTokenRunes caps the length of a term. Longer words (URLs, base64,
// German compounds beyond reason) are cut to their first maxTokenRunes runes,
// on both the document and the query side; with prefix matching this loses
// nothing a human would type.
const maxTokenRunes = 64

// minArticleStem is the shortest stem (in runes) a query word is reduced to
// when its Arabic article is stripped; documents index stems from 2 runes.
const minArticleStem = 3

// arabicArticles are the definite-article proclitics (after Normalize) whose
// removal is also indexed: ال "the", وال "and the", بال "with the",
// كال "like the", فال "so the", لل "for the". Their first letters differ, so
// at most one applies at a time.
var arabicArticles = [...]string{"ال", "وال", "بال", "كال", "فال", "لل"}

// Tokenize returns the terms under which a document containing s is indexed.
// s is normalised first (see Normalize); tokens are then the maximal runs of
// letters, numbers and combining marks (Unicode-aware, so Arabic, Persian,
// Cyrillic, Devanagari… words stay whole). Everything else separates words:
// spaces, punctuation, symbols, apostrophes, hyphens ("l'école" → "ecole",
// "Jean-Pierre" → "jean", "pierre").
//
// Decisions:
//
//   - One-rune tokens are dropped unless the rune is a number or an ideograph:
//     "a", "y", "l'", Arabic و standing alone are noise, but "5" (a floor, an
//     age) and 水 are words. Queries drop them too, so "a" alone finds nothing.
//   - Tokens are cut to 64 runes.
//   - Persian ZWNJ (U+200C) joins the parts of one word (می‌خواهم): the word is
//     indexed both joined ("میخواهم", as people type it without ZWNJ) and as
//     its parts ("می", "خواهم", as people type it with a space).
//   - An Arabic word carrying the definite article is also indexed without
//     it (الكتاب → also كتاب; والعنف → also عنف), so a search for كتاب finds
//     الكتاب. A word that merely starts with these letters gets a spurious
//     extra term (والدين "parents" → also دين "religion"): a known, accepted
//     over-match of light Arabic stemming.
//   - Scripts written without spaces between words (Thai, Lao, Khmer,
//     Myanmar, Chinese, Japanese) are not segmented: a run of such text is
//     one term, found only by a prefix of the run.
//   - Duplicates are not removed.
func Tokenize(s string) []string {
	return appendTerms(nil, Normalize(s), false)
}

// queryTerms returns the distinct terms of a query, ready to be matched as
// prefixes: same splitting as Tokenize, but a ZWNJ word is used joined
// only, an Arabic article is stripped (if the stem keeps minArticleStem
// runes), and a term that is a prefix of another query term is dropped
// (it is implied under AND-of-prefixes).
func queryTerms(q string) []string {
	ts := appendTerms(nil, Normalize(q), true)
	slices.Sort(ts)
	ts = slices.Compact(ts)
	out := ts[:0]
	for i, t := range ts {
		if i+1 < len(ts) && strings.HasPrefix(ts[i+1], t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// docTerms returns the sorted, distinct terms of a document's fields.
func docTerms(fields []string) []string {
	var ts []string
	for _, f := range fields {
		ts = appendTerms(ts, Normalize(f), false)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// appendTerms splits normalised text n and appends its terms to dst.
func appendTerms(dst []string, n string, query bool) []string {
	if dst == nil {
		dst = make([]string, 0, len(n)/8+1)
	}
	for i := 0; i < len(n); {
		start, hasZWNJ := i, false
		for i < len(n) {
			if c := n[i]; c < utf8.RuneSelf {
				if !asciiWord[c] {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(n[i:])
			if r == zwnj {
				hasZWNJ = true
			} else if !isWordRune(r) {
				break
			}
			i += size
		}
		if i == start { // a separator
			if n[i] < utf8.RuneSelf {
				i++
			} else {
				_, size := utf8.DecodeRuneInString(n[i:])
				i += size
			}
			continue
		}
		word := n[start:i]
		if !hasZWNJ {
			dst = appendWord(dst, word, query)
			continue
		}
		dst = appendWord(dst, strings.ReplaceAll(word, string(zwnj), ""), query)
		if !query {
			parts := strings.FieldsFunc(word, func(r rune) bool { return r == zwnj })
			if len(parts) > 1 {
				for _, p := range parts {
					dst = appendWord(dst, p, false)
				}
			}
		}
	}
	return dst
}

// appendWord appends the term(s) of one word.
func appendWord(dst []string, w string, query bool) []string {
	if query {
		for {
			st, ok := stripArticle(w)
			if !ok || utf8.RuneCountInString(st) < minArticleStem {
				break
			}
			w = st
		}
		return appendToken(dst, w)
	}
	dst = appendToken(dst, w)
	for {
		st, ok := stripArticle(w)
		if !ok || utf8.RuneCountInString(st) < 2 {
			return dst
		}
		dst = appendToken(dst, st)
		w = st
	}
}

// appendToken truncates t and appends it if it is long enough to be a term.
func appendToken(dst []string, t string) []string {
	if len(t) > 4 && len(t) <= maxTokenRunes { // 2 to 64 runes: the usual case
		return append(dst, t)
	}
	n := 0
	for i := range t {
		if n == maxTokenRunes {
			t = t[:i]
			break
		}
		n++
	}
	switch n {
	case 0:
		return dst
	case 1:
		r, _ := utf8.DecodeRuneInString(t)
		if !unicode.IsNumber(r) && !unicode.Is(unicode.Ideographic, r) {
			return dst
		}
	}
	return append(dst, t)
}

func stripArticle(w string) (string, bool) {
	if len(w) < 4 || w[0] < utf8.RuneSelf {
		return "", false
	}
	for _, a := range arabicArticles {
		if strings.HasPrefix(w, a) {
			return w[len(a):], true
		}
	}
	return "", false
}

// isWordRune reports whether r is part of a word: letters, numbers and
// combining marks (vowel signs of Indic scripts are marks).
func isWordRune(r rune) bool {
	if r < fastTableSize {
		return wordBits[r>>6]&(1<<(r&63)) != 0
	}
	return isWordRuneSlow(r)
}

func isWordRuneSlow(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// wordBits caches isWordRuneSlow below fastTableSize; asciiWord is the
// ASCII part as a byte table.
var (
	wordBits = func() (b [fastTableSize / 64]uint64) {
		for r := rune(0); r < fastTableSize; r++ {
			if isWordRuneSlow(r) {
				b[r>>6] |= 1 << (r & 63)
			}
		}
		return b
	}()
	asciiWord = func() (a [utf8.RuneSelf]bool) {
		for c := range a {
			a[c] = isWordRuneSlow(rune(c))
		}
		return a
	}()
)
