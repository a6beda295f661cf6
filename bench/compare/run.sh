#!/usr/bin/env bash
# Kontor beside stripe-mock v0.203.0 on this machine, loopback only.
#
#   http        (default) wrk against each Kontor store of STORES and stripe-mock
#               in turn, A B A B, ROUNDS rounds of DURATION per endpoint and server:
#                 post      POST /v1/charges        a customer with a SEPA Direct Debit
#                                                   default source, a fresh Idempotency-Key
#                                                   per request (post_charge.lua)
#                 charge    GET /v1/charges/{id}    CUSTOMERS charges round robin
#                 customer  GET /v1/customers/{id}  CUSTOMERS customers round robin
#               and prints every figure with the Kontor/stripe-mock ratio.
#   background  Kontor on SQLite alone (stripe-mock has no such machinery): test
#               clock advance settlements/s, scheduler lag under write load, webhook
#               deliveries/s from a backlog, the delay a hung receiver in one
#               account causes another account, SQLite bytes per charge
#               (bench/compare/figures).
#   flat        POST /v1/charges on each store of STORES, on an empty database and
#               on one that bench/compare/fill has put FILL charges into (with
#               their events, timers and idempotency rows), both served at once
#               and measured in turn, A B A B; prints both and their ratio.
#   all         http and background.
#
# STORES is a space-separated list of Kontor configurations:
#   sqlite   one `kontor serve` on a SQLite file (the default)
#   pg1      one node on PostgreSQL
#   pg3      three nodes on one PostgreSQL database: one wrk process per node
#            (no load balancer), CONNS/3 connections each, at the same time;
#            their req/s add up, p50 and p99 are the worst of the three
# PostgreSQL is a throwaway cluster started from the installed server binaries
# (as the "postgres" user when run as root) with fsync and synchronous_commit
# on, one fresh database per configuration; the nodes reach it over TCP on
# 127.0.0.1, or over its unix socket with PG_SOCKET=1.
#
# Every run is bounded: wrk runs for DURATION, the background figures have
# fixed counts and time limits, the fill a fixed count. Every server binds a
# free 127.0.0.1 port; databases, clusters and logs live in a temporary
# directory removed at the end.
#
# usage: bench/compare/run.sh [http|background|flat|all]
# env:   STORES (sqlite), ENDPOINTS (post charge customer), ROUNDS (3), DURATION (10s),
#        CONNS (48), THREADS (2), CUSTOMERS (64),
#        KONTOR_BENCH_DIR (the temporary directory's parent; default TMPDIR or /tmp)
#        KONTOR_BIN (a kontor binary to measure instead of one built from ./cmd/kontor)
#        background: FIGURES_FLAGS (extra flags for bench/compare/figures, e.g. "-clock-charges 10000")
#        PG_SOCKET (set: connect to PostgreSQL over its unix socket instead of 127.0.0.1)
#        PG_CONF (extra PostgreSQL settings, e.g. "-c shared_preload_libraries=auto_explain
#          -c auto_explain.log_min_duration=20"); PG_LOG (a file the server's log is copied to at the end);
#          PG_STATS (a file: after each run on PostgreSQL, its busiest statements from
#          pg_stat_statements are appended to it; loads that extension)
#        flat: FILL (1000000 charges), FILL_FLAGS (extra flags for bench/compare/fill)
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-http}
stores=(${STORES:-sqlite})
endpoints=(${ENDPOINTS:-post charge customer})
rounds=${ROUNDS:-3}
dur=${DURATION:-10s}
conns=${CONNS:-48}
threads=${THREADS:-2}
ncust=${CUSTOMERS:-64}
fill=${FILL:-1000000}
smversion=v0.203.0

case $mode in http | background | flat | all) ;; *)
	echo "usage: $0 [http|background|flat|all]" >&2
	exit 2
	;;
esac
# want WHAT WORD ALLOWED...: exit unless WORD is one of ALLOWED.
want() {
	local what=$1 word=$2 ok
	shift 2
	for ok in "$@"; do [ "$word" != "$ok" ] || return 0; done
	echo "unknown $what $word (want one of: $*)" >&2
	exit 2
}
for s in "${stores[@]}"; do want "store in STORES" "$s" sqlite pg1 pg3; done
for e in "${endpoints[@]}"; do want "endpoint in ENDPOINTS" "$e" post charge customer; done
for tool in wrk curl python3 go; do
	command -v "$tool" >/dev/null || { echo "$tool not found (make bench-compare installs wrk; apt-get install -y wrk curl python3)" >&2; exit 1; }
done

base=${KONTOR_BENCH_DIR:-${TMPDIR:-/tmp}}
dir=$(mktemp -d "$base/kontor-compare-XXXXXX")
pids=()
pgbin=""
cleanup() {
	# SIGTERM: kontor shuts down cleanly on it, and stripe-mock ignores SIGINT.
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$pgbin" ] && [ -e "$dir/pg/data/postmaster.pid" ]; then
		asdb "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	[ -z "${PG_LOG:-}" ] || [ ! -e "$dir/pg/log" ] || cp "$dir/pg/log" "$PG_LOG"
	rm -rf "$dir"
}
trap cleanup EXIT

freeport() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# waitfor URL LOG: wait until the server answers, at most 60 s.
waitfor() {
	for _ in $(seq 600); do
		curl -s -o /dev/null "$1" && return
		sleep 0.1
	done
	echo "server at $1 did not start:" >&2
	cat "$2" >&2
	exit 1
}

# asdb runs a PostgreSQL server binary, as "postgres" when we are root
# (PostgreSQL refuses to run as root).
asdb() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
	local d
	for d in "$(pg_config --bindir 2>/dev/null || true)" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
			pgbin=$d
			break
		fi
	done
	[ -n "$pgbin" ] || { echo "PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 1; }
	mkdir -p "$dir/pg"
	[ "$(id -u)" -ne 0 ] || chown postgres "$dir" "$dir/pg"
	asdb "$pgbin/initdb" -D "$dir/pg/data" -U postgres -A trust -E UTF8 --locale=C >/dev/null
	pgport=$(freeport)
	asdb "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -o \
		"-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200 ${PG_STATS:+-c shared_preload_libraries=pg_stat_statements} ${PG_CONF:-}" start >/dev/null
	echo "postgres $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport, fsync=on, synchronous_commit=on"
}

# dburl STORE [NAME]: the --db of a store configuration: a fresh SQLite file
# or PostgreSQL database.
dburl() {
	local name=${2:-$1}
	case $1 in
	sqlite) echo "$dir/kontor-$name.db" ;;
	pg*)
		"$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "CREATE DATABASE kontor_$name" >/dev/null
		[ -z "${PG_STATS:-}" ] || "$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d "kontor_$name" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
		if [ -n "${PG_SOCKET:-}" ]; then
			echo "postgres://postgres@/kontor_$name?host=$dir/pg&port=$pgport"
		else
			echo "postgres://postgres@127.0.0.1:$pgport/kontor_$name?sslmode=disable"
		fi
		;;
	esac
}

# serve NAME STORE DB: start the store's nodes on DB; sets urls_NAME and
# pids_NAME. Charges settle after an hour: no settlement timer fires during
# a run, and the endpoint alone is measured (the background mode measures
# the timers).
serve() {
	local n=1 i port urls=() mine=()
	[ "$2" != pg3 ] || n=3
	for i in $(seq "$n"); do
		port=$(freeport)
		"$dir/kontor" serve --db "$3" --addr "127.0.0.1:$port" --sandbox-delay 1h --log-level warn >>"$dir/kontor-$1-$i.log" 2>&1 &
		pids+=($!)
		mine+=($!)
		urls+=("http://127.0.0.1:$port")
		waitfor "http://127.0.0.1:$port/v1/charges" "$dir/kontor-$1-$i.log"
	done
	eval "urls_$1=(${urls[*]})"
	eval "pids_$1=(${mine[*]})"
}

# stop NAME: stop the nodes serve NAME started.
stop() {
	local p mine
	eval "mine=(\${pids_$1[@]})"
	for p in "${mine[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${mine[@]}"; do wait "$p" 2>/dev/null || true; done
}

label() {
	case $1 in
	sqlite) echo "Kontor (SQLite)" ;;
	pg1) echo "Kontor (PostgreSQL, 1 node)" ;;
	pg3) echo "Kontor (PostgreSQL, 3 nodes)" ;;
	*) echo "$1" ;;
	esac
}

if [ -n "${KONTOR_BIN:-}" ]; then
	cp "$KONTOR_BIN" "$dir/kontor"
else
	go build -o "$dir/kontor" ./cmd/kontor
fi
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(go version | awk '{print $3}'); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

if [ "$mode" = background ] || [ "$mode" = all ]; then
	go build -o "$dir/figures" ./bench/compare/figures
	# shellcheck disable=SC2086
	"$dir/figures" -kontor "$dir/kontor" -dir "$dir" ${FIGURES_FLAGS:-}
fi
[ "$mode" != background ] || exit 0

for s in "${stores[@]}"; do
	case $s in pg*) [ -n "$pgbin" ] || start_postgres ;; esac
done
key=sk_test_compare$RANDOM$RANDOM
results=$dir/results.txt
: >"$results"

# run ROUND ENDPOINT SERVER IDS URL...: one wrk process per URL at once
# (CONNS shared among them), one line in results.txt: endpoint, server,
# round, total req/s, the worst p50 and p99, errors.
run() {
	local round=$1 endpoint=$2 server=$3 ids=$4 script prefix idfile i=0 wpids=() t=$threads
	shift 4
	case $endpoint in
	post) script=bench/compare/post_charge.lua prefix="" idfile=$ids/customers.txt ;;
	charge) script=bench/compare/get.lua prefix=/v1/charges/ idfile=$ids/charges.txt ;;
	customer) script=bench/compare/get.lua prefix=/v1/customers/ idfile=$ids/customers.txt ;;
	esac
	[ $# -eq 1 ] || t=1
	rm -f "$dir"/wrk-*.txt
	for url in "$@"; do
		i=$((i + 1))
		KONTOR_KEY=$key KONTOR_RUN="r$round-$RANDOM$RANDOM-$i" KONTOR_CUSTOMERS=$ids/customers.txt KONTOR_IDS=$idfile KONTOR_PREFIX=$prefix \
			KONTOR_PROC=$((i - 1)) KONTOR_PROCS=$# KONTOR_THREADS=$t \
			wrk -t"$t" -c"$((conns / $#))" -d"$dur" --latency -s "$script" "$url/v1/charges" >"$dir/wrk-$i.txt" &
		wpids+=($!)
	done
	for p in "${wpids[@]}"; do wait "$p"; done
	awk -v round="$round" -v endpoint="$endpoint" -v server="$server" '
		function ms(s) { if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /s$/) return s * 1000; return s }
		/Requests\/sec:/ { rps += $2 }
		/^ +50%/ { v = ms($2); if (v > p50) p50 = v }
		/^ +99%/ { v = ms($2); if (v > p99) p99 = v }
		/Non-2xx or 3xx responses:/ { bad += $5 }
		/Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
		END { printf "%s %s %s %.0f %.2f %.2f %d\n", endpoint, server, round, rps, p50, p99, bad }
	' "$dir"/wrk-*.txt >>"$results"
	tail -1 "$results" | awk '{printf "  round %s %-8s %-11s %8s req/s  p50 %7s ms  p99 %7s ms  errors %s\n", $3, $1, $2, $4, $5, $6, $7}'
	case $server in pg*) [ -z "${PG_STATS:-}" ] || pgstats "$round $endpoint $server" "kontor_${server//-/_}" ;; esac
}

# pgstats TITLE DB: append DB's busiest statements since the last call to PG_STATS, and reset them.
pgstats() {
	{
		echo "== $1 ($(date -u +%T))"
		"$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d "$2" -c "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
			round(mean_exec_time::numeric, 3) AS mean_ms, round(max_exec_time::numeric, 1) AS max_ms,
			round((shared_blks_hit + shared_blks_read)::numeric / calls, 1) AS blocks_per_call, shared_blks_read AS read,
			left(regexp_replace(query, '\s+', ' ', 'g'), 70) || ' … ' || right(regexp_replace(query, '\s+', ' ', 'g'), 70) AS query
			FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
			ORDER BY total_exec_time DESC LIMIT 8"
		"$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d "$2" -c "SELECT pg_stat_statements_reset()" >/dev/null
	} >>"$PG_STATS" 2>&1
}

# prepare STORE URL: CUSTOMERS customers and charges of the key, listed in $dir/STORE-ids.
prepare() {
	mkdir -p "$dir/$1-ids"
	python3 bench/compare/setup.py "$2" "$key" "$ncust" "$dir/$1-ids"
}

if [ "$mode" = flat ]; then
	# Two databases per store, served side by side: one filled with FILL
	# charges, one empty, measured in turn (A B A B) so that both see the
	# same background load.
	go build -o "$dir/fill" ./bench/compare/fill
	echo "each run: $dur, $conns connections; $rounds rounds on an empty database and one of $fill charges, in turn; $ncust customers"
	for s in "${stores[@]}"; do
		full=$(dburl "$s" "${s}_full")
		serve "${s}_full" "$s" "$full"
		eval "u=(\${urls_${s}_full[@]})"
		prepare "$s-full" "${u[0]}"
		stop "${s}_full"
		start=$(date +%s)
		# shellcheck disable=SC2086
		"$dir/fill" -db "$full" -key "$key" -customers "$dir/$s-full-ids/customers.txt" -n "$fill" ${FILL_FLAGS:-}
		echo "$(label "$s"): filled in $(($(date +%s) - start)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
		[ "$s" != sqlite ] || echo "database: $(du -k "$full" | cut -f1) KiB (+ $(du -k "$full-wal" 2>/dev/null | cut -f1 || echo 0) KiB WAL)"
		serve "${s}_full" "$s" "$full"
		serve "${s}_empty" "$s" "$(dburl "$s" "${s}_empty")"
		eval "u=(\${urls_${s}_empty[@]})"
		prepare "$s-empty" "${u[0]}"
		for r in $(seq "$rounds"); do
			echo "$(label "$s"), round $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
			for state in empty full; do
				eval "u=(\${urls_${s}_$state[@]})"
				run "$r" post "$s-$state" "$dir/$s-$state-ids" "${u[@]}"
			done
		done
		stop "${s}_empty"
		stop "${s}_full"
	done
	python3 - "$results" "$fill" "${stores[@]}" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
fill, stores = int(sys.argv[2]), sys.argv[3:]
labels = {"sqlite": "SQLite", "pg1": "PostgreSQL, 1 node", "pg3": "PostgreSQL, 3 nodes"}
print()
print("| store | database | rounds req/s | median req/s | median p99 ms | errors |")
print("|---|---|--:|--:|--:|--:|")
for s in stores:
    med = {}
    for state, name in (("empty", "empty"), ("full", "%s charges" % format(fill, ","))):
        rs = [r for r in rows if r[1] == s + "-" + state]
        if not rs:
            continue
        med[state] = statistics.median(float(r[3]) for r in rs)
        p99 = statistics.median(float(r[5]) for r in rs)
        print("| %s | %s | %s | %.0f | %.2f | %d |" % (labels[s], name, " / ".join(r[3] for r in rs), med[state], p99, sum(int(r[6]) for r in rs)))
    if med.get("empty") and "full" in med:
        print("| %s | full / empty | | **%.2f×** | | |" % (labels[s], med["full"] / med["empty"]))
EOF
	exit 0
fi

# stripe-mock: installed with the Go toolchain when missing or of another version.
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin=$(go env GOPATH)/bin
sm=$gobin/stripe-mock
if ! [ -x "$sm" ] || ! go version -m "$sm" 2>/dev/null | grep -q "github.com/stripe/stripe-mock[[:space:]]*$smversion"; then
	echo "installing stripe-mock $smversion"
	go install "github.com/stripe/stripe-mock@$smversion"
fi

sport=$(freeport)
# stripe-mock also serves HTTPS, by default on 12112: give it a free port too.
tport=$(freeport)
while [ "$tport" = "$sport" ]; do tport=$(freeport); done
"$sm" -http-addr "127.0.0.1:$sport" -https-addr "127.0.0.1:$tport" >"$dir/stripe-mock.log" 2>&1 &
pids+=($!)
surl=http://127.0.0.1:$sport
waitfor "$surl/v1/charges" "$dir/stripe-mock.log"
prepare stripe-mock "$surl"
for s in "${stores[@]}"; do
	serve "$s" "$s" "$(dburl "$s")"
	eval "u=(\${urls_$s[@]})"
	prepare "$s" "${u[0]}"
done
echo "each run: $dur, $conns connections on $threads wrk threads (one wrk process per node); $rounds rounds, ${stores[*]} then stripe-mock $smversion; $ncust customers"

for r in $(seq "$rounds"); do
	echo "round $r ($(date -u +%T), load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for ep in "${endpoints[@]}"; do
		for s in "${stores[@]}"; do
			eval "u=(\${urls_$s[@]})"
			run "$r" "$ep" "$s" "$dir/$s-ids" "${u[@]}"
		done
		run "$r" "$ep" stripe-mock "$dir/stripe-mock-ids" "$surl"
	done
done
for s in "${stores[@]}"; do
	[ "$s" != sqlite ] || echo "Kontor's SQLite database after the runs: $(du -k "$dir/kontor-sqlite.db" | cut -f1) KiB (+ $(du -k "$dir/kontor-sqlite.db-wal" 2>/dev/null | cut -f1 || echo 0) KiB WAL)"
done
python3 - "$results" "${stores[@]}" <<'EOF'
import statistics, sys
names = {"post": "POST /v1/charges", "charge": "GET /v1/charges/{id}", "customer": "GET /v1/customers/{id}"}
labels = {"sqlite": "SQLite", "pg1": "PostgreSQL, 1 node", "pg3": "PostgreSQL, 3 nodes"}
rows = [l.split() for l in open(sys.argv[1])]
stores = sys.argv[2:]
print()
print("| endpoint | Kontor store | round | Kontor req/s | Kontor p50 / p99 ms | stripe-mock req/s | stripe-mock p50 / p99 ms | Kontor / stripe-mock |")
print("|---|---|---|--:|--:|--:|--:|--:|")
for ep in ("post", "charge", "customer"):
    s = {r[2]: r for r in rows if r[0] == ep and r[1] == "stripe-mock"}
    if not s:
        continue
    sm = statistics.median(float(r[3]) for r in s.values())
    sp = statistics.median(float(r[5]) for r in s.values())
    for st in stores:
        k = {r[2]: r for r in rows if r[0] == ep and r[1] == st}
        for rnd in sorted(k, key=int):
            a, b = k[rnd], s.get(rnd)
            if b is None:
                continue
            ratio = float(a[3]) / float(b[3]) if float(b[3]) else float("nan")
            bad = "" if a[6] == "0" and b[6] == "0" else " (errors: Kontor %s, stripe-mock %s)" % (a[6], b[6])
            print("| %s | %s | %s | %s | %s / %s | %s | %s / %s | %.2f×%s |" % (names[ep], labels[st], rnd, a[3], a[4], a[5], b[3], b[4], b[5], ratio, bad))
        km = statistics.median(float(r[3]) for r in k.values())
        kp = statistics.median(float(r[5]) for r in k.values())
        print("| %s | %s | median | %.0f | p99 %.2f | %.0f | p99 %.2f | **%.2f×** |" % (names[ep], labels[st], km, kp, sm, sp, km / sm if sm else float("nan")))
EOF
