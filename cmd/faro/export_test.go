package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/publish"
	"github.com/faro-project/faro/internal/store/storetest"
)

func TestExportPublic(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testExportPublic(t, "") })
	if os.Getenv(storetest.Env) != "" {
		t.Run("postgres", func(t *testing.T) { testExportPublic(t, storetest.PostgresDSN(t)) })
	}
}

func testExportPublic(t *testing.T, dsn string) {
	dir := t.TempDir()
	a, _ := apptest.New(t, apptest.Options{DataDir: dir, Database: dsn})
	where := []string{"--data", dir}
	if dsn != "" {
		where = []string{"--database", dsn}
	}
	dead := 4
	if _, err := a.Public.Upsert(context.Background(), nil, &publish.Record{Source: publish.SourceMMP, SourceID: "52673",
		OccurredOn: "2019-12-30", DatePrecision: "day", Dead: &dead, DeadAndMissing: &dead, Place: "off the coast"}); err != nil {
		t.Fatal(err)
	}
	a.Close()

	code, _, errOut := runCLI(t, "export", "csv", "--data", dir)
	if code != 2 || !strings.Contains(errOut, "--public") {
		t.Errorf("without --public: code %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "export", "xml", "--public", "--data", dir); code != 2 || !strings.Contains(errOut, "csv, geojson, json or mmp") {
		t.Errorf("unknown format: code %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "export", "csv", "--public", "--data", t.TempDir()); code != 1 || !strings.Contains(errOut, "no Faro database") {
		t.Errorf("missing database: code %d, %q", code, errOut)
	}
	for format, want := range map[string]string{
		"csv":     "#event+id,",
		"geojson": `"type":"FeatureCollection"`,
		"json":    `"records":[`,
		"mmp":     `52673,,"December 30, 2019",2019,Dec,4,,4`,
	} {
		code, out, errOut := runCLI(t, append([]string{"export", format, "--public"}, where...)...)
		if code != 0 || !strings.Contains(out, "off the coast") && format != "mmp" || !strings.Contains(out, want) {
			t.Errorf("export %s: code %d, stderr %q, output lacks %q:\n%s", format, code, errOut, want, out)
		}
	}
	if code, out, _ := runCLI(t, append([]string{"export", "csv", "--public", "--year", "2018"}, where...)...); code != 0 || strings.Contains(out, "52673") {
		t.Errorf("year filter: code %d", code)
	}
}
