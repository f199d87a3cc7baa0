package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/faro-project/faro/internal/app"
)

type serveFlags struct {
	listen, data, database, instance, baseURL string
	secureCookies, trustProxy                 bool
	logLevel                                  levelFlag
	channels                                  channelFlags
	publish                                   publishFlags
}

func (f *serveFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&f.database, "database", "", "PostgreSQL URL (postgres://…); empty means the embedded SQLite database in --data")
	fs.StringVar(&f.instance, "instance-name", "Faro", "name shown in page titles and authenticator apps")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark cookies Secure (set this behind an HTTPS proxy)")
	fs.BoolVar(&f.trustProxy, "trust-proxy", false, "take client addresses from X-Forwarded-For (only behind your own proxy)")
	fs.StringVar(&f.baseURL, "base-url", "", "public address of this Faro, e.g. https://faro.example.org, for invitation links (default: the address each request came to)")
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "Run the Faro server. Configuration comes from flags, FARO_* environment\nvariables and, for --database, FARO_DATABASE_FILE.", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory (SQLite database, evidence files)")
	fs.Var(&f.logLevel, "log-level", "`level` of logging: debug, info, warn or error (default info)")
	f.channels.register(fs)
	f.publish.register(fs)
	var u unsealFlags
	u.register(fs)
	if err := parseFlags(fs, args, append([]string{"database"}, channelSecrets...)...); err != nil {
		return err
	}
	log := newLogger(stderr, &f.logLevel)
	a, err := app.New(ctx, f.appConfig(log))
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Vault.Config(ctx); err != nil {
		return fmt.Errorf("%w; create the keys with: faro init --data %s", err, f.data)
	}
	if u.given() {
		if err := u.unseal(ctx, a, stderr); err != nil {
			return fmt.Errorf("unseal: %w", err)
		}
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	log.Info("faro listening", "addr", ln.Addr().String(), "database", a.DB.Dialect.String(),
		"version", version(), "sealed", a.Vault.Sealed())
	removePID, err := writePID(f.data)
	if err != nil {
		return err
	}
	defer removePID()
	return serveUntilDone(ctx, a, ln, log)
}

func (f *serveFlags) appConfig(log *slog.Logger) app.Config {
	cfg := app.Config{DataDir: f.data, Database: f.database, Log: log,
		Notify: f.channels.cfg, Publish: f.publish.cfg}
	cfg.Web.InstanceName = f.instance
	cfg.Web.SecureCookies = f.secureCookies
	cfg.Web.TrustProxy = f.trustProxy
	cfg.Web.BaseURL = f.baseURL
	return cfg
}

// serveUntilDone serves until ctx ends (SIGTERM or SIGINT), then lets
// in-flight requests finish for up to 30 seconds.
func serveUntilDone(ctx context.Context, a *app.App, ln net.Listener, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.CloseStreams)
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.SweepUploads(ctx)
	go a.RunMaintenance(mctx)
	sealOnSignal(mctx, a)
	go a.WatchSeals(mctx)
	a.RunWorkers(mctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
