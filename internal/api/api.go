// Package api is Faro's JSON API: the incident operations of the pages,
// under the same access rules, for programs holding an API token. It is
// described by an OpenAPI 3.1 document at /api/openapi.json; its errors
// are RFC 9457 problem details. It also serves the internal exports (CSV
// and JSON of a filtered list), for the pages and for the API.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/sealing"
	"github.com/faro-project/faro/internal/web"
)

// Handlers serve the API.
type Handlers struct {
	web   *web.Server
	store *incident.Store
	vocab *incident.Vocab
	teams *incident.Teams
	audit *audit.Log
}

// Register adds the API and export routes. It must run after
// sealing.Register: it puts its own answer for the API in front of the
// sealed gate (a problem document instead of the sealed page).
func Register(s *web.Server, st *incident.Store, v *incident.Vocab, t *incident.Teams, a *audit.Log, sealed func() bool) *Handlers {
	h := &Handlers{web: s, store: st, vocab: v, teams: t, audit: a}
	gate := s.Gate
	s.Gate = func(w http.ResponseWriter, r *http.Request) bool {
		if web.IsAPI(r) && sealed() && !sealing.AllowedWhileSealed(r.URL.Path) {
			s.WriteProblem(w, r, web.ProblemSpec{Status: http.StatusServiceUnavailable, Kind: web.ProblemSealed, Detail: "sealed.explain"})
			return true
		}
		return gate != nil && gate(w, r)
	}
	r := s.Router
	r.Handle("GET /api/openapi.json", web.Public, h.openapi)
	r.Handle("GET /api/incidents", web.AtLeast(auth.Viewer), h.list)
	r.Handle("POST /api/incidents", web.AtLeast(auth.Documenter), h.create)
	r.Handle("GET /api/incidents/export.csv", web.AtLeast(auth.Reviewer), h.exportCSV)
	r.Handle("GET /api/incidents/export.json", web.AtLeast(auth.Reviewer), h.exportJSON)
	r.Handle("GET /api/incidents/{id}", web.AtLeast(auth.Viewer), h.get)
	r.Handle("PATCH /api/incidents/{id}", web.AtLeast(auth.Documenter), h.update)
	r.Handle("DELETE /api/incidents/{id}", web.AtLeast(auth.Coordinator), h.delete)
	r.Handle("POST /api/incidents/{id}/submit", web.AtLeast(auth.Documenter), h.submit)
	r.Handle("POST /api/incidents/{id}/verify", web.AtLeast(auth.Reviewer), h.verify)
	r.Handle("POST /api/incidents/{id}/testimonies", web.AtLeast(auth.Documenter), h.addTestimony)
	// The same exports for people, from the list page.
	r.Handle("GET /incidents/export.csv", web.AtLeast(auth.Reviewer), h.exportCSV)
	r.Handle("GET /incidents/export.json", web.AtLeast(auth.Reviewer), h.exportJSON)
	return h
}

func (h *Handlers) problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	h.web.WriteProblem(w, r, web.ProblemSpec{Status: status, Detail: detail})
}

func (h *Handlers) invalid(w http.ResponseWriter, r *http.Request, errs map[string]string) {
	h.web.WriteProblem(w, r, web.ProblemSpec{Status: http.StatusUnprocessableEntity, Kind: web.ProblemValidation,
		Detail: "api.detail.validation", Errors: errs})
}

func (h *Handlers) conflict(w http.ResponseWriter, r *http.Request, detail string) {
	h.web.WriteProblem(w, r, web.ProblemSpec{Status: http.StatusConflict, Kind: web.ProblemConflict, Detail: detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	data = append(data, '\n')
	// A known length lets the gzip layer send small answers as they are.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	w.Write(data)
}

// body reads a JSON request body of at most maxBody bytes, answering the
// problem itself when it cannot.
func (h *Handlers) body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		h.problem(w, r, http.StatusUnsupportedMediaType, "api.detail.media_type")
		return nil, false
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.problem(w, r, http.StatusRequestEntityTooLarge, "api.detail.too_large")
		return nil, false
	case err != nil:
		h.problem(w, r, http.StatusBadRequest, "api.detail.json")
		return nil, false
	}
	return data, true
}

// malformed answers a body that is not one JSON object of known members.
func (h *Handlers) malformed(w http.ResponseWriter, r *http.Request, err error) {
	var bad *badBody
	spec := web.ProblemSpec{Status: http.StatusBadRequest, Detail: "api.detail.json"}
	if errors.As(err, &bad) && bad.field != "" {
		spec.Errors = map[string]string{bad.field: "api.error.unknown_field"}
	}
	h.web.WriteProblem(w, r, spec)
}

func (h *Handlers) viewer(w http.ResponseWriter, r *http.Request) (incident.Viewer, bool) {
	v, err := incident.ViewerFor(r.Context(), h.teams, web.User(r))
	if err != nil {
		h.web.ServerError(w, r, err)
		return v, false
	}
	return v, true
}

// load fetches the incident in the path as the pages do: 404 when it does
// not exist or the account may not see it.
func (h *Handlers) load(w http.ResponseWriter, r *http.Request) (*incident.Incident, incident.Viewer, bool) {
	return h.loadWith(w, r, h.store.Get)
}

// loadHead is load without testimonies, evidence or encrypted fields (and
// so without an audited read), for handlers that need only to check what
// the account may do with the record.
func (h *Handlers) loadHead(w http.ResponseWriter, r *http.Request) (*incident.Incident, incident.Viewer, bool) {
	return h.loadWith(w, r, h.store.Head)
}

func (h *Handlers) loadWith(w http.ResponseWriter, r *http.Request,
	get func(context.Context, int64, incident.Viewer) (*incident.Incident, error)) (*incident.Incident, incident.Viewer, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.problem(w, r, http.StatusNotFound, "")
		return nil, incident.Viewer{}, false
	}
	v, ok := h.viewer(w, r)
	if !ok {
		return nil, v, false
	}
	inc, err := get(r.Context(), id, v)
	if errors.Is(err, incident.ErrNotFound) {
		h.problem(w, r, http.StatusNotFound, "")
		return nil, v, false
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return nil, v, false
	}
	return inc, v, true
}

// reply answers with the record as the account now sees it.
func (h *Handlers) reply(w http.ResponseWriter, r *http.Request, status int, id int64) {
	v, ok := h.viewer(w, r)
	if !ok {
		return
	}
	inc, err := h.store.Get(r.Context(), id, v)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/incidents/"+strconv.FormatInt(id, 10))
	}
	writeJSON(w, status, incidentJSON(inc, shape{sensitive: incident.MaySeeSensitive(v, inc), testimonies: true, evidence: true}))
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	inc, v, ok := h.load(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, incidentJSON(inc, shape{sensitive: incident.MaySeeSensitive(v, inc), testimonies: true, evidence: true}))
}

// listFilter reads the list's filters, as the list page does, plus the
// API's own: per_page and status.
// A search sealed by the list page ("qs", from its export form) is opened
// first.
func (h *Handlers) listFilter(r *http.Request) (incident.Filter, map[string]string) {
	q := r.URL.Query()
	errs := map[string]string{}
	if err := h.store.OpenSearch(web.User(r).ID, q); err != nil {
		errs["qs"] = "incident.search_link"
	}
	f := incident.ParseFilter(q, errs)
	if v := q.Get("page"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			errs["page"] = "api.error.page"
		}
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			errs["per_page"] = "api.error.per_page"
		}
		f.PerPage = n
	}
	if v := q.Get("team"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1 {
			errs["team"] = "form.choose"
		}
	}
	switch q.Get("status") {
	case "", incident.StatusSubmitted:
	case incident.StatusDraft:
		f.Status = incident.StatusDraft
	default:
		errs["status"] = "api.error.status"
	}
	if v := q.Get("sort"); v != "" && !slices.Contains([]string{"occurred", "occurred_asc", "updated", "ref"}, v) {
		errs["sort"] = "form.choose"
	}
	return f, errs
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	f, errs := h.listFilter(r)
	if len(errs) > 0 {
		h.invalid(w, r, errs)
		return
	}
	v, ok := h.viewer(w, r)
	if !ok {
		return
	}
	items, total, err := h.store.List(r.Context(), f, v)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	out := listOut{Items: make([]summaryOut, 0, len(items)), Total: total, Page: f.Page, PerPage: f.PerPage}
	for _, s := range items {
		out.Items = append(out.Items, summaryJSON(s))
	}
	writeJSON(w, http.StatusOK, out)
}

// checkTeam applies the pages' rule when a request sets or changes the
// team: an existing team the caller belongs to (any, for coordinators).
func (h *Handlers) checkTeam(w http.ResponseWriter, r *http.Request, inc *incident.Incident, before int64, errs map[string]string) bool {
	if inc.TeamID == 0 || inc.TeamID == before || errs["team_id"] != "" {
		return true
	}
	ok, err := h.teams.MayFileUnder(r.Context(), web.User(r), inc.TeamID)
	if err != nil {
		h.web.ServerError(w, r, err)
		return false
	}
	if !ok {
		errs["team_id"] = "form.choose"
	}
	return true
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	data, ok := h.body(w, r)
	if !ok {
		return
	}
	snap, err := h.vocab.Checker(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	inc, t, errs, err := newIncident(data, snap)
	if err != nil {
		h.malformed(w, r, err)
		return
	}
	if !h.checkTeam(w, r, inc, 0, errs) {
		return
	}
	if len(errs) > 0 {
		h.invalid(w, r, errs)
		return
	}
	if err := h.store.Create(r.Context(), inc, t); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	// Answer from what was written rather than reading it back: a read
	// back would cost a query and an audited read of the author's own
	// words. TestCreateAnswersAsGet checks both give the same answer.
	created := incident.Created(inc, t)
	w.Header().Set("Location", "/api/incidents/"+strconv.FormatInt(created.ID, 10))
	writeJSON(w, http.StatusCreated, incidentJSON(created, shape{sensitive: incident.MaySeeSensitive(incident.Viewer{UserID: web.User(r).ID}, created),
		testimonies: true, evidence: true}))
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	inc, _, ok := h.load(w, r)
	if !ok {
		return
	}
	if !incident.CanEdit(web.User(r), inc) {
		h.problem(w, r, http.StatusForbidden, "")
		return
	}
	data, ok := h.body(w, r)
	if !ok {
		return
	}
	snap, err := h.vocab.Checker(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	before := inc.TeamID
	errs, err := patchIncident(data, inc, snap)
	if err != nil {
		h.malformed(w, r, err)
		return
	}
	if !h.checkTeam(w, r, inc, before, errs) {
		return
	}
	if len(errs) > 0 {
		h.invalid(w, r, errs)
		return
	}
	if err := h.store.Update(r.Context(), inc); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.reply(w, r, http.StatusOK, inc.ID)
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	inc, _, ok := h.load(w, r)
	if !ok {
		return
	}
	if err := h.store.Delete(r.Context(), inc.ID); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// submit hands a complete draft in for review: only its author may.
func (h *Handlers) submit(w http.ResponseWriter, r *http.Request) {
	inc, _, ok := h.load(w, r)
	if !ok {
		return
	}
	if inc.CreatedBy != web.User(r).ID {
		h.problem(w, r, http.StatusForbidden, "")
		return
	}
	if inc.Status != incident.StatusDraft {
		h.conflict(w, r, "api.detail.not_draft")
		return
	}
	if missing := incident.Incomplete(inc); missing != "" {
		field := "type"
		if missing == "incident.missing_date" {
			field = "date"
		}
		h.invalid(w, r, map[string]string{field: missing})
		return
	}
	if err := h.store.Submit(r.Context(), inc.ID); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.reply(w, r, http.StatusOK, inc.ID)
}

func (h *Handlers) verify(w http.ResponseWriter, r *http.Request) {
	inc, _, ok := h.load(w, r)
	if !ok {
		return
	}
	data, ok := h.body(w, r)
	if !ok {
		return
	}
	var in verifyIn
	if err := decodeStrict(data, &in); err != nil {
		h.malformed(w, r, err)
		return
	}
	if !in.Level.set || in.Level.null || in.Level.bad || !slices.Contains(incident.Verifications, in.Level.v) {
		h.invalid(w, r, map[string]string{"level": "form.choose"})
		return
	}
	if inc.Status != incident.StatusSubmitted {
		h.conflict(w, r, "api.detail.not_submitted")
		return
	}
	if err := h.store.SetVerification(r.Context(), inc.ID, in.Level.v); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.reply(w, r, http.StatusOK, inc.ID)
}

func (h *Handlers) addTestimony(w http.ResponseWriter, r *http.Request) {
	inc, v, ok := h.loadHead(w, r)
	if !ok {
		return
	}
	if !incident.CanEdit(web.User(r), inc) {
		h.problem(w, r, http.StatusForbidden, "")
		return
	}
	data, ok := h.body(w, r)
	if !ok {
		return
	}
	t, errs, err := newTestimony(data)
	if err != nil {
		h.malformed(w, r, err)
		return
	}
	if len(errs) > 0 {
		h.invalid(w, r, errs)
		return
	}
	t.IncidentID = inc.ID
	if err := h.store.SaveTestimony(r.Context(), t); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/incidents/"+strconv.FormatInt(inc.ID, 10))
	writeJSON(w, http.StatusCreated, testimonyJSON(t, incident.MaySeeSensitive(v, inc)))
}
