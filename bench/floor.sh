#!/usr/bin/env bash
# The API's warm feed, view and story creation against their I/O floor, in one run on the same data:
# the API's CPU per answer beside that of bench/Floor, which does only the same network round trips
# (a cached page read from Redis; Redis script, prepared PostgreSQL statement, Redis script) on bare
# Kestrel — no authentication, EF Core, logging, metrics or middleware. What the API spends above the floor is what its own code costs; the
# floor itself is what the round trips cost this machine (kernel, sockets, thread pool), which no
# change inside the API can take away short of fewer round trips.
#   bench/floor.sh                      # feed, view and create, 2 rounds, ~16 min with the seeding
#   ROUNDS=1 WARMUP=20 bench/floor.sh   # quicker
# Parameters as in bench/throughput.sh (USERS, FOLLOWEES, STORIES, DURATION, WARMUP, TIMEOUT, PAUSE),
# plus ROUNDS (2), CELLS ("feed view create") and CONNECTIONS (50: the measured cells'; the warm-up
# always runs at 50). Report: bench/results/floor-<time>.md. See docs/benchmarks.md.
API_PORT=${API_PORT:-5480}
FLOOR_PORT=${FLOOR_PORT:-5481}
source "$(dirname "$0")/lib.sh"
throughput_parameters
WARMUP=${WARMUP:-45}
[ "$WARMUP" = 5 ] && WARMUP=45 # throughput_parameters' default is for its many short cells; these need the JIT settled
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-50}
read -r -a cells <<<"${CELLS:-feed view create}"
BENCH_DB=${FLOOR_DB:-stories_floor}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
stamp=$(date -u +%Y%m%d-%H%M%S)
report="$RESULTS/floor-$stamp.md"
raw="$RESULTS/floor-$stamp.log"
BARE_PID=
bare_stop() { if [ -n "$BARE_PID" ]; then kill "$BARE_PID" 2>/dev/null || true; wait "$BARE_PID" 2>/dev/null || true; BARE_PID=; fi; }
cleanup() {
  api_stop
  bare_stop
  redis_unlink '*' 2>/dev/null || true
  rm -rf "$work"
  bench_services_down
}
trap cleanup EXIT
bench_services_up
started=$(date +%s)

echo "== building (Release)" >&2
bench_build
throughput_data "$work"
lift_rate_limits
export Database__MigrateOnStartup=false

# bare_start NAME: bench/NAME (Floor: the routes' round trips; Ceiling: GET / with no I/O) on
# $FLOOR_PORT, over the bench database and this run's Redis prefix; one of them runs at a time.
bare_start() {
  ConnectionStrings__storiesdb="$BENCH_CONN" Redis__KeyPrefix="$BENCH_REDIS_PREFIX" \
  ASPNETCORE_URLS="http://127.0.0.1:$FLOOR_PORT" Logging__LogLevel__Default=Warning \
    dotnet "$ROOT/bench/$1/bin/Release/net10.0/$1.dll" >"$work/$1.log" 2>&1 &
  BARE_PID=$!
  for _ in $(seq 1 60); do
    # Any HTTP answer means Kestrel listens.
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$FLOOR_PORT/")" != 000 ] && return 0
    kill -0 "$BARE_PID" 2>/dev/null || break
    sleep 1
  done
  echo "bench/$1 did not start:" >&2
  cat "$work/$1.log" >&2
  return 1
}

cell_spec() {
  case $1 in
    feed) spec=("GET /feed, cache warm ($WARM_USERS users)" feed.lua "$WARM_USERS") ;;
    view) spec=("POST /stories/{id}/view" view.lua "") ;;
    create) spec=("POST /stories" create.lua "") ;;
    *) echo "unknown cell $1 in CELLS (feed, view, create)" >&2; return 1 ;;
  esac
}

declare -A RPS=() CPU=() PG=()
# measure CELL WHO ROUND: a fresh process (the API or the floor), WARMUP seconds of load, then one
# recorded cell at CONNECTIONS connections with its process's CPU from /proc.
measure() {
  local cell=$1 who=$2 round=$3 spec pid port before used pg_before pg_used
  cell_spec "$cell"
  if [ "$who" = ceiling ]; then spec[1]=ceiling.lua; fi
  echo "== $(date -u +%T) round $round/$ROUNDS, ${spec[0]}: $who" >&2
  redis_unlink '*'
  case $who in
    api) API_LOG="$work/api.log" api_start; pid=$API_PID port=$API_PORT ;;
    floor) bare_start Floor; pid=$BARE_PID port=$FLOOR_PORT ;;
    ceiling) bare_start Ceiling; pid=$BARE_PID port=$FLOOR_PORT ;;
  esac
  echo "-- warm-up: ${spec[1]}, ${WARMUP}s" >&2
  CALLERS=${spec[2]} WRK_THREADS=2 wrk -t2 -c50 -d"${WARMUP}s" --timeout "${TIMEOUT}s" -s "bench/wrk/${spec[1]}" "http://127.0.0.1:$port" >/dev/null
  sleep "$PAUSE"
  before=$(cpu_ticks "$pid") pg_before=$(postgres_ticks)
  CALLERS=${spec[2]} wrk_cell "${spec[0]}: $who, round $round" "${spec[1]}" "$CONNECTIONS" "$port"
  used=$(($(cpu_ticks "$pid") - before)) pg_used=$(($(postgres_ticks) - pg_before))
  if [ "$who" = api ]; then api_stop; else bare_stop; fi
  [ -n "$CELL_RESULT" ] || { echo "wrk gave no result; see $raw" >&2; exit 1; }
  result_fields "$CELL_RESULT"
  ((R[errors] == 0)) || { echo "${R[errors]} errors (answers ${R[statuses]}); see $raw" >&2; exit 1; }
  RPS["$cell $who"]+="${R[rps]} " CPU["$cell $who"]+="$(cpu_ms_per "$used" "${R[answered]}") " PG["$cell $who"]+="$(cpu_ms_per "$pg_used" "${R[answered]}") "
  echo "   ${R[rps]} answers/s, p99 ${R[p99]} ms, $(cpu_ms_per "$used" "${R[answered]}") ms of CPU an answer" >&2
  sleep "$PAUSE"
}

order=(api floor)
for round in $(seq 1 "$ROUNDS"); do
  for cell in "${cells[@]}"; do
    for who in "${order[@]}"; do measure "$cell" "$who" "$round"; done
    if [ "$cell" = feed ]; then measure feed ceiling "$round"; fi
  done
  order=("${order[1]}" "${order[0]}")
done

median() { # median "VALUES…" [FORMAT]
  tr ' ' '\n' <<<"$1" | grep -E '^[0-9.]+$' | sort -g | awk -v f="${2:-%.3f}" '{ v[NR] = $1 } END { printf f, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
{
  echo "# The API against its I/O floor"
  echo
  echo "$(machine_line); $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -1)."
  echo
  echo "Command: \`ROUNDS=$ROUNDS CELLS=\"${cells[*]}\" CONNECTIONS=$CONNECTIONS USERS=$USERS FOLLOWEES=$FOLLOWEES STORIES=$STORIES DURATION=$DURATION WARMUP=$WARMUP bench/floor.sh\`;"
  echo "$(( ($(date +%s) - started) / 60 )) min. Each cell: a fresh process, ${WARMUP} s of warm-up, ${DURATION} s measured at $CONNECTIONS connections (wrk -t2, -t1 at one connection)."
  echo "CPU per answer is the process's user + system time from /proc over the measured seconds ÷ its answers (PostgreSQL's: all its processes); medians over $ROUNDS rounds."
  echo
  echo "| scenario | API answers/s | API CPU ms an answer | floor answers/s | floor CPU ms an answer | floor ÷ API CPU | PostgreSQL CPU ms an answer, API / floor |"
  echo "|---|---|---|---|---|---|---|"
  for cell in "${cells[@]}"; do
    cell_spec "$cell"
    a=$(median "${CPU["$cell api"]}") f=$(median "${CPU["$cell floor"]}")
    echo "| ${spec[0]} | $(median "${RPS["$cell api"]}" %.0f) | $a | $(median "${RPS["$cell floor"]}" %.0f) | $f | $(awk -v a="$a" -v f="$f" 'BEGIN { printf "%.2f", f / a }') | $(median "${PG["$cell api"]}") / $(median "${PG["$cell floor"]}") |"
  done
  if [ -n "${RPS["feed ceiling"]:-}" ]; then
    c=$(median "${RPS["feed ceiling"]}" %.0f)
    echo
    echo "Bare Kestrel's GET / (bench/Ceiling, no I/O) at $CONNECTIONS connections in the same run: $c answers/s, $(median "${CPU["feed ceiling"]}") ms of CPU an answer;"
    echo "the warm feed is $(awk -v a="$(median "${RPS["feed api"]}")" -v c="$c" 'BEGIN { printf "%.1f", 100 * a / c }') % of it, the floor's feed $(awk -v a="$(median "${RPS["feed floor"]}")" -v c="$c" 'BEGIN { printf "%.1f", 100 * a / c }') %."
  fi
  echo
  echo "Rounds: $(for k in "${!CPU[@]}"; do printf '%s: %s/s, %s ms; ' "$k" "${RPS[$k]% }" "${CPU[$k]% }"; done)"
  echo
  echo "Raw output: \`${raw#"$ROOT"/}\`."
} >"$report"
cat "$report"
