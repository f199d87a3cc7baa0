package vault

import (
	"encoding/binary"
	"errors"
)

// Field ciphertexts are laid out as
//
//	version (1 byte, 1) || data key id (4 bytes) || nonce (24) || XChaCha20-Poly1305 output
//
// and authenticated together with the table, record id and field name, so
// a ciphertext copied into another record or column fails to decrypt.
const fieldVersion = 1

// ErrUnknownKey is returned for a ciphertext made with a key this vault
// does not have.
var ErrUnknownKey = errors.New("vault: ciphertext names an unknown key")

// Location names where a field ciphertext lives.
type Location struct {
	Table, Record, Field string
}

func (l Location) ad(header []byte) []byte {
	ad := make([]byte, 0, 32+len(l.Table)+len(l.Record)+len(l.Field))
	ad = append(ad, "faro/field/v1\x00"...)
	ad = append(ad, header...)
	for _, s := range []string{l.Table, l.Record, l.Field} {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(s)))
		ad = append(ad, s...)
	}
	return ad
}

// Encrypt seals plaintext for storage at loc with the active data key.
func (v *Vault) Encrypt(loc Location, plaintext []byte) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.keys == nil {
		return nil, ErrSealed
	}
	header := make([]byte, 5)
	header[0] = fieldVersion
	binary.BigEndian.PutUint32(header[1:], v.active)
	return append(header, seal(v.keys[v.active], plaintext, loc.ad(header))...), nil
}

// Decrypt opens a ciphertext stored at loc. Any mismatch is ErrDecrypt.
func (v *Vault) Decrypt(loc Location, ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < 5 || ciphertext[0] != fieldVersion {
		return nil, ErrDecrypt
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.keys == nil {
		return nil, ErrSealed
	}
	key, ok := v.keys[binary.BigEndian.Uint32(ciphertext[1:5])]
	if !ok {
		return nil, ErrUnknownKey
	}
	return open(key, ciphertext[5:], loc.ad(ciphertext[:5]))
}

// EncryptString and DecryptString are Encrypt and Decrypt for text fields.
func (v *Vault) EncryptString(loc Location, s string) ([]byte, error) {
	return v.Encrypt(loc, []byte(s))
}

func (v *Vault) DecryptString(loc Location, ct []byte) (string, error) {
	b, err := v.Decrypt(loc, ct)
	return string(b), err
}

// Cipher is the small interface domain packages depend on, so they can be
// tested with any implementation and never see key material.
type Cipher interface {
	Encrypt(loc Location, plaintext []byte) ([]byte, error)
	Decrypt(loc Location, ciphertext []byte) ([]byte, error)
}
