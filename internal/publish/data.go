package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/web"
)

// Data serves the open data at stable public URLs.
type Data struct {
	store *Store
	cfg   Config
	log   *slog.Logger
}

// dataFile is one open data file.
type dataFile struct {
	pattern, contentType, filename string
	write                          func(ctx context.Context, w io.Writer, d *Data, f Filter) error
}

var dataFiles = []dataFile{
	{"GET /data/incidents.csv", "text/csv; charset=utf-8; header=present", "incidents.csv",
		func(ctx context.Context, w io.Writer, d *Data, f Filter) error { return WriteCSV(ctx, w, d.store, f) }},
	{"GET /data/incidents.geojson", "application/geo+json", "incidents.geojson",
		func(ctx context.Context, w io.Writer, d *Data, f Filter) error {
			return WriteGeoJSON(ctx, w, d.store, f, Notice(d.cfg))
		}},
	{"GET /data/incidents.json", "application/json", "incidents.json",
		func(ctx context.Context, w io.Writer, d *Data, f Filter) error {
			return WriteJSON(ctx, w, d.store, f, Notice(d.cfg))
		}},
	{"GET /data/mmp.csv", "text/csv; charset=utf-8; header=present", "mmp.csv",
		func(ctx context.Context, w io.Writer, d *Data, f Filter) error { return WriteMMP(ctx, w, d.store, f) }},
}

// RegisterData adds the open data routes, public (no account needed).
// cfg must have its defaults filled.
func RegisterData(srv *web.Server, st *Store, cfg Config) *Data {
	d := &Data{store: st, cfg: cfg, log: srv.Log}
	for _, f := range dataFiles {
		srv.Router.Handle(f.pattern, web.Public, d.serveFile(f))
	}
	srv.Router.Handle("GET /data/dictionary", web.Public, d.dictionary)
	return d
}

// serveFile answers one file: filters, validators, then the rows as a
// stream.
func (d *Data) serveFile(f dataFile) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		filter, err := ParseFilter(r.URL.Query())
		if err != nil {
			http.Error(w, strings.TrimPrefix(err.Error(), "publish: "), http.StatusBadRequest)
			return
		}
		if !d.validators(w, r, "attachment; filename=\""+f.filename+"\"") {
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("Link", `</data/dictionary>; rel="describedby"`)
		if err := f.write(r.Context(), w, d, filter); err != nil {
			if r.Context().Err() == nil {
				d.log.Error("open data export failed", "route", f.pattern, "err", err)
			}
			// The status is sent: break the connection rather than end
			// the body cleanly, so no one takes half a file for all of it.
			panic(http.ErrAbortHandler)
		}
	}
}

// dictionary answers the data dictionary in the reader's language (the
// account's or the language cookie's choice, else Accept-Language, as
// every page; see web.Server.loadSession). The text is small, so it is
// rendered before the headers: its ETag is a hash of the language and
// the text itself, so that it differs per language (a cache holding the
// English copy never answers 304 to an Arabic reader) and changes with
// the settings and with a new translation, but not with the dataset.
func (d *Data) dictionary(w http.ResponseWriter, r *http.Request) {
	l := web.L(r)
	lang := i18n.Fallback
	if l != nil {
		lang = l.Lang
	}
	var body bytes.Buffer
	if err := WriteDictionary(&body, d.cfg, l); err != nil {
		d.log.Error("data dictionary", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(append([]byte(lang+"\x00"), body.Bytes()...))
	etag := `W/"dict-` + lang + "-" + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	filename := "dictionary.txt"
	if lang != i18n.Fallback {
		filename = "dictionary." + lang + ".txt"
	}
	h := w.Header()
	// Set before the validators answer: a 304 carries them too.
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language")
	h.Add("Vary", "Cookie") // the language cookie, or the account's language
	if !publicValidators(w, r, etag, "inline; filename=\""+filename+"\"") {
		return
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(body.Bytes())
}

// validators sets the caching headers of public data and answers a
// conditional GET; it returns false when it answered (304 or 500). The
// ETag is the dataset's version and the settings' fingerprint: public
// data changes only when public_records or the settings do. Public data
// may be kept by browsers and proxies for five minutes, which overrides
// the no-store every other page carries; the anonymous CSRF cookie is
// dropped so that no shared cache hands one visitor's cookie to others.
func (d *Data) validators(w http.ResponseWriter, r *http.Request, disposition string) bool {
	v, err := d.store.Version(r.Context())
	if err != nil {
		d.log.Error("open data version", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return false
	}
	return publicValidators(w, r, `W/"`+v+"-"+d.cfg.fingerprint()+`"`, disposition)
}

// publicValidators sets the caching headers of one public data response
// with its ETag, and answers 304 when the request names that ETag; it
// returns false when it did.
func publicValidators(w http.ResponseWriter, r *http.Request, etag, disposition string) bool {
	h := w.Header()
	h.Del("Set-Cookie")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", etag)
	h.Set("Content-Disposition", disposition)
	h.Set("Access-Control-Allow-Origin", "*")
	if noneMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return false
	}
	return true
}

// noneMatch says whether an If-None-Match header names etag (weak
// comparison, RFC 9110 13.1.2).
func noneMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
