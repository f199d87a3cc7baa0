package alerting

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/jobs"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// The rows of a claimed batch are read ahead in one query, and a group of
// sends is recorded in one UPDATE: a delivery acknowledged meanwhile keeps
// that status, the others turn sent, and the summary entry settles once
// none is pending.
func TestBatchReadAndCommitSent(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n := eachOnTimeline + 10
		var rs []Responder
		var ids []int64
		for i := range n {
			id := int64(2000 + i)
			rs = append(rs, responder(id, fmt.Sprintf("Volunteer %d", i), "volunteer", []string{"en"},
				Channel{ID: 10*id + 1, Channel: "email", Address: fmt.Sprintf("v%d@example.org", i)}))
			ids = append(ids, id)
		}
		r := newRig(t, db, rs...)
		r.rule(Rule{Kinds: []string{"sea"}, Area: centralMed, Responders: ids})
		r.open(seaCase(100, "distress"))
		ds := r.deliveries(100)
		if len(ds) != n {
			t.Fatalf("%d deliveries, want %d", len(ds), n)
		}
		var js []*jobs.Job
		for _, d := range ds {
			js = append(js, &jobs.Job{Args: []byte(fmt.Sprintf(`{"delivery":%d}`, d.ID))})
		}
		r.s.prepareDeliveries(ctx, js)
		if got := len(r.s.prefetch.m); got != n {
			t.Fatalf("%d rows read ahead, want %d", got, n)
		}
		// One is acknowledged after the read ahead, before its send is recorded.
		acked := ds[4].ID
		if _, err := db.Exec(ctx, `UPDATE deliveries SET status = ? WHERE id = ?`, StatusAcknowledged, acked); err != nil {
			t.Fatal(err)
		}
		var results []any
		for _, d := range ds {
			got, err := r.s.loadDelivery(ctx, d.ID)
			if err != nil || got.ID != d.ID || got.Status != StatusPending || got.Batch == 0 {
				t.Fatalf("delivery %d read ahead: %+v, %v", d.ID, got, err)
			}
			results = append(results, &sent{d: got, at: time.Now().Unix()})
		}
		if len(r.s.prefetch.m) != 0 {
			t.Errorf("%d rows left read ahead after every job took its own", len(r.s.prefetch.m))
		}
		// Half in one group, the rest in another: the summary settles with the last.
		for _, part := range [][]any{results[:n/2], results[n/2:]} {
			if err := db.InTx(ctx, func(tx *store.Tx) error { return r.s.commitSent(ctx, tx, part) }); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range r.deliveries(100) {
			want := StatusSent
			if d.ID == acked {
				want = StatusAcknowledged
			}
			if d.Status != want || d.ID != acked && d.Attempts != 1 {
				t.Errorf("delivery %d: %s, %d attempts; want %s", d.ID, d.Status, d.Attempts, want)
			}
		}
		settled := false
		for _, e := range r.cases.timeline(100) {
			if e.Kind == EventDelivery && e.Status == StatusSent {
				settled = true
			}
		}
		if !settled {
			t.Errorf("summary entry not settled: %+v", r.cases.timeline(100))
		}
	})
}
