package vault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// FuzzDecrypt feeds arbitrary ciphertexts and locations to Decrypt. It must
// never panic, never return plaintext together with an error, and succeed
// only on a ciphertext that is exactly what sealing its plaintext at that
// location with that nonce produces: forged or edited input fails closed.
func FuzzDecrypt(f *testing.F) {
	v := fixedVault()
	for _, l := range []Location{loc, {}, {Table: "evidence", Record: "ab", Field: "meta"}} {
		for _, pt := range []string{"", "x", "Nadia, Ceuta"} {
			ct, err := v.Encrypt(l, []byte(pt))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(ct, l.Table, l.Record, l.Field)
			f.Add(ct[:len(ct)-1], l.Table, l.Record, l.Field)
			f.Add(ct, l.Table, l.Record+"x", l.Field)
		}
	}
	f.Add([]byte{}, "", "", "")
	f.Add([]byte{1, 0, 0, 0, 1}, "", "", "")
	f.Add([]byte{1, 0, 0, 0, 2}, "t", "r", "f")
	f.Add(bytes.Repeat([]byte{1}, 45), "t", "r", "f")
	f.Add(bytes.Repeat([]byte{0}, 100), "t", "r", "f")

	f.Fuzz(func(t *testing.T, ct []byte, table, record, field string) {
		l := Location{Table: table, Record: record, Field: field}
		in := bytes.Clone(ct)
		pt, err := v.Decrypt(l, ct)
		if !bytes.Equal(in, ct) {
			t.Fatal("Decrypt modified its input")
		}
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext returned with an error")
			}
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Success: the input must be the canonical sealing of pt.
		if len(ct) < 5+chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead || ct[0] != fieldVersion {
			t.Fatal("a short or unversioned ciphertext decrypted")
		}
		key := v.keys[binary.BigEndian.Uint32(ct[1:5])]
		aead, err := chacha20poly1305.NewX(key)
		if err != nil {
			t.Fatal(err)
		}
		nonce := ct[5 : 5+chacha20poly1305.NonceSizeX]
		want := append(bytes.Clone(ct[:5+chacha20poly1305.NonceSizeX]), aead.Seal(nil, nonce, pt, l.ad(ct[:5]))...)
		if !bytes.Equal(want, ct) {
			t.Fatal("a ciphertext that is not the sealing of its plaintext decrypted (fail-open)")
		}
	})
}
