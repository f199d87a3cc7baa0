// Package i18n holds Faro's message catalogues and picks the language for a
// request. Every string a user sees comes from a catalogue; a test fails
// when a template holds literal text or a catalogue lacks a key.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

//go:embed catalog/*.json
var catalogFS embed.FS

// Message is one catalogue entry: either a single text or one text per
// plural category.
type Message struct {
	Text   string
	Plural map[string]string
}

// UnmarshalJSON accepts "text" or {"one": "…", "other": "…"}.
func (m *Message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.Text)
	}
	return json.Unmarshal(b, &m.Plural)
}

// Bundle is every catalogue, loaded once at start.
type Bundle struct {
	langs    []string // catalogue codes, English first
	catalogs map[string]map[string]Message
	matcher  language.Matcher
}

// Fallback is the language whose catalogue is complete by definition.
const Fallback = "en"

// rtl lists scripts written right to left among languages Faro may carry.
var rtl = map[string]bool{"ar": true, "fa": true, "he": true, "ur": true, "ps": true, "ckb": true}

// Load reads the embedded catalogues.
func Load() (*Bundle, error) { return LoadFS(catalogFS, "catalog") }

// LoadFS reads every <lang>.json and <area>.<lang>.json under dir.
func LoadFS(fsys fs.FS, dir string) (*Bundle, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	b := &Bundle{catalogs: map[string]map[string]Message{}}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var cat map[string]Message
		if err := json.Unmarshal(data, &cat); err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", f, err)
		}
		// <lang>.json or <area>.<lang>.json: each domain may keep its own
		// file, merged into one catalogue per language.
		name := strings.TrimSuffix(path.Base(f), ".json")
		lang := name[strings.LastIndex(name, ".")+1:]
		if b.catalogs[lang] == nil {
			b.catalogs[lang] = map[string]Message{}
			b.langs = append(b.langs, lang)
		}
		for k, m := range cat {
			if _, dup := b.catalogs[lang][k]; dup {
				return nil, fmt.Errorf("catalogue %s: key %q is also in another %s file", f, k, lang)
			}
			b.catalogs[lang][k] = m
		}
	}
	if _, ok := b.catalogs[Fallback]; !ok {
		return nil, fmt.Errorf("no %s catalogue", Fallback)
	}
	sort.Slice(b.langs, func(i, j int) bool {
		if b.langs[i] == Fallback || b.langs[j] == Fallback {
			return b.langs[i] == Fallback
		}
		return b.langs[i] < b.langs[j]
	})
	tags := make([]language.Tag, len(b.langs))
	for i, l := range b.langs {
		tags[i] = language.MustParse(l)
	}
	b.matcher = language.NewMatcher(tags)
	return b, nil
}

// Langs lists the available languages, English first.
func (b *Bundle) Langs() []string { return b.langs }

// Has reports whether lang has a catalogue.
func (b *Bundle) Has(lang string) bool { _, ok := b.catalogs[lang]; return ok }

// Keys returns every key of lang's catalogue, sorted.
func (b *Bundle) Keys(lang string) []string {
	keys := make([]string, 0, len(b.catalogs[lang]))
	for k := range b.catalogs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Lookup returns the raw message for key in lang.
func (b *Bundle) Lookup(lang, key string) (Message, bool) {
	m, ok := b.catalogs[lang][key]
	return m, ok
}

// Match picks the best catalogue for the given preferences, in order: an
// explicit choice (account or cookie), then an Accept-Language header.
func (b *Bundle) Match(explicit, acceptLanguage string) string {
	if b.Has(explicit) {
		return explicit
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Fallback
	}
	_, idx, conf := b.matcher.Match(tags...)
	if conf == language.No {
		return Fallback
	}
	return b.langs[idx]
}

// Localizer translates for one language.
func (b *Bundle) Localizer(lang string) *Localizer {
	if !b.Has(lang) {
		lang = Fallback
	}
	return &Localizer{b: b, Lang: lang}
}

// Localizer renders messages in one language.
type Localizer struct {
	b    *Bundle
	Lang string
}

// Dir is the text direction of the language: "rtl" or "ltr".
func (l *Localizer) Dir() string {
	if rtl[l.Lang] {
		return "rtl"
	}
	return "ltr"
}

// T renders key with args substituted for {1}, {2}, …. When the message is
// plural, the first argument is the count that picks the form. A key
// missing from the language falls back to English, then to the key itself
// (tests make sure neither happens).
func (l *Localizer) T(key string, args ...any) string {
	m, ok := l.b.catalogs[l.Lang][key]
	lang := l.Lang
	if !ok {
		m, ok = l.b.catalogs[Fallback][key]
		lang = Fallback
		if !ok {
			return key
		}
	}
	text := m.Text
	if m.Plural != nil {
		n := 0
		if len(args) > 0 {
			n, _ = toInt(args[0])
		}
		text, ok = m.Plural[PluralCategory(lang, n)]
		if !ok {
			text = m.Plural[Other]
		}
	}
	return substitute(text, args)
}

func substitute(text string, args []any) string {
	if len(args) == 0 || !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i+1)+"}", fmt.Sprint(a))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case uint:
		return int(n), true
	}
	return 0, false
}

// Name returns the language's own name for itself, for the switcher.
func (b *Bundle) Name(lang string) string {
	if m, ok := b.catalogs[lang]["lang.self"]; ok {
		return m.Text
	}
	return lang
}
