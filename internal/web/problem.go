package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/i18n"
)

// The JSON API lives under /api/. Its errors are RFC 9457 problem details
// instead of pages, and its requests may authenticate with an API token
// (Authorization: Bearer) instead of a session cookie.

// APIPrefix starts every path of the JSON API.
const APIPrefix = "/api/"

// IsAPI reports whether r is a request to the JSON API.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, APIPrefix) }

// ProblemTypeBase prefixes the type URI of Faro's own problem kinds; each
// kind is documented under its anchor in docs/api.md.
const ProblemTypeBase = "https://github.com/faro-project/faro/blob/main/docs/api.md#problem-"

// Problem kinds beyond the plain HTTP status ("about:blank").
const (
	ProblemValidation   = "validation"    // 422 with an "errors" member
	ProblemTOTPRequired = "totp-required" // 403: an admin must set up a second factor first
	ProblemSealed       = "sealed"        // 503: the keys are not in memory
	ProblemConflict     = "state"         // 409: the record is not in a state that allows this
)

// problemTitles are the catalogue keys of each kind's title.
var problemTitles = map[string]string{
	ProblemValidation:   "api.problem.validation",
	ProblemTOTPRequired: "api.problem.totp_required",
	ProblemSealed:       "sealed.title",
	ProblemConflict:     "api.problem.state",
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors maps a field name to what is wrong with it (422 only).
	Errors map[string]string `json:"errors,omitempty"`
}

// ProblemSpec says which problem to answer; every text is a catalogue
// key, translated for the request's language.
type ProblemSpec struct {
	Status int
	Kind   string            // "" for a plain status (type about:blank)
	Detail string            // catalogue key, optional
	Errors map[string]string // field -> catalogue key
}

// WriteProblem answers with a problem details document. Titles and
// details are translated: by the Accept-Language header, else the
// account's language.
func (s *Server) WriteProblem(w http.ResponseWriter, r *http.Request, spec ProblemSpec) {
	l := StateOf(r).L
	if l == nil {
		l = s.I18n.Localizer(s.I18n.Match("", r.Header.Get("Accept-Language")))
	}
	p := Problem{Type: "about:blank", Status: spec.Status}
	titleKey := "api.problem." + strconv.Itoa(spec.Status)
	if key, ok := problemTitles[spec.Kind]; ok {
		p.Type, titleKey = ProblemTypeBase+spec.Kind, key
	}
	if _, ok := s.I18n.Lookup(i18n.Fallback, titleKey); !ok {
		titleKey = "api.problem.generic"
	}
	p.Title = l.T(titleKey)
	if spec.Detail != "" {
		p.Detail = l.T(spec.Detail)
	}
	if len(spec.Errors) > 0 {
		p.Errors = make(map[string]string, len(spec.Errors))
		for f, k := range spec.Errors {
			p.Errors[f] = l.T(k)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Language", l.Lang)
	switch spec.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="faro"`)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "60")
	}
	w.WriteHeader(spec.Status)
	json.NewEncoder(w).Encode(p)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
