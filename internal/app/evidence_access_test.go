package app_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

// An evidence file is never more visible than the records it belongs to:
// its uploader, coordinators and those who may see an attached record.
func TestEvidenceFollowsRecordAccess(t *testing.T) {
	a, _ := apptest.New(t)
	ctx := t.Context()
	users := map[string]*auth.User{}
	tokens := map[string]string{}
	for login, role := range map[string]auth.Role{"uploader": auth.Documenter, "stranger": auth.Reviewer, "teammate": auth.Reviewer, "coord": auth.Coordinator} {
		u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: login, Password: "long enough password", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := a.Auth.NewSessionFor(ctx, u, "test")
		if err != nil {
			t.Fatal(err)
		}
		users[login], tokens[login] = u, tok
	}
	team, err := a.Teams.Create(audit.WithActor(ctx, users["coord"].ID), "Team A")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"uploader", "teammate"} {
		if err := a.Teams.SetMember(ctx, team, users[l].ID, true); err != nil {
			t.Fatal(err)
		}
	}
	up := audit.WithActor(ctx, users["uploader"].ID)
	loose, err := a.Evidence.Put(up, bytes.NewReader([]byte("a loose file")), "loose.txt")
	if err != nil {
		t.Fatal(err)
	}
	attached, err := a.Evidence.Put(up, bytes.NewReader([]byte("an attached file")), "attached.txt")
	if err != nil {
		t.Fatal(err)
	}
	inc := &incident.Incident{Status: incident.StatusSubmitted, TeamID: team, Type: "pushback"}
	if err := a.Incidents.Create(up, inc, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Incidents.AttachEvidence(up, inc.ID, attached.ID, 0); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	status := func(who, path string) int {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "faro_session", Value: tokens[who]})
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		who, file string
		want      int
	}{
		{"uploader", loose.ID, 200}, {"coord", loose.ID, 200}, {"stranger", loose.ID, 404}, {"teammate", loose.ID, 404},
		{"uploader", attached.ID, 200}, {"teammate", attached.ID, 200}, {"stranger", attached.ID, 404}, {"coord", attached.ID, 200},
	}
	for _, c := range cases {
		for _, suffix := range []string{"", "/download"} {
			want := c.want
			if suffix == "/download" && c.who == "uploader" {
				want = http.StatusForbidden // originals go to reviewers and up
			}
			if got := status(c.who, "/evidence/"+c.file+suffix); got != want {
				t.Errorf("%s opening %s%s: %d, want %d", c.who, map[bool]string{true: "a loose file", false: "an attached file"}[c.file == loose.ID], suffix, got, want)
			}
		}
	}
}
