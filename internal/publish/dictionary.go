package publish

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteDictionary writes the data dictionary of the open data as plain
// text: the files, every column with its meaning, HXL hashtag and units,
// how this organisation's records were coarsened, and the licences.
func WriteDictionary(w io.Writer, cfg Config) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("DATA DICTIONARY: public incident data\n\n")
	p("LICENCE AND ATTRIBUTION\n%s\n\n", wrap(Notice(cfg)))
	p("FILES\n")
	p("  /data/incidents.csv      CSV, UTF-8; a header row, then an HXL hashtag row (https://hxlstandard.org/), then one row per record\n")
	p("  /data/incidents.geojson  GeoJSON (RFC 7946) FeatureCollection; geometry [lon, lat], null when no position is published\n")
	p("  /data/incidents.json     JSON: {\"notice\", \"suppression_notice\", \"dictionary\", \"records\": [...]}\n")
	p("  /data/mmp.csv            deaths and disappearances in the column layout of the IOM Missing Migrants Project 2019 export\n")
	p("  Filters (query string): year, type, source, route, country, bbox=minLon,minLat,maxLon,maxLat\n")
	p("  Empty cells (null in JSON) mean not known, never zero.\n\n")
	p("HOW THIS ORGANISATION'S RECORDS WERE MADE PUBLIC (source \"faro\")\n")
	p("%s\n\n", wrap(coarseningText(cfg)))
	p("SUPPRESSION\n%s\n\n", wrap(SuppressedNotice))
	p("COLUMNS (incidents.csv, incidents.json, properties of incidents.geojson)\n")
	for _, c := range dataColumns {
		units := c.Units
		if units == "" {
			units = "-"
		}
		p("  %s\n    HXL: %s\n    Units: %s\n%s\n", c.Name, c.HXL, units, indent(wrap(c.Meaning), "    "))
	}
	p("\nCOLUMNS OF mmp.csv (IOM Missing Migrants Project layout)\n")
	p("%s\n", indent(wrap("Rows imported from IOM repeat the cells IOM published, unchanged. This organisation's records are mapped as follows."), "  "))
	for _, c := range mmpColumns2019 {
		p("  %s\n%s\n", c, indent(wrap(mmpMeaning[c]), "    "))
	}
	return bw.Flush()
}

func coarseningText(cfg Config) string {
	var place string
	if cfg.Place == PlaceAdmin {
		place = "No position is published: only the country and first administrative level."
	} else {
		place = fmt.Sprintf("Positions are the centre of the grid cell of about %g km on a side that holds the incident "+
			"(rows of equal latitude; cell width in longitude widened by 1/cos(latitude) so cells stay near square), never the position itself.", cfg.GridKm)
	}
	unit := map[string]string{UnitDay: "the day", UnitWeek: "the week (occurred_on is its Monday)", UnitMonth: "the month (occurred_on is its first day)"}[cfg.TimeUnit]
	return fmt.Sprintf("Only incidents verified by a reviewer, and for which every person who testified consented to publication, are published. %s "+
		"Dates are coarsened to %s, or coarser when less is known. Countries of origin are withheld when the nationality × place × period cell counts fewer than %d people. "+
		"No name, contact, exact position or account is published; a public text appears only when the people concerned consented to be named and a reviewer approved it.",
		place, unit, cfg.K)
}

// wrap folds text at about 100 columns.
func wrap(s string) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		if n > 0 && n+len(w) > 100 {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

func indent(s, pre string) string { return pre + strings.ReplaceAll(s, "\n", "\n"+pre) }
