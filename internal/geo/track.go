package geo

import (
	"bytes"
	"io"
	"math"
)

// Track is one line on a map of several: a case's positions in order.
type Track struct {
	Points []Point
	Class  string // extra class names on its path, e.g. "phase-distress"
}

// RenderTracks draws an offline map like RenderSVG with several tracks,
// each its own <path class="track …">, under the markers. With a zero
// BBox the view fits every track and marker. opts.Track is ignored.
func RenderTracks(w io.Writer, opts MapOptions, tracks []Track) error {
	if opts.BBox == (BBox{}) {
		fit := opts
		fit.Track = nil
		for _, t := range tracks {
			fit.Track = append(fit.Track, t.Points...)
		}
		b, err := fit.fit()
		if err != nil {
			return err
		}
		opts.BBox = b
	}
	opts.Track = nil
	pr, err := opts.Projection()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := RenderSVG(&buf, opts); err != nil {
		return err
	}
	var paths []byte
	for _, t := range tracks {
		paths = appendTrack(paths, pr, t)
	}
	out := buf.Bytes()
	at := bytes.Index(out, []byte(`<g class="markers"`))
	if at < 0 {
		at = bytes.LastIndex(out, []byte(`</svg>`))
	}
	if _, err := w.Write(out[:at]); err != nil {
		return err
	}
	if _, err := w.Write(paths); err != nil {
		return err
	}
	_, err = w.Write(out[at:])
	return err
}

// appendTrack writes one track as a relative path; a track whose points
// all fall on one pixel draws nothing (its marker shows it).
func appendTrack(buf []byte, pr Projection, t Track) []byte {
	start := len(buf)
	buf = append(buf, `<path class="track`...)
	buf = appendClasses(buf, t.Class)
	buf = append(buf, `"`+attrTrack+` d="`...)
	var px, py int64
	n := 0
	for _, p := range t.Points {
		x, y := pr.XY(p)
		if !finite(x, y) {
			continue
		}
		ix, iy := int64(math.Round(x*10)), int64(math.Round(y*10))
		switch {
		case n == 0:
			buf = append(buf, 'M')
			buf = appendTenths(buf, ix, true)
			buf = appendTenths(buf, iy, false)
			buf = append(buf, 'l')
		case ix == px && iy == py:
			continue
		default:
			buf = appendTenths(buf, ix-px, n == 1)
			buf = appendTenths(buf, iy-py, false)
		}
		px, py = ix, iy
		n++
	}
	if n < 2 {
		return buf[:start]
	}
	return append(buf, `"/>`...)
}
