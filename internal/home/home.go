// Package home is the page people land on after signing in.
package home

import (
	"embed"
	"net/http"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Register adds the home page.
func Register(s *web.Server) {
	s.AddPages("home", templates, "templates/*.html")
	s.Router.Handle("GET /{$}", web.AtLeast(auth.Viewer), func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "home/home", s.NewPage(r, "home.title", nil))
	})
}
