package app

import (
	"context"
	"time"

	"github.com/faro-project/faro/internal/publish"
)

// publishParts are publication's services: the public dataset, the
// public site, open data and import.
type publishParts struct {
	// Public is the public dataset (public_records).
	Public *publish.Store
	// Publisher applies the publication rules to Faro's own incidents.
	Publisher *publish.Publisher
	// warmSite reads the public dataset into the site's memory.
	warmSite func(context.Context) error
}

// wirePublish builds publication and registers its routes.
func (a *App) wirePublish(ctx context.Context, cfg Config) error {
	a.Public = publish.NewStore(a.DB)
	pcfg := cfg.Publish.WithDefaults(cfg.Web.InstanceName)
	if err := pcfg.Validate(); err != nil {
		return err
	}
	a.Publisher = publish.NewPublisher(a.DB, a.Public, a.Vault, a.Vault.Sealed, pcfg)

	// --- open data and the approved public text ---
	publish.RegisterData(a.Web, a.Public, pcfg)
	publish.RegisterPublicText(a.Web, a.DB, a.Vault, a.Audit, a.Incidents, a.Teams, a.Publisher.Poke)
	// --- end open data ---

	// --- public site: map, statistics, incident pages under /public ---
	a.warmSite = publish.RegisterSite(a.Web, a.Public, cfg.Publish)
	// --- end public site ---

	// --- import: IOM MMP and HXL files into the public dataset (/publish/import) ---
	publish.RegisterImport(a.Web, publish.NewImporter(a.DB, a.Public, a.Audit))
	// --- end import ---

	return nil
}

// runPublish keeps the public dataset up to date until ctx ends: a
// refresh at start, then every minute when incidents changed (two small
// queries when they did not), and at once after an approved text changes.
func (a *App) runPublish(ctx context.Context) {
	go func() {
		start := time.Now()
		if err := a.warmSite(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("public site not read ahead", "err", err)
			return
		}
		a.Log.Debug("public site read ahead", "ms", time.Since(start).Milliseconds())
	}()
	a.Publisher.Run(ctx, time.Minute, func(published, withdrawn int, err error) {
		if err != nil {
			a.Log.Error("publication refresh failed", "err", err)
			return
		}
		if published > 0 || withdrawn > 0 {
			a.Log.Info("public dataset refreshed", "published", published, "withdrawn", withdrawn)
		}
	})
}
