package account

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"net/url"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
	"github.com/pquerna/otp"
)

func urlQuery(s string) string { return url.QueryEscape(s) }

type accountData struct {
	Sessions []*auth.Session
	Tokens   *tokenSection // API tokens (tokens.go)
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, http.StatusOK, h.web.NewPage(r, "account.title", nil))
}

func (h *Handlers) renderAccount(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	st := web.StateOf(r)
	sessions, err := h.auth.Sessions(r.Context(), st.User.ID)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	for _, s := range sessions {
		s.Current = s.ID == st.Session.ID
	}
	// A token just created comes in as the page's data, to be shown once.
	tokens, ok := p.Data.(*tokenSection)
	if !ok {
		tokens = &tokenSection{}
	}
	if err := h.loadTokens(r.Context(), st.User, tokens); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p.Data = accountData{Sessions: sessions, Tokens: tokens}
	h.web.Render(w, r, status, "account/account", p)
}

func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	u := web.User(r)
	p := h.web.NewPage(r, "account.title", nil)
	current, next, confirm := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	switch {
	case current == "":
		p.Errors["current"] = "form.required"
	case next != confirm:
		p.Errors["confirm"] = "password.error.mismatch"
	}
	if len(p.Errors) == 0 {
		err := h.auth.ChangePassword(r.Context(), u.ID, current, next)
		if err == nil {
			// Every session, this one included, ended with the change; the
			// person who just proved the password keeps working.
			token, err := h.auth.NewSessionFor(r.Context(), u, r.UserAgent())
			if err != nil {
				h.web.ServerError(w, r, err)
				return
			}
			h.web.SetSessionCookie(w, r, token)
			h.web.Redirect(w, r, "/account", "password.changed")
			return
		}
		key, ok := errorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		field := "new"
		if errors.Is(err, auth.ErrWrongPassword) {
			field = "current"
		}
		p.Errors[field] = key
	}
	h.renderAccount(w, r, http.StatusUnprocessableEntity, p)
}

func (h *Handlers) revokeOwnSession(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	st := web.StateOf(r)
	err := h.auth.RevokeSession(r.Context(), id, st.User.ID)
	if errors.Is(err, auth.ErrNoSession) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if id == st.Session.ID {
		h.web.ClearSessionCookie(w, r)
		h.web.Redirect(w, r, "/login", "logout.done")
		return
	}
	h.web.Redirect(w, r, "/account", "session.revoked")
}

type totpData struct {
	Secret string
	// QR is a data: URL of a PNG. html/template blanks data: URLs held in
	// plain strings (src="#ZgotmplZ"); this one is built here, not typed.
	QR template.URL
}

func (h *Handlers) totpForm(w http.ResponseWriter, r *http.Request) {
	h.renderTOTP(w, r, http.StatusOK, h.web.NewPage(r, "totp.title", nil))
}

func (h *Handlers) renderTOTP(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	u := web.User(r)
	if u.TOTPEnabled {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	enr, err := h.auth.StartTOTP(r.Context(), u, h.web.Config.InstanceName)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p.Data = totpData{Secret: enr.Secret, QR: template.URL(qrDataURL(enr.URL))}
	h.web.Render(w, r, status, "account/totp_enrol", p)
}

// qrDataURL draws the otpauth URL as a QR code inline, so the secret never
// travels to a third-party QR service.
func qrDataURL(otpauth string) string {
	k, err := otp.NewKeyFromURL(otpauth)
	if err != nil {
		return ""
	}
	img, err := k.Image(180, 180)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

func (h *Handlers) totpConfirm(w http.ResponseWriter, r *http.Request) {
	p := h.web.NewPage(r, "totp.title", nil)
	err := h.auth.ConfirmTOTP(r.Context(), web.User(r).ID, r.PostFormValue("code"))
	if errors.Is(err, auth.ErrTOTPAlreadyOn) {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	if err != nil {
		key, ok := errorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		p.Errors["code"] = key
		h.renderTOTP(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	h.web.Redirect(w, r, "/account", "totp.enabled")
}

func (h *Handlers) totpDisable(w http.ResponseWriter, r *http.Request) {
	err := h.auth.DisableTOTP(r.Context(), web.User(r).ID, r.PostFormValue("password"))
	if err != nil {
		key, ok := errorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		p := h.web.NewPage(r, "account.title", nil)
		p.Errors["totp"] = key
		h.renderAccount(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	h.web.Redirect(w, r, "/account", "totp.disabled")
}
