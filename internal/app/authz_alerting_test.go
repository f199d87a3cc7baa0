package app_test

// The alerting routes. The ack and verify links are public (responders
// have no account; the token is the key) and the reply hooks authenticate
// the gateway themselves (401 without a valid signature or secret).
func init() {
	addRows(map[string]expect{
		"GET /alerting/rules":              coordinators,
		"GET /alerting/rules/new":          coordinators,
		"POST /alerting/rules":             coordinators,
		"GET /alerting/rules/{id}":         coordinators,
		"POST /alerting/rules/{id}":        coordinators,
		"POST /alerting/rules/{id}/delete": coordinators,
		"GET /alerts":                      signedIn,
		"GET /alerts/history":              coordinators,
		"GET /ack/{token}":                 public,
		"POST /ack/{token}":                public,
		"GET /verify/{token}":              public,
		"POST /verify/{token}":             public,
		"POST /hooks/sms":                  public,
		"POST /hooks/signal":               public,
	})
}
