package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ErrChannelOff is returned when a message names a channel this instance
// has not configured (or one Faro does not know).
var ErrChannelOff = errors.New("notify: channel not configured")

// ErrInvalidMessage is returned, permanent, for a message that cannot be
// sent whatever the retries: an invalid address, a missing body.
var ErrInvalidMessage = errors.New("notify: invalid message")

// permanent marks an error that retrying will not cure.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that IsPermanent reports true for it.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether retrying the delivery that returned err is
// pointless: a 4xx answer other than 408 and 429, a 5xx SMTP reply, an
// invalid address or message, a channel that is not configured.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p) || errors.Is(err, ErrChannelOff) || errors.Is(err, ErrInvalidMessage)
}

// statusError builds the error for an HTTP answer that was not a success.
// It carries the status and a provider code, never the body (which may
// repeat the address or text back).
func statusError(channel string, status int, code string) error {
	msg := fmt.Sprintf("notify: %s: provider answered HTTP %d", channel, status)
	if code != "" {
		msg += " (code " + code + ")"
	}
	err := errors.New(msg)
	if status >= 400 && status < 500 && status != 408 && status != 429 {
		return Permanent(err)
	}
	return err
}

// transportError hides the text of a network error, which names the URL
// (a webhook URL may hold a token) or the host, behind a short cause, and
// keeps the original for errors.Is (context.DeadlineExceeded).
type transportError struct {
	channel, cause string
	err            error
}

func (e *transportError) Error() string {
	return "notify: " + e.channel + ": " + e.cause
}
func (e *transportError) Unwrap() error { return e.err }

func netError(channel string, err error) error {
	cause := "connection failed"
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.Canceled):
		cause = "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		cause = "timed out"
	case errors.As(err, &dns):
		cause = "name lookup failed"
	}
	return &transportError{channel: channel, cause: cause, err: err}
}
