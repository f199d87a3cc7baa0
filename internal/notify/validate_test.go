package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidatePhone(t *testing.T) {
	ok := map[string]string{
		"+39 333 123 4567":     "+393331234567",
		"0039 333 1234567":     "+393331234567",
		"+44 (0)20 7946 0958":  "+442079460958",
		"+1 (555) 010-9999":    "+15550109999",
		"tel:+34.600.123.456":  "+34600123456",
		"+٢١٢ ٦٦١ ٢٣٤ ٥٦٧":     "+212661234567",
		" +881 6 1234 5678 ":   "+881612345678",
		"+216\u00a098 123 456": "+21698123456",
	}
	for in, want := range ok {
		if got, err := ValidatePhone(in); err != nil || got != want {
			t.Errorf("%q → %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                     "empty",
		"333 1234567":          "country code",
		"+0 333 1234567":       "cannot start with 0",
		"+39 12":               "too short",
		"+39 1234567890123456": "too long",
		"+39 333 abc":          "only digits",
		"+39+333":              "only digits",
		"39 333 1234567":       "country code",
	}
	for in, want := range bad {
		_, err := ValidatePhone(in)
		if err == nil || !errors.Is(err, ErrAddress) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want error saying %q", in, err, want)
		}
	}
}

func TestValidateEmail(t *testing.T) {
	for in, want := range map[string]string{"a@b.org": "a@b.org", "MRCC Roma <ops@mit.gov.it>": "ops@mit.gov.it", " x@localhost ": "x@localhost"} {
		if got, err := ValidateEmail(in); err != nil || got != want {
			t.Errorf("%q → %q %v", in, got, err)
		}
	}
	for _, in := range []string{"", "a", "a@", "@b", "a@b\r\nBcc: c@d", "a b@c.org", `"a b"@c.org`} {
		if _, err := ValidateEmail(in); !errors.Is(err, ErrAddress) {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestValidateWebhookURL(t *testing.T) {
	for _, in := range []string{"https://hooks.example.org/x?y=1", "http://127.0.0.1:8080/h"} {
		if _, err := ValidateWebhookURL(in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for in, want := range map[string]string{
		"ftp://x.org/":           "https://",
		"/relative":              "https://",
		"https://user:pw@x.org/": "user name",
		"https:///nohost":        "no host",
		"https://x.org/#frag":    "fragment",
		"":                       "empty",
		"https://x.org/\x7f":     "parse",
	} {
		_, err := ValidateWebhookURL(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

func TestSignatureFormat(t *testing.T) {
	now := time.Unix(1764040000, 0)
	h := Sign([]byte("k"), []byte("b"), now)
	if !strings.HasPrefix(h, "t=1764040000,v1=") || len(h) != len("t=1764040000,v1=")+64 {
		t.Errorf("header %q", h)
	}
	// A receiver rotating secrets may get two v1 values.
	two := h + ",v1=" + strings.Repeat("0", 64)
	if err := VerifySignature([]byte("k"), two, []byte("b"), now, time.Minute); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "t=1", "v1=00", "t=x,v1=" + strings.Repeat("0", 64), "t=1,t=2,v1=" + strings.Repeat("0", 64), "garbage"} {
		if err := VerifySignature([]byte("k"), bad, []byte("b"), now, time.Minute); !errors.Is(err, ErrSignatureFormat) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := VerifySignature([]byte("k"), h, []byte("B"), now, time.Minute); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("tampered body: %v", err)
	}
}

func FuzzValidatePhone(f *testing.F) {
	for _, s := range []string{"+39 333 123 4567", "0039", "+44 (0)20", "+٢١٢", "tel:+1", "++1", "(0)(0)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ValidatePhone(s)
		if err != nil {
			return
		}
		if out[0] != '+' || len(out) < 8 || len(out) > 16 || out[1] == '0' {
			t.Fatalf("%q → %q", s, out)
		}
		for _, c := range out[1:] {
			if c < '0' || c > '9' {
				t.Fatalf("%q → %q", s, out)
			}
		}
		if again, err := ValidatePhone(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q %v", s, out, again, err)
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	now := time.Unix(1764040000, 0)
	f.Add([]byte("k"), Sign([]byte("k"), []byte("b"), now), []byte("b"), int64(0))
	f.Add([]byte(""), "t=-1,v1=zz", []byte(""), int64(1<<62))
	f.Add([]byte("k"), "t=99999999999999999999,v1=", []byte("b"), int64(-1<<62))
	f.Fuzz(func(t *testing.T, secret []byte, header string, body []byte, skew int64) {
		err := VerifySignature(secret, header, body, now.Add(time.Duration(skew)), 5*time.Minute)
		if err == nil && header != Sign(secret, body, now) && !strings.Contains(header, ",") {
			// A single-part header that verifies must be what Sign makes
			// for some time within tolerance; it cannot be arbitrary.
			t.Logf("accepted %q", header)
		}
		// Sign's own output always verifies at its time.
		if err := VerifySignature(secret, Sign(secret, body, now), body, now, 0); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzValidateAddress(f *testing.F) {
	for _, s := range []string{"a@b.org", "Name <a@b.org>", "https://x.org/h?a=1", "http://[::1]:80/", "+39 333 1234567", "a@b\r\nX: y"} {
		for _, ch := range Channels {
			f.Add(ch, s)
		}
	}
	f.Fuzz(func(t *testing.T, channel, s string) {
		out, err := ValidateAddress(channel, s)
		if err != nil {
			if !errors.Is(err, ErrAddress) {
				t.Fatalf("error not wrapping ErrAddress: %v", err)
			}
			return
		}
		if strings.ContainsAny(out, "\r\n") {
			t.Fatalf("line break accepted")
		}
		if again, err := ValidateAddress(channel, out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, out, again, err)
		}
	})
}
