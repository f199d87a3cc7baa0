package app_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"html/template"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
)

// hole stands for a template action in the flattened page text: it holds
// no letters, so only literal text can trip the checks.
const hole = "\x00"

// flatten writes a template's tree as text with every action replaced by
// hole. Both branches of if/with/range are written one after the other:
// each is literal text that may reach the page.
func flatten(b *strings.Builder, n parse.Node, keys map[string][]string, name string, dyn map[string]bool) {
	switch n := n.(type) {
	case nil:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			flatten(b, c, keys, name, dyn)
		}
	case *parse.TextNode:
		b.Write(n.Text)
	case *parse.ActionNode:
		collectKeys(n.Pipe, keys, name, dyn)
		b.WriteString(hole)
	case *parse.IfNode:
		flattenBranch(b, &n.BranchNode, keys, name, dyn)
	case *parse.RangeNode:
		flattenBranch(b, &n.BranchNode, keys, name, dyn)
	case *parse.WithNode:
		flattenBranch(b, &n.BranchNode, keys, name, dyn)
	case *parse.TemplateNode:
		collectKeys(n.Pipe, keys, name, dyn)
		b.WriteString(hole)
	case *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	default:
		b.WriteString(hole)
	}
}

func flattenBranch(b *strings.Builder, n *parse.BranchNode, keys map[string][]string, name string, dyn map[string]bool) {
	collectKeys(n.Pipe, keys, name, dyn)
	b.WriteString(hole)
	flatten(b, n.List, keys, name, dyn)
	b.WriteString(hole)
	flatten(b, n.ElseList, keys, name, dyn)
	b.WriteString(hole)
}

// collectKeys records the constant keys of .T "key" and $.T "key" calls
// anywhere in a pipeline, and the prefixes of dynamic keys built with
// print "prefix." ….
func collectKeys(p *parse.PipeNode, keys map[string][]string, name string, dyn map[string]bool) {
	if p == nil {
		return
	}
	for _, cmd := range p.Cmds {
		if len(cmd.Args) >= 2 && isT(cmd.Args[0]) {
			switch a := cmd.Args[1].(type) {
			case *parse.StringNode:
				keys[a.Text] = append(keys[a.Text], name)
			case *parse.PipeNode:
				if pre, ok := printPrefix(a); ok {
					dyn[pre] = true
				}
			}
		}
		for _, arg := range cmd.Args {
			if sub, ok := arg.(*parse.PipeNode); ok {
				collectKeys(sub, keys, name, dyn)
			}
		}
	}
}

func isT(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.FieldNode:
		return len(n.Ident) == 1 && n.Ident[0] == "T"
	case *parse.VariableNode:
		return len(n.Ident) == 2 && n.Ident[0] == "$" && n.Ident[1] == "T"
	}
	return false
}

// printPrefix recognises (print "prefix." …).
func printPrefix(p *parse.PipeNode) (string, bool) {
	if len(p.Cmds) != 1 || len(p.Cmds[0].Args) < 2 {
		return "", false
	}
	id, ok := p.Cmds[0].Args[0].(*parse.IdentifierNode)
	if !ok || id.Ident != "print" {
		return "", false
	}
	s, ok := p.Cmds[0].Args[1].(*parse.StringNode)
	return s.Text, ok
}

// checkedAttrs are the attributes whose values people read.
var checkedAttrs = map[string]bool{"placeholder": true, "title": true, "alt": true, "aria-label": true,
	"value": true, "aria-description": true, "label": true, "data-confirm": true}

// literalText scans flattened markup and returns every piece of literal
// text a person could read: text between tags, and readable attributes.
func literalText(s string) []string {
	var out []string
	letters := func(what, t string) {
		t = stripEntities(t)
		for _, r := range t {
			if unicode.IsLetter(r) {
				out = append(out, what+strconv.Quote(strings.TrimSpace(strings.ReplaceAll(t, hole, "{{…}}"))))
				return
			}
		}
	}
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			letters("text ", s[i:i+j])
			i += j
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i:], "-->")
			if end < 0 {
				break
			}
			i += end + 3
			continue
		}
		// A tag: name, then attributes up to '>', honouring quotes.
		i++
		if i < len(s) && (s[i] == '!' || s[i] == '/') {
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				break
			}
			i += end + 1
			continue
		}
		for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
			i++
		}
		for i < len(s) && s[i] != '>' {
			if isSpace(s[i]) || s[i] == '/' {
				i++
				continue
			}
			start := i
			for i < len(s) && !isSpace(s[i]) && s[i] != '=' && s[i] != '>' {
				i++
			}
			attr := strings.ToLower(strings.Trim(s[start:i], hole))
			if i < len(s) && s[i] == '=' {
				i++
				var val string
				if i < len(s) && (s[i] == '"' || s[i] == '\'') {
					q := s[i]
					end := strings.IndexByte(s[i+1:], q)
					if end < 0 {
						end = len(s) - i - 1
					}
					val = s[i+1 : i+1+end]
					i += end + 2
				} else {
					start := i
					for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
						i++
					}
					val = s[start:i]
				}
				if checkedAttrs[attr] {
					letters("attribute "+attr+"=", val)
				}
			}
		}
		i++
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

// stripEntities drops character references (&amp; &#34; &middot;).
func stripEntities(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '&' {
			if end := strings.IndexByte(s[i:], ';'); end > 0 && end < 12 {
				i += end
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// templateTrees returns every named template once, by name, across all
// pages (each page set holds a clone of the layout).
func templateTrees(t *testing.T, pages map[string]*template.Template) map[string]*parse.Tree {
	t.Helper()
	out := map[string]*parse.Tree{}
	seen := map[string]bool{}
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, page := range names {
		for _, tt := range pages[page].Templates() {
			if tt.Tree == nil || tt.Tree.Root == nil {
				continue
			}
			// The layout is cloned into every page set: keep one copy of
			// each distinct tree.
			src := tt.Tree.Root.String()
			if seen[src] {
				continue
			}
			seen[src] = true
			out[page+":"+tt.Name()] = tt.Tree
		}
	}
	return out
}

func TestTemplatesHoldNoLiteralText(t *testing.T) {
	ta := newTestApp(t)
	pages := ta.Web.Templates()
	if len(pages) == 0 {
		t.Fatal("no templates")
	}
	keys := map[string][]string{}
	dyn := map[string]bool{}
	trees := templateTrees(t, pages)
	for name, tree := range trees {
		var b strings.Builder
		flatten(&b, tree.Root, keys, name, dyn)
		for _, lit := range literalText(b.String()) {
			t.Errorf("template %s holds literal %s: put it in the catalogue", name, lit)
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d catalogue keys in templates: the walker is broken", len(keys))
	}
	t.Logf("%d templates, %d constant keys, dynamic prefixes %v", len(trees), len(keys), dyn)
	checkKeys(t, ta, keys, "template")
	// Dynamic keys: role.* must exist for every role.
	if !dyn["role."] {
		t.Errorf(`no template builds "role." keys any more: update this test`)
	}
	for _, r := range auth.Roles {
		checkKeys(t, ta, map[string][]string{"role." + string(r): {"auth.Roles"}}, "role")
	}
	// audit.action.* for every action the audit package defines.
	if dyn["audit.action."] {
		for _, a := range []string{audit.Create, audit.Update, audit.Delete, audit.Read, audit.Export, audit.Login, audit.Seal} {
			checkKeys(t, ta, map[string][]string{"audit.action." + a: {"audit actions"}}, "audit")
		}
	}
}

// checkKeys fails for every key missing from a catalogue.
func checkKeys(t *testing.T, ta *testApp, keys map[string][]string, what string) {
	t.Helper()
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		for _, lang := range ta.Bundle.Langs() {
			if _, ok := ta.Bundle.Lookup(lang, k); !ok {
				t.Errorf("%s key %q (used in %s) is missing from %s.json", what, k, strings.Join(dedupe(keys[k]), ", "), lang)
			}
		}
	}
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// TestLiteralTextDetector makes sure the checks above can fail.
func TestLiteralTextDetector(t *testing.T) {
	for _, tc := range []struct {
		src  string
		bad  int
		keys []string
	}{
		{`<p>{{.T "a.b"}}</p>`, 0, []string{"a.b"}},
		{`<p>Hello {{.T "a.b"}}</p>`, 1, []string{"a.b"}},
		{`{{range .X}}<li>{{$.T "c.d"}} · {{.}}</li>{{end}}`, 0, []string{"c.d"}},
		{`{{if .X}}<b>Yes</b>{{else}}{{.T "x"}}{{end}}`, 1, []string{"x"}},
		{`{{with .X}}{{.}}{{else}}none{{end}}`, 1, nil},
		{`<input placeholder="Your name" value="{{.V}}">`, 1, nil},
		{`<img alt="{{.T "alt.key"}}" src="/x.png"><a title="Home">`, 1, []string{"alt.key"}},
		{`<input type="hidden" name="next" value="{{.Value "next"}}"{{with .Err "x"}} aria-invalid="true"{{end}}>`, 0, nil},
		{`<!doctype html><html lang="{{.L}}"><!-- a comment --></html>`, 0, nil},
		{`{{template "x" .}}<p>{{.T (print "role." .R)}} &amp; &#34;</p>`, 0, nil},
		{`<button aria-label="Close">{{.T "k" (.T "inner.k")}}</button>`, 1, []string{"k", "inner.k"}},
	} {
		tr, err := template.New("t").Funcs(template.FuncMap{}).Parse(`{{define "x"}}{{end}}` + tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		keys, dyn := map[string][]string{}, map[string]bool{}
		var b strings.Builder
		flatten(&b, tr.Tree.Root, keys, "t", dyn)
		if got := literalText(b.String()); len(got) != tc.bad {
			t.Errorf("%s: found %v, want %d literal texts", tc.src, got, tc.bad)
		}
		if len(keys) != len(tc.keys) {
			t.Errorf("%s: keys %v, want %v", tc.src, keys, tc.keys)
		}
		for _, k := range tc.keys {
			if _, ok := keys[k]; !ok {
				t.Errorf("%s: key %q not found", tc.src, k)
			}
		}
	}
}

// TestGoCodeKeysExist: catalogue keys chosen in Go code (page titles,
// notices, form errors) exist in every catalogue too.
func TestGoCodeKeysExist(t *testing.T) {
	ta := newTestApp(t)
	keys := map[string][]string{}
	fset := token.NewFileSet()
	dirs, _ := filepath.Glob("../*")
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatalf("parse %s: %v", f, err)
			}
			collectGoKeys(file, fset, keys)
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys in Go code: the scanner is broken", len(keys))
	}
	t.Logf("%d keys in Go code", len(keys))
	checkKeys(t, ta, keys, "Go")
}

// collectGoKeys records string literals passed as catalogue keys:
// NewPage's title, Redirect's notice, Errors[...] and Flash assignments,
// and what functions named *ErrorKey / errorKey return.
func collectGoKeys(file *ast.File, fset *token.FileSet, keys map[string][]string) {
	add := func(e ast.Expr) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			k, err := strconv.Unquote(lit.Value)
			if err == nil && k != "" && !strings.ContainsAny(k, "%/ ") {
				keys[k] = append(keys[k], fset.Position(lit.Pos()).String())
			}
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch sel.Sel.Name {
			case "NewPage":
				if len(n.Args) >= 2 {
					add(n.Args[1])
				}
			case "Redirect":
				if len(n.Args) == 4 {
					add(n.Args[3])
				}
			case "adminAction", "uploadFailed":
				for _, a := range n.Args {
					add(a)
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if i >= len(n.Rhs) {
					break
				}
				switch l := lhs.(type) {
				case *ast.IndexExpr:
					if s, ok := l.X.(*ast.SelectorExpr); ok && s.Sel.Name == "Errors" {
						add(n.Rhs[i])
					}
				case *ast.SelectorExpr:
					if l.Sel.Name == "Flash" || l.Sel.Name == "Title" {
						add(n.Rhs[i])
					}
				}
			}
		case *ast.FuncDecl:
			if strings.HasSuffix(strings.ToLower(n.Name.Name), "errorkey") && n.Body != nil {
				ast.Inspect(n.Body, func(m ast.Node) bool {
					if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
						add(r.Results[0])
					}
					return true
				})
			}
		}
		return true
	})
}
