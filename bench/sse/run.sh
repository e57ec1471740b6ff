#!/usr/bin/env bash
# Issue #5's benchmark: one API process (Release) holding N SSE connections while R events/s are
# raised; prints connect time, the API's resident memory and publish-to-receive latency.
#   bench/sse/run.sh [--connections 10000] [--rate 500] [--duration 60] [--authors 100] [--fans 20]
# Needs the local services (make services). The API gets a throwaway database and Redis key prefix,
# both removed at the end (rate limits are lifted for it: the load is a few accounts on one IP); its log goes to bench/results/api-<timestamp>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(scripts/services.sh env)"

# 10,000 client sockets here and 10,000 in the API: both processes inherit this limit.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 11000 ]; then
  echo "warning: open-file limit $(ulimit -n) is below 11000; raise it (ulimit -Hn) for 10,000 connections" >&2
fi

field() { sed -nE "s/.*(^|;)$1=([^;]*).*/\2/p" <<<"$ConnectionStrings__storiesdb"; }
stamp=$(date +%Y%m%d-%H%M%S)
database="stories_bench_${stamp//-/_}"
port=${BENCH_PORT:-5080}
signing_key=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
mkdir -p bench/results
log="bench/results/api-$stamp.log"

dotnet build Stories.Api/Stories.Api.csproj -c Release --nologo --verbosity quiet
dotnet build bench/sse/SseBench.csproj -c Release --nologo --verbosity quiet

ConnectionStrings__storiesdb="$(sed -E "s/Database=[^;]*/Database=$database/" <<<"$ConnectionStrings__storiesdb")" \
ASPNETCORE_URLS="http://127.0.0.1:$port" \
ASPNETCORE_ENVIRONMENT=Production \
Jwt__SigningKey="$signing_key" \
Passwords__BcryptCost=4 \
  RateLimits__Signup__PermitsPerMinute=1000000 RateLimits__Signup__Burst=1000000 \
  RateLimits__Reactions__PermitsPerMinute=1000000 RateLimits__Reactions__Burst=1000000 \
  RateLimits__Stories__PermitsPerMinute=1000000 RateLimits__Stories__Burst=1000000 \
Redis__KeyPrefix="bench:$stamp:" \
  dotnet Stories.Api/bin/Release/net10.0/Stories.Api.dll >"$log" 2>&1 &
api=$!

cleanup() {
  kill "$api" 2>/dev/null && wait "$api" 2>/dev/null || true
  PGPASSWORD="$(field Password)" psql -q -h "$(field Host)" -p "$(field Port)" -U "$(field Username)" -d postgres \
    -c "drop database if exists \"$database\" with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/alive" >/dev/null 2>&1 && break
  kill -0 "$api" 2>/dev/null || { echo "the API exited; see $log" >&2; exit 1; }
  sleep 1
done

echo "API pid $api on :$port (log: $log)"
dotnet bench/sse/bin/Release/net10.0/SseBench.dll \
  --api "http://127.0.0.1:$port" --signing-key "$signing_key" --api-pid "$api" "$@"
