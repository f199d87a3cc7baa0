package incident

import (
	"context"
	"net/url"

	"github.com/faro-project/faro/internal/auth"
)

// The JSON API (package api) serves the same records under the same rules
// as these pages. These exported forms call the very functions the pages
// use, so that the two cannot drift apart.

// ViewerFor builds the access view of an account, as the pages do.
func ViewerFor(ctx context.Context, t *Teams, u *auth.User) (Viewer, error) {
	return (&Handlers{teams: t}).viewer(ctx, u)
}

// CanEdit says whether u may change inc (the rule of the edit pages).
func CanEdit(u *auth.User, inc *Incident) bool { return canEdit(u, inc) }

// MaySeeSensitive says whether u is shown inc's encrypted fields: the rule
// Store.Get applies for the viewer of u.
func MaySeeSensitive(v Viewer, inc *Incident) bool { return v.Sensitive || inc.CreatedBy == v.UserID }

// Incomplete returns the catalogue key of what a draft lacks before it
// can be submitted, or "".
func Incomplete(inc *Incident) string { return incomplete(inc) }

// ParseFilter reads the list filters from a query string, as the list
// page does; invalid values are reported in errs (field -> catalogue key).
func ParseFilter(q url.Values, errs map[string]string) Filter { return parseFilter(q, errs) }

// FormValues turns a stored record back into the intake form's values.
func FormValues(inc *Incident, t *Testimony) url.Values { return formValues(inc, t) }

// Created returns the record Store.Create just wrote, as Store.Get would
// return it to its author (with the testimony it was created with, if
// any), without reading it back.
func Created(inc *Incident, t *Testimony) *Incident {
	c := asStored(inc)
	if t != nil {
		st := *t
		st.TakenOn, st.ConsentDate = fromUnix(unix(t.TakenOn)), fromUnix(unix(t.ConsentDate))
		st.CreatedAt = fromUnix(unix(t.CreatedAt))
		st.Evidence = nil
		c.Testimonies = []*Testimony{&st}
	}
	return c
}
