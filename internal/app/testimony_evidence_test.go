package app_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

// Evidence attaches to an incident or to one of its testimonies.
func TestEvidenceAttachesToTestimony(t *testing.T) {
	a, _ := apptest.New(t)
	ctx := t.Context()
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "docu", DisplayName: "D", Password: "long enough password", Role: auth.Documenter})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Auth.NewSessionFor(ctx, u, "test")
	if err != nil {
		t.Fatal(err)
	}
	inc := &incident.Incident{Type: "violence"}
	tm := &incident.Testimony{Narrative: "n", ConsentScope: incident.ConsentInternal}
	if err := a.Incidents.Create(audit.WithActor(ctx, u.ID), inc, tm); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	upload := func(query string) int {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "medical-report.txt")
		fw.Write([]byte("a medical report"))
		mw.Close()
		req, _ := http.NewRequest("POST", srv.URL+"/incidents/"+strconv.FormatInt(inc.ID, 10)+"/evidence?"+query, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(&http.Cookie{Name: "faro_session", Value: tok})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := upload("testimony=" + strconv.FormatInt(tm.ID, 10)); s != http.StatusSeeOther {
		t.Fatalf("upload to the testimony: %d", s)
	}
	if s := upload("testimony=12345"); s != http.StatusNotFound {
		t.Errorf("upload to a testimony of another record: %d, want 404", s)
	}
	if s := upload(""); s != http.StatusSeeOther {
		t.Fatalf("upload to the incident: %d", s)
	}
	got, err := a.Incidents.Get(ctx, inc.ID, incident.Viewer{UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Evidence) != 1 || len(got.Testimonies) != 1 || len(got.Testimonies[0].Evidence) != 1 {
		t.Errorf("incident files %d, testimony files %d; want 1 and 1", len(got.Evidence), len(got.Testimonies[0].Evidence))
	}
}
