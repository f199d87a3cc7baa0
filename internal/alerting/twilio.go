package alerting

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// TwilioSignature computes X-Twilio-Signature for a form POST: base64 of
// HMAC-SHA1, keyed with the account's auth token, over the full URL
// followed by every parameter name and value, sorted by name.
func TwilioSignature(token, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyTwilio checks a request's X-Twilio-Signature in constant time.
func VerifyTwilio(token, fullURL string, form url.Values, sig string) bool {
	if token == "" || sig == "" {
		return false
	}
	return hmac.Equal([]byte(TwilioSignature(token, fullURL, form)), []byte(sig))
}
