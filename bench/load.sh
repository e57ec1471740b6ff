#!/usr/bin/env bash
# make load: a short wrk run hammering story creation and views on a fresh database, then a
# check that every story answered 201 is in PostgreSQL.
#   bench/load.sh                     # 50 connections, 2 threads, 20 s
#   CONNECTIONS=200 DURATION=30s bench/load.sh
source "$(dirname "$0")/lib.sh"
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
BENCH_DB=${LOAD_DB:-stories_load}

command -v wrk >/dev/null || { echo "installing wrk…" >&2; apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null; }
bench_services_up
trap 'api_stop; bench_services_down' EXIT
bench_build
psql_db postgres -c "drop database if exists $BENCH_DB with (force)" -c "create database $BENCH_DB" >/dev/null
# The load is one author posting as fast as it can: lift the rate limits for this run.
lift_rate_limits
api_start

signup() {
  curl -fs -X POST "http://127.0.0.1:$API_PORT/signup" -H 'Content-Type: application/json' \
    -d "{\"email\":\"load-$1-$RANDOM$RANDOM@example.com\",\"password\":\"load test password\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'
}
export LOAD_AUTHOR_TOKEN LOAD_VIEWER_TOKEN
LOAD_AUTHOR_TOKEN=$(signup author)
LOAD_VIEWER_TOKEN=$(signup viewer)

report="$RESULTS/load-$(date -u +%Y%m%d-%H%M%S).txt"
{
  echo "make load — $(machine_line)"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s bench/load.lua"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/load.lua "http://127.0.0.1:$API_PORT"
} | tee "$report"
created=$(sed -nE 's/^created=([0-9]+)$/\1/p' "$report")
stored=$(psql_db "$BENCH_DB" -tAc "select count(*) from stories")
# Every story answered 201 must be stored. A few more may be: requests still in flight when wrk
# stopped were committed but their answers never read. (The exact, per-id version of this check is
# the DatabaseRestartTests fault test.)
echo "stories answered 201: $created; stories in PostgreSQL: $stored (in flight at the cut-off: $((stored - created)))" | tee -a "$report"
[ "$stored" -ge "$created" ] || { echo "LOST: fewer stories stored than answered 201" | tee -a "$report"; exit 1; }
