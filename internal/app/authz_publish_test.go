package app_test

// Rows of the authorization matrix for open data and the approved public
// text (the public site's rows are in authz_site_test.go).
func init() {
	addRows(map[string]expect{
		"GET /data/incidents.csv":          public,
		"GET /data/incidents.geojson":      public,
		"GET /data/incidents.json":         public,
		"GET /data/mmp.csv":                public,
		"GET /data/dictionary":             public,
		"GET /incidents/{id}/public-text":  reviewers,
		"POST /incidents/{id}/public-text": reviewers,
	})
}
