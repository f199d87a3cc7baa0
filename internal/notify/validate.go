package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// ErrAddress is wrapped by every validation error; the messages say what
// is wrong without repeating the address.
var ErrAddress = errors.New("invalid address")

func addrErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrAddress}, args...)...)
}

// ValidatePhone normalises a phone number to E.164: "+39 333 123 4567",
// "0039 333 1234567", "+44 (0)20 7946 0958" and Arabic-Indic digits all
// become "+393331234567" style. A national number without its country
// code is refused: guessing the country could text a stranger.
func ValidatePhone(s string) (string, error) {
	if len(s) > 64 {
		return "", addrErr("phone number is too long")
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "tel:")
	if s == "" {
		return "", addrErr("phone number is empty")
	}
	// "+44 (0)20…": the trunk zero in brackets is dialled only at home.
	if strings.HasPrefix(s, "+") {
		s = strings.Replace(s, "(0)", "", 1)
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '٠' && r <= '٩': // Arabic-Indic digits
			b.WriteRune('0' + (r - '٠'))
		case r >= '۰' && r <= '۹': // Eastern Arabic-Indic (Persian, Urdu)
			b.WriteRune('0' + (r - '۰'))
		case r == '+' && b.Len() == 0 && i == strings.IndexRune(s, '+'):
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", addrErr("phone number may hold only digits, spaces, dashes, dots, brackets and a leading +")
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	default:
		return "", addrErr("phone number must start with + or 00 and the country code")
	}
	digits := n[1:]
	switch {
	case digits == "" || digits[0] == '0':
		return "", addrErr("country code cannot start with 0")
	case len(digits) < 7:
		return "", addrErr("phone number is too short")
	case len(digits) > 15:
		return "", addrErr("phone number is too long (E.164 allows 15 digits)")
	}
	return n, nil
}

// ValidateEmail returns the bare address of s ("Name <a@b.org>" gives
// "a@b.org").
func ValidateEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", addrErr("email address is empty")
	}
	if len(s) > 320 || strings.ContainsAny(s, "\r\n") {
		return "", addrErr("email address is too long or spans lines")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", addrErr("not an email address")
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 1 || at == len(a.Address)-1 || len(a.Address) > 254 {
		return "", addrErr("not an email address")
	}
	if strings.ContainsAny(a.Address, " <>\"\\") {
		return "", addrErr("email address has quoted or special characters, which Faro does not send to")
	}
	return a.Address, nil
}

// ValidateWebhookURL accepts an absolute http or https URL without user
// information (credentials in a URL end up in logs; use the secret).
func ValidateWebhookURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", addrErr("webhook URL is empty")
	}
	if len(s) > 2048 {
		return "", addrErr("webhook URL is too long")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", addrErr("webhook URL does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", addrErr("webhook URL must start with https:// or http://")
	case u.Host == "" || u.Hostname() == "":
		return "", addrErr("webhook URL has no host")
	case u.User != nil:
		return "", addrErr("webhook URL must not hold a user name or password")
	case u.Fragment != "":
		return "", addrErr("webhook URL must not have a #fragment")
	}
	return u.String(), nil
}

// ValidateAddress checks an address for its channel and returns it
// normalised.
func ValidateAddress(channel, address string) (string, error) {
	switch channel {
	case Email:
		return ValidateEmail(address)
	case Webhook:
		return ValidateWebhookURL(address)
	case SMS, Signal:
		return ValidatePhone(address)
	}
	return "", addrErr("unknown channel")
}
