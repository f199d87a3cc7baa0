package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

const testPassphrase = "correct horse battery staple"

var cheapKDF = KDFParams{Time: 1, MemKiB: 1024, Threads: 1}

func newTestVault(db *store.DB) *Vault {
	v := New(db)
	v.KDF = cheapKDF
	return v
}

// otherDB returns a second fresh database of the same engine as db.
func otherDB(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Dialect == store.Postgres {
		return storetest.Postgres(t, migrations.All())
	}
	return storetest.SQLite(t, migrations.All())
}

var loc = Location{Table: "people", Record: "42", Field: "name"}

func TestPassphraseInitAndUnseal(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		if !v.Sealed() {
			t.Fatal("a new vault is unsealed")
		}
		if err := v.UnsealPassphrase(ctx, testPassphrase); !errors.Is(err, ErrNotInitialized) {
			t.Fatalf("unseal before init: %v, want ErrNotInitialized", err)
		}
		if _, err := v.Encrypt(loc, []byte("x")); !errors.Is(err, ErrSealed) {
			t.Fatalf("encrypt before init: %v, want ErrSealed", err)
		}
		if err := v.InitPassphrase(ctx, "short"); err == nil {
			t.Fatal("a 5-character passphrase was accepted")
		}
		if err := v.InitPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		if v.Sealed() {
			t.Fatal("init left the vault sealed")
		}
		if err := v.InitPassphrase(ctx, testPassphrase); !errors.Is(err, ErrInitialized) {
			t.Fatalf("second init: %v, want ErrInitialized", err)
		}
		if _, err := v.InitShares(ctx, 3, 2); !errors.Is(err, ErrInitialized) {
			t.Fatalf("init shares after passphrase: %v, want ErrInitialized", err)
		}
		c, err := v.Config(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Method != Passphrase || c.kdf != cheapKDF {
			t.Fatalf("config: method %q kdf %+v", c.Method, c.kdf)
		}
		ct, err := v.Encrypt(loc, []byte("Amina, Calle 3"))
		if err != nil {
			t.Fatal(err)
		}

		v.Seal()
		if !v.Sealed() {
			t.Fatal("Seal left the vault unsealed")
		}
		if _, err := v.Encrypt(loc, []byte("x")); !errors.Is(err, ErrSealed) {
			t.Fatalf("encrypt after seal: %v, want ErrSealed", err)
		}
		if pt, err := v.Decrypt(loc, ct); !errors.Is(err, ErrSealed) || pt != nil {
			t.Fatalf("decrypt after seal: err %v (plaintext returned: %v)", err, pt != nil)
		}
		for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", testPassphrase + " "} {
			if err := v.UnsealPassphrase(ctx, wrong); !errors.Is(err, ErrWrongSecret) {
				t.Fatalf("wrong passphrase: %v, want ErrWrongSecret", err)
			}
			if !v.Sealed() {
				t.Fatal("a wrong passphrase unsealed the vault")
			}
		}
		if _, err := v.AddShare(ctx, "faro-share-aaaaa"); !errors.Is(err, ErrWrongMethod) {
			t.Fatalf("AddShare on a passphrase vault: %v, want ErrWrongMethod", err)
		}
		if err := v.UnsealPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		if v.Sealed() {
			t.Fatal("still sealed after the right passphrase")
		}
		pt, err := v.Decrypt(loc, ct)
		if err != nil || string(pt) != "Amina, Calle 3" {
			t.Fatalf("decrypt after unseal: %v (plaintext matches: %v)", err, string(pt) == "Amina, Calle 3")
		}

		// A restarted process (new Vault over the same database) starts
		// sealed and unseals with the stored KDF parameters, whatever its
		// own KDF field says.
		v2 := New(db)
		if !v2.Sealed() {
			t.Fatal("a restarted vault starts unsealed")
		}
		if err := v2.UnsealPassphrase(ctx, "not the passphrase"); !errors.Is(err, ErrWrongSecret) {
			t.Fatalf("wrong passphrase after restart: %v", err)
		}
		if err := v2.UnsealPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		if pt, err := v2.Decrypt(loc, ct); err != nil || string(pt) != "Amina, Calle 3" {
			t.Fatalf("decrypt after restart: %v", err)
		}
	})
}

func TestSealHooks(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		var sealed, opened int
		v.OnSeal(func() {
			sealed++
			if !v.Sealed() {
				t.Error("OnSeal ran while keys were still in memory")
			}
		})
		v.OnUnseal(func() {
			opened++
			if v.Sealed() {
				t.Error("OnUnseal ran before the keys were in memory")
			}
		})
		if err := v.InitPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		if sealed != 0 || opened != 1 {
			t.Fatalf("after init: seal hooks %d, unseal hooks %d", sealed, opened)
		}
		v.Seal()
		if sealed != 1 || opened != 1 {
			t.Fatalf("after seal: seal hooks %d, unseal hooks %d", sealed, opened)
		}
		if err := v.UnsealPassphrase(ctx, "wrong passphrase!!"); err == nil {
			t.Fatal("wrong passphrase accepted")
		}
		if opened != 1 {
			t.Fatal("a failed unseal ran the unseal hooks")
		}
		if err := v.UnsealPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		if sealed != 1 || opened != 2 {
			t.Fatalf("after unseal: seal hooks %d, unseal hooks %d", sealed, opened)
		}
		// A hook may call back into the vault without deadlocking.
		v.OnSeal(func() { _, _ = v.Progress(ctx) })
		v.Seal()
		if sealed != 2 {
			t.Fatalf("after second seal: seal hooks %d", sealed)
		}
	})
}

func TestSharesHooks(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		shares, err := v.InitShares(ctx, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		var opened int
		v.OnUnseal(func() { opened++ })
		v.Seal()
		if _, err := v.AddShare(ctx, shares[2]); err != nil {
			t.Fatal(err)
		}
		if opened != 0 {
			t.Fatal("unseal hook ran before enough shares")
		}
		if _, err := v.AddShare(ctx, shares[0]); err != nil {
			t.Fatal(err)
		}
		if opened != 1 || v.Sealed() {
			t.Fatalf("after 2 of 2 shares: sealed %v, unseal hooks %d", v.Sealed(), opened)
		}
	})
}

// ordered returns every ordered choice of k distinct indices below n.
func ordered(n, k int) [][]int {
	if k == 0 {
		return [][]int{nil}
	}
	var out [][]int
	for _, rest := range ordered(n, k-1) {
		for i := 0; i < n; i++ {
			used := false
			for _, r := range rest {
				used = used || r == i
			}
			if !used {
				out = append(out, append(append([]int{}, rest...), i))
			}
		}
	}
	return out
}

func TestSharesUnseal(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		if _, err := v.InitShares(ctx, 2, 3); !errors.Is(err, ErrBadThreshold) {
			t.Fatalf("k > n: %v", err)
		}
		if _, err := v.InitShares(ctx, 5, 1); !errors.Is(err, ErrBadThreshold) {
			t.Fatalf("k = 1: %v", err)
		}
		if _, err := v.InitShares(ctx, 256, 3); !errors.Is(err, ErrBadThreshold) {
			t.Fatalf("n = 256: %v", err)
		}
		shares, err := v.InitShares(ctx, 5, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(shares) != 5 {
			t.Fatalf("%d shares, want 5", len(shares))
		}
		seen := map[string]bool{}
		for _, s := range shares {
			if !strings.HasPrefix(s, sharePrefix) || seen[s] {
				t.Fatal("shares are not distinct faro-share- strings")
			}
			seen[s] = true
		}
		c, err := v.Config(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Method != Shares || c.Shares != 5 || c.Threshold != 3 {
			t.Fatalf("config %+v", c)
		}
		ct, err := v.Encrypt(loc, []byte("secret address"))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.UnsealPassphrase(ctx, testPassphrase); !errors.Is(err, ErrWrongMethod) {
			t.Fatalf("passphrase on a shares vault: %v", err)
		}
		if _, err := v.RootFromPassphrase(ctx, testPassphrase); !errors.Is(err, ErrWrongMethod) {
			t.Fatalf("RootFromPassphrase on a shares vault: %v", err)
		}

		// Every ordered choice of 3 of the 5 shares, one at a time, on a
		// restarted vault.
		v = New(db)
		for _, order := range ordered(5, 3) {
			if !v.Sealed() {
				t.Fatal("vault unsealed before any share")
			}
			for i, idx := range order {
				p, err := v.AddShare(ctx, shares[idx])
				if err != nil {
					t.Fatalf("order %v, share %d: %v", order, i, err)
				}
				if p != (Progress{Have: i + 1, Need: 3}) {
					t.Fatalf("order %v, after %d shares: progress %+v", order, i+1, p)
				}
				if got := v.Sealed(); got != (i < 2) {
					t.Fatalf("order %v, after %d shares: sealed = %v", order, i+1, got)
				}
				if i < 2 {
					if p, err := v.Progress(ctx); err != nil || p != (Progress{Have: i + 1, Need: 3}) {
						t.Fatalf("Progress() = %+v, %v", p, err)
					}
				}
			}
			if pt, err := v.Decrypt(loc, ct); err != nil || string(pt) != "secret address" {
				t.Fatalf("order %v: decrypt failed: %v", order, err)
			}
			// Adding more once unsealed is harmless.
			if p, err := v.AddShare(ctx, shares[order[0]]); err != nil || p.Have != p.Need {
				t.Fatalf("share after unseal: %+v, %v", p, err)
			}
			v.Seal()
			if p, _ := v.Progress(ctx); p.Have != 0 {
				t.Fatalf("Seal left %d pending shares", p.Have)
			}
		}

		// UnsealShares with any 3 (and with all 5) in several orders.
		for _, set := range [][]int{{0, 1, 2}, {4, 2, 0}, {3, 1, 4}, {2, 3, 4, 0, 1}, {1, 0, 3}} {
			var in []string
			for _, i := range set {
				in = append(in, shares[i])
			}
			if err := v.UnsealShares(ctx, in); err != nil {
				t.Fatalf("UnsealShares %v: %v", set, err)
			}
			if v.Sealed() {
				t.Fatalf("UnsealShares %v left the vault sealed", set)
			}
			root, err := v.RootFromShares(ctx, in)
			if err != nil {
				t.Fatalf("RootFromShares %v: %v", set, err)
			}
			if tagOf(root) != c.tag {
				t.Fatal("RootFromShares returned another root")
			}
			v.Seal()
		}

		// Two shares are not enough.
		for _, pair := range ordered(5, 2) {
			for _, i := range pair {
				if _, err := v.AddShare(ctx, shares[i]); err != nil {
					t.Fatal(err)
				}
			}
			if !v.Sealed() {
				t.Fatalf("two shares %v unsealed a 3-of-5 vault", pair)
			}
			if p, _ := v.Progress(ctx); p != (Progress{Have: 2, Need: 3}) {
				t.Fatalf("progress %+v", p)
			}
			v.ResetShares()
			if p, _ := v.Progress(ctx); p.Have != 0 {
				t.Fatal("ResetShares kept shares")
			}
		}
		if err := v.UnsealShares(ctx, shares[:2]); !errors.Is(err, ErrTooFewShares) {
			t.Fatalf("UnsealShares with 2: %v, want ErrTooFewShares", err)
		}
		if !v.Sealed() {
			t.Fatal("UnsealShares with 2 unsealed")
		}
		if p, _ := v.Progress(ctx); p.Have != 0 {
			t.Fatal("a failed UnsealShares left shares pending")
		}
		if err := v.UnsealShares(ctx, nil); !errors.Is(err, ErrTooFewShares) {
			t.Fatalf("UnsealShares with none: %v", err)
		}
		if _, err := v.RootFromShares(ctx, shares[3:]); !errors.Is(err, ErrTooFewShares) {
			t.Fatalf("RootFromShares with 2: %v", err)
		}

		// Duplicates, also typed differently.
		if _, err := v.AddShare(ctx, shares[1]); err != nil {
			t.Fatal(err)
		}
		for _, dup := range []string{shares[1], strings.ToUpper(shares[1]), strings.ReplaceAll(shares[1], "-", " ")} {
			p, err := v.AddShare(ctx, dup)
			if !errors.Is(err, ErrShareDuplicate) {
				t.Fatalf("duplicate share: %v, want ErrShareDuplicate", err)
			}
			if p.Have != 1 {
				t.Fatalf("duplicate counted: progress %+v", p)
			}
		}
		v.ResetShares()
		if err := v.UnsealShares(ctx, []string{shares[0], shares[0], shares[1]}); !errors.Is(err, ErrShareDuplicate) {
			t.Fatalf("UnsealShares with a duplicate: %v", err)
		}
		if !v.Sealed() {
			t.Fatal("unsealed with a duplicate")
		}
		if _, err := v.RootFromShares(ctx, []string{shares[0], shares[2], shares[0]}); !errors.Is(err, ErrShareDuplicate) {
			t.Fatalf("RootFromShares with a duplicate: %v", err)
		}

		// A mistyped share is caught by the checksum and does not disturb
		// the shares entered so far.
		if _, err := v.AddShare(ctx, shares[0]); err != nil {
			t.Fatal(err)
		}
		typo := []byte(shares[3])
		i := len(sharePrefix) + 7
		if typo[i] == 'a' {
			typo[i] = 'b'
		} else {
			typo[i] = 'a'
		}
		p, err := v.AddShare(ctx, string(typo))
		if !errors.Is(err, ErrShareMalformed) {
			t.Fatalf("mistyped share: %v, want ErrShareMalformed", err)
		}
		if p.Have != 1 {
			t.Fatalf("mistyped share changed progress: %+v", p)
		}
		for _, bad := range []string{"", "faro-share-", "hello", shares[3][:len(shares[3])-1], shares[3] + "a"} {
			if _, err := v.AddShare(ctx, bad); !errors.Is(err, ErrShareMalformed) {
				t.Fatalf("malformed share: %v, want ErrShareMalformed", err)
			}
		}
		if err := v.UnsealShares(ctx, []string{shares[0], string(typo), shares[2]}); !errors.Is(err, ErrShareMalformed) {
			t.Fatalf("UnsealShares with a typo: %v", err)
		}
		if p, _ := v.Progress(ctx); p.Have != 0 || !v.Sealed() {
			t.Fatal("UnsealShares with a typo left state behind")
		}

		// A share with a valid checksum and tag but wrong content combines
		// to a wrong key: refused, and every pending share is dropped.
		tag, part, err := parseShare(shares[4])
		if err != nil {
			t.Fatal(err)
		}
		part[0] ^= 1
		forged := encodeShare(tag, part)
		for _, s := range []string{shares[0], shares[1]} {
			if _, err := v.AddShare(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		p, err = v.AddShare(ctx, forged)
		if !errors.Is(err, ErrSharesWrong) {
			t.Fatalf("forged share: %v, want ErrSharesWrong", err)
		}
		if p.Have != 0 || !v.Sealed() {
			t.Fatalf("after a wrong combination: progress %+v, sealed %v", p, v.Sealed())
		}
		if _, err := v.RootFromShares(ctx, []string{shares[0], shares[1], forged}); !errors.Is(err, ErrSharesWrong) {
			t.Fatalf("RootFromShares with a forged share: %v", err)
		}
		// The right shares still work afterwards.
		if err := v.UnsealShares(ctx, []string{shares[4], shares[0], shares[1]}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSharesForeignAndMixed(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newTestVault(db)
		sharesA, err := a.InitShares(ctx, 5, 3)
		if err != nil {
			t.Fatal(err)
		}
		b := newTestVault(otherDB(t, db))
		sharesB, err := b.InitShares(ctx, 5, 3)
		if err != nil {
			t.Fatal(err)
		}
		a.Seal()
		b.Seal()

		for _, s := range sharesB {
			if _, err := a.AddShare(ctx, s); !errors.Is(err, ErrShareForeign) {
				t.Fatalf("foreign share: %v, want ErrShareForeign", err)
			}
		}
		if _, err := a.RootFromShares(ctx, []string{sharesA[0], sharesB[1], sharesA[2]}); !errors.Is(err, ErrShareForeign) {
			t.Fatalf("RootFromShares mixing instances: %v", err)
		}

		// Two of A, then one of B (refused, not counted), then a third of A.
		for _, s := range sharesA[:2] {
			if _, err := a.AddShare(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		p, err := a.AddShare(ctx, sharesB[2])
		if !errors.Is(err, ErrShareForeign) || p != (Progress{Have: 2, Need: 3}) {
			t.Fatalf("foreign third share: %+v, %v", p, err)
		}
		if !a.Sealed() {
			t.Fatal("a foreign share unsealed")
		}
		if _, err := a.AddShare(ctx, sharesA[4]); err != nil {
			t.Fatal(err)
		}
		if a.Sealed() {
			t.Fatal("three own shares after a foreign one did not unseal")
		}

		// UnsealShares stops at the foreign share.
		a.Seal()
		if err := a.UnsealShares(ctx, []string{sharesA[0], sharesB[1], sharesA[2], sharesA[3]}); !errors.Is(err, ErrShareForeign) {
			t.Fatalf("UnsealShares mixing instances: %v", err)
		}
		if !a.Sealed() {
			t.Fatal("UnsealShares mixing instances unsealed")
		}

		// B's shares unseal B, not A.
		if err := b.UnsealShares(ctx, sharesB[2:]); err != nil {
			t.Fatal(err)
		}
	})
}

func TestFieldEncryption(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		if err := v.InitPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<12)
		for _, pt := range [][]byte{nil, {}, []byte("x"), []byte("Fatima Z., born 1990, Tanger"), big} {
			ct, err := v.Encrypt(loc, pt)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct) != 5+24+len(pt)+16 {
				t.Fatalf("ciphertext of %d bytes is %d long", len(pt), len(ct))
			}
			if ct[0] != fieldVersion || binary.BigEndian.Uint32(ct[1:5]) != 1 {
				t.Fatalf("header % x", ct[:5])
			}
			if len(pt) > 4 && bytes.Contains(ct, pt) {
				t.Fatal("plaintext leaked into the ciphertext")
			}
			got, err := v.Decrypt(loc, ct)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("round trip of %d bytes failed: %v", len(pt), err)
			}
			ct2, _ := v.Encrypt(loc, pt)
			if bytes.Equal(ct, ct2) {
				t.Fatal("two encryptions of the same value are equal (nonce reuse)")
			}
		}
		s, err := v.EncryptString(loc, "José")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := v.DecryptString(loc, s); err != nil || got != "José" {
			t.Fatalf("string round trip: %v", err)
		}
	})
}

// fixedVault is an unsealed vault with known keys and no database, for
// tests of the field format alone.
func fixedVault() *Vault {
	k1 := bytes.Repeat([]byte{1}, 32)
	k2 := bytes.Repeat([]byte{2}, 32)
	return &Vault{keys: map[uint32][]byte{1: k1, 2: k2}, active: 1}
}

func TestFieldCiphertextBoundToLocation(t *testing.T) {
	v := fixedVault()
	pt := []byte("Khadija, +34 600 000 000")
	ct, err := v.Encrypt(loc, pt)
	if err != nil {
		t.Fatal(err)
	}
	moved := []Location{
		{Table: "people", Record: "43", Field: "name"},
		{Table: "people", Record: "42", Field: "phone"},
		{Table: "cases", Record: "42", Field: "name"},
		{Table: "people", Record: "4", Field: "2name"},
		{Table: "people4", Record: "2", Field: "name"},
		{Table: "", Record: "", Field: ""},
		{Table: "People", Record: "42", Field: "name"},
		{Table: "people", Record: "42 ", Field: "name"},
	}
	for _, l := range moved {
		got, err := v.Decrypt(l, ct)
		if !errors.Is(err, ErrDecrypt) || got != nil {
			t.Fatalf("ciphertext moved to %+v: err %v (plaintext returned: %v)", l, err, got != nil)
		}
	}

	// Every single-bit change and every byte inverted fails.
	for i := range ct {
		for _, mask := range []byte{1, 2, 4, 8, 16, 32, 64, 128, 0xff} {
			bad := bytes.Clone(ct)
			bad[i] ^= mask
			got, err := v.Decrypt(loc, bad)
			if err == nil || got != nil {
				t.Fatalf("byte %d ^ %#x: decrypted (err %v)", i, mask, err)
			}
			if i >= 1 && i < 5 {
				if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrUnknownKey) {
					t.Fatalf("key id byte %d changed: %v", i, err)
				}
			} else if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("byte %d ^ %#x: %v, want ErrDecrypt", i, mask, err)
			}
		}
	}
	// Key id 1 rewritten to key 2: the other key must not open it.
	bad := bytes.Clone(ct)
	binary.BigEndian.PutUint32(bad[1:5], 2)
	if _, err := v.Decrypt(loc, bad); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("key id rewritten: %v, want ErrDecrypt", err)
	}
	binary.BigEndian.PutUint32(bad[1:5], 7)
	if _, err := v.Decrypt(loc, bad); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key id: %v, want ErrUnknownKey", err)
	}
	// Every truncation fails, and so do appended bytes.
	for n := 0; n < len(ct); n++ {
		if got, err := v.Decrypt(loc, ct[:n]); err == nil || got != nil {
			t.Fatalf("truncated to %d bytes: decrypted", n)
		}
	}
	for _, tail := range [][]byte{{0}, make([]byte, 16), ct[5:]} {
		if _, err := v.Decrypt(loc, append(bytes.Clone(ct), tail...)); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("appended %d bytes: %v", len(tail), err)
		}
	}
	if _, err := v.Decrypt(loc, nil); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("nil ciphertext: %v", err)
	}
}

func TestRotateKeys(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		if err := v.InitPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		old, err := v.Encrypt(loc, []byte("written with key 1"))
		if err != nil {
			t.Fatal(err)
		}
		if id := binary.BigEndian.Uint32(old[1:5]); id != 1 {
			t.Fatalf("first key id %d", id)
		}
		if _, err := v.RotateKeys(ctx, bytes.Repeat([]byte{7}, 32)); !errors.Is(err, ErrWrongSecret) {
			t.Fatalf("rotate with a wrong root: %v", err)
		}
		root, err := v.RootFromPassphrase(ctx, testPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		id, err := v.RotateKeys(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		if id != 2 {
			t.Fatalf("new key id %d, want 2", id)
		}
		fresh, err := v.Encrypt(loc, []byte("written with key 2"))
		if err != nil {
			t.Fatal(err)
		}
		if id := binary.BigEndian.Uint32(fresh[1:5]); id != 2 {
			t.Fatalf("after rotation new writes use key %d", id)
		}
		check := func(v *Vault) {
			t.Helper()
			if pt, err := v.Decrypt(loc, old); err != nil || string(pt) != "written with key 1" {
				t.Fatalf("old ciphertext: %v", err)
			}
			if pt, err := v.Decrypt(loc, fresh); err != nil || string(pt) != "written with key 2" {
				t.Fatalf("new ciphertext: %v", err)
			}
		}
		check(v)

		v.Seal()
		if _, err := v.RotateKeys(ctx, root); !errors.Is(err, ErrSealed) {
			t.Fatalf("rotate while sealed: %v", err)
		}
		if err := v.UnsealPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		check(v)
		v2 := New(db)
		if err := v2.UnsealPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		check(v2)
		ct, _ := v2.Encrypt(loc, []byte("x"))
		if id := binary.BigEndian.Uint32(ct[1:5]); id != 2 {
			t.Fatalf("after restart new writes use key %d, want 2", id)
		}
		if id, err := v2.RotateKeys(ctx, root); err != nil || id != 3 {
			t.Fatalf("second rotation: %d, %v", id, err)
		}
		var active int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM data_keys WHERE active = 1").Scan(&active); err != nil || active != 1 {
			t.Fatalf("%d active data keys (%v)", active, err)
		}
		wipe(root)
	})
}

func TestRotateKeysShares(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		shares, err := v.InitShares(ctx, 3, 2)
		if err != nil {
			t.Fatal(err)
		}
		old, _ := v.Encrypt(loc, []byte("one"))
		root, err := v.RootFromShares(ctx, shares[1:])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.RotateKeys(ctx, root); err != nil {
			t.Fatal(err)
		}
		fresh, _ := v.Encrypt(loc, []byte("two"))
		v.Seal()
		if err := v.UnsealShares(ctx, []string{shares[2], shares[0]}); err != nil {
			t.Fatal(err)
		}
		for ct, want := range map[*[]byte]string{&old: "one", &fresh: "two"} {
			if pt, err := v.Decrypt(loc, *ct); err != nil || string(pt) != want {
				t.Fatalf("after rotation and re-unseal: %v", err)
			}
		}
	})
}

// allValues returns every text and blob value stored in any table.
func allValues(t *testing.T, db *store.DB) [][]byte {
	t.Helper()
	ctx := context.Background()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if db.Dialect == store.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	rows, err := db.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("found only tables %v", tables)
	}
	var out [][]byte
	for _, table := range tables {
		rows, err := db.Query(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					out = append(out, bytes.Clone(v))
				case string:
					out = append(out, []byte(v))
				default:
					out = append(out, []byte(fmt.Sprint(v)))
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// assertNotStored fails when secret, raw or in a common text encoding,
// appears in any stored value.
func assertNotStored(t *testing.T, db *store.DB, what string, secret []byte) {
	t.Helper()
	forms := [][]byte{
		secret,
		[]byte(hex.EncodeToString(secret)),
		[]byte(strings.ToUpper(hex.EncodeToString(secret))),
		[]byte(base64.StdEncoding.EncodeToString(secret)),
		[]byte(base64.RawURLEncoding.EncodeToString(secret)),
		[]byte(b32.EncodeToString(secret)),
	}
	for _, v := range allValues(t, db) {
		for _, f := range forms {
			if bytes.Contains(v, f) || bytes.Contains(bytes.ToLower(v), bytes.ToLower(f)) {
				t.Fatalf("the %s is stored in the database", what)
			}
		}
	}
}

func TestRootKeyNeverStored(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := newTestVault(db)
		if err := v.InitPassphrase(ctx, testPassphrase); err != nil {
			t.Fatal(err)
		}
		root, err := v.RootFromPassphrase(ctx, testPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.RotateKeys(ctx, root); err != nil {
			t.Fatal(err)
		}
		assertNotStored(t, db, "root key", root)
		assertNotStored(t, db, "passphrase", []byte(testPassphrase))
		v.mu.RLock()
		keys := map[uint32][]byte{}
		for id, k := range v.keys {
			keys[id] = bytes.Clone(k)
		}
		v.mu.RUnlock()
		if len(keys) != 2 {
			t.Fatalf("%d data keys in memory", len(keys))
		}
		for _, k := range keys {
			assertNotStored(t, db, "data key", k)
		}
		// Sealing wipes the keys in memory too.
		v.mu.RLock()
		live := v.keys[1]
		v.mu.RUnlock()
		v.Seal()
		if !bytes.Equal(live, make([]byte, 32)) {
			t.Fatal("Seal left a data key in memory")
		}

		// Shamir: neither the root nor any share is stored.
		db2 := otherDB(t, db)
		v2 := newTestVault(db2)
		shares, err := v2.InitShares(ctx, 4, 2)
		if err != nil {
			t.Fatal(err)
		}
		root2, err := v2.RootFromShares(ctx, shares[:2])
		if err != nil {
			t.Fatal(err)
		}
		assertNotStored(t, db2, "root key", root2)
		for _, s := range shares {
			_, part, err := parseShare(s)
			if err != nil {
				t.Fatal(err)
			}
			assertNotStored(t, db2, "share", part[:32])
			for _, val := range allValues(t, db2) {
				if bytes.Contains(val, []byte(s)) {
					t.Fatal("a printed share is stored in the database")
				}
			}
		}
	})
}
