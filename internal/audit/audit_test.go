package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/vault"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "faro/Test-Instance"

type fixture struct {
	db   *store.DB
	v    *vault.Vault
	log  *Log
	vkey string
}

// setup initialises a vault and the signing key on db, as faro init does.
func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	v := vault.New(db)
	v.KDF = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
	if err := v.InitPassphrase(ctx, "audit test passphrase"); err != nil {
		t.Fatal(err)
	}
	vkey, err := CreateSigningKey(ctx, db, v, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := VerifierKey(ctx, db); err != nil || got != vkey {
		t.Fatalf("VerifierKey: %v", err)
	}
	l := New(db, v)
	var tick int64 = 1_700_000_000
	var mu sync.Mutex
	l.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick++
		return time.Unix(tick, 0)
	}
	return &fixture{db: db, v: v, log: l, vkey: vkey}
}

func entryN(i int) Entry {
	actions := []string{Create, Read, Update, Read, Export, Delete, Login}
	return Entry{
		Actor:      int64(i % 3),
		Action:     actions[i%len(actions)],
		RecordType: []string{"evidence", "person", "user"}[i%3],
		RecordID:   strconv.Itoa(100 + i%5),
	}
}

func (fx *fixture) record(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := fx.log.Record(context.Background(), entryN(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func (fx *fixture) verify(t *testing.T, exported []byte) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), fx.db, fx.vkey, exported)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (fx *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := fx.db.Exec(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

func (fx *fixture) leafOf(t *testing.T, idx int) []byte {
	t.Helper()
	var b []byte
	if err := fx.db.QueryRow(context.Background(), "SELECT leaf FROM audit_log WHERE idx = ?", idx).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustOK(t *testing.T, rep *Report, entries uint64) {
	t.Helper()
	if !rep.OK() {
		t.Fatalf("verify found problems in an untouched log: %v", rep.Problems)
	}
	if rep.Entries != entries {
		t.Fatalf("verify counted %d entries, want %d", rep.Entries, entries)
	}
}

func mustFail(t *testing.T, rep *Report, what string, want ...string) {
	t.Helper()
	if rep.OK() {
		t.Fatalf("%s: verify reported no problem", what)
	}
	all := fmt.Sprint(rep.Problems)
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Fatalf("%s: problems %v do not mention %q", what, rep.Problems, w)
		}
	}
}

const n = 20

func TestRecordAndVerify(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		// An empty log means it was wiped: initialising always leaves entries.
		if rep := fx.verify(t, nil); rep.OK() {
			t.Fatal("an empty log verified")
		}
		if _, err := fx.log.Checkpoint(ctx); err == nil {
			t.Fatal("checkpoint of an empty log")
		}
		fx.record(t, n)
		mustOK(t, fx.verify(t, nil), n)

		cp, err := fx.log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCheckpoint([]byte(cp), fx.vkey)
		if err != nil {
			t.Fatal(err)
		}
		if c.Origin != testOrigin || c.Size != n || len(c.Root) != 32 {
			t.Fatalf("checkpoint %+v", c)
		}
		mustOK(t, fx.verify(t, []byte(cp)), n)

		// Rows hold what was recorded, in order, with leaves that repeat them.
		rows, err := db.Query(ctx, "SELECT idx, at, actor, action, record_type, record_id, leaf FROM audit_log ORDER BY idx")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		var prevAt int64
		for rows.Next() {
			var idx, at, actor int64
			var action, typ, id string
			var data []byte
			if err := rows.Scan(&idx, &at, &actor, &action, &typ, &id, &data); err != nil {
				t.Fatal(err)
			}
			e := entryN(i)
			if idx != int64(i) || actor != e.Actor || action != e.Action || typ != e.RecordType || id != e.RecordID || at <= prevAt {
				t.Fatalf("row %d differs from what was recorded", i)
			}
			var lf leaf
			if err := json.Unmarshal(data, &lf); err != nil || lf != (leaf{Idx: uint64(i), At: at, Actor: actor, Action: action, Type: typ, ID: id}) {
				t.Fatalf("leaf %d differs from its row", i)
			}
			prevAt = at
			i++
		}
		if i != n {
			t.Fatalf("%d rows", i)
		}
	})
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, fx *fixture)
		want   []string
	}{
		{"leaf byte edited", func(t *testing.T, fx *fixture) {
			b := fx.leafOf(t, 7)
			i := bytes.Index(b, []byte(`"id":"`)) + len(`"id":"`)
			b[i]++ // a digit of the record id: still valid JSON
			fx.exec(t, "UPDATE audit_log SET leaf = ? WHERE idx = 7", b)
		}, []string{"entry 7: columns differ", "Merkle root differs"}},
		{"leaf made invalid", func(t *testing.T, fx *fixture) {
			b := fx.leafOf(t, 3)
			b[0] = '['
			fx.exec(t, "UPDATE audit_log SET leaf = ? WHERE idx = 3", b)
		}, []string{"entry 3: entry bytes are not a valid leaf", "Merkle root differs"}},
		{"leaf with trailing bytes", func(t *testing.T, fx *fixture) {
			b := append(fx.leafOf(t, 4), ' ')
			fx.exec(t, "UPDATE audit_log SET leaf = ? WHERE idx = 4", b)
		}, []string{"Merkle root differs"}},
		{"actor edited", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_log SET actor = 999 WHERE idx = 5")
		}, []string{"entry 5: columns differ"}},
		{"action edited", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_log SET action = 'read' WHERE idx = 0")
		}, []string{"entry 0: columns differ"}},
		{"record id edited", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_log SET record_id = 'other' WHERE idx = 12")
		}, []string{"entry 12: columns differ"}},
		{"record type edited", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_log SET record_type = 'nothing' WHERE idx = 19")
		}, []string{"entry 19: columns differ"}},
		{"time edited", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_log SET at = at + 3600 WHERE idx = 9")
		}, []string{"entry 9: columns differ"}},
		{"leaf and columns edited together", func(t *testing.T, fx *fixture) {
			var lf leaf
			json.Unmarshal(fx.leafOf(t, 6), &lf)
			lf.Actor = 999
			b, _ := json.Marshal(lf)
			fx.exec(t, "UPDATE audit_log SET leaf = ?, actor = 999 WHERE idx = 6", b)
		}, []string{"Merkle root differs"}},
		{"middle entry deleted", func(t *testing.T, fx *fixture) {
			fx.exec(t, "DELETE FROM audit_log WHERE idx = 10")
		}, []string{"entry 11: expected entry 10", "covers 20 entries but the log holds 19"}},
		{"first entry deleted", func(t *testing.T, fx *fixture) {
			fx.exec(t, "DELETE FROM audit_log WHERE idx = 0")
		}, []string{"entry 1: expected entry 0", "covers 20 entries but the log holds 19"}},
		{"last entry deleted", func(t *testing.T, fx *fixture) {
			fx.exec(t, "DELETE FROM audit_log WHERE idx = 19")
		}, []string{"covers 20 entries but the log holds 19"}},
		{"all entries deleted", func(t *testing.T, fx *fixture) {
			fx.exec(t, "DELETE FROM audit_log")
		}, []string{"covers 20 entries but the log holds 0"}},
		{"entries reordered", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_log SET idx = -1 WHERE idx = 3")
			fx.exec(t, "UPDATE audit_log SET idx = 3 WHERE idx = 4")
			fx.exec(t, "UPDATE audit_log SET idx = 4 WHERE idx = -1")
		}, []string{"entry 3: columns differ", "entry 4: columns differ", "Merkle root differs"}},
		{"entries reordered with their leaves rewritten", func(t *testing.T, fx *fixture) {
			// The attacker also fixes each leaf's idx to match its new place.
			a, b := fx.leafOf(t, 3), fx.leafOf(t, 4)
			var la, lb leaf
			json.Unmarshal(a, &la)
			json.Unmarshal(b, &lb)
			la.Idx, lb.Idx = 4, 3
			ja, _ := json.Marshal(la)
			jb, _ := json.Marshal(lb)
			fx.exec(t, "UPDATE audit_log SET idx = -1 WHERE idx = 3")
			fx.exec(t, "UPDATE audit_log SET idx = 3, leaf = ? WHERE idx = 4", jb)
			fx.exec(t, "UPDATE audit_log SET idx = 4, leaf = ? WHERE idx = -1", ja)
		}, []string{"Merkle root differs"}},
		{"entry inserted", func(t *testing.T, fx *fixture) {
			lf := leaf{Idx: 20, At: 1_800_000_000, Actor: 1, Action: Read, Type: "evidence", ID: "x"}
			b, _ := json.Marshal(lf)
			fx.exec(t, "INSERT INTO audit_log (idx, at, actor, action, record_type, record_id, leaf) VALUES (20, ?, 1, 'read', 'evidence', 'x', ?)", lf.At, b)
		}, []string{"covers 20 entries but the log holds 21"}},
		{"head replaced by another key's checkpoint", func(t *testing.T, fx *fixture) {
			// Same origin name, same size and root: only the key differs.
			var size int64
			var root []byte
			if err := fx.db.QueryRow(context.Background(), "SELECT size, root FROM audit_head WHERE id = 1").Scan(&size, &root); err != nil {
				t.Fatal(err)
			}
			skey, _, err := note.GenerateKey(rand.Reader, testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			signer, _ := note.NewSigner(skey)
			msg, err := note.Sign(&note.Note{Text: checkpointText(testOrigin, uint64(size), root)}, signer)
			if err != nil {
				t.Fatal(err)
			}
			fx.exec(t, "UPDATE audit_head SET checkpoint = ? WHERE id = 1", string(msg))
		}, []string{"signature does not verify"}},
		{"head checkpoint garbage", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_head SET checkpoint = 'hello' WHERE id = 1")
		}, []string{"signature does not verify"}},
		{"head columns edited", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_head SET size = 21 WHERE id = 1")
		}, []string{"stored head columns differ"}},
		{"head root edited", func(t *testing.T, fx *fixture) {
			fx.exec(t, "UPDATE audit_head SET root = ? WHERE id = 1", make([]byte, 32))
		}, []string{"stored head columns differ"}},
		{"head deleted", func(t *testing.T, fx *fixture) {
			fx.exec(t, "DELETE FROM audit_head")
		}, []string{"signed tree head is missing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
				fx := setup(t, db)
				fx.record(t, n)
				mustOK(t, fx.verify(t, nil), n)
				c.tamper(t, fx)
				mustFail(t, fx.verify(t, nil), c.name, c.want...)
			})
		})
	}
}

// TestVerifyEveryLeafByte edits each byte of one leaf in turn; each edit
// must be reported, and restoring the byte must make the log whole again.
func TestVerifyEveryLeafByte(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		fx.record(t, 6)
		orig := fx.leafOf(t, 2)
		for i := range orig {
			b := bytes.Clone(orig)
			b[i] ^= 0x01
			fx.exec(t, "UPDATE audit_log SET leaf = ? WHERE idx = 2", b)
			if fx.verify(t, nil).OK() {
				t.Fatalf("byte %d of a leaf edited: not reported", i)
			}
		}
		fx.exec(t, "UPDATE audit_log SET leaf = ? WHERE idx = 2", orig)
		mustOK(t, fx.verify(t, nil), 6)
	})
}

func TestExportedCheckpoint(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		const k = 7
		fx.record(t, k)
		exported, err := fx.log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fx.record(t, n-k)
		mustOK(t, fx.verify(t, []byte(exported)), n)
		head, _ := fx.log.Checkpoint(ctx)
		mustOK(t, fx.verify(t, []byte(head)), n)

		// A checkpoint signed by another key is refused outright.
		skey, vkey2, _ := note.GenerateKey(rand.Reader, testOrigin)
		signer, _ := note.NewSigner(skey)
		c, _ := ParseCheckpoint([]byte(exported), fx.vkey)
		foreign, _ := note.Sign(&note.Note{Text: checkpointText(testOrigin, c.Size, c.Root)}, signer)
		if _, err := Verify(ctx, db, fx.vkey, foreign); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("foreign exported checkpoint: %v, want ErrCheckpoint", err)
		}
		if _, err := Verify(ctx, db, fx.vkey, []byte("not a checkpoint")); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("garbage exported checkpoint: %v", err)
		}
		// Verifying against the wrong key reports the stored head.
		rep, err := Verify(ctx, db, vkey2, nil)
		if err != nil {
			t.Fatal(err)
		}
		mustFail(t, rep, "wrong verifier key", "signature does not verify")

		// Rewrite history before k: one leaf edited consistently with its
		// columns, and the head's root updated. Without the signing key
		// the head cannot be re-signed, and the exported checkpoint shows
		// the first k entries changed.
		var lf leaf
		json.Unmarshal(fx.leafOf(t, 2), &lf)
		lf.ID = "innocent"
		b, _ := json.Marshal(lf)
		fx.exec(t, "UPDATE audit_log SET leaf = ?, record_id = 'innocent' WHERE idx = 2", b)
		fx.exec(t, "UPDATE audit_head SET root = ? WHERE id = 1", bytes.Repeat([]byte{9}, 32))
		mustFail(t, fx.verify(t, []byte(exported)), "history rewritten",
			"first 7 entries no longer match the exported checkpoint: history was rewritten")
	})
}

func TestExportedCheckpointRollback(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		fx.record(t, 12)
		var oldSize int64
		var oldRoot, oldHashes []byte
		var oldCP string
		if err := db.QueryRow(ctx, "SELECT size, root, range_hashes, checkpoint FROM audit_head").Scan(&oldSize, &oldRoot, &oldHashes, &oldCP); err != nil {
			t.Fatal(err)
		}
		fx.record(t, n-12)
		exported, _ := fx.log.Checkpoint(ctx)

		// Roll back to a genuine older head and drop the entries after it:
		// the stored log is self-consistent, so only an exported
		// checkpoint can show entries were removed.
		fx.exec(t, "DELETE FROM audit_log WHERE idx >= 12")
		fx.exec(t, "UPDATE audit_head SET size = ?, root = ?, range_hashes = ?, checkpoint = ? WHERE id = 1", oldSize, oldRoot, oldHashes, oldCP)
		mustOK(t, fx.verify(t, nil), 12)
		mustFail(t, fx.verify(t, []byte(exported)), "rollback",
			"exported checkpoint covers 20 entries but the log holds only 12")
	})
}

func TestExportedCheckpointBiggerThanLog(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		fx.record(t, n)
		exported, _ := fx.log.Checkpoint(ctx)
		fx.exec(t, "DELETE FROM audit_log WHERE idx >= 17")
		mustFail(t, fx.verify(t, []byte(exported)), "exported bigger than log",
			"covers 20 entries but the log holds only 17")

		// The same from a checkpoint of a log that was never this long: a
		// second instance with the same key is impossible, so sign one
		// with the instance key directly.
		signer, err := fx.log.signer(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := note.Sign(&note.Note{Text: checkpointText(testOrigin, 1000, make([]byte, 32))}, signer)
		mustFail(t, fx.verify(t, msg), "checkpoint of 1000", "covers 1000 entries but the log holds only 17")
	})
}

func TestParseCheckpoint(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	root := bytes.Repeat([]byte{0xab}, 32)
	sign := func(text string) []byte {
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	good := sign(checkpointText(testOrigin, 42, root))
	c, err := ParseCheckpoint(good, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if c.Origin != testOrigin || c.Size != 42 || !bytes.Equal(c.Root, root) {
		t.Fatalf("parsed %+v", c)
	}
	// Extension lines after the root are allowed by the C2SP format.
	if _, err := ParseCheckpoint(sign(checkpointText(testOrigin, 1, root)+"extra line\n"), vkey); err != nil {
		t.Fatalf("checkpoint with an extension line: %v", err)
	}

	otherKey, _, _ := note.GenerateKey(rand.Reader, testOrigin)
	otherSigner, _ := note.NewSigner(otherKey)
	wrongKey, _ := note.Sign(&note.Note{Text: checkpointText(testOrigin, 42, root)}, otherSigner)
	renamedKey, _, _ := note.GenerateKey(rand.Reader, "faro/other")
	renamedSigner, _ := note.NewSigner(renamedKey)
	renamed, _ := note.Sign(&note.Note{Text: checkpointText("faro/other", 42, root)}, renamedSigner)
	sigLine := good[bytes.Index(good, []byte("\n\n"))+2:]
	b64root := "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="

	bad := map[string][]byte{
		"empty":                      nil,
		"garbage":                    []byte("hello world"),
		"binary":                     {0, 1, 2, 0xff, '\n', '\n'},
		"unsigned text":              []byte(checkpointText(testOrigin, 42, root)),
		"unsigned note":              []byte(checkpointText(testOrigin, 42, root) + "\n"),
		"signed by another key":      wrongKey,
		"signed by another instance": renamed,
		"size edited":                bytes.Replace(good, []byte("\n42\n"), []byte("\n43\n"), 1),
		"root edited":                bytes.Replace(good, []byte("q6ur"), []byte("q6uq"), 1),
		"origin edited":              bytes.Replace(good, []byte("Test"), []byte("Tesu"), 1),
		"signature truncated":        good[:len(good)-10],
		"signature of another text":  append([]byte(checkpointText(testOrigin, 43, root)+"\n"), sigLine...),
		"wrong origin, right key":    sign("faro/elsewhere\n42\n" + b64root + "\n"),
		"size not a number":          sign(testOrigin + "\nforty-two\n" + b64root + "\n"),
		"size negative":              sign(testOrigin + "\n-1\n" + b64root + "\n"),
		"size with plus":             sign(testOrigin + "\n+42\n" + b64root + "\n"),
		"root not base64":            sign(testOrigin + "\n42\n!!!\n"),
		"root too short":             sign(testOrigin + "\n42\nq6urq6urq6s=\n"),
		"root missing":               sign(testOrigin + "\n42\n"),
		"only origin":                sign(testOrigin + "\n"),
	}
	for name, msg := range bad {
		if c, err := ParseCheckpoint(msg, vkey); err == nil || c != nil {
			t.Errorf("%s: accepted", name)
		} else if !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: %v, want ErrCheckpoint", name, err)
		}
	}
	if _, err := ParseCheckpoint(good, "not a key"); err == nil {
		t.Error("a malformed verifier key was accepted")
	}
}

func TestOf(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		rec := func(actor int64, action, typ, id string) {
			t.Helper()
			if err := fx.log.Record(ctx, Entry{Actor: actor, Action: action, RecordType: typ, RecordID: id}); err != nil {
				t.Fatal(err)
			}
		}
		rec(1, Create, "evidence", "abc") // 0
		rec(2, Read, "evidence", "abc")   // 1
		rec(2, Read, "evidence", "abd")   // 2
		rec(3, Read, "person", "abc")     // 3
		rec(3, Update, "evidence", "abc") // 4
		rec(4, Read, "evidence", "abc")   // 5
		rec(0, Export, "evidence", "ABC") // 6
		evs, err := fx.log.Of(ctx, "evidence", "abc", "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range evs {
			if ev.RecordType != "evidence" || ev.RecordID != "abc" || ev.At == 0 || ev.Actor != ev.Entry.Actor {
				t.Fatalf("event %+v", ev)
			}
			got = append(got, fmt.Sprintf("%d:%d:%s", ev.Idx, ev.Actor, ev.Action))
		}
		if want := "[5:4:read 4:3:update 1:2:read 0:1:create]"; fmt.Sprint(got) != want {
			t.Fatalf("Of = %v, want %s", got, want)
		}
		reads, err := fx.log.Of(ctx, "evidence", "abc", Read)
		if err != nil {
			t.Fatal(err)
		}
		if len(reads) != 2 || reads[0].Idx != 5 || reads[1].Idx != 1 {
			t.Fatalf("reads %+v", reads)
		}
		if none, err := fx.log.Of(ctx, "evidence", "zzz", ""); err != nil || len(none) != 0 {
			t.Fatalf("unknown record: %v, %v", none, err)
		}
		mustOK(t, fx.verify(t, nil), 7)
	})
}

func TestConcurrentRecord(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					errs <- fx.log.Record(ctx, Entry{Actor: int64(g), Action: Read, RecordType: "evidence", RecordID: fmt.Sprintf("%d-%d", g, i)})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.Query(ctx, "SELECT idx FROM audit_log ORDER BY idx")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		want := int64(0)
		for rows.Next() {
			var idx int64
			rows.Scan(&idx)
			if idx != want {
				t.Fatalf("idx %d where %d expected", idx, want)
			}
			want++
		}
		if want != 100 {
			t.Fatalf("%d entries, want 100", want)
		}
		mustOK(t, fx.verify(t, nil), 100)
		var ids int
		db.QueryRow(ctx, "SELECT COUNT(DISTINCT record_id) FROM audit_log").Scan(&ids)
		if ids != 100 {
			t.Fatalf("%d distinct records, want 100", ids)
		}
	})
}

// TestAppendIsAtomic: an entry that cannot be signed is not written, and
// the change it goes with rolls back with it.
func TestAppendIsAtomic(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		fx.record(t, 3)
		fx.v.Seal()
		if err := fx.log.Record(ctx, entryN(3)); !errors.Is(err, vault.ErrSealed) {
			t.Fatalf("record while sealed: %v, want ErrSealed", err)
		}
		errBoom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('x', 'y')"); err != nil {
				return err
			}
			if err := fx.log.Append(ctx, tx, entryN(3)); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, vault.ErrSealed) {
			t.Fatalf("append while sealed in a change: %v", err)
		}
		var count int
		db.QueryRow(ctx, "SELECT COUNT(*) FROM settings WHERE key = 'x'").Scan(&count)
		if count != 0 {
			t.Fatal("the change committed without its audit entry")
		}
		// Verify needs only the public key: it works sealed.
		mustOK(t, fx.verify(t, nil), 3)

		if err := fx.v.UnsealPassphrase(ctx, "audit test passphrase"); err != nil {
			t.Fatal(err)
		}
		// A change that fails after its entry was appended takes the entry
		// with it.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := fx.log.Append(ctx, tx, entryN(3)); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatal(err)
		}
		mustOK(t, fx.verify(t, nil), 3)
		fx.record(t, 2)
		mustOK(t, fx.verify(t, nil), 5)
	})
}

func TestNoSigningKey(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := vault.New(db)
		v.KDF = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
		if err := v.InitPassphrase(ctx, "audit test passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := VerifierKey(ctx, db); err == nil {
			t.Fatal("verifier key before it was created")
		}
		if err := New(db, v).Record(ctx, entryN(0)); err == nil {
			t.Fatal("recorded without a signing key")
		}
		var count int
		db.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log").Scan(&count)
		if count != 0 {
			t.Fatal("an unsigned entry was written")
		}
		// The private key is stored encrypted only.
		if _, err := CreateSigningKey(ctx, db, v, testOrigin); err != nil {
			t.Fatal(err)
		}
		var enc []byte
		db.QueryRow(ctx, "SELECT value FROM secrets WHERE name = ?", signingKeySecret).Scan(&enc)
		if bytes.Contains(enc, []byte("PRIVATE+KEY")) || bytes.Contains(enc, []byte(testOrigin)) {
			t.Fatal("the signing key is stored in the clear")
		}
		if _, err := CreateSigningKey(ctx, db, v, testOrigin); err == nil {
			t.Fatal("a second signing key replaced the first")
		}
	})
}

// TestCorruptRangeHashes: the stored compact range is not covered by the
// signature; corrupting it is caught once the next entry is appended.
func TestCorruptRangeHashes(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		fx := setup(t, db)
		fx.record(t, 5)
		fx.exec(t, "UPDATE audit_head SET range_hashes = ? WHERE id = 1", bytes.Repeat([]byte{1}, 64))
		err := fx.log.Record(context.Background(), entryN(5))
		if err == nil {
			mustFail(t, fx.verify(t, nil), "corrupt range hashes", "Merkle root differs")
		}
		fx.exec(t, "UPDATE audit_head SET range_hashes = ? WHERE id = 1", []byte{1, 2, 3})
		if err := fx.log.Record(context.Background(), entryN(6)); err == nil {
			t.Fatal("appended over malformed range hashes")
		}
	})
}

func TestLeafHashIsRFC6962(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := setup(t, db)
		fx.record(t, 1)
		var root []byte
		db.QueryRow(ctx, "SELECT root FROM audit_head").Scan(&root)
		if !bytes.Equal(root, rfc6962.DefaultHasher.HashLeaf(fx.leafOf(t, 0))) {
			t.Fatal("the root of a one-entry log is not the RFC 6962 leaf hash")
		}
	})
}

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"Faro":                    "faro/Faro",
		"Red de Apoyo Ceuta":      "faro/Red-de-Apoyo-Ceuta",
		"a+b\tc\nd":               "faro/a-b-c-d",
		"":                        "faro/",
		"Asociación Pro Derechos": "faro/Asociación-Pro-Derechos",
	} {
		if got := Origin(in); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
	// Origins made from any name sign and verify.
	for _, name := range []string{"Red de Apoyo", "x+y", "Asociación"} {
		if _, _, err := note.GenerateKey(rand.Reader, Origin(name)); err != nil {
			t.Errorf("origin %q is not a valid key name: %v", Origin(name), err)
		}
	}
}

func TestActor(t *testing.T) {
	ctx := context.Background()
	if ActorOf(ctx) != 0 {
		t.Fatal("actor of an empty context")
	}
	if ActorOf(WithActor(ctx, 17)) != 17 {
		t.Fatal("actor lost")
	}
}
