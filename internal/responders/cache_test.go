package responders

import (
	"context"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// Parsed templates are cached, and an edit is used by the very next
// message; saving a responder moves Generation, which alerting's fan-out
// cache watches.
func TestTemplateCacheDroppedOnSave(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		tpl := &MessageTemplate{Name: TemplateDistress, Lang: "it", Channel: notify.SMS, Body: "one {{.Ref}}"}
		if err := s.SaveTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		compose := func() string {
			c, err := s.Compose(ctx, TemplateDistress, []string{"it"}, notify.SMS, notify.TemplateData{Ref: "R1"})
			if err != nil {
				t.Fatal(err)
			}
			return c.Text
		}
		if got := compose(); got != "one R1" {
			t.Fatalf("first: %q", got)
		}
		tpl.Body = "two {{.Ref}}"
		if err := s.SaveTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		if got := compose(); got != "two R1" {
			t.Errorf("after the edit: %q, want the new text", got)
		}
		gen := s.Generation()
		if err := s.Save(ctx, sample()); err != nil {
			t.Fatal(err)
		}
		if s.Generation() == gen {
			t.Error("saving a responder did not move Generation")
		}
	})
}
