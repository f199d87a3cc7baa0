package alerting

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// genResponders is fakeResponders with a change count, so that Service
// caches renders, and a count of renders; upper makes the template
// transform the ack link (which splicing cannot follow).
type genResponders struct {
	fakeResponders
	gen, renders atomic.Uint64
	upper        bool
}

func (g *genResponders) Generation() uint64 { return g.gen.Load() }

func (g *genResponders) Render(ctx context.Context, name string, langs []string, channel string, d TemplateData) (Rendered, error) {
	g.renders.Add(1)
	r, err := g.fakeResponders.Render(ctx, name, langs, channel, d)
	if g.upper {
		r.Text = strings.ToUpper(r.Text)
	}
	return r, err
}

// A message rendered for many deliveries is rendered once, each
// delivery's own link spliced in, and is exactly what a full render gives;
// a template that transforms the link is rendered in full every time; a
// change of templates or responders drops the cache.
func TestRenderCacheSplicesLinks(t *testing.T) {
	for _, upper := range []bool{false, true} {
		g := &genResponders{upper: upper}
		s := New(Deps{Responders: g}, Options{BaseURL: "https://faro.test"})
		ctx := context.Background()
		data := TemplateData{Ref: "FARO-1", PositionDecimal: "35.5, 12.6"}
		hold := "https://faro.test" + AckPath(StageDistress, placeholderToken)
		for i := range 5 {
			token, _ := newToken()
			d := data
			d.AckURL = "https://faro.test" + AckPath(StageDistress, token)
			got, err := s.render(ctx, "distress", []string{"it", "en"}, "webhook", d, hold)
			if err != nil {
				t.Fatal(err)
			}
			before := g.renders.Load()
			want, _ := g.Render(ctx, "distress", []string{"it", "en"}, "webhook", d)
			g.renders.Store(before)
			if !sameRendered(got, want) {
				t.Fatalf("render %d (upper %v): %+v, want %+v", i, upper, got, want)
			}
			if strings.Contains(got.Text, placeholderToken) || strings.Contains(strings.ToLower(got.Text), strings.ToLower(placeholderToken)) {
				t.Fatalf("render %d leaks the placeholder", i)
			}
		}
		want := uint64(2) // the first: in full and with the placeholder
		if upper {
			want = 2 + 4
		}
		if n := g.renders.Load(); n != want {
			t.Errorf("upper %v: %d renders for 5 messages, want %d", upper, n, want)
		}
		g.gen.Add(1)
		g.renders.Store(0)
		d := data
		d.AckURL = "https://faro.test/ack/x"
		if _, err := s.render(ctx, "distress", []string{"it", "en"}, "webhook", d, hold); err != nil {
			t.Fatal(err)
		}
		if g.renders.Load() != 2 {
			t.Errorf("upper %v: %d renders after a change, want 2 (the cache dropped)", upper, g.renders.Load())
		}
	}
}
