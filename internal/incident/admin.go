package incident

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

type vocabData struct {
	Kinds map[string][]Term
	Order []string
	Langs []string
}

func (h *Handlers) vocabPage(w http.ResponseWriter, r *http.Request) {
	h.renderVocab(w, r, http.StatusOK, h.web.NewPage(r, "vocab.title", nil))
}

func (h *Handlers) renderVocab(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	d := vocabData{Kinds: map[string][]Term{}, Order: Kinds, Langs: h.web.I18n.Langs()}
	for _, k := range Kinds {
		terms, err := h.vocab.Terms(r.Context(), k)
		if err != nil {
			h.web.ServerError(w, r, err)
			return
		}
		d.Kinds[k] = terms
	}
	p.Data = d
	h.web.Render(w, r, status, "incident/vocab", p)
}

func (h *Handlers) vocabAdd(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	labels := map[string]string{}
	for _, l := range h.web.I18n.Langs() {
		labels[l] = r.PostForm.Get("label_" + l)
	}
	err := h.vocab.Add(r.Context(), r.PostForm.Get("kind"), r.PostForm.Get("code"), labels)
	if err != nil {
		key := map[error]string{ErrTermCode: "vocab.error.code", ErrTermExists: "vocab.error.exists",
			ErrTermLabel: "vocab.error.label", ErrTermKind: "form.choose"}
		for e, k := range key {
			if errors.Is(err, e) {
				p := h.web.NewPage(r, "vocab.title", nil)
				p.Errors["code"], p.Form = k, r.PostForm
				h.renderVocab(w, r, http.StatusUnprocessableEntity, p)
				return
			}
		}
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/admin/vocab", "vocab.added")
}

type teamsData struct {
	Teams []*Team
	Users []*auth.User
}

// IsMember reports whether userID is in the team, for the template.
func (t *Team) IsMember(userID int64) bool {
	for _, m := range t.Members {
		if m == userID {
			return true
		}
	}
	return false
}

func (h *Handlers) teamsPage(w http.ResponseWriter, r *http.Request) {
	h.renderTeams(w, r, http.StatusOK, h.web.NewPage(r, "teams.title", nil))
}

func (h *Handlers) renderTeams(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	teams, err := h.teams.List(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	users, err := h.web.Auth.Users(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p.Data = teamsData{Teams: teams, Users: users}
	h.web.Render(w, r, status, "incident/teams", p)
}

func (h *Handlers) teamCreate(w http.ResponseWriter, r *http.Request) {
	_, err := h.teams.Create(r.Context(), r.PostFormValue("name"))
	if errors.Is(err, ErrTeamName) || errors.Is(err, ErrTeamExists) {
		p := h.web.NewPage(r, "teams.title", nil)
		p.Errors["name"] = map[bool]string{true: "teams.error.name", false: "teams.error.exists"}[errors.Is(err, ErrTeamName)]
		p.Form.Set("name", r.PostFormValue("name"))
		h.renderTeams(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/admin/teams", "teams.created")
}

func (h *Handlers) teamMember(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	uid, err := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	if !ok || err != nil {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err := h.teams.SetMember(r.Context(), id, uid, r.PostFormValue("member") == "1"); err != nil {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	h.web.Redirect(w, r, "/admin/teams", "teams.updated")
}
