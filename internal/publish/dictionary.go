package publish

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/i18n"
)

// The data dictionary is written in the reader's language: every
// sentence, heading and meaning comes from the publish.<lang>.json
// catalogues (keys publish.dict.*). What programs match on stays as it
// is in every language: file paths, column names, HXL hashtags, codes
// and IOM's own column names. The data files themselves are not
// translated (their notices, SuppressedNotice and Notice, stay English):
// they are for programs, and a file must not change with the reader.

// dictKey is the prefix of the dictionary's catalogue keys.
const dictKey = "publish.dict."

// jsonShape is the top-level shape of incidents.json, as the dictionary
// shows it: member names, not text, so the same in every language.
const jsonShape = `{"notice", "suppression_notice", "dictionary", "records": [...]}`

// dataFilters lists the query parameters of the data files.
const dataFilters = "year, type, source, route, country, bbox=minLon,minLat,maxLon,maxLat"

// unitKeys names the catalogue key of each dataColumn Units value (the
// English text columns.go gives); a test checks that none is missing.
var unitKeys = map[string]string{
	"date, YYYY-MM-DD":        dictKey + "unit.date",
	"year":                    dictKey + "unit.year",
	"month":                   dictKey + "unit.month",
	"decimal degrees, WGS 84": dictKey + "unit.degrees",
	"people":                  dictKey + "unit.people",
}

// colKey is the catalogue key of a data column's meaning.
func colKey(name string) string { return dictKey + "col." + name }

// mmpKey is the catalogue key of an mmp.csv column's meaning: "Number
// Dead" is publish.dict.mmp.number_dead.
func mmpKey(column string) string {
	return dictKey + "mmp." + strings.ToLower(strings.ReplaceAll(column, " ", "_"))
}

// englishDict is the English localizer, for callers without a request.
var englishDict = sync.OnceValues(func() (*i18n.Localizer, error) {
	b, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	return b.Localizer(i18n.Fallback), nil
})

// WriteDictionary writes the data dictionary of the open data as plain
// text in l's language (English when l is nil): the files, every column
// with its meaning, HXL hashtag and units, how this organisation's
// records were coarsened, and the licences.
func WriteDictionary(w io.Writer, cfg Config, l *i18n.Localizer) error {
	if l == nil {
		var err error
		if l, err = englishDict(); err != nil {
			return err
		}
	}
	t := func(key string, a ...any) string { return l.T(dictKey+key, a...) }
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("%s\n\n", t("title"))
	p("%s\n%s\n\n", t("h.licence"), wrap(t("notice", cfg.Attribution, cfg.Licence)))
	p("%s\n", t("h.files"))
	p("  /data/incidents.csv      %s\n", t("file.csv"))
	p("  /data/incidents.geojson  %s\n", t("file.geojson"))
	p("  /data/incidents.json     %s\n", t("file.json", jsonShape))
	p("  /data/mmp.csv            %s\n", t("file.mmp"))
	p("  %s\n", t("filters", dataFilters))
	p("  %s\n", t("empty"))
	p("%s\n\n", indent(wrap(t("language")), "  "))
	p("%s\n", t("h.coarsening"))
	p("%s\n\n", wrap(coarseningText(cfg, l)))
	p("%s\n%s\n\n", t("h.suppression"), wrap(t("suppression")))
	p("%s\n", t("h.columns"))
	for _, c := range dataColumns {
		units := "-"
		if c.Units != "" {
			units = c.Units
			if k, ok := unitKeys[c.Units]; ok {
				units = l.T(k)
			}
		}
		p("  %s\n    HXL: %s\n    %s\n%s\n", c.Name, c.HXL, t("units", units), indent(wrap(l.T(colKey(c.Name))), "    "))
	}
	p("\n%s\n", t("h.mmp"))
	p("%s\n", indent(wrap(t("mmp.intro")), "  "))
	for _, c := range mmpColumns2019 {
		p("  %s\n%s\n", c, indent(wrap(l.T(mmpKey(c))), "    "))
	}
	return bw.Flush()
}

// coarseningText says, in l's language, how cfg coarsens this
// organisation's records before they are published.
func coarseningText(cfg Config, l *i18n.Localizer) string {
	t := func(key string, a ...any) string { return l.T(dictKey+key, a...) }
	place := t("coarsen.place_admin")
	if cfg.Place != PlaceAdmin {
		place = t("coarsen.place_grid", localNumber(l, cfg.GridKm))
	}
	var dates string
	switch cfg.TimeUnit {
	case UnitDay:
		dates = t("coarsen.day")
	case UnitMonth:
		dates = t("coarsen.month")
	default: // Validate allows only day, week and month; week is the default
		dates = t("coarsen.week")
	}
	return strings.Join([]string{t("coarsen.published"), place, dates, t("coarsen.origins", cfg.K), t("coarsen.nothing_else")}, " ")
}

// localNumber writes v as %g does, with the language's decimal mark.
func localNumber(l *i18n.Localizer, v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if mark := l.T(dictKey + "decimal_mark"); mark != "." && mark != dictKey+"decimal_mark" {
		s = strings.Replace(s, ".", mark, 1)
	}
	return s
}

// wrap folds text at about 100 characters (not bytes: Arabic takes two
// bytes a letter). A word that opens with ; : ! ? or » never starts a
// line, nor does one follow a lone «: French spaces its punctuation.
func wrap(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		if n := len(words); n > 0 && (strings.ContainsRune(";:!?»", []rune(w)[0]) || strings.HasSuffix(words[n-1], "«")) {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	var b strings.Builder
	n := 0
	for _, w := range words {
		wl := utf8.RuneCountInString(w)
		if n > 0 && n+wl > 100 {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += wl
	}
	return b.String()
}

func indent(s, pre string) string { return pre + strings.ReplaceAll(s, "\n", "\n"+pre) }
