package auth_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store"
)

func TestCreateUserValidation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "alice", auth.Viewer)
		ok := auth.NewUser{Login: "bob", DisplayName: "Bob", Password: password, Role: auth.Documenter}
		tests := []struct {
			name   string
			change func(nu *auth.NewUser)
			want   error
		}{
			{"login too short", func(nu *auth.NewUser) { nu.Login = "bo" }, auth.ErrBadLogin},
			{"login too long", func(nu *auth.NewUser) { nu.Login = strings.Repeat("b", 65) }, auth.ErrBadLogin},
			{"login with space", func(nu *auth.NewUser) { nu.Login = "bob smith" }, auth.ErrBadLogin},
			{"login starting with dot", func(nu *auth.NewUser) { nu.Login = ".bob" }, auth.ErrBadLogin},
			{"login with at sign", func(nu *auth.NewUser) { nu.Login = "bob@example.org" }, auth.ErrBadLogin},
			{"login with accent", func(nu *auth.NewUser) { nu.Login = "josé" }, auth.ErrBadLogin},
			{"empty login", func(nu *auth.NewUser) { nu.Login = "" }, auth.ErrBadLogin},
			{"login taken", func(nu *auth.NewUser) { nu.Login = "alice" }, auth.ErrLoginTaken},
			{"login taken other case", func(nu *auth.NewUser) { nu.Login = "ALICE" }, auth.ErrLoginTaken},
			{"login taken with spaces", func(nu *auth.NewUser) { nu.Login = " Alice " }, auth.ErrLoginTaken},
			{"unknown role", func(nu *auth.NewUser) { nu.Role = "superuser" }, auth.ErrBadRole},
			{"empty role", func(nu *auth.NewUser) { nu.Role = "" }, auth.ErrBadRole},
			{"role in capitals", func(nu *auth.NewUser) { nu.Role = "Admin" }, auth.ErrBadRole},
			{"empty name", func(nu *auth.NewUser) { nu.DisplayName = "" }, auth.ErrBadName},
			{"blank name", func(nu *auth.NewUser) { nu.DisplayName = "   " }, auth.ErrBadName},
			{"name too long", func(nu *auth.NewUser) { nu.DisplayName = strings.Repeat("n", 101) }, auth.ErrBadName},
			{"password too short", func(nu *auth.NewUser) { nu.Password = "short" }, auth.ErrPasswordTooShort},
			{"password too long", func(nu *auth.NewUser) { nu.Password = strings.Repeat("p", auth.MaxPasswordLen+1) }, auth.ErrPasswordTooLong},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				nu := ok
				tt.change(&nu)
				_, err := f.svc.CreateUser(f.ctx, nu)
				if !errors.Is(err, tt.want) {
					t.Fatalf("CreateUser = %v, want %v", err, tt.want)
				}
			})
		}
		if n := f.count(t, "SELECT COUNT(*) FROM users"); n != 1 {
			t.Errorf("%d accounts after refused creations, want 1", n)
		}
	})
}

func TestCreateUserNormalises(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u, err := f.svc.CreateUser(f.ctx, auth.NewUser{
			Login: "  Ana.Lopez-2 ", DisplayName: "  Ana López  ", Password: password, Role: auth.Coordinator, Lang: "es"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Login != "ana.lopez-2" || u.DisplayName != "Ana López" || u.Role != auth.Coordinator || u.Lang != "es" {
			t.Errorf("created %q %q %q %q, want ana.lopez-2, Ana López, coordinator, es", u.Login, u.DisplayName, u.Role, u.Lang)
		}
		if u.Disabled || u.TOTPEnabled || u.CreatedAt != start.Unix() {
			t.Errorf("new account: disabled %v, totp %v, created %d", u.Disabled, u.TOTPEnabled, u.CreatedAt)
		}
		byLogin, err := f.svc.UserByLogin(f.ctx, "ANA.LOPEZ-2")
		if err != nil || byLogin.ID != u.ID {
			t.Errorf("UserByLogin in capitals: %v", err)
		}
		if _, err := f.svc.UserByLogin(f.ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByLogin(unknown) = %v, want ErrNotFound", err)
		}
		// A display name of exactly 100 characters, not bytes, is fine.
		if _, err := f.svc.CreateUser(f.ctx, auth.NewUser{Login: "long", DisplayName: strings.Repeat("é", 100), Password: password, Role: auth.Viewer}); err != nil {
			t.Errorf("100-letter name refused: %v", err)
		}
		users, err := f.svc.Users(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 2 || users[0].Login != "ana.lopez-2" || users[1].Login != "long" {
			t.Errorf("Users not listed by login")
		}
	})
}

func TestLastAdmin(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		first := f.user(t, "first", auth.Admin)
		f.user(t, "viewer", auth.Viewer)

		if err := f.svc.SetRole(f.ctx, first.ID, auth.Coordinator); !errors.Is(err, auth.ErrLastAdmin) {
			t.Errorf("demote last admin = %v, want ErrLastAdmin", err)
		}
		if err := f.svc.SetDisabled(f.ctx, first.ID, true); !errors.Is(err, auth.ErrLastAdmin) {
			t.Errorf("disable last admin = %v, want ErrLastAdmin", err)
		}
		if u := f.reload(t, first); u.Role != auth.Admin || u.Disabled {
			t.Fatalf("last admin changed: role %s, disabled %v", u.Role, u.Disabled)
		}
		if err := f.svc.SetRole(f.ctx, first.ID, auth.Admin); err != nil {
			t.Errorf("keeping the last admin an admin: %v", err)
		}

		// A disabled admin does not count.
		second := f.user(t, "second", auth.Admin)
		if err := f.svc.SetDisabled(f.ctx, second.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetRole(f.ctx, first.ID, auth.Viewer); !errors.Is(err, auth.ErrLastAdmin) {
			t.Errorf("demote with only a disabled second admin = %v, want ErrLastAdmin", err)
		}

		// With another active admin, either can go.
		if err := f.svc.SetDisabled(f.ctx, second.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetRole(f.ctx, first.ID, auth.Reviewer); err != nil {
			t.Fatalf("demote with another admin: %v", err)
		}
		if u := f.reload(t, first); u.Role != auth.Reviewer {
			t.Errorf("role = %s, want reviewer", u.Role)
		}
		// Now second is the last one.
		if err := f.svc.SetDisabled(f.ctx, second.ID, true); !errors.Is(err, auth.ErrLastAdmin) {
			t.Errorf("disable new last admin = %v, want ErrLastAdmin", err)
		}
		if err := f.svc.SetRole(f.ctx, first.ID, auth.Admin); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetDisabled(f.ctx, second.ID, true); err != nil {
			t.Errorf("disable an admin while another is active: %v", err)
		}
	})
}

func TestSetRole(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Viewer)
		if err := f.svc.SetRole(f.ctx, u.ID, "root"); !errors.Is(err, auth.ErrBadRole) {
			t.Errorf("SetRole(root) = %v, want ErrBadRole", err)
		}
		if err := f.svc.SetRole(f.ctx, u.ID+100, auth.Reviewer); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetRole(unknown account) = %v, want ErrNotFound", err)
		}
		if err := f.svc.SetRole(f.ctx, u.ID, auth.Reviewer); err != nil {
			t.Fatal(err)
		}
		if got := f.reload(t, u).Role; got != auth.Reviewer {
			t.Errorf("role = %s, want reviewer", got)
		}
	})
}

func TestSetDisabled(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "admin", auth.Admin)
		u := f.user(t, "ana", auth.Documenter)
		laptop, phone := f.login(t, "ana"), f.login(t, "ana")

		if err := f.svc.SetDisabled(f.ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if f.live(t, laptop.Token) || f.live(t, phone.Token) {
			t.Error("sessions of a disabled account still work")
		}
		if _, err := f.svc.Login(f.ctx, "ana", password, "192.0.2.1", ""); !errors.Is(err, auth.ErrDisabled) {
			t.Errorf("login to disabled account = %v, want ErrDisabled", err)
		}
		// Without the password nobody learns the account is disabled.
		if _, err := f.svc.Login(f.ctx, "ana", "wrong password", "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("wrong password on disabled account = %v, want ErrBadCredentials", err)
		}

		if err := f.svc.SetDisabled(f.ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if f.live(t, laptop.Token) {
			t.Error("re-enabling revived an old session")
		}
		f.login(t, "ana")
		if err := f.svc.SetDisabled(f.ctx, u.ID+100, true); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("disable unknown account = %v, want ErrNotFound", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	const next = "a whole new passphrase"
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Documenter)
		f.user(t, "bea", auth.Documenter)
		laptop, phone := f.login(t, "ana"), f.login(t, "ana")
		bystander := f.login(t, "bea")

		if err := f.svc.ChangePassword(f.ctx, u.ID, "not my password", next); !errors.Is(err, auth.ErrWrongPassword) {
			t.Errorf("change with wrong current password = %v, want ErrWrongPassword", err)
		}
		if err := f.svc.ChangePassword(f.ctx, u.ID, password, "short"); !errors.Is(err, auth.ErrPasswordTooShort) {
			t.Errorf("change to short password = %v, want ErrPasswordTooShort", err)
		}
		if !f.live(t, laptop.Token) {
			t.Fatal("refused password change ended a session")
		}
		f.login(t, "ana") // the old password still works

		if err := f.svc.ChangePassword(f.ctx, u.ID, password, next); err != nil {
			t.Fatal(err)
		}
		if f.live(t, laptop.Token) || f.live(t, phone.Token) {
			t.Error("sessions survive a password change")
		}
		if !f.live(t, bystander.Token) {
			t.Error("another account's session ended by a password change")
		}
		if _, err := f.svc.Login(f.ctx, "ana", password, "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("login with old password = %v, want ErrBadCredentials", err)
		}
		if _, err := f.svc.Login(f.ctx, "ana", next, "192.0.2.1", ""); err != nil {
			t.Errorf("login with new password: %v", err)
		}
		if _, err := f.svc.Login(f.ctx, "bea", password, "192.0.2.1", ""); err != nil {
			t.Errorf("other account's password changed too: %v", err)
		}
	})
}

// Two admins demoting each other at the same moment must not leave the
// organisation without one.
func TestLastAdminConcurrent(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a := f.user(t, "admin-a", auth.Admin)
		b := f.user(t, "admin-b", auth.Admin)
		for round := range 20 {
			for _, u := range []*auth.User{a, b} {
				if err := f.svc.SetRole(f.ctx, u.ID, auth.Admin); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, u := range []*auth.User{a, b} {
				wg.Go(func() {
					if i == 0 {
						errs[i] = f.svc.SetRole(f.ctx, u.ID, auth.Viewer)
					} else {
						errs[i] = f.svc.SetDisabled(f.ctx, u.ID, true)
					}
				})
			}
			wg.Wait()
			refused := 0
			for _, err := range errs {
				switch {
				case errors.Is(err, auth.ErrLastAdmin):
					refused++
				case err != nil:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if n := f.count(t, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0"); n != 1 || refused != 1 {
				t.Fatalf("round %d: %d active admins left, %d changes refused; want 1 and 1", round, n, refused)
			}
			if err := f.svc.SetDisabled(f.ctx, b.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	})
}
