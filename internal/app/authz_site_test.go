package app_test

// The public site: anyone, with or without an account.
func init() {
	addRows(map[string]expect{
		"GET /public":                public,
		"GET /public/stats":          public,
		"GET /public/incidents/{id}": public,
	})
}
