package search

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sort"
	"sync"
)

// Index is an in-memory inverted index from normalised terms to document
// IDs, with prefix matching. It is safe for concurrent use: any number of
// Search/Len calls run in parallel; Put, Delete, BulkLoad and Reset are
// exclusive.
//
// Structure:
//
//   - a term dictionary: terms are stored as bytes in an arena the index
//     owns (so Reset and term removal can overwrite them with zeros), found
//     by a seeded hash (map[hash] → chain of term IDs);
//   - for each term, its posting list: the sorted IDs of the documents
//     containing it (appending is O(1) for the usual ever-growing IDs);
//   - a forward list per document (its term IDs) so Put can diff an update
//     and Delete knows what to remove;
//   - for prefix search, the term IDs sorted by term bytes, plus a small
//     unsorted "pending" buffer of terms created since the last merge, so a
//     Put that introduces new words costs O(1) amortised instead of a
//     re-sort. A prefix matches a contiguous range of the sorted list (two
//     binary searches) plus a linear scan of the pending buffer.
//
// Search intersects the queried terms with bitmaps over the document-ID
// range (IDs are expected to be small, dense database row IDs), falling
// back to sorted-slice merging when the IDs are spread too far apart.
//
// The zero Index is empty and ready to use, like New().
type Index struct {
	mu sync.RWMutex

	seed     maphash.Seed
	buckets  map[uint64]uint32 // hash(term) → first term ID of its chain
	terms    []term            // by term ID; free slots have tok == nil
	free     []uint32          // free term IDs
	live     int               // number of live terms
	sorted   []uint32          // live terms, sorted by tok (excluding pending)
	pending  []uint32          // live terms not yet merged into sorted
	docs     map[int64][]uint32
	postings int // total length of the posting lists
	arena    byteArena

	hashMask uint64 // all ones; tests narrow it to force hash collisions
}

const noTerm = ^uint32(0)

// term states
const (
	stateFree uint8 = iota
	stateSorted
	statePending
	stateBulk // created by BulkLoad, sorted list rebuilt at the end
)

type term struct {
	tok   []byte  // normalised term, in the arena; nil when free
	post  []int64 // ascending IDs of the documents containing the term
	next  uint32  // next term with the same hash
	state uint8
	dead  bool // scratch flag used while removing terms
}

// pendingMax bounds the unsorted buffer of new terms scanned by Search.
const pendingMax = 1024

// New returns an empty index.
func New() *Index {
	ix := &Index{}
	ix.initLocked()
	return ix
}

// ensureInit makes the zero Index usable; the write lock must be held.
func (ix *Index) ensureInit() {
	if ix.buckets == nil {
		ix.initLocked()
	}
}

func (ix *Index) initLocked() {
	ix.seed = maphash.MakeSeed()
	ix.hashMask = ^uint64(0)
	ix.buckets = make(map[uint64]uint32)
	ix.terms = nil
	ix.free = nil
	ix.live = 0
	ix.sorted = nil
	ix.pending = nil
	ix.docs = make(map[int64][]uint32)
	ix.postings = 0
	ix.arena = byteArena{}
}

// Len returns the number of documents in the index (including documents
// whose fields produced no terms).
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.docs)
}

// Put indexes the document docID with the given text fields, replacing
// whatever was indexed for docID before. Tokenisation (the costly part)
// happens before the write lock is taken.
func (ix *Index) Put(docID int64, fields ...string) {
	toks := docTerms(fields)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.ensureInit()
	ix.putLocked(docID, toks)
}

// Add adds the words of fields to docID's document and keeps the words it
// has: for a new part of a record (a testimony added to an incident) whose
// other parts are indexed already, without reading and decrypting them
// again. Put is for a document some of whose words may have gone.
func (ix *Index) Add(docID int64, fields ...string) {
	toks := docTerms(fields)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.ensureInit()
	old := ix.docs[docID]
	merged := append(make([]uint32, 0, len(old)+len(toks)), old...)
	for _, t := range toks {
		id := ix.intern(t, statePending)
		if _, found := slices.BinarySearch(old, id); !found {
			ix.addPosting(id, docID)
			merged = append(merged, id)
		}
	}
	slices.Sort(merged)
	ix.docs[docID] = merged
	if len(ix.pending) > pendingMax {
		ix.mergePending()
	}
}

// Delete removes docID from the index. Terms no longer used by any document
// are removed and their bytes zeroed. Deleting an unknown ID is a no-op.
func (ix *Index) Delete(docID int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old, ok := ix.docs[docID]
	if !ok {
		return
	}
	var dead []uint32
	for _, id := range old {
		if ix.removePosting(id, docID) {
			dead = append(dead, id)
		}
	}
	delete(ix.docs, docID)
	ix.freeTerms(dead)
}

// Reset empties the index; Faro calls it when it is sealed. The term bytes
// (the only copy of document words the index owns) are overwritten with
// zeros before being released, as are the posting lists.
//
// Limits: Go strings are immutable and cannot be zeroed, so copies that
// passed through strings — the field strings given to Put/BulkLoad, the
// normalised text and tokens built while indexing, query strings — remain
// in freed heap memory until the garbage collector reuses it. Reset shrinks
// what stays readable; it cannot guarantee that nothing does.
func (ix *Index) Reset() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.resetLocked()
}

func (ix *Index) resetLocked() {
	ix.arena.wipe()
	for i := range ix.terms {
		clear(ix.terms[i].post)
		ix.terms[i] = term{}
	}
	ix.initLocked()
}

// putLocked replaces docID's terms by toks (sorted, distinct).
func (ix *Index) putLocked(docID int64, toks []string) {
	ids := make([]uint32, len(toks))
	for i, t := range toks {
		ids[i] = ix.intern(t, statePending)
	}
	slices.Sort(ids)
	old := ix.docs[docID]
	var dead []uint32
	i, j := 0, 0
	for i < len(old) || j < len(ids) {
		switch {
		case j == len(ids) || (i < len(old) && old[i] < ids[j]):
			if ix.removePosting(old[i], docID) {
				dead = append(dead, old[i])
			}
			i++
		case i == len(old) || ids[j] < old[i]:
			ix.addPosting(ids[j], docID)
			j++
		default:
			i++
			j++
		}
	}
	ix.docs[docID] = ids
	ix.freeTerms(dead)
	if len(ix.pending) > pendingMax {
		ix.mergePending()
	}
}

// lookup returns the ID of term tok.
func (ix *Index) lookup(tok string, h uint64) (uint32, bool) {
	id, ok := ix.buckets[h]
	if !ok {
		return 0, false
	}
	for ; id != noTerm; id = ix.terms[id].next {
		if string(ix.terms[id].tok) == tok {
			return id, true
		}
	}
	return 0, false
}

// intern returns the ID of term tok, creating the term (with the given
// state) if needed. A new pending term is appended to the pending buffer.
func (ix *Index) intern(tok string, state uint8) uint32 {
	return ix.internHashed(tok, ix.hash(tok), state)
}

// hash is the dictionary hash of a term.
func (ix *Index) hash(tok string) uint64 {
	return maphash.String(ix.seed, tok) & ix.hashMask
}

// internHashed is intern with h = ix.hash(tok) precomputed.
func (ix *Index) internHashed(tok string, h uint64, state uint8) uint32 {
	if id, ok := ix.lookup(tok, h); ok {
		return id
	}
	b := ix.arena.alloc(len(tok))
	copy(b, tok)
	var id uint32
	if n := len(ix.free); n > 0 {
		id = ix.free[n-1]
		ix.free = ix.free[:n-1]
	} else {
		id = uint32(len(ix.terms))
		ix.terms = append(ix.terms, term{})
	}
	next, ok := ix.buckets[h]
	if !ok {
		next = noTerm
	}
	ix.terms[id] = term{tok: b, next: next, state: state}
	ix.buckets[h] = id
	ix.live++
	if state == statePending {
		ix.pending = append(ix.pending, id)
	}
	return id
}

func (ix *Index) addPosting(id uint32, docID int64) {
	t := &ix.terms[id]
	if n := len(t.post); n == 0 || t.post[n-1] < docID {
		t.post = append(t.post, docID)
		ix.postings++
		return
	}
	if k, found := slices.BinarySearch(t.post, docID); !found {
		t.post = slices.Insert(t.post, k, docID)
		ix.postings++
	}
}

// removePosting removes docID from the term's postings and reports whether
// the term is now unused.
func (ix *Index) removePosting(id uint32, docID int64) bool {
	t := &ix.terms[id]
	if k, found := slices.BinarySearch(t.post, docID); found {
		t.post = slices.Delete(t.post, k, k+1)
		ix.postings--
	}
	if len(t.post) == 0 {
		t.post = nil
		return true
	}
	return false
}

// freeTerms removes unused terms from the dictionary and zeroes their bytes.
func (ix *Index) freeTerms(dead []uint32) {
	if len(dead) == 0 {
		return
	}
	// Positions in the sorted list are found by binary search; a few are
	// removed by memmove, many by one filtering pass.
	var pos []int
	anyPending := false
	for _, id := range dead {
		t := &ix.terms[id]
		t.dead = true
		switch t.state {
		case stateSorted:
			if k, found := slices.BinarySearchFunc(ix.sorted, t.tok, ix.cmpTermTok); found {
				pos = append(pos, k)
			}
		case statePending:
			anyPending = true
		}
	}
	if len(pos) > 0 {
		slices.Sort(pos)
		if len(pos) <= 16 {
			for i := len(pos) - 1; i >= 0; i-- {
				ix.sorted = slices.Delete(ix.sorted, pos[i], pos[i]+1)
			}
		} else {
			tail := slices.DeleteFunc(ix.sorted[pos[0]:], func(id uint32) bool { return ix.terms[id].dead })
			ix.sorted = ix.sorted[:pos[0]+len(tail)]
		}
	}
	if anyPending {
		ix.pending = slices.DeleteFunc(ix.pending, func(id uint32) bool { return ix.terms[id].dead })
	}
	for _, id := range dead {
		ix.unlink(id)
		t := &ix.terms[id]
		ix.arena.release(t.tok)
		*t = term{next: noTerm}
		ix.free = append(ix.free, id)
		ix.live--
	}
	if ix.arena.needsCompaction() {
		ix.compactArena()
	}
}

// unlink removes term id from its hash chain.
func (ix *Index) unlink(id uint32) {
	h := maphash.Bytes(ix.seed, ix.terms[id].tok) & ix.hashMask
	head := ix.buckets[h]
	if head == id {
		if next := ix.terms[id].next; next == noTerm {
			delete(ix.buckets, h)
		} else {
			ix.buckets[h] = next
		}
		return
	}
	for p := head; p != noTerm; p = ix.terms[p].next {
		if ix.terms[p].next == id {
			ix.terms[p].next = ix.terms[id].next
			return
		}
	}
}

func (ix *Index) cmpTermTok(id uint32, tok []byte) int {
	return bytes.Compare(ix.terms[id].tok, tok)
}

func (ix *Index) cmpTerms(a, b uint32) int {
	return bytes.Compare(ix.terms[a].tok, ix.terms[b].tok)
}

// mergePending sorts the pending terms into the sorted list (in place, from
// the back).
func (ix *Index) mergePending() {
	p := ix.pending
	slices.SortFunc(p, ix.cmpTerms)
	n, m := len(ix.sorted), len(p)
	s := slices.Grow(ix.sorted, m)[:n+m]
	i, j := n-1, m-1
	for k := n + m - 1; j >= 0; k-- {
		if i >= 0 && ix.cmpTerms(s[i], p[j]) > 0 {
			s[k] = s[i]
			i--
		} else {
			s[k] = p[j]
			j--
		}
	}
	for _, id := range p {
		ix.terms[id].state = stateSorted
	}
	ix.sorted = s
	ix.pending = p[:0]
}

// compactArena copies live terms into a fresh arena and wipes the old one.
func (ix *Index) compactArena() {
	var na byteArena
	for i := range ix.terms {
		t := &ix.terms[i]
		if t.tok == nil {
			continue
		}
		b := na.alloc(len(t.tok))
		copy(b, t.tok)
		t.tok = b
	}
	ix.arena.wipe()
	ix.arena = na
}

// Search returns the IDs of the documents that contain, for every term of
// the query, an indexed term starting with it ("viol" finds "violence";
// "viol police" needs both). The query is normalised like documents, so
// case, accents and Arabic/Persian spelling variants do not matter. Results
// are sorted by document ID, descending. A query without any term (empty,
// punctuation, single letters) returns nil.
func (ix *Index) Search(query string) []int64 {
	qs := queryTerms(query)
	if len(qs) == 0 {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	sets := make([]matchSet, 0, len(qs))
	for _, q := range qs {
		m := ix.match([]byte(q))
		if m.total == 0 {
			return nil
		}
		sets = append(sets, m)
	}
	return ix.intersect(sets)
}

// matchSet holds the posting lists of all terms matching one query term.
type matchSet struct {
	prefix []byte // the query term
	lists  [][]int64
	total  int   // sum of list lengths
	lo, hi int64 // smallest and largest ID in the lists
}

func (m *matchSet) add(post []int64) {
	if len(post) == 0 {
		return
	}
	if m.total == 0 {
		m.lo, m.hi = post[0], post[len(post)-1]
	} else {
		m.lo = min(m.lo, post[0])
		m.hi = max(m.hi, post[len(post)-1])
	}
	m.lists = append(m.lists, post)
	m.total += len(post)
}

// match collects the posting lists of the terms having prefix q.
func (ix *Index) match(q []byte) matchSet {
	m := matchSet{prefix: q}
	s := ix.sorted
	lo := sort.Search(len(s), func(i int) bool { return bytes.Compare(ix.terms[s[i]].tok, q) >= 0 })
	n := sort.Search(len(s)-lo, func(i int) bool { return !bytes.HasPrefix(ix.terms[s[lo+i]].tok, q) })
	for _, id := range s[lo : lo+n] {
		m.add(ix.terms[id].post)
	}
	for _, id := range ix.pending {
		if bytes.HasPrefix(ix.terms[id].tok, q) {
			m.add(ix.terms[id].post)
		}
	}
	return m
}

// byteArena hands out term storage from large chunks, so that all term
// bytes can be zeroed on Reset. Space of removed terms is zeroed at once and
// reclaimed by compaction when it dominates.
type byteArena struct {
	chunks    [][]byte // full-length views of every chunk, for wiping
	cur       []byte   // current chunk; len = used
	used, rel int      // bytes handed out / released
}

const arenaChunk = 64 << 10

// alloc returns n bytes (n ≤ arenaChunk; terms are at most 64 runes).
func (a *byteArena) alloc(n int) []byte {
	a.used += n
	if cap(a.cur)-len(a.cur) < n {
		c := make([]byte, arenaChunk)
		a.chunks = append(a.chunks, c)
		a.cur = c[:0]
	}
	off := len(a.cur)
	a.cur = a.cur[:off+n]
	return a.cur[off : off+n : off+n]
}

func (a *byteArena) release(b []byte) {
	clear(b)
	a.rel += len(b)
}

func (a *byteArena) needsCompaction() bool {
	return a.rel > 1<<20 && a.rel > a.used-a.rel
}

func (a *byteArena) wipe() {
	for _, c := range a.chunks {
		clear(c)
	}
	*a = byteArena{}
}
