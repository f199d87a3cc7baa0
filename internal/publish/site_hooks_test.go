package publish

// Hooks for the external tests of whole pages (site_rebuild_test.go).

// SetSiteRebuildForTest makes every change read in the background and
// calls hook before each rebuild reads (with its version) and after it
// (with ""); the returned func restores the defaults.
func SetSiteRebuildForTest(hook func(version string)) (restore func()) {
	oldMax, oldHook := siteSyncMax, siteRebuildHook
	siteSyncMax, siteRebuildHook = 0, hook
	return func() { siteSyncMax, siteRebuildHook = oldMax, oldHook }
}
