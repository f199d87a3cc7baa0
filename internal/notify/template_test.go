package notify

import (
	"errors"
	"strings"
	"testing"
)

func TestTemplateRender(t *testing.T) {
	tpl, err := ParseTemplate("DISTRESS {{.Ref}} at {{.PositionDecimal}} ({{.PositionDMS}}), POB {{.PeopleOnBoard}}{{if .Notes}}\nNotes: {{.Notes | trim}}{{end}}\n{{upper .Kind}}")
	if err != nil {
		t.Fatal(err)
	}
	d := TemplateData{Ref: "R1", PositionDecimal: "35.1, -2.5", PositionDMS: "35° N", PeopleOnBoard: "47", Notes: " n ", Kind: "distress"}
	got, err := tpl.Render(d)
	if err != nil || got != "DISTRESS R1 at 35.1, -2.5 (35° N), POB 47\nNotes: n\nDISTRESS" {
		t.Errorf("%q %v", got, err)
	}
	// text/template does not escape: a text message is not HTML.
	d.Notes = "<b>&"
	if got, _ := tpl.Render(d); !strings.Contains(got, "<b>&") {
		t.Error("escaped")
	}
}

func TestTemplateRejects(t *testing.T) {
	for src, want := range map[string]string{
		"{{.Phonee}}":                              "{{.Phonee}}: no such field; known: .Ref, .Kind, .Phase",
		"{{$.Phonee}}":                             "no such field",
		"{{.Ref.X}}":                               ".Ref is text",
		"{{range .Ref}}x{{end}}":                   "{{range}} is not allowed",
		"{{range 1000000000}}x{{end}}":             "{{range}} is not allowed",
		`{{define "a"}}x{{end}}`:                   "{{define}}",
		`{{block "a" .}}x{{end}}`:                  "{{define}}",
		`{{template "a"}}`:                         "not allowed",
		`{{printf "%0999999999d" 1}}`:              `function "printf" is not allowed`,
		`{{index .Ref 5}}`:                         `function "index"`,
		`{{call .Ref}}`:                            `function "call"`,
		`{{nosuch .Ref}}`:                          `"nosuch" not defined`,
		`{{if .Ref}}{{range .Kind}}{{end}}{{end}}`: "{{range}}",
		`{{$x := .Ref}}{{$x.Y}}`:                   "can't evaluate field Y",
		`{{.Ref`:                                   "unclosed action",
		strings.Repeat("x", MaxTemplateSource+1):   "longer than",
	} {
		_, err := ParseTemplate(src)
		if err == nil || !errors.Is(err, ErrTemplate) || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: %v, want %q", src, err, want)
		}
	}
}

func TestTemplateOutputLimit(t *testing.T) {
	tpl, err := ParseTemplate(strings.Repeat("{{.Notes}}", 1000))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(TemplateData{Notes: strings.Repeat("n", 1000)})
	if err == nil || !strings.Contains(err.Error(), "output longer") {
		t.Errorf("%v", err)
	}
}

func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"{{.Ref}}", "{{if .Notes}}{{.Notes}}{{else}}-{{end}}", "{{with $x := .Kind}}{{upper $x}}{{end}}",
		"{{range .Ref}}{{end}}", `{{printf "%d" 1}}`, "{{.Ref.Ref}}", "{{/* c */}}", "{{(.Ref)}}", "{{eq .Ref .Kind}}", "{{ .Ref | lower | upper }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := ParseTemplate(src)
		if err != nil {
			return
		}
		big := SampleData()
		big.Notes = strings.Repeat("n", 4096)
		for _, d := range []TemplateData{SampleData(), {}, big} {
			out, err := tpl.Render(d)
			if len(out) > MaxTemplateOutput {
				t.Fatalf("output %d bytes", len(out))
			}
			_ = err
		}
	})
}
