package main

import (
	"context"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/publish"
	"github.com/faro-project/faro/internal/store/storetest"
)

// seedDemo wires every part of the demo: accounts, incidents, the case
// desk and the first publication.
func TestSeedDemoFillsCaseDeskAndPublicSite(t *testing.T) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.Env) != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			var opts apptest.Options
			if engine == "postgres" {
				opts.Database = storetest.PostgresDSN(t)
			}
			checkSeedDemo(t, opts)
		})
	}
}

func checkSeedDemo(t *testing.T, opts apptest.Options) {
	a, _ := apptest.New(t, opts)
	ctx := context.Background()
	pw, err := seedDemo(ctx, a)
	if err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	if len(pw) != len(demoAccounts) {
		t.Errorf("%d passwords for %d accounts", len(pw), len(demoAccounts))
	}
	board, err := a.Cases.Board(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(board) != 6 {
		t.Errorf("%d open cases on the board, want 6", len(board))
	}
	var published int
	if err := a.DB.QueryRow(ctx, "SELECT COUNT(*) FROM public_records WHERE source = ?", publish.SourceFaro).Scan(&published); err != nil {
		t.Fatal(err)
	}
	if published < demoIncidents/5 || published > demoIncidents/2 {
		t.Errorf("%d of %d demo incidents published, want about a third", published, demoIncidents)
	}
}

func TestPublishPlaceFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{{nil, publish.PlaceGrid}, {[]string{"--publish-place", "admin"}, publish.PlaceAdmin}} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var p publishFlags
		p.register(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if p.cfg.Place != tc.want {
			t.Errorf("%v: place %q, want %q", tc.args, p.cfg.Place, tc.want)
		}
	}
	// A mode that does not exist stops the start rather than publishing
	// positions by surprise.
	code, _, stderr := runCLI(t, "demo", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--publish-place", "street")
	if code == 0 || !strings.Contains(stderr, "place") {
		t.Errorf("--publish-place street: exit %d, stderr %q", code, stderr)
	}
}
