package incident

// SetWalkHits changes the hit count above which List walks the list in Go
// instead of handing hits to SQL, so small corpora exercise both paths.
func SetWalkHits(n int) func() {
	old := walkHits
	walkHits = n
	return func() { walkHits = old }
}

// SetLookupRows changes what the search walk takes a lookup by id to
// cost (0: count by id as soon as the page is full; very large: walk on),
// so small corpora exercise both ways of counting.
func SetLookupRows(n int) func() {
	old := lookupRows
	lookupRows = n
	return func() { lookupRows = old }
}
