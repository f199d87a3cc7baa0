package app_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store/storetest"
)

// Two faro processes on one PostgreSQL database each keep their own
// search index in memory: a testimony written through one is found
// through the other within moments, an edit replaces its words, and a
// deleted incident leaves both indexes.
func TestSearchIndexFollowsOtherProcesses(t *testing.T) {
	if os.Getenv(storetest.Env) == "" {
		t.Log("PostgreSQL-only test: runs when FARO_TEST_POSTGRES is set")
		return
	}
	a1, a2 := twoProcesses(t)
	if _, err := a2.RebuildIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a1.RunWorkers(ctx)
	a2.RunWorkers(ctx)
	// Both listeners must be up before the first write is announced.
	time.Sleep(500 * time.Millisecond)

	found := func(a *app.App, word string, id int64) bool {
		return slices.Contains(a.Incidents.Index.Search(word), id)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("after 5 s: %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	wctx := audit.WithActor(ctx, 1)
	inc := &incident.Incident{Type: "pushback", OccurredAt: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), DatePrecision: "day",
		Place: "behind the quarry"}
	tm := &incident.Testimony{Narrative: "They took the zanfirico boots", Language: "en", ConsentScope: "internal"}
	if err := a1.Incidents.Create(wctx, inc, tm); err != nil {
		t.Fatal(err)
	}
	waitFor("process 2 finds a word written through process 1", func() bool { return found(a2, "zanfirico", inc.ID) })

	// An edit through process 2 replaces the words process 1 knows.
	tm.Narrative = "They took the velmorith boots"
	if err := a2.Incidents.SaveTestimony(wctx, tm); err != nil {
		t.Fatal(err)
	}
	waitFor("process 1 finds the new word", func() bool { return found(a1, "velmorith", inc.ID) })
	if found(a1, "zanfirico", inc.ID) {
		t.Error("process 1 still finds the word the edit removed")
	}

	if err := a1.Incidents.Delete(wctx, inc.ID); err != nil {
		t.Fatal(err)
	}
	waitFor("process 2 forgets the deleted incident", func() bool { return !found(a2, "velmorith", inc.ID) })
}
