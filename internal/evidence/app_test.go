package evidence_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"testing"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/store/storetest"
)

// eachApp runs fn on a whole initialised instance on SQLite and, when
// FARO_TEST_POSTGRES is set, on PostgreSQL.
func eachApp(t *testing.T, fn func(t *testing.T, a *app.App, logs *apptest.Logs)) {
	t.Run("sqlite", func(t *testing.T) {
		a, logs := apptest.New(t)
		fn(t, a, logs)
	})
	if os.Getenv(storetest.Env) != "" {
		t.Run("postgres", func(t *testing.T) {
			a, logs := apptest.New(t, apptest.Options{Database: storetest.PostgresDSN(t)})
			fn(t, a, logs)
		})
	}
}

func TestAppEvidence(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app.App, logs *apptest.Logs) {
		ctx := audit.WithActor(context.Background(), 3)
		data := make([]byte, 200_000)
		rand.Read(data)
		name := "Declaracion-Yusuf-Bah.m4a"
		f, err := a.Evidence.Put(ctx, bytes.NewReader(data), name)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		if f.SHA256 != hex.EncodeToString(h[:]) {
			t.Fatal("recorded SHA-256 differs")
		}
		got, rc, err := a.Evidence.Open(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, data) || got.Name != name {
			t.Fatalf("read back: %v", err)
		}
		n, bad, err := a.VerifyEvidence(ctx)
		if err != nil || n != 1 || len(bad) != 0 {
			t.Fatalf("VerifyEvidence: %d %v %v", n, bad, err)
		}
		vkey, err := audit.VerifierKey(ctx, a.DB)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, a.DB, vkey, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("audit: %v %v", rep, err)
		}
		evs, _ := a.Audit.Of(ctx, "evidence", f.ID, "")
		if len(evs) != 2 || evs[0].Action != audit.Read || evs[1].Action != audit.Create || evs[0].Actor != 3 {
			t.Fatalf("audit entries %+v", evs)
		}
		if bytes.Contains([]byte(logs.String()), []byte("Yusuf")) {
			t.Fatal("the file name was logged")
		}
		// Sealed, nothing is served.
		a.Vault.Seal()
		if _, rc, err := a.Evidence.Open(ctx, f.ID); err == nil || rc != nil {
			t.Fatal("evidence served while sealed")
		}
	})
}
