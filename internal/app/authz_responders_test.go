package app_test

// Rows of the authorization matrix for the responder pages
// (internal/responders): all for coordinators and admins.
func init() {
	addRows(map[string]expect{
		"GET /responders":                 coordinators,
		"POST /responders":                coordinators,
		"GET /responders/{id}":            coordinators,
		"POST /responders/{id}":           coordinators,
		"GET /responders/templates":       coordinators,
		"GET /responders/templates/{id}":  coordinators,
		"POST /responders/templates/{id}": coordinators,
	})
}
