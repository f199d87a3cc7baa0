package evidence

import (
	"bytes"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

var streamKey = bytes.Repeat([]byte{0x42}, 32)

func encryptBytes(t testing.TB, key, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var seen []byte
	n, err := encryptStream(&buf, bytes.NewReader(data), key, func(b []byte) { seen = append(seen, b...) })
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(data)) || !bytes.Equal(seen, data) {
		t.Fatal("encryptStream did not observe exactly the input")
	}
	return buf.Bytes()
}

func decryptBytes(key, file []byte) ([]byte, error) {
	d, err := newDecryptReader(bytes.NewReader(file), key)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(d)
}

// canonicalEncryption builds, independently of encryptStream, the stored
// form of pt under key and prefix. With complete false it is the start of
// a longer file: every chunk is full and none is marked last.
func canonicalEncryption(key, prefix, pt []byte, complete bool) []byte {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		panic(err)
	}
	out := append([]byte(magic), prefix...)
	for counter := uint64(0); ; counter++ {
		n := min(len(pt), chunkSize)
		last := complete && n == len(pt)
		out = aead.Seal(out, chunkNonce(prefix, counter, last), pt[:n], nil)
		pt = pt[n:]
		if last || (!complete && len(pt) == 0) {
			return out
		}
	}
}

func TestStreamFormat(t *testing.T) {
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize, 2*chunkSize + 5} {
		data := randomBytes(size)
		file := encryptBytes(t, streamKey, data)
		if int64(len(file)) != storedSize(size) {
			t.Fatalf("size %d: %d stored bytes, want %d", size, len(file), storedSize(size))
		}
		if !bytes.Equal(file, canonicalEncryption(streamKey, file[len(magic):headerSize], data, true)) {
			t.Fatalf("size %d: stored form differs from the documented layout", size)
		}
		got, err := decryptBytes(streamKey, file)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: round trip: %v", size, err)
		}
		// Read in odd small pieces too.
		d, _ := newDecryptReader(bytes.NewReader(file), streamKey)
		var pieces []byte
		buf := make([]byte, 777)
		for {
			n, err := d.Read(buf)
			pieces = append(pieces, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(pieces, data) {
			t.Fatalf("size %d: small reads differ", size)
		}
		if _, err := decryptBytes(bytes.Repeat([]byte{1}, 32), file); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("size %d: wrong key: %v", size, err)
		}
	}
}

// checkFailsClosed decrypts a damaged file: it must fail with ErrCorrupt,
// and what came before the error must be whole chunks of the truth.
func checkFailsClosed(t *testing.T, what string, truth, damaged []byte) {
	t.Helper()
	got, err := decryptBytes(streamKey, damaged)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%s: error %v, want ErrCorrupt", what, err)
	}
	if len(got) >= len(truth) || len(got)%chunkSize != 0 || !bytes.HasPrefix(truth, got) {
		t.Fatalf("%s: %d bytes returned before the error are not a prefix of whole chunks", what, len(got))
	}
}

func TestStreamTruncation(t *testing.T) {
	data := randomBytes(3*chunkSize + 1000)
	file := encryptBytes(t, streamKey, data)
	full := chunkSize + overhead
	points := map[int]bool{}
	for i := 0; i <= headerSize+1; i++ {
		points[i] = true
	}
	for c := 0; c <= 4; c++ {
		b := headerSize + c*full
		for d := -overhead - 1; d <= overhead+1; d++ {
			points[b+d] = true
		}
	}
	for i := len(file) - 40; i < len(file); i++ {
		points[i] = true
	}
	r := mrand.New(mrand.NewPCG(1, 2))
	for range 200 {
		points[r.IntN(len(file))] = true
	}
	for p := range points {
		if p < 0 || p >= len(file) {
			continue
		}
		checkFailsClosed(t, "truncated", data, file[:p])
	}

	// A file that is an exact number of chunks, cut at each boundary.
	exact := randomBytes(3 * chunkSize)
	ef := encryptBytes(t, streamKey, exact)
	for c := 0; c < 3; c++ {
		checkFailsClosed(t, "cut at chunk boundary", exact, ef[:headerSize+c*full])
	}
}

func TestStreamReorderAppend(t *testing.T) {
	data := randomBytes(3*chunkSize + 1000)
	file := encryptBytes(t, streamKey, data)
	full := chunkSize + overhead
	ch := func(i int) []byte { return file[headerSize+i*full : min(headerSize+(i+1)*full, len(file))] }
	hdr := file[:headerSize]
	other := encryptBytes(t, streamKey, data) // same key, other prefix
	och := func(i int) []byte { return other[headerSize+i*full : min(headerSize+(i+1)*full, len(other))] }
	cases := map[string][]byte{
		"0<->1":                    concat(hdr, ch(1), ch(0), ch(2), ch(3)),
		"2<->3":                    concat(hdr, ch(0), ch(1), ch(3), ch(2)),
		"chunk 1 dropped":          concat(hdr, ch(0), ch(2), ch(3)),
		"chunk 0 repeated":         concat(hdr, ch(0), ch(0), ch(1), ch(2), ch(3)),
		"chunk appended":           concat(file, ch(0)),
		"last chunk appended":      concat(file, ch(3)),
		"one byte appended":        concat(file, []byte{0}),
		"tag-sized tail appended":  concat(file, make([]byte, overhead)),
		"header of another file":   concat(other[:headerSize], file[headerSize:]),
		"chunk of another file":    concat(hdr, ch(0), och(1), ch(2), ch(3)),
		"last chunk of other file": concat(hdr, ch(0), ch(1), ch(2), och(3)),
		"empty last chunk added": func() []byte {
			// A genuine empty final chunk after the real last one.
			aead, _ := chacha20poly1305.NewX(streamKey)
			return concat(file, aead.Seal(nil, chunkNonce(hdr[len(magic):], 4, true), nil, nil))
		}(),
		"last chunk re-marked not last": func() []byte {
			aead, _ := chacha20poly1305.NewX(streamKey)
			// Forging needs the key; with it, marking the real last chunk
			// as a middle one and ending the file there must still fail.
			mid := aead.Seal(nil, chunkNonce(hdr[len(magic):], 3, false), data[3*chunkSize:], nil)
			return concat(hdr, ch(0), ch(1), ch(2), mid)
		}(),
	}
	for name, bad := range cases {
		checkFailsClosed(t, name, data, bad)
	}
}

func TestStreamEveryBitFlip(t *testing.T) {
	data := []byte("a short statement, one chunk, every bit matters")
	file := encryptBytes(t, streamKey, data)
	for i := range file {
		for bit := 0; bit < 8; bit++ {
			bad := bytes.Clone(file)
			bad[i] ^= 1 << bit
			got, err := decryptBytes(streamKey, bad)
			if !errors.Is(err, ErrCorrupt) || len(got) != 0 {
				t.Fatalf("byte %d bit %d flipped: err %v, %d bytes returned", i, bit, err, len(got))
			}
		}
	}
	// In a multi-chunk file, a flip in chunk 2 still yields chunks 0 and 1
	// only, then the error.
	big := randomBytes(3*chunkSize + 10)
	bf := encryptBytes(t, streamKey, big)
	bad := flip(bf, headerSize+2*(chunkSize+overhead)+5)
	got, err := decryptBytes(streamKey, bad)
	if !errors.Is(err, ErrCorrupt) || !bytes.Equal(got, big[:2*chunkSize]) {
		t.Fatalf("flip in chunk 2: %v, %d bytes", err, len(got))
	}
}

type errAfter struct {
	r   io.Reader
	n   int
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, e.err
	}
	p = p[:min(len(p), e.n)]
	n, err := e.r.Read(p)
	e.n -= n
	return n, err
}

func TestStreamReadErrors(t *testing.T) {
	data := randomBytes(2*chunkSize + 3)
	file := encryptBytes(t, streamKey, data)
	boom := errors.New("disk error")
	for _, at := range []int{headerSize + 5, headerSize + chunkSize + overhead + 5} {
		d, err := newDecryptReader(&errAfter{r: bytes.NewReader(file), n: at, err: boom}, streamKey)
		if err != nil {
			if !errors.Is(err, boom) {
				t.Fatalf("read error at %d: %v", at, err)
			}
			continue
		}
		got, err := io.ReadAll(d)
		if err == nil || !bytes.HasPrefix(data, got) || len(got) == len(data) {
			t.Fatalf("read error at %d: %v, %d bytes", at, err, len(got))
		}
	}
	// A failing source while encrypting is reported.
	var buf bytes.Buffer
	if _, err := encryptStream(&buf, &errAfter{r: bytes.NewReader(data), n: chunkSize + 10, err: boom}, streamKey, func([]byte) {}); !errors.Is(err, boom) {
		t.Fatalf("encrypt with a failing source: %v", err)
	}
}

// FuzzDecryptStream treats arbitrary bytes as a stored file. Decryption
// must never panic; it may succeed only when the input is exactly the
// canonical encryption of what it returned, and when it fails, whatever it
// returned first must be whole chunks that authenticated in place.
func FuzzDecryptStream(f *testing.F) {
	for _, pt := range [][]byte{nil, []byte("x"), []byte("hello evidence"), bytes.Repeat([]byte{7}, 300)} {
		file := encryptBytes(f, streamKey, pt)
		f.Add(file)
		f.Add(file[:len(file)-1])
		f.Add(append(bytes.Clone(file), 0))
		f.Add(file[:headerSize])
	}
	f.Add([]byte{})
	f.Add([]byte(magic))
	f.Add(append([]byte(magic), make([]byte, 100)...))
	f.Add([]byte("not an evidence file at all"))

	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := decryptBytes(streamKey, in)
		if err == nil {
			if len(in) < headerSize {
				t.Fatal("a file shorter than its header decrypted")
			}
			if !bytes.Equal(in, canonicalEncryption(streamKey, in[len(magic):headerSize], got, true)) {
				t.Fatal("bytes that are not a valid encryption decrypted without error (fail-open)")
			}
			return
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(got)%chunkSize != 0 {
			t.Fatalf("%d bytes returned with an error: not whole chunks", len(got))
		}
		if len(got) > 0 {
			want := canonicalEncryption(streamKey, in[len(magic):headerSize], got, false)
			if !bytes.HasPrefix(in, want) {
				t.Fatal("bytes returned before the error did not authenticate in place")
			}
		}
	})
}
