package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportCommand runs faro import on the IOM MMP 2019 export (which
// must be there: the test fails without it), again (nothing created), on a
// Latin-1 file (refused, exit 1, nothing imported) and on an HXL file.
func TestImportCommand(t *testing.T) {
	const real = "/work/shared/data/mmp/MissingMigrants-Global-2019-12-31.csv"
	path := real
	if p := os.Getenv("FARO_MMP_2019_CSV"); p != "" {
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the IOM MMP 2019 export is needed: %v", err)
	}
	dir := t.TempDir()
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("a long test passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FARO_LOG_LEVEL", "warn")
	if code, _, errOut := runCLI(t, "init", "--data", dir, "--passphrase-file", pass); code != 0 {
		t.Fatalf("init: %s", errOut)
	}

	code, out, errOut := runCLI(t, "import", "mmp", path, "--data", dir, "--unseal-file", pass)
	if code != 0 || !strings.Contains(out, "rows accepted:    5987") || !strings.Contains(out, "created:        5987") ||
		!strings.Contains(out, "layout:           2019") || !strings.Contains(out, "IOM Missing Migrants Project, CC BY 4.0") {
		t.Fatalf("import: code %d\n%s\n%s", code, out, errOut)
	}
	// The report is the output; the server's progress lines are not.
	if strings.Contains(errOut, `"level":"INFO"`) {
		t.Errorf("import logged progress lines among its report:\n%s", errOut)
	}
	code, out, _ = runCLI(t, "import", "--data", dir, "--unseal-file", pass, "mmp", path)
	if code != 0 || !strings.Contains(out, "unchanged:      5987") || !strings.Contains(out, "created:        0") {
		t.Fatalf("second import: code %d\n%s", code, out)
	}

	latin1 := filepath.Join(t.TempDir(), "latin1.csv")
	os.WriteFile(latin1, []byte("Web ID,Number Dead,Location Description\nT1,1,C\xf4te d'Ivoire\n"), 0o600)
	code, out, errOut = runCLI(t, "import", "mmp", latin1, "--data", dir, "--unseal-file", pass)
	if code != 1 || !strings.Contains(out, "REFUSED") || !strings.Contains(out, "Latin-1") || !strings.Contains(errOut, "not imported") {
		t.Errorf("latin-1: code %d\n%s\n%s", code, out, errOut)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("Web ID,Number Dead,Reported Date\nT1,1,2019-01-01\nT2,-1,2019-01-01\nT3,1,05/06/2019\n"), 0o600)
	code, out, _ = runCLI(t, "import", "mmp", bad, "--data", dir, "--unseal-file", pass)
	if code != 0 || !strings.Contains(out, "rows rejected:    2") || !strings.Contains(out, "line 3: negative count") ||
		!strings.Contains(out, "line 4: ") {
		t.Errorf("bad rows: code %d\n%s", code, out)
	}

	hxl := filepath.Join(t.TempDir(), "h.csv")
	os.WriteFile(hxl, []byte("#event+id,#date,#affected+killed,#sector\nH1,2021-01-02,3,x\n"), 0o600)
	code, out, _ = runCLI(t, "import", "hxl", hxl, "--source", "test", "--data", dir, "--unseal-file", pass)
	if code != 0 || !strings.Contains(out, "source:           hxl:test") || !strings.Contains(out, "unknown columns (not imported, kept in the raw row): #sector") {
		t.Errorf("hxl: code %d\n%s", code, out)
	}

	for _, args := range [][]string{{"import"}, {"import", "csv", path}, {"import", "hxl", hxl}, {"import", "mmp", path, "--source", "x"}} {
		if code, _, _ := runCLI(t, append(args, "--data", dir)...); code != 2 {
			t.Errorf("%v: code %d, want 2", args, code)
		}
	}
}
