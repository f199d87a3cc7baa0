package responders

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/web"
)

// templatesData is the template list.
type templatesData struct {
	Templates []MessageTemplate
}

func (h *Handlers) templates(w http.ResponseWriter, r *http.Request) {
	all, err := h.store.Templates(r.Context())
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Render(w, r, http.StatusOK, "responders/templates", h.web.NewPage(r, "responders.templates_title", templatesData{all}))
}

// templateData is the template edit page.
type templateData struct {
	New      bool
	ID       int64
	Channels []string
	Fields   []string          // "{{.Ref}}", …
	Examples []string          // the two constructs the help text names
	Details  map[string]string // technical reasons, by field
	Preview  *preview
}

type preview struct{ Subject, Body string }

// loadTemplate reads the template in the path; "new" starts a new one.
func (h *Handlers) loadTemplate(w http.ResponseWriter, r *http.Request) (*MessageTemplate, bool) {
	if r.PathValue("id") == "new" {
		return &MessageTemplate{}, true
	}
	id, ok := pathID(r)
	if !ok {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	t, err := h.store.GetTemplate(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		h.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return nil, false
	}
	return t, true
}

func templateForm(t *MessageTemplate) url.Values {
	return url.Values{"name": {t.Name}, "lang": {t.Lang}, "channel": {t.Channel}, "subject": {t.Subject}, "body": {t.Body}}
}

func (h *Handlers) templateForm(w http.ResponseWriter, r *http.Request) {
	t, ok := h.loadTemplate(w, r)
	if !ok {
		return
	}
	p := h.web.NewPage(r, "responders.template_title", nil)
	p.Form = templateForm(t)
	if t.ID == 0 {
		// "new?name=distress&lang=de" starts a translation of a template.
		q := r.URL.Query()
		p.Form.Set("name", q.Get("name"))
		p.Form.Set("lang", q.Get("lang"))
	}
	d := h.templateData(t)
	if t.ID != 0 {
		d.Preview = renderPreview(t)
	}
	h.renderTemplate(w, r, http.StatusOK, p, d)
}

func (h *Handlers) templateData(t *MessageTemplate) templateData {
	var fields []string
	for _, f := range notify.Fields() {
		fields = append(fields, "{{."+f+"}}")
	}
	return templateData{New: t.ID == 0, ID: t.ID, Channels: notify.Channels, Fields: fields,
		Examples: []string{"{{if .Notes}}…{{end}}", "{{upper .Kind}}"}, Details: map[string]string{}}
}

func (h *Handlers) renderTemplate(w http.ResponseWriter, r *http.Request, status int, p *web.Page, d templateData) {
	p.Data = d
	h.web.Render(w, r, status, "responders/template", p)
}

// renderPreview renders a valid template with sample data; nil otherwise.
func renderPreview(t *MessageTemplate) *preview {
	subject, err1 := notify.ParseTemplate(t.Subject)
	body, err2 := notify.ParseTemplate(t.Body)
	if err1 != nil || err2 != nil {
		return nil
	}
	var p preview
	p.Subject, err1 = subject.Render(notify.SampleData())
	p.Body, err2 = body.Render(notify.SampleData())
	if err1 != nil || err2 != nil {
		return nil
	}
	return &p
}

// Operations of the template form.
const (
	opTemplateSave    = "1"
	opTemplatePreview = "2"
)

func (h *Handlers) templateSave(w http.ResponseWriter, r *http.Request) {
	t, ok := h.loadTemplate(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	f := r.PostForm
	t.Name, t.Lang, t.Channel, t.Subject, t.Body = f.Get("name"), f.Get("lang"), f.Get("channel"), f.Get("subject"), f.Get("body")
	op := f.Get("op")
	var err error
	if op == opTemplatePreview {
		err = validateTemplate(t)
	} else {
		err = h.store.SaveTemplate(r.Context(), t)
	}
	var ve *ValidationError
	if errors.As(err, &ve) || op == opTemplatePreview {
		p := h.web.NewPage(r, "responders.template_title", nil)
		p.Form = f
		d := h.templateData(t)
		status := http.StatusOK
		if ve != nil {
			copyErrors(p, ve, "", "")
			d.Details = ve.Details
			status = http.StatusUnprocessableEntity
		} else {
			d.Preview = renderPreview(t)
		}
		h.renderTemplate(w, r, status, p, d)
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
	h.web.Redirect(w, r, "/responders/templates/"+strconv.FormatInt(t.ID, 10), "responders.template_saved")
}
