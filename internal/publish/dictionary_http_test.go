package publish_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/publish"
)

// TestDictionaryLanguages: /data/dictionary answers in the reader's
// language, says which (Content-Language) and that it depends on it
// (Vary), and its ETag differs per language, so that no cache or browser
// revalidates one language's copy for a reader of another. The data
// files stay in English.
func TestDictionaryLanguages(t *testing.T) {
	cnEngines(t, func(t *testing.T, a *app.App) {
		get := func(path string, hdr ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				if hdr[i] == "Cookie" {
					req.AddCookie(&http.Cookie{Name: "faro_lang", Value: hdr[i+1]})
					continue
				}
				req.Header.Set(hdr[i], hdr[i+1])
			}
			return cnDo(t, a, req)
		}
		cases := []struct {
			accept, lang, title, filename string
		}{
			{"", "en", "DATA DICTIONARY: public incident data", "dictionary.txt"},
			{"es-ES,es;q=0.9", "es", "DICCIONARIO DE DATOS: datos públicos de incidentes", "dictionary.es.txt"},
			{"fr-CH, fr;q=0.9, en;q=0.5", "fr", "DICTIONNAIRE DES DONNÉES : données publiques sur les incidents", "dictionary.fr.txt"},
			{"ar-EG", "ar", "قاموس البيانات: البيانات العامة عن الحوادث", "dictionary.ar.txt"},
		}
		etags := map[string]string{}
		for _, c := range cases {
			w := get("/data/dictionary", "Accept-Language", c.accept)
			h := w.Header()
			if w.Code != http.StatusOK {
				t.Fatalf("%s: %d", c.lang, w.Code)
			}
			if got := h.Get("Content-Language"); got != c.lang {
				t.Errorf("Accept-Language %q: Content-Language %q, want %q", c.accept, got, c.lang)
			}
			if !strings.HasPrefix(w.Body.String(), c.title+"\n") {
				t.Errorf("%s: body starts %q", c.lang, strings.SplitN(w.Body.String(), "\n", 2)[0])
			}
			vary := strings.Join(h.Values("Vary"), ",")
			if !strings.Contains(vary, "Accept-Language") || !strings.Contains(vary, "Cookie") {
				t.Errorf("%s: Vary %q", c.lang, vary)
			}
			if h.Get("Content-Type") != "text/plain; charset=utf-8" || h.Get("Cache-Control") != "public, max-age=300" ||
				h.Get("Set-Cookie") != "" || !strings.Contains(h.Get("Content-Disposition"), c.filename) {
				t.Errorf("%s: headers %v", c.lang, h)
			}
			etag := h.Get("ETag")
			for other, e := range etags {
				if e == etag {
					t.Errorf("%s and %s have the same ETag %s", c.lang, other, etag)
				}
			}
			etags[c.lang] = etag
			// Revalidating in the same language: 304, still saying which
			// language and that it varies.
			w304 := get("/data/dictionary", "Accept-Language", c.accept, "If-None-Match", etag)
			if w304.Code != http.StatusNotModified || w304.Body.Len() != 0 || w304.Header().Get("Content-Language") != c.lang ||
				!strings.Contains(strings.Join(w304.Header().Values("Vary"), ","), "Accept-Language") {
				t.Errorf("%s with its ETag: %d, headers %v", c.lang, w304.Code, w304.Header())
			}
		}
		// An Arabic reader whose cache holds the English copy gets the
		// Arabic one, not a 304.
		w := get("/data/dictionary", "Accept-Language", "ar", "If-None-Match", etags["en"])
		if w.Code != http.StatusOK || w.Header().Get("Content-Language") != "ar" || !strings.Contains(w.Body.String(), "قاموس البيانات") {
			t.Errorf("Arabic with the English ETag: %d, %s", w.Code, w.Header().Get("Content-Language"))
		}
		// The site's language choice (the cookie) wins over the header,
		// as on every page.
		w = get("/data/dictionary", "Accept-Language", "ar", "Cookie", "fr")
		if w.Header().Get("Content-Language") != "fr" || w.Header().Get("ETag") != etags["fr"] {
			t.Errorf("language cookie fr: %s, ETag %s", w.Header().Get("Content-Language"), w.Header().Get("ETag"))
		}
		// The data files are for programs: the same English notices in
		// every language, and no Content-Language.
		w = get("/data/incidents.json", "Accept-Language", "ar")
		var doc struct {
			Notice            string `json:"notice"`
			SuppressionNotice string `json:"suppression_notice"`
			Dictionary        string `json:"dictionary"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.SuppressionNotice != publish.SuppressedNotice || !strings.HasPrefix(doc.Notice, publish.IOMNotice) ||
			doc.Dictionary != "/data/dictionary" || w.Header().Get("Content-Language") != "" {
			t.Errorf("incidents.json in Arabic: %+v, Content-Language %q", doc, w.Header().Get("Content-Language"))
		}
	})
}
