package search

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Real words of the testimonies' languages; the long tail (names, places,
// rarer words) is synthesised by benchVocabulary.
var benchRealWords = strings.Fields(`
	testimonio frontera deportación niño niña mamá papá migración detención violencia policía
	desaparecido búsqueda familia camión desierto río cárcel abogado asilo refugio albergue
	coyote extorsión secuestro golpes miedo hambre tren bestia guardia nacional agentes
	témoignage frontière expulsé détention récépissé préfecture hébergement enfant mère père
	police passeport réfugié demande procédure tribunal avocat santé hôpital école travail
	logement traversée bateau désert méditerranée garde côtes centre rétention naufrage
	testimony border deported detention violence police passport refugee asylum court lawyer
	children mother father hospital school boat desert camp smuggler beaten hunger fear
	شهادة الحدود الشرطة عنف اللاجئين طفل أم أب مدرسة المستشفى السجن البحر قارب ليبيا تونس
	المغرب الجزائر السودان الخرطوم سوريا دمشق حلب الترحيل الاحتجاز محامي اللجوء جواز سفر
	عمل بيت عائلة أخي أختي الصحراء مهرب ضرب إصابة جرح خوف موت غرق والدتي والدي طرابلس
	مخيم الحرس السواحل سفينة حقوق الإنسان مفوضية المنظمة الدولية للهجرة
	شهادت مرز پلیس خشونت پناهنده کودک مادر پدر مدرسه بیمارستان زندان دریا قایق ایران
	افغانستان کابل هرات ترکیه یونان اخراج بازداشت وکیل خانه کار خانواده برادر خواهر
	قاچاقچی کتک زخم ترس مرگ می‌خواهم نمی‌دانم گذرنامه اردوگاه طالبان مهاجرت
	свидетельство граница полиция паспорт беженец депортация задержание насилие
	`)

// benchVocabulary returns ~40k distinct words: the real ones first (most
// frequent under the Zipf draw), then synthesised Latin, Arabic-script and
// Cyrillic words.
func benchVocabulary(rng *rand.Rand) []string {
	words := slices.Clone(benchRealWords)
	seen := map[string]bool{}
	for _, w := range words {
		seen[w] = true
	}
	latin := strings.Fields("ma ri o la be ne to ka sa du fi lo mé ra ño gu ti en ar os ca çi ze pa vi ho jo ru è ün")
	arabic := strings.Fields("ب ت ث ج ح خ د ر ز س ش ص ط ع غ ف ق ك ل م ن ه و ي ا ة پ چ گ ژ ی ک")
	cyr := strings.Fields("ка ли на ро ве ми до ст пр ол ен ар ый ой ба гу")
	for len(words) < 40000 {
		var b strings.Builder
		switch rng.IntN(10) {
		case 0, 1, 2, 3, 4:
			for range 2 + rng.IntN(3) {
				b.WriteString(latin[rng.IntN(len(latin))])
			}
		case 5, 6, 7, 8:
			if rng.IntN(3) == 0 {
				b.WriteString("ال")
			}
			for range 3 + rng.IntN(4) {
				b.WriteString(arabic[rng.IntN(len(arabic))])
			}
		default:
			for range 2 + rng.IntN(3) {
				b.WriteString(cyr[rng.IntN(len(cyr))])
			}
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

type benchData struct {
	vocab   []string
	docs    []string // doc i has ID i+1
	queries []string
}

var benchCorpus = sync.OnceValue(func() *benchData {
	rng := rand.New(rand.NewPCG(2026, 1))
	d := &benchData{vocab: benchVocabulary(rng)}
	zipf := rand.NewZipf(rng, 1.07, 2, uint64(len(d.vocab)-1))
	var b strings.Builder
	for range 100_000 {
		b.Reset()
		for i := range 60 + rng.IntN(41) { // ~80 words
			w := d.vocab[zipf.Uint64()]
			if rng.IntN(20) == 0 {
				w = strings.ToUpper(w)
			}
			if i > 0 {
				b.WriteString([]string{" ", " ", " ", ", ", ". ", "\n"}[rng.IntN(6)])
			}
			b.WriteString(w)
		}
		d.docs = append(d.docs, b.String())
	}
	// Queries: 1–3 words drawn from the same distribution, 30% cut to a
	// 3–5 rune prefix, 5% cut to 2 runes (a worst case), some upper-cased.
	for range 1000 {
		var qs []string
		for range 1 + rng.IntN(3) {
			w := []rune(d.vocab[zipf.Uint64()])
			switch p := rng.IntN(100); {
			case p < 5 && len(w) > 2:
				w = w[:2]
			case p < 35 && len(w) > 5:
				w = w[:3+rng.IntN(3)]
			}
			q := string(w)
			if rng.IntN(10) == 0 {
				q = strings.ToUpper(q)
			}
			qs = append(qs, q)
		}
		d.queries = append(d.queries, strings.Join(qs, " "))
	}
	return d
})

func (d *benchData) load(ix *Index) {
	ix.BulkLoad(func(yield func(int64, ...string)) {
		for i, doc := range d.docs {
			yield(int64(i+1), doc)
		}
	})
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkBuild100k: BulkLoad of 100k documents of ~80 words. Reports
// the heap held by the built index, its number of distinct terms, and the
// CPU time per build (all threads; unlike ns/op, it does not depend on the
// load of the machine).
func BenchmarkBuild100k(b *testing.B) {
	d := benchCorpus()
	before := heapInUse()
	ix := New()
	d.load(ix)
	heap := heapInUse() - before
	ix.mu.RLock()
	terms, postings := ix.live, 0
	for _, t := range ix.terms {
		postings += len(t.post)
	}
	ix.mu.RUnlock()
	runtime.KeepAlive(ix)
	ix = nil
	var cpu time.Duration
	n := 0
	for b.Loop() {
		c := cpuTime()
		ix := New()
		d.load(ix)
		cpu += cpuTime() - c
		n++
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(terms), "terms")
	b.ReportMetric(float64(postings), "postings")
	b.ReportMetric(cpu.Seconds()/float64(n), "cpu-s/op")
}

// BenchmarkPut100k: the same documents through 100k individual Puts.
func BenchmarkPut100k(b *testing.B) {
	d := benchCorpus()
	var cpu time.Duration
	n := 0
	for b.Loop() {
		c := cpuTime()
		ix := New()
		for i, doc := range d.docs {
			ix.Put(int64(i+1), doc)
		}
		cpu += cpuTime() - c
		n++
	}
	b.ReportMetric(cpu.Seconds()/float64(n), "cpu-s/op")
}

// BenchmarkSearch100k: ns/op is the mean over the 1000 queries, cycled.
// Before the loop each query is timed once: p50/p95/p99/max-ms are wall
// clock; p95-cpu-ms is the CPU time of the searching thread (including
// any GC assist it is charged), which is what the latency would be on an
// idle machine.
func BenchmarkSearch100k(b *testing.B) {
	d := benchCorpus()
	ix := New()
	d.load(ix)
	runtime.GC() // searches happen after the build's garbage is collected
	lat := make([]time.Duration, len(d.queries))
	cpu := make([]time.Duration, len(d.queries))
	hits := 0
	runtime.LockOSThread()
	for i, q := range d.queries {
		start, c := time.Now(), threadCPUTime()
		hits += len(ix.Search(q))
		cpu[i], lat[i] = threadCPUTime()-c, time.Since(start)
	}
	runtime.UnlockOSThread()
	slices.Sort(lat)
	slices.Sort(cpu)
	pct := func(v []time.Duration, p float64) float64 {
		return float64(v[int(p*float64(len(v)-1))]) / float64(time.Millisecond)
	}
	i := 0
	for b.Loop() {
		ix.Search(d.queries[i%len(d.queries)])
		i++
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.95), "p95-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(pct(lat, 1), "max-ms")
	b.ReportMetric(pct(cpu, 0.95), "p95-cpu-ms")
	b.ReportMetric(float64(hits)/float64(len(d.queries)), "hits/query")
}

// BenchmarkPutUpdate100k: replacing one document in a 100k index.
func BenchmarkPutUpdate100k(b *testing.B) {
	d := benchCorpus()
	ix := New()
	d.load(ix)
	i := 0
	for b.Loop() {
		ix.Put(int64(i%len(d.docs)+1), d.docs[(i+7)%len(d.docs)])
		i++
	}
}

func BenchmarkNormalize(b *testing.B) {
	d := benchCorpus()
	n := 0
	for _, doc := range d.docs[:1000] {
		n += len(doc)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, doc := range d.docs[:1000] {
			Normalize(doc)
		}
	}
}
