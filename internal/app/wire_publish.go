package app

import "context"

// publishParts are publication's services: the public dataset, the
// public site, open data and import.
// PLACEHOLDER: filled in with publication.
type publishParts struct{}

// wirePublish builds publication and registers its routes.
func (a *App) wirePublish(ctx context.Context, cfg Config) error { return nil }

// runPublish keeps the public dataset up to date until ctx ends.
func (a *App) runPublish(ctx context.Context) {}
