# tests/integration/lib.sh: helpers for the integration scripts (sourced, not run).
set -euo pipefail
SUFLER=${SUFLER:-$PWD/build/asan/sufler}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { local what=$1; shift; if ! "$@"; then fail "$what"; fi; echo "ok: $what"; }
# json_get FILE KEY: a top-level number or string of a one-line JSON object
json_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
