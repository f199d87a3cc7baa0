package account

import (
	"errors"
	"net/http"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/web"
)

type adminData struct {
	Users      []*auth.User
	Invites    []*auth.Invite
	Roles      []auth.Role
	InviteLink string // shown once, right after an invitation is made
}

func (h *Handlers) adminUsers(w http.ResponseWriter, r *http.Request) {
	h.renderAdmin(w, r, http.StatusOK, h.web.NewPage(r, "admin.users.title", nil), "")
}

func (h *Handlers) renderAdmin(w http.ResponseWriter, r *http.Request, status int, p *web.Page, link string) {
	users, err := h.auth.Users(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	invites, err := h.auth.PendingInvites(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p.Data = adminData{Users: users, Invites: invites, Roles: auth.Roles, InviteLink: link}
	h.web.Render(w, r, status, "account/admin_users", p)
}

func (h *Handlers) adminInvite(w http.ResponseWriter, r *http.Request) {
	p := h.web.NewPage(r, "admin.users.title", nil)
	login, role := auth.NormalizeLogin(r.PostFormValue("login")), auth.Role(r.PostFormValue("role"))
	p.Form.Set("login", login)
	p.Form.Set("role", string(role))
	token, err := h.auth.CreateInvite(r.Context(), web.User(r).ID, login, role)
	if err != nil {
		key, ok := errorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		field := "login"
		if errors.Is(err, auth.ErrBadRole) {
			field = "role"
		}
		p.Errors[field] = key
		h.renderAdmin(w, r, http.StatusUnprocessableEntity, p, "")
		return
	}
	p.Flash = "invite.created"
	h.renderAdmin(w, r, http.StatusOK, p, h.web.BaseURL(r)+"/invite/"+token)
}

func (h *Handlers) adminRevokeInvite(w http.ResponseWriter, r *http.Request) {
	h.adminAction(w, r, "invite.revoked", func(id int64) error { return h.auth.RevokeInvite(r.Context(), id) })
}

func (h *Handlers) adminSetRole(w http.ResponseWriter, r *http.Request) {
	role := auth.Role(r.PostFormValue("role"))
	h.adminAction(w, r, "user.role_changed", func(id int64) error { return h.auth.SetRole(r.Context(), id, role) })
}

func (h *Handlers) adminDisable(w http.ResponseWriter, r *http.Request) {
	h.adminAction(w, r, "user.disabled", func(id int64) error { return h.auth.SetDisabled(r.Context(), id, true) })
}

func (h *Handlers) adminEnable(w http.ResponseWriter, r *http.Request) {
	h.adminAction(w, r, "user.enabled", func(id int64) error { return h.auth.SetDisabled(r.Context(), id, false) })
}

// adminAction runs a change on the account or invitation named in the
// path and answers with the users page: a notice on success, the reason
// in the user's language on refusal.
func (h *Handlers) adminAction(w http.ResponseWriter, r *http.Request, done string, act func(id int64) error) {
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	err := act(id)
	if errors.Is(err, store.ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		key, ok := errorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		p := h.web.NewPage(r, "admin.users.title", nil)
		p.Errors[""] = key
		h.renderAdmin(w, r, http.StatusUnprocessableEntity, p, "")
		return
	}
	h.web.Redirect(w, r, "/admin/users", done)
}

type sessionsData struct {
	Sessions []*auth.Session
	Logins   map[int64]string
}

func (h *Handlers) adminSessions(w http.ResponseWriter, r *http.Request) {
	sessions, err := h.auth.Sessions(r.Context(), 0)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	users, err := h.auth.Users(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	logins := map[int64]string{}
	for _, u := range users {
		logins[u.ID] = u.Login
	}
	cur := web.StateOf(r).Session.ID
	for _, s := range sessions {
		s.Current = s.ID == cur
	}
	h.web.Render(w, r, http.StatusOK, "account/admin_sessions", h.web.NewPage(r, "admin.sessions.title", sessionsData{sessions, logins}))
}

func (h *Handlers) adminRevokeSession(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	err := h.auth.RevokeSession(r.Context(), id, 0)
	if errors.Is(err, auth.ErrNoSession) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/admin/sessions", "session.revoked")
}
