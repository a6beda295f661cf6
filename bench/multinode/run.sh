#!/usr/bin/env bash
# Load-test POST /v1/charges and GET /v1/charges/{id} with wrk, on
#   sqlite1  one `kontor serve` on a SQLite file
#   pg1      one node on PostgreSQL
#   pg3      three nodes on one PostgreSQL database: one wrk process per node
#            (no load balancer), CONNS/3 connections each; their req/s add up
# Every configuration gets a fresh database, CUSTOMERS customers (each with a
# reusable SEPA Direct Debit source as default source) to charge round robin,
# and as many charges to read. Each POST carries a fresh Idempotency-Key, as
# the SDKs send. Charges settle after SANDBOX_DELAY (default 1h, so that no
# settlement timer fires during a run and only the endpoint is measured).
#
# PostgreSQL is a throwaway cluster from the installed server binaries (as the
# "postgres" user when run as root), fsync and synchronous_commit on, removed
# at the end with everything else. Only 127.0.0.1 is targeted.
#
# usage: bench/multinode/run.sh [sqlite1|pg1|pg3]...   (default: all three)
# env:   DURATION (10s), CONNS (48), CUSTOMERS (64), SANDBOX_DELAY (1h), PORT (12120: PORT..PORT+5 are used)
set -euo pipefail
cd "$(dirname "$0")/../.."
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(sqlite1 pg1 pg3)
dur=${DURATION:-10s}
conns=${CONNS:-48}
ncust=${CUSTOMERS:-64}
delay=${SANDBOX_DELAY:-1h}
port=${PORT:-12120}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install -y wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl not found" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/kontor-multinode-XXXXXX")
nodes=()
pgbin=""
cleanup() {
	for p in "${nodes[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${nodes[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$pgbin" ] && [ -e "$dir/pg/data/postmaster.pid" ]; then
		asdb "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

# asdb runs a PostgreSQL server binary, as "postgres" when we are root.
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
	pgport=$((port + 5))
	asdb "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -o \
		"-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200" start >/dev/null
	echo "postgres $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport"
}

createdb() {
	psql -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "CREATE DATABASE $1" >/dev/null
	echo "postgres://postgres@127.0.0.1:$pgport/$1?sslmode=disable"
}

# serve DB PORT starts a node and waits until it answers.
serve() {
	"$dir/kontor" serve --db "$1" --addr "127.0.0.1:$2" --sandbox-delay "$delay" --log-level warn >>"$dir/node-$2.log" 2>&1 &
	nodes+=($!)
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$2/v1/charges" && return
		sleep 0.05
	done
	echo "node on port $2 did not start:" >&2
	cat "$dir/node-$2.log" >&2
	exit 1
}

stop_nodes() {
	for p in "${nodes[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${nodes[@]}"; do wait "$p" 2>/dev/null || true; done
	nodes=()
}

field() { sed -n 's/^{"id":"\([^"]*\)".*/\1/p'; }

# prepare URL writes customers.txt and charges.txt for a fresh key.
prepare() {
	: >"$dir/customers.txt"
	: >"$dir/charges.txt"
	for _ in $(seq "$ncust"); do
		src=$(curl -sf -u "$key:" "$1/v1/sources" -d type=sepa_debit -d "sepa_debit[iban]=DE89370400440532013000" \
			-d currency=eur -d "owner[name]=Jenny Rosen" | field)
		cus=$(curl -sf -u "$key:" "$1/v1/customers" -d "source=$src" | field)
		ch=$(curl -sf -u "$key:" "$1/v1/charges" -d amount=1000 -d currency=eur -d "customer=$cus" | field)
		[ -n "$cus" ] && [ -n "$ch" ] || { echo "setup failed (source $src, customer $cus, charge $ch)" >&2; exit 1; }
		echo "$cus" >>"$dir/customers.txt"
		echo "$ch" >>"$dir/charges.txt"
	done
}

# load NAME SCRIPT URL... runs one wrk process per URL at once and prints
# one summary line: total req/s, the worst p50 and p99, non-2xx answers.
load() {
	local name=$1 script=$2
	shift 2
	local per=$((conns / $#)) i=0 pids=()
	for url in "$@"; do
		i=$((i + 1))
		KONTOR_KEY=$key KONTOR_RUN="$RANDOM$RANDOM-$i" KONTOR_CUSTOMERS=$dir/customers.txt KONTOR_CHARGES=$dir/charges.txt \
			wrk -t"$(( $# == 1 ? 2 : 1 ))" -c"$per" -d"$dur" --latency -s "$script" "$url" >"$dir/wrk-$i.txt" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	cat "$dir"/wrk-*.txt >>"$dir/all-wrk.txt"
	awk -v name="$name" '
		/Requests\/sec:/ { rps += $2 }
		/^ +50%/ { v = ms($2); if (v > p50) p50 = v }
		/^ +99%/ { v = ms($2); if (v > p99) p99 = v }
		/Non-2xx or 3xx responses:/ { bad += $5 }
		/requests in/ { total += $1 }
		function ms(s) { if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /s$/) return s * 1000; return s }
		END { printf "| %-28s | %8.0f | %7.2f | %7.2f | %8d | %5d |\n", name, rps, p50, p99, total, bad }
	' "$dir"/wrk-*.txt
	rm -f "$dir"/wrk-*.txt
}

go build -o "$dir/kontor" ./cmd/kontor
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(go version | awk '{print $3}'); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}')"
echo "each run: $dur, $conns connections in all; POST: $ncust customers round robin, fresh Idempotency-Key per request"
for c in "${configs[@]}"; do
	case $c in pg1 | pg3) [ -n "$pgbin" ] || start_postgres ;; esac
done
echo "| configuration                | req/s    | p50 ms  | p99 ms  | requests | non-2xx |"
echo "|------------------------------|----------|---------|---------|----------|---------|"
for c in "${configs[@]}"; do
	key=sk_test_bench$RANDOM$RANDOM
	case $c in
	sqlite1)
		serve "$dir/$c.db" "$port"
		urls=("http://127.0.0.1:$port")
		;;
	pg1)
		db=$(createdb kontor_$c)
		serve "$db" $((port + 1))
		urls=("http://127.0.0.1:$((port + 1))")
		;;
	pg3)
		db=$(createdb kontor_$c)
		urls=()
		for i in 2 3 4; do
			serve "$db" $((port + i))
			urls+=("http://127.0.0.1:$((port + i))")
		done
		;;
	*)
		echo "unknown configuration $c (want sqlite1, pg1 or pg3)" >&2
		exit 2
		;;
	esac
	prepare "${urls[0]}"
	echo "$c: load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	load "$c POST /v1/charges" bench/multinode/post_charge.lua "${urls[@]}"
	load "$c GET /v1/charges/{id}" bench/multinode/get_charge.lua "${urls[@]}"
	stop_nodes
done
if [ -n "${KEEP_WRK_OUTPUT:-}" ]; then cp "$dir/all-wrk.txt" "$KEEP_WRK_OUTPUT"; fi
