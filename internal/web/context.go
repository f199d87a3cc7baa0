package web

import (
	"context"
	"net/http"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/i18n"
)

// State is what Faro knows about a request once its session is loaded. It
// lives in the request context as a pointer so that inner handlers can
// fill in what outer middleware reports (the matched route, for logs).
type State struct {
	User    *auth.User    // nil when anonymous or awaiting a second factor
	Session *auth.Session // nil when anonymous
	Token   string        // the session cookie's value
	// TokenID is the API token that authenticated the request (no
	// session, no cookies); 0 otherwise.
	TokenID int64
	L       *i18n.Localizer
	CSRF    string
	Route   string // the pattern that matched, never the raw path
}

type stateKey struct{}

// StateOf returns the request's state; never nil inside Faro's handler.
func StateOf(r *http.Request) *State {
	if s, ok := r.Context().Value(stateKey{}).(*State); ok {
		return s
	}
	return &State{}
}

func withState(r *http.Request, s *State) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, s))
}

// User returns the signed-in account or nil.
func User(r *http.Request) *auth.User { return StateOf(r).User }

// L returns the request's localizer.
func L(r *http.Request) *i18n.Localizer { return StateOf(r).L }
