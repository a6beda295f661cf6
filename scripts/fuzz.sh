#!/usr/bin/env bash
# make fuzz: runs every fuzz target of the list below for FUZZ_EXECS
# executions (default 1,000,000), one after the other, and prints each
# target's count and time. A failure stops the run; Go writes the failing
# input to the package's testdata/fuzz/<target>/, where it stays as a
# regression seed that every `go test` run replays.
#
# Usage: scripts/fuzz.sh [TARGET...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."

execs=${FUZZ_EXECS:-1000000}
# package and target
targets=(
	"./stripeapi FuzzReadParams"         # the Stripe form-to-params path: query, body, Content-Type, endpoint specs
	"./stripeapi FuzzParseForm"          # the form parser and validator alone
	"./stripeapi FuzzParseSearchQuery"   # the Search query language
	"./ckoapi FuzzParseObject"           # Checkout.com JSON bodies and their validators
	"./webhook FuzzStripeSignature"      # Stripe-Signature, verified with stripe-go
	"./webhook FuzzCkoSignature"         # Cko-Signature
	"./bank/iso20022 FuzzRead"           # the ISO 20022 XML readers (pain.002, camt.054, pain.008, ...)
)

want=("$@")
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then
		continue
	fi
	echo "--- $name ($pkg), $execs executions"
	start=$(date +%s)
	# No test timeout: a million executions take minutes on a busy machine.
	# Of the progress lines only the last is printed.
	go test -timeout 0 -run '^$' -fuzz "^${name}\$" -fuzztime "${execs}x" "$pkg" 2>&1 |
		awk '/^fuzz: elapsed/ { last = $0; next } { print } END { if (last != "") print last }' || { echo "FAIL: $name"; exit 1; }
	echo "$name: $execs executions in $(($(date +%s) - start)) s, no failure"
done
