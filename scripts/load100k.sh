#!/usr/bin/env bash
# Faro at size: incident creation through the API against bare INSERTs,
# then 100,000 incidents with testimonies in a SQLite data directory and
# what a reviewer sees of them (list and search latency, the search index
# build at unseal, memory, page weight). Prints markdown for
# docs/performance.md; progress goes to stderr.
#
#   scripts/load100k.sh                      # everything (the load takes minutes)
#   SKIP_LOAD=1 scripts/load100k.sh          # only the create benchmark
#   SKIP_CREATE=1 scripts/load100k.sh        # only the 100k part
#
# Environment:
#   COUNT       rounds of the create benchmark pair (default 5)
#   BENCHTIME   go test -benchtime for it (default 2s)
#   DATA        data directory of the 100k records (default $TMPDIR/faro-load100k);
#               reused when it exists (topped up to N), so a second run skips the load
#   N           incidents (default 100000), one testimony each
#   REQUESTS    timed requests of each kind, list and search (default 200)
#   ROUNDS      rounds of the index build against its baseline (default 3)
#   DURABLE=1   keep synchronous=FULL while loading (slower; stored data is the same)
#   OUT         directory for raw output (default: a new temporary directory)
set -uo pipefail

cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-2s}
DATA=${DATA:-${TMPDIR:-/tmp}/faro-load100k}
N=${N:-100000}
REQUESTS=${REQUESTS:-200}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/faro-load100k.XXXXXX")}
mkdir -p "$OUT"

say() { echo "$*" >&2; }

echo "# Faro at 100k records"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(go version | awk '{print $3}'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo

# ---------------------------------------------------------------------
# Create an incident with its testimony through the API, against bare INSERTs

if [ "${SKIP_CREATE:-}" != 1 ]; then
	say "== create benchmark ($COUNT rounds × $BENCHTIME), raw output in $OUT/create.txt"
	: >"$OUT/create.txt"
	rc=0
	for i in $(seq 1 "$COUNT"); do
		say "   round $i of $COUNT"
		go test -run='^$' -bench='^Benchmark(APICreateIncident|BareIncidentInsert)(OneRequest|OneTx)?(Parallel)?$' -benchmem -count=1 \
			-benchtime="$BENCHTIME" ./internal/bench >>"$OUT/create.txt" 2>&1 || rc=$?
	done
	echo "## Creating an incident with its testimony through the API (goal: ≥ 0.5 of the bare throughput)"
	echo
	echo "Command, run $COUNT times in a row: \`go test -run='^\$' -bench='^Benchmark(APICreateIncident|BareIncidentInsert)(OneRequest|OneTx)?(Parallel)?\$' -benchmem -count=1 -benchtime=$BENCHTIME ./internal/bench\`"
	echo
	awk '
	/^Benchmark/ && NF >= 4 {
		name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
		for (i = 3; i + 1 <= NF; i += 2) { k = name SUBSEP $(i + 1); val[k, ++cnt[k]] = $i + 0 }
	}
	function sort(a, n,    i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
	function med(a, n) { sort(a, n); return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	function median(k,    n, i, a) { n = cnt[k]; if (!n) return 0; for (i = 1; i <= n; i++) a[i] = val[k, i]; return med(a, n) }
	# per-round ratio x/y of unit, or its inverse; printed as median (min–max)
	function rr(x, y, unit, inv,    n, i, r) {
		n = cnt[x SUBSEP unit]; if (cnt[y SUBSEP unit] < n) n = cnt[y SUBSEP unit]
		if (!n) return "–"
		for (i = 1; i <= n; i++) r[i] = inv ? val[y SUBSEP unit, i] / val[x SUBSEP unit, i] : val[x SUBSEP unit, i] / val[y SUBSEP unit, i]
		m = med(r, n)
		return sprintf("**%.2f%s** (%.2f–%.2f)", m, inv ? "" : "×", r[1], r[n])
	}
	function ms(ns) { return sprintf("%.2f ms", ns / 1e6) }
	# the parallel pair pa/pb, and pa against the serial bare sb
	function pair(pa, pb, sb, what, bare) {
		if (!cnt[pa SUBSEP "ns/op"]) return
		printf "\nWith %.0f clients at once on each side (the client runs in the same process and takes its share of the two CPUs):\n\n", median(pa SUBSEP "clients")
		printf "| | API (%s) | Bare (%s) | Ratio, per round: median (min–max) |\n|---|---|---|---|\n", what, bare
		printf "| Throughput, API ÷ bare with as many writers (goal ≥ 0.5) | %.0f incidents/s | %.0f incidents/s | %s |\n", median(pa SUBSEP "incidents/s"), median(pb SUBSEP "incidents/s"), rr(pa, pb, "ns/op", 1)
		printf "| Throughput, API ÷ bare one writer at a time (the better bare) | | %.0f incidents/s | %s |\n", median(sb SUBSEP "incidents/s"), rr(pa, sb, "ns/op", 1)
		printf "| CPU time per incident | %s | %s | %s |\n", ms(median(pa SUBSEP "cpu-ns/op")), ms(median(pb SUBSEP "cpu-ns/op")), rr(pa, pb, "cpu-ns/op", 0)
	}
	END {
		a = "APICreateIncident"; b = "BareIncidentInsert"
		printf "| | API (2 requests) | Bare (2 INSERTs, 2 commits) | Ratio, per round: median (min–max) |\n|---|---|---|---|\n"
		printf "| Throughput, API ÷ bare (goal ≥ 0.5) | %.0f incidents/s | %.0f incidents/s | %s |\n", median(a SUBSEP "incidents/s"), median(b SUBSEP "incidents/s"), rr(a, b, "ns/op", 1)
		printf "| Wall time per incident, API ÷ bare | %s | %s | %s |\n", ms(median(a SUBSEP "ns/op")), ms(median(b SUBSEP "ns/op")), rr(a, b, "ns/op", 0)
		printf "| CPU time per incident (all threads, client included) | %s | %s | %s |\n", ms(median(a SUBSEP "cpu-ns/op")), ms(median(b SUBSEP "cpu-ns/op")), rr(a, b, "cpu-ns/op", 0)
		printf "| Allocations per incident | %.0f (%.0f KiB) | %.0f (%.1f KiB) | |\n", median(a SUBSEP "allocs/op"), median(a SUBSEP "B/op") / 1024, median(b SUBSEP "allocs/op"), median(b SUBSEP "B/op") / 1024
		printf "\nOf the API time: POST /api/incidents %s, POST /api/incidents/{id}/testimonies %s (medians); %.0f audit entries per incident.\n",
			ms(median(a SUBSEP "incident-ns/op")), ms(median(a SUBSEP "testimony-ns/op")), median(a SUBSEP "audit-entries/op")
		pair(a "Parallel", b "Parallel", b, "2 requests", "2 INSERTs, 2 commits")
		a1 = a "OneRequest"; b1 = b "OneTx"
		if (cnt[a1 SUBSEP "ns/op"]) {
			printf "\nThe same incident and testimony in **one request** (`testimony` in the body of POST /api/incidents: one round trip, one transaction), against the same two rows in one transaction:\n\n"
			printf "| | API (1 request) | Bare (2 INSERTs, 1 commit) | Ratio, per round: median (min–max) |\n|---|---|---|---|\n"
			printf "| Throughput, API ÷ bare (goal ≥ 0.5) | %.0f incidents/s | %.0f incidents/s | %s |\n", median(a1 SUBSEP "incidents/s"), median(b1 SUBSEP "incidents/s"), rr(a1, b1, "ns/op", 1)
			printf "| CPU time per incident | %s | %s | %s |\n", ms(median(a1 SUBSEP "cpu-ns/op")), ms(median(b1 SUBSEP "cpu-ns/op")), rr(a1, b1, "cpu-ns/op", 0)
			pair(a1 "Parallel", b1 "Parallel", b1, "1 request", "2 INSERTs, 1 commit")
		}
	}' "$OUT/create.txt"
	if [ "$rc" -ne 0 ]; then
		echo
		echo "go test exited with status $rc (see $OUT/create.txt)."
	fi
	echo
fi

# ---------------------------------------------------------------------
# 100k records

[ "${SKIP_LOAD:-}" = 1 ] && exit 0

say "== building the loader"
go build -o "$OUT/load100k" ./internal/bench/cmd/load100k || exit 1
durable=
[ "${DURABLE:-}" = 1 ] && durable=-durable
say "== loading $N incidents into $DATA (skipped for what is already there)"
# Loading and measuring are two processes, so that the peak RSS measured
# is that of a server that unseals an existing database, not of the load.
"$OUT/load100k" -data "$DATA" -n "$N" -phase load $durable || exit 1
say "== measuring"
"$OUT/load100k" -data "$DATA" -n "$N" -phase measure -requests "$REQUESTS" -rounds "$ROUNDS" || exit 1
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
say "raw output kept in $OUT; data directory $DATA"
