package casedesk

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handlers serve the case desk pages.
type Handlers struct {
	web       *web.Server
	store     *Store
	incidents *incident.Store
	live      live.Broker
	audit     *audit.Log
	boards    *boardCache
}

// Register adds the case desk routes. b may be nil: pages then work by
// their refresh buttons only.
func Register(srv *web.Server, st *Store, inc *incident.Store, b live.Broker, a *audit.Log) *Handlers {
	h := &Handlers{web: srv, store: st, incidents: inc, live: b, audit: a}
	h.boards = newBoardCache(time.Now) // wall time: test clocks that tick per reading must not see it
	if b != nil {
		h.followBoard(b)
	}
	srv.AddPages("casedesk", templates, "templates/*.html")
	r := srv.Router
	r.Handle("GET /cases", web.AtLeast(auth.Viewer), h.board)
	r.Handle("GET /cases/events", web.AtLeast(auth.Viewer), h.boardEvents)
	r.Handle("GET /cases/new", web.AtLeast(auth.Documenter), h.newForm)
	r.Handle("POST /cases", web.AtLeast(auth.Documenter), h.create)
	r.Handle("POST /cases/handover", web.AtLeast(auth.Documenter), h.handover)
	r.Handle("GET /cases/{id}", web.AtLeast(auth.Viewer), h.show)
	r.Handle("GET /cases/{id}/events", web.AtLeast(auth.Viewer), h.caseEvents)
	r.Handle("POST /cases/{id}/entries", web.AtLeast(auth.Documenter), h.addEntry)
	r.Handle("POST /cases/{id}/phase", web.AtLeast(auth.Documenter), h.setPhase)
	r.Handle("POST /cases/{id}/details", web.AtLeast(auth.Documenter), h.editDetails)
	r.Handle("POST /cases/{id}/verify", web.AtLeast(auth.Reviewer), h.verify)
	r.Handle("POST /cases/{id}/close", web.AtLeast(auth.Documenter), h.close)
	r.Handle("POST /cases/{id}/reopen", web.AtLeast(auth.Coordinator), h.reopen)
	r.Handle("POST /cases/{id}/incident", web.AtLeast(auth.Documenter), h.makeIncident)
	r.Handle("GET /admin/regions", web.AtLeast(auth.Admin), h.regionsPage)
	r.Handle("POST /admin/regions", web.AtLeast(auth.Admin), h.regionAdd)
	return h
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// load fetches the case in the path, answering 404 itself.
func (h *Handlers) load(w http.ResponseWriter, r *http.Request) (*Case, bool) {
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	c, err := h.store.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return nil, false
	}
	return c, true
}

// part renders one named template of a page without the layout: the
// fragment a live page fetches when told something changed.
func (h *Handlers) part(w http.ResponseWriter, r *http.Request, page, name string, p *web.Page) {
	b, err := h.execPart(page, name, p)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	writePart(w, b)
}

func (h *Handlers) execPart(page, name string, p *web.Page) ([]byte, error) {
	t, ok := h.web.Templates()[page]
	if !ok {
		return nil, errors.New("casedesk: no page " + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writePart(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// logins maps account ids to login names for authors on the page.
func (h *Handlers) logins(ctx context.Context) (map[int64]string, error) {
	users, err := h.web.Auth.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(users))
	for _, u := range users {
		out[u.ID] = u.Login
	}
	return out, nil
}

// wantsStream says whether the request comes from an EventSource. Any
// other GET (a crawler, a link opened by hand) gets an immediate answer
// instead of a stream that never ends.
func wantsStream(w http.ResponseWriter, r *http.Request) bool {
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		http.Error(w, "text/event-stream only", http.StatusNotAcceptable)
		return false
	}
	return true
}

func (h *Handlers) boardEvents(w http.ResponseWriter, r *http.Request) {
	if !wantsStream(w, r) {
		return
	}
	if h.live == nil {
		w.WriteHeader(http.StatusNoContent) // EventSource stops asking
		return
	}
	live.ServeSSE(w, r, h.live, TopicBoard)
}

func (h *Handlers) caseEvents(w http.ResponseWriter, r *http.Request) {
	c, ok := h.load(w, r)
	if !ok || !wantsStream(w, r) {
		return
	}
	if h.live == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	live.ServeSSE(w, r, h.live, TopicCase(c.ID))
}

// storeError answers a refused change: a change that no longer fits the
// case (someone else closed it meanwhile) goes back to the case with a
// notice; anything else is a server error.
func (h *Handlers) storeError(w http.ResponseWriter, r *http.Request, id int64, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		h.web.Error(w, r, http.StatusNotFound)
	case errors.Is(err, ErrState), errors.Is(err, ErrInvalid):
		h.web.Redirect(w, r, caseURL(id), "casedesk.flash.state")
	default:
		h.web.ServerError(w, r, err)
	}
}

func caseURL(id int64) string { return "/cases/" + strconv.FormatInt(id, 10) }
