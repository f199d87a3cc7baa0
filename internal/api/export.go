package api

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/web"
)

// An export is the whole current filtered list (the list page's filters,
// every page), written row by row as it is read. Reviewers and up may
// export; the encrypted fields go into an export only when asked for with
// sensitive=1 and only for coordinators and admins. Every export is
// written to the audit log before its first byte leaves.

// SensitiveExportRole is the role an export of encrypted fields needs.
const SensitiveExportRole = auth.Coordinator

// exportColumns are the columns of every CSV export, in order.
var exportColumns = []string{"id", "ref", "status", "type", "date", "time", "date_precision", "country", "adm1", "adm2",
	"team_id", "group_size", "dead", "missing", "survivors", "minors", "women", "men", "officers", "origins",
	"units", "uniforms", "vehicles", "violence", "asylum_asked", "interpreter_present", "source_quality",
	"verification", "verified_at", "tags", "consent_scope", "created_at", "updated_at"}

// sensitiveColumns follow them in a sensitive export. Interviewers',
// interpreters' and witnesses' names and contacts never leave Faro in an
// export: nobody needs them in a spreadsheet.
var sensitiveColumns = []string{"place", "latitude", "longitude", "position_precision_m", "sources", "pseudonyms", "narratives"}

// formulaStart are the characters that make a spreadsheet read a cell as a
// formula.
const formulaStart = "=+-@\t\r"

// SafeCell makes text safe for a spreadsheet: line ends become "\n" (what
// a CSV reader gives back), and a cell a spreadsheet would run as a
// formula gets a leading apostrophe, which shows it as text.
func SafeCell(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if s != "" && strings.ContainsRune(formulaStart, rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvWriter writes text cells through SafeCell; numbers, dates and codes
// Faro made itself are written as they are.
type csvWriter struct {
	w   *csv.Writer
	row []string
}

// utf8BOM starts the CSV people download from the list page.
const utf8BOM = "\ufeff"

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: csv.NewWriter(w)} }

func (c *csvWriter) text(s string)  { c.row = append(c.row, SafeCell(s)) }
func (c *csvWriter) plain(s string) { c.row = append(c.row, s) }

func (c *csvWriter) num(p *int) {
	if p == nil {
		c.row = append(c.row, "")
		return
	}
	c.row = append(c.row, strconv.Itoa(*p))
}

func (c *csvWriter) yesNo(p *bool) {
	switch {
	case p == nil:
		c.row = append(c.row, "")
	case *p:
		c.row = append(c.row, "yes")
	default:
		c.row = append(c.row, "no")
	}
}

func (c *csvWriter) end() error {
	err := c.w.Write(c.row)
	c.row = c.row[:0]
	return err
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (c *csvWriter) incident(inc *incident.Incident, sensitive bool) error {
	o := incidentJSON(inc, shape{sensitive: sensitive, export: true})
	c.plain(strconv.FormatInt(o.ID, 10))
	c.text(o.Ref)
	c.text(o.Status)
	c.text(o.Type)
	c.plain(deref(o.Date))
	c.plain(deref(o.Time))
	c.text(o.DatePrecision)
	c.text(o.Country)
	c.text(o.Adm1)
	c.text(o.Adm2)
	if o.TeamID != nil {
		c.plain(strconv.FormatInt(*o.TeamID, 10))
	} else {
		c.plain("")
	}
	for _, n := range []*int{o.GroupSize, o.Dead, o.Missing, o.Survivors, o.Minors, o.Women, o.Men, o.Officers} {
		c.num(n)
	}
	c.text(strings.Join(o.Origins, ","))
	c.text(o.Units)
	c.text(o.Uniforms)
	c.text(o.Vehicles)
	c.text(strings.Join(o.Violence, ","))
	c.yesNo(o.AsylumAsked)
	c.yesNo(o.InterpreterPresent)
	c.num(o.SourceQuality)
	c.text(o.Verification)
	c.plain(stamp(o.VerifiedAt))
	c.text(strings.Join(o.Tags, ","))
	c.text(o.ConsentScope)
	c.plain(o.CreatedAt.Format(time.RFC3339))
	c.plain(o.UpdatedAt.Format(time.RFC3339))
	if sensitive {
		c.text(inc.Place)
		if p := inc.Point; p != nil {
			c.plain(strconv.FormatFloat(p.Lat, 'f', -1, 64))
			c.plain(strconv.FormatFloat(p.Lon, 'f', -1, 64))
			c.plain(strconv.Itoa(inc.PointPrecisionM))
		} else {
			c.plain("")
			c.plain("")
			c.plain("")
		}
		c.text(inc.Sources)
		var names, narratives []string
		for _, t := range inc.Testimonies {
			if t.Pseudonym != "" {
				names = append(names, t.Pseudonym)
			}
			if t.Narrative != "" {
				narratives = append(narratives, t.Narrative)
			}
		}
		c.text(strings.Join(names, "; "))
		c.text(strings.Join(narratives, "\n\n---\n\n"))
	}
	return c.end()
}

// safeCode is what of a filter value may go into the audit log: codes,
// never free text.
var safeCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// describeFilter is the export's record id in the audit log: which
// filters were set, with their codes, and never the words searched for.
func describeFilter(format string, q map[string][]string, sensitive bool) string {
	parts := []string{format}
	for _, k := range []string{"status", "from", "to", "country", "type", "violence", "verification", "consent", "team", "sort"} {
		if len(q[k]) == 0 || q[k][0] == "" {
			continue
		}
		v := q[k][0]
		if !safeCode.MatchString(v) {
			v = "?"
		}
		parts = append(parts, k+"="+v)
	}
	if len(q["q"]) > 0 && strings.TrimSpace(q["q"][0]) != "" {
		parts = append(parts, "q=(text)")
	}
	if sensitive {
		parts = append(parts, "sensitive")
	}
	return strings.Join(parts, " ")
}

// prepareExport checks the request, writes the audit entry and returns
// the filter and viewer; it answers itself when the export cannot go on.
func (h *Handlers) prepareExport(w http.ResponseWriter, r *http.Request, format string) (incident.Filter, incident.Viewer, bool, bool) {
	q := r.URL.Query()
	f, errs := h.listFilter(r)
	delete(errs, "page")
	delete(errs, "per_page")
	var sensitive bool
	switch q.Get("sensitive") {
	case "", "0":
	case "1":
		sensitive = true
	default:
		errs["sensitive"] = "form.choose"
	}
	if len(errs) > 0 {
		if web.IsAPI(r) {
			h.invalid(w, r, errs)
		} else {
			h.web.Error(w, r, http.StatusUnprocessableEntity)
		}
		return f, incident.Viewer{}, false, false
	}
	u := web.User(r)
	if sensitive && !u.Role.AtLeast(SensitiveExportRole) {
		h.problemOrPage(w, r, http.StatusForbidden, "api.detail.sensitive_export")
		return f, incident.Viewer{}, false, false
	}
	v, ok := h.viewer(w, r)
	if !ok {
		return f, v, false, false
	}
	err := h.audit.Record(r.Context(), audit.Entry{Actor: u.ID, Action: audit.Export, RecordType: "incident_list",
		RecordID: describeFilter(format, q, sensitive)})
	if err != nil {
		h.web.ServerError(w, r, err)
		return f, v, false, false
	}
	return f, v, sensitive, true
}

func (h *Handlers) problemOrPage(w http.ResponseWriter, r *http.Request, status int, detail string) {
	if web.IsAPI(r) {
		h.problem(w, r, status, detail)
		return
	}
	h.web.Error(w, r, status)
}

func exportHeaders(w http.ResponseWriter, ctype, ext string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="faro-incidents-`+time.Now().UTC().Format("2006-01-02")+"."+ext+`"`)
}

// flushEvery is how many rows go out between flushes.
const flushEvery = 50

// failed ends a response whose status already went out: the connection is
// cut, so that a client cannot take a truncated export for a whole one.
func (h *Handlers) failed(r *http.Request, err error) {
	h.web.Log.Error("export failed", "route", web.StateOf(r).Route, "err", err)
	panic(http.ErrAbortHandler)
}

func (h *Handlers) exportCSV(w http.ResponseWriter, r *http.Request) {
	f, v, sensitive, ok := h.prepareExport(w, r, "csv")
	if !ok {
		return
	}
	exportHeaders(w, "text/csv; charset=utf-8", "csv")
	w.WriteHeader(http.StatusOK)
	if !web.IsAPI(r) {
		// People open the list page's export in a spreadsheet, and Excel
		// reads a CSV without a byte order mark in the computer's legacy
		// code page: Arabic and Persian names would come out garbled.
		// Programs using the API get plain UTF-8.
		io.WriteString(w, utf8BOM)
	}
	flusher, _ := w.(http.Flusher)
	cw := newCSVWriter(w)
	header := exportColumns
	if sensitive {
		header = append(append([]string(nil), exportColumns...), sensitiveColumns...)
	}
	cw.w.Write(header)
	n := 0
	err := h.store.Each(r.Context(), f, v, sensitive, func(inc *incident.Incident) error {
		if err := cw.incident(inc, sensitive); err != nil {
			return err
		}
		if n++; n%flushEvery == 0 {
			cw.w.Flush()
			if flusher != nil {
				flusher.Flush()
			}
		}
		return cw.w.Error()
	})
	cw.w.Flush()
	if err == nil {
		err = cw.w.Error()
	}
	if err != nil {
		h.failed(r, err)
	}
}

// exportHead opens a JSON export; its items follow one by one.
type exportHead struct {
	ExportedAt time.Time `json:"exported_at"`
	Sensitive  bool      `json:"sensitive"`
}

func (h *Handlers) exportJSON(w http.ResponseWriter, r *http.Request) {
	f, v, sensitive, ok := h.prepareExport(w, r, "json")
	if !ok {
		return
	}
	exportHeaders(w, "application/json", "json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	head, _ := json.Marshal(exportHead{ExportedAt: time.Now().UTC().Truncate(time.Second), Sensitive: sensitive})
	// {"exported_at":…,"sensitive":…,"items":[ … ]}
	if _, err := io.WriteString(w, string(head[:len(head)-1])+`,"items":[`); err != nil {
		h.failed(r, err)
	}
	n := 0
	err := h.store.Each(r.Context(), f, v, sensitive, func(inc *incident.Incident) error {
		b, err := json.Marshal(incidentJSON(inc, shape{sensitive: sensitive, testimonies: sensitive, export: true}))
		if err != nil {
			return err
		}
		if n > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
		if n++; n%flushEvery == 0 && flusher != nil {
			flusher.Flush()
		}
		return nil
	})
	if err == nil {
		_, err = io.WriteString(w, "]}\n")
	}
	if err != nil {
		h.failed(r, err)
	}
}
