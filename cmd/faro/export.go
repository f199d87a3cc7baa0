package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/publish"
	"github.com/faro-project/faro/internal/store"
)

// exportFormats are the open data files faro export writes, as served
// under /data/.
var exportFormats = map[string]func(ctx context.Context, w io.Writer, s *publish.Store, f publish.Filter) error{
	"csv": publish.WriteCSV,
	"geojson": func(ctx context.Context, w io.Writer, s *publish.Store, f publish.Filter) error {
		return publish.WriteGeoJSON(ctx, w, s, f, exportNotice)
	},
	"json": func(ctx context.Context, w io.Writer, s *publish.Store, f publish.Filter) error {
		return publish.WriteJSON(ctx, w, s, f, exportNotice)
	},
	"mmp": publish.WriteMMP,
}

// exportNotice stands for the server's notice, which names the licence
// configured there: the command line does not know it, but every record
// carries its own attribution and licence.
const exportNotice = publish.IOMNotice + " Every record carries its own attribution and licence; see /data/dictionary on the public site."

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "faro export csv|geojson|json|mmp --public [--data DIR | --database URL]\n\n"+
		"Write the public dataset to standard output, exactly as the open data files\n"+
		"under /data/ serve it: Faro's own records as the publication rules let them\n"+
		"out (verified, with consent, coarsened, small cells suppressed) and imported\n"+
		"records as their source published them. It reads only the public dataset,\n"+
		"which is stored in the clear, so no keys are needed.", stderr)
	format := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		format, args = args[0], args[1:]
	}
	var data, database, year, typ, source string
	var public bool
	fs.StringVar(&data, "data", "./faro-data", "data directory (SQLite database)")
	fs.StringVar(&database, "database", "", "PostgreSQL URL (postgres://…); empty means the embedded SQLite database in --data")
	fs.BoolVar(&public, "public", false, "export the public dataset (required: nothing else can be exported)")
	fs.StringVar(&year, "year", "", "only records of this year")
	fs.StringVar(&typ, "type", "", "only records of this type")
	fs.StringVar(&source, "source", "", `only records of this source ("faro", "iom-mmp")`)
	if err := parseFlags(fs, args, "database"); err != nil {
		return err
	}
	write, ok := exportFormats[format]
	if !ok {
		fmt.Fprintf(stderr, "faro export: say which format: csv, geojson, json or mmp (got %q)\n", format)
		fs.Usage()
		return errUsage
	}
	if !public {
		fmt.Fprintln(stderr, "faro export: refusing to export without --public. Only the public dataset can be exported:\n"+
			"what the publication rules let out (verified records with consent, coarsened, small cells\n"+
			"suppressed) and records imported from sources that published them. Add --public to say\n"+
			"that this is what you want.")
		return errUsage
	}
	filter, err := publish.ParseFilter(map[string][]string{"year": {year}, "type": {typ}, "source": {source}})
	if err != nil {
		return err
	}
	db, err := openExisting(ctx, data, database)
	if err != nil {
		return err
	}
	defer db.Close()
	bw := bufio.NewWriterSize(stdout, 64<<10)
	if err := write(ctx, bw, publish.NewStore(db), filter); err != nil {
		return err
	}
	return bw.Flush()
}

// openExisting opens and migrates the database of an instance that must
// exist already: an export from a mistyped --data must not create an
// empty database and print an empty file.
func openExisting(ctx context.Context, data, database string) (*store.DB, error) {
	dsn := database
	if dsn == "" {
		dsn = filepath.Join(data, "faro.db")
		if _, err := os.Stat(dsn); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("no Faro database in %s (give --data or --database)", data)
			}
			return nil, err
		}
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, migrations.All()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
