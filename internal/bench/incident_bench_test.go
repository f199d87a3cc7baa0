package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/app"
	"github.com/faro-project/faro/internal/app/apptest"
	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// ---------------------------------------------------------------------
// Creating an incident with its testimony through the JSON API, against
// bare INSERTs of rows of the same shape and size.
//
// The API has no single call for an incident with its testimony: a client
// POSTs the incident (a draft), then POSTs the testimony to it. One
// operation of BenchmarkAPICreateIncident is both requests; one operation
// of BenchmarkBareIncidentInsert is the two rows, each in a transaction of
// its own (one commit per row, as the API commits each request), so that
// both sides wait for the same kind of durable commit. The goal is a
// throughput at least half the bare one: a time ratio of 2.0× or less.
//
// The 100k-record measurements (list and search latency, index build at
// unseal, memory, page weight with a full database) are not here: they
// take minutes and live in the load100k program (scripts/load100k.sh).

// benchNarrative is a testimony of 80 words, a typical length.
const benchNarrative = "We left the camp at night, eleven of us with two children, and walked " +
	"through the forest for two days. Near the river police officers stopped us with dogs. They " +
	"took our phones, power banks and money, broke the phones with a stick and burned our shoes. " +
	"One man who asked for asylum was beaten on the legs. Nobody translated for us. In the morning " +
	"they drove us in a closed van without windows to the border and told us to walk back."

// createIncidentBody is a POST /api/incidents body as a field
// documenter's program would send it, every step filled in.
var createIncidentBody = map[string]any{
	"type": "pushback", "date": "2025-03-14", "time": "04:30", "country": "HR", "adm1": "Karlovac", "adm2": "Rakovica",
	"place":      "forest path behind the old sawmill, about 2 km from the border fence",
	"position":   map[string]any{"lat": 45.12345, "lon": 15.65432},
	"group_size": 11, "minors": 2, "women": 3, "men": 6, "officers": 5, "origins": []string{"AF", "PK"},
	"units": "border police", "uniforms": "dark blue, balaclavas", "vehicles": "white van without windows",
	"violence": []string{"beating", "theft_or_destruction", "dog_attack"}, "asylum_asked": true, "interpreter_present": false,
	"sources": "interview by a field volunteer in the squat two days later", "source_quality": 4,
	"tags": []string{"night", "forest"},
}

// createTestimonyBody is the POST /api/incidents/{id}/testimonies body.
var createTestimonyBody = map[string]any{
	"narrative": benchNarrative, "language": "en", "pseudonym": "M.B.", "interviewer": "volunteer K",
	"interpreter_name": "volunteer R", "witness_contact": "via the partner group's hotline",
	"taken_on": "2025-03-16", "consent_scope": "partners", "consent_date": "2025-03-16", "consent_how": "oral",
}

// apiPost sends a JSON body with a bearer token and returns the status
// and the decoded answer.
func apiPost(c *http.Client, url, token string, body []byte) (int, map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%w: %.300s", err, data)
	}
	return resp.StatusCode, out, nil
}

// auditSize is the number of entries in the audit log.
func auditSize(tb testing.TB, a *app.App) int {
	tb.Helper()
	var n int
	if err := a.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM audit_log").Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkAPICreateIncident creates an incident and its testimony the
// way an API client does: POST /api/incidents, then POST
// /api/incidents/{id}/testimonies, with a documenter's bearer token,
// through a real HTTP server (token lookup, JSON decoding, the intake
// form's validation, field encryption, audit entries, search index
// update, the answer). It also reports the wall time of each request and
// how many audit entries (each a signed Merkle append) an operation wrote.
func BenchmarkAPICreateIncident(b *testing.B) { benchAPICreate(b, false) }

// parallelClients is how many API clients (or bare writers) the parallel
// pair runs at once: a network's documenters and their programs do not
// wait for each other. Both sides of the pair get the same number.
const parallelClients = 8

// BenchmarkAPICreateIncidentParallel is BenchmarkAPICreateIncident with
// parallelClients clients at once, each on its own keep-alive connection:
// the throughput a server sustains, which is what the goal is about. Its
// pair is BenchmarkBareIncidentInsertParallel with as many writers.
func BenchmarkAPICreateIncidentParallel(b *testing.B) { benchAPICreateParallel(b, false) }

// BenchmarkAPICreateIncidentOneRequest creates the same incident with the
// same testimony in one request (the testimony in the incident's body),
// as a phone on a poor line should: one round trip, one transaction. Its
// pair is BenchmarkBareIncidentInsertOneTx: the same two rows in one
// transaction, the same single commit.
func BenchmarkAPICreateIncidentOneRequest(b *testing.B) { benchAPICreate(b, true) }

// BenchmarkAPICreateIncidentOneRequestParallel is the one-request create
// with parallelClients clients at once.
func BenchmarkAPICreateIncidentOneRequestParallel(b *testing.B) { benchAPICreateParallel(b, true) }

// benchAPICreate runs creates one after another on one client; with two
// requests it also reports the wall time of each.
func benchAPICreate(b *testing.B, oneRequest bool) {
	a, create := apiCreateSetupWith(b, oneRequest)
	client := newClient()
	defer client.CloseIdleConnections()
	create(client) // warm the connection and the statement caches; check the answers once
	entries := auditSize(b, a)
	var incTime, tTime time.Duration
	cpu := startCPU()
	for b.Loop() {
		di, dt := create(client)
		incTime += di
		tTime += dt
	}
	cpu.report(b)
	b.StopTimer()
	if !oneRequest {
		n := float64(b.N)
		b.ReportMetric(float64(incTime.Nanoseconds())/n, "incident-ns/op")
		b.ReportMetric(float64(tTime.Nanoseconds())/n, "testimony-ns/op")
	}
	reportCreates(b, a, entries)
}

// benchAPICreateParallel runs creates from parallelClients clients at once.
func benchAPICreateParallel(b *testing.B, oneRequest bool) {
	a, create := apiCreateSetupWith(b, oneRequest)
	warm := newClient()
	create(warm)
	warm.CloseIdleConnections()
	entries := auditSize(b, a)
	b.SetParallelism(parallelism(b))
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		client := newClient()
		defer client.CloseIdleConnections()
		for pb.Next() {
			create(client)
		}
	})
	cpu.report(b)
	b.StopTimer()
	reportCreates(b, a, entries)
}

// reportCreates reports the audit entries written per create (entries
// were there before) and the throughput.
func reportCreates(b *testing.B, a *app.App, entries int) {
	n := float64(b.N)
	b.ReportMetric(float64(auditSize(b, a)-entries)/n, "audit-entries/op")
	b.ReportMetric(n/b.Elapsed().Seconds(), "incidents/s")
}

// parallelism turns parallelClients into b.SetParallelism's multiplier of
// GOMAXPROCS.
func parallelism(b *testing.B) int {
	p := max(1, parallelClients/runtime.GOMAXPROCS(0))
	b.ReportMetric(float64(p*runtime.GOMAXPROCS(0)), "clients")
	return p
}

// apiCreateSetupWith starts Faro behind a real HTTP server with a
// documenter's token and returns a function that creates one incident
// with its testimony through a client, timing each request. With
// oneRequest the testimony goes in the incident's body (POST
// /api/incidents with "testimony"), one request and one transaction, and
// the second duration is zero.
func apiCreateSetupWith(b *testing.B, oneRequest bool) (*app.App, func(*http.Client) (time.Duration, time.Duration)) {
	a, _ := apptest.New(b)
	ctx := context.Background()
	u, err := a.Auth.CreateUser(ctx, auth.NewUser{Login: "bench.documenter", DisplayName: "Bench documenter", Password: benchPassword, Role: auth.Documenter})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := a.Auth.CreateToken(audit.WithActor(ctx, u.ID), u.ID, "bench", auth.Documenter)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	incBody, _ := json.Marshal(createIncidentBody)
	tBody, _ := json.Marshal(createTestimonyBody)
	if oneRequest {
		both := maps.Clone(createIncidentBody)
		both["testimony"] = createTestimonyBody
		incBody, _ = json.Marshal(both)
	}
	// create reports a failure with b.Errorf, which any goroutine may
	// call (b.Fatal may not, from RunParallel's).
	create := func(client *http.Client) (time.Duration, time.Duration) {
		t0 := time.Now()
		status, inc, err := apiPost(client, srv.URL+"/api/incidents", token, incBody)
		if err != nil || status != http.StatusCreated {
			b.Errorf("POST /api/incidents: status %d, %v, %v", status, err, inc)
			return 0, 0
		}
		t1 := time.Now()
		if oneRequest {
			if ts, _ := inc["testimonies"].([]any); len(ts) != 1 {
				b.Errorf("POST /api/incidents with a testimony: answer holds %d testimonies", len(ts))
			}
			return t1.Sub(t0), 0
		}
		id, _ := inc["id"].(float64)
		status, t, err := apiPost(client, srv.URL+"/api/incidents/"+strconv.FormatInt(int64(id), 10)+"/testimonies", token, tBody)
		if err != nil || status != http.StatusCreated {
			b.Errorf("POST testimony: status %d, %v, %v", status, err, t)
		}
		return t1.Sub(t0), time.Since(t1)
	}
	return a, create
}

// bareIncidentTables are tables shaped like incidents and testimonies
// (same columns, types, keys, foreign keys and indexes as the migration
// makes them), without the rest of Faro around them.
var bareIncidentTables = []string{
	`CREATE TABLE bench_incidents (
		id BIGINT PRIMARY KEY, ref TEXT NOT NULL UNIQUE, status TEXT NOT NULL, team_id BIGINT REFERENCES teams(id),
		type TEXT NOT NULL DEFAULT '', occurred_at BIGINT NOT NULL DEFAULT 0, date_precision TEXT NOT NULL DEFAULT 'day',
		country TEXT NOT NULL DEFAULT '', adm1 TEXT NOT NULL DEFAULT '', adm2 TEXT NOT NULL DEFAULT '',
		place BLOB, point BLOB, point_precision_m INTEGER NOT NULL DEFAULT 0,
		coarse_lat DOUBLE PRECISION, coarse_lon DOUBLE PRECISION,
		group_size INTEGER, dead INTEGER, missing INTEGER, survivors INTEGER, minors INTEGER, women INTEGER, men INTEGER,
		origins TEXT NOT NULL DEFAULT '', units TEXT NOT NULL DEFAULT '', uniforms TEXT NOT NULL DEFAULT '',
		vehicles TEXT NOT NULL DEFAULT '', officers INTEGER, violence TEXT NOT NULL DEFAULT '',
		asylum_asked INTEGER, interpreter_present INTEGER, sources BLOB, source_quality INTEGER,
		verification TEXT NOT NULL DEFAULT 'unverified', verified_by BIGINT NOT NULL DEFAULT 0,
		verified_at BIGINT NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '', consent_scope TEXT NOT NULL DEFAULT '',
		created_by BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
		public_text BLOB, public_text_approved_by BIGINT NOT NULL DEFAULT 0, public_text_approved_at BIGINT NOT NULL DEFAULT 0)`,
	// The list indexes of migration 4.
	`CREATE TABLE bench_testimonies (
		id BIGINT PRIMARY KEY, incident_id BIGINT NOT NULL REFERENCES bench_incidents(id) ON DELETE CASCADE,
		language TEXT NOT NULL DEFAULT '', narrative BLOB, pseudonym BLOB, interviewer BLOB, interpreter BLOB,
		witness_contact BLOB, taken_on BIGINT NOT NULL DEFAULT 0, consent_scope TEXT NOT NULL DEFAULT 'internal',
		consent_date BIGINT NOT NULL DEFAULT 0, consent_how TEXT NOT NULL DEFAULT '',
		created_by BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
}

func createBareIncidentTables(tb testing.TB, a *app.App) {
	tb.Helper()
	ctx := context.Background()
	for _, q := range bareIncidentTables {
		if _, err := a.DB.Exec(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
	// The same indexes as the real tables, read from the schema the
	// migrations made, so that the bare inserts keep paying for every
	// index Faro's do as migrations add them.
	rows, err := a.DB.Query(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('incidents', 'testimonies') AND sql IS NOT NULL")
	if err != nil {
		tb.Fatal(err)
	}
	var stmts []string
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			tb.Fatal(err)
		}
		on := regexp.MustCompile(`(?i)\bON\s+(incidents|testimonies)\s*\(`)
		if !on.MatchString(sql) {
			tb.Fatalf("index %s: cannot read its table from %q", name, sql)
		}
		sql = on.ReplaceAllString(sql, "ON bench_$1 (")
		stmts = append(stmts, strings.Replace(sql, name, "bench_"+name, 1))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	rows.Close()
	if len(stmts) < 5 {
		tb.Fatalf("found only %d indexes on incidents and testimonies", len(stmts))
	}
	for _, q := range stmts {
		if _, err := a.DB.Exec(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
}

// sealedLike returns a ciphertext of value as the vault would store it in
// that place: the bare rows carry blobs of exactly the stored size.
func sealedLike(tb testing.TB, a *app.App, table, field, value string) []byte {
	tb.Helper()
	ct, err := a.Vault.Encrypt(vault.Location{Table: table, Record: "4503599627370497", Field: field}, []byte(value))
	if err != nil {
		tb.Fatal(err)
	}
	return ct
}

// BenchmarkBareIncidentInsert inserts an incident row and a testimony row
// of the sizes Faro stores for the API benchmark's bodies (the encrypted
// columns hold ciphertexts of the same plaintexts), each row in its own
// transaction, on the same SQLite file and settings (WAL,
// synchronous=FULL, foreign keys, one writer connection) through plain
// database/sql with prepared statements. No validation, no encryption at
// run time, no audit, no search index, no HTTP, no group commit.
func BenchmarkBareIncidentInsert(b *testing.B) { benchBare(b, false) }

// BenchmarkBareIncidentInsertOneTx inserts the same two rows in one
// transaction: the pair of BenchmarkAPICreateIncidentOneRequest.
func BenchmarkBareIncidentInsertOneTx(b *testing.B) { benchBare(b, true) }

// BenchmarkBareIncidentInsertOneTxParallel is BenchmarkBareIncidentInsertOneTx
// with parallelClients writers at once.
func BenchmarkBareIncidentInsertOneTxParallel(b *testing.B) { benchBareParallel(b, true) }

// BenchmarkBareIncidentInsertParallel is BenchmarkBareIncidentInsert with
// parallelClients writers at once (SQLite still takes one writer at a
// time; each pair of rows still commits twice).
func BenchmarkBareIncidentInsertParallel(b *testing.B) { benchBareParallel(b, false) }

func benchBare(b *testing.B, oneTx bool) {
	insert := bareInsertSetupWith(b, oneTx)
	insert()
	cpu := startCPU()
	for b.Loop() {
		insert()
	}
	cpu.report(b)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "incidents/s")
}

func benchBareParallel(b *testing.B, oneTx bool) {
	insert := bareInsertSetupWith(b, oneTx)
	insert()
	b.SetParallelism(parallelism(b))
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			insert()
		}
	})
	cpu.report(b)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "incidents/s")
}

// bareInsertSetupWith makes the bare tables and returns a function that
// inserts one incident row and one testimony row, each in a transaction
// of its own or, with oneTx, both in one; it may be called from several
// goroutines.
func bareInsertSetupWith(b *testing.B, oneTx bool) func() {
	a, _ := apptest.New(b)
	ctx := context.Background()
	createBareIncidentTables(b, a)
	inc, t := createIncidentBody, createTestimonyBody
	pos, _ := json.Marshal(map[string]float64{"Lat": 45.12345, "Lon": 15.65432})
	place := sealedLike(b, a, "incidents", "place", inc["place"].(string))
	point := sealedLike(b, a, "incidents", "point", string(pos))
	sources := sealedLike(b, a, "incidents", "sources", inc["sources"].(string))
	var tcols [5][]byte
	for i, f := range [5][2]string{{"narrative", "narrative"}, {"pseudonym", "pseudonym"}, {"interviewer", "interviewer"},
		{"interpreter", "interpreter_name"}, {"witness_contact", "witness_contact"}} {
		tcols[i] = sealedLike(b, a, "testimonies", f[0], t[f[1]].(string))
	}
	occurred := time.Date(2025, 3, 14, 4, 30, 0, 0, time.UTC).Unix()
	taken := time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC).Unix()
	const actor = 2
	// A plain database/sql handle on the same file, settings and single
	// writer connection, with both statements prepared once: Faro's
	// store.DB merges concurrent transactions into one commit, which a
	// bare insert does not do.
	bare, err := store.BareSQLite(a.DB.DSN())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bare.Close() })
	insInc, err := bare.PrepareContext(ctx, `INSERT INTO bench_incidents (id, ref, status, team_id, type, occurred_at, date_precision, country, adm1, adm2,
		place, point, point_precision_m, coarse_lat, coarse_lon, group_size, dead, missing, survivors, minors, women, men,
		origins, units, uniforms, vehicles, officers, violence, asylum_asked, interpreter_present, sources, source_quality,
		verification, tags, consent_scope, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	insT, err := bare.PrepareContext(ctx, `INSERT INTO bench_testimonies (id, incident_id, language, narrative, pseudonym, interviewer, interpreter, witness_contact,
		taken_on, consent_scope, consent_date, consent_how, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	type row struct {
		stmt *sql.Stmt
		args []any
	}
	inTx := func(rows ...row) error {
		tx, err := bare.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.StmtContext(ctx, r.stmt).ExecContext(ctx, r.args...); err != nil {
				return errors.Join(err, tx.Rollback())
			}
		}
		return tx.Commit()
	}
	// Faro's record takes its consent scope from its testimonies: set at
	// once when both come in one request, by an UPDATE when the
	// testimony comes later (which the bare side does not do).
	consent := ""
	if oneTx {
		consent = t["consent_scope"].(string)
	}
	return func() {
		id, tid := benchID(), benchID()
		ref := fmt.Sprintf("2026-11-26-%d", id)
		now := time.Now().Unix()
		incRow := row{insInc, []any{id, ref, "draft", nil, inc["type"], occurred, "time", inc["country"], inc["adm1"], inc["adm2"],
			place, point, 1, 45.1, 15.7, inc["group_size"], nil, nil, nil, inc["minors"], inc["women"], inc["men"],
			"AF,PK", inc["units"], inc["uniforms"], inc["vehicles"], inc["officers"], "beating,theft_or_destruction,dog_attack",
			1, 0, sources, inc["source_quality"], "unverified", "night,forest", consent, actor, now, now}}
		tRow := row{insT, []any{tid, id, t["language"], tcols[0], tcols[1], tcols[2], tcols[3], tcols[4],
			taken, t["consent_scope"], taken, t["consent_how"], actor, now, now}}
		if oneTx {
			if err := inTx(incRow, tRow); err != nil {
				b.Error(err)
			}
			return
		}
		if err := inTx(incRow); err != nil {
			b.Error(err)
			return
		}
		if err := inTx(tRow); err != nil {
			b.Error(err)
		}
	}
}

// tableShape lists a table's columns as "name type notnull default pk".
func tableShape(tb testing.TB, a *app.App, table string) []string {
	tb.Helper()
	rows, err := a.DB.Query(context.Background(), "SELECT name, type, \"notnull\", COALESCE(dflt_value, ''), pk FROM pragma_table_info(?)", table)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, typ, dflt string
		var notNull, pk int
		if err := rows.Scan(&name, &typ, &notNull, &dflt, &pk); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %d %s %d", name, typ, notNull, dflt, pk))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestBareIncidentTablesMatch keeps the baseline honest: the bare tables
// must have the columns of the real ones, so that a migration changing
// incidents or testimonies shows up here rather than as a silently unfair
// ratio. It measures nothing.
func TestBareIncidentTablesMatch(t *testing.T) {
	a, _ := apptest.New(t)
	createBareIncidentTables(t, a)
	for _, table := range []string{"incidents", "testimonies"} {
		real, bare := tableShape(t, a, table), tableShape(t, a, "bench_"+table)
		if len(real) == 0 {
			t.Fatalf("table %s has no columns", table)
		}
		if strings.Join(real, "\n") != strings.Join(bare, "\n") {
			t.Errorf("bench_%s does not match %s:\nreal:\n%s\nbare:\n%s", table, table, strings.Join(real, "\n"), strings.Join(bare, "\n"))
		}
	}
}

// benchID is an id as Faro makes them (incident.newID): random below 2^53.
func benchID() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>11) | 1
}
