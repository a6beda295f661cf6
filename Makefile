# Kontor development tasks. `make` (or `make help`) lists them.

GO         ?= go
SOAK_COUNT ?= 20
BENCHTIME  ?= 2s
CRASH_CYCLES ?= 20
FUZZ_EXECS ?= 1000000
MODE       ?= http
STORES     ?= sqlite
SUDO       := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help run test race e2e node-deps bench bench-compare lint soak ci faults crash fuzz

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

run: ## run the server on 127.0.0.1:12111 with ./kontor.db
	$(GO) run ./cmd/kontor serve

test: ## install what the tests need (apt as root, npm ci), then run every test under -race (CI runs this)
	bash scripts/test.sh

race: ## run every test under the race detector, twice, in random order
	$(GO) test -race -count=2 -shuffle=on ./...

e2e: node-deps ## run the end-to-end suite (stripe-go and the npm stripe smoke test)
	$(GO) test -race -count=1 -v ./e2e/...

node-deps: ## install the pinned npm clients into e2e/node/node_modules
	cd e2e/node && npm ci --no-audit --no-fund

bench: ## run the benchmarks, modernc and mattn (cgo) side by side (see docs/benchmarks.md)
	$(GO) test -tags mattn -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

bench-compare: ## Kontor beside stripe-mock v0.203.0 under wrk (MODE=http, background, flat or all; STORES="sqlite pg1 pg3"; docs/benchmarks.md)
	@command -v wrk >/dev/null || { echo "installing wrk"; $(SUDO) apt-get install -y --no-install-recommends wrk; }
	STORES="$(STORES)" bench/compare/run.sh $(MODE)

lint: ## check formatting (gofmt) and run go vet
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

faults: ## the fault tests (-tags faults, loopback, bounded): kill -9 cycles, the store failing, failing and hanging receivers, bad input, mixed load (docs/reliability.md)
	$(GO) test -tags faults -count=1 -timeout 30m -v -run '^(TestFault|TestCrash)' ./e2e/faults/ ./e2e/multinode/

crash: ## kill -9 cycles of `kontor serve` under keyed write load: CRASH_CYCLES (20) on SQLite and on PostgreSQL
	KONTOR_CRASH_CYCLES=$(CRASH_CYCLES) $(GO) test -tags faults -count=1 -timeout 60m -v -run '^TestCrash' ./e2e/multinode/

fuzz: ## every fuzz target for FUZZ_EXECS (1000000) executions each (scripts/fuzz.sh; docs/reliability.md)
	FUZZ_EXECS=$(FUZZ_EXECS) bash scripts/fuzz.sh

soak: ## repeat the end-to-end suite SOAK_COUNT times under -race to shake out flaky timing
	$(GO) test -race -count=$(SOAK_COUNT) -shuffle=on ./e2e/...

ci: ## what CI runs (.ci/run: make test on a fresh machine)
	bash .ci/run

static: ## check that the default build is pure Go: CGO_ENABLED=0, no mattn, and the binary opens SQLite
	CGO_ENABLED=0 $(GO) build -o /tmp/kontor-static ./cmd/kontor
	@! $(GO) version -m /tmp/kontor-static | grep -q mattn/go-sqlite3 || { echo "mattn/go-sqlite3 is linked"; exit 1; }
	@d=$$(mktemp -d) && /tmp/kontor-static migrate --db $$d/k.db && rm -rf $$d /tmp/kontor-static

build: ## build ./kontor with the version and commit stamped in (kontor version)
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$$(git describe --tags --always --dirty 2>/dev/null || echo dev) -X main.commit=$$(git rev-parse HEAD 2>/dev/null)" -o kontor ./cmd/kontor
