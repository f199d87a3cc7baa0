// Package sealing is the web face of the vault: while Faro is sealed it
// answers every request with a "sealed" page except the unseal page
// itself, health checks and static assets; it lets share holders or the
// passphrase holder unseal, and lets an admin seal at once.
package sealing

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/vault"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serve the unseal and seal pages.
type Handlers struct {
	web     *web.Server
	vault   *vault.Vault
	audit   *audit.Log
	sealAll func(ctx context.Context, actor int64)
	// oneAtATime bounds the public unseal page to one key derivation
	// (128 MiB of argon2id) at a time: fifty parallel guesses must not
	// exhaust memory, and guessing gets no faster by asking in parallel.
	oneAtATime sync.Mutex
}

// Register adds the routes and installs the sealed gate.
// sealAll seals every process sharing the database; it must seal this
// one even when nothing else works.
func Register(s *web.Server, v *vault.Vault, a *audit.Log, sealAll func(ctx context.Context, actor int64)) {
	h := &Handlers{web: s, vault: v, audit: a, sealAll: sealAll}
	s.AddPages("sealing", templates, "templates/*.html")
	s.Router.Handle("GET /unseal", web.Public, h.unsealForm)
	s.Router.Handle("POST /unseal", web.Public, h.unseal)
	s.Router.Handle("POST /admin/seal", web.AtLeast(auth.Admin), h.sealNow)
	s.Gate = h.gate
}

// AllowedWhileSealed reports whether a path may be served while sealed.
// The language switch is allowed so share holders can read the unseal
// page in their language; the public site and open data read only the
// public dataset, stored in the clear, and need no keys.
func AllowedWhileSealed(path string) bool {
	return path == "/unseal" || path == "/healthz" || path == "/favicon.ico" || path == "/lang" ||
		strings.HasPrefix(path, "/static/") || path == "/public" || strings.HasPrefix(path, "/public/") || strings.HasPrefix(path, "/data/")
}

func (h *Handlers) gate(w http.ResponseWriter, r *http.Request) bool {
	if !h.vault.Sealed() || AllowedWhileSealed(r.URL.Path) {
		return false
	}
	p := h.web.NewPage(r, "sealed.title", nil)
	p.User = nil // nothing about the account shows while sealed
	w.Header().Set("Retry-After", "60")
	h.web.Render(w, r, http.StatusServiceUnavailable, "sealing/sealed", p)
	return true
}

type unsealData struct {
	Method   vault.Method
	Progress vault.Progress
	Sealed   bool
	NotInit  bool
}

func (h *Handlers) data(ctx context.Context) (unsealData, error) {
	d := unsealData{Sealed: h.vault.Sealed()}
	c, err := h.vault.Config(ctx)
	if errors.Is(err, vault.ErrNotInitialized) {
		d.NotInit = true
		return d, nil
	}
	if err != nil {
		return d, err
	}
	d.Method = c.Method
	if c.Method == vault.Shares {
		d.Progress, err = h.vault.Progress(ctx)
	}
	return d, err
}

func (h *Handlers) unsealForm(w http.ResponseWriter, r *http.Request) {
	d, err := h.data(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p := h.web.NewPage(r, "unseal.title", d)
	p.User = nil
	h.web.Render(w, r, http.StatusOK, "sealing/unseal", p)
}

func (h *Handlers) unseal(w http.ResponseWriter, r *http.Request) {
	d, err := h.data(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if !d.Sealed || d.NotInit {
		http.Redirect(w, r, "/unseal", http.StatusSeeOther)
		return
	}
	secret := r.PostFormValue("secret")
	p := h.web.NewPage(r, "unseal.title", d)
	p.User = nil
	if strings.TrimSpace(secret) == "" {
		p.Errors["secret"] = "form.required"
		h.web.Render(w, r, http.StatusUnprocessableEntity, "sealing/unseal", p)
		return
	}
	if d.Method == vault.Passphrase {
		if !h.oneAtATime.TryLock() {
			w.Header().Set("Retry-After", "5")
			h.web.Error(w, r, http.StatusTooManyRequests)
			return
		}
		err = h.vault.UnsealPassphrase(r.Context(), secret)
		h.oneAtATime.Unlock()
	} else {
		var prog vault.Progress
		prog, err = h.vault.AddShare(r.Context(), secret)
		d.Progress = prog
		p.Data = d
		if err == nil && h.vault.Sealed() {
			p.Flash = "unseal.share_taken"
			h.web.Render(w, r, http.StatusOK, "sealing/unseal", p)
			return
		}
	}
	if err != nil {
		key, ok := unsealErrorKey(err)
		if !ok {
			h.web.ServerError(w, r, err)
			return
		}
		if errors.Is(err, vault.ErrSharesWrong) {
			d.Progress.Have = 0
			p.Data = d
		}
		p.Errors["secret"] = key
		h.web.Render(w, r, http.StatusUnprocessableEntity, "sealing/unseal", p)
		return
	}
	h.audit.Record(r.Context(), audit.Entry{Action: "unseal", RecordType: "vault", RecordID: "1"})
	h.web.Redirect(w, r, "/", "unseal.done")
}

func unsealErrorKey(err error) (string, bool) {
	switch {
	case errors.Is(err, vault.ErrWrongSecret):
		return "unseal.error.passphrase", true
	case errors.Is(err, vault.ErrShareMalformed):
		return "unseal.error.malformed", true
	case errors.Is(err, vault.ErrShareForeign):
		return "unseal.error.foreign", true
	case errors.Is(err, vault.ErrShareDuplicate):
		return "unseal.error.duplicate", true
	case errors.Is(err, vault.ErrSharesWrong):
		return "unseal.error.wrong", true
	}
	return "", false
}

// sealNow never fails open: a slow or broken database may cost the audit
// entry, never the seal.
func (h *Handlers) sealNow(w http.ResponseWriter, r *http.Request) {
	h.sealAll(r.Context(), web.User(r).ID)
	h.web.Redirect(w, r, "/unseal", "")
}
