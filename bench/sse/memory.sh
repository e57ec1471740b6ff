#!/usr/bin/env bash
# What a held event stream costs the API's managed heap, and in what: bench/sse/run.sh holds N streams
# (a reaction a second, so the streams stay idle), the API's heap is dumped before the streams open and
# while they are held (dotnet-dump, after a full GC induced by dotnet-gcdump), and SOS's `dumpheap -stat`
# of each is compared type by type (bench/sse/heapdiff.py): bytes and objects per stream, by type and
# by kind (the HTTP connection, authentication, the event stream, the middleware's pending calls, …).
#   bench/sse/memory.sh                    # 10,000 streams, about 5 minutes
#   N=2000 bench/sse/memory.sh
# Needs the diagnostics tools of dotnet-tools.json (`dotnet tool restore`). Report:
# bench/results/sse-memory-<time>.md, with SOS's listings beside it; the dumps themselves (hundreds of
# MB each) are deleted.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

# dump PID FILE: a full GC first (gcdump induces one), then the heap, then SOS's statistics of every object.
dump() {
  local dir
  dir=$(mktemp -d)
  dotnet gcdump collect -p "$1" -o "$dir/heap.gcdump" >/dev/null 2>&1
  dotnet dump collect -p "$1" --type Heap -o "$dir/heap.dmp" >/dev/null
  dotnet dump analyze "$dir/heap.dmp" -c "dumpheap -stat" -c exit >"$2"
  rm -rf "$dir"
}
# Called back by run.sh once the API answers, before its first request: the heap without streams.
if [ "${1:-}" = --before ]; then
  dump "$API_PID" "$2"
  exit
fi

N=${N:-10000}
stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p bench/results
report="bench/results/sse-memory-$stamp.md"
before="bench/results/sse-memory-$stamp-before.stat" held="bench/results/sse-memory-$stamp-held.stat"
work=$(mktemp -d)
dotnet tool restore >/dev/null
runner=
cleanup() {
  if [ -n "$runner" ]; then kill "$runner" 2>/dev/null || true; wait "$runner" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

BEFORE_STREAMS="bench/sse/memory.sh --before $before" bench/sse/run.sh --connections "$N" --rate 1 --duration 60 >"$work/run.log" 2>&1 &
runner=$!
until grep -q '^API pid' "$work/run.log"; do
  kill -0 "$runner" 2>/dev/null || { cat "$work/run.log"; exit 1; }
  sleep 0.5
done
pid=$(sed -nE 's/^API pid ([0-9]+).*/\1/p' "$work/run.log")
until grep -q '^rss idle' "$work/run.log"; do
  kill -0 "$runner" 2>/dev/null || { cat "$work/run.log"; exit 1; }
  sleep 0.5
done
dump "$pid" "$held"
wait "$runner" || true
runner=

{
  echo "# What a held event stream holds"
  echo
  echo "$(nproc) cores, .NET $(dotnet --version), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo ' with uncommitted changes'), $(date -u +%Y-%m-%dT%H:%MZ)."
  echo "Command: \`N=$N bench/sse/memory.sh\`. The API's managed heap after a full GC, before the streams and with them held; per stream = the difference ÷ the Kestrel connections held."
  echo
  grep -E '^(connected|rss idle|connections held)' "$work/run.log" | sed 's/^/    /'
  echo
  python3 bench/sse/heapdiff.py "$before" "$held"
} >"$report"
cat "$report"
echo "$report" >&2
