#!/usr/bin/env bash
# Throughput and latency at 1, 50 and 200 connections (issue 9's tables): the bare-Kestrel ceiling,
# GET /feed with the cache warm and cold, POST /stories, POST /stories/{id}/view, the mixed profile,
# POST /login, the feed's p99 while logins run, and pgbench / redis-benchmark for context.
#   bench/throughput.sh                                  # defaults below, ~15 min
#   DURATION=3 USERS=5000 STORIES=50000 bench/throughput.sh   # a smoke run
# Seeds a fresh database ($THROUGHPUT_DB), runs the Release API and the ceiling app on 127.0.0.1,
# drives them with wrk (bench/wrk/*.lua) for DURATION seconds a cell, and writes a markdown report
# to bench/results/throughput-<time>.md (raw wrk output next to it, .log). See docs/benchmarks.md.
# Ports of its own, so that it can run next to another benchmark on lib.sh's default port.
API_PORT=${API_PORT:-5280}
CEILING_PORT=${CEILING_PORT:-5281}
source "$(dirname "$0")/lib.sh"
throughput_parameters # USERS, FOLLOWEES, STORIES, DURATION, WARMUP, WARM_USERS, MIXED_USERS, TIMEOUT, PAUSE
CONNECTIONS=${CONNECTIONS:-"1 50 200"}
LOGIN_CONNECTIONS=${LOGIN_CONNECTIONS:-50}
PROBE_CONNECTIONS=${PROBE_CONNECTIONS:-10}
PGBENCH_SCALE=${PGBENCH_SCALE:-10}
BENCH_DB=${THROUGHPUT_DB:-stories_throughput}

for tool in wrk pgbench redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install wrk postgresql-contrib redis-tools)" >&2; exit 1; }
done
bench_services_up
work=$(mktemp -d)
stamp=$(date -u +%Y%m%d-%H%M%S)
report="$RESULTS/throughput-$stamp.md"
raw="$RESULTS/throughput-$stamp.log"
started=$(date +%s)

ceiling_stop() {
  if [ -n "${CEILING_PID:-}" ]; then kill "$CEILING_PID" 2>/dev/null || true; wait "$CEILING_PID" 2>/dev/null || true; CEILING_PID=; fi
}
cleanup() {
  api_stop
  ceiling_stop
  redis_unlink '*' 2>/dev/null || true
  psql_db postgres -c "drop database if exists stories_pgbench" >/dev/null 2>&1 || true
  rm -rf "$work"
  bench_services_down
}
trap cleanup EXIT

bench_build
throughput_data "$work" # the seeded $BENCH_DB, TOKENS_FILE, STORIES_FILE and BCRYPT_COST
HASHES=${Passwords__MaxConcurrentHashes:-$(nproc)}

# Rate limits off for every policy (the maximum the options allow): the tables measure the work
# behind each route, and one client IP sends every login. A 429 would still show as an error.
lift_rate_limits
api_start
if curl -s -o /dev/null "http://127.0.0.1:$CEILING_PORT/"; then echo "port $CEILING_PORT is already in use; choose another with CEILING_PORT=…" >&2; exit 1; fi
ASPNETCORE_URLS="http://127.0.0.1:$CEILING_PORT" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  dotnet "$ROOT/bench/Ceiling/bin/Release/net10.0/Ceiling.dll" >"$RESULTS/ceiling.log" 2>&1 &
CEILING_PID=$!
for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$CEILING_PORT/" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "http://127.0.0.1:$CEILING_PORT/" >/dev/null || { echo "the ceiling app did not start; see $RESULTS/ceiling.log" >&2; exit 1; }

declare -A CEILING
rows=()
# cell LABEL SCRIPT CONNECTIONS [PORT]: one wrk run; appends a row to the table. Extra env vars
# for the script come from the caller (CALLERS=… cell …).
cell() {
  wrk_cell "$@"
  add_row "$1" "$3" "$CELL_RESULT" "$CELL_NOTE"
  settle
}

# add_row LABEL CONNECTIONS "RESULT k=v …" NOTE
add_row() {
  local ceiling pct errors
  if [ -z "$3" ]; then
    rows+=("| $1 | $2 | – | – | – | – | – | – | wrk gave no result: see the raw log |")
    echo "   no result" >&2
    return
  fi
  result_fields "$3"
  errors=${R[errors]}
  if [[ $1 == ceiling* && ${R[answered]} != 0 ]]; then CEILING[$2]=${R[rps]}; fi
  ceiling=${CEILING[$2]:-}
  pct=$([ -n "$ceiling" ] && awk -v a="${R[rps]}" -v c="$ceiling" 'BEGIN { printf (100 * a / c < 1 ? "%.2f %%" : "%.1f %%"), 100 * a / c }' || echo "–")
  local statuses="answers ${R[statuses]}"
  # Nothing answered within the cell (every request still queued at its end) is a failure, not 0 errors.
  [ "${R[answered]}" = 0 ] && statuses="nothing answered within the cell" && errors="no answer"
  [ "${R[socket]}${R[timeouts]}" != 00 ] && statuses+="; socket errors ${R[socket]}, timeouts ${R[timeouts]}"
  rows+=("| $1 | $2 | ${R[rps]} | ${R[p50]} | ${R[p95]} | ${R[p99]} | $errors | $pct | ${4:+$4; }$statuses |")
  echo "   ${R[rps]} req/s, p50 ${R[p50]} p99 ${R[p99]} ms, $errors errors ($statuses)" >&2
}

for c in $CONNECTIONS; do cell "ceiling: bare Kestrel GET /" ceiling.lua "$c" "$CEILING_PORT"; done

CALLERS=$WARM_USERS warmup feed.lua
for c in $CONNECTIONS; do CALLERS=$WARM_USERS cell "GET /feed, cache warm ($WARM_USERS users)" feed.lua "$c"; done
# Cold: every feed page and followee list deleted before the cell, and each wrk thread walking its
# own slice of all the users in order, so a user comes back only after all were asked.
for c in $CONNECTIONS; do
  redis_unlink 'cache:feed:*'; redis_unlink 'cache:friends:*'
  cell "GET /feed, cache cold ($USERS users)" feed.lua "$c"
done

warmup view.lua
for c in $CONNECTIONS; do cell "POST /stories/{id}/view" view.lua "$c"; done
warmup create.lua
for c in $CONNECTIONS; do cell "POST /stories" create.lua "$c"; done
CALLERS=$MIXED_USERS warmup mixed.lua
for c in $CONNECTIONS; do CALLERS=$MIXED_USERS cell "$MIXED" mixed.lua "$c"; done

# Logins, and the feed while they run: the warm feed probe alone, then next to a login load.
export LOGIN_USERS=$USERS
CALLERS=$WARM_USERS warmup feed.lua # the mixed profile's views and posts invalidated some of these pages
CALLERS=$WARM_USERS cell "GET /feed, cache warm: probe alone" feed.lua "$PROBE_CONNECTIONS"
warmup login.lua
echo "-- POST /login x $LOGIN_CONNECTIONS with the feed probe x $PROBE_CONNECTIONS" >&2
threads=$((LOGIN_CONNECTIONS < 2 ? LOGIN_CONNECTIONS : 2))
WRK_THREADS=$threads wrk -t"$threads" -c"$LOGIN_CONNECTIONS" -d"$((DURATION + 2))s" --timeout "${TIMEOUT}s" --latency \
  -s bench/wrk/login.lua "http://127.0.0.1:$API_PORT" >"$work/login.out" &
login_pid=$!
sleep 1 # the probe runs entirely inside the login load
CALLERS=$WARM_USERS cell "GET /feed, cache warm: probe during logins" feed.lua "$PROBE_CONNECTIONS"
wait "$login_pid"
{ echo "### POST /login next to the probe, $LOGIN_CONNECTIONS connections"; cat "$work/login.out"; } >>"$raw"
add_row "POST /login, next to the probe" "$LOGIN_CONNECTIONS" "$(grep '^RESULT' "$work/login.out" || true)" ""
settle
for c in $CONNECTIONS; do cell "POST /login (bcrypt cost $BCRYPT_COST, $HASHES hashes at once)" login.lua "$c"; done

# Context: what PostgreSQL and Redis themselves answer on this machine (not HTTP, no ratio).
cs=$ConnectionStrings__storiesdb
export PGHOST=$(sed -nE 's/.*Host=([^;]*).*/\1/p' <<<"$cs") PGPORT=$(sed -nE 's/.*Port=([^;]*).*/\1/p' <<<"$cs") \
  PGUSER=$(sed -nE 's/.*Username=([^;]*).*/\1/p' <<<"$cs") PGPASSWORD=$(sed -nE 's/.*Password=([^;]*).*/\1/p' <<<"$cs")
psql_db postgres -c "drop database if exists stories_pgbench" -c "create database stories_pgbench" >/dev/null
echo "-- pgbench -i -s $PGBENCH_SCALE" >&2
pgbench -i -q -s "$PGBENCH_SCALE" stories_pgbench >>"$raw" 2>&1
# pgbench's clock includes opening its connections (seconds for 50 on a busy machine): at least 10 s.
pgbench_seconds=$((DURATION < 10 ? 10 : DURATION))
for c in 1 50; do
  threads=$((c < 2 ? c : 2))
  echo "-- pgbench -S -c $c" >&2
  rm -f "$work"/pgbench_log.*
  # -l: every transaction's latency, for the percentiles (pgbench itself prints only the mean).
  (cd "$work" && pgbench -S -n -c "$c" -j "$threads" -T "$pgbench_seconds" -l --log-prefix=pgbench_log stories_pgbench) >"$work/pgbench.out" 2>&1 || true
  { echo "### pgbench -S -c $c -j $threads -T $pgbench_seconds"; cat "$work/pgbench.out"; } >>"$raw"
  tps=$(sed -nE 's/^tps = ([0-9]+\.[0-9]).* \(without initial connection time\)/\1/p' "$work/pgbench.out")
  failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$work/pgbench.out")
  percentiles=$(cat "$work"/pgbench_log.* 2>/dev/null | awk '{ print $3 / 1000 }' | sort -n | awk '{ v[NR] = $1 }
    END { if (NR == 0) print "– | – | –"; else printf "%.2f | %.2f | %.2f", v[int(NR * .50 + .5)], v[int(NR * .95 + .5)], v[int(NR * .99 + .5)] }')
  rows+=("| context: pgbench -S (select-only, scale $PGBENCH_SCALE) | $c | ${tps:-–} | $percentiles | ${failed:-–} | – | transactions/s, ${pgbench_seconds} s |")
  sleep "$PAUSE"
done
for c in 1 50; do
  # redis-benchmark is bounded by a count, not a time: sized for about DURATION on this kind of machine.
  n=$((DURATION * (c == 1 ? 15000 : 50000)))
  echo "-- redis-benchmark -t get -c $c -n $n" >&2
  # shellcheck disable=SC2046
  out=$(redis-benchmark $(redis_args) ${REDISCLI_AUTH:+-a "$REDISCLI_AUTH"} -t get -c "$c" -n "$n" --csv 2>/dev/null | tail -1)
  { echo "### redis-benchmark -t get -c $c -n $n --csv"; echo "$out"; } >>"$raw"
  IFS=, read -r _ rps _ _ p50 p95 p99 _ <<<"${out//\"/}"
  rows+=("| context: redis-benchmark GET | $c | ${rps:-–} | ${p50:-–} | ${p95:-–} | ${p99:-–} | – | – | $n requests |")
  sleep "$PAUSE"
done
elapsed=$(($(date +%s) - started))

# What the API itself counted and logged over the whole run, answers nobody read included: a 5xx
# must not hide behind wrk's cut-off. 499 is a request whose client left (wrk stopping mid-request).
api_5xx=$(metric http_requests_total 'code="5')
api_499=$(metric http_requests_total 'code="499"')
api_errors=$(grep -c '"level":"\(error\|critical\)"' "$RESULTS/api.log" || true)

# A cell not run (CONNECTIONS without 1 or 200) is an empty row, and its target "not measured".
row() { printf '%s\n' "${rows[@]}" | grep -F "| $1 | $2 |" | head -1 || true; }
field() { awk -F' \\| ' -v i="$1" '{ print $i }'; }
verdict() { [ "$1" = 1 ] && echo met || echo "**missed**"; }
measured() { [ -n "$1" ] && verdict "$2" || echo "not measured: CONNECTIONS=\"$CONNECTIONS\" has no $3"; }
mixed=$(row "$MIXED" 200)
mixed_p99=$(field 6 <<<"$mixed") mixed_errors=$(field 7 <<<"$mixed")
feed_ratios=() feed_ok=1
for c in $CONNECTIONS; do
  pct=$(row "GET /feed, cache warm ($WARM_USERS users)" "$c" | field 8)
  feed_ratios+=("$pct at $c")
  awk -v p="${pct% %}" 'BEGIN { exit !(p >= 25) }' || feed_ok=0
done
alone=$(row "GET /feed, cache warm: probe alone" "$PROBE_CONNECTIONS")
alone_p50=$(field 4 <<<"$alone") alone_p99=$(field 6 <<<"$alone")
during=$(row "GET /feed, cache warm: probe during logins" "$PROBE_CONNECTIONS")
during_p50=$(field 4 <<<"$during") during_p99=$(field 6 <<<"$during") during_errors=$(field 7 <<<"$during")
login_rows=$(printf '%s\n' "${rows[@]}" | grep -F "| POST /login")
login_errors=$(field 7 <<<"$login_rows" | awk '{ s += ($1 ~ /^[0-9]+$/ ? $1 : 1) } END { print s + 0 }')
login_1_p50=$(row "POST /login (bcrypt cost $BCRYPT_COST, $HASHES hashes at once)" 1 | field 4)
login_max_rps=$(field 3 <<<"$login_rows" | sort -g | tail -1)

{
  echo "# Throughput and latency (issue 9)"
  echo
  echo "$(machine_line); $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -1)$(git diff --quiet HEAD -- . ':!bench/results' || echo '; uncommitted changes on top of the commit')."
  echo
  echo "Command: \`USERS=$USERS FOLLOWEES=$FOLLOWEES STORIES=$STORIES DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=\"$CONNECTIONS\" bench/throughput.sh\`"
  echo
  echo "Data: $(psql_db "$BENCH_DB" -tAc "select count(*) from users") users, $FOLLOWEES followees each, $STORIES stories seeded" \
    "($(psql_db "$BENCH_DB" -tAc "select count(*) from stories where deleted_at is null") active at the end). wrk -t2 (-t1 at one connection)," \
    "${DURATION} s a cell after a ${WARMUP} s warm-up per route, timeout ${TIMEOUT} s; client and servers share the machine."
  echo "Run time: $((elapsed / 60)) min $((elapsed % 60)) s. Raw output: \`bench/results/$(basename "$raw")\`."
  echo
  echo "| scenario | connections | req/s | p50 ms | p95 ms | p99 ms | errors | % of ceiling | notes |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Errors are every answer outside the route's success statuses (200 feed and login, 201 create and"
  echo "react, 204 view) plus socket errors and timeouts. % of ceiling: req/s over the bare-Kestrel"
  echo "ceiling's at the same connection count."
  echo
  echo "The API's own count over the whole run (warm-ups and unread answers included): $api_5xx answers 5xx;"
  echo "$api_499 requests abandoned by their client (499: in flight when a wrk run stopped); $api_errors log lines at"
  echo "error level or above (see bench/results/api.log)."
  echo
  echo "## Targets"
  echo
  echo "| target | measured | verdict |"
  echo "|---|---|---|"
  echo "| mixed profile at 200 connections: p99 ≤ 50 ms and zero errors | p99 $mixed_p99 ms, $mixed_errors errors |" \
    "$(measured "$mixed" "$(awk -v p="$mixed_p99" -v e="$mixed_errors" 'BEGIN { print (p <= 50 && e == 0) }')" 200) |"
  echo "| GET /feed warm ≥ 25 % of the bare-Kestrel ceiling (at every connection count) | $(IFS=';'; echo "${feed_ratios[*]}" | sed 's/;/, /g') connections | $(verdict $feed_ok) |"
  echo "| POST /login bounded by the bcrypt cost, no 429/503/timeouts | at most $login_max_rps logins/s, against $(awk -v h="$HASHES" -v n="$(nproc)" -v t="$login_1_p50" 'BEGIN { printf (t > 0 ? "%.1f" : "–"), (h < n ? h : n) * 1000 / t }')/s from the cost (min(cores, hashes at once) / one login's p50 of $login_1_p50 ms); $login_errors errors over all login cells | $(verdict "$([ "$login_errors" = 0 ] && echo 1)") |"
  # The p50 too: a closed-loop probe slowed down sends fewer requests, and one noisy tail alone
  # could hide a typical request ten times slower.
  echo "| … without starving other routes: warm feed p50 and p99 while $LOGIN_CONNECTIONS connections log in each ≤ 2× alone, no errors |" \
    "p50 $alone_p50 → $during_p50 ms, p99 $alone_p99 → $during_p99 ms, $during_errors errors |" \
    "$(verdict "$(awk -v a="$alone_p50" -v d="$during_p50" -v a99="$alone_p99" -v d99="$during_p99" -v e="$during_errors" \
      'BEGIN { print (d <= 2 * a && d99 <= 2 * a99 && e == 0) }')") |"
} >"$report"
echo "$report" >&2
cat "$report"
