package account

import (
	"context"
	"errors"
	"net/http"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

// tokenSection is the API tokens part of the account page.
type tokenSection struct {
	List []*auth.APIToken
	// Roles are those a new token may have: the account's and below.
	Roles []auth.Role
	// New is a token just created, shown this once.
	New string
}

// loadTokens fills in the account's tokens and the roles it may give one.
func (h *Handlers) loadTokens(ctx context.Context, u *auth.User, s *tokenSection) error {
	var err error
	if s.List, err = h.auth.ListTokens(ctx, u.ID); err != nil {
		return err
	}
	for _, r := range auth.Roles {
		if u.Role.AtLeast(r) {
			s.Roles = append(s.Roles, r)
		}
	}
	return nil
}

// tokenErrorKey maps a refused token to the catalogue key of its error.
func tokenErrorKey(err error) (string, bool) {
	switch {
	case errors.Is(err, auth.ErrTokenName):
		return "tokens.error.name", true
	case errors.Is(err, auth.ErrTokenRole):
		return "tokens.error.role", true
	}
	return "", false
}

// createToken makes an API token and shows it once, on the account page
// itself: a redirect would have to carry the secret somewhere.
func (h *Handlers) createToken(w http.ResponseWriter, r *http.Request) {
	u := web.User(r)
	// A stolen session cookie alone must not mint a lasting credential.
	if err := h.auth.CheckPassword(r.Context(), u.ID, r.PostFormValue("password")); err != nil {
		if !errors.Is(err, auth.ErrWrongPassword) {
			h.web.ServerError(w, r, err)
			return
		}
		p := h.web.NewPage(r, "account.title", nil)
		p.Errors["token_password"] = "password.error.current"
		p.Form = r.PostForm
		p.Form.Del("password")
		h.renderAccount(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	token, _, err := h.auth.CreateToken(r.Context(), u.ID, r.PostFormValue("name"), auth.Role(r.PostFormValue("role")))
	if err != nil {
		key, ok := tokenErrorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		field := "token_role"
		if errors.Is(err, auth.ErrTokenName) {
			field = "token_name"
		}
		p := h.web.NewPage(r, "account.title", nil)
		p.Errors[field] = key
		p.Form = r.PostForm
		h.renderAccount(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	h.renderAccount(w, r, http.StatusOK, h.web.NewPage(r, "account.title", &tokenSection{New: token}))
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	err := h.auth.RevokeToken(r.Context(), id, web.User(r).ID)
	if errors.Is(err, auth.ErrNoToken) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/account#tokens", "tokens.revoked")
}
