package app

import (
	"context"
	"sync"
	"time"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/alerting/adapt"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/jobs"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/responders"
	"github.com/faro-project/faro/internal/store"

	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/live"
)

// caseDeskParts are the case desk's services: cases, live board, jobs,
// responders and alerts.
type caseDeskParts struct {
	// Live tells open pages about changes: in memory on SQLite,
	// LISTEN/NOTIFY on PostgreSQL.
	Live      live.Service
	Cases     *casedesk.Store
	CasePages *casedesk.Handlers
	alertingParts
}

// wireCaseDesk builds the case desk and registers its routes.
func (a *App) wireCaseDesk(ctx context.Context, cfg Config) error {
	a.Live = live.New(a.DB, a.Log)
	a.wireIndexSync()
	a.Cases = casedesk.NewStore(a.DB, a.Vault, a.Audit, a.Live)
	a.Cases.Log = a.Log
	a.CasePages = casedesk.Register(a.Web, a.Cases, a.Incidents, a.Live, a.Audit)
	a.Vault.OnSeal(a.CasePages.DropBoardCache) // the kept board holds decrypted cases
	return a.wireAlerting(cfg)
}

// runCaseDesk runs the case desk's background work (job workers,
// escalation timers, the live board's listener) and, on PostgreSQL, the
// search index's follower of other processes, until ctx ends.
func (a *App) runCaseDesk(ctx context.Context) {
	go a.Live.Run(ctx)
	go a.followIndex(ctx)
	go a.runAlerting(ctx)
	<-ctx.Done()
	// Open event streams end now, so the server's shutdown does not wait
	// for them.
	a.Live.Close()
}

// ---- alerting (internal/alerting): rules, deliveries, escalation, raid
// alerts. Owned by the alerting package; the case desk calls it through
// casedesk.Hooks inside each change's transaction.

// alertingParts are the job queue, the responders and alerting.
type alertingParts struct {
	Jobs       *jobs.Queue
	Responders *responders.Store
	Notify     *notify.Router
	Alerts     *alerting.Service
	AlertPages *alerting.Handlers
}

func (a *App) wireAlerting(cfg Config) error {
	a.Jobs = jobs.New(a.DB, a.Log)
	if a.alertingParts.Responders == nil {
		// Nobody else wires the responders yet: their store and pages
		// come up here, as alerting cannot work without them.
		a.alertingParts.Responders = responders.NewStore(a.DB, a.Vault, a.Audit)
		a.alertingParts.Responders.Label = func(lang, key string) string { return a.Web.I18n.Localizer(lang).T(key) }
		responders.Register(a.Web, a.alertingParts.Responders)
	}
	a.Notify = notify.New(cfg.Notify, nil)
	a.Alerts = alerting.New(alerting.Deps{
		DB: a.DB, Cipher: a.Vault, Cases: adapt.Cases{S: a.Cases},
		Responders: adapt.Responders{S: a.alertingParts.Responders}, Sender: adapt.Sender{R: a.Notify},
		Jobs: alerting.QueueScheduler{Q: a.Jobs},
		Audit: func(ctx context.Context, tx *store.Tx, action, typ, id string) error {
			return a.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: action, RecordType: typ, RecordID: id})
		},
	}, alerting.Options{BaseURL: cfg.Web.BaseURL, Instance: cfg.Web.InstanceName})
	a.Alerts.RegisterJobs(a.Jobs)
	a.Cases.SetHooks(adapt.Hooks{A: a.Alerts})
	a.AlertPages = alerting.Register(a.Web, a.Alerts, alerting.HookConfig{TwilioToken: cfg.Notify.SMSToken,
		SignalSecret: cfg.Notify.SignalHookSecret, PublicURL: cfg.Web.BaseURL})
	return nil
}

// runAlerting runs the job workers while the vault is unsealed: a
// delivery needs the case's sealed fields, and one tried while sealed
// would burn its retries. Sealing stops the workers (an interrupted job
// goes back to the table, not counted as an attempt); unsealing starts
// them again. Jobs due meanwhile wait in the table, across restarts.
func (a *App) runAlerting(ctx context.Context) {
	var (
		mu   sync.Mutex
		stop context.CancelFunc = func() {}
	)
	a.Vault.OnSeal(func() { mu.Lock(); stop(); mu.Unlock() })
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		for a.Vault.Sealed() {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		mu.Lock()
		wctx, cancel := context.WithCancel(ctx)
		stop = cancel
		mu.Unlock()
		if !a.Vault.Sealed() { // sealed between the check and the hook's new target
			a.Jobs.Run(wctx)
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
	}
}

// CloseStreams ends every open event stream (live board pages), so that a
// graceful shutdown does not wait for streams that never end by
// themselves. The server registers it with http.Server.RegisterOnShutdown.
func (a *App) CloseStreams() { a.Live.Close() }
