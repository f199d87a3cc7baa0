package responders

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/*.html
var pages embed.FS

// Handlers serve the responder and message template pages.
type Handlers struct {
	web   *web.Server
	store *Store
}

// Register adds the responder routes; all are for coordinators and up.
func Register(s *web.Server, st *Store) *Handlers {
	h := &Handlers{web: s, store: st}
	s.AddPages("responders", pages, "templates/*.html")
	r, c := s.Router, web.AtLeast(auth.Coordinator)
	r.Handle("GET /responders", c, h.list)
	r.Handle("POST /responders", c, h.create)
	r.Handle("GET /responders/{id}", c, h.edit)
	r.Handle("POST /responders/{id}", c, h.update)
	r.Handle("GET /responders/templates", c, h.templates)
	r.Handle("GET /responders/templates/{id}", c, h.templateForm)
	r.Handle("POST /responders/templates/{id}", c, h.templateSave)
	return h
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// listData is the list page: every responder and the add form.
type listData struct {
	Responders []Responder
	Kinds      []string
	Channels   []string
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, h.web.NewPage(r, "responders.title", nil))
}

func (h *Handlers) renderList(w http.ResponseWriter, r *http.Request, status int, p *web.Page) {
	all, err := h.store.List(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	p.Data = listData{Responders: all, Kinds: Kinds, Channels: notify.Channels}
	h.web.Render(w, r, status, "responders/list", p)
}

// parseDetails reads the fields shared by the add and edit forms into r.
// A home position that does not parse is reported under "home".
func parseDetails(f url.Values, r *Responder) (homeBad bool) {
	r.Name = f.Get("name")
	r.Kind = f.Get("kind")
	langs, bad := ParseLanguages(f.Get("languages"))
	r.Languages = langs
	if bad {
		r.Languages = append(r.Languages, "?") // reported by validate
	}
	r.Notes = f.Get("notes")
	r.Home = nil
	if s := strings.TrimSpace(f.Get("home")); s != "" {
		p, err := geo.ParsePosition(s)
		if err != nil {
			return true
		}
		r.Home = &p
	}
	return false
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	resp := &Responder{Active: true}
	homeBad := parseDetails(r.PostForm, resp)
	if ch := r.PostForm.Get("channel"); ch != "" || strings.TrimSpace(r.PostForm.Get("address")) != "" {
		resp.Channels = []Channel{{Channel: ch, Address: r.PostForm.Get("address")}}
	}
	err := h.save(r, resp, homeBad)
	var ve *ValidationError
	if errors.As(err, &ve) {
		p := h.web.NewPage(r, "responders.title", nil)
		p.Form = r.PostForm
		copyErrors(p, ve, "channel.0", "address")
		h.renderList(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/responders/"+strconv.FormatInt(resp.ID, 10), "responders.created")
}

// save stores resp, or, when its home position did not parse, reports
// that together with anything else wrong so that all errors show at once.
func (h *Handlers) save(r *http.Request, resp *Responder, homeBad bool) error {
	if !homeBad {
		return h.store.Save(r.Context(), resp)
	}
	ve, _ := validate(resp).(*ValidationError)
	if ve == nil {
		ve = &ValidationError{}
	}
	ve.add("home", "responders.error.home", "")
	return ve
}

// copyErrors puts a validation error's keys on the page, renaming the
// field of the channel being added to the form's field name.
func copyErrors(p *web.Page, ve *ValidationError, channelField, formField string) {
	for f, k := range ve.Fields {
		if f == channelField {
			f = formField
		}
		p.Errors[f] = k
	}
	if len(ve.Fields) > 0 {
		p.Errors[""] = "responders.error.form"
	}
}

// editData is the edit page.
type editData struct {
	R        *Responder
	Kinds    []string
	Channels []string
}

func (h *Handlers) load(w http.ResponseWriter, r *http.Request) (*Responder, bool) {
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	resp, err := h.store.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return nil, false
	}
	return resp, true
}

func (h *Handlers) edit(w http.ResponseWriter, r *http.Request) {
	resp, ok := h.load(w, r)
	if !ok {
		return
	}
	p := h.web.NewPage(r, "responders.edit_title", nil)
	p.Form = detailsForm(resp)
	h.renderEdit(w, r, http.StatusOK, p, resp)
}

// detailsForm fills the edit form from a stored responder.
func detailsForm(resp *Responder) url.Values {
	f := url.Values{"name": {resp.Name}, "kind": {resp.Kind}, "languages": {strings.Join(resp.Languages, ", ")}, "notes": {resp.Notes}}
	if resp.Home != nil {
		f.Set("home", resp.Home.String())
	}
	if resp.Active {
		f.Set("active", "1")
	}
	return f
}

func (h *Handlers) renderEdit(w http.ResponseWriter, r *http.Request, status int, p *web.Page, resp *Responder) {
	p.Data = editData{R: resp, Kinds: Kinds, Channels: notify.Channels}
	h.web.Render(w, r, status, "responders/edit", p)
}

// Operations of the edit page's forms (numbers: button values hold no
// words).
const (
	opSave          = "1"
	opAddChannel    = "2"
	opRemoveChannel = "3"
	opActive        = "4"
)

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	resp, ok := h.load(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	stored := detailsForm(resp)
	homeBad, flash := false, "responders.saved"
	switch r.PostForm.Get("op") {
	case opSave:
		homeBad = parseDetails(r.PostForm, resp)
		resp.Active = r.PostForm.Get("active") == "1"
	case opAddChannel:
		resp.Channels = append(resp.Channels, Channel{Channel: r.PostForm.Get("channel"),
			Address: r.PostForm.Get("address"), Secret: []byte(strings.TrimSpace(r.PostForm.Get("secret")))})
		flash = "responders.channel_added"
	case opRemoveChannel:
		id, _ := strconv.ParseInt(r.PostForm.Get("ch"), 10, 64)
		n := len(resp.Channels)
		resp.Channels = slices.DeleteFunc(resp.Channels, func(c Channel) bool { return c.ID == id })
		if len(resp.Channels) == n {
			h.web.Error(w, r, http.StatusNotFound)
			return
		}
		flash = "responders.channel_removed"
	case opActive:
		resp.Active = r.PostForm.Get("active") == "1"
		flash = map[bool]string{true: "responders.activated", false: "responders.deactivated"}[resp.Active]
	default:
		h.web.Error(w, r, http.StatusBadRequest)
		return
	}
	err := h.save(r, resp, homeBad)
	var ve *ValidationError
	if errors.As(err, &ve) {
		p := h.web.NewPage(r, "responders.edit_title", nil)
		p.Form = stored
		if r.PostForm.Get("op") == opSave {
			p.Form = r.PostForm
		} else {
			p.Form.Set("channel", r.PostForm.Get("channel"))
			p.Form.Set("address", r.PostForm.Get("address"))
		}
		copyErrors(p, ve, "channel."+strconv.Itoa(len(resp.Channels)-1), "address")
		fresh, gerr := h.store.Get(r.Context(), resp.ID)
		if gerr != nil {
			h.web.ServerError(w, r, gerr)
			return
		}
		h.renderEdit(w, r, http.StatusUnprocessableEntity, p, fresh)
		return
	}
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/responders/"+strconv.FormatInt(resp.ID, 10), flash)
}
