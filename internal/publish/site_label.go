package publish

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/store"
)

// Faro's own records carry the case desk's type codes ("pushback"); the
// site shows them through the catalogue (vocab.incident_type.<code>) in
// the visitor's language. Imported sources' types and causes are shown
// as their publisher wrote them (the source notice says so).

// siteTypeLabel is how the site names type code of a record of source.
func siteTypeLabel(l *i18n.Localizer, source, code string) string {
	if source != SourceFaro || code == "" {
		return code
	}
	key := "vocab.incident_type." + code
	if t := l.T(key); t != key {
		return t
	}
	return code // a code the catalogue does not know stays as stored
}

// loadFaroTypes reads the type codes Faro's own records use, so that the
// statistics and filters can label them (the cube does not keep sources).
func loadFaroTypes(ctx context.Context, db *store.DB) (map[string]bool, error) {
	rows, err := db.Query(ctx, "SELECT DISTINCT type FROM public_records WHERE source = ?", SourceFaro)
	if err != nil {
		return nil, fmt.Errorf("public types: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out[t] = true
	}
	return out, rows.Err()
}

// typeLabel names a type key of the statistics or filters: labelled when
// Faro's own records use it.
func (s *siteSnap) typeLabel(l *i18n.Localizer, code string) string {
	if s.faroTypes[code] {
		return siteTypeLabel(l, SourceFaro, code)
	}
	return code
}

// siteOption is one choice of a filter list: its value (the stored code)
// and what the visitor reads.
type siteOption struct {
	Value, Label string
}
