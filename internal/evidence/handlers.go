package evidence

import (
	"embed"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serve the evidence pages.
type Handlers struct {
	web     *web.Server
	store   *Store
	audit   *audit.Log
	visible VisibleThrough
}

// Register adds the evidence routes.
func Register(s *web.Server, st *Store, a *audit.Log) *Handlers {
	h := &Handlers{web: s, store: st, audit: a}
	s.AddPages("evidence", templates, "templates/*.html")
	s.Router.Handle("GET /evidence", web.AtLeast(auth.Documenter), h.list)
	s.Router.Handle("POST /evidence", web.AtLeast(auth.Documenter), h.upload)
	s.Router.Handle("GET /evidence/{id}", web.AtLeast(auth.Documenter), h.show)
	s.Router.Handle("GET /evidence/{id}/preview", web.AtLeast(auth.Documenter), h.preview)
	s.Router.Handle("GET /evidence/{id}/download", web.AtLeast(auth.Reviewer), h.download)
	return h
}

// VisibleThrough says whether the account of r may see a record that the
// evidence file is attached to. The incident package provides it, so that
// a file is never more visible than the records it belongs to.
type VisibleThrough func(r *http.Request, evidenceID string) (bool, error)

// SetVisibility installs the record-based visibility check.
func (h *Handlers) SetVisibility(fn VisibleThrough) { h.visible = fn }

// mayRead answers 404 itself and returns false when the signed-in account
// may not see the file: only its uploader, coordinators and up, and those
// who may see a record it is attached to.
func (h *Handlers) mayRead(w http.ResponseWriter, r *http.Request, id string) bool {
	owner, err := h.store.Owner(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return false
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return false
	}
	u := web.User(r)
	if owner == u.ID || u.Role.AtLeast(auth.Coordinator) {
		return true
	}
	if h.visible != nil {
		ok, err := h.visible(r, id)
		if err != nil {
			h.web.ServerError(w, r, err)
			return false
		}
		if ok {
			return true
		}
	}
	h.web.Error(w, r, http.StatusNotFound)
	return false
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	files, err := h.listFor(r)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Render(w, r, http.StatusOK, "evidence/list", h.web.NewPage(r, "evidence.title", files))
}

// upload stores one file and shows it.
func (h *Handlers) upload(w http.ResponseWriter, r *http.Request) {
	f, refused, err := h.store.Receive(w, r)
	switch {
	case err != nil:
		h.web.ServerError(w, r, err)
	case refused != nil:
		h.uploadFailed(w, r, refused.Key, refused.Status)
	default:
		h.web.Redirect(w, r, "/evidence/"+f.ID, "evidence.uploaded")
	}
}

func (h *Handlers) uploadFailed(w http.ResponseWriter, r *http.Request, key string, status int) {
	files, err := h.listFor(r)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p := h.web.NewPage(r, "evidence.title", files)
	p.Errors["file"] = key
	h.web.Render(w, r, status, "evidence/list", p)
}

type showData struct {
	File    *File
	Readers []audit.Event
	Logins  map[int64]string
	CanSee  bool
	IsImage bool
}

func (h *Handlers) show(w http.ResponseWriter, r *http.Request) {
	if !h.mayRead(w, r, r.PathValue("id")) {
		return
	}
	ctx := r.Context()
	f, _, err := h.store.Stat(ctx, r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	// The file name is sensitive: showing it is a read.
	if err := h.audit.Record(ctx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Read, RecordType: "evidence", RecordID: f.ID}); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	d := showData{File: f, CanSee: web.User(r).Role.AtLeast(auth.Reviewer), IsImage: strings.HasPrefix(f.ContentType, "image/")}
	if d.CanSee {
		if d.Readers, err = h.audit.Of(ctx, "evidence", f.ID, ""); err != nil {
			h.web.ServerError(w, r, err)
			return
		}
		users, err := h.web.Auth.Users(ctx)
		if err != nil {
			h.web.ServerError(w, r, err)
			return
		}
		d.Logins = map[int64]string{}
		for _, u := range users {
			d.Logins[u.ID] = u.Login
		}
	}
	h.web.Render(w, r, http.StatusOK, "evidence/show", h.web.NewPage(r, "evidence.file_title", d))
}

func (h *Handlers) download(w http.ResponseWriter, r *http.Request) {
	if !h.mayRead(w, r, r.PathValue("id")) {
		return
	}
	f, rc, err := h.store.Open(r.Context(), r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", attachment(f.Name))
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	w.Header().Set("X-Content-SHA256", f.SHA256)
	if _, err := io.Copy(w, rc); err != nil {
		// The file failed authentication part-way: cut the connection so
		// the client never takes a truncated file for a whole one.
		h.web.Log.Error("evidence download failed", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// attachment builds a Content-Disposition that always downloads and
// survives any file name (RFC 6266 and RFC 8187).
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' {
			return '_'
		}
		return r
	}, name)
	return mime.FormatMediaType("attachment", map[string]string{"filename": ascii}) +
		"; filename*=UTF-8''" + extValue(name)
}

// extValue percent-encodes s for an RFC 8187 ext-value, where only
// attr-char may stand as is (url.PathEscape leaves ':', '=', '@' and
// others unescaped, which strict parsers reject).
func extValue(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func (h *Handlers) preview(w http.ResponseWriter, r *http.Request) {
	if !h.mayRead(w, r, r.PathValue("id")) {
		return
	}
	data, ctype, err := h.store.Derivative(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrNoDerivative):
		h.web.Error(w, r, http.StatusNotFound)
		return
	case err != nil:
		h.web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "inline")
	w.Write(data)
}

// listFor lists the files the account uploaded, or every file for
// coordinators and up; files of records reach others through the records.
func (h *Handlers) listFor(r *http.Request) ([]*File, error) {
	u := web.User(r)
	if u.Role.AtLeast(auth.Coordinator) {
		return h.store.List(r.Context(), 0)
	}
	return h.store.List(r.Context(), u.ID)
}
