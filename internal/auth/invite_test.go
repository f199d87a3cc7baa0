package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store"
)

func pendingInvites(t *testing.T, f *fixture) []*auth.Invite {
	t.Helper()
	list, err := f.svc.PendingInvites(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestInviteAccept(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin := f.user(t, "admin", auth.Admin)
		token, err := f.svc.CreateInvite(f.ctx, admin.ID, " Nadia ", auth.Reviewer)
		if err != nil {
			t.Fatal(err)
		}
		if token == "" {
			t.Fatal("no invitation token")
		}
		list := pendingInvites(t, f)
		if len(list) != 1 || list[0].Login != "nadia" || list[0].Role != auth.Reviewer {
			t.Fatalf("pending invitations: %d", len(list))
		}
		if want := start.Add(f.svc.Limits.InviteLifetime).Unix(); list[0].ExpiresAt != want {
			t.Errorf("invitation expires at %d, want %d", list[0].ExpiresAt, want)
		}
		inv, err := f.svc.InviteByToken(f.ctx, token)
		if err != nil || inv.Login != "nadia" {
			t.Fatalf("InviteByToken: %v", err)
		}

		// A refused form does not use up the invitation.
		if _, err := f.svc.AcceptInvite(f.ctx, token, "Nadia K.", "short", "fr"); !errors.Is(err, auth.ErrPasswordTooShort) {
			t.Errorf("accept with short password = %v, want ErrPasswordTooShort", err)
		}
		if _, err := f.svc.AcceptInvite(f.ctx, token, " ", password, "fr"); !errors.Is(err, auth.ErrBadName) {
			t.Errorf("accept with blank name = %v, want ErrBadName", err)
		}
		if len(pendingInvites(t, f)) != 1 {
			t.Fatal("a refused acceptance used up the invitation")
		}

		u, err := f.svc.AcceptInvite(f.ctx, token, "Nadia K.", password, "fr")
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		if u.Login != "nadia" || u.Role != auth.Reviewer || u.DisplayName != "Nadia K." || u.Lang != "fr" {
			t.Errorf("invited account: %q %q %q %q", u.Login, u.Role, u.DisplayName, u.Lang)
		}
		f.login(t, "nadia")

		if _, err := f.svc.AcceptInvite(f.ctx, token, "Someone Else", "another good password", "en"); !errors.Is(err, auth.ErrInviteInvalid) {
			t.Errorf("second accept = %v, want ErrInviteInvalid", err)
		}
		if _, err := f.svc.InviteByToken(f.ctx, token); !errors.Is(err, auth.ErrInviteInvalid) {
			t.Errorf("InviteByToken after use = %v, want ErrInviteInvalid", err)
		}
		if len(pendingInvites(t, f)) != 0 {
			t.Error("used invitation still pending")
		}
		if _, err := f.svc.AcceptInvite(f.ctx, "made-up-token", "X", password, ""); !errors.Is(err, auth.ErrInviteInvalid) {
			t.Errorf("accept unknown token = %v, want ErrInviteInvalid", err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM users"); n != 2 {
			t.Errorf("%d accounts, want admin and nadia", n)
		}
	})
}

func TestInviteExpires(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin := f.user(t, "admin", auth.Admin)
		token, err := f.svc.CreateInvite(f.ctx, admin.ID, "nadia", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(f.svc.Limits.InviteLifetime)
		if _, err := f.svc.InviteByToken(f.ctx, token); err != nil {
			t.Fatalf("invitation refused at the end of its lifetime: %v", err)
		}
		f.clock.Add(time.Second)
		if _, err := f.svc.AcceptInvite(f.ctx, token, "Nadia", password, ""); !errors.Is(err, auth.ErrInviteInvalid) {
			t.Errorf("accept expired invitation = %v, want ErrInviteInvalid", err)
		}
		if len(pendingInvites(t, f)) != 0 {
			t.Error("expired invitation listed as pending")
		}
		if _, err := f.svc.UserByLogin(f.ctx, "nadia"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired invitation created an account: %v", err)
		}
	})
}

func TestCreateInviteValidation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin := f.user(t, "admin", auth.Admin)
		f.user(t, "alice", auth.Viewer)
		tests := []struct {
			name  string
			login string
			role  auth.Role
			want  error
		}{
			{"login taken", "alice", auth.Viewer, auth.ErrLoginTaken},
			{"login taken other case", "ALICE", auth.Viewer, auth.ErrLoginTaken},
			{"bad login", "a", auth.Viewer, auth.ErrBadLogin},
			{"bad role", "nadia", "owner", auth.ErrBadRole},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := f.svc.CreateInvite(f.ctx, admin.ID, tt.login, tt.role); !errors.Is(err, tt.want) {
					t.Errorf("CreateInvite = %v, want %v", err, tt.want)
				}
			})
		}
		if len(pendingInvites(t, f)) != 0 {
			t.Error("refused invitation stored")
		}
	})
}

// The login may be taken between invitation and acceptance; the second
// account must not be created, and the invitation stays unused.
func TestInviteLoginTakenMeanwhile(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin := f.user(t, "admin", auth.Admin)
		first, err := f.svc.CreateInvite(f.ctx, admin.ID, "nadia", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.CreateInvite(f.ctx, admin.ID, "nadia", auth.Coordinator)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptInvite(f.ctx, first, "Nadia", password, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptInvite(f.ctx, second, "Nadia", password, ""); !errors.Is(err, auth.ErrLoginTaken) {
			t.Errorf("accept for a taken login = %v, want ErrLoginTaken", err)
		}
		u, err := f.svc.UserByLogin(f.ctx, "nadia")
		if err != nil || u.Role != auth.Viewer {
			t.Errorf("existing account changed by second invitation: %v", err)
		}
	})
}

func TestRevokeInvite(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin := f.user(t, "admin", auth.Admin)
		token, err := f.svc.CreateInvite(f.ctx, admin.ID, "nadia", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		keep, err := f.svc.CreateInvite(f.ctx, admin.ID, "omar", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		inv, err := f.svc.InviteByToken(f.ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeInvite(f.ctx, inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptInvite(f.ctx, token, "Nadia", password, ""); !errors.Is(err, auth.ErrInviteInvalid) {
			t.Errorf("accept revoked invitation = %v, want ErrInviteInvalid", err)
		}
		if list := pendingInvites(t, f); len(list) != 1 || list[0].Login != "omar" {
			t.Errorf("pending after revoke: %d", len(list))
		}
		if err := f.svc.RevokeInvite(f.ctx, inv.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke twice = %v, want ErrNotFound", err)
		}

		// A used invitation is history, not revocable.
		used, err := f.svc.InviteByToken(f.ctx, keep)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptInvite(f.ctx, keep, "Omar", password, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeInvite(f.ctx, used.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke used invitation = %v, want ErrNotFound", err)
		}
		if _, err := f.svc.UserByLogin(f.ctx, "omar"); err != nil {
			t.Errorf("account from used invitation: %v", err)
		}
	})
}
