// Package account holds the pages people use to sign in and out, manage
// their own account (password, second factor, sessions, language) and, for
// admins, to invite people and manage their accounts.
package account

import (
	"embed"
	"errors"
	"net/http"
	"strconv"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serves the account pages.
type Handlers struct {
	web  *web.Server
	auth *auth.Service
}

// Register adds the account routes to the server's router.
func Register(s *web.Server) {
	h := &Handlers{web: s, auth: s.Auth}
	s.AddPages("account", templates, "templates/*.html")
	r := s.Router
	r.Handle("GET /login", web.Public, h.loginForm)
	r.Handle("POST /login", web.Public, h.login)
	r.Handle("GET /login/totp", web.SecondFactor, h.secondFactorForm)
	r.Handle("POST /login/totp", web.SecondFactor, h.secondFactor)
	r.Handle("POST /logout", web.Public, h.logout)

	r.Handle("GET /account", web.AtLeast(auth.Viewer), h.show)
	r.Handle("POST /account/password", web.AtLeast(auth.Viewer), h.changePassword)
	r.Handle("GET /account/totp", web.Enrol, h.totpForm)
	r.Handle("POST /account/totp", web.Enrol, h.totpConfirm)
	r.Handle("POST /account/totp/disable", web.AtLeast(auth.Viewer), h.totpDisable)
	r.Handle("POST /account/sessions/{id}/revoke", web.AtLeast(auth.Viewer), h.revokeOwnSession)
	r.Handle("POST /account/tokens", web.AtLeast(auth.Viewer), h.createToken)
	r.Handle("POST /account/tokens/{id}/revoke", web.AtLeast(auth.Viewer), h.revokeToken)

	r.Handle("GET /admin/users", web.AtLeast(auth.Admin), h.adminUsers)
	r.Handle("POST /admin/invites", web.AtLeast(auth.Admin), h.adminInvite)
	r.Handle("POST /admin/invites/{id}/revoke", web.AtLeast(auth.Admin), h.adminRevokeInvite)
	r.Handle("POST /admin/users/{id}/role", web.AtLeast(auth.Admin), h.adminSetRole)
	r.Handle("POST /admin/users/{id}/disable", web.AtLeast(auth.Admin), h.adminDisable)
	r.Handle("POST /admin/users/{id}/enable", web.AtLeast(auth.Admin), h.adminEnable)
	r.Handle("GET /admin/sessions", web.AtLeast(auth.Admin), h.adminSessions)
	r.Handle("POST /admin/sessions/{id}/revoke", web.AtLeast(auth.Admin), h.adminRevokeSession)

	r.Handle("GET /invite/{token}", web.Public, h.inviteForm)
	r.Handle("POST /invite/{token}", web.Public, h.acceptInvite)
}

// errorKey maps a validation error to its catalogue key.
func errorKey(err error) (string, bool) {
	var th *auth.ThrottledError
	switch {
	case errors.As(err, &th):
		return "login.error.throttled", true
	case errors.Is(err, auth.ErrBadCredentials):
		return "login.error.credentials", true
	case errors.Is(err, auth.ErrDisabled):
		return "login.error.disabled", true
	case errors.Is(err, auth.ErrBadCode):
		return "totp.error.code", true
	case errors.Is(err, auth.ErrPasswordTooShort):
		return "password.error.short", true
	case errors.Is(err, auth.ErrPasswordTooLong):
		return "password.error.long", true
	case errors.Is(err, auth.ErrWrongPassword):
		return "password.error.current", true
	case errors.Is(err, auth.ErrBadLogin):
		return "user.error.login", true
	case errors.Is(err, auth.ErrBadName):
		return "user.error.name", true
	case errors.Is(err, auth.ErrLoginTaken):
		return "user.error.taken", true
	case errors.Is(err, auth.ErrBadRole):
		return "user.error.role", true
	case errors.Is(err, auth.ErrLastAdmin):
		return "user.error.last_admin", true
	case errors.Is(err, auth.ErrTOTPRequired):
		return "totp.error.required", true
	case errors.Is(err, auth.ErrInviteInvalid):
		return "invite.error.invalid", true
	}
	return "", false
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}
