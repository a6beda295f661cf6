#!/usr/bin/env bash
# The test command (`make test`, and what CI's .ci/run calls): installs what
# the suite needs where it can, names what is still missing, then runs every
# test under the race detector.
#
# - apt packages: installed when running as root (or with sudo); otherwise
#   each missing one is named with the command that installs it.
# - npm packages of e2e/node: `npm ci` when node_modules is missing or older
#   than package-lock.json.
# - A program that is still missing fails the run here, naming it. Set
#   KONTOR_TEST_ALLOW_MISSING=1 to go on anyway: the tests that need it then
#   skip (without it they fail, naming what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need: a program to look for (a command, an absolute path,
# or python3:MODULE), and the Debian package that provides it. Add a line to
# extend the list.
needs=(
	"/usr/bin/chromium chromium"                        # the hosted pages' browser tests
	"/usr/lib/postgresql/15/bin/initdb postgresql-15"   # the PostgreSQL store's suite, the multi-node tests
	"node nodejs"                                       # the official npm clients (e2e/node)
	"npm npm"
	"xmllint libxml2-utils"                             # ISO 20022 files checked against their XSDs
	"python3:stripe python3-stripe"                     # the Python client suite (e2e/python)
)

have() {
	case $1 in
	/*) [ -x "$1" ] ;;
	python3:*) /usr/bin/python3 -c "import ${1#python3:}" >/dev/null 2>&1 ;; # Debian's python3, where apt installs modules
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

missing_pkgs=()
for n in "${needs[@]}"; do
	read -r prog pkg <<<"$n"
	have "$prog" || missing_pkgs+=("$pkg")
done

if [ ${#missing_pkgs[@]} -gt 0 ]; then
	sudo=""
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo="sudo -n"
	fi
	if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
		echo "--- apt-get install ${missing_pkgs[*]}"
		export DEBIAN_FRONTEND=noninteractive
		$sudo apt-get update -q
		$sudo apt-get install -y -q --no-install-recommends "${missing_pkgs[@]}"
	fi
fi

if have npm && [ -f e2e/node/package-lock.json ]; then
	if [ ! -d e2e/node/node_modules ] || [ e2e/node/package-lock.json -nt e2e/node/node_modules ]; then
		echo "--- npm ci (e2e/node)"
		(cd e2e/node && npm ci --no-audit --no-fund)
	fi
fi

still=()
for n in "${needs[@]}"; do
	read -r prog pkg <<<"$n"
	have "$prog" || still+=("$prog (apt-get install $pkg)")
done
[ -d e2e/node/node_modules ] || still+=("e2e/node/node_modules (cd e2e/node && npm ci)")
if [ ${#still[@]} -gt 0 ]; then
	printf 'missing: %s\n' "${still[@]}" >&2
	if [ "${KONTOR_TEST_ALLOW_MISSING:-}" != 1 ]; then
		echo "install them (as root this script does), or set KONTOR_TEST_ALLOW_MISSING=1 to skip the tests that need them" >&2
		exit 1
	fi
	echo "KONTOR_TEST_ALLOW_MISSING=1: the tests that need them skip" >&2
fi

echo "--- $(go version)"
exec go test -race -count=1 -timeout 30m "$@" ./...
