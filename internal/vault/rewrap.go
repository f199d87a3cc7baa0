package vault

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/store"
	"github.com/getsops/sops/v3/shamir"
	"golang.org/x/crypto/argon2"
)

// NewRoot says how the root key is to be obtained after a re-wrap.
type NewRoot struct {
	Passphrase string // set for a passphrase
	Shares     int    // set with Threshold for Shamir shares
	Threshold  int
}

// Rewrap replaces the root key: every data key is unwrapped with oldRoot
// and wrapped again under a new root derived from a new passphrase or
// split into new shares, in one transaction. Old shares and the old
// passphrase stop working; the data itself is not re-encrypted (it is under
// the data keys, which do not change). Use it when a share holder is lost
// or captured, or a passphrase may have leaked. It returns the new shares.
func (v *Vault) Rewrap(ctx context.Context, oldRoot []byte, nr NewRoot) ([]string, error) {
	c, err := v.Config(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := open(oldRoot, c.check, []byte("faro/key-check")); err != nil {
		return nil, ErrWrongSecret
	}
	var root, salt []byte
	var kdf string
	var method Method
	var parts [][]byte
	switch {
	case nr.Passphrase != "" && nr.Shares == 0:
		if len(nr.Passphrase) < 12 {
			return nil, fmt.Errorf("vault: passphrase must have at least 12 characters")
		}
		salt = randomKey()
		root = argon2.IDKey([]byte(nr.Passphrase), salt, v.KDF.Time, v.KDF.MemKiB, v.KDF.Threads, 32)
		kdf = fmt.Sprintf("t=%d,m=%d,p=%d", v.KDF.Time, v.KDF.MemKiB, v.KDF.Threads)
		method = Passphrase
	case nr.Passphrase == "" && nr.Threshold >= 2 && nr.Threshold <= nr.Shares && nr.Shares <= 255:
		root = randomKey()
		if parts, err = shamir.Split(root, nr.Shares, nr.Threshold); err != nil {
			return nil, err
		}
		method = Shares
	default:
		return nil, ErrBadThreshold
	}
	defer wipe(root)
	tag := tagOf(root)
	err = v.db.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, wrapped FROM data_keys ORDER BY id")
		if err != nil {
			return err
		}
		type wrapped struct {
			id int64
			ct []byte
		}
		var keys []wrapped
		for rows.Next() {
			var w wrapped
			if err := rows.Scan(&w.id, &w.ct); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, w)
		}
		rows.Close()
		for _, w := range keys {
			dk, err := open(oldRoot, w.ct, dataKeyAD(uint32(w.id)))
			if err != nil {
				return fmt.Errorf("vault: data key %d: %w", w.id, err)
			}
			_, err = tx.Exec(ctx, "UPDATE data_keys SET wrapped = ? WHERE id = ?", seal(root, dk, dataKeyAD(uint32(w.id))), w.id)
			wipe(dk)
			if err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE vault SET method = ?, threshold = ?, shares = ?, tag = ?, salt = ?, kdf = ?, key_check = ? WHERE id = 1`,
			string(method), nr.Threshold, nr.Shares, tag[:], nonNil(salt), kdf, seal(root, keyCheckText, []byte("faro/key-check")))
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = encodeShare(tag, p)
		wipe(p)
	}
	return out, nil
}
