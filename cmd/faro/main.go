// Command faro is the whole of Faro: the server, the demo, and the tools an
// operator needs. Run "faro help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "start Faro with demo data on a fresh embedded database", runDemo},
		{"serve", "run the Faro server", runServe},
		{"init", "create the keys of a new instance (passphrase or Shamir shares)", runInit},
		{"adduser", "create an account from the command line (the first admin)", runAddUser},
		{"token", "create, list or revoke API tokens (faro token create --user LOGIN)", runToken},
		{"seal", "seal a running server now (wipe its keys from memory)", runSeal},
		{"export", "write the public dataset as open data (faro export csv|geojson|json|mmp --public)", runExport},
		{"import", "import public data: an IOM MMP export or an HXL-tagged CSV (faro import mmp FILE)", runImport},
		{"verify", "check the audit log and every evidence file for tampering", runVerify},
		{"rotate-keys", "make a new data key for new writes", runRotateKeys},
		{"version", "print the version", runVersion},
	}
}

func main() {
	// Files Faro creates (database, WAL, evidence, pid) are for its own
	// user only.
	syscall.Umask(0o077)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks errors whose message already explained correct usage.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "faro %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "faro: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Faro keeps the records of groups that act in solidarity with people on the
move: testimonies, distress cases, evidence. Encrypted, multilingual, small.

Usage:
  faro <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "faro <command> --help" for a command's flags. Every flag can also be set
with an environment variable: --data is FARO_DATA, --database is FARO_DATABASE,
and secrets can be read from a file named by FARO_<NAME>_FILE.

Try it:   go run ./cmd/faro demo
`)
}
