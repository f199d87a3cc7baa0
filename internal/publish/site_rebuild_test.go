package publish_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/publish"
)

// TestSiteETagDuringRebuild: while the new version is read in the
// background, the map answers from the previous one, and its ETag is the
// previous version's (a browser's copy stays valid: 304); once the new
// version is in memory, the page and its ETag change.
func TestSiteETagDuringRebuild(t *testing.T) {
	started, release, finished := make(chan string, 8), make(chan struct{}), make(chan struct{}, 8)
	t.Cleanup(publish.SetSiteRebuildForTest(func(v string) {
		if v == "" {
			finished <- struct{}{}
			return
		}
		started <- v
		<-release
	}))
	eachSiteEngine(t, func(e *siteEnv) {
		e.add(fixtures()...)
		first := e.get("/public")
		if first.StatusCode != http.StatusOK || strings.Contains(first.Body, "Off the coast 2001") {
			t.Fatalf("first view: %d", first.StatusCode)
		}
		etag := first.Header.Get("ETag")
		e.add(mmp("2001", "2019-02-01", 34.0, 13.0, 4, "Incident", "Drowning", "Central Mediterranean"))

		during := e.get("/public")
		select {
		case <-started:
		case <-time.After(30 * time.Second):
			t.Fatal("no rebuild started")
		}
		if during.StatusCode != http.StatusOK || strings.Contains(during.Body, "Off the coast 2001") {
			t.Fatalf("view during the rebuild: %d, or shows the new record", during.StatusCode)
		}
		if during.Header.Get("ETag") != etag {
			t.Error("view during the rebuild does not carry the previous version's ETag")
		}
		if r := e.get("/public", "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
			t.Errorf("conditional view during the rebuild: %d, want 304", r.StatusCode)
		}
		release <- struct{}{}
		select {
		case <-finished:
		case <-time.After(60 * time.Second):
			t.Fatal("rebuild never finished")
		}
		after := e.get("/public")
		if !strings.Contains(after.Body, "Off the coast 2001") || after.Header.Get("ETag") == etag {
			t.Error("after the rebuild: new record missing or same ETag")
		}
	})
}
