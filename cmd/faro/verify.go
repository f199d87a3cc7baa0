package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/vault"
)

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", "Check that the audit log is intact: every entry re-hashed, the Merkle tree\nrebuilt and compared with the instance's signed head and, with --checkpoint,\nwith a checkpoint exported earlier and kept elsewhere. With the keys\n(--unseal-file or --unseal-prompt) every evidence file is also decrypted and\nits SHA-256 compared with the one recorded at upload. Exits 1 when anything is wrong.", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var cpFile string
	var export bool
	fs.StringVar(&cpFile, "checkpoint", "", "file holding an exported checkpoint to check against")
	var keyFlag string
	fs.StringVar(&keyFlag, "key", "", "the instance's verifier key as printed by faro init (default: the one stored in the database, which someone with write access could replace)")
	fs.BoolVar(&export, "export-checkpoint", false, "print the current signed checkpoint (keep it somewhere safe) and exit")
	var us unsealFlags
	us.register(fs)
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	a, err := app.New(ctx, f.appConfig(commandLogger(stderr)))
	if err != nil {
		return err
	}
	defer a.Close()
	if export {
		cp, err := a.Audit.Checkpoint(ctx)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, cp)
		return nil
	}
	vkey := keyFlag
	if vkey == "" {
		if vkey, err = audit.VerifierKey(ctx, a.DB); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "note: using the verifier key stored in the database; pass --key to check against the one you kept")
	} else if stored, err := audit.VerifierKey(ctx, a.DB); err == nil && stored != vkey {
		fmt.Fprintln(stdout, "FAIL: the verifier key stored in the database is not the one given with --key")
		return errors.New("verification failed")
	}
	var exported []byte
	if cpFile != "" {
		if exported, err = os.ReadFile(cpFile); err != nil {
			return err
		}
	}
	rep, err := audit.Verify(ctx, a.DB, vkey, exported)
	if err != nil {
		return err
	}
	problems := rep.Problems
	fmt.Fprintf(stdout, "audit log: %d entries\n", rep.Entries)
	if us.given() {
		if err := us.unseal(ctx, a, stderr); err != nil {
			return fmt.Errorf("unseal: %w", err)
		}
		files, bad, err := a.VerifyEvidence(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "evidence: %d files checked\n", files)
		for _, b := range bad {
			problems = append(problems, audit.Problem{Idx: -1, Reason: b})
		}
	} else {
		fmt.Fprintln(stdout, "evidence: not checked (give --unseal-file or --unseal-prompt to decrypt and hash every file)")
	}
	if integrity, err := a.DB.IntegrityCheck(ctx); err != nil || integrity != "ok" {
		problems = append(problems, audit.Problem{Idx: -1, Reason: fmt.Sprintf("database integrity check: %s %v", integrity, err)})
	}
	if len(problems) == 0 {
		fmt.Fprintln(stdout, "OK: nothing was changed, removed or reordered")
		return nil
	}
	for _, p := range problems {
		fmt.Fprintf(stdout, "FAIL: %s\n", p)
	}
	return errors.New("verification failed")
}

func runRotateKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rotate-keys", "Make a new data key, wrapped by the root key, and use it for everything written\nfrom now on; older keys stay (wrapped) to read older data. With --new-shares and\n--new-threshold, or --new-passphrase-file, also re-wrap every data key under a\nnew root key: the old passphrase or shares stop working (use this when a share\nholder is lost or captured). Run it with the server stopped, or restart servers\nafterwards so they load the new key.", stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var us unsealFlags
	us.register(fs)
	var newShares, newThreshold int
	var newPassFile string
	fs.IntVar(&newShares, "new-shares", 0, "re-wrap under a new root split into this many shares")
	fs.IntVar(&newThreshold, "new-threshold", 0, "shares needed to unseal after the re-wrap")
	fs.StringVar(&newPassFile, "new-passphrase-file", "", "re-wrap under a root derived from the passphrase in this file")
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	if (newShares == 0) != (newThreshold == 0) || (newShares != 0 && newPassFile != "") {
		return errors.New("give --new-shares with --new-threshold, or --new-passphrase-file, not both")
	}
	a, err := app.New(ctx, f.appConfig(commandLogger(stderr)))
	if err != nil {
		return err
	}
	defer a.Close()
	if !us.given() {
		us.prompt = true
	}
	root, err := us.root(ctx, a, stderr)
	if err != nil {
		return err
	}
	defer clear(root)
	id, err := a.RotateKeys(ctx, root)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data key %d is now used for new writes\n", id)
	if newShares == 0 && newPassFile == "" {
		return nil
	}
	nr := vault.NewRoot{Shares: newShares, Threshold: newThreshold}
	if newPassFile != "" {
		b, err := os.ReadFile(newPassFile)
		if err != nil {
			return err
		}
		nr.Passphrase = strings.TrimRight(string(b), "\r\n")
	}
	shares, err := a.Vault.Rewrap(ctx, root, nr)
	if err != nil {
		return err
	}
	if err := a.Audit.Record(ctx, audit.Entry{Action: "rotate", RecordType: "vault", RecordID: "1"}); err != nil {
		return err
	}
	if len(shares) == 0 {
		fmt.Fprintln(stdout, "every data key is now wrapped under the new passphrase; the old one no longer unseals")
		return nil
	}
	fmt.Fprintf(stdout, "every data key is now wrapped under a new root; the old passphrase or shares no longer unseal.\nAny %d of these %d new shares unseal it. They are shown only this once:\n\n", newThreshold, newShares)
	for i, s := range shares {
		fmt.Fprintf(stdout, "  share %d: %s\n", i+1, s)
	}
	return nil
}
