package incident

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"strconv"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/evidence"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serve the incident pages.
type Handlers struct {
	web      *web.Server
	store    *Store
	vocab    *Vocab
	teams    *Teams
	evidence *evidence.Store
	audit    *audit.Log
}

// Register adds the incident routes.
func Register(s *web.Server, st *Store, v *Vocab, t *Teams, ev *evidence.Store, a *audit.Log) *Handlers {
	h := &Handlers{web: s, store: st, vocab: v, teams: t, evidence: ev, audit: a}
	s.AddPages("incident", templates, "templates/*.html")
	r := s.Router
	r.Handle("GET /incidents", web.AtLeast(auth.Viewer), h.list)
	r.Handle("POST /incidents/find", web.AtLeast(auth.Viewer), h.find)
	r.Handle("GET /incidents/drafts", web.AtLeast(auth.Documenter), h.drafts)
	r.Handle("GET /incidents/new", web.AtLeast(auth.Documenter), h.newForm)
	r.Handle("POST /incidents", web.AtLeast(auth.Documenter), h.create)
	r.Handle("POST /incidents/autosave", web.AtLeast(auth.Documenter), h.autosaveNew)
	r.Handle("GET /incidents/{id}", web.AtLeast(auth.Viewer), h.show)
	r.Handle("GET /incidents/{id}/edit", web.AtLeast(auth.Documenter), h.editForm)
	r.Handle("POST /incidents/{id}/edit", web.AtLeast(auth.Documenter), h.saveStep)
	r.Handle("POST /incidents/{id}/autosave", web.AtLeast(auth.Documenter), h.autosave)
	r.Handle("POST /incidents/{id}/submit", web.AtLeast(auth.Documenter), h.submit)
	r.Handle("POST /incidents/{id}/evidence", web.AtLeast(auth.Documenter), h.attach)
	r.Handle("POST /incidents/{id}/verify", web.AtLeast(auth.Reviewer), h.verify)
	r.Handle("POST /incidents/{id}/delete", web.AtLeast(auth.Coordinator), h.delete)
	r.Handle("GET /admin/vocab", web.AtLeast(auth.Admin), h.vocabPage)
	r.Handle("POST /admin/vocab", web.AtLeast(auth.Admin), h.vocabAdd)
	r.Handle("GET /admin/teams", web.AtLeast(auth.Admin), h.teamsPage)
	r.Handle("POST /admin/teams", web.AtLeast(auth.Admin), h.teamCreate)
	r.Handle("POST /admin/teams/{id}/members", web.AtLeast(auth.Admin), h.teamMember)
	return h
}

// EvidenceVisible is the evidence pages' record-based check: a file is
// visible to whoever may see a record it is attached to.
func (h *Handlers) EvidenceVisible(r *http.Request, evidenceID string) (bool, error) {
	v, err := h.viewer(r.Context(), web.User(r))
	if err != nil {
		return false, err
	}
	return h.store.EvidenceVisible(r.Context(), evidenceID, v)
}

// viewer builds the access view of the signed-in account.
func (h *Handlers) viewer(ctx context.Context, u *auth.User) (Viewer, error) {
	teams, err := h.teams.Of(ctx, u.ID)
	return Viewer{UserID: u.ID, AllTeams: u.Role.AtLeast(auth.Coordinator), Teams: teams,
		Sensitive: u.Role.AtLeast(auth.Reviewer)}, err
}

// canEdit says whether u may change inc: its author while it is a draft,
// reviewers and up once it is visible to them.
func canEdit(u *auth.User, inc *Incident) bool {
	if inc.Status == StatusDraft {
		return inc.CreatedBy == u.ID
	}
	return u.Role.AtLeast(auth.Reviewer)
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// load fetches the incident in the path for the signed-in account,
// answering 404 itself when it does not exist or is not visible.
func (h *Handlers) load(w http.ResponseWriter, r *http.Request) (*Incident, bool) {
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	v, err := h.viewer(r.Context(), web.User(r))
	if err != nil {
		h.web.ServerError(w, r, err)
		return nil, false
	}
	inc, err := h.store.Get(r.Context(), id, v)
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return nil, false
	}
	return inc, true
}
