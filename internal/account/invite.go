package account

import (
	"errors"
	"net/http"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

func (h *Handlers) inviteForm(w http.ResponseWriter, r *http.Request) {
	inv, err := h.auth.InviteByToken(r.Context(), r.PathValue("token"))
	if errors.Is(err, auth.ErrInviteInvalid) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Render(w, r, http.StatusOK, "account/invite", h.web.NewPage(r, "invite.title", inv))
}

func (h *Handlers) acceptInvite(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	inv, err := h.auth.InviteByToken(r.Context(), token)
	if errors.Is(err, auth.ErrInviteInvalid) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p := h.web.NewPage(r, "invite.title", inv)
	name, pw, confirm := r.PostFormValue("name"), r.PostFormValue("password"), r.PostFormValue("confirm")
	p.Form.Set("name", name)
	if pw != confirm {
		p.Errors["confirm"] = "password.error.mismatch"
		h.web.Render(w, r, http.StatusUnprocessableEntity, "account/invite", p)
		return
	}
	u, err := h.auth.AcceptInvite(r.Context(), token, name, pw, web.L(r).Lang)
	if err != nil {
		key, ok := errorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		field := "password"
		if errors.Is(err, auth.ErrBadName) {
			field = "name"
		}
		p.Errors[field] = key
		h.web.Render(w, r, http.StatusUnprocessableEntity, "account/invite", p)
		return
	}
	tok, err := h.auth.NewSessionFor(r.Context(), u, r.UserAgent())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.replaceSession(w, r, tok)
	h.web.Redirect(w, r, "/", "invite.welcome")
}
