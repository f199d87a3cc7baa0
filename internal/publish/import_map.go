package publish

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/faro-project/faro/internal/mmp"
)

// mapRow turns one row read by the mmp package into a public record, as the
// source published it: counts stay nil when the cell was empty, text is
// the cell (trimmed), and Raw keeps every cell exactly as written.
func mapRow(source string, row *mmp.HXLRow) Record {
	m := &row.Record
	r := Record{
		Source:   source,
		SourceID: m.SourceID,
		Type:     incidentType(m),
		Lat:      m.Lat, Lon: m.Lon,
		Place:          firstNonEmpty(m.Location, row.Adm2, row.Adm1),
		Country:        firstNonEmpty(m.CountryOfIncident, row.CountryCode),
		Region:         m.Region,
		Route:          m.Route,
		Cause:          m.CauseOfDeath,
		Dead:           m.Dead,
		Missing:        m.Missing,
		DeadAndMissing: deadAndMissing(m),
		Survivors:      m.Survivors,
		Females:        m.Females,
		Males:          m.Males,
		Minors:         m.Children,
		Origins:        m.CountryOfOrigin,
		Summary:        row.Description,
		URL:            m.URL,
		Raw:            EncodeRaw(m.Columns, m.Cells),
	}
	if source == SourceMMP {
		r.Attribution, r.Licence = MMPAttribution, MMPLicence
	} else {
		r.Attribution = firstNonEmpty(row.Org, m.InfoSource)
	}
	if m.ReportedYear != nil {
		r.Year = *m.ReportedYear
	}
	switch {
	case !m.IncidentDate.IsZero():
		r.OccurredOn = m.IncidentDate.Format("2006-01-02")
		r.DatePrecision = m.DatePrecision
		r.Month = int(m.IncidentDate.Month())
	case r.Year != 0:
		r.OccurredOn = fmt.Sprintf("%04d-01-01", r.Year)
		r.DatePrecision = "year"
	}
	return r
}

// incidentType is the source's own type when it has one (the newer MMP
// layout's Incident Type, HXL #event+type); else "death" when anyone died,
// "disappearance" when people are only missing, "" when neither is known.
func incidentType(m *mmp.Record) string {
	switch {
	case m.IncidentType != "":
		return m.IncidentType
	case m.Dead != nil && *m.Dead > 0:
		return "death"
	case m.Missing != nil && *m.Missing > 0:
		return "disappearance"
	}
	return ""
}

// deadAndMissing is the source's total when it has one; else dead plus
// missing when both are known; else unknown (nil): a missing count is not
// zero.
func deadAndMissing(m *mmp.Record) *int {
	switch {
	case m.TotalDeadMissing != nil:
		return m.TotalDeadMissing
	case m.Dead != nil && m.Missing != nil:
		n := *m.Dead + *m.Missing
		return &n
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// EncodeRaw is the form of Record.Raw for imported rows: a JSON array of
// [column, cell] pairs in the file's order, every cell exactly as
// published, so that the row can be written again in the source's layout:
// [["Web ID","52673"],["Region of Incident","Mediterranean"],...].
func EncodeRaw(columns, cells []string) string {
	if len(cells) == 0 {
		return ""
	}
	pairs := make([][2]string, len(cells))
	for i, c := range cells {
		if i < len(columns) {
			pairs[i][0] = columns[i]
		}
		pairs[i][1] = c
	}
	b, err := json.Marshal(pairs)
	if err != nil {
		// Cannot happen: the reader gives valid UTF-8 strings.
		panic(err)
	}
	return string(b)
}

// ErrRaw: Record.Raw is not what EncodeRaw writes.
var ErrRaw = errors.New("publish: raw row is not a JSON array of [column, cell] pairs")

// DecodeRaw reads Record.Raw back into the file's columns and cells, in
// order. An empty Raw (Faro's own records) gives nil, nil.
func DecodeRaw(raw string) (columns, cells []string, err error) {
	if raw == "" {
		return nil, nil, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(raw), &pairs); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrRaw, err)
	}
	columns, cells = make([]string, len(pairs)), make([]string, len(pairs))
	for i, p := range pairs {
		columns[i], cells[i] = p[0], p[1]
	}
	return columns, cells, nil
}
