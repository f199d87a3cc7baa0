package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/vault"
)

// After a re-wrap to new shares, the old passphrase no longer unseals, the
// new shares do, and data encrypted before still decrypts.
func TestRewrapToNewShares(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := vault.New(db)
		v.KDF = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
		const pass = "the old passphrase, long"
		if err := v.InitPassphrase(ctx, pass); err != nil {
			t.Fatal(err)
		}
		loc := vault.Location{Table: "t", Record: "1", Field: "f"}
		ct, err := v.Encrypt(loc, []byte("kept across the re-wrap"))
		if err != nil {
			t.Fatal(err)
		}
		old, err := v.RootFromPassphrase(ctx, pass)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Rewrap(ctx, []byte("wrong root key of 32 bytes......"), vault.NewRoot{Shares: 3, Threshold: 2}); !errors.Is(err, vault.ErrWrongSecret) {
			t.Fatalf("rewrap with a wrong root: %v", err)
		}
		shares, err := v.Rewrap(ctx, old, vault.NewRoot{Shares: 3, Threshold: 2})
		if err != nil || len(shares) != 3 {
			t.Fatalf("rewrap: %v, %d shares", err, len(shares))
		}
		v2 := vault.New(db)
		if err := v2.UnsealPassphrase(ctx, pass); err == nil {
			t.Fatal("the old passphrase still unseals")
		}
		if err := v2.UnsealShares(ctx, shares[1:]); err != nil {
			t.Fatalf("new shares: %v", err)
		}
		pt, err := v2.Decrypt(loc, ct)
		if err != nil || string(pt) != "kept across the re-wrap" {
			t.Fatal("data written before the re-wrap does not decrypt")
		}
	})
}
