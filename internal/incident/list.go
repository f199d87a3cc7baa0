package incident

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/faro-project/faro/internal/web"
)

type listData struct {
	Items    []Summary
	Total    int
	Filter   Filter
	Query    url.Values // as the request gave it, the search opened
	Types    []Term
	Violence []Term
	Teams    []*Team
	Pages    int
	PrevURL  string
	NextURL  string
	Drafts   bool
	More     bool // more than CountCap matched
}

// parseFilter reads the list filters from the query string; invalid
// values are reported, not silently dropped.
func parseFilter(q url.Values, errs map[string]string) Filter {
	f := Filter{Country: q.Get("country"), Type: q.Get("type"), Violence: q.Get("violence"),
		Verification: q.Get("verification"), Consent: q.Get("consent"), Query: q.Get("q"), Sort: q.Get("sort")}
	if v := q.Get("from"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			errs["from"] = "form.date"
		}
		f.From = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			errs["to"] = "form.date"
		} else {
			f.To = t.Add(24 * time.Hour)
		}
	}
	if v := q.Get("team"); v != "" {
		f.TeamID, _ = strconv.ParseInt(v, 10, 64)
	}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	f.PerPage = 50
	if c := q.Get("after"); c != "" {
		f.ParseCursor(c)
	}
	return f
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) { h.renderList(w, r, false) }

func (h *Handlers) drafts(w http.ResponseWriter, r *http.Request) { h.renderList(w, r, true) }

func (h *Handlers) renderList(w http.ResponseWriter, r *http.Request, drafts bool) {
	ctx := r.Context()
	p := h.web.NewPage(r, "incident.list_title", nil)
	if drafts {
		p.Title = "incident.drafts_title"
	}
	q := r.URL.Query()
	uid := web.User(r).ID
	tok := q.Get("qs")
	if err := h.store.OpenSearch(uid, q); err != nil {
		p.Errors["q"] = "incident.search_link"
	}
	f := parseFilter(q, p.Errors)
	if drafts {
		f.Status = StatusDraft
	}
	v, err := h.viewer(ctx, web.User(r))
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	d := listData{Filter: f, Query: q, Drafts: drafts}
	if len(p.Errors) == 0 {
		if d.Items, d.Total, err = h.store.List(ctx, f, v); err != nil {
			h.web.ServerError(w, r, err)
			return
		}
	}
	if d.Types, err = h.vocab.Terms(ctx, "incident_type"); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if d.Violence, err = h.vocab.Terms(ctx, "violence"); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if d.Teams, err = h.teams.List(ctx); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	d.Pages = (d.Total + f.PerPage - 1) / f.PerPage
	d.More = d.Total > CountCap
	links, err := h.store.linkValues(uid, q, tok)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if f.Page > 1 {
		d.PrevURL = pageURL(r, links, f.Page-1, "")
	}
	if f.Page < d.Pages && len(d.Items) > 0 {
		// The next page starts after this page's last row (keyset), so
		// deep pages cost what the first does; the page number stays for
		// the pager and for orders without a cursor.
		d.NextURL = pageURL(r, links, f.Page+1, f.Cursor(d.Items[len(d.Items)-1]))
	}
	p.Data = d
	// The form shows the search in its box; its hidden copies (the export
	// form) carry it sealed.
	p.Form = q
	if v := links.Get("qs"); v != "" {
		p.Form.Set("qs", v)
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.web.Render(w, r, status, "incident/list", p)
}

func pageURL(r *http.Request, q url.Values, page int, after string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	c.Set("page", strconv.Itoa(page))
	c.Del("after")
	if after != "" {
		c.Set("after", after)
	}
	return r.URL.Path + "?" + c.Encode()
}
