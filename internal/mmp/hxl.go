package mmp

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// HXLRow is one row of a CSV file tagged with HXL hashtags
// (https://hxlstandard.org/): the fields an MMP Record has, found by
// hashtag instead of column name, and a few more that generic humanitarian
// data carries.
type HXLRow struct {
	Record
	CountryCode    string // #country+code, upper case (ISO 3166 alpha-2 or alpha-3, as given)
	Adm1, Adm1Code string // #adm1+name, #adm1+code
	Adm2, Adm2Code string // #adm2+name, #adm2+code
	Org            string // #org, #org+name
	Injured        *int   // #affected+injured
	Description    string // #description
}

// hxlTags lists the hashtags ReadHXL understands. A column matches when its
// hashtag has exactly these attributes, in any order, not counting
// language (+i_xx) and vocabulary (+v_xxx) attributes: #affected+killed is
// the number killed, #affected+killed+f is a number of women killed and is
// reported as unknown rather than read as the total. The MMP copy on HDX
// uses the #web+id ... #meta+source+quality set.
var hxlTags = map[field][]string{
	fID:            {"#event+id", "#event+code", "#web+id", "#meta+id"},
	fIncidentID:    {"#event+id+incident"},
	fType:          {"#event+type"},
	fRegion:        {"#region", "#region+name", "#region+incident"},
	fDate:          {"#date", "#date+occurred", "#date+incident", "#date+reported"},
	fYear:          {"#date+year"},
	fMonth:         {"#date+month"},
	fDead:          {"#affected+killed", "#affected+dead"},
	fMissing:       {"#affected+missing"},
	fTotal:         {"#affected+killed+missing", "#affected+dead+missing", "#affected+killed+missing+total"},
	fSurvivors:     {"#affected+survivors"},
	fFemales:       {"#affected+f"},
	fMales:         {"#affected+m"},
	fChildren:      {"#affected+children"},
	fInjured:       {"#affected+injured"},
	fCause:         {"#cause", "#cause+type"},
	fLocation:      {"#loc", "#loc+name", "#loc+description"},
	fSource:        {"#meta+source", "#meta+source+name"},
	fCoords:        {"#geo+coord"},
	fLat:           {"#geo+lat"},
	fLon:           {"#geo+lon", "#geo+long", "#geo+lng"},
	fRoute:         {"#route", "#route+name", "#route+description"},
	fURL:           {"#meta+url"},
	fUNSD:          {"#region+unsd", "#region+unsd+name"},
	fQuality:       {"#meta+source+quality"},
	fOriginCountry: {"#country+origin", "#country+name+origin"},
	fOriginRegion:  {"#region+origin", "#region+name+origin"},
	fCountry:       {"#country", "#country+name", "#country+event"},
	fCountryCode:   {"#country+code"},
	fAdm1:          {"#adm1", "#adm1+name"},
	fAdm1Code:      {"#adm1+code"},
	fAdm2:          {"#adm2", "#adm2+name"},
	fAdm2Code:      {"#adm2+code"},
	fOrg:           {"#org", "#org+name"},
	fDescription:   {"#description"},
}

// hxlFields maps normalised hashtags (see normaliseHashtag) to fields.
var hxlFields = func() map[string]field {
	m := map[string]field{}
	for f, tags := range hxlTags {
		for _, t := range tags {
			k, ok := normaliseHashtag(t)
			if !ok {
				panic("mmp: bad hashtag in table: " + t)
			}
			if _, dup := m[k]; dup {
				panic("mmp: hashtag twice in table: " + t)
			}
			m[k] = f
		}
	}
	return m
}()

// normaliseHashtag lower-cases a hashtag spec, drops spaces and language
// and vocabulary attributes, and sorts the other attributes:
// "#Affected +missing +killed" → "#affected+killed+missing".
func normaliseHashtag(s string) (string, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	if !strings.HasPrefix(s, "#") {
		return "", false
	}
	parts := strings.Split(s[1:], "+")
	for _, p := range parts {
		if !hxlName(p) {
			return "", false
		}
	}
	attrs := slices.DeleteFunc(parts[1:], func(a string) bool {
		return strings.HasPrefix(a, "i_") || strings.HasPrefix(a, "v_")
	})
	slices.Sort(attrs)
	attrs = slices.Compact(attrs)
	return "#" + strings.Join(append([]string{parts[0]}, attrs...), "+"), true
}

// hxlName checks a hashtag or attribute name: a letter, then letters,
// digits and underscores.
func hxlName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
			return false
		}
	}
	return true
}

// ReadHXL reads a CSV file tagged with HXL hashtags with the default
// Options. See Options.ReadHXL.
func ReadHXL(r io.Reader, fn func(HXLRow) error) (Report, error) {
	return Options{}.ReadHXL(r, fn)
}

// ReadHXL reads a CSV file tagged with HXL hashtags and calls fn with each
// row it accepts, in file order. If fn returns an error, ReadHXL stops and
// returns it as is.
//
// The hashtag row is the first line, or the line right under a header of
// column names; it is the first of the two whose non-empty cells all start
// with "#". Columns are mapped by hashtag alone (hxlTags lists them);
// columns with a hashtag not in the list, or with none, are reported in
// UnknownColumns. Values are read by the same rules as in Read; an ID
// column (#event+id, #web+id ...) is not required, but when there is one,
// every row must fill it.
func (o Options) ReadHXL(r io.Reader, fn func(HXLRow) error) (Report, error) {
	o = o.withDefaults()
	rep := Report{Layout: LayoutHXL}
	src, err := openSource(r, o)
	if err != nil {
		return rep, err
	}
	first, line, err := src.next()
	if err != nil {
		return rep, headerErr(err, line)
	}
	if first == nil {
		return rep, &Error{Kind: ErrNoHashtags, Detail: "the file is empty"}
	}
	var header, tags []string
	tagLine := line
	if isHashtagRow(first) {
		tags = slices.Clone(first)
	} else {
		header = slices.Clone(first)
		second, line2, err := src.next()
		if err != nil {
			return rep, headerErr(err, line2)
		}
		if second == nil || !isHashtagRow(second) {
			return rep, &Error{Line: line + 1, Kind: ErrNoHashtags,
				Detail: "neither the first line nor the one under it is a row of HXL hashtags (cells like #date, #affected+killed)"}
		}
		tags, tagLine = slices.Clone(second), line2
	}
	rep.HXL = true
	if err := checkColumns(header, line); err != nil {
		return rep, err
	}
	if err := checkColumns(tags, tagLine); err != nil {
		return rep, err
	}
	cols, unknown, err := mapHXL(header, tags, tagLine)
	if err != nil {
		return rep, err
	}
	rep.UnknownColumns = unknown
	src.header = tags
	if header != nil {
		src.header = append(header, make([]string, max(0, len(cols)-len(header)))...)
	}
	p := newRowParser(cols, o.Now())
	return rep, src.rows(&rep, p, false, func(row *HXLRow) error { return fn(*row) })
}

// mapHXL maps columns to fields by their hashtags.
func mapHXL(header, tags []string, line int) ([]column, []string, error) {
	n := max(len(header), len(tags))
	cols := make([]column, n)
	seen := [numFields]int{}
	var unknown []string
	known := 0
	for i := range cols {
		h, t := "", ""
		if i < len(header) {
			h = strings.TrimSpace(header[i])
		}
		if i < len(tags) {
			t = strings.TrimSpace(tags[i])
		}
		switch {
		case h != "" && t != "":
			cols[i].name = h + " (" + t + ")"
		case t != "":
			cols[i].name = t
		default:
			cols[i].name = displayName(h, i)
		}
		if t == "" {
			if h != "" {
				unknown = append(unknown, h+" (no hashtag)")
			}
			continue
		}
		k, ok := normaliseHashtag(t)
		f, known2 := hxlFields[k]
		if !ok || !known2 {
			unknown = append(unknown, t)
			continue
		}
		if j := seen[f]; j > 0 {
			return nil, nil, &Error{Line: line, Kind: ErrColumnConflict,
				Detail: fmt.Sprintf("columns %s and %s both give the %s", cols[j-1].name, cols[i].name, fieldNames[f])}
		}
		seen[f] = i + 1
		cols[i].f = f
		known++
	}
	switch {
	case known == 0:
		return nil, nil, &Error{Line: line, Kind: ErrNoHashtags, Detail: "none of the hashtags is one this importer knows (such as #date, #affected+killed, #geo+lat)"}
	case seen[fCoords] > 0 && (seen[fLat] > 0 || seen[fLon] > 0):
		return nil, nil, &Error{Line: line, Kind: ErrColumnConflict, Detail: "both #geo+coord and #geo+lat or #geo+lon give the position"}
	case (seen[fLat] > 0) != (seen[fLon] > 0):
		return nil, nil, &Error{Line: line, Kind: ErrColumnConflict, Detail: "#geo+lat and #geo+lon must come together"}
	}
	return cols, unknown, nil
}
