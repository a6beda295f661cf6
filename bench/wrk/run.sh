#!/usr/bin/env bash
# Load-test a local Kontor with wrk: POST /v1/customers, then GET /v1/customers/{id},
# each for DURATION (default 10s) with CONNS keep-alive connections (default 64) on
# THREADS wrk threads (default 2). Only 127.0.0.1 is targeted; the server is stopped
# and its temporary database removed at the end.
#
# usage: bench/wrk/run.sh [binary|modernc|mattn]
#   binary          `kontor serve` built from ./cmd/kontor (the default driver)
#   modernc, mattn  the server with that SQLite driver, run by bench's TestServeForLoad
#                   (the binary has no flag for the driver)
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-binary}
dur=${DURATION:-10s}
conns=${CONNS:-64}
threads=${THREADS:-2}
addr=127.0.0.1:${PORT:-12112}
base=${KONTOR_BENCH_DIR:-${TMPDIR:-/tmp}}
dir=$(mktemp -d "$base/kontor-wrk-XXXXXX")
key=sk_test_wrk$RANDOM$RANDOM
command -v wrk >/dev/null || { echo "wrk not found (apt-get install -y wrk)" >&2; exit 1; }

case $mode in
binary)
	go build -o "$dir/kontor" ./cmd/kontor
	"$dir/kontor" serve --addr "$addr" --db "$dir/kontor.db" --log-level warn >"$dir/server.log" 2>&1 &
	;;
modernc | mattn)
	go test -tags mattn -c -o "$dir/bench.test" ./bench/
	KONTOR_BENCH_SERVE=$mode KONTOR_BENCH_ADDR=$addr KONTOR_BENCH_DIR=$dir KONTOR_BENCH_FOR=10m \
		"$dir/bench.test" -test.run '^TestServeForLoad$' -test.v -test.timeout 11m >"$dir/server.log" 2>&1 &
	;;
*)
	echo "usage: $0 [binary|modernc|mattn]" >&2
	exit 2
	;;
esac
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT

for _ in $(seq 100); do
	curl -s -o /dev/null "http://$addr/v1/customers" && break
	sleep 0.1
done
id=$(curl -sf -u "$key:" "http://$addr/v1/customers" -d email=jenny.rosen@example.com -d name=Jenny |
	sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
[ -n "$id" ] || { echo "could not create a customer" >&2; cat "$dir/server.log" >&2; exit 1; }
curl -sf -o /dev/null -u "$key:" "http://$addr/v1/customers/$id" ||
	{ echo "GET /v1/customers/$id does not answer 200" >&2; exit 1; }
grep -m1 -E "listening|serving" "$dir/server.log" || true

echo "== POST /v1/customers ($mode, $conns connections, $dur)"
KONTOR_KEY=$key wrk -t"$threads" -c"$conns" -d"$dur" --latency -s bench/wrk/create_customer.lua "http://$addr/v1/customers"
echo "== GET /v1/customers/{id} ($mode, $conns connections, $dur)"
wrk -t"$threads" -c"$conns" -d"$dur" --latency -H "Authorization: Bearer $key" "http://$addr/v1/customers/$id"
