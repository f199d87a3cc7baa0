package app_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// Deleting an incident deletes the evidence attached to it alone, row and
// file, with an audit entry for each; a file also attached to another
// incident, and a file attached to none yet, stay.
func TestDeleteIncidentRemovesItsEvidence(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testDeleteIncidentEvidence(t, apptest.Options{}) })
	if os.Getenv(storetest.Env) != "" {
		t.Run("postgres", func(t *testing.T) { testDeleteIncidentEvidence(t, apptest.Options{Database: storetest.PostgresDSN(t)}) })
	}
}

func testDeleteIncidentEvidence(t *testing.T, o apptest.Options) {
	a, _ := apptest.New(t, o)
	ctx := t.Context()
	coord, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "coord", DisplayName: "coord", Password: "long enough password", Role: auth.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	as := audit.WithActor(ctx, coord.ID)
	put := func(body string) string {
		f, err := a.Evidence.Put(as, bytes.NewReader([]byte(body)), "photo.jpg")
		if err != nil {
			t.Fatal(err)
		}
		return f.ID
	}
	own, shared, loose := put("only this incident"), put("both incidents"), put("not attached yet")
	doomed := &incident.Incident{Status: incident.StatusSubmitted, Type: "pushback"}
	kept := &incident.Incident{Status: incident.StatusSubmitted, Type: "death"}
	for _, inc := range []*incident.Incident{doomed, kept} {
		if err := a.Incidents.Create(as, inc, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, link := range []struct {
		inc int64
		ev  string
	}{{doomed.ID, own}, {doomed.ID, shared}, {kept.ID, shared}} {
		if err := a.Incidents.AttachEvidence(as, link.inc, link.ev, 0); err != nil {
			t.Fatal(err)
		}
	}
	file := func(id string) string { return filepath.Join(a.Evidence.Dir, id[:2], id+".fev") }
	if _, err := os.Stat(file(own)); err != nil {
		t.Fatalf("the uploaded file is not where the test looks: %v", err)
	}
	before := auditCount(t, a.DB, "evidence")

	if err := a.Incidents.Delete(as, doomed.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Evidence.Stat(ctx, own); err == nil {
		t.Error("the evidence attached only to the deleted incident still has its row")
	}
	if _, err := os.Stat(file(own)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("its file is still on disk: %v", err)
	}
	for _, id := range []string{shared, loose} {
		if _, _, err := a.Evidence.Stat(ctx, id); err != nil {
			t.Errorf("evidence %s (still attached elsewhere, or not yet attached) was removed: %v", id[:6], err)
		}
		if _, err := os.Stat(file(id)); err != nil {
			t.Errorf("file of %s removed: %v", id[:6], err)
		}
	}
	if got := auditCount(t, a.DB, "evidence") - before; got != 1 {
		t.Errorf("%d audit entries for deleted evidence, want 1", got)
	}
	if _, bad, err := a.Evidence.Verify(ctx); err != nil || len(bad) != 0 {
		t.Errorf("faro verify after the delete: %v, %v", bad, err)
	}
}

func auditCount(t *testing.T, db *store.DB, recordType string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM audit_log WHERE record_type = ? AND action = ?", recordType, audit.Delete).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
