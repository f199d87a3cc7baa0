package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/auth"
)

func runAddUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("adduser", "Create an account, typically the first admin of a new instance. The password\nis read from --password-file (or FARO_PASSWORD_FILE), else from standard input.", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var login, name, role, pwFile string
	fs.StringVar(&login, "login", "", "login (3-64 lowercase letters, digits, . _ -)")
	fs.StringVar(&name, "name", "", "name shown to others (default: the login)")
	fs.StringVar(&role, "role", "admin", "role: admin, coordinator, reviewer, documenter or viewer")
	fs.StringVar(&pwFile, "password-file", "", "file holding the password")
	var us unsealFlags
	us.register(fs)
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	if login == "" {
		fmt.Fprintln(stderr, "--login is required")
		fs.Usage()
		return errUsage
	}
	if !auth.Role(role).Valid() {
		return fmt.Errorf("unknown role %q: use admin, coordinator, reviewer, documenter or viewer", role)
	}
	if name == "" {
		name = login
	}
	var pw string
	if pwFile != "" {
		b, err := os.ReadFile(pwFile)
		if err != nil {
			return err
		}
		pw = strings.TrimRight(string(b), "\r\n")
	} else {
		fmt.Fprint(stderr, "Password: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("no password given")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	log := commandLogger(stderr)
	a, err := app.New(ctx, f.appConfig(log))
	if err != nil {
		return err
	}
	defer a.Close()
	// Creating an account is an audited change, and the audit log is
	// signed with a key only an unsealed instance holds.
	if !us.given() {
		us.prompt = true
	}
	if err := us.unseal(ctx, a, stderr); err != nil {
		return fmt.Errorf("unseal: %w", err)
	}
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: name, Password: pw, Role: auth.Role(role)})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", u.Login, u.Role)
	return nil
}
