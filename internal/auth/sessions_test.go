package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
)

func TestLookupUnknownToken(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "ana", auth.Viewer)
		res := f.login(t, "ana")
		for _, token := range []string{"", "not-a-token", res.Token + "x", strings.ToUpper(res.Token)} {
			if _, _, err := f.svc.Lookup(f.ctx, token); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("Lookup(forged token) = %v, want ErrNoSession", err)
			}
		}
	})
}

func TestIdleTimeout(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		idle := f.svc.Limits.IdleTimeout
		f.user(t, "ana", auth.Viewer)

		quiet := f.login(t, "ana")
		f.clock.Add(idle)
		if !f.live(t, quiet.Token) {
			t.Fatal("session ended at exactly the idle timeout")
		}
		f.clock.Add(idle + time.Second)
		if f.live(t, quiet.Token) {
			t.Error("session survived being idle longer than the idle timeout")
		}
		if f.live(t, quiet.Token) {
			t.Error("idle session came back")
		}

		// Use keeps a session alive past the idle timeout.
		busy := f.login(t, "ana")
		for range 3 {
			f.clock.Add(idle - time.Minute)
			if !f.live(t, busy.Token) {
				t.Fatal("session in use ended by the idle timeout")
			}
		}
	})
}

func TestAbsoluteTimeout(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		abs := f.svc.Limits.AbsoluteTimeout
		f.user(t, "ana", auth.Viewer)
		res := f.login(t, "ana")
		for elapsed := time.Duration(0); elapsed < abs; elapsed += time.Hour {
			if !f.live(t, res.Token) {
				t.Fatalf("session in use ended after %v", elapsed)
			}
			f.clock.Add(time.Hour)
		}
		if !f.live(t, res.Token) {
			t.Fatal("session ended at exactly the absolute timeout")
		}
		f.clock.Add(time.Second)
		if f.live(t, res.Token) {
			t.Error("session in constant use outlived the absolute timeout")
		}
	})
}

func TestLastSeenTouch(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Viewer)
		res := f.login(t, "ana")
		lastSeen := func() int64 {
			t.Helper()
			list, err := f.svc.Sessions(f.ctx, u.ID)
			if err != nil || len(list) != 1 {
				t.Fatalf("Sessions: %d, %v", len(list), err)
			}
			return list[0].LastSeenAt
		}
		f.clock.Add(30 * time.Second)
		ss, _, err := f.svc.Lookup(f.ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		if ss.LastSeenAt != start.Unix() || lastSeen() != start.Unix() {
			t.Error("last seen moved within a minute: a write per request")
		}
		f.clock.Add(61 * time.Second)
		ss, _, err = f.svc.Lookup(f.ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		want := start.Add(91 * time.Second).Unix()
		if ss.LastSeenAt != want || lastSeen() != want {
			t.Errorf("last seen = %d (listed %d), want %d", ss.LastSeenAt, lastSeen(), want)
		}
		if !ss.Current {
			t.Error("Lookup does not mark its session current")
		}
	})
}

func TestSessionsListsLiveFullSessions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ana := f.user(t, "ana", auth.Viewer)
		bea := f.user(t, "bea", auth.Viewer)
		f.enrolTOTP(t, bea)

		stale := f.login(t, "ana")
		f.clock.Add(f.svc.Limits.IdleTimeout + time.Minute)
		older := f.login(t, "ana")
		f.clock.Add(time.Minute)
		newer := f.login(t, "ana")
		pending := f.login(t, "bea") // waiting for a TOTP code
		if pending.State != auth.StateSecondFactor {
			t.Fatalf("TOTP account got state %q", pending.State)
		}

		list, err := f.svc.Sessions(f.ctx, ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(tokens ...string) []int64 {
			var out []int64
			for _, tok := range tokens {
				ss, _, err := f.svc.Lookup(f.ctx, tok)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, ss.ID)
			}
			return out
		}
		want := ids(newer.Token, older.Token)
		if len(list) != 2 || list[0].ID != want[0] || list[1].ID != want[1] {
			t.Fatalf("ana's sessions = %v, want the two live ones newest first %v", sessionIDs(list), want)
		}
		for _, ss := range list {
			if ss.UserID != ana.ID || ss.State != auth.StateFull {
				t.Errorf("listed session of account %d in state %q", ss.UserID, ss.State)
			}
		}
		if f.live(t, stale.Token) {
			t.Error("idle session still works")
		}

		if list, err := f.svc.Sessions(f.ctx, bea.ID); err != nil || len(list) != 0 {
			t.Errorf("a session waiting for its second factor is listed: %d, %v", len(list), err)
		}
		all, err := f.svc.Sessions(f.ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 {
			t.Errorf("everyone's sessions: %d listed, want 2", len(all))
		}

	})
}

func sessionIDs(list []*auth.Session) []int64 {
	var out []int64
	for _, ss := range list {
		out = append(out, ss.ID)
	}
	return out
}

func TestRevokeSession(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ana := f.user(t, "ana", auth.Viewer)
		f.user(t, "bea", auth.Viewer)
		anaLaptop, anaPhone := f.login(t, "ana"), f.login(t, "ana")
		beaSession := f.login(t, "bea")
		id := func(token string) int64 {
			t.Helper()
			ss, _, err := f.svc.Lookup(f.ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			return ss.ID
		}
		beaID, phoneID := id(beaSession.Token), id(anaPhone.Token)

		if err := f.svc.RevokeSession(f.ctx, beaID, ana.ID); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("revoking another account's session = %v, want ErrNoSession", err)
		}
		if !f.live(t, beaSession.Token) {
			t.Fatal("a user ended another account's session")
		}

		if err := f.svc.RevokeSession(f.ctx, phoneID, ana.ID); err != nil {
			t.Fatalf("revoke own session: %v", err)
		}
		if f.live(t, anaPhone.Token) {
			t.Error("revoked session still works")
		}
		if !f.live(t, anaLaptop.Token) {
			t.Error("revoking one session ended another")
		}
		if err := f.svc.RevokeSession(f.ctx, phoneID, ana.ID); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("revoking twice = %v, want ErrNoSession", err)
		}

		// An admin (owner 0) may end anyone's.
		if err := f.svc.RevokeSession(f.ctx, beaID, 0); err != nil {
			t.Fatalf("admin revoke: %v", err)
		}
		if f.live(t, beaSession.Token) {
			t.Error("session revoked by an admin still works")
		}
		if err := f.svc.RevokeSession(f.ctx, beaID, 0); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("admin revoking a gone session = %v, want ErrNoSession", err)
		}
	})
}

func TestLogout(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "ana", auth.Viewer)
		laptop, phone := f.login(t, "ana"), f.login(t, "ana")
		if err := f.svc.Logout(f.ctx, laptop.Token); err != nil {
			t.Fatal(err)
		}
		if f.live(t, laptop.Token) {
			t.Error("session works after logout")
		}
		if !f.live(t, phone.Token) {
			t.Error("logout ended the account's other session")
		}
		if err := f.svc.Logout(f.ctx, laptop.Token); err != nil {
			t.Errorf("second logout: %v", err)
		}
	})
}

func TestPurgeExpired(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "ana", auth.Viewer)
		bea := f.user(t, "bea", auth.Viewer)
		f.enrolTOTP(t, bea)

		idle := f.login(t, "ana")
		pending := f.login(t, "bea")
		if _, err := f.svc.Login(f.ctx, "ana", "wrong password", "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatal(err)
		}
		f.clock.Add(f.svc.Limits.IdleTimeout + time.Second)
		live := f.login(t, "ana")
		if _, err := f.svc.Login(f.ctx, "ana", "wrong again", "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatal(err)
		}

		if err := f.svc.PurgeExpired(f.ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM sessions"); n != 1 {
			t.Errorf("%d sessions kept, want only the live one", n)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM login_failures WHERE at < ?", f.clock.Now().Add(-f.svc.Limits.FailureWindow).Unix()); n != 0 {
			t.Errorf("%d failures older than the window kept", n)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM login_failures"); n != 2 {
			t.Errorf("%d recent failures kept, want 2 (account and address)", n)
		}
		if !f.live(t, live.Token) {
			t.Error("purge ended a live session")
		}
		if f.live(t, idle.Token) || f.live(t, pending.Token) {
			t.Error("purged session works")
		}
	})
}
