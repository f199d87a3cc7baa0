package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// newFlagSet returns a flag set whose help text reads well and whose
// errors go to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: faro %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// envName is the environment variable for a flag: --trust-proxy is
// FARO_TRUST_PROXY.
func envName(flagName string) string {
	return "FARO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args after filling defaults from FARO_* variables,
// and from FARO_*_FILE for flags named in secret (so a password need not
// appear in the process list or the environment). Flags given on the
// command line win over the environment.
func parseFlags(fs *flag.FlagSet, args []string, secret ...string) error {
	isSecret := map[string]bool{}
	for _, s := range secret {
		isSecret[s] = true
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil {
			return
		}
		name := envName(f.Name)
		if isSecret[f.Name] {
			if path := os.Getenv(name + "_FILE"); path != "" {
				b, rerr := os.ReadFile(path)
				if rerr != nil {
					err = fmt.Errorf("%s_FILE: %w", name, rerr)
					return
				}
				if serr := f.Value.Set(strings.TrimSpace(string(b))); serr != nil {
					err = fmt.Errorf("%s_FILE: %w", name, serr)
				}
				return
			}
		}
		if v, ok := os.LookupEnv(name); ok {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s: invalid value: %w", name, serr)
			}
		}
	})
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// levelFlag is a log level flag.
type levelFlag struct{ slog.LevelVar }

func (l *levelFlag) String() string { return strings.ToLower(l.Level().String()) }
func (l *levelFlag) Set(s string) error {
	return l.UnmarshalText([]byte(s))
}

// commandLogger is the log of a one-shot command (import, token, keys,
// verify, adduser): the command prints its own report, so its log holds
// only warnings and errors, not the server's progress lines.
func commandLogger(w io.Writer) *slog.Logger {
	var l levelFlag
	l.LevelVar.Set(slog.LevelWarn)
	return newLogger(w, &l)
}

func newLogger(w io.Writer, level *levelFlag) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: &level.LevelVar}))
}
