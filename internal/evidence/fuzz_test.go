package evidence

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store/storetest"
)

// FuzzUploadPath puts arbitrary content under arbitrary names. Put must
// never panic; an upload is refused only for being empty or too large;
// what it stores records the SHA-256 of exactly the bytes given, under a
// clean name and a safe type, and reads back bit-exact.
func FuzzUploadPath(f *testing.F) {
	fx := newFixture(f, storetest.SQLite(f, migrations.All()))
	fx.store.MaxSize = 3*chunkSize + 100
	ctx := context.Background()
	f.Add([]byte("hello"), "hello.txt")
	f.Add([]byte{}, "empty")
	f.Add(jpegWithEXIF(f), "../../IMG.jpg")
	f.Add([]byte("<html><script>alert(1)</script>"), "x.png\x00.exe")
	f.Add(bytes.Repeat([]byte{1}, chunkSize), "\xff\xfe")
	f.Add(bytes.Repeat([]byte{2}, chunkSize+1), "..")
	f.Fuzz(func(t *testing.T, content []byte, name string) {
		file, err := fx.store.Put(ctx, bytes.NewReader(content), name)
		switch {
		case len(content) == 0:
			if !errors.Is(err, ErrEmpty) {
				t.Fatalf("empty upload: %v", err)
			}
			return
		case int64(len(content)) > fx.store.MaxSize:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("oversized upload: %v", err)
			}
			return
		case err != nil:
			t.Fatal(err)
		}
		if file.SHA256 != sum(content) || file.Size != int64(len(content)) {
			t.Fatal("recorded hash or size differs from the upload")
		}
		if file.Name != cleanName(name) {
			t.Fatal("stored name is not the cleaned name")
		}
		checkCleanName(t, name, file.Name)
		if !safeTypes[file.ContentType] && file.ContentType != "application/octet-stream" {
			t.Fatalf("stored type %q", file.ContentType)
		}
		got, rc, err := fx.store.Open(ctx, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(data, content) || got.Name != file.Name || got.SHA256 != file.SHA256 {
			t.Fatalf("read back: %v", err)
		}
		// Keep the directory small over a long run.
		if _, err := fx.db.Exec(ctx, "DELETE FROM evidence WHERE id = ?", file.ID); err != nil {
			t.Fatal(err)
		}
		os.Remove(fx.store.path(file.ID))
	})
}
