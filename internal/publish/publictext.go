package publish

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/incident"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
	"github.com/faro-project/faro/internal/web"
)

// The approved public text: the only free text of Faro's own records that
// may be published, and only when every testimony's consent is "public
// with name". A reviewer writes it (from the narrative, leaving out what
// must not go out) and approves it in one step; it is stored encrypted
// like the narrative it comes from until the publication rules open it.

//go:embed reviewpages/*.html
var reviewPages embed.FS

// MaxPublicText bounds an approved public text, in characters.
const MaxPublicText = 4000

// TextPages serve the public text page of an incident.
type TextPages struct {
	web       *web.Server
	db        *store.DB
	cipher    vault.Cipher
	audit     *audit.Log
	incidents *incident.Store
	teams     *incident.Teams
	changed   func() // tells the publisher
}

// RegisterPublicText adds GET and POST /incidents/{id}/public-text, for
// reviewers and up. changed is called after a text is saved.
func RegisterPublicText(srv *web.Server, db *store.DB, c vault.Cipher, a *audit.Log, inc *incident.Store, teams *incident.Teams, changed func()) *TextPages {
	p := &TextPages{web: srv, db: db, cipher: c, audit: a, incidents: inc, teams: teams, changed: changed}
	srv.AddPages("publictext", reviewPages, "reviewpages/*.html")
	srv.Router.Handle("GET /incidents/{id}/public-text", web.AtLeast(auth.Reviewer), p.show)
	srv.Router.Handle("POST /incidents/{id}/public-text", web.AtLeast(auth.Reviewer), p.save)
	return p
}

type textData struct {
	Inc        *incident.Incident
	Named      bool // every testimony consents to a name being published
	Text       string
	ApprovedAt int64
}

// load fetches the incident for the reviewer, under the incident pages'
// visibility rule, without opening its encrypted fields.
func (p *TextPages) load(w http.ResponseWriter, r *http.Request) (*incident.Incident, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	v, err := incident.ViewerFor(r.Context(), p.teams, web.User(r))
	if err != nil {
		p.web.ServerError(w, r, err)
		return nil, false
	}
	v.Sensitive = false // this page needs consent scopes, not narratives
	inc, err := p.incidents.Get(r.Context(), id, v)
	if errors.Is(err, incident.ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		p.web.Error(w, r, http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		p.web.ServerError(w, r, err)
		return nil, false
	}
	return inc, true
}

// allNamed says whether every testimony allows a name to be published.
func allNamed(inc *incident.Incident) bool {
	if len(inc.Testimonies) == 0 {
		return false
	}
	for _, t := range inc.Testimonies {
		if t.ConsentScope != incident.ConsentPublicNamed {
			return false
		}
	}
	return true
}

func textLoc(id int64) vault.Location {
	return vault.Location{Table: "incidents", Record: strconv.FormatInt(id, 10), Field: "public_text"}
}

// readText opens the incident's approved text, logging the read.
func (p *TextPages) readText(ctx context.Context, id int64) (string, int64, error) {
	var ct []byte
	var at int64
	if err := p.db.QueryRow(ctx, "SELECT public_text, public_text_approved_at FROM incidents WHERE id = ?", id).Scan(&ct, &at); err != nil {
		return "", 0, err
	}
	if ct == nil {
		return "", at, nil
	}
	if err := p.audit.Record(ctx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Read, RecordType: "incident_public_text", RecordID: strconv.FormatInt(id, 10)}); err != nil {
		return "", 0, err
	}
	b, err := p.cipher.Decrypt(textLoc(id), ct)
	return string(b), at, err
}

func (p *TextPages) show(w http.ResponseWriter, r *http.Request) {
	inc, ok := p.load(w, r)
	if !ok {
		return
	}
	text, at, err := p.readText(r.Context(), inc.ID)
	if err != nil {
		p.web.ServerError(w, r, err)
		return
	}
	page := p.web.NewPage(r, "publictext.title", textData{Inc: inc, Named: allNamed(inc), Text: text, ApprovedAt: at})
	page.Form.Set("text", text)
	p.web.Render(w, r, http.StatusOK, "publictext/edit", page)
}

func (p *TextPages) save(w http.ResponseWriter, r *http.Request) {
	inc, ok := p.load(w, r)
	if !ok {
		return
	}
	text, problem := checkPublicText(r.PostFormValue("text"), allNamed(inc))
	d := textData{Inc: inc, Named: allNamed(inc), Text: text}
	if problem != "" {
		page := p.web.NewPage(r, "publictext.title", d)
		page.Errors = map[string]string{"text": problem}
		page.Form.Set("text", text)
		p.web.Render(w, r, http.StatusUnprocessableEntity, "publictext/edit", page)
		return
	}
	if err := p.store(r.Context(), inc.ID, text); err != nil {
		p.web.ServerError(w, r, err)
		return
	}
	if p.changed != nil {
		p.changed()
	}
	flash := "publictext.saved"
	if text == "" {
		flash = "publictext.cleared"
	}
	p.web.Redirect(w, r, "/incidents/"+strconv.FormatInt(inc.ID, 10)+"/public-text", flash)
}

// checkPublicText normalises a submitted text (line ends, surrounding
// space) and returns the catalogue key of what is wrong with it, or "".
// A text is refused unless every testimony consents to a name; an empty
// one (a withdrawal) is always accepted.
func checkPublicText(raw string, named bool) (string, string) {
	text := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	switch {
	case !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxPublicText:
		return text, "publictext.error.too_long"
	case text != "" && !named:
		return text, "publictext.error.consent"
	}
	return text, ""
}

// store seals and saves the text as approved by the acting reviewer (an
// empty text withdraws it), with its audit entry.
func (p *TextPages) store(ctx context.Context, id int64, text string) error {
	var ct any
	if text != "" {
		b, err := p.cipher.Encrypt(textLoc(id), []byte(text))
		if err != nil {
			return err
		}
		ct = b
	}
	actor := audit.ActorOf(ctx)
	return p.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE incidents SET public_text = ?, public_text_approved_by = ?, public_text_approved_at = ? WHERE id = ?",
			ct, actor, time.Now().Unix(), id)
		if err != nil {
			return err
		}
		return p.audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "approve_public_text", RecordType: "incident", RecordID: strconv.FormatInt(id, 10)})
	})
}
