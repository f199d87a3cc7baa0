// Package audit keeps Faro's tamper-evident audit trail: every change and
// every read of sensitive data appends an entry (who, what, which record,
// when; never the content) to an RFC 6962 Merkle tree stored in the
// database. Each append signs a checkpoint of the tree in the C2SP
// signed-note format, so an exported checkpoint later proves that no entry
// up to it was edited, removed or reordered.
package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Actions recorded in the log.
const (
	Create = "create"
	Update = "update"
	Delete = "delete"
	Read   = "read"
	Export = "export"
	Login  = "login"
	Seal   = "seal"
)

// Entry is one audited event. It names records, never their content.
type Entry struct {
	Actor      int64  // account id; 0 for the system or the command line
	Action     string // one of the constants above
	RecordType string // table or domain name, e.g. "user", "evidence"
	RecordID   string
}

// leaf is the exact byte form hashed into the tree. Its fields repeat the
// row's columns, so editing either is caught.
type leaf struct {
	Idx    uint64 `json:"idx"`
	At     int64  `json:"at"`
	Actor  int64  `json:"actor"`
	Action string `json:"action"`
	Type   string `json:"type"`
	ID     string `json:"id"`
}

var factory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// Log appends to and reads the audit trail.
type Log struct {
	db    *store.DB
	vault *vault.Vault
	Now   func() time.Time

	// signerMu guards cached: the parsed signing key, kept while the vault
	// is unsealed. Reading, decrypting and parsing it for every entry was a
	// query, a decryption and an ed25519 key expansion per append, about a
	// tenth of the CPU of creating an incident through the API. It is
	// dropped when the vault seals, like every other key in memory.
	signerMu sync.Mutex
	cached   note.Signer
}

const signingKeySecret = "audit-signing-key"

// New returns the audit log of db; its signing key is kept encrypted by v.
func New(db *store.DB, v *vault.Vault) *Log {
	l := &Log{db: db, vault: v, Now: time.Now}
	v.OnSeal(l.forgetSigner)
	return l
}

func (l *Log) forgetSigner() {
	l.signerMu.Lock()
	l.cached = nil
	l.signerMu.Unlock()
}

// lockKey serialises appends across processes sharing PostgreSQL.
const lockKey = 0x61756469 // "audi"

// Append adds e to the log inside tx, the transaction of the change it
// records: both commit or neither does.
func (l *Log) Append(ctx context.Context, tx *store.Tx, e Entry) error {
	if tx.Dialect == store.Postgres {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", lockKey); err != nil {
			return err
		}
	}
	size, hashes, err := readHead(ctx, tx)
	if err != nil {
		return err
	}
	lf := leaf{Idx: size, At: l.Now().Unix(), Actor: e.Actor, Action: e.Action, Type: e.RecordType, ID: e.RecordID}
	data, err := json.Marshal(lf)
	if err != nil {
		return err
	}
	r, err := factory.NewRange(0, size, hashes)
	if err != nil {
		return fmt.Errorf("audit head corrupt: %w", err)
	}
	if err := r.Append(rfc6962.DefaultHasher.HashLeaf(data), nil); err != nil {
		return err
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return err
	}
	cp, err := l.signCheckpoint(ctx, tx, size+1, root)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (idx, at, actor, action, record_type, record_id, leaf) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		int64(lf.Idx), lf.At, lf.Actor, lf.Action, lf.Type, lf.ID, data); err != nil {
		return err
	}
	packed := packHashes(r.Hashes())
	if size == 0 {
		_, err = tx.Exec(ctx, "INSERT INTO audit_head (id, size, root, range_hashes, checkpoint) VALUES (1, ?, ?, ?, ?)", int64(size+1), root, packed, cp)
	} else {
		_, err = tx.Exec(ctx, "UPDATE audit_head SET size = ?, root = ?, range_hashes = ?, checkpoint = ? WHERE id = 1", int64(size+1), root, packed, cp)
	}
	return err
}

// Record appends e in a transaction of its own, for events that change
// nothing else (reads, exports).
func (l *Log) Record(ctx context.Context, e Entry) error {
	return l.db.InTx(ctx, func(tx *store.Tx) error { return l.Append(ctx, tx, e) })
}

func readHead(ctx context.Context, q store.Querier) (uint64, [][]byte, error) {
	var size int64
	var packed []byte
	err := q.QueryRow(ctx, "SELECT size, range_hashes FROM audit_head WHERE id = 1").Scan(&size, &packed)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	hashes, err := unpackHashes(packed)
	return uint64(size), hashes, err
}

func packHashes(hs [][]byte) []byte {
	out := make([]byte, 0, 32*len(hs))
	for _, h := range hs {
		out = append(out, h...)
	}
	return out
}

func unpackHashes(b []byte) ([][]byte, error) {
	if len(b)%32 != 0 {
		return nil, errors.New("audit: malformed range hashes")
	}
	out := make([][]byte, 0, len(b)/32)
	for i := 0; i < len(b); i += 32 {
		out = append(out, b[i:i+32])
	}
	return out, nil
}

// checkpointText is the C2SP tlog-checkpoint body.
func checkpointText(origin string, size uint64, root []byte) string {
	return origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root) + "\n"
}

// signCheckpoint signs the new tree head with the instance key.
func (l *Log) signCheckpoint(ctx context.Context, q store.Querier, size uint64, root []byte) (string, error) {
	signer, err := l.signer(ctx, q)
	if err != nil {
		return "", err
	}
	msg, err := note.Sign(&note.Note{Text: checkpointText(signer.Name(), size, root)}, signer)
	return string(msg), err
}

func (l *Log) signer(ctx context.Context, q store.Querier) (note.Signer, error) {
	l.signerMu.Lock()
	defer l.signerMu.Unlock()
	// An append that decrypted the key just before a seal could otherwise
	// leave it cached after forgetSigner ran.
	if l.vault.Sealed() {
		l.cached = nil
		return nil, vault.ErrSealed
	}
	if l.cached != nil {
		return l.cached, nil
	}
	s, err := l.loadSigner(ctx, q)
	if err != nil {
		return nil, err
	}
	l.cached = s
	return s, nil
}

func (l *Log) loadSigner(ctx context.Context, q store.Querier) (note.Signer, error) {
	var enc []byte
	err := q.QueryRow(ctx, "SELECT value FROM secrets WHERE name = ?", signingKeySecret).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errors.New("audit: no signing key (faro init creates it)")
	}
	if err != nil {
		return nil, err
	}
	skey, err := l.vault.Decrypt(vault.Location{Table: "secrets", Record: signingKeySecret, Field: "value"}, enc)
	if err != nil {
		return nil, err
	}
	return note.NewSigner(string(skey))
}

// CreateSigningKey makes the instance's ed25519 checkpoint key, stores the
// private half encrypted and the public half in the clear, and returns
// the public verifier key. Run once at init, with the vault unsealed.
func CreateSigningKey(ctx context.Context, db *store.DB, v *vault.Vault, origin string) (string, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", err
	}
	enc, err := v.Encrypt(vault.Location{Table: "secrets", Record: signingKeySecret, Field: "value"}, []byte(skey))
	if err != nil {
		return "", err
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO secrets (name, value) VALUES (?, ?)", signingKeySecret, enc); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('audit_verifier_key', ?)", vkey)
		return err
	})
	return vkey, err
}

// VerifierKey returns the public key that checks checkpoints.
func VerifierKey(ctx context.Context, db *store.DB) (string, error) {
	var vkey string
	err := db.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'audit_verifier_key'").Scan(&vkey)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errors.New("audit: no verifier key")
	}
	return vkey, err
}

// Checkpoint returns the latest signed checkpoint, for export.
func (l *Log) Checkpoint(ctx context.Context) (string, error) {
	var cp string
	err := l.db.QueryRow(ctx, "SELECT checkpoint FROM audit_head WHERE id = 1").Scan(&cp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errors.New("audit: the log is empty")
	}
	return cp, err
}

// Event is a stored entry, for display.
type Event struct {
	Idx   int64
	At    int64
	Actor int64
	Entry
}

// Of lists the entries about one record, newest first; action "" means all.
func (l *Log) Of(ctx context.Context, recordType, recordID, action string) ([]Event, error) {
	q := "SELECT idx, at, actor, action, record_type, record_id FROM audit_log WHERE record_type = ? AND record_id = ?"
	args := []any{recordType, recordID}
	if action != "" {
		q += " AND action = ?"
		args = append(args, action)
	}
	rows, err := l.db.Query(ctx, q+" ORDER BY idx DESC LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		if err := rows.Scan(&ev.Idx, &ev.At, &ev.Actor, &ev.Action, &ev.RecordType, &ev.RecordID); err != nil {
			return nil, err
		}
		ev.Entry.Actor = ev.Actor
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Origin returns a log origin line for an instance name: the C2SP format
// wants no spaces or plus signs.
func Origin(instance string) string {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '+' || r < 0x21 {
			return '-'
		}
		return r
	}, instance)
	return "faro/" + s
}

type actorKey struct{}

// WithActor returns a context naming the account acting in it; the web
// layer sets it for each signed-in request.
func WithActor(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, actorKey{}, id)
}

// ActorOf returns the acting account of ctx, or 0 for the system.
func ActorOf(ctx context.Context) int64 {
	id, _ := ctx.Value(actorKey{}).(int64)
	return id
}
