package incident

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/store"
)

// Vocab is the controlled vocabularies (incident types, kinds of
// violence). Built-in entries take their labels from the catalogues;
// entries admins add carry a label per language in the database.
type Vocab struct {
	DB    *store.DB
	Audit *audit.Log

	// mu guards known, the codes last read: terms are only ever added,
	// so a code found there is valid, and a code not found is looked up
	// again before it is refused (Checker). Reading the whole vocabulary
	// for every submission was a query and some 200 rows per request.
	mu    sync.Mutex
	known Snapshot
}

// Term is one vocabulary entry.
type Term struct {
	Kind, Code string
	Builtin    bool
	Labels     map[string]string
}

// Kinds of vocabulary.
var Kinds = []string{"incident_type", "violence"}

// Terms lists a kind's entries in order. It reads the database each time:
// the table is tiny, and several processes may share it.
func (v *Vocab) Terms(ctx context.Context, kind string) ([]Term, error) {
	rows, err := v.DB.Query(ctx, "SELECT kind, code, builtin, labels FROM vocab WHERE kind = ? ORDER BY position, code", kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Term
	for rows.Next() {
		var t Term
		var builtin int
		var labels string
		if err := rows.Scan(&t.Kind, &t.Code, &builtin, &labels); err != nil {
			return nil, err
		}
		t.Builtin = builtin == 1
		if err := json.Unmarshal([]byte(labels), &t.Labels); err != nil {
			t.Labels = map[string]string{}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Label returns the term's name in the localizer's language.
func (t Term) Label(l *i18n.Localizer) string {
	if t.Builtin {
		return l.T("vocab." + t.Kind + "." + t.Code)
	}
	if s := t.Labels[l.Lang]; s != "" {
		return s
	}
	if s := t.Labels[i18n.Fallback]; s != "" {
		return s
	}
	return t.Code
}

// Snapshot is a kind-to-codes view used to validate forms.
type Snapshot map[string]map[string]bool

// Valid reports whether code is a term of kind.
func (s Snapshot) Valid(kind, code string) bool { return s[kind][code] }

// Checker returns a Vocabulary for validating one submission: it answers
// from the codes last read and reads them again, once, when a code is not
// among them (a term another process added since, or an invalid code).
func (v *Vocab) Checker(ctx context.Context) (Vocabulary, error) {
	v.mu.Lock()
	known := v.known
	v.mu.Unlock()
	if known == nil {
		var err error
		if known, err = v.reload(ctx); err != nil {
			return nil, err
		}
	}
	return &checker{v: v, ctx: ctx, known: known}, nil
}

type checker struct {
	v        *Vocab
	ctx      context.Context
	known    Snapshot
	reloaded bool
}

func (c *checker) Valid(kind, code string) bool {
	if c.known.Valid(kind, code) {
		return true
	}
	if c.reloaded {
		return false
	}
	c.reloaded = true
	if s, err := c.v.reload(c.ctx); err == nil {
		c.known = s
	}
	return c.known.Valid(kind, code)
}

func (v *Vocab) reload(ctx context.Context) (Snapshot, error) {
	s, err := v.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	v.known = s
	v.mu.Unlock()
	return s, nil
}

// Snapshot loads every kind's codes.
func (v *Vocab) Snapshot(ctx context.Context) (Snapshot, error) {
	rows, err := v.DB.Query(ctx, "SELECT kind, code FROM vocab")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s := Snapshot{}
	for rows.Next() {
		var k, c string
		if err := rows.Scan(&k, &c); err != nil {
			return nil, err
		}
		if s[k] == nil {
			s[k] = map[string]bool{}
		}
		s[k][c] = true
	}
	return s, rows.Err()
}

var (
	ErrTermCode   = errors.New("incident: a term code is 2-40 lowercase letters, digits or underscores")
	ErrTermExists = errors.New("incident: this term already exists")
	ErrTermLabel  = errors.New("incident: a new term needs an English label")
	ErrTermKind   = errors.New("incident: unknown vocabulary")
)

var termCode = regexp.MustCompile(`^[a-z0-9_]{2,40}$`)

// Add appends a term with its labels (language code -> label).
func (v *Vocab) Add(ctx context.Context, kind, code string, labels map[string]string) error {
	if !slicesContains(Kinds, kind) {
		return ErrTermKind
	}
	code = strings.TrimSpace(code)
	if !termCode.MatchString(code) {
		return ErrTermCode
	}
	clean := map[string]string{}
	for lang, l := range labels {
		if l = strings.TrimSpace(l); l != "" && len(l) <= 100 {
			clean[lang] = l
		}
	}
	if clean[i18n.Fallback] == "" {
		return ErrTermLabel
	}
	b, _ := json.Marshal(clean)
	return v.DB.InTx(ctx, func(tx *store.Tx) error {
		var n, pos int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*), COALESCE(MAX(position), 0) + 1 FROM vocab WHERE kind = ? AND code = ?", kind, code).Scan(&n, &pos); err != nil {
			return err
		}
		if n > 0 {
			return ErrTermExists
		}
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM vocab WHERE kind = ?", kind).Scan(&pos); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO vocab (kind, code, position, builtin, labels) VALUES (?, ?, ?, 0, ?)", kind, code, pos, string(b)); err != nil {
			return err
		}
		return v.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Create, RecordType: "vocab", RecordID: kind + "/" + code})
	})
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
