package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/auth"
)

// runToken manages API tokens: "faro token create" prints a new token
// once; "faro token list" and "faro token revoke" show and end them.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func(w io.Writer) {
		fmt.Fprint(w, `Usage: faro token <create|list|revoke> [flags]

  create   make an API token for an account and print it (shown only this once)
  list     list an account's valid tokens
  revoke   revoke a token by its id

Run "faro token <subcommand> --help" for the flags.
`)
	}
	if len(args) == 0 {
		usage(stderr)
		return errUsage
	}
	switch args[0] {
	case "create":
		return runTokenCreate(ctx, args[1:], stdout, stderr)
	case "list":
		return runTokenList(ctx, args[1:], stdout, stderr)
	case "revoke":
		return runTokenRevoke(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		usage(stderr) // where every command's flag help goes
		return nil
	}
	fmt.Fprintf(stderr, "faro token: unknown subcommand %q\n\n", args[0])
	usage(stderr)
	return errUsage
}

// tokenApp opens the instance; changes are audited, and the audit log is
// signed with a key only an unsealed instance holds.
func tokenApp(ctx context.Context, f *serveFlags, us *unsealFlags, stderr io.Writer, unseal bool) (*app.App, error) {
	a, err := app.New(ctx, f.appConfig(commandLogger(stderr)))
	if err != nil {
		return nil, err
	}
	if unseal {
		if !us.given() {
			us.prompt = true
		}
		if err := us.unseal(ctx, a, stderr); err != nil {
			a.Close()
			return nil, fmt.Errorf("unseal: %w", err)
		}
	}
	return a, nil
}

func runTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token create", "Create an API token for an account and print it on standard output. It is shown\nonly this once: Faro stores only its SHA-256. The token's role may not be above\nthe account's.", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var login, role, name string
	fs.StringVar(&login, "user", "", "login of the account the token acts for")
	fs.StringVar(&role, "role", "", "role of the token: admin, coordinator, reviewer, documenter or viewer (default: the account's)")
	fs.StringVar(&name, "name", "command line", "what the token is for, shown in the account page")
	var us unsealFlags
	us.register(fs)
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	if login == "" {
		fmt.Fprintln(stderr, "--user is required")
		fs.Usage()
		return errUsage
	}
	if role != "" && !auth.Role(role).Valid() {
		return fmt.Errorf("unknown role %q: use admin, coordinator, reviewer, documenter or viewer", role)
	}
	a, err := tokenApp(ctx, &f, &us, stderr, true)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("no account %q", login)
	}
	if role == "" {
		role = string(u.Role)
	}
	token, id, err := a.Auth.CreateToken(ctx, u.ID, name, auth.Role(role))
	switch {
	case errors.Is(err, auth.ErrTokenRole):
		return fmt.Errorf("a token of %s cannot have the role %s (the account is %s)", u.Login, role, u.Role)
	case err != nil:
		return err
	}
	fmt.Fprintf(stderr, "token %d for %s (%s), shown only this once:\n", id, u.Login, role)
	fmt.Fprintln(stdout, token)
	return nil
}

func runTokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token list", "List an account's valid API tokens (never the tokens themselves).", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var login string
	fs.StringVar(&login, "user", "", "login of the account")
	var us unsealFlags
	us.register(fs)
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	if login == "" {
		fmt.Fprintln(stderr, "--user is required")
		fs.Usage()
		return errUsage
	}
	a, err := tokenApp(ctx, &f, &us, stderr, false)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("no account %q", login)
	}
	list, err := a.Auth.ListTokens(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, t := range list {
		fmt.Fprintf(stdout, "%d\t%s\t%s\tcreated %s\tlast used %s\n", t.ID, t.Role, t.Name, unixDate(t.CreatedAt), unixDate(t.LastUsedAt))
	}
	return nil
}

func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token revoke", "Revoke an API token by its id (see faro token list).", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var id string
	fs.StringVar(&id, "id", "", "id of the token")
	var us unsealFlags
	us.register(fs)
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		fmt.Fprintln(stderr, "--id is required: the number faro token list shows")
		fs.Usage()
		return errUsage
	}
	a, err := tokenApp(ctx, &f, &us, stderr, true)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Auth.RevokeToken(ctx, n, 0); err != nil {
		if errors.Is(err, auth.ErrNoToken) {
			return fmt.Errorf("no valid token %d", n)
		}
		return err
	}
	fmt.Fprintf(stdout, "revoked token %d\n", n)
	return nil
}

func unixDate(u int64) string {
	if u == 0 {
		return "never"
	}
	return time.Unix(u, 0).UTC().Format("2006-01-02 15:04 UTC")
}
