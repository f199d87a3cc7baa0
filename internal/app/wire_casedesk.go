package app

import "context"

// caseDeskParts are the case desk's services: cases, live board, jobs,
// responders and alerts.
// PLACEHOLDER: filled in with the case desk.
type caseDeskParts struct{}

// wireCaseDesk builds the case desk and registers its routes.
func (a *App) wireCaseDesk(ctx context.Context, cfg Config) error { return nil }

// runCaseDesk runs the case desk's background work (job workers,
// escalation timers, the live board's listener) until ctx ends.
func (a *App) runCaseDesk(ctx context.Context) {}
