package search

import (
	"bytes"
	"cmp"
	"runtime"
	"slices"
	"sync"
)

// bulkBatch is the number of documents handed to a tokenising worker at once.
const bulkBatch = 256

type bulkDoc struct {
	id     int64
	seq    int // yield order; the last of several docs with one ID wins
	fields []string
	toks   []string // distinct terms
	hashes []uint64 // maphash of each term, with ix.seed
}

type bulkRec struct {
	id   int64
	seq  int
	tids []uint32
}

// BulkLoad indexes every document produced by docs, as if by Put for each
// (a later document with the same ID replaces an earlier one), but much
// faster on an empty index: Faro uses it to build the index at unseal time.
//
// docs is called once and must call yield for each document, sequentially
// (not from several goroutines), and not after docs returns; the fields
// slice may be reused by the caller after yield returns. If docs panics,
// the index is left empty and the panic propagates. Documents are
// tokenised on GOMAXPROCS goroutines; on an empty index the posting lists
// are then laid out in one allocation and the term dictionary sorted once.
// On a non-empty index BulkLoad simply Puts each document.
//
// The write lock is held for the whole call, so searches wait for the build
// instead of seeing a partial index, and Puts/Deletes issued meanwhile (for
// writes committed while the caller was reading the database) are applied
// after it. docs must therefore not call methods of ix.
func (ix *Index) BulkLoad(docs func(yield func(id int64, fields ...string))) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.ensureInit()
	if len(ix.docs) > 0 || ix.live > 0 {
		docs(func(id int64, fields ...string) {
			ix.putLocked(id, docTerms(fields))
		})
		return
	}
	ix.bulkBuildLocked(docs)
}

func (ix *Index) bulkBuildLocked(docs func(yield func(id int64, fields ...string))) {
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan []bulkDoc, workers)
	results := make(chan []bulkDoc, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			seen := make(map[uint64]int32)
			for batch := range jobs {
				for i := range batch {
					var toks []string
					for _, f := range batch[i].fields {
						toks = appendTerms(toks, Normalize(f), false)
					}
					// Drop duplicate terms and hash the rest here, in
					// parallel, to spare the single-threaded collector.
					hashes := make([]uint64, 0, len(toks))
					out := toks[:0]
					for _, t := range toks {
						h := ix.hash(t)
						if k, ok := seen[h]; ok && out[k] == t {
							continue
						}
						seen[h] = int32(len(out))
						out = append(out, t)
						hashes = append(hashes, h)
					}
					clear(seen)
					batch[i].toks, batch[i].hashes = out, hashes
					batch[i].fields = nil
				}
				results <- batch
			}
		})
	}

	// The collector interns terms while the workers tokenise, and removes
	// duplicate terms within a document (mark[id] is the last document
	// number that counted term id).
	var recs []bulkRec
	var counts []int32 // by term ID: number of documents
	var mark []int32
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		docNo := int32(0)
		for batch := range results {
			n := 0
			for _, d := range batch {
				n += len(d.toks)
			}
			buf := make([]uint32, 0, n) // forward lists of the whole batch
			for _, d := range batch {
				docNo++
				start := len(buf)
				for k, t := range d.toks {
					id := ix.internHashed(t, d.hashes[k], stateBulk)
					if int(id) >= len(counts) {
						grow := int(id) + 1 - len(counts)
						counts = append(counts, make([]int32, grow)...)
						mark = append(mark, make([]int32, grow)...)
					}
					if mark[id] == docNo {
						continue
					}
					mark[id] = docNo
					counts[id]++
					buf = append(buf, id)
				}
				tids := buf[start:len(buf):len(buf)]
				slices.Sort(tids)
				recs = append(recs, bulkRec{id: d.id, seq: d.seq, tids: tids})
			}
		}
	}()

	finished := false
	defer func() {
		if !finished { // docs panicked: stop the pipeline, leave an empty index
			close(jobs)
			wg.Wait()
			close(results)
			<-collected
			ix.resetLocked()
		}
	}()
	seq := 0
	batch := make([]bulkDoc, 0, bulkBatch)
	docs(func(id int64, fields ...string) {
		batch = append(batch, bulkDoc{id: id, seq: seq, fields: slices.Clone(fields)})
		seq++
		if len(batch) == bulkBatch {
			jobs <- batch
			batch = make([]bulkDoc, 0, bulkBatch)
		}
	})
	if len(batch) > 0 {
		jobs <- batch
	}
	finished = true
	close(jobs)
	wg.Wait()
	close(results)
	<-collected

	// Keep the last record of each ID.
	slices.SortFunc(recs, func(a, b bulkRec) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	keep := recs[:0]
	for i, r := range recs {
		if i+1 < len(recs) && recs[i+1].id == r.id {
			for _, id := range r.tids {
				counts[id]--
			}
			continue
		}
		keep = append(keep, r)
	}
	recs = keep

	// Lay out all posting lists in one allocation, each with exact capacity
	// (a later Put that grows one reallocates just that list).
	total := 0
	for _, c := range counts {
		total += int(c)
	}
	postings := make([]int64, total)
	ix.postings = total
	off := 0
	var dead []uint32
	for id := range ix.terms {
		t := &ix.terms[id]
		if t.tok == nil {
			continue
		}
		c := int(counts[id])
		if c == 0 { // only in a replaced duplicate
			dead = append(dead, uint32(id))
			continue
		}
		t.post = postings[off : off : off+c]
		off += c
	}
	ix.docs = make(map[int64][]uint32, len(recs))
	for _, r := range recs { // ascending IDs: appends keep postings sorted
		for _, id := range r.tids {
			ix.terms[id].post = append(ix.terms[id].post, r.id)
		}
		ix.docs[r.id] = r.tids
	}
	ix.freeTerms(dead)

	sorted := make([]uint32, 0, ix.live)
	for id := range ix.terms {
		if t := &ix.terms[id]; t.tok != nil {
			t.state = stateSorted
			sorted = append(sorted, uint32(id))
		}
	}
	slices.SortFunc(sorted, func(a, b uint32) int {
		return bytes.Compare(ix.terms[a].tok, ix.terms[b].tok)
	})
	ix.sorted = sorted
}
