package mmp

import (
	"fmt"
	"strings"
	"unicode"
)

// field is what a column holds.
type field uint8

const (
	fNone field = iota
	fID
	fIncidentID
	fType
	fRegion
	fDate
	fYear
	fMonth
	fDead
	fMissing
	fTotal
	fSurvivors
	fFemales
	fMales
	fChildren
	fCause
	fLocation
	fSource
	fCoords
	fLat
	fLon
	fRoute
	fURL
	fUNSD
	fQuality
	fOriginCountry
	fOriginRegion
	fCountry
	// Only in HXL files.
	fCountryCode
	fAdm1
	fAdm1Code
	fAdm2
	fAdm2Code
	fOrg
	fInjured
	fDescription
	numFields
)

// fieldNames name the fields in error messages about the header.
var fieldNames = [numFields]string{
	fID: "source ID", fIncidentID: "incident ID", fType: "incident type", fRegion: "region",
	fDate: "date", fYear: "year", fMonth: "month", fDead: "number dead", fMissing: "number missing",
	fTotal: "total dead and missing", fSurvivors: "survivors", fFemales: "females", fMales: "males",
	fChildren: "children", fCause: "cause of death", fLocation: "location", fSource: "information source",
	fCoords: "coordinates", fLat: "latitude", fLon: "longitude", fRoute: "migration route", fURL: "URL",
	fUNSD: "UNSD geographical grouping", fQuality: "source quality", fOriginCountry: "country of origin",
	fOriginRegion: "region of origin", fCountry: "country of incident", fCountryCode: "country code",
	fAdm1: "admin level 1", fAdm1Code: "admin level 1 code", fAdm2: "admin level 2",
	fAdm2Code: "admin level 2 code", fOrg: "organisation", fInjured: "injured", fDescription: "description",
}

// Layouts reported in Report.Layout.
const (
	Layout2019    = "2019"    // Web ID, Reported Date, Number Dead, Location Coordinates ...
	LayoutNewer   = "newer"   // Main ID, Incident ID, Incident Date, Number of Dead, Coordinates ...
	LayoutUnknown = "unknown" // column names of both, or only of neither
	LayoutHXL     = "hxl"     // read by ReadHXL
)

type layoutTag uint8

const (
	inBoth layoutTag = iota
	in2019
	inNewer
)

type alias struct {
	f      field
	layout layoutTag
}

// mmpColumns maps normalised MMP column names to fields. The 2019 export,
// the export with the newer names, and the snake_case names of the HDX copy
// of the 2019 columns ("web_id", "number_dead", "location_coodinates" with
// its typo) are all here.
var mmpColumns = map[string]alias{
	"webid":                           {fID, in2019},
	"mainid":                          {fID, inNewer},
	"incidentid":                      {fIncidentID, inNewer},
	"incidenttype":                    {fType, inNewer},
	"regionofincident":                {fRegion, inBoth},
	"region":                          {fRegion, in2019},
	"reporteddate":                    {fDate, in2019},
	"incidentdate":                    {fDate, inNewer},
	"reportedyear":                    {fYear, in2019},
	"incidentyear":                    {fYear, inNewer},
	"reportedmonth":                   {fMonth, inBoth},
	"numberdead":                      {fDead, in2019},
	"numberofdead":                    {fDead, inNewer},
	"minimumestimatednumberofmissing": {fMissing, inBoth},
	"numbermissing":                   {fMissing, in2019},
	"totaldeadandmissing":             {fTotal, in2019},
	"totalnumberofdeadandmissing":     {fTotal, inNewer},
	"numberofsurvivors":               {fSurvivors, inBoth},
	"numberoffemales":                 {fFemales, inBoth},
	"numberoffemale":                  {fFemales, in2019},
	"numberofmales":                   {fMales, inBoth},
	"numberofmale":                    {fMales, in2019},
	"numberofchildren":                {fChildren, inBoth},
	"causeofdeath":                    {fCause, inBoth},
	"causedeath":                      {fCause, in2019},
	"locationdescription":             {fLocation, in2019},
	"locationofincident":              {fLocation, inNewer},
	"locationofdeath":                 {fLocation, inNewer},
	"informationsource":               {fSource, inBoth},
	"locationcoordinates":             {fCoords, in2019},
	"locationcoodinates":              {fCoords, in2019},
	"coordinates":                     {fCoords, inNewer},
	"migrationroute":                  {fRoute, inBoth},
	"url":                             {fURL, inBoth},
	"unsdgeographicalgrouping":        {fUNSD, inBoth},
	"unsdgeographicgrouping":          {fUNSD, in2019},
	"sourcequality":                   {fQuality, inBoth},
	"countryoforigin":                 {fOriginCountry, inNewer},
	"regionoforigin":                  {fOriginRegion, inNewer},
	"countryofincident":               {fCountry, inNewer},
}

// normaliseHeader folds a column name for matching: letters and digits
// only, lower case, "&" read as "and", so "Number Dead", "number_dead" and
// " NUMBER-DEAD " are the same name.
func normaliseHeader(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '&' {
			b.WriteString("and")
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// column is one column of the file as the reader understood it.
type column struct {
	f    field
	name string // as written (header name, or hashtag for HXL), for messages
}

// displayName is a column's name for reports: its header, trimmed, or its
// position when the header cell is empty.
func displayName(header string, i int) string {
	if h := strings.TrimSpace(header); h != "" {
		return h
	}
	return fmt.Sprintf("column %d (no name)", i+1)
}

// mapMMPHeader maps an MMP header row to fields.
func mapMMPHeader(header []string, line int) (cols []column, layout string, unknown []string, err error) {
	cols = make([]column, len(header))
	seen := [numFields]int{}
	known, has2019, hasNewer, hashtags := 0, false, false, 0
	for i, h := range header {
		cols[i].name = displayName(h, i)
		if strings.HasPrefix(strings.TrimSpace(h), "#") {
			hashtags++
		}
		a, ok := mmpColumns[normaliseHeader(h)]
		if !ok {
			unknown = append(unknown, cols[i].name)
			continue
		}
		if j := seen[a.f]; j > 0 {
			return nil, "", nil, &Error{Line: line, Kind: ErrColumnConflict,
				Detail: fmt.Sprintf("columns %q and %q both give the %s", cols[j-1].name, cols[i].name, fieldNames[a.f])}
		}
		seen[a.f] = i + 1
		cols[i].f = a.f
		known++
		has2019 = has2019 || a.layout == in2019
		hasNewer = hasNewer || a.layout == inNewer
	}
	switch {
	case known == 0 && hashtags > 0:
		return nil, "", nil, &Error{Line: line, Kind: ErrNoHeader, Detail: "the first line has HXL hashtags, not MMP column names: import it as a generic HXL file"}
	case known == 0:
		return nil, "", nil, &Error{Line: line, Kind: ErrNoHeader, Detail: "none of the cells of the first line is an MMP column name (such as Web ID, Main ID, Number Dead, Reported Date)"}
	case seen[fID] == 0:
		return nil, "", nil, &Error{Line: line, Kind: ErrNoKeyColumn, Detail: "the header has MMP columns but neither Web ID nor Main ID, which identify incidents so that importing the file again updates them"}
	}
	layout = LayoutUnknown
	switch {
	case has2019 && !hasNewer:
		layout = Layout2019
	case hasNewer && !has2019:
		layout = LayoutNewer
	}
	return cols, layout, unknown, nil
}
