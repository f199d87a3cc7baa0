package publish

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Charts of the statistics page, drawn on the server as inline SVG: they
// read without JavaScript, and each has its numbers in a table beside it
// for screen readers and for copying. Colours are presentation attributes
// (the Content-Security-Policy forbids inline style), and every picture
// is left to right inside (direction="ltr"): in right-to-left languages
// the category bars are mirrored by position instead, so numbers keep
// their own order.

const (
	chartWidth   = 720
	columnHeight = 240
	barRow       = 24
	chartTopBars = 15 // categories drawn; the table lists them all
)

// chartBar is one value of a chart.
type chartBar struct {
	Label string
	Value int64
}

// chartScale returns a round step (1, 2 or 5 times a power of ten) and
// the axis top, a whole number of steps at or above v, about 4 steps.
func chartScale(v int64) (step, top int64) {
	if v <= 0 {
		return 1, 4
	}
	raw := float64(v) / 4
	p := int64(math.Pow(10, math.Floor(math.Log10(raw))))
	step = 10 * p
	for _, m := range []int64{1, 2, 5} {
		if float64(m*p) >= raw {
			step = m * p
			break
		}
	}
	step = max(step, 1)
	return step, (v + step - 1) / step * step
}

func svgOpen(b *strings.Builder, class, title string, w, h int) {
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart `)
	b.WriteString(class)
	b.WriteString(`" viewBox="0 0 `)
	b.WriteString(strconv.Itoa(w))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(h))
	b.WriteString(`" width="100%" direction="ltr" font-family="sans-serif" font-size="12" role="img" aria-label="`)
	b.WriteString(template.HTMLEscapeString(title))
	b.WriteString(`"><title>`)
	b.WriteString(template.HTMLEscapeString(title))
	b.WriteString(`</title>`)
}

func svgNum(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// columnChart draws values in time order as columns, with a value axis.
func columnChart(title string, bars []chartBar, num func(int64) string) template.HTML {
	var b strings.Builder
	const left, right, top, bottom = 56.0, 8.0, 10.0, 28.0
	w, h := float64(chartWidth), float64(columnHeight)
	svgOpen(&b, "columns", title, chartWidth, columnHeight)
	var maxV int64
	for _, c := range bars {
		maxV = max(maxV, c.Value)
	}
	tick, top5 := chartScale(maxV)
	plotW, plotH := w-left-right, h-top-bottom
	for v := int64(0); v <= top5; v += tick {
		y := top + plotH - plotH*float64(v)/float64(top5)
		b.WriteString(`<line class="grid" x1="` + svgNum(left) + `" x2="` + svgNum(w-right) + `" y1="` + svgNum(y) + `" y2="` + svgNum(y) + `" stroke="#ccc"/>`)
		b.WriteString(`<text class="axis" x="` + svgNum(left-6) + `" y="` + svgNum(y+4) + `" text-anchor="end" fill="#444">` + template.HTMLEscapeString(num(v)) + `</text>`)
	}
	n := len(bars)
	if n == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	step := plotW / float64(n)
	// Label every k-th column so labels never overlap.
	labelW := 7.0*float64(maxLabelLen(bars)) + 8
	every := max(1, int(math.Ceil(labelW/step)))
	for i, c := range bars {
		x := left + step*float64(i)
		bh := plotH * float64(c.Value) / float64(top5)
		gap := math.Min(step*0.2, 4)
		b.WriteString(`<rect class="bar" x="` + svgNum(x+gap/2) + `" y="` + svgNum(top+plotH-bh) + `" width="` + svgNum(math.Max(step-gap, 0.5)) +
			`" height="` + svgNum(bh) + `" fill="#2a6f97"><title>` + template.HTMLEscapeString(c.Label+": "+num(c.Value)) + `</title></rect>`)
		if i%every == 0 {
			b.WriteString(`<text class="axis" x="` + svgNum(x+step/2) + `" y="` + svgNum(h-10) + `" text-anchor="middle" fill="#444">` +
				template.HTMLEscapeString(c.Label) + `</text>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func maxLabelLen(bars []chartBar) int {
	n := 1
	for _, c := range bars {
		n = max(n, utf8.RuneCountInString(c.Label))
	}
	return n
}

// barChart draws categories as horizontal bars, largest first, at most
// chartTopBars of them. In right-to-left pages the labels stand on the
// right and the bars grow leftwards.
func barChart(title string, bars []chartBar, num func(int64) string, rtl bool) template.HTML {
	if len(bars) > chartTopBars {
		bars = bars[:chartTopBars]
	}
	var b strings.Builder
	const labelW, valueW, pad = 230.0, 70.0, 6.0
	w := float64(chartWidth)
	h := barRow*len(bars) + 8
	svgOpen(&b, "bars", title, chartWidth, h)
	var maxV int64
	for _, c := range bars {
		maxV = max(maxV, c.Value)
	}
	maxV = max(maxV, 1)
	plotW := w - labelW - valueW - 2*pad
	// mirror places x (measured from the start side) and anchors.
	x := func(v float64) float64 {
		if rtl {
			return w - v
		}
		return v
	}
	start, end := "start", "end"
	if rtl {
		start, end = "end", "start"
	}
	for i, c := range bars {
		y := 4 + float64(i*barRow)
		label := c.Label
		if utf8.RuneCountInString(label) > 34 {
			label = string([]rune(label)[:33]) + "…"
		}
		bw := plotW * float64(c.Value) / float64(maxV)
		b.WriteString(`<text class="label" x="` + svgNum(x(labelW)) + `" y="` + svgNum(y+15) + `" text-anchor="` + end + `" fill="#222">` +
			template.HTMLEscapeString(label) + `</text>`)
		rx := x(labelW + pad)
		if rtl {
			rx -= bw
		}
		b.WriteString(`<rect class="bar" x="` + svgNum(rx) + `" y="` + svgNum(y+3) + `" width="` + svgNum(math.Max(bw, 0.5)) + `" height="` +
			svgNum(barRow-6) + `" fill="#2a6f97"><title>` + template.HTMLEscapeString(c.Label+": "+num(c.Value)) + `</title></rect>`)
		b.WriteString(`<text class="value" x="` + svgNum(x(labelW+2*pad+bw)) + `" y="` + svgNum(y+15) + `" text-anchor="` + start + `" fill="#222">` +
			template.HTMLEscapeString(num(c.Value)) + `</text>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// groupDigits writes n with the language's thousands separator.
func groupDigits(n int64, lang string) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	switch lang {
	case "es":
		sep = "."
	case "fr":
		sep = "\u202f" // narrow no-break space
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}
