package auth_test

import (
	"bytes"
	"testing"

	"github.com/faro-project/faro/internal/auth"
)

// Display names and TOTP secrets are stored encrypted: the database never
// holds them in clear, yet the account reads them back.
func TestNamesAndSecretsEncrypted(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		const name = "Yasmin Haddad-canary"
		u, err := f.svc.CreateUser(f.ctx, auth.NewUser{Login: "yasmin", DisplayName: name, Password: password, Role: auth.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		enr, err := f.svc.StartTOTP(f.ctx, u, "Faro")
		if err != nil {
			t.Fatal(err)
		}
		var rawName, rawSecret []byte
		if err := f.db.QueryRow(f.ctx, "SELECT display_name, totp_secret FROM users WHERE id = ?", u.ID).Scan(&rawName, &rawSecret); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rawName, []byte(name)) || bytes.Contains(rawName, []byte("Haddad")) {
			t.Error("display name stored in clear")
		}
		if bytes.Contains(rawSecret, []byte(enr.Secret)) {
			t.Error("TOTP secret stored in clear")
		}
		back, err := f.svc.UserByID(f.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if back.DisplayName != name {
			t.Error("display name does not read back")
		}
		// A ciphertext copied onto another account does not decrypt.
		other, err := f.svc.CreateUser(f.ctx, auth.NewUser{Login: "other", DisplayName: "Someone", Password: password, Role: auth.Viewer})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Exec(f.ctx, "UPDATE users SET display_name = ? WHERE id = ?", rawName, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UserByID(f.ctx, other.ID); err == nil {
			t.Error("a name moved to another account decrypted")
		}
	})
}

// A token made from a stolen session dies with the password change.
func TestPasswordChangeRevokesTokens(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u, err := f.svc.CreateUser(f.ctx, auth.NewUser{Login: "tokenholder", DisplayName: "T", Password: password, Role: auth.Reviewer})
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := f.svc.CreateToken(f.ctx, u.ID, "sync", auth.Reviewer)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.LookupToken(f.ctx, token); err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
		if err := f.svc.ChangePassword(f.ctx, u.ID, password, "a brand new password"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.LookupToken(f.ctx, token); err == nil {
			t.Error("token still works after a password change")
		}
	})
}
