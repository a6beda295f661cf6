#!/usr/bin/env bash
# Kontor beside stripe-mock v0.203.0 on this machine, loopback only.
#
#   http        (default) wrk against both servers in turn, A B A B, ROUNDS
#               rounds of DURATION per endpoint and server:
#                 POST /v1/charges        a customer with a SEPA Direct Debit
#                                         default source, a fresh Idempotency-Key
#                                         per request (post_charge.lua)
#                 GET /v1/charges/{id}    CUSTOMERS charges round robin
#                 GET /v1/customers/{id}  CUSTOMERS customers round robin
#               and prints every figure with the Kontor/stripe-mock ratio.
#   background  Kontor alone (stripe-mock has no such machinery): test clock
#               advance settlements/s, scheduler lag under write load, webhook
#               deliveries/s from a backlog, the delay a hung receiver in one
#               account causes another account, SQLite bytes per charge
#               (bench/compare/figures).
#   all         both.
#
# Every run is bounded: wrk runs for DURATION, the background figures have
# fixed counts and time limits. Both servers bind free 127.0.0.1 ports; their
# databases and logs live in a temporary directory removed at the end.
#
# usage: bench/compare/run.sh [http|background|all]
# env:   ROUNDS (3), DURATION (10s), CONNS (48), THREADS (2), CUSTOMERS (64),
#        KONTOR_BENCH_DIR (the temporary directory's parent; default TMPDIR or /tmp)
#        KONTOR_BIN (a kontor binary to measure instead of one built from ./cmd/kontor)
#        background: FIGURES_FLAGS (extra flags for bench/compare/figures, e.g. "-clock-charges 10000")
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-http}
rounds=${ROUNDS:-3}
dur=${DURATION:-10s}
conns=${CONNS:-48}
threads=${THREADS:-2}
ncust=${CUSTOMERS:-64}
smversion=v0.203.0

case $mode in http | background | all) ;; *)
	echo "usage: $0 [http|background|all]" >&2
	exit 2
	;;
esac
for tool in wrk curl python3 go; do
	command -v "$tool" >/dev/null || { echo "$tool not found (make bench-compare installs wrk; apt-get install -y wrk curl python3)" >&2; exit 1; }
done

base=${KONTOR_BENCH_DIR:-${TMPDIR:-/tmp}}
dir=$(mktemp -d "$base/kontor-compare-XXXXXX")
pids=()
cleanup() {
	# SIGTERM: kontor shuts down cleanly on it, and stripe-mock ignores SIGINT.
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
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
[ "$mode" = http ] || [ "$mode" = all ] || exit 0

# stripe-mock: installed with the Go toolchain when missing or of another version.
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin=$(go env GOPATH)/bin
sm=$gobin/stripe-mock
if ! [ -x "$sm" ] || ! go version -m "$sm" 2>/dev/null | grep -q "github.com/stripe/stripe-mock[[:space:]]*$smversion"; then
	echo "installing stripe-mock $smversion"
	go install "github.com/stripe/stripe-mock@$smversion"
fi

kport=$(freeport)
sport=$(freeport)
while [ "$sport" = "$kport" ]; do sport=$(freeport); done
# stripe-mock also serves HTTPS, by default on 12112: give it a free port too.
tport=$(freeport)
while [ "$tport" = "$kport" ] || [ "$tport" = "$sport" ]; do tport=$(freeport); done
# Charges settle after an hour: no settlement timer fires during a run, and
# the endpoint alone is measured (the background mode measures the timers).
"$dir/kontor" serve --db "$dir/kontor.db" --addr "127.0.0.1:$kport" --sandbox-delay 1h --log-level warn >"$dir/kontor.log" 2>&1 &
pids+=($!)
"$sm" -http-addr "127.0.0.1:$sport" -https-addr "127.0.0.1:$tport" >"$dir/stripe-mock.log" 2>&1 &
pids+=($!)
kurl=http://127.0.0.1:$kport
surl=http://127.0.0.1:$sport
waitfor "$kurl/v1/charges" "$dir/kontor.log"
waitfor "$surl/v1/charges" "$dir/stripe-mock.log"

key=sk_test_compare$RANDOM$RANDOM
mkdir -p "$dir/kontor-ids" "$dir/stripe-mock-ids"
python3 bench/compare/setup.py "$kurl" "$key" "$ncust" "$dir/kontor-ids"
python3 bench/compare/setup.py "$surl" "$key" "$ncust" "$dir/stripe-mock-ids"
echo "each run: $dur, $conns connections on $threads wrk threads; $rounds rounds, Kontor then stripe-mock $smversion; $ncust customers"

results=$dir/results.txt
: >"$results"
# run ROUND ENDPOINT SERVER URL IDS: one wrk run, one line in results.txt.
run() {
	local round=$1 endpoint=$2 server=$3 url=$4 ids=$5 script prefix idfile
	case $endpoint in
	post) script=bench/multinode/post_charge.lua prefix="" idfile=$ids/customers.txt ;;
	charge) script=bench/compare/get.lua prefix=/v1/charges/ idfile=$ids/charges.txt ;;
	customer) script=bench/compare/get.lua prefix=/v1/customers/ idfile=$ids/customers.txt ;;
	esac
	KONTOR_KEY=$key KONTOR_RUN="r$round-$RANDOM$RANDOM" KONTOR_CUSTOMERS=$ids/customers.txt KONTOR_IDS=$idfile KONTOR_PREFIX=$prefix \
		wrk -t"$threads" -c"$conns" -d"$dur" --latency -s "$script" "$url/v1/charges" >"$dir/wrk.txt"
	awk -v round="$round" -v endpoint="$endpoint" -v server="$server" '
		function ms(s) { if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /s$/) return s * 1000; return s }
		/Requests\/sec:/ { rps = $2 }
		/^ +50%/ { p50 = ms($2) }
		/^ +99%/ { p99 = ms($2) }
		/Non-2xx or 3xx responses:/ { bad += $5 }
		/Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8 + $10 }
		END { printf "%s %s %s %.0f %.2f %.2f %d\n", endpoint, server, round, rps, p50, p99, bad }
	' "$dir/wrk.txt" >>"$results"
	tail -1 "$results" | awk '{printf "  round %s %-8s %-11s %8s req/s  p50 %7s ms  p99 %7s ms  errors %s\n", $3, $1, $2, $4, $5, $6, $7}'
}

for r in $(seq "$rounds"); do
	echo "round $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for ep in post charge customer; do
		run "$r" "$ep" kontor "$kurl" "$dir/kontor-ids"
		run "$r" "$ep" stripe-mock "$surl" "$dir/stripe-mock-ids"
	done
done
echo "Kontor's database after the runs: $(du -k "$dir/kontor.db" | cut -f1) KiB (+ $(du -k "$dir/kontor.db-wal" 2>/dev/null | cut -f1 || echo 0) KiB WAL)"
python3 - "$results" <<'EOF'
import statistics, sys
names = {"post": "POST /v1/charges", "charge": "GET /v1/charges/{id}", "customer": "GET /v1/customers/{id}"}
rows = [l.split() for l in open(sys.argv[1])]
print()
print("| endpoint | round | Kontor req/s | Kontor p50 / p99 ms | stripe-mock req/s | stripe-mock p50 / p99 ms | Kontor / stripe-mock |")
print("|---|---|--:|--:|--:|--:|--:|")
for ep in ("post", "charge", "customer"):
    k = {r[2]: r for r in rows if r[0] == ep and r[1] == "kontor"}
    s = {r[2]: r for r in rows if r[0] == ep and r[1] == "stripe-mock"}
    for rnd in sorted(k, key=int):
        a, b = k[rnd], s.get(rnd)
        if b is None:
            continue
        ratio = float(a[3]) / float(b[3]) if float(b[3]) else float("nan")
        bad = "" if a[6] == "0" and b[6] == "0" else " (errors: Kontor %s, stripe-mock %s)" % (a[6], b[6])
        print("| %s | %s | %s | %s / %s | %s | %s / %s | %.2f×%s |" % (names[ep], rnd, a[3], a[4], a[5], b[3], b[4], b[5], ratio, bad))
    km = statistics.median(float(r[3]) for r in k.values())
    sm = statistics.median(float(r[3]) for r in s.values())
    kp = statistics.median(float(r[5]) for r in k.values())
    sp = statistics.median(float(r[5]) for r in s.values())
    print("| %s | median | %.0f | p99 %.2f | %.0f | p99 %.2f | **%.2f×** |" % (names[ep], km, kp, sm, sp, km / sm if sm else float("nan")))
EOF
