package auth_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/auth"
)

var cheap = auth.HashParams{Time: 1, MemKiB: 1024, Threads: 1}

func TestHashAndVerifyPassword(t *testing.T) {
	const pw = "correct horse battery"
	h := auth.HashPassword(pw, cheap)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash not in argon2id PHC format with the given costs: %.30s…", h)
	}
	if strings.Contains(h, pw) {
		t.Error("hash contains the password")
	}
	if h2 := auth.HashPassword(pw, cheap); h2 == h {
		t.Error("two hashes of one password are equal: no random salt")
	}
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"right password", pw, true},
		{"wrong password", "correct horse battery!", false},
		{"other case", strings.ToUpper(pw), false},
		{"empty", "", false},
		{"prefix", pw[:10], false},
		{"too long to hash", strings.Repeat("a", auth.MaxPasswordLen+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := auth.VerifyPassword(h, tt.pw)
			if err != nil {
				t.Fatalf("VerifyPassword: %v", err)
			}
			if ok != tt.want {
				t.Errorf("VerifyPassword = %v, want %v", ok, tt.want)
			}
		})
	}

	// A hash keeps its own costs: raising the defaults later must not lock
	// out accounts hashed before.
	other := auth.HashPassword(pw, auth.HashParams{Time: 2, MemKiB: 2048, Threads: 2})
	if ok, err := auth.VerifyPassword(other, pw); err != nil || !ok {
		t.Errorf("hash with other costs does not verify: %v, %v", ok, err)
	}
}

func TestVerifyMalformedHashFailsClosed(t *testing.T) {
	const pw = "correct horse battery"
	good := auth.HashPassword(pw, cheap)
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=…,t=…,p=…, salt, key
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"plain text", pw},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", with(1, "argon2i")},
		{"missing part", strings.Join(parts[:5], "$")},
		{"extra part", good + "$x"},
		{"old version", with(2, "v=16")},
		{"version not a number", with(2, "v=x")},
		{"params garbage", with(3, "m=x,t=1,p=1")},
		{"params missing", with(3, "")},
		{"zero time", with(3, "m=1024,t=0,p=1")},
		{"zero threads", with(3, "m=1024,t=1,p=0")},
		{"threads overflow", with(3, "m=1024,t=1,p=256")},
		{"negative memory", with(3, "m=-1,t=1,p=1")},
		{"absurd memory", with(3, "m=4294967295,t=1,p=1")},
		{"absurd time", with(3, "m=1024,t=4294967295,p=1")},
		{"salt not base64", with(4, "!!!!")},
		{"key not base64", with(5, "!!!!")},
		{"empty key", with(5, "")},
		{"one-byte key", with(5, "AA")},
		{"short key", with(5, parts[5][:20])},
		{"empty salt", with(4, "")},
		{"short salt", with(4, "c2FsdA")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := auth.VerifyPassword(tt.hash, pw)
			if ok {
				t.Error("malformed hash accepted the password")
			}
			if err == nil {
				t.Error("malformed hash gave no error")
			}
		})
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", auth.ErrPasswordTooShort},
		{"nine", "123456789", auth.ErrPasswordTooShort},
		{"ten", "1234567890", nil},
		{"ten spaces count", "          ", nil},
		{"nine two-byte letters", strings.Repeat("ä", 9), auth.ErrPasswordTooShort},
		{"ten two-byte letters", strings.Repeat("ä", 10), nil},
		{"ten arabic letters", "كلمةسرطويل", nil},
		{"longest", strings.Repeat("x", auth.MaxPasswordLen), nil},
		{"one byte too long", strings.Repeat("x", auth.MaxPasswordLen+1), auth.ErrPasswordTooLong},
		{"long in bytes not runes", strings.Repeat("ä", auth.MaxPasswordLen/2+1), auth.ErrPasswordTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := auth.CheckPasswordPolicy(tt.pw); !errors.Is(err, tt.want) {
				t.Errorf("CheckPasswordPolicy = %v, want %v", err, tt.want)
			}
		})
	}
}

// FuzzVerifyPassword checks that no stored hash string, however damaged,
// makes verification panic or accept a password with an error.
func FuzzVerifyPassword(f *testing.F) {
	good := auth.HashPassword("correct horse battery", cheap)
	f.Add(good, "correct horse battery")
	f.Add(good, "wrong")
	f.Add("", "")
	f.Add("$argon2id$v=19$m=1024,t=0,p=1$c2FsdHNhbHQ$a2V5", "x")
	f.Add("$argon2id$v=19$m=1024,t=1,p=0$c2FsdHNhbHQ$a2V5", "x")
	f.Add("$argon2id$v=19$m=0,t=1,p=1$$a2V5", "x")
	f.Add("$argon2id$v=19$m=8,t=1,p=255$c2FsdA$a2V5a2V5", "x")
	f.Add("$argon2id$$$$$", "")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		if expensive(hash) {
			return // a valid but costly hash only tests argon2's speed
		}
		ok, err := auth.VerifyPassword(hash, pw)
		if ok && err != nil {
			t.Fatalf("VerifyPassword accepted with error %v", err)
		}
		if ok && pw != "correct horse battery" {
			t.Fatal("VerifyPassword accepted a password the hash was not made from")
		}
	})
}

// expensive reports whether hash asks for more than a fuzz iteration should
// spend; VerifyPassword's own bounds are checked in the table test.
func expensive(hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return false
	}
	var m, tm uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &tm, &p); err != nil {
		return false
	}
	return m > 16*1024 || tm > 4 || len(parts[5]) > 4096
}
