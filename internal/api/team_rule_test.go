package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
)

// The API files records under teams by the same rule as the pages: a
// documenter only under a team they belong to.
func TestAPITeamRuleMatchesPages(t *testing.T) {
	a, _ := apptest.New(t)
	ctx := t.Context()
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "apidoc", DisplayName: "D", Password: "long enough password", Role: auth.Documenter})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := a.Teams.Create(audit.WithActor(ctx, u.ID), "Mine")
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.Teams.Create(audit.WithActor(ctx, u.ID), "Other")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Teams.SetMember(ctx, mine, u.ID, true); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.Auth.CreateToken(ctx, u.ID, "t", auth.Documenter)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	post := func(team int64) int {
		body := `{"type":"pushback","date":"2026-11-01","team_id":` + strconv.FormatInt(team, 10) + `}`
		req, _ := http.NewRequest("POST", srv.URL+"/api/incidents", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post(mine); s != http.StatusCreated {
		t.Errorf("own team: %d, want 201", s)
	}
	if s := post(other); s != http.StatusUnprocessableEntity {
		t.Errorf("a team the documenter is not in: %d, want 422", s)
	}
}
