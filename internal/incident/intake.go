package incident

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/faro-project/faro/internal/web"
)

type stepData struct {
	Inc       *Incident
	T         *Testimony
	Step      int
	Steps     []int
	Types     []Term
	Violence  []Term
	Teams     []*Team
	Scopes    []string
	Map       template.HTML
	Action    string
	Autosave  string
	CanSubmit bool
}

// step reads ?step=N (1..Steps).
func step(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > Steps {
		return StepWhatWhere
	}
	return n
}

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	h.renderStep(w, r, http.StatusOK, h.web.NewPage(r, "incident.new_title", nil), &Incident{}, &Testimony{}, StepWhatWhere)
}

func (h *Handlers) renderStep(w http.ResponseWriter, r *http.Request, status int, p *web.Page, inc *Incident, t *Testimony, n int) {
	ctx := r.Context()
	d := stepData{Inc: inc, T: t, Step: n, Steps: []int{1, 2, 3, 4}, Scopes: ConsentScopes}
	var err error
	if d.Types, err = h.vocab.Terms(ctx, "incident_type"); err == nil {
		if d.Violence, err = h.vocab.Terms(ctx, "violence"); err == nil {
			d.Teams, err = h.teams.List(ctx)
		}
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if inc.ID == 0 {
		d.Action, d.Autosave = "/incidents", "/incidents/autosave"
	} else {
		d.Action, d.Autosave = "/incidents/"+itoa(inc.ID)+"/edit", "/incidents/"+itoa(inc.ID)+"/autosave"
		d.CanSubmit = inc.Status == StatusDraft
	}
	if inc.Point != nil {
		d.Map = pointMap(inc.Point)
	}
	if len(p.Form) == 0 {
		p.Form = formValues(inc, t)
	}
	p.Data = d
	h.web.Render(w, r, status, "incident/step", p)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// loadEditable is load for handlers that change the record: it also
// answers 403 itself when the account may not edit it.
func (h *Handlers) loadEditable(w http.ResponseWriter, r *http.Request) (*Incident, bool) {
	inc, ok := h.load(w, r)
	if ok && !canEdit(web.User(r), inc) {
		h.web.Error(w, r, http.StatusForbidden)
		return nil, false
	}
	return inc, ok
}

// firstTestimony is the testimony the intake form edits.
func firstTestimony(inc *Incident) *Testimony {
	if len(inc.Testimonies) > 0 {
		return inc.Testimonies[0]
	}
	return &Testimony{IncidentID: inc.ID, ConsentScope: ConsentInternal}
}

// create saves the first step as a new draft.
func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	snap, err := h.vocab.Checker(ctx)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	r.ParseForm()
	inc := &Incident{}
	errs := ApplyStep(StepWhatWhere, r.PostForm, inc, nil, snap)
	if len(errs) > 0 {
		p := h.web.NewPage(r, "incident.new_title", nil)
		p.Errors, p.Form = errs, r.PostForm
		h.renderStep(w, r, http.StatusUnprocessableEntity, p, inc, &Testimony{}, StepWhatWhere)
		return
	}
	if err := h.store.Create(ctx, inc, nil); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/incidents/"+itoa(inc.ID)+"/edit?step=2", "incident.saved")
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	inc, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	h.renderStep(w, r, http.StatusOK, h.web.NewPage(r, "incident.edit_title", nil), inc, firstTestimony(inc), step(r.URL.Query().Get("step")))
}

// saveStep validates and saves one step; with errors nothing is saved and
// the step is shown again with what was typed.
func (h *Handlers) saveStep(w http.ResponseWriter, r *http.Request) {
	inc, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	n := step(r.PostForm.Get("step"))
	t := firstTestimony(inc)
	errs, err := h.apply(r, n, inc, t)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if len(errs) > 0 {
		p := h.web.NewPage(r, "incident.edit_title", nil)
		p.Errors, p.Form = errs, r.PostForm
		h.renderStep(w, r, http.StatusUnprocessableEntity, p, inc, t, n)
		return
	}
	if err := h.save(r, n, inc, t); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	// The buttons say where to go: -1 back, 1 on, 0 finish.
	next := n + 1
	if r.PostForm.Get("go") == "-1" && n > 1 {
		next = n - 1
	}
	if r.PostForm.Get("go") == "2" && n == StepSources {
		// "Submit for review" belongs to the last step's form, so what
		// was typed there is saved before the record is handed in.
		h.submitDraft(w, r, inc)
		return
	}
	if next > Steps || r.PostForm.Get("go") == "0" {
		h.web.Redirect(w, r, "/incidents/"+itoa(inc.ID), "incident.saved")
		return
	}
	h.web.Redirect(w, r, "/incidents/"+itoa(inc.ID)+"/edit?step="+strconv.Itoa(next), "incident.saved")
}

func (h *Handlers) apply(r *http.Request, n int, inc *Incident, t *Testimony) (Errors, error) {
	snap, err := h.vocab.Checker(r.Context())
	if err != nil {
		return nil, err
	}
	before := inc.TeamID
	errs := ApplyStep(n, r.PostForm, inc, t, snap)
	if n == StepWhatWhere && inc.TeamID != 0 && inc.TeamID != before {
		ok, err := h.teams.MayFileUnder(r.Context(), web.User(r), inc.TeamID)
		if err != nil {
			return nil, err
		}
		if !ok {
			errs["team"] = "form.choose"
			inc.TeamID = before
		}
	}
	return errs, nil
}

func (h *Handlers) save(r *http.Request, n int, inc *Incident, t *Testimony) error {
	if n == StepTestimony {
		t.IncidentID = inc.ID
		return h.store.SaveTestimony(r.Context(), t)
	}
	return h.store.Update(r.Context(), inc)
}

// autosave keeps what is valid of a step as the user types (JavaScript
// posts the form every few seconds and when the connection returns). It
// answers JSON: which fields could not be kept and why.
func (h *Handlers) autosave(w http.ResponseWriter, r *http.Request) {
	inc, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	n := step(r.PostForm.Get("step"))
	t := firstTestimony(inc)
	before, beforeT := *inc, *t
	errs, err := h.apply(r, n, inc, t)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	restoreInvalid(&before, inc, errs)
	restoreInvalidTestimony(&beforeT, t, errs)
	if n == StepTestimony && errs["consent_scope"] != "" {
		t.ConsentScope = ConsentInternal // the safest scope until one is chosen
	}
	if err := h.save(r, n, inc, t); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.autosaveReply(w, r, inc.ID, errs)
}

// restoreInvalid keeps the stored value of fields that failed to parse,
// so an autosave never blanks what was saved before (the form code
// empties a field it cannot read: a too-long text, an unreadable count).
func restoreInvalid(before, after *Incident, errs Errors) {
	b, a := &before.Counts, &after.Counts
	for field := range errs {
		switch field {
		case "type":
			after.Type = before.Type
		case "date":
			after.OccurredAt, after.DatePrecision = before.OccurredAt, before.DatePrecision
		case "position":
			after.Point, after.PointPrecisionM = before.Point, before.PointPrecisionM
		case "country":
			after.Country = before.Country
		case "adm1":
			after.Adm1 = before.Adm1
		case "adm2":
			after.Adm2 = before.Adm2
		case "place":
			after.Place = before.Place
		case "team":
			after.TeamID = before.TeamID
		case "group_size":
			a.GroupSize = b.GroupSize
		case "dead":
			a.Dead = b.Dead
		case "missing":
			a.Missing = b.Missing
		case "survivors":
			a.Survivors = b.Survivors
		case "minors":
			a.Minors = b.Minors
		case "women":
			a.Women = b.Women
		case "men":
			a.Men = b.Men
		case "officers":
			after.Officers = before.Officers
		case "origins":
			after.Origins = before.Origins
		case "units":
			after.Units = before.Units
		case "uniforms":
			after.Uniforms = before.Uniforms
		case "vehicles":
			after.Vehicles = before.Vehicles
		case "violence":
			after.Violence = before.Violence
		case "asylum":
			after.AsylumAsked = before.AsylumAsked
		case "interpreter":
			after.Interpreter = before.Interpreter
		case "sources":
			after.Sources = before.Sources
		case "source_quality":
			after.SourceQuality = before.SourceQuality
		case "tags":
			after.Tags = before.Tags
		}
	}
}

// restoreInvalidTestimony is restoreInvalid for the testimony step.
func restoreInvalidTestimony(before, after *Testimony, errs Errors) {
	for field := range errs {
		switch field {
		case "narrative":
			after.Narrative = before.Narrative
		case "language":
			after.Language = before.Language
		case "pseudonym":
			after.Pseudonym = before.Pseudonym
		case "interviewer":
			after.Interviewer = before.Interviewer
		case "interpreter_name":
			after.InterpreterName = before.InterpreterName
		case "witness_contact":
			after.WitnessContact = before.WitnessContact
		case "taken_on":
			after.TakenOn = before.TakenOn
		case "consent_date":
			after.ConsentDate = before.ConsentDate
		case "consent_how":
			after.ConsentHow = before.ConsentHow
		}
	}
}

// autosaveNew creates the draft on the first autosave of a new form.
func (h *Handlers) autosaveNew(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	inc := &Incident{}
	errs, err := h.apply(r, StepWhatWhere, inc, nil)
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if err := h.store.Create(r.Context(), inc, nil); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.autosaveReply(w, r, inc.ID, errs)
}

type autosaveResult struct {
	ID       string            `json:"id"`
	Action   string            `json:"action"`
	Autosave string            `json:"autosave"`
	Errors   map[string]string `json:"errors"`
}

func (h *Handlers) autosaveReply(w http.ResponseWriter, r *http.Request, id int64, errs Errors) {
	l := web.L(r)
	out := autosaveResult{ID: itoa(id), Action: "/incidents/" + itoa(id) + "/edit", Autosave: "/incidents/" + itoa(id) + "/autosave", Errors: map[string]string{}}
	for f, k := range errs {
		out.Errors[f] = l.T(k)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// submit hands a complete draft in for review.
func (h *Handlers) submit(w http.ResponseWriter, r *http.Request) {
	inc, ok := h.load(w, r)
	if !ok {
		return
	}
	h.submitDraft(w, r, inc)
}

func (h *Handlers) submitDraft(w http.ResponseWriter, r *http.Request, inc *Incident) {
	if inc.Status != StatusDraft || inc.CreatedBy != web.User(r).ID {
		h.web.Error(w, r, http.StatusForbidden)
		return
	}
	if missing := incomplete(inc); missing != "" {
		p := h.web.NewPage(r, "incident.edit_title", nil)
		p.Errors[""] = missing
		h.renderStep(w, r, http.StatusUnprocessableEntity, p, inc, firstTestimony(inc), StepSources)
		return
	}
	if err := h.store.Submit(r.Context(), inc.ID); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/incidents/"+itoa(inc.ID), "incident.submitted")
}

// incomplete names what a record lacks before it can be submitted.
func incomplete(inc *Incident) string {
	switch {
	case inc.Type == "":
		return "incident.missing_type"
	case inc.OccurredAt.IsZero():
		return "incident.missing_date"
	}
	return ""
}

// attach streams an uploaded file into the evidence store and links it.
func (h *Handlers) attach(w http.ResponseWriter, r *http.Request) {
	inc, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	// The testimony comes in the URL: the multipart body is streamed,
	// never parsed into a form.
	var testimonyID int64
	if v := r.URL.Query().Get("testimony"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !hasTestimony(inc, id) {
			h.web.Error(w, r, http.StatusNotFound)
			return
		}
		testimonyID = id
	}
	f, refused, err := h.evidence.Receive(w, r)
	switch {
	case err != nil:
		h.web.ServerError(w, r, err)
		return
	case refused != nil:
		h.attachFailed(w, r, inc, refused.Key, refused.Status)
		return
	}
	if err := h.store.AttachEvidence(r.Context(), inc.ID, f.ID, testimonyID); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	if r.Header.Get("Accept") == "application/json" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"id": f.ID, "sha256": f.SHA256})
		return
	}
	back := "/incidents/" + itoa(inc.ID) + "/edit?step=4"
	if testimonyID != 0 {
		back = "/incidents/" + itoa(inc.ID) + "/edit?step=3"
	}
	h.web.Redirect(w, r, back, "evidence.uploaded")
}

func hasTestimony(inc *Incident, id int64) bool {
	for _, t := range inc.Testimonies {
		if t.ID == id {
			return true
		}
	}
	return false
}

func (h *Handlers) attachFailed(w http.ResponseWriter, r *http.Request, inc *Incident, key string, status int) {
	p := h.web.NewPage(r, "incident.edit_title", nil)
	p.Errors["file"] = key
	h.renderStep(w, r, status, p, inc, firstTestimony(inc), StepSources)
}

func (h *Handlers) verify(w http.ResponseWriter, r *http.Request) {
	inc, ok := h.load(w, r)
	if !ok {
		return
	}
	level := r.PostFormValue("level")
	valid := false
	for _, l := range Verifications {
		valid = valid || l == level
	}
	if !valid || inc.Status != StatusSubmitted {
		h.web.Error(w, r, http.StatusUnprocessableEntity)
		return
	}
	if err := h.store.SetVerification(r.Context(), inc.ID, level); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/incidents/"+itoa(inc.ID), "incident.verified")
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	inc, ok := h.load(w, r)
	if !ok {
		return
	}
	if err := h.store.Delete(r.Context(), inc.ID); err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	h.web.Redirect(w, r, "/incidents", "incident.deleted")
}

// formValues turns a stored record back into form values for editing.
func formValues(inc *Incident, t *Testimony) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	num := func(k string, p *int) {
		if p != nil {
			v.Set(k, strconv.Itoa(*p))
		}
	}
	tri := func(k string, p *bool) {
		switch {
		case p == nil:
			v.Set(k, "unknown")
		case *p:
			v.Set(k, "yes")
		default:
			v.Set(k, "no")
		}
	}
	set("type", inc.Type)
	if !inc.OccurredAt.IsZero() {
		switch inc.DatePrecision {
		case PrecisionMonth:
			v.Set("date", inc.OccurredAt.Format("2006-01"))
		case PrecisionTime:
			v.Set("date", inc.OccurredAt.Format("2006-01-02"))
			v.Set("time", inc.OccurredAt.Format("15:04"))
		default:
			v.Set("date", inc.OccurredAt.Format("2006-01-02"))
		}
	}
	set("country", inc.Country)
	set("adm1", inc.Adm1)
	set("adm2", inc.Adm2)
	set("place", inc.Place)
	if inc.Point != nil {
		v.Set("position", strconv.FormatFloat(inc.Point.Lat, 'f', -1, 64)+", "+strconv.FormatFloat(inc.Point.Lon, 'f', -1, 64))
	}
	if inc.TeamID != 0 {
		v.Set("team", itoa(inc.TeamID))
	}
	c := inc.Counts
	num("group_size", c.GroupSize)
	num("dead", c.Dead)
	num("missing", c.Missing)
	num("survivors", c.Survivors)
	num("minors", c.Minors)
	num("women", c.Women)
	num("men", c.Men)
	num("officers", inc.Officers)
	set("origins", joinCodes(inc.Origins))
	set("units", inc.Units)
	set("uniforms", inc.Uniforms)
	set("vehicles", inc.Vehicles)
	v["violence"] = inc.Violence
	tri("asylum", inc.AsylumAsked)
	tri("interpreter", inc.Interpreter)
	set("sources", inc.Sources)
	num("source_quality", inc.SourceQuality)
	set("tags", joinCodes(inc.Tags))
	if t != nil {
		set("narrative", t.Narrative)
		set("language", t.Language)
		set("pseudonym", t.Pseudonym)
		set("interviewer", t.Interviewer)
		set("interpreter_name", t.InterpreterName)
		set("witness_contact", t.WitnessContact)
		if !t.TakenOn.IsZero() {
			v.Set("taken_on", t.TakenOn.Format("2006-01-02"))
		}
		set("consent_scope", t.ConsentScope)
		if !t.ConsentDate.IsZero() {
			v.Set("consent_date", t.ConsentDate.Format("2006-01-02"))
		}
		set("consent_how", t.ConsentHow)
	}
	return v
}
