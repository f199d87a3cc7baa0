package incident

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/vault"
	"github.com/faro-project/faro/internal/web"
)

// A search typed on the list page stays out of the address bar, and so
// out of the browser's history, which is what gets read when a phone is
// searched at a border: the filter form is posted, and the list is reached
// by a link whose "qs" parameter is the search sealed with the vault for
// that user alone. "q" in a link still works (bookmarks, API clients); the
// page's own links and forms never carry it.

// ErrSearchLink is a "qs" that does not open: damaged, or sealed for
// someone else.
var ErrSearchLink = errors.New("incident: this search link cannot be read")

// maxSearchLink bounds a "qs" before decoding.
const maxSearchLink = 4096

func searchLoc(userID int64) vault.Location {
	return vault.Location{Table: "list_search", Record: strconv.FormatInt(userID, 10), Field: "q"}
}

// SealSearch returns text sealed for userID's links.
func (s *Store) SealSearch(userID int64, text string) (string, error) {
	ct, err := s.Cipher.Encrypt(searchLoc(userID), []byte(text))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(ct), nil
}

// OpenSearch replaces a sealed search "qs" in q by its text, as "q".
func (s *Store) OpenSearch(userID int64, q url.Values) error {
	tok := q.Get("qs")
	if tok == "" {
		return nil
	}
	q.Del("qs")
	if len(tok) > maxSearchLink {
		return ErrSearchLink
	}
	ct, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return ErrSearchLink
	}
	text, err := s.Cipher.Decrypt(searchLoc(userID), ct)
	if err != nil {
		return ErrSearchLink
	}
	q.Set("q", string(text))
	return nil
}

// linkValues is q for the page's links and forms: its search sealed as
// "qs" (tok when the request brought one), never in clear as "q".
func (s *Store) linkValues(userID int64, q url.Values, tok string) (url.Values, error) {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	text := out.Get("q")
	out.Del("q")
	if text == "" {
		return out, nil
	}
	if tok == "" {
		var err error
		if tok, err = s.SealSearch(userID, text); err != nil {
			return nil, err
		}
	}
	out.Set("qs", tok)
	return out, nil
}

// listFilterFields are the list form's fields other than the search.
var listFilterFields = []string{"from", "to", "country", "type", "violence", "verification", "consent", "team", "sort"}

// find takes the posted filter form and sends the browser to the list,
// its search sealed into the link.
func (h *Handlers) find(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.web.Error(w, r, http.StatusBadRequest)
		return
	}
	q := url.Values{}
	for _, k := range listFilterFields {
		if v := strings.TrimSpace(r.PostForm.Get(k)); v != "" {
			q.Set(k, v)
		}
	}
	if text := strings.TrimSpace(r.PostForm.Get("q")); text != "" {
		tok, err := h.store.SealSearch(web.User(r).ID, text)
		if err != nil {
			h.web.ServerError(w, r, err)
			return
		}
		q.Set("qs", tok)
	}
	target := "/incidents"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
