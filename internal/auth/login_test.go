package auth_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/auth"
)

func TestLogin(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Documenter)

		res, err := f.svc.Login(f.ctx, " ANA ", password, "192.0.2.1", "Mozilla/5.0 Firefox")
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		if res.Token == "" || res.State != auth.StateFull || res.User.ID != u.ID {
			t.Fatalf("login gave state %q for account %d, want a full session for %d", res.State, res.User.ID, u.ID)
		}
		ss, su, err := f.svc.Lookup(f.ctx, res.Token)
		if err != nil {
			t.Fatalf("Lookup of fresh session: %v", err)
		}
		if ss.State != auth.StateFull || su.ID != u.ID || ss.UserAgent != "Mozilla/5.0 Firefox" || ss.CSRF == "" {
			t.Errorf("session: state %q, account %d, agent %q, csrf set %v", ss.State, su.ID, ss.UserAgent, ss.CSRF != "")
		}
		if ss.ExpiresAt != start.Add(auth.DefaultLimits.AbsoluteTimeout).Unix() {
			t.Errorf("session expires at %d, want login + absolute timeout", ss.ExpiresAt)
		}
		if other := f.login(t, "ana"); other.Token == res.Token {
			t.Error("two logins got the same token")
		}
	})
}

// A wrong password and an unknown login must look the same to the person
// trying: the answer must not reveal which accounts exist.
func TestLoginFailuresLookAlike(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "ana", auth.Documenter)
		tests := []struct{ name, login, pw string }{
			{"wrong password", "ana", "not the password"},
			{"empty password", "ana", ""},
			{"password in other case", "ana", "CORRECT HORSE BATTERY"},
			{"unknown login", "nobody", password},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := f.svc.Login(f.ctx, tt.login, tt.pw, "192.0.2.9", "")
				if res != nil {
					t.Error("failed login returned a result")
				}
				if !errors.Is(err, auth.ErrBadCredentials) || err.Error() != auth.ErrBadCredentials.Error() {
					t.Errorf("Login = %v, want exactly ErrBadCredentials", err)
				}
			})
		}
		if n := f.count(t, "SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Errorf("%d sessions after failed logins", n)
		}
	})
}

func throttled(t *testing.T, err error) *auth.ThrottledError {
	t.Helper()
	var te *auth.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("Login = %v, want *ThrottledError", err)
	}
	return te
}

func TestThrottlePerAccount(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "ana", auth.Documenter)
		f.user(t, "bea", auth.Documenter)
		max := f.svc.Limits.MaxFailuresPerAccount
		window := f.svc.Limits.FailureWindow

		// Failures from many addresses and in any case count for the account.
		for i := range max {
			login := "ana"
			if i%2 == 1 {
				login = "Ana"
			}
			if _, err := f.svc.Login(f.ctx, login, "guess "+fmt.Sprint(i), fmt.Sprintf("198.51.100.%d", i), ""); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := f.svc.Login(f.ctx, "ana", password, "203.0.113.7", "")
		te := throttled(t, err)
		if te.RetryAfter != window {
			t.Errorf("RetryAfter = %v, want %v", te.RetryAfter, window)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM sessions"); n != 0 {
			t.Error("throttled login opened a session")
		}
		// Other accounts, even from the same addresses, are not affected.
		if _, err := f.svc.Login(f.ctx, "bea", password, "198.51.100.0", ""); err != nil {
			t.Errorf("other account throttled: %v", err)
		}

		f.clock.Add(window - 5*time.Minute)
		_, err = f.svc.Login(f.ctx, "ana", password, "203.0.113.7", "")
		if te := throttled(t, err); te.RetryAfter != 5*time.Minute {
			t.Errorf("RetryAfter = %v, want 5m", te.RetryAfter)
		}
		f.clock.Add(4*time.Minute + 30*time.Second)
		_, err = f.svc.Login(f.ctx, "ana", password, "203.0.113.7", "")
		if te := throttled(t, err); te.RetryAfter != time.Minute {
			t.Errorf("RetryAfter = %v, want at least a minute", te.RetryAfter)
		}

		f.clock.Add(30*time.Second + time.Second)
		if _, err := f.svc.Login(f.ctx, "ana", password, "203.0.113.7", ""); err != nil {
			t.Errorf("login after the window passed: %v", err)
		}
	})
}

func TestThrottlePerAddress(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.svc.Limits.MaxFailuresPerAddress = 4
		for i := range 5 {
			f.user(t, fmt.Sprintf("user%d", i), auth.Viewer)
		}
		const attacker = "203.0.113.66"
		for i := range 4 {
			if _, err := f.svc.Login(f.ctx, fmt.Sprintf("user%d", i), "guess", attacker, ""); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// Even an untouched account with its right password is refused from there…
		_, err := f.svc.Login(f.ctx, "user4", password, attacker, "")
		throttled(t, err)
		// …but not from elsewhere.
		if _, err := f.svc.Login(f.ctx, "user4", password, "192.0.2.1", ""); err != nil {
			t.Errorf("login from another address: %v", err)
		}
		if _, err := f.svc.Login(f.ctx, "user0", password, "192.0.2.1", ""); err != nil {
			t.Errorf("account with one failure, other address: %v", err)
		}
		f.clock.Add(f.svc.Limits.FailureWindow + time.Second)
		if _, err := f.svc.Login(f.ctx, "user4", password, attacker, ""); err != nil {
			t.Errorf("address still throttled after the window: %v", err)
		}
	})
}

func TestSuccessClearsAccountFailures(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "ana", auth.Documenter)
		f.svc.Limits.MaxFailuresPerAccount = 5
		f.svc.Limits.MaxFailuresPerAddress = 9
		const addr = "192.0.2.44"
		fail := func(n int) {
			t.Helper()
			for range n {
				if _, err := f.svc.Login(f.ctx, "ana", "typo typo typo", addr, ""); !errors.Is(err, auth.ErrBadCredentials) {
					t.Fatalf("failed login: %v", err)
				}
			}
		}
		fail(4)
		if _, err := f.svc.Login(f.ctx, "ana", password, addr, ""); err != nil {
			t.Fatalf("login after 4 failures: %v", err)
		}
		fail(4) // 4 since the success, 8 in all
		if _, err := f.svc.Login(f.ctx, "ana", password, addr, ""); err != nil {
			t.Fatalf("success did not clear the account's failures: %v", err)
		}
		// The address keeps its count: one good login does not reset an
		// attacker's allowance.
		fail(1)
		_, err := f.svc.Login(f.ctx, "ana", password, addr, "")
		throttled(t, err)
	})
}

// TestThrottleHoldsUnderParallelGuesses: a burst of guesses sent at once
// gets no more tries than guesses sent one by one. The count used to be
// checked before the slow password hash and the failure written after it,
// so every guess of a burst passed the check.
func TestThrottleHoldsUnderParallelGuesses(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user(t, "ana", auth.Documenter)
		max := f.svc.Limits.MaxFailuresPerAccount
		const burst = 24
		var tried, refused atomic.Int32
		var wg sync.WaitGroup
		for i := range burst {
			wg.Go(func() {
				_, err := f.svc.Login(f.ctx, "ana", fmt.Sprint("guess ", i), fmt.Sprintf("198.51.100.%d", i), "")
				var te *auth.ThrottledError
				switch {
				case errors.Is(err, auth.ErrBadCredentials):
					tried.Add(1)
				case errors.As(err, &te):
					refused.Add(1)
				default:
					t.Errorf("guess %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if int(tried.Load()) != max || int(refused.Load()) != burst-max {
			t.Errorf("%d parallel guesses: %d checked, %d refused; want %d checked", burst, tried.Load(), refused.Load(), max)
		}
		// The right password is refused too until the window passes.
		_, err := f.svc.Login(f.ctx, "ana", password, "203.0.113.7", "")
		throttled(t, err)
		// A right password does not count against the address it came from.
		f.clock.Add(f.svc.Limits.FailureWindow + time.Second)
		for range f.svc.Limits.MaxFailuresPerAddress + 1 {
			if _, err := f.svc.Login(f.ctx, "ana", password, "203.0.113.9", ""); err != nil {
				t.Fatalf("repeated good sign-ins from one address: %v", err)
			}
		}
	})
}
