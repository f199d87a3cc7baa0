package search

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// checkInvariants verifies the index's internal consistency.
func checkInvariants(t testing.TB, ix *Index) {
	t.Helper()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	live, postings := 0, 0
	inSorted := map[uint32]bool{}
	for i, id := range ix.sorted {
		inSorted[id] = true
		if ix.terms[id].state != stateSorted {
			t.Fatalf("sorted[%d] = term %d in state %d", i, id, ix.terms[id].state)
		}
		if i > 0 && bytes.Compare(ix.terms[ix.sorted[i-1]].tok, ix.terms[id].tok) >= 0 {
			t.Fatalf("sorted list out of order at %d: %q >= %q", i, ix.terms[ix.sorted[i-1]].tok, ix.terms[id].tok)
		}
	}
	for _, id := range ix.pending {
		if ix.terms[id].state != statePending || inSorted[id] {
			t.Fatalf("pending term %d in state %d (also sorted: %v)", id, ix.terms[id].state, inSorted[id])
		}
	}
	if len(ix.pending) > pendingMax {
		t.Fatalf("pending has %d terms", len(ix.pending))
	}
	for id := range ix.terms {
		tm := &ix.terms[id]
		if tm.tok == nil {
			if tm.post != nil || tm.state != stateFree {
				t.Fatalf("free term %d has postings or state %d", id, tm.state)
			}
			continue
		}
		live++
		if got, ok := ix.lookup(string(tm.tok), hashOf(ix, tm.tok)); !ok || got != uint32(id) {
			t.Fatalf("lookup(%q) = %d, %v; want %d", tm.tok, got, ok, id)
		}
		if len(tm.post) == 0 {
			t.Fatalf("live term %q has no postings", tm.tok)
		}
		if !slices.IsSorted(tm.post) || len(slices.Compact(slices.Clone(tm.post))) != len(tm.post) {
			t.Fatalf("postings of %q not strictly ascending: %v", tm.tok, tm.post)
		}
		for _, d := range tm.post {
			if _, found := slices.BinarySearch(ix.docs[d], uint32(id)); !found {
				t.Fatalf("term %q lists doc %d whose forward list lacks it", tm.tok, d)
			}
		}
		postings += len(tm.post)
	}
	if live != ix.live || live != len(ix.sorted)+len(ix.pending) {
		t.Fatalf("live terms: counted %d, ix.live %d, sorted+pending %d", live, ix.live, len(ix.sorted)+len(ix.pending))
	}
	forward := 0
	for d, ids := range ix.docs {
		if !slices.IsSorted(ids) {
			t.Fatalf("forward list of %d not sorted", d)
		}
		for _, id := range ids {
			if _, found := slices.BinarySearch(ix.terms[id].post, d); !found {
				t.Fatalf("doc %d lists term %q whose postings lack it", d, ix.terms[id].tok)
			}
		}
		forward += len(ids)
	}
	if forward != postings || postings != ix.postings {
		t.Fatalf("%d forward entries, %d postings, ix.postings = %d", forward, postings, ix.postings)
	}
}

func hashOf(ix *Index, tok []byte) uint64 {
	return ix.hash(string(tok))
}

func ids(v ...int64) []int64 { return v }

func expectSearch(t *testing.T, ix *Index, q string, want []int64) {
	t.Helper()
	got := ix.Search(q)
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("Search(%q) = %v, want %v", q, got, want)
	}
}

func TestIndexPutSearch(t *testing.T) {
	ix := New()
	ix.Put(1, "Violence at the border", "Testimony of María")
	ix.Put(2, "The police took our passports")
	ix.Put(3, "Violent police officers at the border post")
	ix.Put(10, "nothing relevant here")
	if ix.Len() != 4 {
		t.Fatalf("Len = %d", ix.Len())
	}
	expectSearch(t, ix, "violence", ids(1))
	expectSearch(t, ix, "viol", ids(3, 1))        // prefix, descending IDs
	expectSearch(t, ix, "VIOL border", ids(3, 1)) // AND, case-insensitive
	expectSearch(t, ix, "viol police", ids(3))    // AND
	expectSearch(t, ix, "police", ids(3, 2))      // several docs
	expectSearch(t, ix, "maria", ids(1))          // second field, accent-insensitive
	expectSearch(t, ix, "border zebra", nil)      // one term matches nothing
	expectSearch(t, ix, "", nil)                  // no terms
	expectSearch(t, ix, "a ! ?", nil)             // only dropped terms
	expectSearch(t, ix, "a border", ids(3, 1))    // dropped term ignored
	expectSearch(t, ix, "bord bor border", ids(3, 1))
	expectSearch(t, ix, "iolence", nil) // prefix, not substring
	checkInvariants(t, ix)
}

func TestZeroIndex(t *testing.T) {
	var ix Index
	expectSearch(t, &ix, "nothing", nil)
	if ix.Len() != 0 {
		t.Fatal("zero Index not empty")
	}
	ix.Delete(1)
	ix.Put(1, "hello")
	expectSearch(t, &ix, "hel", ids(1))
	var bulk Index
	bulk.BulkLoad(func(yield func(int64, ...string)) { yield(2, "world") })
	expectSearch(t, &bulk, "wor", ids(2))
	var reset Index
	reset.Reset()
	checkInvariants(t, &ix)
	checkInvariants(t, &bulk)
}

func TestIndexUpdateAndDelete(t *testing.T) {
	ix := New()
	ix.Put(1, "alpha beta")
	ix.Put(2, "beta gamma")
	ix.Put(1, "gamma delta") // replaces
	expectSearch(t, ix, "alpha", nil)
	expectSearch(t, ix, "beta", ids(2))
	expectSearch(t, ix, "gamma", ids(2, 1))
	expectSearch(t, ix, "delta", ids(1))
	checkInvariants(t, ix)

	ix.Put(1) // no fields: still a document, found by nothing
	if ix.Len() != 2 {
		t.Fatalf("Len = %d", ix.Len())
	}
	expectSearch(t, ix, "gamma", ids(2))
	expectSearch(t, ix, "delta", nil)
	checkInvariants(t, ix)

	ix.Delete(2)
	ix.Delete(2)  // twice: no-op
	ix.Delete(99) // unknown: no-op
	expectSearch(t, ix, "beta", nil)
	expectSearch(t, ix, "gamma", nil)
	if ix.Len() != 1 {
		t.Fatalf("Len = %d", ix.Len())
	}
	checkInvariants(t, ix)
	if ix.live != 0 {
		t.Fatalf("%d terms left", ix.live)
	}
	// Insertion of an older ID into existing postings.
	ix.Put(5, "omega")
	ix.Put(3, "omega")
	ix.Put(4, "omega")
	expectSearch(t, ix, "omega", ids(5, 4, 3))
	checkInvariants(t, ix)
}

func TestIndexDeleteZeroesTermBytes(t *testing.T) {
	ix := New()
	ix.Put(1, "common zanzibarword")
	ix.Put(2, "common")
	ix.mu.RLock()
	id, ok := ix.lookup("zanzibarword", hashOf(ix, []byte("zanzibarword")))
	tok := ix.terms[id].tok
	ix.mu.RUnlock()
	if !ok {
		t.Fatal("term not found")
	}
	ix.Delete(1)
	if !bytes.Equal(tok, make([]byte, len(tok))) {
		t.Errorf("deleted term bytes not zeroed: %q", tok)
	}
	expectSearch(t, ix, "zanzibar", nil)
	expectSearch(t, ix, "common", ids(2))
	checkInvariants(t, ix)
}

func TestIndexReset(t *testing.T) {
	ix := New()
	for i := range 500 {
		ix.Put(int64(i), fmt.Sprintf("secret%d témoignage شهادة", i))
	}
	ix.mu.RLock()
	chunks := slices.Clone(ix.arena.chunks)
	ix.mu.RUnlock()
	ix.Reset()
	for _, c := range chunks {
		if bytes.ContainsFunc(c, func(r rune) bool { return r != 0 }) {
			t.Fatal("arena not wiped by Reset")
		}
	}
	if ix.Len() != 0 {
		t.Fatalf("Len after Reset = %d", ix.Len())
	}
	expectSearch(t, ix, "secret", nil)
	checkInvariants(t, ix)
	ix.Put(7, "after reset")
	expectSearch(t, ix, "reset", ids(7))
	checkInvariants(t, ix)
}

// TestIndexMultilingual checks accent, case and Arabic/Persian spelling
// insensitivity end to end.
func TestIndexMultilingual(t *testing.T) {
	ix := New()
	docs := map[int64]string{
		1: "Nos detuvieron en la frontera, mi niña lloraba. Policía.",
		2: "Expulsé vers l'Algérie, à Évora puis à São Paulo.",
		3: "أُخِذَ أحمد إلى المدرسة في طرابلس، كان عمره ٣٥ سنة",
		4: "پلیس ما را در مرز ایران کتک زد. می‌خواهم به خانۀ مادرم برگردم. ۱۴۰۲",
		5: "STRASSE in Köln, Straße nach Graz",
		6: "Ο Γιώργος ΠΕΡΑΣΕ τα σύνορα. Пограничники забрали паспорт.",
		7: "ذهبنا بالقارب إلى اليونان والشرطة أوقفتنا",
	}
	for id, d := range docs {
		ix.Put(id, d)
	}
	cases := []struct {
		q    string
		want []int64
	}{
		{"nina policia", ids(1)},
		{"NIÑA", ids(1)},
		{"frontéra", ids(1)},
		{"expulse algerie", ids(2)},
		{"evora sao", ids(2)},
		{"احمد", ids(3)},
		{"إحمد", ids(3)},
		{"مدرسة", ids(3)},   // taa marbuta vs heh; article stripped in doc
		{"المدرسه", ids(3)}, // article in query
		{"35", ids(3)},
		{"٣٥", ids(3)},
		{"عمر", ids(3)}, // prefix of عمره
		{"پلیس", ids(4)},
		{"پليس", ids(4)}, // Arabic yeh typed
		{"كتك", ids(4)},  // Arabic kaf typed
		{"1402", ids(4)},
		{"میخواهم", ids(4)},  // typed without ZWNJ
		{"می‌خواهم", ids(4)}, // with ZWNJ
		{"خواهم", ids(4)},    // second part
		{"خانه", ids(4)},     // ۀ vs ه
		{"strasse", ids(5)},
		{"straße köln", ids(5)},
		{"γιωργοσ περασε", ids(6)},
		{"ΣΥΝΟΡΑ", ids(6)},
		{"паспорт", ids(6)},
		{"ПОГРАНИЧ", ids(6)},
		{"قارب", ids(7)},   // بالقارب
		{"شرطه", ids(7)},   // والشرطة
		{"يونان", ids(7)},  // اليونان
		{"اوقف", ids(7)},   // أوقفتنا, prefix
		{"القارب", ids(7)}, // with article
	}
	for _, c := range cases {
		expectSearch(t, ix, c.q, c.want)
	}
	checkInvariants(t, ix)
}

// TestIndexSparseIDs exercises the sorted-merge fallback (IDs too far
// apart for a bitmap) and extreme IDs.
func TestIndexSparseIDs(t *testing.T) {
	ix := New()
	big := int64(1) << 50
	all := []int64{-1 << 63, -5, 0, 3, big, big + 1, 1<<63 - 1}
	for i, id := range all {
		ix.Put(id, "shared word", fmt.Sprintf("n%d", i))
	}
	want := slices.Clone(all)
	slices.Reverse(want)
	expectSearch(t, ix, "shared", want)
	expectSearch(t, ix, "shared wor", want)
	expectSearch(t, ix, "shar n", want)
	expectSearch(t, ix, "word n3", ids(3))
	expectSearch(t, ix, "word n0", ids(-1<<63))
	expectSearch(t, ix, "word n6", ids(1<<63-1))
	ix.Delete(big)
	want = slices.DeleteFunc(want, func(id int64) bool { return id == big })
	expectSearch(t, ix, "word shared", want)
	checkInvariants(t, ix)
}

// model is a brute-force reference implementation.
type model map[int64][]string

func (m model) search(q string) []int64 {
	qs := queryTerms(q)
	if len(qs) == 0 {
		return nil
	}
	var out []int64
	for id, toks := range m {
		ok := true
		for _, q := range qs {
			if !slices.ContainsFunc(toks, func(t string) bool { return strings.HasPrefix(t, q) }) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

var testWords = strings.Fields(`violence violent viol police policía polizei border bordel
	frontera frontière niño niña nina école ecole école straße strasse ab abc abcd
	المدرسة مدرسه والعنف عنف بالقارب قارب احمد أحمد إلى الي
	پلیس كتك کتک می‌خواهم خانه خانۀ ۱۴۰۲ 1402 35 ٣٥ 7 x y`)

func randomText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		w := testWords[rng.IntN(len(testWords))]
		if rng.IntN(8) == 0 {
			w = strings.ToUpper(w)
		}
		b.WriteString(w)
		b.WriteString([]string{" ", ", ", ". ", "-", "\n"}[rng.IntN(5)])
	}
	return b.String()
}

func randomQuery(rng *rand.Rand) string {
	var qs []string
	for range 1 + rng.IntN(3) {
		w := []rune(testWords[rng.IntN(len(testWords))])
		if rng.IntN(2) == 0 && len(w) > 2 {
			w = w[:2+rng.IntN(len(w)-2)]
		}
		qs = append(qs, string(w))
	}
	return strings.Join(qs, " ")
}

func TestIndexAgainstModel(t *testing.T) {
	for _, idSpace := range []struct {
		name string
		id   func(*rand.Rand) int64
	}{
		{"dense", func(r *rand.Rand) int64 { return r.Int64N(300) }},
		{"sparse", func(r *rand.Rand) int64 { return r.Int64() - 1<<62 }},
		{"mixed", func(r *rand.Rand) int64 {
			if r.IntN(10) == 0 {
				return r.Int64N(1 << 40)
			}
			return r.Int64N(300)
		}},
	} {
		t.Run(idSpace.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 11))
			ix, m := New(), model{}
			var known []int64
			for step := range 3000 {
				switch op := rng.IntN(10); {
				case op < 5:
					id := idSpace.id(rng)
					if len(known) > 0 && rng.IntN(3) == 0 {
						id = known[rng.IntN(len(known))] // update
					}
					text := randomText(rng, rng.IntN(12))
					ix.Put(id, text)
					m[id] = docTerms([]string{text})
					known = append(known, id)
				case op < 7 && len(known) > 0:
					id := known[rng.IntN(len(known))]
					ix.Delete(id)
					delete(m, id)
				default:
					q := randomQuery(rng)
					if got, want := ix.Search(q), m.search(q); !slices.Equal(got, want) {
						t.Fatalf("step %d: Search(%q) = %v, want %v", step, q, got, want)
					}
				}
				if step%500 == 0 {
					checkInvariants(t, ix)
				}
			}
			if ix.Len() != len(m) {
				t.Fatalf("Len = %d, model has %d", ix.Len(), len(m))
			}
			checkInvariants(t, ix)
		})
	}
}

// TestIndexManyNewTerms crosses the pending-buffer threshold and the arena
// compaction threshold.
func TestIndexManyNewTerms(t *testing.T) {
	ix := New()
	const n = 10000 // > pendingMax new terms; > 1 MiB of term bytes
	pad := strings.Repeat("x", 50)
	for i := range n {
		ix.Put(int64(i), fmt.Sprintf("word%06d a%s%06d b%s%06d shared", i, pad, i, pad, i))
	}
	checkInvariants(t, ix)
	expectSearch(t, ix, "word000123", ids(123))
	expectSearch(t, ix, "word00012", ids(129, 128, 127, 126, 125, 124, 123, 122, 121, 120))
	if got := len(ix.Search("shared")); got != n {
		t.Fatalf("shared: %d results", got)
	}
	ix.mu.RLock()
	chunks := slices.Clone(ix.arena.chunks)
	ix.mu.RUnlock()
	for i := range n - 10 {
		ix.Delete(int64(i))
	}
	checkInvariants(t, ix)
	ix.mu.RLock()
	compacted := len(ix.arena.chunks) < len(chunks)
	ix.mu.RUnlock()
	if !compacted {
		t.Errorf("arena not compacted after deleting most terms")
	}
	for _, c := range chunks {
		if bytes.Contains(c, []byte("word0000")) {
			t.Fatal("old arena chunk still holds deleted terms")
		}
	}
	expectSearch(t, ix, "word00999", ids(9999, 9998, 9997, 9996, 9995, 9994, 9993, 9992, 9991, 9990))
	expectSearch(t, ix, "word000123", nil)
}

func corpusFor(rng *rand.Rand, n int) map[int64][]string {
	docs := map[int64][]string{}
	for range n {
		id := rng.Int64N(int64(n * 2))
		docs[id] = []string{randomText(rng, rng.IntN(15)), randomText(rng, rng.IntN(3))}
	}
	return docs
}

func TestBulkLoadMatchesPut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	docs := corpusFor(rng, 3000)
	// Yield order with duplicates: an early stale version of some docs.
	var order []int64
	for id := range docs {
		order = append(order, id)
	}
	slices.Sort(order)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	bulk := New()
	bulk.BulkLoad(func(yield func(int64, ...string)) {
		fields := make([]string, 2)
		for i, id := range order {
			if i%7 == 0 {
				yield(id, "stale version zzzstale")
			}
		}
		for _, id := range order {
			copy(fields, docs[id]) // reused slice
			yield(id, fields...)
		}
	})
	put := New()
	for _, id := range order {
		put.Put(id, docs[id]...)
	}
	checkInvariants(t, bulk)
	if bulk.Len() != put.Len() {
		t.Fatalf("Len: bulk %d, put %d", bulk.Len(), put.Len())
	}
	for range 500 {
		q := randomQuery(rng)
		if got, want := bulk.Search(q), put.Search(q); !slices.Equal(got, want) {
			t.Fatalf("Search(%q): bulk %v, put %v", q, got, want)
		}
	}
	expectSearch(t, bulk, "zzzstale", nil)

	// Updates and deletes after a bulk build.
	for id := range docs {
		if rng.IntN(2) == 0 {
			bulk.Delete(id)
			put.Delete(id)
		} else {
			text := randomText(rng, 5)
			bulk.Put(id, text)
			put.Put(id, text)
		}
	}
	checkInvariants(t, bulk)
	for range 200 {
		q := randomQuery(rng)
		if got, want := bulk.Search(q), put.Search(q); !slices.Equal(got, want) {
			t.Fatalf("after updates, Search(%q): bulk %v, put %v", q, got, want)
		}
	}
}

func TestBulkLoadIntoNonEmpty(t *testing.T) {
	ix := New()
	ix.Put(1, "old text")
	ix.Put(2, "kept")
	ix.BulkLoad(func(yield func(int64, ...string)) {
		yield(1, "new text")
		yield(3, "third")
	})
	expectSearch(t, ix, "old", nil)
	expectSearch(t, ix, "text", ids(1))
	expectSearch(t, ix, "kept", ids(2))
	expectSearch(t, ix, "third", ids(3))
	checkInvariants(t, ix)
}

func TestBulkLoadEmptyAndAfterDelete(t *testing.T) {
	ix := New()
	ix.BulkLoad(func(yield func(int64, ...string)) {})
	if ix.Len() != 0 {
		t.Fatal("non-empty")
	}
	ix.Put(1, "temporary")
	ix.Delete(1) // leaves free term slots
	ix.BulkLoad(func(yield func(int64, ...string)) {
		for i := range 1000 {
			yield(int64(i), fmt.Sprintf("doc%d common", i))
		}
	})
	checkInvariants(t, ix)
	expectSearch(t, ix, "doc999", ids(999))
	if n := len(ix.Search("common")); n != 1000 {
		t.Fatalf("common: %d", n)
	}
}

func TestBulkLoadPanic(t *testing.T) {
	ix := New()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		ix.BulkLoad(func(yield func(int64, ...string)) {
			for i := range 2000 {
				yield(int64(i), "some words")
			}
			panic("decrypt failed")
		})
	}()
	if ix.Len() != 0 {
		t.Fatalf("Len = %d after failed BulkLoad", ix.Len())
	}
	ix.Put(1, "usable")
	expectSearch(t, ix, "usable", ids(1))
	checkInvariants(t, ix)
}

// TestIndexConcurrent runs writers, readers, a bulk load and a reset at
// once; run with -race.
func TestIndexConcurrent(t *testing.T) {
	ix := New()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := range 400 {
				id := int64(w*1000 + rng.IntN(200))
				if i%5 == 0 {
					ix.Delete(id)
				} else {
					ix.Put(id, randomText(rng, 8))
				}
			}
		})
	}
	for r := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for range 400 {
				res := ix.Search(randomQuery(rng))
				if !slices.IsSortedFunc(res, func(a, b int64) int { return int(b - a) }) {
					t.Errorf("unsorted result %v", res)
				}
				_ = ix.Len()
			}
		})
	}
	wg.Go(func() {
		ix.BulkLoad(func(yield func(int64, ...string)) {
			for i := range 300 {
				yield(int64(10000+i), "bulk loaded words")
			}
		})
	})
	wg.Wait()
	checkInvariants(t, ix)
	ix.Reset()
	checkInvariants(t, ix)
	if ix.Len() != 0 {
		t.Fatal("not empty after Reset")
	}
}

// TestIntersectStrategies builds data where each intersection strategy
// (bitmap mark, binary-search probe, forward-list check, sorted merge and
// sorted probe) is the cheapest for some query, and checks the results
// against the model.
func TestIntersectStrategies(t *testing.T) {
	for _, base := range []int64{0, 1 << 40} { // dense: bitmap; spread: sorted
		ix, m := New(), model{}
		put := func(id int64, text string) {
			ix.Put(id, text)
			m[id] = docTerms([]string{text})
		}
		for i := range int64(3000) {
			id := i
			if base != 0 && i%2 == 0 {
				id = base + i
			}
			text := fmt.Sprintf("common w%04d", i)
			if i%97 == 7 {
				text += " rare"
			}
			if i%3 == 0 {
				text += " third"
			}
			put(id, text)
		}
		for _, q := range []string{
			"rare w",      // forward-list check (w matches 3000 terms)
			"rare common", // binary-search probe
			"rare third",  // probe
			"third w",     // mark
			"common w",    // mark
			"third common rare w00",
			"w0007 rare",
			"w0008 rare",
		} {
			if got, want := ix.Search(q), m.search(q); !slices.Equal(got, want) {
				t.Errorf("base %d: Search(%q) = %v, want %v", base, q, got, want)
			}
		}
	}
}

// TestHashCollisions narrows the dictionary hash to 2 bits so that every
// term shares a chain with many others, and replays the model test.
func TestHashCollisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ix, m := New(), model{}
	ix.hashMask = 3
	for step := range 2000 {
		id := rng.Int64N(100)
		switch rng.IntN(3) {
		case 0:
			ix.Delete(id)
			delete(m, id)
		default:
			text := randomText(rng, rng.IntN(10))
			ix.Put(id, text)
			m[id] = docTerms([]string{text})
		}
		q := randomQuery(rng)
		if got, want := ix.Search(q), m.search(q); !slices.Equal(got, want) {
			t.Fatalf("step %d: Search(%q) = %v, want %v", step, q, got, want)
		}
	}
	checkInvariants(t, ix)
	ix.mu.Lock()
	if len(ix.buckets) > 4 {
		t.Fatalf("%d buckets with a 2-bit hash", len(ix.buckets))
	}
	ix.mu.Unlock()

	// BulkLoad with colliding hashes too.
	bulk := New()
	bulk.hashMask = 3
	bulk.BulkLoad(func(yield func(int64, ...string)) {
		for id, toks := range m {
			yield(id, strings.Join(toks, " "))
		}
	})
	checkInvariants(t, bulk)
	for range 200 {
		q := randomQuery(rng)
		if got, want := bulk.Search(q), m.search(q); !slices.Equal(got, want) {
			t.Fatalf("bulk: Search(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestIndexAddKeepsWords: Add puts a new part's words into a document
// and leaves the words it had, as Put of the whole would.
func TestIndexAddKeepsWords(t *testing.T) {
	added, whole := New(), New()
	added.Put(7, "pushback near the river", "Velovac")
	added.Add(7, "they took our phones at the river", "M.B.")
	added.Add(9, "a document that did not exist yet")
	whole.Put(7, "pushback near the river", "Velovac", "they took our phones at the river", "M.B.")
	whole.Put(9, "a document that did not exist yet")
	checkInvariants(t, added)
	for _, q := range []string{"river", "velovac", "phones", "pushback phones", "m.b.", "exist", "document river", "missing"} {
		if got, want := added.Search(q), whole.Search(q); !slices.Equal(got, want) {
			t.Errorf("Search(%q) after Add = %v, after Put of the whole = %v", q, got, want)
		}
	}
	added.Delete(7)
	checkInvariants(t, added)
	if got := added.Search("phones"); len(got) != 0 {
		t.Errorf("after Delete, phones still finds %v", got)
	}
}
