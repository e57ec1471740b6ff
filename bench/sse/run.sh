#!/usr/bin/env bash
# Issue #5's benchmark: one API process (Release) holding N SSE connections while R events/s are
# raised; prints connect time, the API's resident memory and publish-to-receive latency.
#   bench/sse/run.sh [--connections 10000] [--rate 500] [--duration 60] [--authors 100] [--fans 20]
# Uses the local services (started, and stopped again, if none run). The API gets a throwaway
# database and Redis key prefix (lib.sh), the database dropped at the end, rate limits lifted (the
# load is a few accounts on one IP); its log goes to bench/results/api-<timestamp>.log. API_PORT
# (default 5080) must be free.
stamp=$(date +%Y%m%d-%H%M%S)
BENCH_DB="stories_bench_${stamp//-/_}"
source "$(dirname "$0")/../lib.sh"
API_LOG="$RESULTS/api-$stamp.log"
# The production default: each reaction writes its log line, as it would in service.
API_LOG_LEVEL=Information

# 10,000 client sockets here and 10,000 in the API: both processes inherit this limit.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 11000 ]; then
  echo "warning: open-file limit $(ulimit -n) is below 11000; raise it (ulimit -Hn) for 10,000 connections" >&2
fi

bench_services_up
cleanup() {
  api_stop
  psql_db postgres -c "drop database if exists \"$BENCH_DB\" with (force)" >/dev/null 2>&1 || true
  bench_services_down
}
trap cleanup EXIT

dotnet build Stories.Api/Stories.Api.csproj -c Release --nologo --verbosity quiet
dotnet build bench/sse/SseBench.csproj -c Release --nologo --verbosity quiet

export Passwords__BcryptCost=4
lift_rate_limits
api_start

echo "API pid $API_PID on :$API_PORT (log: $API_LOG)"
# A caller's step between the API's start and the first request (bench/sse/memory.sh dumps the heap here).
if [ -n "${BEFORE_STREAMS:-}" ]; then API_PID=$API_PID bash -c "$BEFORE_STREAMS"; fi
dotnet bench/sse/bin/Release/net10.0/SseBench.dll \
  --api "http://127.0.0.1:$API_PORT" --signing-key "$BENCH_KEY" --api-pid "$API_PID" "$@"
