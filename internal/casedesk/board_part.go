package casedesk

import (
	"context"
	"net/http"

	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/web"
)

// boardPart answers GET /cases?part=board: the copy rendered for this
// version, language and role if there is one, else one render shared by
// every request that asks meanwhile.
func (h *Handlers) boardPart(w http.ResponseWriter, r *http.Request, p *web.Page) {
	render := func() ([]byte, error) {
		// Others wait for this render: one board closing its tab must
		// not fail it for all of them.
		d, err := h.boardData(r.WithContext(context.WithoutCancel(r.Context())), p)
		if err != nil {
			return nil, err
		}
		p.Data = d
		return h.execPart("casedesk/board", "board", p)
	}
	var (
		b   []byte
		err error
	)
	if h.sealed() {
		b, err = render() // fails as reads do when sealed; never cached
	} else {
		b, err = h.boards.get(boardKey{version: h.store.BoardVersion(), lang: p.L.Lang, role: p.User.Role}, render)
	}
	if err != nil {
		h.web.ServerError(w, r, err)
		return
	}
	writePart(w, b)
}

// sealed says whether the store's cipher is a vault that is sealed now.
func (h *Handlers) sealed() bool {
	s, ok := h.store.Cipher.(interface{ Sealed() bool })
	return ok && s.Sealed()
}

// DropBoardCache forgets every rendered board. The app calls it when the
// vault seals: a kept copy holds decrypted case data.
func (h *Handlers) DropBoardCache() { h.boards.drop() }

// followBoard bumps the board version on every board event, so changes
// made by another process on the same PostgreSQL database (which this
// store never sees) also end the cached copy. Changes made here bump it
// already before their event is published. The subscription ends when
// the broker closes.
func (h *Handlers) followBoard(b live.Broker) {
	ch, _ := b.Subscribe(TopicBoard)
	go func() {
		for range ch {
			h.store.boardChanged()
		}
	}()
}
