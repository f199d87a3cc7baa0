package app_test

// The case desk's routes (internal/casedesk).
func init() {
	addRows(map[string]expect{
		"GET /cases":                signedIn,
		"GET /cases/events":         signedIn,
		"GET /cases/new":            documenters,
		"POST /cases":               documenters,
		"POST /cases/handover":      documenters,
		"GET /cases/{id}":           signedIn,
		"GET /cases/{id}/events":    signedIn,
		"POST /cases/{id}/entries":  documenters,
		"POST /cases/{id}/phase":    documenters,
		"POST /cases/{id}/details":  documenters,
		"POST /cases/{id}/verify":   reviewers,
		"POST /cases/{id}/close":    documenters,
		"POST /cases/{id}/reopen":   coordinators,
		"POST /cases/{id}/incident": documenters,
		"GET /admin/regions":        adminOnly,
		"POST /admin/regions":       adminOnly,
	})
}
