package publish

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The open data writers stream: each record is written as Store.Each
// yields it, through a fixed-size buffer, so memory does not grow with
// the dataset (docs/performance-publish.md has the measurements).

// IOMNotice is the credit IOM's licence asks for.
const IOMNotice = `Data from the IOM Missing Migrants Project (source "iom-mmp") are published by the International Organization for Migration under CC BY 4.0; credit "IOM Missing Migrants Project".`

// Notice is the licence and attribution notice of the open data: IOM's,
// and this organisation's own (from cfg, defaults filled).
func Notice(cfg Config) string {
	return IOMNotice + " Records documented by " + cfg.Attribution + ` (source "faro") are published under ` + cfg.Licence +
		`; credit "` + cfg.Attribution + `". Every record carries its own attribution and licence.`
}

// WriteCSV writes the records matching f as CSV: a header row, an HXL
// hashtag row, then one row per record.
func WriteCSV(ctx context.Context, w io.Writer, s *Store, f Filter) error {
	cw := csv.NewWriter(w) // buffered: flushes each 4 KiB
	head := make([]string, len(dataColumns))
	for i, c := range dataColumns {
		head[i] = c.Name
	}
	cw.Write(head)
	for i, c := range dataColumns {
		head[i] = c.HXL
	}
	cw.Write(head)
	row := make([]string, len(dataColumns))
	err := s.Each(ctx, f, func(r *Record) error {
		for i := range dataColumns {
			row[i] = csvSafe(dataColumns[i].cell(r))
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses a cell a spreadsheet would run as a formula (imported
// text is not ours to trust): a leading =, +, @, tab, carriage return, or
// a - not starting a number, gets an apostrophe. Negative numbers and
// coordinates are left alone. Cells re-emitted in IOM's layout from IOM's
// own row are not touched: they must match IOM's file exactly.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
	case '-':
		if len(s) > 1 && (s[1] >= '0' && s[1] <= '9' || s[1] == '.') {
			return s
		}
	default:
		return s
	}
	return "'" + s
}

// WriteMMP writes deaths and disappearances in the column layout of the
// IOM Missing Migrants Project's 2019 export. Rows imported from IOM are
// re-emitted from the cells IOM published (Raw), so their numbers match
// IOM's row by row; a column the stored row lacks (a newer layout) and
// this organisation's own records are filled from the public fields.
// Records that count no dead and no missing are left out.
func WriteMMP(ctx context.Context, w io.Writer, s *Store, f Filter) error {
	cw := csv.NewWriter(w)
	cw.Write(mmpColumns2019)
	row := make([]string, len(mmpColumns2019))
	err := s.Each(ctx, f, func(r *Record) error {
		if r.Source != SourceMMP && !countsDeaths(r) {
			return nil
		}
		mmpRow(r, row)
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func countsDeaths(r *Record) bool {
	pos := func(p *int) bool { return p != nil && *p > 0 }
	return pos(r.Dead) || pos(r.Missing) || pos(r.DeadAndMissing)
}

// foldName folds a header for matching: letters and digits, lower case.
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// mmpRow fills row (in mmpColumns2019 order) for r.
func mmpRow(r *Record, row []string) {
	raw := rawCells(r.Raw)
	var folded map[string]string
	for i, col := range mmpColumns2019 {
		if v, ok := raw[col]; ok {
			row[i] = v
			continue
		}
		if raw != nil {
			if folded == nil {
				folded = make(map[string]string, len(raw))
				for k, v := range raw {
					folded[foldName(k)] = v
				}
			}
			if v, ok := folded[foldName(col)]; ok {
				row[i] = v
				continue
			}
		}
		row[i] = csvSafe(mmpField(r, col))
	}
}

// rawCells reads a stored source row into header → cell: the
// importer's array of [column, cell] pairs in file order, or an object of
// header → cell. An empty or unreadable Raw gives nil (the public fields
// are used instead).
func rawCells(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	var pairs [][2]string
	if json.Unmarshal([]byte(raw), &pairs) == nil {
		m := make(map[string]string, len(pairs))
		for _, p := range pairs {
			m[strings.TrimPrefix(strings.TrimSpace(p[0]), "\ufeff")] = p[1]
		}
		return m
	}
	var m map[string]string
	if json.Unmarshal([]byte(raw), &m) == nil {
		return m
	}
	return nil
}

func itoaPtr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// mmpField maps a public field to an MMP 2019 column.
func mmpField(r *Record, col string) string {
	switch col {
	case "Web ID":
		return r.SourceID
	case "Region of Incident":
		return r.Region
	case "Reported Date":
		if t, err := time.Parse("2006-01-02", r.OccurredOn); err == nil {
			return t.Format("January 2, 2006")
		}
	case "Reported Year":
		if r.Year != 0 {
			return strconv.Itoa(r.Year)
		}
	case "Reported Month":
		if r.Month >= 1 && r.Month <= 12 {
			return time.Month(r.Month).String()[:3]
		}
	case "Number Dead":
		return itoaPtr(r.Dead)
	case "Minimum Estimated Number of Missing":
		return itoaPtr(r.Missing)
	case "Total Dead and Missing":
		return itoaPtr(r.DeadAndMissing)
	case "Number of Survivors":
		return itoaPtr(r.Survivors)
	case "Number of Females":
		return itoaPtr(r.Females)
	case "Number of Males":
		return itoaPtr(r.Males)
	case "Number of Children":
		return itoaPtr(r.Minors)
	case "Cause of Death":
		return r.Cause
	case "Location Description":
		return r.Place
	case "Information Source":
		return r.Attribution
	case "Location Coordinates":
		if r.Lat != nil && r.Lon != nil {
			return strconv.FormatFloat(*r.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(*r.Lon, 'f', -1, 64)
		}
	case "Migration Route":
		return r.Route
	case "URL":
		return r.URL
	}
	return ""
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// appendRecordJSON appends r as a JSON object of the public columns.
func appendRecordJSON(b []byte, r *Record, skip func(*dataColumn) bool) []byte {
	b = append(b, '{')
	first := true
	for i := range dataColumns {
		c := &dataColumns[i]
		if skip != nil && skip(c) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, c.Name)
		b = append(b, ':')
		b = c.appendJSON(b, r)
	}
	return append(b, '}')
}

// WriteJSON writes {"notice": …, "dictionary": …, "records": [...]}.
func WriteJSON(ctx context.Context, w io.Writer, s *Store, f Filter, notice string) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	b := []byte(`{"notice":`)
	b = appendJSONString(b, notice)
	b = append(b, `,"suppression_notice":`...)
	b = appendJSONString(b, SuppressedNotice)
	b = append(b, `,"dictionary":"/data/dictionary","records":[`...)
	bw.Write(b)
	n := 0
	err := s.Each(ctx, f, func(r *Record) error {
		b = b[:0]
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '\n')
		b = appendRecordJSON(b, r, nil)
		_, err := bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// WriteGeoJSON writes an RFC 7946 FeatureCollection: one Feature per
// record, geometry a Point [lon, lat], or null for a record without a
// published position, and the public columns as properties.
func WriteGeoJSON(ctx context.Context, w io.Writer, s *Store, f Filter, notice string) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	b := []byte(`{"type":"FeatureCollection","notice":`)
	b = appendJSONString(b, notice)
	b = append(b, `,"features":[`...)
	bw.Write(b)
	geom := func(c *dataColumn) bool { return c.kind == colFloat }
	n := 0
	err := s.Each(ctx, f, func(r *Record) error {
		b = b[:0]
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, "\n{\"type\":\"Feature\",\"id\":"...)
		b = strconv.AppendInt(b, r.ID, 10)
		b = append(b, `,"geometry":`...)
		if r.Lat != nil && r.Lon != nil {
			b = append(b, `{"type":"Point","coordinates":[`...)
			b = strconv.AppendFloat(b, *r.Lon, 'f', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, *r.Lat, 'f', -1, 64)
			b = append(b, "]}"...)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"properties":`...)
		b = appendRecordJSON(b, r, geom)
		b = append(b, '}')
		_, err := bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
