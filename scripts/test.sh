#!/usr/bin/env bash
# `make test`: make sure the local services run (starting them if needed), build, run every test
# project, stop what this run started, and print one closing line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
solution=${SOLUTION:-Stories.Local.slnf}
services=scripts/services.sh

started_services=0
if ! "$services" running >/dev/null 2>&1; then
  echo "Starting local services (PostgreSQL, Redis, Ceph RGW)…" >&2
  "$services" up >/dev/null
  started_services=1
fi
cleanup() { if [ "$started_services" = 1 ]; then "$services" down >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
eval "$("$services" env)"

dotnet build "$solution" --nologo --verbosity quiet

results=$(mktemp -d)
status=0
dotnet test "$solution" --no-build --nologo --logger "trx" --results-directory "$results" "$@" || status=$?

passed=0 failed=0 skipped=0 found=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  found=1
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  attr() { sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p" <<<"$counters"; }
  # Failures outside a test (a fixture's cleanup, say) fail the run without failing a test: show them.
  python3 - "$trx" <<'PY'
import re, sys, html
text = open(sys.argv[1], encoding="utf-8").read()
for info in re.findall(r'<RunInfo [^>]*outcome="Error"[^>]*>.*?</RunInfo>', text, re.S):
    message = re.search(r"<Text>(.*?)</Text>", info, re.S)
    if message:
        print("run error: " + html.unescape(message.group(1)).strip()[:4000])
PY
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  skipped=$((skipped + $(attr notExecuted)))
done
rm -rf "$results"

if [ "$found" = 0 ]; then
  echo "0 passed, 1 failed (no test results were written)"
  exit 1
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
