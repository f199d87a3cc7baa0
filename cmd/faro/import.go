package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/mmp"
	"github.com/faro-project/faro/internal/publish"
)

// errRefused: the file was refused as a whole; the report says why.
var errRefused = errors.New("the file was not imported")

const importSynopsis = `faro import mmp FILE    import an IOM Missing Migrants Project export (2019 or newer layout)
faro import hxl FILE --source NAME
                        import a CSV file tagged with HXL hashtags as source hxl:NAME

Rows go into the public dataset as the source published them. Rows that
cannot be read exactly are rejected and listed with their line and reason;
the other rows are imported. A file that cannot be trusted as a whole (not
UTF-8, no header, too large...) imports nothing. Importing the same file
again updates and never duplicates. FILE "-" is standard input.

The import is audited, and the audit log is signed with the instance's key:
the keys must be unsealed (--unseal-file, or the passphrase or shares are
asked for on the terminal). Exits 1 when the file was refused.`

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", importSynopsis, stderr)
	var f serveFlags
	f.register(fs)
	fs.StringVar(&f.data, "data", "./faro-data", "data directory")
	var source string
	var maxMB int64
	fs.StringVar(&source, "source", "", "hxl: name of the source (lower-case letters, digits, - and _)")
	fs.Int64Var(&maxMB, "max-size", publish.DefaultImportMaxBytes>>20, "largest file accepted, in MB")
	var us unsealFlags
	us.register(fs)
	// FARO_* variables first; the layout and the file may sit among the
	// flags, which flag.Parse alone does not allow.
	if err := parseFlags(fs, nil, "database"); err != nil {
		return err
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "mmp" && pos[0] != "hxl") || (pos[0] == "hxl") != (source != "") {
		fmt.Fprintln(stderr, "usage: faro import mmp FILE, or faro import hxl FILE --source NAME")
		fs.Usage()
		return errUsage
	}
	kind, path := pos[0], pos[1]
	in, closeIn, err := openInput(path)
	if err != nil {
		return err
	}
	defer closeIn()

	a, err := app.New(ctx, f.appConfig(commandLogger(stderr)))
	if err != nil {
		return err
	}
	defer a.Close()
	if !us.given() {
		us.prompt = true
	}
	if err := us.unseal(ctx, a, stderr); err != nil {
		return fmt.Errorf("unseal: %w", err)
	}
	im := publish.NewImporter(a.DB, publish.NewStore(a.DB), a.Audit)
	im.MaxBytes = maxMB << 20
	var rep publish.ImportReport
	if kind == "mmp" {
		rep, err = im.ImportMMP(ctx, in, 0)
	} else {
		rep, err = im.ImportHXL(ctx, in, source, 0)
	}
	printImportReport(stdout, rep, err)
	if err != nil {
		if rep.Written {
			return fmt.Errorf("stopped after writing some rows: %w", err)
		}
		return errRefused
	}
	return nil
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns those.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

func openInput(path string) (io.Reader, func(), error) {
	if path == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// printImportReport writes the report for people: counts, unknown
// columns, every rejection by line, and why a refused file was refused.
func printImportReport(w io.Writer, rep publish.ImportReport, err error) {
	if err != nil && !rep.Written {
		fmt.Fprintf(w, "REFUSED: nothing was imported.\n  %v\n", err)
		if errors.Is(err, mmp.ErrTooLarge) {
			fmt.Fprintln(w, "  (--max-size raises the limit)")
		}
	}
	if rep.Source != "" {
		fmt.Fprintf(w, "source:           %s\n", rep.Source)
	}
	if rep.Layout != "" {
		fmt.Fprintf(w, "layout:           %s%s\n", rep.Layout, map[bool]string{true: " (with HXL hashtag row)"}[rep.HXL && rep.Layout != mmp.LayoutHXL])
	}
	fmt.Fprintf(w, "rows accepted:    %d\n", rep.Accepted)
	if err == nil || rep.Written {
		fmt.Fprintf(w, "  created:        %d\n  updated:        %d\n  unchanged:      %d\n", rep.Created, rep.Updated, rep.Unchanged)
	}
	fmt.Fprintf(w, "rows rejected:    %d\n", rep.RejectedRows)
	if rep.Blank > 0 {
		fmt.Fprintf(w, "blank rows:       %d (skipped)\n", rep.Blank)
	}
	if len(rep.UnknownColumns) > 0 {
		fmt.Fprintf(w, "unknown columns (not imported, kept in the raw row): %s\n", strings.Join(rep.UnknownColumns, ", "))
	}
	for _, r := range rep.Rejected {
		fmt.Fprintf(w, "  line %d: %s [%s]\n", r.Line, r.Reason, r.Code)
	}
	if err != nil && rep.Written {
		fmt.Fprintf(w, "STOPPED: %v\n  The rows written before this are whole and valid; importing the file again completes it.\n", err)
	}
	if rep.Source == publish.SourceMMP && (err == nil || rep.Written) {
		fmt.Fprintf(w, "Data: %s, %s.\n", publish.MMPAttribution, publish.MMPLicence)
	}
}
