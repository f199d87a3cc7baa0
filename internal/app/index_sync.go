package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/store"
)

// indexTopic carries "origin id" for every incident whose searchable text
// a process changed. Each process keeps its own search index in memory
// (it holds decrypted words and is never written down), so on PostgreSQL,
// where several processes share the records, each must hear of the
// others' writes: without this a word written through one process was
// never found through another until it restarted.
const indexTopic = "incident-index"

// indexSync publishes this process's index changes and applies the
// others'. Its origin tells this process's own events apart.
type indexSync struct {
	origin string
}

// wireIndexSync makes incident writes announce themselves on PostgreSQL.
// SQLite is served by one process: nothing to tell.
func (a *App) wireIndexSync() {
	if a.DB.Dialect != store.Postgres {
		return
	}
	b := make([]byte, 8)
	rand.Read(b)
	a.index.origin = hex.EncodeToString(b)
	a.Incidents.Changed = func(id int64) {
		// The incident id only: events never carry record contents.
		if err := a.Live.Publish(context.Background(), indexTopic, a.index.origin+" "+strconv.FormatInt(id, 10)); err != nil {
			a.Log.Warn("could not tell other processes about an index change", "err", err)
		}
	}
}

// followIndex applies the other processes' index changes until ctx ends.
// Events are collected as they come (so that a burst does not overflow
// the subscription's buffer) and applied by one worker: each changed
// incident is read and decrypted again, or dropped when it is gone. When
// the listening connection was lost (events may be missing), the whole
// index is rebuilt.
func (a *App) followIndex(ctx context.Context) {
	if a.index.origin == "" {
		return
	}
	events, stop := a.Live.Subscribe(indexTopic)
	defer stop()
	var mu sync.Mutex
	pending, rebuild := map[int64]bool{}, false
	wake := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
			mu.Lock()
			ids, all := pending, rebuild
			pending, rebuild = map[int64]bool{}, false
			mu.Unlock()
			if a.Vault.Sealed() {
				continue // nothing is indexed while sealed; unsealing rebuilds
			}
			if all {
				a.rebuildIndex(ctx)
				continue
			}
			for id := range ids {
				a.Incidents.Refresh(ctx, id)
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			mu.Lock()
			if e == live.Resync {
				rebuild = true
			} else if origin, id, ok := strings.Cut(e.Data, " "); ok && origin != a.index.origin {
				if n, err := strconv.ParseInt(id, 10, 64); err == nil {
					pending[n] = true
				}
			}
			mu.Unlock()
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}
}
