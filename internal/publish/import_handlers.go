package publish

import (
	"embed"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/web"
)

//go:embed templates/import*.html
var importTemplates embed.FS

// Layout codes of the upload form (numbers: form values hold no words).
const (
	formLayoutMMP = "1"
	formLayoutHXL = "2"
)

// importPage is what templates/import.html shows: the form, and after an
// upload its report.
type importPage struct {
	Layout, Source string // as submitted
	MaxMB          int64
	Report         *ImportReport
	// ErrKey (and ErrLine, when about one line) says why a file was
	// refused; "" when it was imported.
	ErrKey  string
	ErrLine int
	// Rejected is the first maxShownRejections of Report.Rejected.
	Rejected []mmp.Rejection
	More     int
}

// maxShownRejections bounds the page; the command line lists them all.
const maxShownRejections = 500

type importHandlers struct {
	web *web.Server
	imp *Importer
}

// RegisterImport adds the upload page of the public dataset's import, for
// coordinators and admins.
func RegisterImport(srv *web.Server, imp *Importer) {
	h := &importHandlers{web: srv, imp: imp}
	srv.AddPages("publish", importTemplates, "templates/import*.html")
	srv.Router.Handle("GET /publish/import", web.AtLeast(auth.Coordinator), h.form)
	srv.Router.Handle("POST /publish/import", web.AtLeast(auth.Coordinator), h.upload)
}

func (h *importHandlers) maxBytes() int64 {
	if h.imp.MaxBytes > 0 {
		return h.imp.MaxBytes
	}
	return DefaultImportMaxBytes
}

func (h *importHandlers) form(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, &importPage{Layout: formLayoutMMP})
}

func (h *importHandlers) render(w http.ResponseWriter, r *http.Request, status int, d *importPage) {
	d.MaxMB = h.maxBytes() >> 20
	if d.Report != nil {
		d.Rejected = d.Report.Rejected
		if n := len(d.Rejected); n > maxShownRejections {
			d.Rejected, d.More = d.Rejected[:maxShownRejections], n-maxShownRejections
		}
	}
	h.web.Render(w, r, status, "publish/import", h.web.NewPage(r, "import.title", d))
}

// upload reads the multipart form as a stream: the small fields first (the
// form puts them before the file), then the file, straight into the
// importer, which keeps it in memory only (never on disk) and within
// MaxBytes.
func (h *importHandlers) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, h.maxBytes()+1<<20)
	d := &importPage{Layout: formLayoutMMP}
	mr, err := r.MultipartReader()
	if err != nil {
		d.ErrKey = "import.error.no_file"
		h.render(w, r, http.StatusBadRequest, d)
		return
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			d.ErrKey = "import.error.no_file"
			h.render(w, r, http.StatusUnprocessableEntity, d)
			return
		}
		if err != nil {
			// A body cut short or over the limit.
			d.ErrKey, _ = importErrorKey(err)
			if d.ErrKey == "" {
				d.ErrKey = "import.error.read"
			}
			h.render(w, r, http.StatusBadRequest, d)
			return
		}
		switch part.FormName() {
		case "layout":
			d.Layout = smallField(part)
		case "source":
			d.Source = smallField(part)
		case "file":
			if part.FileName() == "" {
				part.Close()
				continue
			}
			h.importFile(w, r, d, part)
			part.Close()
			return
		}
		part.Close()
	}
}

// smallField reads a short text field of the form.
func smallField(p io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(p, 100))
	return strings.TrimSpace(string(b))
}

func (h *importHandlers) importFile(w http.ResponseWriter, r *http.Request, d *importPage, file io.Reader) {
	ctx := r.Context()
	actor := web.User(r).ID
	var (
		rep ImportReport
		err error
	)
	switch d.Layout {
	case formLayoutMMP:
		rep, err = h.imp.ImportMMP(ctx, file, actor)
	case formLayoutHXL:
		rep, err = h.imp.ImportHXL(ctx, file, d.Source, actor)
	default:
		d.ErrKey = "import.error.layout"
		h.render(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	d.Report = &rep
	if err != nil {
		h.refuse(w, r, d, err)
		return
	}
	h.render(w, r, http.StatusOK, d)
}

// refuse shows why a file was refused, in the page's language. A database
// failure is a server error, after rows were written or not.
func (h *importHandlers) refuse(w http.ResponseWriter, r *http.Request, d *importPage, err error) {
	key, status := importErrorKey(err)
	if key == "" {
		if d.Report != nil && d.Report.Written {
			d.ErrKey = "import.error.stopped"
			h.web.Log.Error("import stopped after writing rows", "err", err)
			h.render(w, r, http.StatusInternalServerError, d)
			return
		}
		h.web.ServerError(w, r, err)
		return
	}
	d.ErrKey = key
	var me *mmp.Error
	if errors.As(err, &me) {
		d.ErrLine = me.Line
	}
	h.render(w, r, status, d)
}

// importErrorKey maps a refusal to its catalogue key and status; "" for a
// fault of the server.
func importErrorKey(err error) (string, int) {
	var tooBig *http.MaxBytesError
	kinds := []struct {
		err error
		key string
	}{
		{mmp.ErrNotUTF8, "import.error.not_utf8"},
		{mmp.ErrNoHeader, "import.error.no_header"},
		{mmp.ErrNoKeyColumn, "import.error.no_key_column"},
		{mmp.ErrColumnConflict, "import.error.column_conflict"},
		{mmp.ErrNoHashtags, "import.error.no_hashtags"},
		{mmp.ErrRowTooLong, "import.error.row_too_long"},
		{mmp.ErrTooManyRejections, "import.error.too_many_rejections"},
		{ErrNoIDColumn, "import.error.no_id_column"},
		{ErrSourceName, "import.error.source_name"},
		{ErrChanged, "import.error.read"},
	}
	switch {
	case errors.Is(err, mmp.ErrTooLarge), errors.As(err, &tooBig):
		return "import.error.too_large", http.StatusRequestEntityTooLarge
	case errors.Is(err, mmp.ErrRead):
		// The upload broke off (or the client went away).
		return "import.error.read", http.StatusBadRequest
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.key, http.StatusUnprocessableEntity
		}
	}
	return "", 0
}
