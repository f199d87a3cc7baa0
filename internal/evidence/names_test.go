package evidence

import (
	"mime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// checkCleanName holds for every output of cleanName.
func checkCleanName(t testing.TB, in, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("cleanName(%q) = %q: invalid UTF-8", in, got)
	}
	if len(got) == 0 || len(got) > 200 {
		t.Fatalf("cleanName(%q) has %d bytes", in, len(got))
	}
	if got == "." || got == ".." {
		t.Fatalf("cleanName(%q) = %q", in, got)
	}
	for _, r := range got {
		if r < 0x20 || r == 0x7f || r == '"' || r == '/' || r == '\\' {
			t.Fatalf("cleanName(%q) = %q keeps %U", in, got, r)
		}
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("a", 300)
	cases := []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"../../etc/passwd", "passwd"},
		{"/etc/shadow", "shadow"},
		{`..\..\Windows\System32\config`, "config"},
		{`C:\Users\amina\Desktop\informe.pdf`, "informe.pdf"},
		{"dir/", "dir"},
		{"/", "_"},
		{`\`, "_"},
		{"", "evidence"},
		{".", "evidence"},
		{"..", "evidence"},
		{"../..", "evidence"},
		{"a/..", "evidence"},
		{"...", "..."},
		{"a\x00b\nc\rd\x7fe\tf\x1b[31m.txt", "a_b_c_d_e_f_[31m.txt"},
		{"\n", "_"},
		{`he said "hi".txt`, "he said _hi_.txt"},
		{"it's.pdf", "it's.pdf"},
		{"María José Pérez.jpg", "María José Pérez.jpg"},
		{"تقرير طبي.pdf", "تقرير طبي.pdf"},
		{"a\xffb\xc3.txt", "a\uFFFDb\uFFFD.txt"},
		{long, strings.Repeat("a", 200)},
	}
	for _, c := range cases {
		got := cleanName(c.in)
		if got != c.want {
			t.Errorf("cleanName(%q) = %q, want %q", c.in, got, c.want)
		}
		checkCleanName(t, c.in, got)
	}
	// Long names with multi-byte letters are cut on a letter boundary.
	for _, unit := range []string{"é", "日", "😀", "aé"} {
		in := strings.Repeat(unit, 300)
		got := cleanName(in)
		checkCleanName(t, in, got)
		if len(got) < 197 || !strings.HasPrefix(in, got) {
			t.Errorf("long %q name cut to %d bytes", unit, len(got))
		}
	}
	// Invalid UTF-8 at the cut.
	in := strings.Repeat("a", 199) + "\xe6\x97"
	checkCleanName(t, in, cleanName(in))
}

func TestAttachment(t *testing.T) {
	names := []string{
		"photo.jpg",
		`quote"d.pdf`,
		`back\slash.pdf`,
		"semi;colon.pdf",
		"new\r\nline.pdf",
		"new\nSet-Cookie: a=b",
		"tab\there",
		"équipe médicale.pdf",
		"تقرير.pdf",
		"日本語のファイル.png",
		"emoji 😀.jpg",
		"2024-05-01 10:30:00.jpg",
		"a=b.txt",
		"mail@example.org.pdf",
		"50% off.pdf",
		"it's (copy) [1] {x} <y>.pdf",
		"a,b?c#d&e+f$g!h^i`j|k~l.txt",
		"=?utf-8?q?x?=.txt",
		"*.txt",
		"",
		strings.Repeat("ü", 100),
	}
	for _, name := range names {
		for _, n := range []string{name, cleanName(name)} {
			h := attachment(n)
			for _, r := range h {
				if r < 0x20 || r >= 0x7f {
					t.Fatalf("attachment(%q) = %q holds %U", n, h, r)
				}
			}
			disp, params, err := mime.ParseMediaType(h)
			if err != nil {
				t.Fatalf("attachment(%q) = %q does not parse: %v", n, h, err)
			}
			if disp != "attachment" {
				t.Fatalf("attachment(%q): disposition %q", n, disp)
			}
			if params["filename"] != n {
				t.Fatalf("attachment(%q): filename parses back as %q", n, params["filename"])
			}
			// Clients that ignore filename* see a safe ASCII name.
			plain := h[:strings.Index(h, "; filename*=")]
			_, pp, err := mime.ParseMediaType(plain)
			if err != nil {
				t.Fatalf("ASCII fallback of %q = %q does not parse: %v", n, plain, err)
			}
			if len(pp["filename"]) != utf8.RuneCountInString(n) {
				t.Fatalf("ASCII fallback of %q is %q", n, pp["filename"])
			}
			for _, r := range pp["filename"] {
				if r > unicode.MaxASCII || r < 0x20 || strings.ContainsRune(`"\;`, r) {
					t.Fatalf("ASCII fallback of %q holds %q", n, r)
				}
			}
		}
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"", ".", "..", "../../etc/passwd", "a\x00b", "\xff", strings.Repeat("日", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := cleanName(in)
		checkCleanName(t, in, got)
		if cleanName(got) != got {
			t.Fatalf("cleanName is not idempotent on %q", in)
		}
		h := attachment(got)
		_, params, err := mime.ParseMediaType(h)
		if err != nil || params["filename"] != got {
			t.Fatalf("attachment(%q) = %q: %v", got, h, err)
		}
	})
}
