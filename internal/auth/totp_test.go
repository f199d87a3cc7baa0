package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/faro-project/faro/internal/auth"
)

const step = 30 * time.Second

// wrongCode returns a well-formed code that is not right for secret at t.
func wrongCode(secret string, t time.Time) string {
	c := []byte(auth.TOTPCode(secret, t))
	c[5] = '0' + (c[5]-'0'+1)%10
	return string(c)
}

func TestTOTPEnrolment(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "admin", auth.Admin)
		if !u.NeedsTOTPEnrolment() {
			t.Error("admin without a second factor does not need to enrol")
		}
		if err := f.svc.ConfirmTOTP(f.ctx, u.ID, "123456"); !errors.Is(err, auth.ErrBadCode) {
			t.Errorf("confirm before start = %v, want ErrBadCode", err)
		}

		e, err := f.svc.StartTOTP(f.ctx, u, "Faro")
		if err != nil {
			t.Fatal(err)
		}
		key, err := otp.NewKeyFromURL(e.URL)
		if err != nil {
			t.Fatalf("enrolment URL does not parse: %v", err)
		}
		if key.Secret() != e.Secret || key.Issuer() != "Faro" || key.AccountName() != "admin" || key.Period() != 30 {
			t.Errorf("enrolment URL: issuer %q, account %q, period %d, secret matches %v",
				key.Issuer(), key.AccountName(), key.Period(), key.Secret() == e.Secret)
		}

		// Reloading the enrolment page shows the same secret.
		again, err := f.svc.StartTOTP(f.ctx, f.reload(t, u), "Faro")
		if err != nil {
			t.Fatal(err)
		}
		if again.Secret != e.Secret {
			t.Error("second StartTOTP changed the pending secret")
		}

		// Until confirmed the secret is not in force.
		if res := f.login(t, "admin"); res.State != auth.StateFull {
			t.Errorf("login with unconfirmed second factor: state %q", res.State)
		}

		now := f.clock.Now()
		for _, bad := range []string{wrongCode(e.Secret, now), "12345", "1234567", "", "abcdef", auth.TOTPCode(e.Secret, now.Add(-2*step))} {
			if err := f.svc.ConfirmTOTP(f.ctx, u.ID, bad); !errors.Is(err, auth.ErrBadCode) {
				t.Errorf("confirm with a wrong code = %v, want ErrBadCode", err)
			}
		}
		if f.reload(t, u).TOTPEnabled {
			t.Fatal("wrong code enabled the second factor")
		}

		code := auth.TOTPCode(e.Secret, now)
		if err := f.svc.ConfirmTOTP(f.ctx, u.ID, " "+code[:3]+" "+code[3:]+" "); err != nil {
			t.Fatalf("confirm with the right code typed with spaces: %v", err)
		}
		u = f.reload(t, u)
		if !u.TOTPEnabled || u.NeedsTOTPEnrolment() {
			t.Errorf("after confirmation: enabled %v, needs enrolment %v", u.TOTPEnabled, u.NeedsTOTPEnrolment())
		}
		if _, err := f.svc.StartTOTP(f.ctx, u, "Faro"); !errors.Is(err, auth.ErrTOTPAlreadyOn) {
			t.Errorf("StartTOTP when enabled = %v, want ErrTOTPAlreadyOn", err)
		}
		if err := f.svc.ConfirmTOTP(f.ctx, u.ID, code); !errors.Is(err, auth.ErrTOTPAlreadyOn) {
			t.Errorf("ConfirmTOTP when enabled = %v, want ErrTOTPAlreadyOn", err)
		}
	})
}

// The issuer is the organisation's name; a reloaded enrolment page must
// offer the same, complete key. ('&' is left out: the otp library itself
// does not escape it in the issuer parameter.)
func TestTOTPEnrolmentURLStable(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Documenter)
		const issuer = "Grenzenlos e.V. #2 ¿Sí?"
		first, err := f.svc.StartTOTP(f.ctx, u, issuer)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.StartTOTP(f.ctx, f.reload(t, u), issuer)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range []*auth.TOTPEnrolment{first, second} {
			key, err := otp.NewKeyFromURL(e.URL)
			if err != nil {
				t.Fatalf("URL %d does not parse: %v", i+1, err)
			}
			if key.Issuer() != issuer || key.AccountName() != "ana" || key.Secret() != first.Secret {
				t.Errorf("URL %d: issuer %q, account %q, secret matches %v", i+1, key.Issuer(), key.AccountName(), key.Secret() == first.Secret)
			}
		}
		if second.URL != first.URL {
			t.Error("reloaded enrolment offers a different URL")
		}
	})
}

func TestNeedsTOTPEnrolment(t *testing.T) {
	tests := []struct {
		role auth.Role
		totp bool
		want bool
	}{
		{auth.Admin, false, true},
		{auth.Admin, true, false},
		{auth.Coordinator, false, false},
		{auth.Viewer, false, false},
		{auth.Viewer, true, false},
	}
	for _, tt := range tests {
		u := auth.User{Role: tt.role, TOTPEnabled: tt.totp}
		if got := u.NeedsTOTPEnrolment(); got != tt.want {
			t.Errorf("%s with second factor %v: NeedsTOTPEnrolment = %v, want %v", tt.role, tt.totp, got, tt.want)
		}
	}
}

func TestSecondFactorLogin(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "admin", auth.Admin)
		secret := f.enrolTOTP(t, u)

		res := f.login(t, "admin")
		if res.State != auth.StateSecondFactor {
			t.Fatalf("password login of TOTP account: state %q", res.State)
		}
		ss, su, err := f.svc.Lookup(f.ctx, res.Token)
		if err != nil {
			t.Fatal(err)
		}
		if ss.State != auth.StateSecondFactor || su.ID != u.ID {
			t.Fatalf("pending session: state %q, account %d", ss.State, su.ID)
		}
		if ss.ExpiresAt != start.Add(f.svc.Limits.SecondFactorTimeout).Unix() {
			t.Errorf("pending session expires at %d, want login + second factor timeout", ss.ExpiresAt)
		}

		// The code used to confirm enrolment cannot be used again.
		if _, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, auth.TOTPCode(secret, f.clock.Now()), "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCode) {
			t.Errorf("enrolment code reused = %v, want ErrBadCode", err)
		}
		if _, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, wrongCode(secret, f.clock.Now()), "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCode) {
			t.Errorf("wrong code = %v, want ErrBadCode", err)
		}
		if !f.live(t, res.Token) {
			t.Fatal("a wrong code ended the pending session")
		}

		f.clock.Add(step)
		full, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, auth.TOTPCode(secret, f.clock.Now()), "192.0.2.1", "Firefox")
		if err != nil {
			t.Fatalf("right code: %v", err)
		}
		if full.State != auth.StateFull || full.Token == "" || full.Token == res.Token || full.User.ID != u.ID {
			t.Fatalf("second factor gave state %q, fresh token %v", full.State, full.Token != res.Token)
		}
		if f.live(t, res.Token) {
			t.Error("pending token still works after the second factor")
		}
		ss, _, err = f.svc.Lookup(f.ctx, full.Token)
		if err != nil || ss.State != auth.StateFull {
			t.Fatalf("full session: %v", err)
		}
		// A full session is not a pending one.
		if _, err := f.svc.CompleteSecondFactor(f.ctx, full.Token, auth.TOTPCode(secret, f.clock.Now().Add(step)), "192.0.2.1", ""); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("second factor on a full session = %v, want ErrNoSession", err)
		}
		if _, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, auth.TOTPCode(secret, f.clock.Now().Add(step)), "192.0.2.1", ""); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("second factor on the used pending token = %v, want ErrNoSession", err)
		}
	})
}

// Each code works once, within one step of clock skew either way, and never
// after a later code was accepted.
func TestTOTPCodeReplay(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Documenter)
		secret := f.enrolTOTP(t, u) // uses the code of step 0
		tests := []struct {
			name    string
			advance time.Duration // clock move before the attempt
			steps   int           // code's step relative to start
			ok      bool
		}{
			{"previous step", 2 * step, 1, true},
			{"previous step again", 0, 1, false},
			{"current step", 0, 2, true},
			{"current step again", 0, 2, false},
			{"two steps old", 3 * step, 3, false},
			{"next step", 0, 6, true},
			{"current after next was used", 0, 5, false},
			{"long expired", 10 * step, 7, false},
			{"two steps ahead", 0, 17, false},
			{"current much later", 0, 15, true},
		}
		for _, tt := range tests {
			f.clock.Add(tt.advance)
			res := f.login(t, "ana")
			_, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, auth.TOTPCode(secret, start.Add(time.Duration(tt.steps)*step)), "192.0.2.1", "")
			if tt.ok && err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			if !tt.ok && !errors.Is(err, auth.ErrBadCode) {
				t.Errorf("%s: %v, want ErrBadCode", tt.name, err)
			}
		}
	})
}

func TestSecondFactorThrottled(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Documenter)
		secret := f.enrolTOTP(t, u)
		f.clock.Add(step)
		res := f.login(t, "ana")
		for range f.svc.Limits.MaxFailuresPerAccount {
			if _, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, wrongCode(secret, f.clock.Now()), "192.0.2.1", ""); !errors.Is(err, auth.ErrBadCode) {
				t.Fatalf("wrong code: %v", err)
			}
		}
		_, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, auth.TOTPCode(secret, f.clock.Now()), "192.0.2.1", "")
		throttled(t, err)
		_, err = f.svc.Login(f.ctx, "ana", password, "192.0.2.2", "")
		throttled(t, err)
	})
}

func TestPendingSessionExpires(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user(t, "ana", auth.Documenter)
		secret := f.enrolTOTP(t, u)
		res := f.login(t, "ana")
		f.clock.Add(f.svc.Limits.SecondFactorTimeout + time.Second)
		if _, err := f.svc.CompleteSecondFactor(f.ctx, res.Token, auth.TOTPCode(secret, f.clock.Now()), "192.0.2.1", ""); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("code after the second factor timeout = %v, want ErrNoSession", err)
		}
	})
}

func TestDisableTOTP(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin := f.user(t, "admin", auth.Admin)
		f.enrolTOTP(t, admin)
		if err := f.svc.DisableTOTP(f.ctx, admin.ID, password); !errors.Is(err, auth.ErrTOTPRequired) {
			t.Errorf("admin DisableTOTP = %v, want ErrTOTPRequired", err)
		}
		if !f.reload(t, admin).TOTPEnabled {
			t.Fatal("admin lost the second factor")
		}

		u := f.user(t, "ana", auth.Documenter)
		old := f.enrolTOTP(t, u)
		if err := f.svc.DisableTOTP(f.ctx, u.ID, "wrong password"); !errors.Is(err, auth.ErrWrongPassword) {
			t.Errorf("DisableTOTP with wrong password = %v, want ErrWrongPassword", err)
		}
		if !f.reload(t, u).TOTPEnabled {
			t.Fatal("wrong password disabled the second factor")
		}
		if err := f.svc.DisableTOTP(f.ctx, u.ID, password); err != nil {
			t.Fatal(err)
		}
		if f.reload(t, u).TOTPEnabled {
			t.Fatal("second factor still on")
		}
		if res := f.login(t, "ana"); res.State != auth.StateFull {
			t.Errorf("login after DisableTOTP: state %q", res.State)
		}
		e, err := f.svc.StartTOTP(f.ctx, f.reload(t, u), "Faro")
		if err != nil {
			t.Fatal(err)
		}
		if e.Secret == old {
			t.Error("re-enrolment offers the old, disabled secret")
		}
	})
}
