package account

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

func (h *Handlers) loginForm(w http.ResponseWriter, r *http.Request) {
	if web.User(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p := h.web.NewPage(r, "login.title", nil)
	p.Form.Set("next", web.LocalPath(r.URL.Query().Get("next")))
	h.web.Render(w, r, http.StatusOK, "account/login", p)
}

func (h *Handlers) login(w http.ResponseWriter, r *http.Request) {
	p := h.web.NewPage(r, "login.title", nil)
	login := strings.TrimSpace(r.PostFormValue("login"))
	password := r.PostFormValue("password")
	p.Form.Set("login", login)
	p.Form.Set("next", web.LocalPath(r.PostFormValue("next")))
	if login == "" {
		p.Errors["login"] = "form.required"
	}
	if password == "" {
		p.Errors["password"] = "form.required"
	}
	if len(p.Errors) > 0 {
		h.web.Render(w, r, http.StatusUnprocessableEntity, "account/login", p)
		return
	}
	res, err := h.auth.Login(r.Context(), login, password, h.web.ClientAddr(r), r.UserAgent())
	if err != nil {
		h.loginFailed(w, r, p, err)
		return
	}
	h.replaceSession(w, r, res.Token)
	if res.State == auth.StateSecondFactor {
		http.Redirect(w, r, "/login/totp?next="+urlQuery(p.Form.Get("next")), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, p.Form.Get("next"), http.StatusSeeOther)
}

// loginFailed answers a failed password or code check in the user's
// language without saying whether the account exists.
func (h *Handlers) loginFailed(w http.ResponseWriter, r *http.Request, p *web.Page, err error) {
	key, ok := errorKey(err)
	if !ok {
		h.web.ServerError(w, r, err)
		return
	}
	status := http.StatusUnauthorized
	var th *auth.ThrottledError
	if errors.As(err, &th) {
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(int(th.RetryAfter.Seconds())))
	}
	p.Errors[""] = key
	name := "account/login"
	if web.StateOf(r).Session != nil && web.StateOf(r).Session.State == auth.StateSecondFactor {
		name = "account/totp_login"
	}
	h.web.Render(w, r, status, name, p)
}

// replaceSession ends whatever session the browser had and sets the new
// one: every login gets a fresh token.
func (h *Handlers) replaceSession(w http.ResponseWriter, r *http.Request, token string) {
	if old := web.StateOf(r).Token; old != "" {
		h.auth.Logout(r.Context(), old)
	}
	h.web.SetSessionCookie(w, r, token)
}

func (h *Handlers) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	p := h.web.NewPage(r, "login.totp.title", nil)
	p.Form.Set("next", web.LocalPath(r.URL.Query().Get("next")))
	h.web.Render(w, r, http.StatusOK, "account/totp_login", p)
}

func (h *Handlers) secondFactor(w http.ResponseWriter, r *http.Request) {
	p := h.web.NewPage(r, "login.totp.title", nil)
	p.Form.Set("next", web.LocalPath(r.PostFormValue("next")))
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		p.Errors["code"] = "form.required"
		h.web.Render(w, r, http.StatusUnprocessableEntity, "account/totp_login", p)
		return
	}
	res, err := h.auth.CompleteSecondFactor(r.Context(), web.StateOf(r).Token, code, h.web.ClientAddr(r), r.UserAgent())
	if errors.Is(err, auth.ErrNoSession) {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err != nil {
		h.loginFailed(w, r, p, err)
		return
	}
	h.web.SetSessionCookie(w, r, res.Token)
	http.Redirect(w, r, p.Form.Get("next"), http.StatusSeeOther)
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) {
	if tok := web.StateOf(r).Token; tok != "" {
		if err := h.auth.Logout(r.Context(), tok); err != nil {
			h.web.ServerError(w, r, err)
			return
		}
	}
	h.web.ClearSessionCookie(w, r)
	h.web.Redirect(w, r, "/login", "logout.done")
}
