package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// Assets serves the embedded CSS, JavaScript and images under names that
// carry a hash of their content, so browsers may cache them forever and a
// new release is fetched at once.
type Assets struct {
	byName   map[string]string // "app.css" -> "/static/app.1a2b3c4d.css"
	byHashed map[string]asset  // "app.1a2b3c4d.css" -> content
}

type asset struct {
	data  []byte
	gz    []byte // compressed once at start, not on every request
	ctype string
}

func loadAssets() (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byHashed: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(data)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a.byName[name] = "/static/" + hashed
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		a.byHashed[hashed] = asset{data: data, gz: gz.Bytes(), ctype: mime.TypeByExtension(ext)}
		return nil
	})
	return a, err
}

// URL returns the hashed URL of an embedded asset.
func (a *Assets) URL(name string) string {
	if u, ok := a.byName[name]; ok {
		return u
	}
	panic("web: unknown asset " + name)
}

// Names lists the embedded assets' plain names.
func (a *Assets) Names() []string {
	out := make([]string, 0, len(a.byName))
	for n := range a.byName {
		out = append(out, n)
	}
	return out
}

func (a *Assets) serve(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byHashed[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", as.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	body := as.data
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(as.gz) < len(as.data) {
		w.Header().Set("Content-Encoding", "gzip")
		body = as.gz
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func (a *Assets) favicon(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, a.URL("icon.svg"), http.StatusMovedPermanently)
}
