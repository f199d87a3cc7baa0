package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/vault"
)

// unsealFlags are shared by every command that needs the keys.
type unsealFlags struct {
	file   string
	prompt bool
}

func (u *unsealFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&u.file, "unseal-file", "", "file holding the passphrase, or shares one per line, to unseal at start")
	fs.BoolVar(&u.prompt, "unseal-prompt", false, "read the passphrase or shares from the terminal at start")
}

func (u *unsealFlags) given() bool { return u.file != "" || u.prompt }

// secrets reads the passphrase (first line) or shares (one per line) from
// the file or the terminal.
func (u *unsealFlags) secrets(c *vault.Config, stderr io.Writer) ([]string, error) {
	var lines []string
	if u.file != "" {
		b, err := os.ReadFile(u.file)
		if err != nil {
			return nil, err
		}
		lines = nonEmptyLines(string(b))
	} else {
		var err error
		if lines, err = promptSecrets(c, stderr); err != nil {
			return nil, err
		}
	}
	if len(lines) == 0 {
		return nil, errors.New("no passphrase or shares given")
	}
	return lines, nil
}

// unseal reads the secret from a file or the terminal and unseals.
func (u *unsealFlags) unseal(ctx context.Context, a *app.App, stderr io.Writer) error {
	_, err := u.unsealWith(ctx, a, stderr)
	return err
}

// unsealWith unseals and returns the lines it read, for callers that need
// the root key again.
func (u *unsealFlags) unsealWith(ctx context.Context, a *app.App, stderr io.Writer) ([]string, error) {
	c, err := a.Vault.Config(ctx)
	if err != nil {
		return nil, err
	}
	lines, err := u.secrets(c, stderr)
	if err != nil {
		return nil, err
	}
	if c.Method == vault.Passphrase {
		err = a.Vault.UnsealPassphrase(ctx, lines[0])
	} else {
		err = a.Vault.UnsealShares(ctx, lines)
	}
	if err != nil {
		return nil, err
	}
	return lines, a.Audit.Record(ctx, audit.Entry{Action: "unseal", RecordType: "vault", RecordID: "1"})
}

func promptSecrets(c *vault.Config, stderr io.Writer) ([]string, error) {
	in := bufio.NewReader(os.Stdin)
	if c.Method == vault.Passphrase {
		fmt.Fprint(stderr, "Passphrase: ")
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return nil, err
		}
		return []string{strings.TrimRight(line, "\r\n")}, nil
	}
	var out []string
	for i := 1; i <= c.Threshold; i++ {
		fmt.Fprintf(stderr, "Share %d of %d: ", i, c.Threshold)
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return nil, err
		}
		out = append(out, strings.TrimSpace(line))
	}
	return out, nil
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, "\r"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("init", "Create the keys of a new Faro instance. With --shares and --threshold the root\nkey is split among key holders, any K of N of whom can unseal; the shares are\nprinted once, here, and never stored. Otherwise a passphrase is read from\n--passphrase-file or standard input.", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var n, k int
	var passFile string
	fs.IntVar(&n, "shares", 0, "number of Shamir shares to make (N)")
	fs.IntVar(&k, "threshold", 0, "number of shares needed to unseal (K)")
	fs.StringVar(&passFile, "passphrase-file", "", "file holding the passphrase (when not using shares)")
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	if (n == 0) != (k == 0) {
		return errors.New("--shares and --threshold go together")
	}
	if n != 0 && (k < 2 || k > n || n > 255) {
		return fmt.Errorf("need 2 ≤ --threshold ≤ --shares ≤ 255, got threshold %d of %d shares", k, n)
	}
	a, err := app.New(ctx, f.appConfig(commandLogger(stderr)))
	if err != nil {
		return err
	}
	defer a.Close()
	if n > 0 {
		shares, err := a.InitializeShares(ctx, n, k)
		if err != nil {
			return err
		}
		printVerifierKey(ctx, a, stdout)
		fmt.Fprintf(stdout, "Faro is initialised. Any %d of these %d shares unseal it.\n", k, n)
		fmt.Fprintln(stdout, "Give one to each key holder now: they are shown only this once and stored nowhere.")
		fmt.Fprintln(stdout)
		for i, s := range shares {
			fmt.Fprintf(stdout, "  share %d: %s\n", i+1, s)
		}
		return nil
	}
	var pass string
	if passFile != "" {
		b, err := os.ReadFile(passFile)
		if err != nil {
			return err
		}
		pass = strings.TrimRight(string(b), "\r\n")
	} else {
		fmt.Fprint(stderr, "New passphrase (at least 12 characters): ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no passphrase given")
		}
		pass = strings.TrimRight(line, "\r\n")
	}
	if err := a.Initialize(ctx, pass); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Faro is initialised. Keep the passphrase safe: without it the data cannot be read.")
	printVerifierKey(ctx, a, stdout)
	return nil
}

// printVerifierKey shows the public key that checks audit checkpoints, to
// be kept away from the server: faro verify --key uses it.
func printVerifierKey(ctx context.Context, a *app.App, stdout io.Writer) {
	if vkey, err := audit.VerifierKey(ctx, a.DB); err == nil {
		fmt.Fprintf(stdout, "Audit verifier key (public; keep a copy off this machine for faro verify --key):\n  %s\n", vkey)
	}
}

const pidFile = "faro.pid"

// writePID records the server's process id so that faro seal can find it.
func writePID(dataDir string) (func(), error) {
	if dataDir == "" {
		return func() {}, nil
	}
	// With PostgreSQL nothing else has created the directory yet.
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	p := filepath.Join(dataDir, pidFile)
	if err := os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return nil, err
	}
	return func() { os.Remove(p) }, nil
}

// sealOnSignal seals the vault on SIGUSR1 until ctx ends.
//
// The signal is subscribed before it returns, so a `faro seal` sent as soon
// as the server answers is never missed; the sealing runs in a goroutine.
func sealOnSignal(ctx context.Context, a *app.App) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go sealOnEach(ctx, a, ch)
}

func sealOnEach(ctx context.Context, a *app.App, ch chan os.Signal) {
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			a.SealAll(ctx, 0)
			a.Log.Warn("sealed on signal: keys wiped from memory")
		}
	}
}

func runSeal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("seal", "Seal a running Faro server at once: its keys are wiped from memory and it\nanswers only the unseal page. Sends SIGUSR1 to the process named in DATA/faro.pid.", stderr)
	var data string
	fs.StringVar(&data, "data", "./faro-data", "data directory of the running server")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(data, pidFile))
	if err != nil {
		return fmt.Errorf("no running server found in %s: %w", data, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("%s holds no process id", filepath.Join(data, pidFile))
	}
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	fmt.Fprintf(stdout, "sealed faro (process %d)\n", pid)
	return nil
}

// root unseals and returns the checked root key for operations that
// rewrap keys. The caller wipes it.
func (u *unsealFlags) root(ctx context.Context, a *app.App, stderr io.Writer) ([]byte, error) {
	lines, err := u.unsealWith(ctx, a, stderr)
	if err != nil {
		return nil, err
	}
	c, err := a.Vault.Config(ctx)
	if err != nil {
		return nil, err
	}
	if c.Method == vault.Passphrase {
		return a.Vault.RootFromPassphrase(ctx, lines[0])
	}
	return a.Vault.RootFromShares(ctx, lines)
}
