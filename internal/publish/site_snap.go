package publish

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
)

// A dataset change (an import bumps the version with every batch) used to
// make the next page read the whole table before answering: seconds with
// 100k rows. Now the pages keep being built from the version already in
// memory while the new one is read in the background, and switch to it
// when it is whole; each page's ETag and cache key name the version it was
// built from. At most two versions are held: the one served and the one
// being read (one rebuild runs at a time; a change during it is read next).

// siteSyncMax is the size (records) up to which a change is read before
// answering rather than in the background: a small dataset reads in
// milliseconds, and its visitors (and tests) see a change at once.
var siteSyncMax int64 = 5000

// siteRebuildHook, when set (tests of whole pages), runs in every
// rebuild before it reads, and after it with version "" .
var siteRebuildHook func(version string)

// siteRebuildTimeout bounds one background read.
const siteRebuildTimeout = 5 * time.Minute

// siteSnap is what the pages of one dataset version are built from.
type siteSnap struct {
	version string
	cube    *siteCube
	records int64 // in the dataset, for siteSyncMax
	// faroTypes are the type codes of Faro's own records (site_label.go).
	faroTypes map[string]bool

	mu   sync.Mutex
	grid *siteGrid // nil until read (on PostgreSQL the first one is read on first need)
}

// Grid returns the snapshot's positions, reading them the first time.
func (s *siteSnap) Grid(ctx context.Context, db *store.DB) (*siteGrid, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grid == nil {
		g, err := loadSiteGrid(ctx, db, s.version)
		if err != nil {
			return nil, err
		}
		s.grid = g
	}
	return s.grid, nil
}

// loadSnap reads the dataset at version: on SQLite one scan for both the
// cube and the grid; on PostgreSQL the cube, and the grid too when
// withGrid (else the first map view reads it).
func (q *siteDB) loadSnap(ctx context.Context, version string, withGrid bool) (*siteSnap, error) {
	s := &siteSnap{version: version}
	if q.db.Dialect == store.SQLite {
		c, g, err := q.scan(ctx, version)
		if err != nil {
			return nil, err
		}
		s.cube, s.grid = c, g
	} else {
		c, err := loadSiteCube(ctx, q.db, version)
		if err != nil {
			return nil, err
		}
		c.index()
		s.cube = c
		if withGrid {
			if s.grid, err = loadSiteGrid(ctx, q.db, version); err != nil {
				return nil, err
			}
		}
	}
	var err error
	if s.faroTypes, err = loadFaroTypes(ctx, q.db); err != nil {
		return nil, err
	}
	for i := range s.cube.cells {
		s.records += s.cube.cells[i].Incidents
	}
	return s, nil
}

// exact returns the snapshot of version, reading it (and keeping it in
// place of the one kept) when it is not the one kept.
func (q *siteDB) exact(ctx context.Context, version string) (*siteSnap, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cur != nil && q.cur.version == version {
		return q.cur, nil
	}
	s, err := q.loadSnap(ctx, version, false)
	if err != nil {
		return nil, err
	}
	q.cur = s
	return s, nil
}

// Serve returns the snapshot to build a page from when the dataset is at
// latest: latest's when it is in memory (or small, or nothing is kept yet:
// then it is read now), else the one kept, while latest is read in the
// background.
func (q *siteDB) Serve(ctx context.Context, latest string) (*siteSnap, error) {
	q.mu.Lock()
	cur := q.cur
	if cur != nil && !siteNewer(latest, cur.version) {
		q.mu.Unlock()
		return cur, nil
	}
	if cur == nil || cur.records <= siteSyncMax && !q.building {
		defer q.mu.Unlock()
		s, err := q.loadSnap(ctx, latest, false)
		if err != nil {
			return nil, err
		}
		q.cur = s
		return s, nil
	}
	q.want = latest
	if !q.building {
		q.building = true
		go q.rebuild()
	}
	q.mu.Unlock()
	return cur, nil
}

// siteNewer says whether version a came after b (versions are counters;
// anything else differing counts as newer).
func siteNewer(a, b string) bool {
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return a != b
	}
	return x > y
}

// rebuild reads the version wanted, then the one wanted since, until it
// has the latest; the pages keep using q.cur meanwhile.
func (q *siteDB) rebuild() {
	for {
		q.mu.Lock()
		v := q.want
		q.mu.Unlock()
		if q.beforeBuild != nil {
			q.beforeBuild(v)
		} else if siteRebuildHook != nil {
			siteRebuildHook(v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), siteRebuildTimeout)
		s, err := q.loadSnap(ctx, v, true)
		cancel()
		q.mu.Lock()
		if err == nil && (q.cur == nil || siteNewer(v, q.cur.version)) {
			q.cur = s
		}
		done := err != nil || !siteNewer(q.want, v)
		if done {
			q.building = false
		}
		q.mu.Unlock()
		if err != nil {
			// The next page asks again; the previous version stays served.
			slog.Warn("public site: reading the new dataset version failed", "err", err)
		}
		if q.rebuilt != nil {
			q.rebuilt <- v
		}
		if q.beforeBuild == nil && siteRebuildHook != nil {
			siteRebuildHook("")
		}
		if done {
			return
		}
	}
}
