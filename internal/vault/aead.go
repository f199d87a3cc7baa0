package vault

import (
	"crypto/rand"
	"errors"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrDecrypt is returned whenever a ciphertext does not authenticate: wrong
// key, wrong record, edited byte, truncated. No plaintext is ever returned
// with it.
var ErrDecrypt = errors.New("vault: ciphertext does not authenticate")

// seal encrypts plaintext under key with XChaCha20-Poly1305 and a random
// 24-byte nonce, returning nonce||ciphertext.
func seal(key, plaintext, ad []byte) []byte {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		panic("vault: bad key length") // keys are made here, always 32 bytes
	}
	out := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(plaintext)+aead.Overhead())
	rand.Read(out)
	return aead.Seal(out, out, plaintext, ad)
}

// open reverses seal.
func open(key, ciphertext, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, ErrDecrypt
	}
	if len(ciphertext) < chacha20poly1305.NonceSizeX+aead.Overhead() {
		return nil, ErrDecrypt
	}
	nonce, ct := ciphertext[:chacha20poly1305.NonceSizeX], ciphertext[chacha20poly1305.NonceSizeX:]
	pt, err := aead.Open(nil, nonce, ct, ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

func randomKey() []byte {
	k := make([]byte, chacha20poly1305.KeySize)
	rand.Read(k)
	return k
}

// wipe overwrites key material before it is dropped. Go may have copied
// it elsewhere (the garbage collector moves nothing, but stacks grow), so
// this narrows the window rather than closing it; see docs/threat-model.md.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
