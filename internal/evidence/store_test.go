package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/vault"
)

const testPassphrase = "evidence test passphrase"

type fixture struct {
	db    *store.DB
	v     *vault.Vault
	log   *audit.Log
	vkey  string
	store *Store
}

// newFixture builds what faro init leaves: an unsealed vault, the audit
// signing key, and an evidence store in a fresh directory.
func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	v := vault.New(db)
	v.KDF = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
	if err := v.InitPassphrase(ctx, testPassphrase); err != nil {
		t.Fatal(err)
	}
	vkey, err := audit.CreateSigningKey(ctx, db, v, "faro/evidence-test")
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(db, v)
	return &fixture{db: db, v: v, log: log, vkey: vkey, store: New(filepath.Join(t.TempDir(), "evidence"), db, v, log)}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// readAll opens id and reads it to the end.
func (fx *fixture) readAll(t *testing.T, id string) (*File, []byte, error) {
	t.Helper()
	f, rc, err := fx.store.Open(context.Background(), id)
	if err != nil {
		return f, nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return f, b, err
}

// files lists the regular files under the store's directory.
func (fx *fixture) files(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(fx.store.Dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (fx *fixture) rows(t *testing.T) int {
	t.Helper()
	var n int
	if err := fx.db.QueryRow(context.Background(), "SELECT COUNT(*) FROM evidence").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (fx *fixture) auditOK(t *testing.T) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), fx.db, fx.vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("audit log: %v", rep.Problems)
	}
}

// storedSize is the length of the encrypted form of n plaintext bytes.
func storedSize(n int) int64 {
	chunks := (n + chunkSize - 1) / chunkSize
	if chunks == 0 {
		chunks = 1
	}
	return int64(headerSize + n + chunks*overhead)
}

func TestPutOpenRoundTrip(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		if _, err := fx.store.Put(ctx, bytes.NewReader(nil), "empty.txt"); !errors.Is(err, ErrEmpty) {
			t.Fatalf("empty upload: %v, want ErrEmpty", err)
		}
		if len(fx.files(t)) != 0 || fx.rows(t) != 0 {
			t.Fatal("an empty upload left a file or a row")
		}
		for _, size := range []int{1, 65535, 65536, 65537, 3 * 65536, 3*65536 + 1, 1 << 20} {
			data := randomBytes(size)
			f, err := fx.store.Put(audit.WithActor(ctx, 7), bytes.NewReader(data), "scan.bin")
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			if f.Size != int64(size) || f.SHA256 != sum(data) || f.Name != "scan.bin" || f.CreatedBy != 7 || len(f.ID) != 32 {
				t.Fatalf("size %d: put returned %+v", size, f)
			}
			fi, err := os.Stat(fx.store.path(f.ID))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() != storedSize(size) {
				t.Fatalf("size %d: stored file has %d bytes, want %d", size, fi.Size(), storedSize(size))
			}
			got, b, err := fx.readAll(t, f.ID)
			if err != nil {
				t.Fatalf("size %d: read: %v", size, err)
			}
			if !bytes.Equal(b, data) {
				t.Fatalf("size %d: read back different bytes", size)
			}
			if *got != *f {
				t.Fatalf("size %d: Open describes %+v, Put said %+v", size, got, f)
			}
			st, key, err := fx.store.Stat(ctx, f.ID)
			if err != nil || *st != *f || len(key) != 32 {
				t.Fatalf("Stat: %v", err)
			}
			reads, _ := fx.log.Of(ctx, "evidence", f.ID, audit.Read)
			creates, _ := fx.log.Of(ctx, "evidence", f.ID, audit.Create)
			if len(reads) != 1 || len(creates) != 1 || creates[0].Actor != 7 {
				t.Fatalf("size %d: audit has %d reads and %d creates", size, len(reads), len(creates))
			}
		}
		list, err := fx.store.List(ctx, 0)
		if err != nil || len(list) != 7 {
			t.Fatalf("List: %d files, %v", len(list), err)
		}
		if _, _, err := fx.store.Open(ctx, "0123456789abcdef0123456789abcdef"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
		n, bad, err := fx.store.Verify(ctx)
		if err != nil || n != 7 || len(bad) != 0 {
			t.Fatalf("Verify: %d, %v, %v", n, bad, err)
		}
		fx.auditOK(t)
	})
}

func TestStoredFileIsOpaque(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		marker := []byte("FARO-MARKER-7f3a9c1e5b2d8f4a6c0e")
		if len(marker) != 32 {
			t.Fatal("marker length")
		}
		// The marker at the start, straddling a chunk boundary, and at the end.
		data := bytes.Repeat([]byte("plain text of a medical report. "), 4096)
		copy(data, marker)
		copy(data[chunkSize-10:], marker)
		data = append(data, marker...)
		name := "Informe-medico-Mariam-Diallo-2024.pdf"
		f, err := fx.store.Put(ctx, bytes.NewReader(data), name)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := os.ReadFile(fx.store.path(f.ID))
		if err != nil {
			t.Fatal(err)
		}
		for what, secret := range map[string][]byte{
			"plaintext marker": marker, "file name": []byte(name), "name part": []byte("Mariam"),
			"plaintext": []byte("plain text of a medical"),
		} {
			if bytes.Contains(stored, secret) {
				t.Fatalf("%s leaked into the stored file", what)
			}
		}
		if strings.Contains(fx.store.path(f.ID), "Mariam") {
			t.Fatal("the file name leaked into the path")
		}
		var meta []byte
		db.QueryRow(ctx, "SELECT meta FROM evidence WHERE id = ?", f.ID).Scan(&meta)
		if bytes.Contains(meta, []byte("Mariam")) {
			t.Fatal("the file name is stored in the clear")
		}
		_, key, _ := fx.store.Stat(ctx, f.ID)
		if bytes.Contains(meta, key) || bytes.Contains(stored, key) {
			t.Fatal("the file key is stored in the clear")
		}
		// Two uploads of the same bytes are stored differently.
		g, err := fx.store.Put(ctx, bytes.NewReader(data), name)
		if err != nil {
			t.Fatal(err)
		}
		stored2, _ := os.ReadFile(fx.store.path(g.ID))
		if bytes.Equal(stored[headerSize:headerSize+64], stored2[headerSize:headerSize+64]) || g.SHA256 != f.SHA256 {
			t.Fatal("equal uploads share ciphertext")
		}
	})
}

func TestStoredFileTampering(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		data := randomBytes(3*chunkSize + 100)
		f, err := fx.store.Put(ctx, bytes.NewReader(data), "x.bin")
		if err != nil {
			t.Fatal(err)
		}
		path := fx.store.path(f.ID)
		orig, _ := os.ReadFile(path)
		full := chunkSize + overhead
		chunk := func(i int) []byte { return orig[headerSize+i*full : min(headerSize+(i+1)*full, len(orig))] }
		cases := map[string][]byte{
			"truncated to header":    orig[:headerSize],
			"truncated mid-chunk":    orig[:headerSize+full+500],
			"last chunk dropped":     orig[:headerSize+3*full],
			"truncated by one byte":  orig[:len(orig)-1],
			"empty":                  {},
			"chunks 0 and 1 swapped": concat(orig[:headerSize], chunk(1), chunk(0), chunk(2), chunk(3)),
			"chunks 1 and 2 swapped": concat(orig[:headerSize], chunk(0), chunk(2), chunk(1), chunk(3)),
			"middle chunk dropped":   concat(orig[:headerSize], chunk(0), chunk(2), chunk(3)),
			"chunk appended":         concat(orig, chunk(0)),
			"last chunk repeated":    concat(orig, chunk(3)),
			"bytes appended":         concat(orig, []byte("more")),
			"byte flipped in chunk":  flip(orig, headerSize+full+77),
			"byte flipped in tag":    flip(orig, len(orig)-1),
			"byte flipped in prefix": flip(orig, len(magic)+3),
			"magic changed":          flip(orig, 0),
		}
		for name, bad := range cases {
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			_, got, err := fx.readAll(t, f.ID)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: read error %v, want ErrCorrupt", name, err)
			}
			if !bytes.HasPrefix(data, got) || len(got) >= len(data) || len(got)%chunkSize != 0 {
				t.Fatalf("%s: %d bytes returned before the error are not whole authenticated chunks of the original", name, len(got))
			}
			_, bad2, err := fx.store.Verify(ctx)
			if err != nil || len(bad2) != 1 || !strings.Contains(bad2[0], f.ID) {
				t.Fatalf("%s: Verify reported %v, %v", name, bad2, err)
			}
		}
		// Another record's file (another key) in its place.
		g, err := fx.store.Put(ctx, bytes.NewReader(data), "y.bin")
		if err != nil {
			t.Fatal(err)
		}
		other, _ := os.ReadFile(fx.store.path(g.ID))
		os.WriteFile(path, other, 0o600)
		if _, got, err := fx.readAll(t, f.ID); !errors.Is(err, ErrCorrupt) || len(got) != 0 {
			t.Fatalf("another record's file: %v, %d bytes", err, len(got))
		}
		os.WriteFile(path, orig, 0o600)
		if _, got, err := fx.readAll(t, f.ID); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("restored file: %v", err)
		}
	})
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x20
	return c
}

func TestVerifyReportsProblems(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		var ids []string
		for i := 0; i < 4; i++ {
			f, err := fx.store.Put(ctx, bytes.NewReader(randomBytes(1000+i)), "f.bin")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, f.ID)
		}
		if n, bad, err := fx.store.Verify(ctx); err != nil || n != 4 || len(bad) != 0 {
			t.Fatalf("clean Verify: %d %v %v", n, bad, err)
		}
		os.WriteFile(fx.store.path(ids[0]), flip(mustRead(t, fx.store.path(ids[0])), headerSize+10), 0o600)
		os.Remove(fx.store.path(ids[1]))
		if _, err := db.Exec(ctx, "UPDATE evidence SET sha256 = ? WHERE id = ?", sum([]byte("other")), ids[2]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "UPDATE evidence SET meta = ? WHERE id = ?", []byte("garbage"), ids[3]); err != nil {
			t.Fatal(err)
		}
		n, bad, err := fx.store.Verify(ctx)
		if err != nil || n != 4 {
			t.Fatalf("Verify: %d, %v", n, err)
		}
		want := map[string]string{
			ids[0]: "does not authenticate",
			ids[1]: "missing",
			ids[2]: "SHA-256 differs",
			ids[3]: "metadata does not decrypt",
		}
		if len(bad) != len(want) {
			t.Fatalf("Verify reported %d problems: %v", len(bad), bad)
		}
		for id, w := range want {
			found := false
			for _, line := range bad {
				found = found || strings.Contains(line, id) && strings.Contains(line, w)
			}
			if !found {
				t.Fatalf("Verify did not report %q for a file: %v", w, bad)
			}
		}
		for _, line := range bad {
			if strings.Contains(line, "f.bin") {
				t.Fatal("Verify output names the file")
			}
		}
		// A missing file also fails Open rather than returning nothing.
		if _, _, err := fx.readAll(t, ids[1]); err == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("open of a missing file: %v", err)
		}
	})
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestMaxSize(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		fx.store.MaxSize = 100_000
		kept, err := fx.store.Put(ctx, bytes.NewReader(randomBytes(100_000)), "exact.bin")
		if err != nil {
			t.Fatalf("a file of exactly MaxSize: %v", err)
		}
		before := fx.files(t)
		for _, src := range []io.Reader{
			bytes.NewReader(randomBytes(100_001)),
			bytes.NewReader(randomBytes(3 * chunkSize)),
			zeros{},
		} {
			cr := &countingReader{r: src}
			f, err := fx.store.Put(ctx, cr, "big.bin")
			if !errors.Is(err, ErrTooLarge) || f != nil {
				t.Fatalf("oversized upload: %v", err)
			}
			if cr.n > fx.store.MaxSize+1 {
				t.Fatalf("read %d bytes of an oversized upload; at most MaxSize+1 needed", cr.n)
			}
		}
		if after := fx.files(t); len(after) != len(before) {
			t.Fatalf("oversized uploads left files behind: %v", after)
		}
		if fx.rows(t) != 1 {
			t.Fatalf("%d rows", fx.rows(t))
		}
		evs, _ := fx.log.Of(ctx, "evidence", kept.ID, "")
		if len(evs) != 1 {
			t.Fatal("audit entries for the kept file")
		}
		fx.auditOK(t)
	})
}

type failingReader struct{ left int }

var errRead = errors.New("connection reset")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errRead
	}
	n := min(len(p), f.left)
	clear(p[:n])
	f.left -= n
	return n, nil
}

func TestPutFailuresLeaveNothing(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)

		if _, err := fx.store.Put(ctx, &failingReader{left: 200_000}, "cut.bin"); !errors.Is(err, errRead) {
			t.Fatalf("interrupted upload: %v", err)
		}
		// The row and audit entry cannot be written (the audit log's vault
		// is sealed): the file renamed into place is removed again.
		sealedLog := audit.New(db, vault.New(db))
		broken := New(fx.store.Dir, db, fx.v, sealedLog)
		if _, err := broken.Put(ctx, bytes.NewReader([]byte("hello")), "a.txt"); err == nil {
			t.Fatal("Put succeeded without an audit entry")
		}
		// Sealed vault: nothing can be encrypted.
		fx.v.Seal()
		if _, err := fx.store.Put(ctx, bytes.NewReader([]byte("hello")), "a.txt"); !errors.Is(err, vault.ErrSealed) {
			t.Fatalf("put while sealed: %v", err)
		}
		if files := fx.files(t); len(files) != 0 {
			t.Fatalf("failed uploads left %d files", len(files))
		}
		if fx.rows(t) != 0 {
			t.Fatal("failed uploads left rows")
		}
		// Nothing was appended: the log is as empty as it started (an
		// empty log fails verification, so it is not checked here).
		var n int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log").Scan(&n); err != nil || n != 0 {
			t.Fatalf("failed uploads left %d audit entries (%v)", n, err)
		}
	})
}

func TestOpenNeedsAudit(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		f, err := fx.store.Put(ctx, bytes.NewReader([]byte("a statement")), "s.txt")
		if err != nil {
			t.Fatal(err)
		}
		noAudit := New(fx.store.Dir, db, fx.v, audit.New(db, vault.New(db)))
		if _, rc, err := noAudit.Open(ctx, f.ID); err == nil || rc != nil {
			t.Fatal("bytes were served without an audit entry")
		}
		fx.v.Seal()
		if _, rc, err := fx.store.Open(ctx, f.ID); !errors.Is(err, vault.ErrSealed) || rc != nil {
			t.Fatalf("open while sealed: %v", err)
		}
		if _, err := fx.store.List(ctx, 0); !errors.Is(err, vault.ErrSealed) {
			t.Fatalf("list while sealed: %v", err)
		}
	})
}

func TestPutOrdering(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		data := randomBytes(70_000)
		f, err := fx.store.Put(ctx, bytes.NewReader(data), "a.bin")
		if err != nil {
			t.Fatal(err)
		}
		final := fx.store.path(f.ID)
		if final != filepath.Join(fx.store.Dir, f.ID[:2], f.ID+".fev") {
			t.Fatalf("final path %s", final)
		}
		fi, err := os.Lstat(final)
		if err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("final file: %v", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Fatalf("stored file mode %v is readable by others", fi.Mode().Perm())
		}
		di, _ := os.Stat(filepath.Dir(final))
		if di.Mode().Perm()&0o077 != 0 {
			t.Fatalf("evidence directory mode %v is open to others", di.Mode().Perm())
		}
		if files := fx.files(t); len(files) != 1 || files[0] != final {
			t.Fatalf("files after Put: %v", files)
		}
		// The row is committed and visible on a fresh read.
		var sha string
		if err := db.QueryRow(ctx, "SELECT sha256 FROM evidence WHERE id = ?", f.ID).Scan(&sha); err != nil || sha != sum(data) {
			t.Fatalf("row after Put: %v", err)
		}
		if !bytes.HasPrefix(mustRead(t, final), []byte(magic)) {
			t.Fatal("final file is not an encrypted evidence file")
		}
	})
}

func TestContentSniffing(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		var pngBuf bytes.Buffer
		img := image.NewRGBA(image.Rect(0, 0, 4, 4))
		img.Set(1, 1, color.RGBA{R: 255, A: 255})
		png.Encode(&pngBuf, img)
		cases := []struct {
			name, data, want string
		}{
			{"holiday.exe", pngBuf.String(), "image/png"},
			{"report.png", "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "application/octet-stream"},
			{"x.jpg", "<html><body onload=alert(1)>", "application/octet-stream"},
			{"image.svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, "application/octet-stream"},
			// Not recognised as markup: plain text, which nosniff and
			// the attachment disposition keep inert.
			{"y.gif", "<svg onload=alert(1)>", "text/plain; charset=utf-8"},
			{"notes.html", "Meeting notes, nothing else.\n", "text/plain; charset=utf-8"},
			{"scan", "%PDF-1.4\n%âãÏÓ\n1 0 obj\n", "application/pdf"},
			{"a.pdf", "\x00\x01\x02\x03binary", "application/octet-stream"},
			{"photo.png", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"},
			{"m.txt", "GIF89a\x01\x00\x01\x00", "image/gif"},
		}
		for _, c := range cases {
			f, err := fx.store.Put(ctx, strings.NewReader(c.data), c.name)
			if err != nil {
				t.Fatal(err)
			}
			if f.ContentType != c.want {
				t.Errorf("%s: stored as %q, want %q", c.name, f.ContentType, c.want)
			}
			st, _, _ := fx.store.Stat(ctx, f.ID)
			if st.ContentType != c.want {
				t.Errorf("%s: row says %q", c.name, st.ContentType)
			}
		}
	})
}

func TestSniffTypeOnlySafeTypes(t *testing.T) {
	for _, in := range []string{"", "<html>", "<script>", "<?xml version='1.0'?>", "\x1f\x8b\x08", "PK\x03\x04", "MZ\x90\x00", "{\"a\":1}", "%!PS-Adobe-"} {
		if got := sniffType([]byte(in)); !safeTypes[got] && got != "application/octet-stream" {
			t.Errorf("sniffType(%q) = %q", in, got)
		}
		if got := sniffType([]byte(in)); strings.Contains(got, "html") || strings.Contains(got, "xml") || strings.Contains(got, "javascript") || strings.Contains(got, "postscript") {
			t.Errorf("sniffType(%q) = %q, which a browser may run", in, got)
		}
	}
}

func TestSweep(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		dir := fx.store.Dir
		if n, err := New(filepath.Join(t.TempDir(), "none"), db, fx.v, fx.log).Sweep(ctx, time.Now()); err != nil || n != 0 {
			t.Fatalf("sweep of a missing directory: %d, %v", n, err)
		}
		kept, err := fx.store.Put(ctx, bytes.NewReader([]byte("keep me")), "k.txt")
		if err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-2 * time.Hour)
		cutoff := time.Now().Add(-time.Hour)
		write := func(p string, age time.Time) string {
			t.Helper()
			os.MkdirAll(filepath.Dir(p), 0o700)
			if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, age, age); err != nil {
				t.Fatal(err)
			}
			return p
		}
		orphanID := "ab" + strings.Repeat("0", 30)
		newOrphanID := "cd" + strings.Repeat("1", 30)
		oldTmp := write(filepath.Join(dir, "upload-123.tmp"), old)
		newTmp := write(filepath.Join(dir, "upload-456.tmp"), time.Now())
		oldOrphan := write(filepath.Join(dir, "ab", orphanID+".fev"), old)
		newOrphan := write(filepath.Join(dir, "cd", newOrphanID+".fev"), time.Now())
		other := write(filepath.Join(dir, "README"), old)
		keptPath := fx.store.path(kept.ID)
		os.Chtimes(keptPath, old, old)

		n, err := fx.store.Sweep(ctx, cutoff)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("Sweep removed %d files, want 2", n)
		}
		for _, p := range []string{oldTmp, oldOrphan} {
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s not removed", filepath.Base(p))
			}
		}
		for _, p := range []string{newTmp, newOrphan, other, keptPath} {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s removed", filepath.Base(p))
			}
		}
		if _, got, err := fx.readAll(t, kept.ID); err != nil || string(got) != "keep me" {
			t.Fatalf("kept file: %v", err)
		}
		// Sweeping with the start time of a fresh store leaves a file
		// being written right now alone.
		if n, err := fx.store.Sweep(ctx, fx.store.Started()); err != nil || n != 0 {
			t.Fatalf("second sweep: %d, %v", n, err)
		}
	})
}
