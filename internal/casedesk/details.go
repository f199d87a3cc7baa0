package casedesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/store"
)

// DetailFields are the codes of the editable details, in form order, with
// the catalogue key of each one's label. A "details updated" timeline entry
// names changed fields by these codes.
var DetailFields = []struct{ Code, Label string }{
	{"source", "casedesk.source"}, {"language", "casedesk.language"},
	{"men", "casedesk.count.men"}, {"women", "casedesk.count.women"}, {"minors", "casedesk.count.minors"},
	{"medical", "casedesk.count.medical"}, {"pregnant", "casedesk.count.pregnant"}, {"in_water", "casedesk.count.in_water"},
	{"condition", "casedesk.condition"}, {"boat", "casedesk.boat"}, {"departure", "casedesk.departure"},
	{"departed_at", "casedesk.departed_at"}, {"phone", "casedesk.phone"}, {"relatives", "casedesk.relatives"},
	{"notes", "casedesk.notes"}, {"raid_type", "casedesk.raid_type"}, {"place", "casedesk.place"},
	{"radius", "casedesk.radius"}, {"agencies", "casedesk.agencies"}, {"equipment", "casedesk.equipment"},
	{"reporter", "casedesk.reporter"},
}

func sameInt(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// ChangedFields lists the codes of the fields that differ between a and b,
// in DetailFields order.
func ChangedFields(a, b Details) []string {
	diff := map[string]bool{
		"source": a.Source != b.Source, "language": a.Language != b.Language,
		"men": !sameInt(a.Men, b.Men), "women": !sameInt(a.Women, b.Women), "minors": !sameInt(a.Minors, b.Minors),
		"medical": !sameInt(a.Medical, b.Medical), "pregnant": !sameInt(a.Pregnant, b.Pregnant), "in_water": !sameInt(a.InWater, b.InWater),
		"condition": !slices.Equal(sortedCopy(a.Conditions), sortedCopy(b.Conditions)),
		"boat":      a.Boat != b.Boat, "departure": a.Departure != b.Departure, "departed_at": !a.DepartedAt.Equal(b.DepartedAt),
		"phone": a.Phone != b.Phone, "relatives": a.Relatives != b.Relatives, "notes": a.Notes != b.Notes,
		"raid_type": a.RaidType != b.RaidType, "place": a.Place != b.Place, "radius": a.RadiusM != b.RadiusM,
		"agencies": a.Agencies != b.Agencies, "equipment": a.Equipment != b.Equipment, "reporter": a.Reporter != b.Reporter,
	}
	var out []string
	for _, f := range DetailFields {
		if diff[f.Code] {
			out = append(out, f.Code)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// UpdateDetails replaces an open case's details, audited, with a timeline
// entry naming the fields changed (their codes, not their values: the
// timeline is read more widely than the details' contacts). It returns
// the changed codes; none changed means nothing is written. The caller
// validated d (ParseDetails).
func (s *Store) UpdateDetails(ctx context.Context, id int64, d Details) ([]string, error) {
	if err := CheckDetails(d); err != nil {
		return nil, err
	}
	var changed []string
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		changed = nil
		c, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !c.Open() {
			return ErrState
		}
		changed = ChangedFields(c.Details, d)
		if len(changed) == 0 {
			return nil
		}
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		sealed, err := s.seal("cases", id, "details", b)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE cases SET details = ?, updated_at = ? WHERE id = ?", sealed, s.Now().Unix(), id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, audit.Update, "case", id); err != nil {
			return err
		}
		// insertEvent publishes the live update after the commit.
		_, err = s.insertEvent(ctx, tx, id, Event{At: minute(s.Now()), Author: audit.ActorOf(ctx), Kind: EventDetails,
			Text: strings.Join(changed, ",")})
		return err
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// CheckDetails refuses codes outside their lists and counts out of range,
// whoever the caller.
func CheckDetails(d Details) error {
	for _, n := range []*int{d.Men, d.Women, d.Minors, d.Medical, d.Pregnant, d.InWater} {
		if n != nil && (*n < 0 || *n > maxCount) {
			return fmt.Errorf("%w: count", ErrInvalid)
		}
	}
	for _, c := range d.Conditions {
		if !contains(Conditions, c) {
			return fmt.Errorf("%w: condition", ErrInvalid)
		}
	}
	if (d.Source != "" && !contains(Sources, d.Source)) || (d.RaidType != "" && !contains(RaidTypes, d.RaidType)) {
		return fmt.Errorf("%w: code", ErrInvalid)
	}
	if d.RadiusM < 0 {
		return fmt.Errorf("%w: radius", ErrInvalid)
	}
	return nil
}

// ParseDetails reads the details form of case c, validated as on opening:
// a raid report keeps its type, and one without a position keeps a place
// with a radius.
func ParseDetails(form url.Values, c *Case, now time.Time) (Details, Errors) {
	errs := Errors{}
	d := parseDetails(form, now, errs)
	if c.Kind == KindRaid {
		if d.RaidType == "" && errs["raid_type"] == "" {
			errs["raid_type"] = "form.required"
		}
		if c.LastPosition == nil {
			raidPlace(d, errs)
		}
	}
	return d, errs
}
