package incident

// SetWalkHits changes the hit count above which List walks the list in Go
// instead of handing hits to SQL, so small corpora exercise both paths.
func SetWalkHits(n int) func() {
	old := walkHits
	walkHits = n
	return func() { walkHits = old }
}
