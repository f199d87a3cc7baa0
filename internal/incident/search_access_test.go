package incident_test

import (
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
)

// A search must not confirm which record names a witness to someone who may
// not read that record's encrypted fields.
func TestSearchDoesNotRevealEncryptedWords(t *testing.T) {
	a, _ := apptest.New(t)
	ctx := t.Context()
	mk := func(login string, role auth.Role) *auth.User {
		u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: login, Password: "long enough password", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	author, other, viewer, reviewer := mk("author", auth.Documenter), mk("other", auth.Documenter), mk("viewer1", auth.Viewer), mk("reviewer1", auth.Reviewer)
	inc := &incident.Incident{Status: incident.StatusSubmitted, Type: "pushback", Units: "riverpatrol", Place: "quarryvillage"}
	tm := &incident.Testimony{Narrative: "witness named Zeynabhoda saw it", Pseudonym: "Zeynabhoda", ConsentScope: incident.ConsentInternal}
	if err := a.Incidents.Create(audit.WithActor(ctx, author.ID), inc, tm); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		who   *auth.User
		query string
		want  int
	}{
		{author, "zeynabhoda", 1}, {author, "quarryvillage", 1},
		{reviewer, "zeynabhoda", 1}, {reviewer, "quarryvillage", 1},
		{other, "zeynabhoda", 0}, {other, "quarryvillage", 0}, {other, "riverpatrol", 1},
		{viewer, "zeynabhoda", 0}, {viewer, "quarryvillage", 0}, {viewer, "riverpatrol", 1},
	}
	for _, c := range cases {
		v := incident.Viewer{UserID: c.who.ID, AllTeams: c.who.Role.AtLeast(auth.Coordinator), Sensitive: c.who.Role.AtLeast(auth.Reviewer)}
		_, total, err := a.Incidents.List(ctx, incident.Filter{Query: c.query}, v)
		if err != nil {
			t.Fatal(err)
		}
		if total != c.want {
			t.Errorf("%s searching a %s word: %d results, want %d", c.who.Login, map[bool]string{true: "clear", false: "encrypted"}[c.query == "riverpatrol"], total, c.want)
		}
	}
}
