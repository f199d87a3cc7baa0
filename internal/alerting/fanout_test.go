package alerting

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// A dispatch larger than eachOnTimeline writes one summary entry instead
// of one per delivery; each delivery keeps its own row and status, a
// failure gets its own timeline entry, and the summary settles once none
// is pending.
func TestLargeDispatchSummarisesTimeline(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		n := eachOnTimeline + 5
		var rs []Responder
		var ids []int64
		for i := range n {
			id := int64(1000 + i)
			rs = append(rs, responder(id, fmt.Sprintf("Volunteer %d", i), "volunteer", []string{"en"},
				Channel{ID: 10*id + 1, Channel: "email", Address: fmt.Sprintf("v%d@example.org", i)}))
			ids = append(ids, id)
		}
		r := newRig(t, db, rs...)
		r.sender.fail["v3@example.org"] = errPermanentFake
		r.rule(Rule{Kinds: []string{"sea"}, Area: centralMed, Responders: ids})
		r.open(seaCase(100, "distress"))
		var summary []fakeEvent
		for _, e := range r.cases.timeline(100) {
			if e.Kind == EventDelivery {
				summary = append(summary, e)
			}
		}
		if len(summary) != 1 || !strings.Contains(summary[0].Text, fmt.Sprintf("%d deliveries", n)) {
			t.Fatalf("timeline delivery entries: %+v, want one summary of %d", summary, n)
		}
		r.run()
		r.waitFor("every delivery has an outcome", func() bool {
			sent, failed := 0, 0
			for _, d := range r.deliveries(100) {
				switch d.Status {
				case StatusSent:
					sent++
				case StatusFailed:
					failed++
				}
			}
			return sent == n-1 && failed == 1
		})
		r.waitFor("summary settled as failed, failure on the timeline", func() bool {
			settled, failures := false, 0
			for _, e := range r.cases.timeline(100) {
				if e.Kind == EventDelivery && e.Status == StatusFailed {
					settled = true
				}
				if e.Kind == EventStatus && e.Status == StatusFailed && strings.Contains(e.Text, "Volunteer 3") {
					failures++
				}
			}
			return settled && failures == 1
		})
	})
}
