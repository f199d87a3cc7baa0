package responders

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/i18n"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/store"
)

const templateColumns = `id, name, channel, lang, subject, body, builtin, updated_at`

func scanTemplate(sc interface{ Scan(...any) error }) (*MessageTemplate, error) {
	var t MessageTemplate
	var builtin int
	if err := sc.Scan(&t.ID, &t.Name, &t.Channel, &t.Lang, &t.Subject, &t.Body, &builtin, &t.UpdatedAt); err != nil {
		return nil, err
	}
	t.Builtin = builtin != 0
	return &t, nil
}

// Templates lists every stored template by name, language and channel.
func (s *Store) Templates(ctx context.Context) ([]MessageTemplate, error) {
	return s.queryTemplates(ctx, `ORDER BY name, lang, channel`)
}

func (s *Store) queryTemplates(ctx context.Context, rest string, args ...any) ([]MessageTemplate, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+templateColumns+` FROM message_templates `+rest, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MessageTemplate
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// GetTemplate returns one stored template, or ErrNotFound.
func (s *Store) GetTemplate(ctx context.Context, id int64) (*MessageTemplate, error) {
	t, err := scanTemplate(s.DB.QueryRow(ctx, `SELECT `+templateColumns+` FROM message_templates WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return t, err
}

// SaveTemplate validates t (parse and trial render of subject and body;
// a *ValidationError says what is wrong) and creates it when t.ID is 0 or
// updates it, with an audit entry.
func (s *Store) SaveTemplate(ctx context.Context, t *MessageTemplate) error {
	if err := validateTemplate(t); err != nil {
		return err
	}
	now := s.Now().Unix()
	defer s.changed() // after the commit: readers meanwhile do not cache
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM message_templates WHERE name = ? AND lang = ? AND channel = ? AND id <> ?`,
			t.Name, t.Lang, t.Channel, t.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			// Another template has this name, language and channel.
			return &ValidationError{Fields: map[string]string{"lang": "responders.error.template_exists"}}
		}
		action := audit.Update
		if t.ID == 0 {
			action = audit.Create
			id, err := store.InsertID(ctx, tx, `INSERT INTO message_templates (name, channel, lang, subject, body, builtin, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 0, ?, ?)`, t.Name, t.Channel, t.Lang, t.Subject, t.Body, now, now)
			if err != nil {
				return err
			}
			t.ID = id
		} else {
			res, err := tx.Exec(ctx, `UPDATE message_templates SET name = ?, channel = ?, lang = ?, subject = ?, body = ?, updated_at = ? WHERE id = ?`,
				t.Name, t.Channel, t.Lang, t.Subject, t.Body, now, t.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
		}
		t.UpdatedAt = now
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: action,
			RecordType: "message_template", RecordID: strconv.FormatInt(t.ID, 10)})
	})
}

// Template returns the template called name best suited to a responder
// who reads langs (in order of preference) on channel: for each language
// in turn, a template for that channel, then one for any channel, trying
// the language's base ("es" for "es-MX") after the exact tag; English last.
// It returns the parsed body, the subject's source (render it with
// notify.ParseTemplate; Compose does both) and the language chosen.
func (s *Store) Template(ctx context.Context, name string, langs []string, channel string) (tpl *notify.Template, subject string, lang string, err error) {
	t, err := s.pick(ctx, name, langs, channel)
	if err != nil {
		return nil, "", "", err
	}
	if t.body == nil {
		// Stored templates were validated; this one was edited by hand.
		if _, err = notify.ParseTemplate(t.Body); err == nil {
			err = errBadStored
		}
		return nil, "", "", err
	}
	return t.body, t.Subject, t.Lang, nil
}

// errBadStored: a stored template does not parse (edited by hand).
var errBadStored = errors.New("responders: stored template does not parse")

func (s *Store) pick(ctx context.Context, name string, langs []string, channel string) (*parsedTemplate, error) {
	all, err := s.templatesNamed(ctx, name)
	if err != nil {
		return nil, err
	}
	find := func(lang, ch string) *parsedTemplate {
		for i := range all {
			if strings.EqualFold(all[i].Lang, lang) && all[i].Channel == ch {
				return &all[i]
			}
		}
		return nil
	}
	for _, l := range append(candidates(langs), i18n.Fallback) {
		if t := find(l, channel); t != nil {
			return t, nil
		}
		if t := find(l, ""); t != nil {
			return t, nil
		}
	}
	return nil, ErrNotFound
}

// candidates expands ["es-MX", "fr"] to ["es-MX", "es", "fr"].
func candidates(langs []string) []string {
	var out []string
	for _, l := range langs {
		l = normaliseLang(l)
		if l == "" {
			continue
		}
		out = append(out, l)
		if base, _, ok := strings.Cut(l, "-"); ok {
			out = append(out, base)
		}
	}
	return out
}

// Composed is a rendered message.
type Composed struct {
	Subject, Text, Lang string
}

// Compose picks the template as Template does and renders subject and
// body with data.
func (s *Store) Compose(ctx context.Context, name string, langs []string, channel string, data notify.TemplateData) (Composed, error) {
	t, err := s.pick(ctx, name, langs, channel)
	if err != nil {
		return Composed{}, err
	}
	body, subject := t.body, t.subject
	if body == nil || subject == nil {
		return Composed{}, errBadStored
	}
	c := Composed{Lang: t.Lang}
	data.Condition = conditionText(s.Label, t.Lang, data.ConditionCodes, data.Condition)
	data.KindName = codeLabel(s.Label, t.Lang, "casedesk.kind.", data.Kind)
	data.PhaseName = codeLabel(s.Label, t.Lang, "casedesk.phase.", data.Phase)
	if c.Subject, err = subject.Render(data); err != nil {
		return Composed{}, err
	}
	c.Text, err = body.Render(data)
	return c, err
}

// conditionText is what a message shows as the condition: the case's
// condition codes in the message's language, then the free text about the
// boat. A rescue centre reading Italian gets "Avaria al motore", not
// "engine".
func conditionText(label func(lang, key string) string, lang, codes, text string) string {
	var parts []string
	for _, code := range strings.Split(codes, ",") {
		if code = strings.TrimSpace(code); code == "" {
			continue
		}
		parts = append(parts, codeLabel(label, lang, "casedesk.cond.", code))
	}
	if text = strings.TrimSpace(text); text != "" {
		parts = append(parts, text)
	}
	sep := ", "
	if lang == "ar" || lang == "fa" {
		sep = "، "
	}
	return strings.Join(parts, sep)
}

// codeLabel is the label of the case desk's code under prefix in lang, or
// the code itself when there is none.
func codeLabel(label func(lang, key string) string, lang, prefix, code string) string {
	if code == "" {
		return ""
	}
	if l, ok := messageOnlyLabels[lang][prefix+code]; ok {
		return l
	}
	if label == nil {
		return code
	}
	return label(lang, prefix+code)
}

// messageOnlyLabels are the labels, by catalogue key, of languages Faro
// writes messages in but has no interface catalogue for: Italian, for the
// rescue centre in Rome. (To be reviewed by a native speaker, like the
// Italian templates.)
var messageOnlyLabels = map[string]map[string]string{
	"it": {
		"casedesk.cond.water":         "Senza acqua potabile",
		"casedesk.cond.fuel":          "Senza carburante",
		"casedesk.cond.engine":        "Avaria al motore",
		"casedesk.cond.injured":       "Persone ferite",
		"casedesk.cond.children":      "Bambini a bordo",
		"casedesk.cond.pregnant":      "Donne incinte",
		"casedesk.cond.water_inside":  "Imbarca acqua",
		"casedesk.cond.sick":          "Persone malate",
		"casedesk.cond.dead_on_board": "Morti a bordo",
		"casedesk.kind.sea":           "Emergenza in mare",
		"casedesk.kind.land":          "Emergenza a terra",
		"casedesk.kind.raid":          "Segnalazione di retata",
		"casedesk.phase.uncertainty":  "Fase di incertezza",
		"casedesk.phase.alert":        "Fase di allarme",
		"casedesk.phase.distress":     "Fase di pericolo",
	},
}
