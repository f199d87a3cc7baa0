// Package vault holds Faro's keys. A random root key is never stored: it
// is derived from a passphrase with argon2id, or rebuilt from k of n Shamir
// shares. It wraps random data keys, which are what encrypt fields and
// evidence. Until the root key is supplied, Faro is sealed: the data keys
// are unreadable and the web server answers only the unseal page.
package vault

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/faro-project/faro/internal/store"
	"github.com/getsops/sops/v3/shamir"
	"golang.org/x/crypto/argon2"
)

var (
	ErrSealed         = errors.New("vault: sealed")
	ErrNotInitialized = errors.New("vault: not initialised (run faro init)")
	ErrInitialized    = errors.New("vault: already initialised")
	ErrWrongSecret    = errors.New("vault: wrong passphrase")
	ErrWrongMethod    = errors.New("vault: this instance is unsealed another way")
	ErrBadThreshold   = errors.New("vault: need 2 ≤ threshold ≤ shares ≤ 255")
)

// Method is how the root key is obtained.
type Method string

const (
	Passphrase Method = "passphrase"
	Shares     Method = "shamir"
)

// KDFParams are the argon2id costs for passphrase-derived root keys.
type KDFParams struct {
	Time, MemKiB uint32
	Threads      uint8
}

// DefaultKDF makes an unseal take about a second on a small server: slow
// enough to make guessing a seized disk's passphrase expensive.
var DefaultKDF = KDFParams{Time: 4, MemKiB: 128 * 1024, Threads: 2}

// keyCheckText is encrypted under the root key at init; decrypting it
// proves a rebuilt key is right (Shamir with too few shares returns wrong
// bytes without any error).
var keyCheckText = []byte("faro root key check v1")

// Vault is the key holder of one Faro process.
type Vault struct {
	db  *store.DB
	KDF KDFParams // used at init only; unseal reads the stored params

	mu      sync.RWMutex
	keys    map[uint32][]byte // unwrapped data keys; nil when sealed
	active  uint32
	pending map[byte][]byte // shares entered so far, by x coordinate
	onSeal  []func()
	onOpen  []func()
}

// New returns a sealed vault over db.
func New(db *store.DB) *Vault { return &Vault{db: db, KDF: DefaultKDF} }

// Config is the stored description of how to unseal.
type Config struct {
	Method    Method
	Threshold int
	Shares    int
	tag       [4]byte
	salt      []byte
	kdf       KDFParams
	check     []byte
}

// Config reads the unseal configuration.
func (v *Vault) Config(ctx context.Context) (*Config, error) {
	var c Config
	var method, params string
	var tag []byte
	err := v.db.QueryRow(ctx, "SELECT method, threshold, shares, tag, salt, kdf, key_check FROM vault WHERE id = 1").
		Scan(&method, &c.Threshold, &c.Shares, &tag, &c.salt, &params, &c.check)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotInitialized
	}
	if err != nil {
		return nil, err
	}
	c.Method = Method(method)
	copy(c.tag[:], tag)
	if _, err := fmt.Sscanf(params, "t=%d,m=%d,p=%d", &c.kdf.Time, &c.kdf.MemKiB, &c.kdf.Threads); err != nil && c.Method == Passphrase {
		return nil, fmt.Errorf("vault: bad kdf params: %w", err)
	}
	return &c, nil
}

// InitPassphrase sets up a vault unsealed by a passphrase and leaves it
// unsealed.
func (v *Vault) InitPassphrase(ctx context.Context, passphrase string) error {
	if len(passphrase) < 12 {
		return errors.New("vault: passphrase must have at least 12 characters")
	}
	salt := randomKey()
	root := argon2.IDKey([]byte(passphrase), salt, v.KDF.Time, v.KDF.MemKiB, v.KDF.Threads, 32)
	defer wipe(root)
	kdf := fmt.Sprintf("t=%d,m=%d,p=%d", v.KDF.Time, v.KDF.MemKiB, v.KDF.Threads)
	return v.initialize(ctx, root, Passphrase, 0, 0, salt, kdf)
}

// InitShares sets up a vault whose root key is split into n shares, any k
// of which unseal it. The shares are returned once and never stored.
func (v *Vault) InitShares(ctx context.Context, n, k int) ([]string, error) {
	if k < 2 || k > n || n > 255 {
		return nil, ErrBadThreshold
	}
	root := randomKey()
	defer wipe(root)
	parts, err := shamir.Split(root, n, k)
	if err != nil {
		return nil, err
	}
	if err := v.initialize(ctx, root, Shares, n, k, nil, ""); err != nil {
		return nil, err
	}
	tag := tagOf(root)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = encodeShare(tag, p)
		wipe(p)
	}
	return out, nil
}

func tagOf(root []byte) [4]byte {
	sum := sha256.Sum256(append([]byte("faro share tag"), root...))
	var t [4]byte
	copy(t[:], sum[:4])
	return t
}

func (v *Vault) initialize(ctx context.Context, root []byte, m Method, n, k int, salt []byte, kdf string) error {
	dk := randomKey()
	tag := tagOf(root)
	err := v.db.InTx(ctx, func(tx *store.Tx) error {
		var count int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM vault").Scan(&count); err != nil {
			return err
		}
		if count > 0 {
			return ErrInitialized
		}
		if _, err := tx.Exec(ctx, `INSERT INTO vault (id, method, threshold, shares, tag, salt, kdf, key_check, created_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`, string(m), k, n, tag[:], nonNil(salt), kdf,
			seal(root, keyCheckText, []byte("faro/key-check")), store.Now()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO data_keys (id, wrapped, active, created_at) VALUES (1, ?, 1, ?)",
			seal(root, dk, dataKeyAD(1)), store.Now())
		return err
	})
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.keys, v.active = map[uint32][]byte{1: dk}, 1
	v.mu.Unlock()
	v.notify(v.onOpen)
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func dataKeyAD(id uint32) []byte {
	return []byte("faro/data-key/" + strconv.FormatUint(uint64(id), 10))
}

// Sealed reports whether the data keys are unavailable.
func (v *Vault) Sealed() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys == nil
}

// UnsealPassphrase derives the root key from passphrase and unseals.
func (v *Vault) UnsealPassphrase(ctx context.Context, passphrase string) error {
	c, err := v.Config(ctx)
	if err != nil {
		return err
	}
	if c.Method != Passphrase {
		return ErrWrongMethod
	}
	root := argon2.IDKey([]byte(passphrase), c.salt, c.kdf.Time, c.kdf.MemKiB, c.kdf.Threads, 32)
	defer wipe(root)
	if _, err := open(root, c.check, []byte("faro/key-check")); err != nil {
		return ErrWrongSecret
	}
	return v.unsealWith(ctx, root)
}

// Progress is how far a Shamir unseal has come.
type Progress struct{ Have, Need int }

// AddShare takes one holder's share. When enough shares are in, it
// rebuilds the root key, checks it and unseals. Shares are kept in memory
// only until then; a share that fails to combine clears them all, so a
// wrong share cannot poison later attempts silently.
func (v *Vault) AddShare(ctx context.Context, share string) (Progress, error) {
	c, err := v.Config(ctx)
	if err != nil {
		return Progress{}, err
	}
	if c.Method != Shares {
		return Progress{}, ErrWrongMethod
	}
	tag, part, err := parseShare(share)
	if err != nil {
		return v.progress(c), err
	}
	if tag != c.tag {
		return v.progress(c), ErrShareForeign
	}
	v.mu.Lock()
	if v.keys != nil {
		v.mu.Unlock()
		return Progress{Have: c.Threshold, Need: c.Threshold}, nil
	}
	if v.pending == nil {
		v.pending = map[byte][]byte{}
	}
	x := part[len(part)-1]
	if _, dup := v.pending[x]; dup {
		v.mu.Unlock()
		return v.progress(c), ErrShareDuplicate
	}
	v.pending[x] = part
	if len(v.pending) < c.Threshold {
		v.mu.Unlock()
		return v.progress(c), nil
	}
	// Copies: clearPendingLocked wipes the pending shares in place.
	parts := make([][]byte, 0, len(v.pending))
	for _, p := range v.pending {
		parts = append(parts, append([]byte(nil), p...))
	}
	v.clearPendingLocked()
	v.mu.Unlock()
	defer func() {
		for _, p := range parts {
			wipe(p)
		}
	}()
	root, err := shamir.Combine(parts)
	if err != nil {
		return v.progress(c), ErrSharesWrong
	}
	defer wipe(root)
	if _, err := open(root, c.check, []byte("faro/key-check")); err != nil {
		return v.progress(c), ErrSharesWrong
	}
	if err := v.unsealWith(ctx, root); err != nil {
		return v.progress(c), err
	}
	return Progress{Have: c.Threshold, Need: c.Threshold}, nil
}

func (v *Vault) progress(c *Config) Progress {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return Progress{Have: len(v.pending), Need: c.Threshold}
}

// Progress reports the shares entered so far.
func (v *Vault) Progress(ctx context.Context) (Progress, error) {
	c, err := v.Config(ctx)
	if err != nil {
		return Progress{}, err
	}
	return v.progress(c), nil
}

// ResetShares forgets shares entered so far.
func (v *Vault) ResetShares() {
	v.mu.Lock()
	v.clearPendingLocked()
	v.mu.Unlock()
}

func (v *Vault) clearPendingLocked() {
	for _, p := range v.pending {
		wipe(p)
	}
	v.pending = nil
}

// UnsealShares unseals from a full set of shares at once (the command line).
func (v *Vault) UnsealShares(ctx context.Context, shares []string) error {
	v.ResetShares()
	for _, s := range shares {
		p, err := v.AddShare(ctx, s)
		if err != nil {
			v.ResetShares()
			return err
		}
		if p.Have >= p.Need && !v.Sealed() {
			return nil
		}
	}
	p, _ := v.Progress(ctx)
	v.ResetShares()
	return fmt.Errorf("vault: %d of %d shares given: %w", p.Have, p.Need, ErrTooFewShares)
}

// ErrTooFewShares says more shares are needed.
var ErrTooFewShares = errors.New("not enough shares")

func (v *Vault) unsealWith(ctx context.Context, root []byte) error {
	rows, err := v.db.Query(ctx, "SELECT id, wrapped, active FROM data_keys")
	if err != nil {
		return err
	}
	defer rows.Close()
	keys := map[uint32][]byte{}
	var active uint32
	for rows.Next() {
		var id int64
		var wrapped []byte
		var act int
		if err := rows.Scan(&id, &wrapped, &act); err != nil {
			return err
		}
		k, err := open(root, wrapped, dataKeyAD(uint32(id)))
		if err != nil {
			return fmt.Errorf("vault: data key %d: %w", id, err)
		}
		keys[uint32(id)] = k
		if act == 1 {
			active = uint32(id)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if active == 0 {
		return errors.New("vault: no active data key")
	}
	v.mu.Lock()
	v.keys, v.active = keys, active
	v.mu.Unlock()
	v.notify(v.onOpen)
	return nil
}

// Seal wipes every key from memory. Work in flight that already holds a
// decrypted value finishes; everything after sees ErrSealed.
func (v *Vault) Seal() {
	v.mu.Lock()
	for _, k := range v.keys {
		wipe(k)
	}
	v.keys, v.active = nil, 0
	v.clearPendingLocked()
	v.mu.Unlock()
	v.notify(v.onSeal)
}

// OnSeal registers fn to run after every seal (drop in-memory indexes).
func (v *Vault) OnSeal(fn func()) { v.mu.Lock(); v.onSeal = append(v.onSeal, fn); v.mu.Unlock() }

// OnUnseal registers fn to run after every unseal (build in-memory indexes).
func (v *Vault) OnUnseal(fn func()) { v.mu.Lock(); v.onOpen = append(v.onOpen, fn); v.mu.Unlock() }

func (v *Vault) notify(fns []func()) {
	v.mu.RLock()
	list := append([]func(){}, fns...)
	v.mu.RUnlock()
	for _, fn := range list {
		fn()
	}
}

// RotateKeys makes a new data key the one used for new writes. Older keys
// stay to read what they encrypted. The root key must be supplied again
// (passphrase or shares) because rotation writes a newly wrapped key.
func (v *Vault) RotateKeys(ctx context.Context, root []byte) (uint32, error) {
	if v.Sealed() {
		return 0, ErrSealed
	}
	c, err := v.Config(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := open(root, c.check, []byte("faro/key-check")); err != nil {
		return 0, ErrWrongSecret
	}
	dk := randomKey()
	var id int64
	err = v.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM data_keys").Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE data_keys SET active = 0"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO data_keys (id, wrapped, active, created_at) VALUES (?, ?, 1, ?)",
			id, seal(root, dk, dataKeyAD(uint32(id))), store.Now())
		return err
	})
	if err != nil {
		return 0, err
	}
	v.mu.Lock()
	if v.keys != nil {
		v.keys[uint32(id)], v.active = dk, uint32(id)
	}
	v.mu.Unlock()
	return uint32(id), nil
}

// RootFromPassphrase derives the root key for operations that need it
// again (rotation); the caller wipes it.
func (v *Vault) RootFromPassphrase(ctx context.Context, passphrase string) ([]byte, error) {
	c, err := v.Config(ctx)
	if err != nil {
		return nil, err
	}
	if c.Method != Passphrase {
		return nil, ErrWrongMethod
	}
	return argon2.IDKey([]byte(passphrase), c.salt, c.kdf.Time, c.kdf.MemKiB, c.kdf.Threads, 32), nil
}

// RootFromShares rebuilds the root key from shares and checks it.
func (v *Vault) RootFromShares(ctx context.Context, shares []string) ([]byte, error) {
	c, err := v.Config(ctx)
	if err != nil {
		return nil, err
	}
	var parts [][]byte
	seen := map[byte]bool{}
	for _, s := range shares {
		tag, p, err := parseShare(s)
		if err != nil {
			return nil, err
		}
		if tag != c.tag {
			return nil, ErrShareForeign
		}
		if seen[p[len(p)-1]] {
			return nil, ErrShareDuplicate
		}
		seen[p[len(p)-1]] = true
		parts = append(parts, p)
	}
	if len(parts) < c.Threshold {
		return nil, ErrTooFewShares
	}
	root, err := shamir.Combine(parts)
	if err != nil {
		return nil, ErrSharesWrong
	}
	if _, err := open(root, c.check, []byte("faro/key-check")); err != nil {
		return nil, ErrSharesWrong
	}
	return root, nil
}
