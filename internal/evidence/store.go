// Package evidence keeps evidence files: photos of injuries, medical
// reports, recordings. Uploads are streamed to disk, hashed (SHA-256 of
// the raw bytes as they arrive, before anything else touches them) and
// encrypted in authenticated chunks under a per-file key; the file is
// fsynced and renamed into place before the database row that points to
// it commits. The original is kept bit-exact for courts; what is shown or
// published is a derivative with metadata stripped.
package evidence

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

var (
	ErrTooLarge = errors.New("evidence: file too large")
	ErrEmpty    = errors.New("evidence: file is empty")
	ErrNotFound = errors.New("evidence: no such file")
)

// DefaultMaxSize bounds one upload.
const DefaultMaxSize = 100 << 20

// Store keeps evidence files under a directory.
type Store struct {
	Dir     string
	DB      *store.DB
	Cipher  vault.Cipher
	Audit   *audit.Log
	MaxSize int64
	started time.Time
}

// New returns a store keeping files in dir.
func New(dir string, db *store.DB, c vault.Cipher, a *audit.Log) *Store {
	return &Store{Dir: dir, DB: db, Cipher: c, Audit: a, MaxSize: DefaultMaxSize, started: time.Now()}
}

// File describes a stored evidence file. Name is sensitive (file names
// often hold people's names) and travels encrypted with the key.
type File struct {
	ID          string
	SHA256      string
	Size        int64
	ContentType string // sniffed from the bytes, not taken from the client
	Name        string
	CreatedBy   int64
	CreatedAt   int64
}

// meta is encrypted as one field of the row.
type meta struct {
	Name string `json:"name"`
	Key  []byte `json:"key"`
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// validID reports whether id is shaped like newID's ids (32 lowercase hex
// digits), so that it can name a file path safely.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(id string) string { return filepath.Join(s.Dir, id[:2], id+".fev") }

func metaLoc(id string) vault.Location {
	return vault.Location{Table: "evidence", Record: id, Field: "meta"}
}

// Put streams src into the store. name is the file name the user gave.
func (s *Store) Put(ctx context.Context, src io.Reader, name string) (*File, error) {
	id := newID()
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Join(s.Dir, id[:2]), 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(s.Dir, "upload-*.tmp")
	if err != nil {
		return nil, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // no-op after a successful rename
	}()
	h := sha256.New()
	sniff := make([]byte, 0, 512)
	limited := &limitReader{r: src, left: s.MaxSize + 1}
	size, err := encryptStream(tmp, limited, key, func(b []byte) {
		h.Write(b)
		if len(sniff) < 512 {
			sniff = append(sniff, b[:min(len(b), 512-len(sniff))]...)
		}
	})
	if err != nil {
		return nil, err
	}
	if size > s.MaxSize {
		return nil, ErrTooLarge
	}
	if size == 0 {
		return nil, ErrEmpty
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	f := &File{ID: id, SHA256: hex.EncodeToString(h.Sum(nil)), Size: size, ContentType: sniffType(sniff),
		Name: cleanName(name), CreatedBy: audit.ActorOf(ctx), CreatedAt: store.Now()}
	m, err := json.Marshal(meta{Name: f.Name, Key: key})
	if err != nil {
		return nil, err
	}
	encMeta, err := s.Cipher.Encrypt(metaLoc(id), m)
	if err != nil {
		return nil, err
	}
	final := s.path(id)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO evidence (id, sha256, size, content_type, meta, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, f.ID, f.SHA256, f.Size, f.ContentType, encMeta, f.CreatedBy, f.CreatedAt); err != nil {
			return err
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: f.CreatedBy, Action: audit.Create, RecordType: "evidence", RecordID: id})
	})
	if err != nil {
		os.Remove(final)
		return nil, err
	}
	return f, nil
}

type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// safeTypes are served as themselves; anything else downloads as bytes.
var safeTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain; charset=utf-8": true, "audio/mpeg": true,
	"audio/wave": true, "audio/ogg": true, "video/mp4": true, "video/webm": true, "application/ogg": true,
}

func sniffType(b []byte) string {
	t := http.DetectContentType(b)
	if safeTypes[t] {
		return t
	}
	return "application/octet-stream"
}

// cleanName keeps a file name printable and bounded.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '/':
			return '_'
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
			// Bidirectional controls can make "gpj.exe" read as "exe.jpg".
			return -1
		}
		return r
	}, name)
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if len(name) > 200 {
		name = name[:200]
		name = strings.ToValidUTF8(name, "")
	}
	if name == "" || name == "." || name == ".." {
		name = "evidence"
	}
	return name
}

// Stat loads a file's description (decrypting its name).
func (s *Store) Stat(ctx context.Context, id string) (*File, []byte, error) {
	var f File
	var encMeta []byte
	err := s.DB.QueryRow(ctx, "SELECT id, sha256, size, content_type, meta, created_by, created_at FROM evidence WHERE id = ?", id).
		Scan(&f.ID, &f.SHA256, &f.Size, &f.ContentType, &encMeta, &f.CreatedBy, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	raw, err := s.Cipher.Decrypt(metaLoc(id), encMeta)
	if err != nil {
		return nil, nil, err
	}
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, ErrCorrupt
	}
	f.Name = m.Name
	return &f, m.Key, nil
}

// Open returns the file's description and a reader of its original bytes.
// The read is recorded in the audit log first: no audit, no bytes.
func (s *Store) Open(ctx context.Context, id string) (*File, io.ReadCloser, error) {
	f, key, err := s.Stat(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Audit.Record(ctx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Read, RecordType: "evidence", RecordID: id}); err != nil {
		return nil, nil, err
	}
	rc, err := s.openBlob(id, key)
	return f, rc, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (s *Store) openBlob(id string, key []byte) (io.ReadCloser, error) {
	fh, err := os.Open(s.path(id))
	if err != nil {
		return nil, fmt.Errorf("evidence %s: %w", id, err)
	}
	d, err := newDecryptReader(fh, key)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return readCloser{d, fh}, nil
}

// Owner returns the account that uploaded a file.
func (s *Store) Owner(ctx context.Context, id string) (int64, error) {
	var by int64
	err := s.DB.QueryRow(ctx, "SELECT created_by FROM evidence WHERE id = ?", id).Scan(&by)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return by, err
}

// List returns the files uploaded by createdBy (0 for everyone's), newest
// first, names decrypted.
func (s *Store) List(ctx context.Context, createdBy int64) ([]*File, error) {
	rows, err := s.DB.Query(ctx, "SELECT id FROM evidence WHERE ? = 0 OR created_by = ? ORDER BY created_at DESC, id", createdBy, createdBy)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*File, 0, len(ids))
	for _, id := range ids {
		f, _, err := s.Stat(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Verify decrypts every stored file and compares its SHA-256 with the one
// recorded at upload. It returns the number checked and one line per file
// that fails.
func (s *Store) Verify(ctx context.Context) (int, []string, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, sha256 FROM evidence ORDER BY id")
	if err != nil {
		return 0, nil, err
	}
	type rec struct{ id, sum string }
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.id, &r.sum); err != nil {
			rows.Close()
			return 0, nil, err
		}
		recs = append(recs, r)
	}
	rows.Close()
	var bad []string
	for _, r := range recs {
		_, key, err := s.Stat(ctx, r.id)
		if err != nil {
			bad = append(bad, fmt.Sprintf("evidence %s: metadata does not decrypt", r.id))
			continue
		}
		rc, err := s.openBlob(r.id, key)
		if err != nil {
			bad = append(bad, fmt.Sprintf("evidence %s: file missing or unreadable", r.id))
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("evidence %s: file does not authenticate (edited or truncated)", r.id))
		case hex.EncodeToString(h.Sum(nil)) != r.sum:
			bad = append(bad, fmt.Sprintf("evidence %s: SHA-256 differs from the one recorded at upload", r.id))
		}
	}
	return len(recs), bad, nil
}

// Sweep removes what an interrupted upload left behind: temporary files,
// and files renamed into place whose database row never committed. Only
// files older than olderThan are touched, so that uploads in flight in
// another process sharing the database are left alone.
func (s *Store) Sweep(ctx context.Context, olderThan time.Time) (int, error) {
	removed := 0
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	old := func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && fi.ModTime().Before(olderThan)
	}
	for _, e := range entries {
		p := filepath.Join(s.Dir, e.Name())
		if !e.IsDir() {
			if strings.HasSuffix(e.Name(), ".tmp") && old(p) {
				if os.Remove(p) == nil {
					removed++
				}
			}
			continue
		}
		files, err := os.ReadDir(p)
		if err != nil {
			return removed, err
		}
		for _, f := range files {
			id := strings.TrimSuffix(f.Name(), ".fev")
			fp := filepath.Join(p, f.Name())
			if !old(fp) {
				continue
			}
			var n int
			if err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM evidence WHERE id = ?", id).Scan(&n); err != nil {
				return removed, err
			}
			if n == 0 && os.Remove(fp) == nil {
				removed++
			}
		}
	}
	return removed, nil
}

// RemoveOrphans deletes the files of ids whose rows are gone (the record
// they belonged to was deleted), and reports how many it removed. A file
// whose row still exists is kept.
func (s *Store) RemoveOrphans(ctx context.Context, ids ...string) (int, error) {
	removed := 0
	for _, id := range ids {
		if !validID(id) {
			continue
		}
		var n int
		if err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM evidence WHERE id = ?", id).Scan(&n); err != nil {
			return removed, err
		}
		if n == 0 && os.Remove(s.path(id)) == nil {
			removed++
		}
	}
	return removed, nil
}

// Started is when this store was created; sweeping files older than that
// is safe for a single process.
func (s *Store) Started() time.Time { return s.started }
