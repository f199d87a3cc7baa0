package app_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/auth"
)

// Import into the public dataset: coordinators and admins only.
func init() {
	addRows(map[string]expect{
		"GET /publish/import":  coordinators,
		"POST /publish/import": coordinators,
	})
}

// TestImportUploadPage uploads MMP files as a coordinator, with the page
// in Spanish: a file with a bad row is imported but for that row, which
// the report names by line and reason; a Latin-1 file is refused with a
// clear message and nothing stored; the CSRF token rides in the URL.
func TestImportUploadPage(t *testing.T) {
	a, _ := apptest.New(t)
	ctx := t.Context()
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "coord", DisplayName: "C", Password: "long enough password", Role: auth.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Auth.NewSessionFor(ctx, u, "test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	send := func(layout, source string, file []byte) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("layout", layout)
		mw.WriteField("source", source)
		fw, _ := mw.CreateFormFile("file", "mmp.csv")
		fw.Write(file)
		mw.Close()
		req, _ := http.NewRequest("POST", srv.URL+"/publish/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(&http.Cookie{Name: "faro_session", Value: tok})
		req.AddCookie(&http.Cookie{Name: "faro_lang", Value: "es"})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	count := func() int {
		var n int
		if err := a.DB.QueryRow(ctx, "SELECT COUNT(*) FROM public_records WHERE source = 'iom-mmp'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	good := []byte("Web ID,Number Dead,Reported Date,Region of Incident\nT1,2,2019-01-05,Mediterranean\nT2,-1,2019-01-06,Mediterranean\n")
	status, page := send("1", "", good)
	if status != http.StatusOK || !strings.Contains(page, `id="r-created">1<`) || !strings.Contains(page, "Un número negativo de personas.") ||
		!strings.Contains(page, "<td>3</td>") || !strings.Contains(page, "Filas leídas") {
		t.Fatalf("import: %d\n%s", status, page)
	}
	if n := count(); n != 1 {
		t.Errorf("%d records", n)
	}

	status, page = send("1", "", []byte("Web ID,Number Dead,Location Description\nT3,1,C\xf4te d'Ivoire\n"))
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "El archivo no es texto UTF-8") || !strings.Contains(page, "No se importó nada.") {
		t.Errorf("latin-1: %d\n%s", status, page)
	}
	if n := count(); n != 1 {
		t.Errorf("%d records after a refused file", n)
	}

	status, page = send("2", "Bad Name", []byte("#event+id,#affected+killed\nH1,1\n"))
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "El nombre de la fuente") {
		t.Errorf("bad source name: %d", status)
	}
	status, _ = send("2", "ngo-1", []byte("#event+id,#affected+killed\nH1,1\n"))
	if status != http.StatusOK {
		t.Errorf("hxl: %d", status)
	}

	// Without Sec-Fetch-Site or Origin, the token is needed, in the URL.
	req, _ := http.NewRequest("POST", srv.URL+"/publish/import", strings.NewReader("--x--\r\n"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.AddCookie(&http.Cookie{Name: "faro_session", Value: tok})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", resp.StatusCode)
	}
}
