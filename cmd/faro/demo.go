package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/demo"
)

// demoAccounts are invented people, one per role.
var demoAccounts = []struct {
	login, name string
	role        auth.Role
}{
	{"admin", "Noor (demo admin)", auth.Admin},
	{"coordinator", "Sami (demo coordinator)", auth.Coordinator},
	{"reviewer", "Lucía (demo reviewer)", auth.Reviewer},
	{"documenter", "Jonas (demo documenter)", auth.Documenter},
	{"viewer", "Amira (demo viewer)", auth.Viewer},
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "Start Faro on a fresh embedded database with a demo organisation and one\naccount per role. Nothing here is real; do not enter real data.", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "", "data directory to create (default: a new temporary directory)")
	fs.Var(&f.logLevel, "log-level", "`level` of logging: debug, info, warn or error (default warn)")
	f.logLevel.Set("warn")
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	if f.data == "" {
		dir, err := os.MkdirTemp("", "faro-demo-")
		if err != nil {
			return err
		}
		f.data = dir
	} else if entries, err := os.ReadDir(f.data); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: the demo needs a fresh directory", f.data)
	}
	if f.instance == "Faro" {
		f.instance = "Faro demo"
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	log := newLogger(stderr, &f.logLevel)
	a, err := app.New(ctx, f.appConfig(log))
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	passphrase := demoPassword() + "-" + demoPassword()
	if err := a.Initialize(ctx, passphrase); err != nil {
		ln.Close()
		return err
	}
	passwords, err := seedDemo(ctx, a)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "Faro demo is running at http://%s/\n", ln.Addr())
	fmt.Fprintf(stdout, "Data directory: %s (demo data only; invented people)\n\n", f.data)
	fmt.Fprintln(stdout, "Demo accounts (login / password):")
	for _, d := range demoAccounts {
		fmt.Fprintf(stdout, "  %-12s %-16s %s\n", d.login, passwords[d.login], d.role)
	}
	fmt.Fprintln(stdout, "\nCase desk: /cases (open cases, tracks, a raid report to verify). Public site: /public, open data: /data/.")
	fmt.Fprintln(stdout, "The admin account sets up two-step sign-in at first login (any TOTP app).")
	fmt.Fprintf(stdout, "Unseal passphrase (after \"Seal now\" or SIGUSR1): %s\n", passphrase)
	removePID, err := writePID(f.data)
	if err != nil {
		return err
	}
	defer removePID()
	fmt.Fprintln(stdout, "Stop with Ctrl-C.")
	return serveUntilDone(ctx, a, ln, log)
}

// seedDemo creates the demo accounts with fresh random passwords.
func seedDemo(ctx context.Context, a *app.App) (map[string]string, error) {
	if _, err := a.DB.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('org_name', ?)", "Frontera Solidaria (demo)"); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, d := range demoAccounts {
		pw := demoPassword()
		if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: d.login, DisplayName: d.name, Password: pw, Role: d.role}); err != nil {
			return nil, fmt.Errorf("seed %s: %w", d.login, err)
		}
		out[d.login] = pw
	}
	doc, err := a.Auth.UserByLogin(ctx, "documenter")
	if err != nil {
		return nil, err
	}
	var members []int64
	for _, d := range demoAccounts {
		u, err := a.Auth.UserByLogin(ctx, d.login)
		if err != nil {
			return nil, err
		}
		members = append(members, u.ID)
	}
	if _, err := demo.Seed(ctx, a.Incidents, a.Teams, doc.ID, members, demoIncidents, uint64(time.Now().UnixNano())); err != nil {
		return nil, fmt.Errorf("seed incidents: %w", err)
	}
	coord, err := a.Auth.UserByLogin(ctx, "coordinator")
	if err != nil {
		return nil, err
	}
	if _, err := demo.SeedCaseDesk(ctx, a.Cases, a.Responders, coord.ID, time.Now()); err != nil {
		return nil, fmt.Errorf("seed case desk: %w", err)
	}
	// The public site shows the published share at once rather than
	// after the publisher's first background round.
	if _, _, err := a.Publisher.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("publish demo records: %w", err)
	}
	return out, nil
}

// demoIncidents is how many invented incidents the demo starts with.
const demoIncidents = 200

// demoPassword returns an easy-to-type random password like "kq7m-p2xa-9fdr".
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	rand.Read(b)
	out := make([]byte, 0, 14)
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}
