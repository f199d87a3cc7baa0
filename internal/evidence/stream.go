package evidence

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// Files are encrypted as a sequence of authenticated chunks, after the
// STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as used
// by age:
//
//	header: magic "FAROEV1\n" (8) || nonce prefix (16)
//	chunk:  XChaCha20-Poly1305(key, prefix || counter (7) || last flag (1), up to 64 KiB)
//
// The counter makes reordered chunks fail; the last flag, set only on the
// final chunk, makes a truncated file fail; a file with a chunk appended
// after the last fails too.

const (
	chunkSize  = 64 * 1024
	magic      = "FAROEV1\n"
	prefixSize = 16
	headerSize = len(magic) + prefixSize
	overhead   = chacha20poly1305.Overhead
)

// ErrCorrupt says a stored file does not authenticate: it was edited,
// truncated, reordered or belongs to another record. Nothing of the
// offending chunk is returned.
var ErrCorrupt = errors.New("evidence: stored file does not authenticate")

func chunkNonce(prefix []byte, counter uint64, last bool) []byte {
	n := make([]byte, chacha20poly1305.NonceSizeX)
	copy(n, prefix)
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], counter)
	copy(n[prefixSize:prefixSize+7], c[1:])
	if last {
		n[len(n)-1] = 1
	}
	return n
}

// encryptStream reads src to the end, writing the encrypted form to dst
// and giving every plaintext byte to observe (the hash) as it is read.
func encryptStream(dst io.Writer, src io.Reader, key []byte, observe func([]byte)) (int64, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return 0, err
	}
	prefix := make([]byte, prefixSize)
	rand.Read(prefix)
	if _, err := dst.Write(append([]byte(magic), prefix...)); err != nil {
		return 0, err
	}
	cur := make([]byte, chunkSize)
	next := make([]byte, chunkSize)
	out := make([]byte, 0, chunkSize+overhead)
	n, err := io.ReadFull(src, cur)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return 0, err
	}
	var total int64
	for counter := uint64(0); ; counter++ {
		if counter >= 1<<56 {
			return total, errors.New("evidence: file too large")
		}
		observe(cur[:n])
		total += int64(n)
		last := n < chunkSize
		var m int
		if !last {
			// Read ahead to learn whether this full chunk is the last one.
			m, err = io.ReadFull(src, next)
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				return total, err
			}
			last = m == 0
		}
		out = aead.Seal(out[:0], chunkNonce(prefix, counter, last), cur[:n], nil)
		if _, err := dst.Write(out); err != nil {
			return total, err
		}
		if last {
			return total, nil
		}
		cur, next, n = next, cur, m
	}
}

// decryptReader streams the plaintext of an encrypted file, failing with
// ErrCorrupt at the first chunk that does not authenticate.
type decryptReader struct {
	src  io.Reader
	aead interface {
		Open(dst, nonce, ct, ad []byte) ([]byte, error)
	}
	prefix  []byte
	counter uint64
	buf     []byte // ciphertext of the chunk being read
	next    []byte // read-ahead
	nextN   int
	plain   []byte
	done    bool
	err     error
}

func newDecryptReader(src io.Reader, key []byte) (*decryptReader, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, ErrCorrupt
	}
	hdr := make([]byte, headerSize)
	if _, err := io.ReadFull(src, hdr); err != nil || string(hdr[:len(magic)]) != magic {
		return nil, ErrCorrupt
	}
	d := &decryptReader{src: src, aead: aead, prefix: hdr[len(magic):],
		buf: make([]byte, chunkSize+overhead), next: make([]byte, chunkSize+overhead)}
	d.nextN, err = io.ReadFull(src, d.next)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return d, nil
}

func (d *decryptReader) Read(p []byte) (int, error) {
	for len(d.plain) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		if d.done {
			return 0, io.EOF
		}
		d.fill()
	}
	n := copy(p, d.plain)
	d.plain = d.plain[n:]
	return n, nil
}

func (d *decryptReader) fill() {
	d.buf, d.next = d.next, d.buf
	n := d.nextN
	if n < overhead {
		d.err = ErrCorrupt // truncated: the last chunk never came
		return
	}
	var err error
	d.nextN, err = io.ReadFull(d.src, d.next)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		d.err = err
		return
	}
	last := d.nextN == 0
	pt, err := d.aead.Open(d.buf[:0], chunkNonce(d.prefix, d.counter, last), d.buf[:n], nil)
	if err != nil {
		d.err = ErrCorrupt
		return
	}
	d.counter++
	d.plain = pt
	d.done = last
}
