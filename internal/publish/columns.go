package publish

import (
	"strconv"
)

// colKind says how a column's value is written in JSON.
type colKind uint8

const (
	colText colKind = iota
	colInt
	colFloat
)

// dataColumn is one column of the open data (CSV, JSON, GeoJSON
// properties): its name, HXL hashtag, meaning and units, for the files
// and for the data dictionary alike, so that the two cannot drift apart.
type dataColumn struct {
	Name, HXL, Meaning, Units string
	kind                      colKind
	text                      func(*Record) string
	num                       func(*Record) *int
	flt                       func(*Record) *float64
}

func textCol(name, hxl, meaning, units string, f func(*Record) string) dataColumn {
	return dataColumn{Name: name, HXL: hxl, Meaning: meaning, Units: units, kind: colText, text: f}
}

func intCol(name, hxl, meaning, units string, f func(*Record) *int) dataColumn {
	return dataColumn{Name: name, HXL: hxl, Meaning: meaning, Units: units, kind: colInt, num: f}
}

func nonZero(v int) *int {
	if v == 0 {
		return nil
	}
	return &v
}

// dataColumns are the public columns, in file order. UpdatedAt and Raw
// are not among them: when a record was published could date an incident
// more finely than its coarsened date, and Raw is re-emitted only in the
// source's own layout (mmp.csv).
var dataColumns = []dataColumn{
	intCol("id", "#event+id", "Identifier of the record in this dataset. Stable while the record stays published.", "", func(r *Record) *int { v := int(r.ID); return &v }),
	textCol("source", "#meta+dataset", `Who documented the record: "faro" for this organisation's own documentation, "iom-mmp" for the IOM Missing Migrants Project, "hxl:<name>" for another imported dataset.`, "", func(r *Record) string { return r.Source }),
	textCol("source_id", "#event+code+source", "The record's identifier at its source (MMP Web ID or Main ID; for this organisation's records an opaque code that reveals nothing about the internal record).", "", func(r *Record) string { return r.SourceID }),
	textCol("type", "#event+type", "Type of incident: a code of this organisation's vocabulary, or the source's own type.", "", func(r *Record) string { return r.Type }),
	textCol("occurred_on", "#date+occurred", "First day of the period in which the incident occurred (see date_precision). Empty when not known.", "date, YYYY-MM-DD", func(r *Record) string { return r.OccurredOn }),
	textCol("date_precision", "#date+precision", `How precise occurred_on is: "day", "week" (occurred_on is the Monday of the ISO week), "month" (the first of the month) or "year". This organisation's records are coarsened on purpose.`, "", func(r *Record) string { return r.DatePrecision }),
	intCol("year", "#date+year", "Year of occurred_on.", "year", func(r *Record) *int { return nonZero(r.Year) }),
	intCol("month", "#date+month", "Month of occurred_on, 1 to 12; empty when only the year is known.", "month", func(r *Record) *int { return nonZero(r.Month) }),
	{Name: "lat", HXL: "#geo+lat", Meaning: "Latitude. For this organisation's records, the centre of the grid cell the incident is in, never its position; empty when not published.", Units: "decimal degrees, WGS 84", kind: colFloat, flt: func(r *Record) *float64 { return r.Lat }},
	{Name: "lon", HXL: "#geo+lon", Meaning: "Longitude, as lat.", Units: "decimal degrees, WGS 84", kind: colFloat, flt: func(r *Record) *float64 { return r.Lon }},
	textCol("place", "#loc+name", "Place as published: the first administrative level for this organisation's records, the source's location description otherwise.", "", func(r *Record) string { return r.Place }),
	textCol("country", "#country+name", "Country where the incident occurred: ISO 3166-1 alpha-2 code for this organisation's records, the source's name otherwise.", "", func(r *Record) string { return r.Country }),
	textCol("adm1", "#adm1+name", "First administrative level (province, region) of this organisation's records.", "", func(r *Record) string {
		if r.Source == SourceFaro {
			return r.Region
		}
		return ""
	}),
	textCol("region", "#region+name", "Region of incident as the source published it (MMP Region of Incident).", "", func(r *Record) string {
		if r.Source != SourceFaro {
			return r.Region
		}
		return ""
	}),
	textCol("route", "#route+name", "Migration route, as the source named it.", "", func(r *Record) string { return r.Route }),
	textCol("cause", "#cause", "Cause of death, as the source wrote it.", "", func(r *Record) string { return r.Cause }),
	intCol("dead", "#affected+dead", "Number of people dead. Empty means not known, not zero.", "people", func(r *Record) *int { return r.Dead }),
	intCol("missing", "#affected+missing", "Number of people missing (MMP: minimum estimated). Empty means not known.", "people", func(r *Record) *int { return r.Missing }),
	intCol("dead_and_missing", "#affected+total", "Dead and missing together. Empty means not known.", "people", func(r *Record) *int { return r.DeadAndMissing }),
	intCol("survivors", "#affected+survivors", "Number of survivors. Empty means not known.", "people", func(r *Record) *int { return r.Survivors }),
	intCol("females", "#affected+f", "Number of women and girls among the people counted. Empty means not known, or withheld (see suppressed).", "people", func(r *Record) *int { return r.Females }),
	intCol("males", "#affected+m", "Number of men and boys among the people counted. Empty means not known, or withheld (see suppressed).", "people", func(r *Record) *int { return r.Males }),
	intCol("minors", "#affected+children", "Number of children among the people counted. Empty means not known, or withheld (see suppressed).", "people", func(r *Record) *int { return r.Minors }),
	textCol("origins", "#country+origin", `Countries of origin, separated by "; ". Empty when not known or withheld (see suppressed).`, "", func(r *Record) string { return r.Origins }),
	textCol("suppressed", "#meta+suppressed", `Fields withheld from this record so that no one can be singled out, comma separated: "origins" when the nationality × place × period cell it falls in counted fewer than k people; "females,males,minors" when its place × period cell did. Empty when nothing was withheld.`, "", func(r *Record) string { return r.Suppressed }),
	textCol("summary", "#description", "Public text: for this organisation's records only a text a reviewer approved with the consent of the people concerned to be named; the source's description otherwise.", "", func(r *Record) string { return r.Summary }),
	textCol("attribution", "#meta+attribution", "Who must be credited when this record is used.", "", func(r *Record) string { return r.Attribution }),
	textCol("licence", "#meta+licence", "Licence of this record.", "", func(r *Record) string { return r.Licence }),
	textCol("url", "#meta+url", "The source's own link for the record, as published.", "", func(r *Record) string { return r.URL }),
}

// cell is a column's value as CSV text; unknown is "".
func (c *dataColumn) cell(r *Record) string {
	switch c.kind {
	case colInt:
		if p := c.num(r); p != nil {
			return strconv.Itoa(*p)
		}
		return ""
	case colFloat:
		if p := c.flt(r); p != nil {
			return strconv.FormatFloat(*p, 'f', -1, 64)
		}
		return ""
	}
	return c.text(r)
}

// appendJSON appends a column's value as JSON; unknown is null.
func (c *dataColumn) appendJSON(b []byte, r *Record) []byte {
	switch c.kind {
	case colInt, colFloat:
		if v := c.cell(r); v != "" {
			return append(b, v...)
		}
		return append(b, "null"...)
	}
	return appendJSONString(b, c.text(r))
}

// mmpColumns2019 is the header of the IOM Missing Migrants Project export
// of 2019, in its order: mmp.csv is written in this layout.
var mmpColumns2019 = []string{"Web ID", "Region of Incident", "Reported Date", "Reported Year", "Reported Month",
	"Number Dead", "Minimum Estimated Number of Missing", "Total Dead and Missing", "Number of Survivors",
	"Number of Females", "Number of Males", "Number of Children", "Cause of Death", "Location Description",
	"Information Source", "Location Coordinates", "Migration Route", "URL", "UNSD Geographical Grouping", "Source Quality"}

// mmpMeaning explains mmp.csv's columns for the dictionary.
var mmpMeaning = map[string]string{
	"Web ID":                              "The record's identifier at its source (source_id).",
	"Region of Incident":                  "MMP region; the first administrative level for this organisation's records.",
	"Reported Date":                       `As published by IOM ("December 30, 2019"); for this organisation's records the first day of the coarsened period.`,
	"Reported Year":                       "Year of the date.",
	"Reported Month":                      `Month of the date, abbreviated ("Dec").`,
	"Number Dead":                         "People dead (people). Empty means not known.",
	"Minimum Estimated Number of Missing": "People missing (people). Empty means not known.",
	"Total Dead and Missing":              "Dead and missing together (people).",
	"Number of Survivors":                 "Survivors (people).",
	"Number of Females":                   "Women and girls (people).",
	"Number of Males":                     "Men and boys (people).",
	"Number of Children":                  "Children (people).",
	"Cause of Death":                      "As the source wrote it.",
	"Location Description":                "Place as published (see place).",
	"Information Source":                  "IOM's information source; the attribution for this organisation's records.",
	"Location Coordinates":                `"lat, lon" in decimal degrees, WGS 84; grid cell centres for this organisation's records.`,
	"Migration Route":                     "As the source named it.",
	"URL":                                 "The source's link, as published.",
	"UNSD Geographical Grouping":          "As IOM published it; empty for this organisation's records.",
	"Source Quality":                      "IOM's source quality, 1 (one media source) to 5 (official record); empty for this organisation's records.",
}
