package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"no placeholder", "SELECT 1", "SELECT 1"},
		{"one", "SELECT * FROM users WHERE id = ?", "SELECT * FROM users WHERE id = $1"},
		{"several", "INSERT INTO t (a, b, c) VALUES (?, ?,?)", "INSERT INTO t (a, b, c) VALUES ($1, $2,$3)"},
		{"quoted question mark kept", "SELECT '?' FROM t WHERE a = ?", "SELECT '?' FROM t WHERE a = $1"},
		{"quoted between placeholders", "a = ? AND b = 'who?' AND c = ?", "a = $1 AND b = 'who?' AND c = $2"},
		{"escaped quote inside literal", "a = 'it''s ?' AND b = ?", "a = 'it''s ?' AND b = $1"},
		{"empty literal", "a = '' AND b = ?", "a = '' AND b = $1"},
		{"two digit numbers", strings.Repeat("?,", 11) + "?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
		{"dollar in input untouched", "SELECT '$1', ?", "SELECT '$1', $1"},
		{"unterminated literal swallows the rest", "a = ? AND b = 'x ?", "a = $1 AND b = 'x ?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.Rebind(tt.in); got != tt.want {
				t.Errorf("Rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// A '?' inside a string literal is data on both engines, not a placeholder.
func TestQuestionMarkInLiteral(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('why?', ?)", "because"); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := db.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'why?' AND value = ?", "because").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != "because" {
			t.Errorf("value = %q, want %q", v, "because")
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, "SELECT COUNT(*) FROM settings WHERE key <> 'it''s?' AND key = ?", "why?").Scan(new(int))
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// unquotedMarks counts the '?' outside single-quoted literals, reading the
// query as alternating unquoted and quoted segments.
func unquotedMarks(q string) int {
	n := 0
	for i, seg := range strings.Split(q, "'") {
		if i%2 == 0 {
			n += strings.Count(seg, "?")
		}
	}
	return n
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{
		"", "?", "'?'", "a = ? AND b = '?' AND c = ?", "'it''s' ?", "'", "??'??'??", "$1 ?", strings.Repeat("?", 120),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := store.Rebind(in)
		n := unquotedMarks(in)
		if got := strings.Count(out, "$") - strings.Count(in, "$"); got != n {
			t.Fatalf("Rebind(%q) = %q: %d placeholders added, want %d", in, out, got, n)
		}
		if got := strings.Count(in, "?") - strings.Count(out, "?"); got != n {
			t.Fatalf("Rebind(%q) = %q: %d '?' replaced, want %d", in, out, got, n)
		}
		if strings.Count(out, "'") != strings.Count(in, "'") {
			t.Fatalf("Rebind(%q) = %q: quotes changed", in, out)
		}
		wantLen := len(in)
		for k := 1; k <= n; k++ {
			wantLen += len(strconv.Itoa(k))
		}
		if len(out) != wantLen {
			t.Fatalf("Rebind(%q) = %q: length %d, want %d", in, out, len(out), wantLen)
		}
		if n > 0 && !strings.Contains(out, "$"+strconv.Itoa(n)) {
			t.Fatalf("Rebind(%q) = %q: missing $%d", in, out, n)
		}
	})
}
