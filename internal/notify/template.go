package notify

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
)

// Template limits: an admin's template is data, and must not be able to
// exhaust memory or loop.
const (
	MaxTemplateSource = 16 << 10
	MaxTemplateOutput = 64 << 10
)

// TemplateData is everything a message template can show; the caller fills
// the strings (formatting positions and times in the message's language).
type TemplateData struct {
	Ref             string // case reference, e.g. 2026-11-25-014
	Kind            string // case kind: distress, raid, …
	Phase           string // case phase or alert stage
	PositionDecimal string // 35.12345, -2.54321
	PositionDMS     string // 35° 07′ 24.4″ N, 2° 32′ 35.6″ W
	PositionTime    string // time of the fix, UTC
	PeopleOnBoard   string
	Condition       string // condition of the people and the boat
	CallerPhone     string
	Notes           string
	AckURL          string // link the responder follows to acknowledge
	Instance        string // name of this Faro instance
	Area            string // raid alerts: area described in words
	Expires         string // raid alerts: when the alert lapses
	// ConditionCodes are the case's condition codes (water, engine, …),
	// comma-separated. The responders' store writes them into Condition
	// in the language of the template it picks, before rendering.
	ConditionCodes string
	KindName       string // Kind in the message's language ("Distress at sea")
	PhaseName      string // Phase in the message's language ("Distress")
}

// ErrTemplate is wrapped by every template error.
var ErrTemplate = errors.New("template")

// fields are TemplateData's field names, in order, for messages.
var fields = func() []string {
	t := reflect.TypeOf(TemplateData{})
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Name
	}
	return out
}()

// funcs are the only functions a template may call. text/template's own
// builtins are refused except the harmless logical ones: printf can be
// asked for a billion-digit padding, slice and index for panics, call
// for anything.
var funcs = template.FuncMap{
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"trim":  strings.TrimSpace,
}

var allowedIdent = map[string]bool{"upper": true, "lower": true, "trim": true,
	"and": true, "or": true, "not": true, "eq": true, "ne": true}

// Template is a parsed, checked message template.
type Template struct {
	src string
	t   *template.Template
}

// Source returns the text the template was parsed from.
func (t *Template) Source() string { return t.src }

// ParseTemplate parses and checks a message template: only TemplateData's
// fields, the functions upper, lower, trim, and, or, not, eq, ne, and the
// actions if/else/with; no range (no loops), no define/template/block.
func ParseTemplate(src string) (*Template, error) {
	if len(src) > MaxTemplateSource {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrTemplate, MaxTemplateSource)
	}
	t, err := template.New("message").Option("missingkey=error").Funcs(funcs).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrTemplate, strings.TrimPrefix(err.Error(), "template: "))
	}
	if len(t.Templates()) > 1 {
		return nil, fmt.Errorf("%w: {{define}} and {{block}} are not allowed", ErrTemplate)
	}
	if t.Tree != nil && t.Tree.Root != nil {
		if err := check(t.Tree.Root); err != nil {
			return nil, err
		}
	}
	tpl := &Template{src: src, t: t}
	// A trial render catches what the walk cannot see, such as a field
	// reached through a variable.
	if _, err := tpl.Render(SampleData()); err != nil {
		return nil, err
	}
	return tpl, nil
}

// check walks the parse tree and refuses what templates may not do.
func check(n parse.Node) error {
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := check(c); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return check(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Cmds {
			if err := check(c); err != nil {
				return err
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if err := check(a); err != nil {
				return err
			}
		}
	case *parse.IfNode:
		return checkBranch(&n.BranchNode)
	case *parse.WithNode:
		return checkBranch(&n.BranchNode)
	case *parse.RangeNode:
		return fmt.Errorf("%w: {{range}} is not allowed", ErrTemplate)
	case *parse.TemplateNode:
		return fmt.Errorf("%w: {{template}} is not allowed", ErrTemplate)
	case *parse.BreakNode, *parse.ContinueNode:
		return fmt.Errorf("%w: {{break}} and {{continue}} are not allowed", ErrTemplate)
	case *parse.FieldNode:
		return checkField(n.String(), n.Ident)
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			return checkField(n.String(), n.Ident[1:])
		}
	case *parse.ChainNode:
		if err := check(n.Node); err != nil {
			return err
		}
		return fmt.Errorf("%w: {{%s}}: the fields are text and have no fields of their own", ErrTemplate, n.String())
	case *parse.IdentifierNode:
		if !allowedIdent[n.Ident] {
			return fmt.Errorf("%w: function %q is not allowed; allowed: upper, lower, trim, and, or, not, eq, ne", ErrTemplate, n.Ident)
		}
	}
	return nil
}

func checkBranch(b *parse.BranchNode) error {
	if err := check(b.Pipe); err != nil {
		return err
	}
	if err := check(b.List); err != nil {
		return err
	}
	if b.ElseList != nil {
		return check(b.ElseList)
	}
	return nil
}

func checkField(text string, ident []string) error {
	known := false
	for _, f := range fields {
		known = known || f == ident[0]
	}
	if !known {
		return fmt.Errorf("%w: {{%s}}: no such field; known: .%s", ErrTemplate, text, strings.Join(fields, ", ."))
	}
	if len(ident) > 1 {
		return fmt.Errorf("%w: {{%s}}: .%s is text and has no fields", ErrTemplate, text, ident[0])
	}
	return nil
}

// Fields returns the names of TemplateData's fields, for help texts.
func Fields() []string { return append([]string(nil), fields...) }

// limited is a writer that fails once more than n bytes were written,
// which stops template execution.
type limited struct {
	buf bytes.Buffer
	n   int
}

var errTooLong = fmt.Errorf("%w: output longer than %d bytes", ErrTemplate, MaxTemplateOutput)

func (l *limited) Write(p []byte) (int, error) {
	if l.buf.Len()+len(p) > l.n {
		return 0, errTooLong
	}
	return l.buf.Write(p)
}

// Render executes the template with data.
func (t *Template) Render(data TemplateData) (string, error) {
	w := &limited{n: MaxTemplateOutput}
	if err := t.t.Execute(w, data); err != nil {
		if errors.Is(err, errTooLong) {
			return "", errTooLong
		}
		return "", fmt.Errorf("%w: %s", ErrTemplate, strings.TrimPrefix(err.Error(), "template: "))
	}
	return w.buf.String(), nil
}

// SampleData is made-up data for previews and trial renders.
func SampleData() TemplateData {
	return TemplateData{
		Ref:             "2026-11-25-014",
		Kind:            "distress",
		Phase:           "open",
		PositionDecimal: "35.12345, -2.54321",
		PositionDMS:     "35° 07′ 24.4″ N, 2° 32′ 35.6″ W",
		PositionTime:    "2026-11-25 03:12 UTC",
		PeopleOnBoard:   "47",
		Condition:       "engine failure, taking on water, 3 children",
		CallerPhone:     "+881612345678",
		Notes:           "Sample notes.",
		AckURL:          "https://faro.example.org/ack/SAMPLE",
		Instance:        "Faro",
		Area:            "Sample area",
		Expires:         "2026-11-25 09:00 UTC",
	}
}
