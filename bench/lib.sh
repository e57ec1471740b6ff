# Shared by the bench scripts: services, a Release build, and an API process on the bench database.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH_DB=${BENCH_DB:-stories_bench}
API_PORT=${API_PORT:-5080}
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
# Every Redis key the API of this run writes lies under this prefix, and nothing else does.
BENCH_REDIS_PREFIX="bench:$$:"

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
  # redis-cli takes the password from REDISCLI_AUTH (see redis_args).
  REDISCLI_AUTH=$(sed -nE 's/.*password=([^,]*).*/\1/p' <<<"$ConnectionStrings__cache")
  export REDISCLI_AUTH
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
# API_LOG_LEVEL (default Warning). API_DLL runs another build of it (bench/side-by-side.sh).
api_start() {
  local log=${API_LOG:-$RESULTS/api.log}
  # Another benchmark's API on the same port would answer the readiness check below for ours.
  if curl -s -o /dev/null "http://127.0.0.1:$API_PORT/"; then
    echo "port $API_PORT is already in use: stop what answers there or set API_PORT" >&2
    return 1
  fi
  # The benchmarks scrape /metrics on $API_PORT: no management port, even if the shell names one (ADR 0014).
  env -u Management__Port \
  ConnectionStrings__storiesdb="$BENCH_CONN" Jwt__SigningKey="$BENCH_KEY" Redis__KeyPrefix="$BENCH_REDIS_PREFIX" \
  ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default="${API_LOG_LEVEL:-Warning}" \
    dotnet "${API_DLL:-$ROOT/Stories.Api/bin/Release/net10.0/Stories.Api.dll}" >"$log" 2>&1 &
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

# ---- Shared by bench/throughput.sh and bench/side-by-side.sh: their data, wrk cells and probes ----

# The throughput scenarios' parameters (environment, with these defaults).
# shellcheck disable=SC2034 # the callers read them
throughput_parameters() {
  USERS=${USERS:-50000}           # seeded users, each with a real bcrypt hash and a token
  FOLLOWEES=${FOLLOWEES:-100}     # followees per user
  STORIES=${STORIES:-500000}      # seeded stories, one in twenty active (as in bench/feed-search.sh)
  DURATION=${DURATION:-15}        # seconds per measured cell
  WARMUP=${WARMUP:-5}             # seconds of unrecorded load before a route's cells
  WARM_USERS=${WARM_USERS:-100}   # the feed-warm callers: few, so each page is asked again within the TTL
  MIXED_USERS=${MIXED_USERS:-1000} # the mixed profile's callers
  TIMEOUT=${TIMEOUT:-10}          # seconds before wrk gives up on an answer (counted as an error)
  PAUSE=${PAUSE:-2}               # seconds of quiet between cells
  DURATION=${DURATION%s} WARMUP=${WARMUP%s} TIMEOUT=${TIMEOUT%s}
  MIXED="mixed: feed/view/react/create ${MIX_FEED:-70}/${MIX_VIEW:-15}/${MIX_REACT:-10}/${MIX_CREATE:-5} ($MIXED_USERS users)"
}

# redis-cli's address for the services' Redis (the password is in REDISCLI_AUTH).
redis_args() {
  local rest=${ConnectionStrings__cache#*:}
  echo -h "${ConnectionStrings__cache%%:*}" -p "${rest%%,*}"
}

# Deletes this run's keys matching a pattern (under the API's key prefix, nobody else's).
redis_unlink() {
  # shellcheck disable=SC2046
  redis-cli $(redis_args) --scan --pattern "$BENCH_REDIS_PREFIX$1" | xargs -r -n 500 redis-cli $(redis_args) unlink >/dev/null
}

# Seeds a fresh $BENCH_DB (USERS users with a real bcrypt hash at the API's own cost, FOLLOWEES
# followees each, STORIES stories) and writes into DIR the two files the wrk scripts read: a token
# for every seeded user, first by id (TOKENS_FILE), and the stories that views and reactions target
# (STORIES_FILE): public, active for two more hours, and written by none of the mixed profile's
# callers (a reaction to one's own story is a 403). Needs the bench tool built and BENCH_KEY.
throughput_data() {
  local dir=$1
  # Logins must cost what they cost in production: the seeded hash uses the API's bcrypt cost.
  BCRYPT_COST=${Passwords__BcryptCost:-$(python3 -c 'import json; print(json.load(open("Stories.Api/appsettings.json"))["Passwords"]["BcryptCost"])')}
  echo "== seeding $BENCH_DB: $USERS users x $FOLLOWEES followees, $STORIES stories (bcrypt cost $BCRYPT_COST)" >&2
  psql_db postgres -c "drop database if exists $BENCH_DB with (force)" >/dev/null
  bench seed --db "$BENCH_DB" --users "$USERS" --followees "$FOLLOWEES" --stories "$STORIES" --bcrypt-cost "$BCRYPT_COST" >&2
  export TOKENS_FILE="$dir/tokens.txt" STORIES_FILE="$dir/stories.txt"
  bench tokens --db "$BENCH_DB" --signing-key "$BENCH_KEY" --count "$USERS" --out "$TOKENS_FILE" >&2
  psql_db "$BENCH_DB" -tA -o "$STORIES_FILE" -c "
    select id from stories
    where deleted_at is null and visibility = 'public' and expires_at > now() + interval '2 hours'
      and author_id not in (select id from users order by id limit $MIXED_USERS)"
  echo "$(wc -l <"$TOKENS_FILE") tokens, $(wc -l <"$STORIES_FILE") target stories" >&2
}

metric() { # metric NAME LABEL: the API's counter, 0 before its first increment
  curl -fs "http://127.0.0.1:$API_PORT/metrics" | awk -v n="$1" -v l="$2" '$1 ~ "^" n "(\\{|$)" && (l == "" || index($1, l)) { s += $2 } END { print s + 0 }'
}
feed_counters() { echo "$(metric cache_hits_total 'cache="feed"') $(metric cache_misses_total 'cache="feed"')"; }

# Quiet between cells: PAUSE seconds, then until the API holds no request but this scrape (wrk
# stops without waiting for its answers; queued logins in particular take seconds to drain).
settle() {
  sleep "$PAUSE"
  for _ in $(seq 1 60); do
    [ "$(metric http_server_active_requests '')" -le 1 ] && return
    sleep 1
  done
}

# wrk_cell LABEL SCRIPT CONNECTIONS [PORT]: one wrk run of DURATION seconds (-t2, -t1 at one
# connection), its output appended to $raw. Sets CELL_RESULT to the script's RESULT line (empty
# when wrk gave none) and CELL_NOTE to the feed cache's hit ratio over the run (feed and mixed
# only). Extra env vars for the script come from the caller (CALLERS=… wrk_cell …).
# shellcheck disable=SC2034 # CELL_RESULT and CELL_NOTE are for the caller
wrk_cell() {
  local label=$1 script=$2 connections=$3 port=${4:-$API_PORT} threads before after
  threads=$((connections < 2 ? connections : 2))
  echo "-- $label, $connections connections" >&2
  before=$(feed_counters)
  CELL_RESULT=$( {
    echo "### $label, $connections connections: wrk -t$threads -c$connections -d${DURATION}s --timeout ${TIMEOUT}s --latency -s bench/wrk/$script"
    WRK_THREADS=$threads wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout "${TIMEOUT}s" --latency \
      -s "bench/wrk/$script" "http://127.0.0.1:$port"
  } | tee -a "${raw:?the caller names its raw log}" | grep '^RESULT' || true)
  after=$(feed_counters)
  CELL_NOTE=
  if [[ $script == feed.lua || $script == mixed.lua ]]; then
    CELL_NOTE=$(awk -v b="$before" -v a="$after" 'BEGIN { split(b, x, " "); split(a, y, " "); h = y[1] - x[1]; m = y[2] - x[2];
      if (h + m > 0) printf "feed cache hits %.1f %%", 100 * h / (h + m) }')
  fi
}

# result_fields "RESULT k=v …": a RESULT line's fields into the associative array R, and R[errors]:
# answers outside the route's success statuses, socket errors and timeouts.
declare -A R=()
result_fields() {
  local kv
  R=()
  for kv in ${1#RESULT }; do R[${kv%%=*}]=${kv#*=}; done
  R[errors]=$((R[failed] + R[socket] + R[timeouts]))
}

warmup() { # warmup SCRIPT: unrecorded load (JIT, pools, PostgreSQL's caches)
  echo "-- warm-up: $1, ${WARMUP}s" >&2
  WRK_THREADS=2 wrk -t2 -c50 -d"${WARMUP}s" --timeout "${TIMEOUT}s" -s "bench/wrk/$1" "http://127.0.0.1:$API_PORT" >/dev/null
  settle
}

# ---- CPU per request: clock ticks of CPU (user + system) from /proc ----

CLOCK_TICKS=$(getconf CLK_TCK)

# cpu_ticks PID: the ticks PID has used, with those of the children it has reaped (0 when it is gone).
cpu_ticks() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  read -r -a fields <<<"${stat##*) }" # from field 3 on: utime (14) is [11], stime [12], cutime [13], cstime [14]
  echo $((fields[11] + fields[12] + fields[13] + fields[14]))
}

# postgres_ticks: the local services' PostgreSQL, all of it: the postmaster with its reaped children and
# every live backend and auxiliary process. (A backend that ends between two readings takes its ticks
# into the postmaster's reaped total, so the sum never goes back.)
postgres_ticks() {
  local base postmaster child total
  base=$(sed -nE 's/^PG_BASE=//p' "${STORIES_SERVICES_DIR:-$ROOT/.services}/pg.vars")
  postmaster=$(head -1 "$base/data/postmaster.pid")
  total=$(cpu_ticks "$postmaster")
  for child in $(pgrep -P "$postmaster"); do total=$((total + $(cpu_ticks "$child"))); done
  echo "$total"
}

# cpu_ms_per TICKS ANSWERS: milliseconds of CPU per answer, or – without answers.
cpu_ms_per() { awk -v t="$1" -v n="$2" -v hz="$CLOCK_TICKS" 'BEGIN { if (n > 0) printf "%.3f", 1000 * t / hz / n; else printf "–" }'; }
