package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// FuzzEnqueueArgs: whatever args and key a caller passes, Enqueue either
// refuses them with its sentinel error or stores args that read back as
// the same JSON value, and the key deduplicates and cancels.
func FuzzEnqueueArgs(f *testing.F) {
	for _, s := range []struct{ args, key string }{
		{`{"delivery":42}`, "deliver:42"},
		{`{"case":7,"tier":2}`, "escalate:case:7"},
		{`[1,2,3]`, ""},
		{`null`, "k"},
		{`"<&>"`, "ünïcødé"},
		{`{"a":1e400}`, "x"},
		{`{`, "bad"},
		{`{"a":"\u0000"}`, "a\x00b"},
		{"\"\xff\"", "\xff"},
	} {
		f.Add(s.args, s.key)
	}
	db := storetest.SQLite(f, migrations.All())
	q := New(db, quietLog())
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, args, key string) {
		var id int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			id, err = q.Enqueue(ctx, tx, "fuzz", json.RawMessage(args), Options{Key: key})
			return err
		})
		if err != nil {
			if errors.Is(err, ErrBadArgs) || errors.Is(err, ErrBadKey) {
				if json.Valid([]byte(args)) && utf8.ValidString(args) && len(args) < maxArgsLen/2 && validKey(key) {
					t.Fatalf("valid input refused: %v", err)
				}
				return
			}
			t.Fatalf("enqueue: %v", err)
		}
		if !json.Valid([]byte(args)) {
			t.Fatal("invalid JSON accepted")
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT args FROM jobs WHERE id = ?`, id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		var want, got any
		if err := json.Unmarshal([]byte(args), &want); err != nil {
			// Valid JSON that Go cannot hold (1e400): compare the text.
			if strings.TrimSpace(stored) == "" {
				t.Fatal("args lost")
			}
		} else {
			if err := json.Unmarshal([]byte(stored), &got); err != nil {
				t.Fatalf("stored args unreadable: %v", err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("args changed: %#v became %#v", want, got)
			}
		}
		if key == "" {
			return
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			again, err := q.Enqueue(ctx, tx, "fuzz", nil, Options{Key: key})
			if err != nil {
				return err
			}
			if again != id {
				t.Fatalf("same key gave %d then %d", id, again)
			}
			ok, err := q.Cancel(ctx, tx, key)
			if !ok && err == nil {
				t.Fatal("pending job with key not cancelled")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzScrub: what scrub lets into last_error and the logs holds no
// address, URL or long number, is valid UTF-8 and short.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{
		"smtp 550 5.1.1", "to maria@example.org: 451", "https://x.example/?token=abc",
		"+34 612 345 678", "36.12345,-5.6789", "tel:+34612345678", "\xff\xfe", "a\nb\x00c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := scrub(in)
		if !utf8.ValidString(out) || len(out) > maxErrorLen {
			t.Fatalf("bad output %q", out)
		}
		if strings.ContainsRune(out, '@') || strings.Contains(out, "://") {
			t.Fatalf("address or URL kept: %q", out)
		}
		for _, w := range strings.Fields(out) {
			if !statusCode.MatchString(w) && redactRuns(w) != w {
				t.Fatalf("long number kept: %q", out)
			}
		}
		// A run of numeric words without status codes is one number.
		n := 0
		for _, w := range strings.Fields(out) {
			switch {
			case statusCode.MatchString(w) || !allNumberish(w):
				n = 0
			default:
				if n += digits(w); n >= minDigits {
					t.Fatalf("long spaced number kept: %q", out)
				}
			}
		}
	})
}
