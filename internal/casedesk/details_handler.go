package casedesk

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/web"
)

// detailsValues are a case's details as the details form's fields, to
// fill the form when the page is not showing that form's own errors.
func detailsValues(d Details) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	num := func(k string, n *int) {
		if n != nil {
			v.Set(k, strconv.Itoa(*n))
		}
	}
	set("source", d.Source)
	set("language", d.Language)
	num("men", d.Men)
	num("women", d.Women)
	num("minors", d.Minors)
	num("medical", d.Medical)
	num("pregnant", d.Pregnant)
	num("in_water", d.InWater)
	v["condition"] = d.Conditions
	set("boat", d.Boat)
	set("departure", d.Departure)
	if !d.DepartedAt.IsZero() {
		v.Set("departed_at", d.DepartedAt.UTC().Format("2006-01-02T15:04"))
	}
	set("phone", d.Phone)
	set("relatives", d.Relatives)
	set("notes", d.Notes)
	set("raid_type", d.RaidType)
	set("place", d.Place)
	if d.RadiusM > 0 {
		v.Set("radius", strconv.Itoa(d.RadiusM))
	}
	set("agencies", d.Agencies)
	set("equipment", d.Equipment)
	set("reporter", d.Reporter)
	return v
}

// formValues is what the page's forms show: what was posted when the page
// answers the details form with errors; otherwise the case's details,
// with whatever another form posted (its fields have other names).
func formValues(r *http.Request, p *web.Page, c *Case) url.Values {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/details") {
		return p.Form
	}
	v := detailsValues(c.Details)
	for k, vals := range p.Form {
		v[k] = vals
	}
	return v
}

// detailsLabel is the reader's-language text of a "details
// updated" entry: the labels of the fields named by its codes.
func detailsLabel(p *web.Page, text string) string {
	labels := map[string]string{}
	for _, f := range DetailFields {
		labels[f.Code] = f.Label
	}
	var names []string
	for _, code := range strings.Split(text, ",") {
		if k, ok := labels[code]; ok {
			names = append(names, p.T(k))
		}
	}
	return p.T("casedesk.details_changed", strings.Join(names, ", "))
}

func (h *Handlers) editDetails(w http.ResponseWriter, r *http.Request) {
	c, ok := h.load(w, r)
	if !ok {
		return
	}
	if !c.Open() {
		h.storeError(w, r, c.ID, ErrState)
		return
	}
	r.ParseForm()
	d, errs := ParseDetails(r.PostForm, c, h.store.Now())
	if len(errs) > 0 {
		errs[""] = "casedesk.err.fix"
		h.invalid(w, r, c, errs)
		return
	}
	changed, err := h.store.UpdateDetails(r.Context(), c.ID, d)
	if err != nil {
		h.storeError(w, r, c.ID, err)
		return
	}
	flash := "casedesk.flash.details"
	if len(changed) == 0 {
		flash = "casedesk.flash.details_same"
	}
	h.web.Redirect(w, r, caseURL(c.ID)+"#details", flash)
}
