# Shared by the bench scripts: services, a Release build, and an API process on the bench database.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH_DB=${BENCH_DB:-stories_bench}
API_PORT=${API_PORT:-5080}
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

# Uses the running local services, or starts them (and bench_services_down stops them again).
# BENCH_OWN_SERVICES=1 always starts a private set in a new state directory — on other ports when
# the usual ones are taken — that the caller may stop and start at will (bench/soak.sh).
bench_services_up() {
  BENCH_STARTED_SERVICES=0
  if [ "${BENCH_OWN_SERVICES:-0}" = 1 ]; then
    STORIES_SERVICES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/stories-bench-services-XXXXXX")
    export STORIES_SERVICES_DIR
    # Set first, so that a start that fails half-way is still cleaned up.
    BENCH_STARTED_SERVICES=1
    scripts/services.sh up >/dev/null
  elif ! scripts/services.sh running >/dev/null 2>&1; then
    scripts/services.sh up >/dev/null
    BENCH_STARTED_SERVICES=1
  fi
  eval "$(scripts/services.sh env)"
  BENCH_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
  BENCH_CONN=$(sed -E "s/Database=[^;]*/Database=$BENCH_DB/" <<<"$ConnectionStrings__storiesdb")
}

bench_services_down() {
  if [ "${BENCH_STARTED_SERVICES:-0}" = 1 ]; then scripts/services.sh down >/dev/null 2>&1 || true; fi
}

# Lifts every rate-limit policy to the options' maximum for the API started next: a benchmark's load
# is a few accounts on one client IP, whose limits would otherwise be all that is measured.
lift_rate_limits() {
  local policy
  for policy in Stories Reactions Login Signup login_email uploads search follows tickets deletes views upload_kib; do
    export "RateLimits__${policy}__PermitsPerMinute=1000000" "RateLimits__${policy}__Burst=1000000"
  done
}

bench_build() {
  dotnet build Stories.sln -c Release --nologo -v q >/dev/null
}

bench() { dotnet "$ROOT/bench/Stories.Bench/bin/Release/net10.0/Stories.Bench.dll" "$@"; }

# psql against the bench database (or another one: psql_db NAME …), credentials from the connection string.
psql_db() {
  local db=$1; shift
  local cs=$ConnectionStrings__storiesdb
  PGPASSWORD=$(sed -nE 's/.*Password=([^;]*).*/\1/p' <<<"$cs") psql -X -q -v ON_ERROR_STOP=1 \
    -h "$(sed -nE 's/.*Host=([^;]*).*/\1/p' <<<"$cs")" -p "$(sed -nE 's/.*Port=([^;]*).*/\1/p' <<<"$cs")" \
    -U "$(sed -nE 's/.*Username=([^;]*).*/\1/p' <<<"$cs")" -d "$db" "$@"
}

# The Release API on 127.0.0.1:$API_PORT over $BENCH_CONN; its output goes to $API_LOG, at
# API_LOG_LEVEL (default Warning).
api_start() {
  local log=${API_LOG:-$RESULTS/api.log}
  # Another benchmark's API on the same port would answer the readiness check below for ours.
  if curl -s -o /dev/null "http://127.0.0.1:$API_PORT/"; then
    echo "port $API_PORT is already in use: stop what answers there or set API_PORT" >&2
    return 1
  fi
  # The benchmarks scrape /metrics on $API_PORT: no management port, even if the shell names one (ADR 0014).
  env -u Management__Port \
  ConnectionStrings__storiesdb="$BENCH_CONN" Jwt__SigningKey="$BENCH_KEY" Redis__KeyPrefix="bench:$$:" \
  ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default="${API_LOG_LEVEL:-Warning}" \
    dotnet "$ROOT/Stories.Api/bin/Release/net10.0/Stories.Api.dll" >"$log" 2>&1 &
  API_PID=$!
  for _ in $(seq 1 60); do
    curl -fs "http://127.0.0.1:$API_PORT/alive" >/dev/null 2>&1 && return 0
    kill -0 "$API_PID" 2>/dev/null || break
    sleep 1
  done
  echo "the API did not start; see $log" >&2
  return 1
}

api_stop() {
  if [ -n "${API_PID:-}" ]; then kill "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; API_PID=; fi
}

machine_line() {
  echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --version), PostgreSQL $(psql_db postgres -tAc 'show server_version'), commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
}
