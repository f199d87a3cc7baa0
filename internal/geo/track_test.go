package geo

import (
	"bytes"
	"strings"
	"testing"
)

func TestRenderTracksDrawsEachTrackUnderTheMarkers(t *testing.T) {
	tracks := []Track{
		{Points: []Point{{35, 12}, {35.2, 12.3}, {35.4, 12.5}}, Class: "phase-distress"},
		{Points: []Point{{33, 11}, {33.1, 11.2}}, Class: "phase-alert"},
		{Points: []Point{{34, 14}}, Class: "single"}, // one point: no line
	}
	var buf bytes.Buffer
	err := RenderTracks(&buf, MapOptions{Width: 360, Height: 240, Points: []Marker{{Point: Point{35.4, 12.5}, Label: "<ref>", Class: "latest"}}}, tracks)
	if err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	if n := strings.Count(svg, `<path class="track`); n != 2 {
		t.Errorf("%d track paths, want 2", n)
	}
	for _, want := range []string{`class="track phase-distress"`, `class="track phase-alert"`, `&lt;ref&gt;`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	if strings.Contains(svg, "single") {
		t.Error("a one-point track was drawn")
	}
	if strings.Index(svg, `class="track`) > strings.Index(svg, `<g class="markers"`) {
		t.Error("tracks drawn over the markers")
	}
	if !strings.HasSuffix(svg, "</svg>") {
		t.Error("SVG not closed")
	}
	buf.Reset()
	if err := RenderTracks(&buf, MapOptions{Width: 100, Height: 100}, nil); err != nil {
		t.Fatalf("no tracks: %v", err)
	}
	if err := RenderTracks(&buf, MapOptions{}, []Track{{Points: []Point{{95, 0}, {0, 0}}}}); err == nil {
		t.Error("a latitude of 95 was drawn")
	}
}
