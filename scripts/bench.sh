#!/usr/bin/env bash
# Measure Faro against bare baselines run on the same machine in the same
# run, and print the results as markdown tables (docs/performance.md).
#
#   scripts/bench.sh                 # everything
#   COUNT=3 BENCHTIME=500ms scripts/bench.sh
#   SKIP_RSS=1 SKIP_WRK=1 scripts/bench.sh
#
# Figures that mean something are the ratios: Faro's time over the bare
# baseline's time, measured moments apart on the same machine. Absolute
# numbers are printed for the record only. Nothing here fails on a slow
# result; a failing benchmark or an over-budget page is reported as such.
#
# Environment:
#   COUNT       rounds of the whole benchmark set (default 5); medians are reported
#   BENCHTIME   go test -benchtime (default 1s)
#   BENCH       benchmark regexp (default .)
#   IDLE_WAIT   seconds to let faro demo settle before reading RSS (default 3)
#   WRK_TIME    wrk duration (default 10s); wrk is used only if installed
#   SKIP_RSS=1  skip the idle-RSS measurement
#   SKIP_WRK=1  skip wrk even if installed
#   OUT         directory for raw output (default: a new temporary directory)
#   RAW         tabulate this earlier bench.txt instead of running the benchmarks
set -uo pipefail

cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
IDLE_WAIT=${IDLE_WAIT:-3}
WRK_TIME=${WRK_TIME:-10s}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/faro-bench.XXXXXX")}
mkdir -p "$OUT"

say() { echo "$*" >&2; }

# Servers this script started, stopped however it ends.
STARTED=
cleanup() { for p in $STARTED; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

# ---------------------------------------------------------------------
# Go benchmarks

# The whole set runs COUNT times over rather than each benchmark COUNT
# times in a row (go test -count), so that a Faro benchmark and its
# baseline are always measured close together and drift (disk caches,
# neighbours on a shared host) hits both alike.
say "== go test -bench ($COUNT rounds × $BENCHTIME), raw output in $OUT/bench.txt"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
bench_rc=0
if [ -n "${RAW:-}" ]; then
	# Tabulate an earlier run's raw output instead of running again.
	cp "$RAW" "$OUT/bench.txt" 2>/dev/null || [ "$RAW" -ef "$OUT/bench.txt" ] || exit 1
	grep -q '^FAIL' "$OUT/bench.txt" && bench_rc=1
else
	: >"$OUT/bench.txt"
	for i in $(seq 1 "$COUNT"); do
		say "   round $i of $COUNT"
		go test -run='^$' -bench="$BENCH" -benchmem -count=1 -benchtime="$BENCHTIME" ./internal/bench >>"$OUT/bench.txt" 2>&1 || bench_rc=$?
	done
fi

echo "# Faro benchmarks"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(go version | awk '{print $3}'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(uname -sr)."
echo
echo "Command, run $COUNT time(s) in a row by scripts/bench.sh:"
echo "\`go test -run='^\$' -bench='$BENCH' -benchmem -count=1 -benchtime=$BENCHTIME ./internal/bench\`"
echo
echo "A ratio is Faro's time per operation ÷ the bare baseline's (1.00× = as fast as the"
echo "bare standard-library version; 2.00× = twice as slow), computed for each round, in"
echo "which the two ran moments apart, and summarised as median (min–max) over $COUNT rounds."
echo "Wall time includes waiting for a CPU and for the disk; CPU time (user + system, all"
echo "threads, from getrusage) includes neither, so on a busy machine it is the steadier"
echo "ratio, and for fsync-bound work the wall-time ratio is the one that matters."
echo "Spread = (max − min) ÷ median of wall time over the rounds; above ~20% the machine was busy."
echo
if [ -n "${RAW:-}" ]; then
	echo "Tabulated from an earlier run's output, $RAW."
else
	echo "Load average before the run: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)."
fi
echo

awk '
# A benchmark line: name-P  N  value unit  value unit ...
/^Benchmark/ && NF >= 4 {
	name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	if (!(name in seen)) order[++nnames] = name
	seen[name] = 1
	for (i = 3; i + 1 <= NF; i += 2) {
		k = name SUBSEP $(i + 1)
		n = ++cnt[k]
		val[k, n] = $i + 0
	}
}
/^--- FAIL: Benchmark/ {
	name = $3; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	failed[name] = 1
	getline reason
	sub(/^[ \t]+/, "", reason); sub(/^[^:]*:[0-9]+: /, "", reason)
	why[name] = reason
}

function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
function median(k,    n, i, a) {
	n = cnt[k]
	if (n == 0) return ""
	for (i = 1; i <= n; i++) a[i] = val[k, i]
	sort(a, n)
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function spread(k,    n, i, lo, hi, m) {
	n = cnt[k]
	if (n < 2) return "–"
	lo = hi = val[k, 1]
	for (i = 2; i <= n; i++) { if (val[k, i] < lo) lo = val[k, i]; if (val[k, i] > hi) hi = val[k, i] }
	m = median(k)
	return (m > 0) ? sprintf("%.0f%%", 100 * (hi - lo) / m) : "–"
}
function dur(ns) {
	if (ns == "") return "–"
	if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
	if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
	if (ns >= 1e3) return sprintf("%.1f µs", ns / 1e3)
	return sprintf("%.0f ns", ns)
}
function bytes(b) {
	if (b == "") return "–"
	if (b >= 1048576) return sprintf("%.1f MiB", b / 1048576)
	if (b >= 1024) return sprintf("%.1f KiB", b / 1024)
	return sprintf("%d B", b)
}
function ratio(a, b, unit,    x, y) {
	x = median(a SUBSEP unit); y = median(b SUBSEP unit)
	if (x == "" || y == "" || y == 0) return "–"
	return sprintf("%.2f×", x / y)
}
# Per-round ratios: round i of a Faro benchmark over round i of its
# baseline, which ran moments apart. Their median and range say more on a
# noisy machine than the ratio of medians.
function roundratios(a, b, unit,    n, i, r, x) {
	if (a in failed) return "FAILED"
	n = cnt[a SUBSEP unit]
	if (cnt[b SUBSEP unit] < n) n = cnt[b SUBSEP unit]
	if (n == 0) return "–"
	for (i = 1; i <= n; i++) r[i] = val[a SUBSEP unit, i] / val[b SUBSEP unit, i]
	sort(r, n)
	x = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
	return sprintf("**%.2f×** (%.2f–%.2f)", x, r[1], r[n])
}
function row(faro, bare, what) {
	if (!(faro in seen) && !(faro in failed) && !(bare in seen)) return
	printf "| %s | %s | %s | %s | %s | %s |\n", what, faro " ÷ " bare,
		roundratios(faro, bare, "ns/op"), roundratios(faro, bare, "cpu-ns/op"),
		ratio(faro, bare, "B/op"), ratio(faro, bare, "allocs/op")
}
END {
	print "### Ratios to the bare baselines"
	print ""
	print "| What | Faro ÷ baseline | Wall time, per round: median (min–max) | CPU time, per round: median (min–max) | B/op | allocs/op |"
	print "|---|---|---|---|---|---|"
	row("HomePage", "BareHandler", "GET / signed in, gzip, 8 keep-alive clients")
	row("HomePageIdentity", "BareHandler", "GET / signed in, no gzip")
	row("FieldEncryptDecrypt", "BareXChaCha", "1 KiB field encrypt + decrypt")
	row("EvidenceUpload", "BareFileWriteHash", "8 MiB evidence upload, fsynced")
	row("UnsealPassphrase", "BareArgon2id", "passphrase unseal, default KDF")
	row("UnsealShares", "BareShamirCombine", "Shamir unseal, 3 of 5 shares")
	row("SharesRootRebuild", "BareShamirCombine", "Shamir root-key rebuild (no unseal)")
	row("AuditAppend", "BareInsert", "audit append in its own transaction")
	print ""
	print "### Absolute figures (medians; for the record, not for comparison across machines)"
	print ""
	print "| Benchmark | Wall time/op | CPU time/op | Rate | B/op | allocs/op | Spread of wall time |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= nnames; i++) {
		n = order[i]
		rate = "–"
		if (cnt[n SUBSEP "req/s"]) rate = sprintf("%.0f req/s", median(n SUBSEP "req/s"))
		if (cnt[n SUBSEP "MB/s"]) rate = sprintf("%.0f MB/s", median(n SUBSEP "MB/s"))
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", n, dur(median(n SUBSEP "ns/op")), dur(median(n SUBSEP "cpu-ns/op")),
			rate, bytes(median(n SUBSEP "B/op")), median(n SUBSEP "allocs/op"), spread(n SUBSEP "ns/op")
	}
	nf = 0
	for (n in failed) nf++
	if (nf) {
		print ""
		for (n in failed) printf "FAILED: Benchmark%s: %s\n", n, why[n]
	}
}
' "$OUT/bench.txt"
if [ "$bench_rc" -ne 0 ]; then
	echo
	echo "go test exited with status $bench_rc (see $OUT/bench.txt)."
fi

# ---------------------------------------------------------------------
# Page weight

say "== page weight"
go test -count=1 -v -run '^TestPageWeight$' ./internal/bench >"$OUT/weight.txt" 2>&1
weight_rc=$?
echo
echo "## Page weight (first load, gzip bodies, CSS/JS/icon included; budget 30 KiB)"
echo
echo "Command: \`go test -count=1 -v -run '^TestPageWeight\$' ./internal/bench\`"
echo
echo "| Page | Language | HTML gzip | Total gzip | Uncompressed headers (not in budget) |"
echo "|---|---|---|---|---|"
awk '
/^=== RUN +TestPageWeight\// { split($3, p, "/"); kind = p[2] }
/B gzip on first load/ {
	# "/login [en]: 2702 B gzip on first load (budget 30720 B): /login 790 B, ...; plus about 2802 B of response headers"
	match($0, /\[[a-z-]+\]/); lang = substr($0, RSTART + 1, RLENGTH - 2)
	total = $0; sub(/.*\]: /, "", total); sub(/ B gzip.*/, "", total)
	html = $0; sub(/.*\(budget [0-9]+ B\): [^ ]+ /, "", html); sub(/ B,.*/, "", html)
	hdr = $0; sub(/.*plus about /, "", hdr); sub(/ B of.*/, "", hdr)
	printf "| %s | %s | %d B | %d B | %d B |\n", kind, lang, html, total, hdr
}' "$OUT/weight.txt"
if [ "$weight_rc" -ne 0 ]; then
	echo
	echo "**TestPageWeight FAILED** (status $weight_rc):"
	echo
	echo '```'
	grep -E 'FAIL|over the' "$OUT/weight.txt"
	echo '```'
fi

# ---------------------------------------------------------------------
# Idle RSS of faro demo against a bare net/http server, and wrk

[ "${SKIP_RSS:-}" = 1 ] && exit 0

say "== building faro and a bare server"
go build -o "$OUT/faro" ./cmd/faro || exit 1
mkdir -p "$OUT/bare"
cat >"$OUT/bare/main.go" <<'EOF'
// A bare net/http server serving one static HTML page, as a baseline.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	page := []byte("<!doctype html><html lang=en><head><meta charset=utf-8><title>Bare</title></head><body><main>" +
		strings.Repeat("<p>Bare baseline page of about the size of Faro's home page.</p>\n", 26) + "</main></body></html>")
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening at http://%s/\n", ln.Addr())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
}
EOF
(cd "$OUT/bare" && GOFLAGS= GO111MODULE=on go build -o "$OUT/bare-server" main.go) || exit 1

# start LOG CMD... starts a server that prints "http://ADDR/" on stdout,
# waits until it answers, and sets PID and ADDR.
start() {
	local log=$1
	shift
	"$@" >"$log.out" 2>"$log.err" &
	PID=$!
	STARTED="$STARTED $PID"
	ADDR=
	for _ in $(seq 1 600); do
		ADDR=$(grep -o -m1 'http://[0-9.:]*/' "$log.out" 2>/dev/null | head -1)
		# Any HTTP answer will do (curl -s without -f succeeds on any status).
		if [ -n "$ADDR" ] && curl -s -o /dev/null --max-time 5 "$ADDR"; then
			return 0
		fi
		if ! kill -0 "$PID" 2>/dev/null; then
			say "server exited early:"; cat "$log.err" >&2
			return 1
		fi
		sleep 0.1
	done
	say "server did not answer in 60 s"
	return 1
}

status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

say "== idle RSS"
start "$OUT/demo" "$OUT/faro" demo --listen 127.0.0.1:0 --data "$OUT/demo-data" || exit 1
FARO_PID=$PID FARO_ADDR=$ADDR
start "$OUT/bareserver" "$OUT/bare-server" 127.0.0.1:0 || { stop "$FARO_PID"; exit 1; }
BARE_PID=$PID BARE_ADDR=$ADDR
sleep "$IDLE_WAIT"
faro_rss=$(status_kib "$FARO_PID" VmRSS)
faro_hwm=$(status_kib "$FARO_PID" VmHWM)
bare_rss=$(status_kib "$BARE_PID" VmRSS)
bare_hwm=$(status_kib "$BARE_PID" VmHWM)

echo
echo "## Idle memory"
echo
echo "\`faro demo --listen 127.0.0.1:0\` (built with \`go build ./cmd/faro\`) and a bare net/http server"
echo "serving one static page, both started, answered once, then left idle ${IDLE_WAIT} s; VmRSS and"
echo "VmHWM (peak RSS) from /proc/PID/status."
echo
echo "| Process | Idle RSS | Peak RSS |"
echo "|---|---|---|"
echo "| faro demo | $((faro_rss / 1024)) MiB ($faro_rss KiB) | $((faro_hwm / 1024)) MiB |"
echo "| bare net/http | $((bare_rss / 1024)) MiB ($bare_rss KiB) | $((bare_hwm / 1024)) MiB |"
echo "| ratio | **$(awk -v a="$faro_rss" -v b="$bare_rss" 'BEGIN{printf "%.1f×", a / b}')** | $(awk -v a="$faro_hwm" -v b="$bare_hwm" 'BEGIN{printf "%.1f×", a / b}') |"

# ---------------------------------------------------------------------
# wrk, when installed: signed-in home page of the demo against the bare server

if [ "${SKIP_WRK:-}" != 1 ] && command -v wrk >/dev/null; then
	say "== wrk"
	viewer_pw=$(awk '$1 == "viewer" && NF == 3 {print $2}' "$OUT/demo.out")
	jar="$OUT/cookies.txt"
	csrf=$(curl -fs -c "$jar" -H 'Accept-Encoding: identity' "${FARO_ADDR}login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
	curl -fs -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "login=viewer" \
		--data-urlencode "password=$viewer_pw" --data-urlencode "next=/" "${FARO_ADDR}login"
	session=$(awk '$6 == "faro_session" {print $7}' "$jar")
	if [ -z "$session" ]; then
		echo
		echo "wrk skipped: could not sign in to the demo as viewer."
	else
		run_wrk() { wrk -t2 -c8 -d"$WRK_TIME" "$@" 2>&1; }
		run_wrk -H "Cookie: faro_session=$session" -H 'Accept-Encoding: gzip' "$FARO_ADDR" >"$OUT/wrk-faro.txt"
		run_wrk -H 'Accept-Encoding: gzip' "$BARE_ADDR" >"$OUT/wrk-bare.txt"
		run_wrk -H 'Accept-Encoding: gzip' "${FARO_ADDR}login" >"$OUT/wrk-faro-login.txt"
		faro_after=$(status_kib "$FARO_PID" VmRSS)
		rps() { awk '/^Requests\/sec/ {print $2}' "$1"; }
		lat() { awk '$1 == "Latency" {print $2}' "$1"; }
		non2xx() { awk '/Non-2xx/ {n = $NF} END {print n + 0}' "$1"; }
		fr=$(rps "$OUT/wrk-faro.txt") br=$(rps "$OUT/wrk-bare.txt") lr=$(rps "$OUT/wrk-faro-login.txt")
		echo
		echo "## wrk (2 threads, 8 connections, $WRK_TIME, on the same $(nproc)-CPU machine as the server)"
		echo
		echo "Command: \`wrk -t2 -c8 -d$WRK_TIME -H 'Cookie: faro_session=…' -H 'Accept-Encoding: gzip' http://ADDR/\`"
		echo
		echo "| Target | Requests/s | Mean latency | Non-2xx | Ratio to bare |"
		echo "|---|---|---|---|---|"
		echo "| faro demo, GET / signed in as viewer | $fr | $(lat "$OUT/wrk-faro.txt") | $(non2xx "$OUT/wrk-faro.txt") | **$(awk -v a="$br" -v b="$fr" 'BEGIN{ if (b > 0) printf "%.2f× the time", a / b}')** |"
		echo "| faro demo, GET /login anonymous | $lr | $(lat "$OUT/wrk-faro-login.txt") | $(non2xx "$OUT/wrk-faro-login.txt") | $(awk -v a="$br" -v b="$lr" 'BEGIN{ if (b > 0) printf "%.2f× the time", a / b}') |"
		echo "| bare net/http, static page | $br | $(lat "$OUT/wrk-bare.txt") | $(non2xx "$OUT/wrk-bare.txt") | 1.00× |"
		echo
		echo "faro demo RSS after the wrk runs: $((faro_after / 1024)) MiB."
	fi
fi

stop "$FARO_PID"
stop "$BARE_PID"
say "raw output kept in $OUT"
