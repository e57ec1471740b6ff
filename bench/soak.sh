#!/usr/bin/env bash
# make soak: the mixed profile (bench/wrk/mixed.lua, as in bench/throughput.sh: 70 % feed, 15 % view,
# 10 % react, 5 % create, at random) for
# a long while against one Release API, with Redis and PostgreSQL stopped and started again in turn
# every few minutes. Afterwards it checks that no 5xx came outside an outage, that no write was lost
# (every story answered 201 is in PostgreSQL, looked up by id), and writes down the API's memory
# (RSS) at the start, at the end and at its peak.
#
#   bench/soak.sh                                        # 30 min, an outage every 5 min
#   SOAK_DURATION=4m SOAK_RESTART_EVERY=1m bench/soak.sh  # a short run
#
# Parameters (environment; durations as 90s, 4m or 1h):
#   SOAK_DURATION        load time                                                      30m
#   SOAK_RESTART_EVERY   time between outages; Redis first, then PostgreSQL, in turn    5m
#   SOAK_OUTAGE          how long the service stays stopped                             10s
#   SOAK_GRACE           how long after the service is back a 5xx still belongs to the   15s
#                        outage: connections the restart broke fail on their next use
#   SOAK_WARMUP          load before the starting RSS is taken (keep it < RESTART_EVERY) 30s
#   SOAK_RSS_EVERY       RSS sampling interval                                          30s
#   SOAK_USERS           users, each following all the others                           8
#   SOAK_STORIES         public stories the users view and react to (by another user)   20
#   CONNECTIONS, THREADS wrk connections and threads                                    16, 2
#   API_PORT             where the API listens                                          5090
#
# It starts its own PostgreSQL, Redis and Ceph RGW (scripts/services.sh with a new state directory,
# on other ports when the usual ones are taken, so never the servers of `make services` or of a
# test run) and removes them at the end. Report: bench/results/soak-<time>.md; raw data (wrk output,
# answers per second and status, outage times, RSS samples, created ids, the API, PostgreSQL and
# Redis logs) in bench/results/soak-<time>/. A 5xx is classified by the second wrk received it
# (wrk's clock has one-second resolution). Exits 1 if a 5xx came outside the outages, a story
# answered 201 is missing, or the API died.
API_PORT=${API_PORT:-5090}
source "$(dirname "$0")/lib.sh"

log() { printf '[soak] %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
seconds() {
  case "$1" in
    *h) echo $((${1%h} * 3600)) ;;
    *m) echo $((${1%m} * 60)) ;;
    *s) echo $((${1%s})) ;;
    *) echo $(($1)) ;;
  esac
}
for parameter in SOAK_DURATION SOAK_RESTART_EVERY SOAK_OUTAGE SOAK_GRACE SOAK_WARMUP SOAK_RSS_EVERY; do
  value=${!parameter:-}
  [[ -z "$value" || "$value" =~ ^[0-9]+[smh]?$ ]] || die "$parameter=$value: expected a duration such as 90s, 4m or 1h"
done
duration=$(seconds "${SOAK_DURATION:-30m}")
restart_every=$(seconds "${SOAK_RESTART_EVERY:-5m}")
outage=$(seconds "${SOAK_OUTAGE:-10s}")
grace=$(seconds "${SOAK_GRACE:-15s}")
warmup=$(seconds "${SOAK_WARMUP:-30s}")
rss_every=$(seconds "${SOAK_RSS_EVERY:-30s}")
users=${SOAK_USERS:-8}
target_stories=${SOAK_STORIES:-20}
connections=${CONNECTIONS:-16}
threads=${THREADS:-2}
((restart_every > outage + grace)) || die "SOAK_RESTART_EVERY must be longer than SOAK_OUTAGE + SOAK_GRACE"
((warmup < restart_every)) || die "SOAK_WARMUP must end before the first outage (SOAK_RESTART_EVERY)"
((users >= 2)) || die "SOAK_USERS must be at least 2"
BENCH_DB=stories_soak
BENCH_OWN_SERVICES=1

stamp=$(date -u +%Y%m%d-%H%M%S)
run="$RESULTS/soak-$stamp"
report="$RESULTS/soak-$stamp.md"
mkdir -p "$run"
API_LOG="$run/api.log"

command -v wrk >/dev/null || { log "installing wrk…"; apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null; }

background=()
work=$(mktemp -d)
cleanup() {
  local pid
  rm -rf "$work"
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  api_stop
  # The servers' own logs explain a slow stop or start; their state directory goes with them.
  if [ -n "${STORIES_SERVICES_DIR:-}" ] && [ -d "$STORIES_SERVICES_DIR/logs" ]; then
    cp -L "$STORIES_SERVICES_DIR/logs/postgres.log" "$STORIES_SERVICES_DIR/logs/redis.log" "$run/" 2>/dev/null || true
  fi
  bench_services_down
}
trap cleanup EXIT

log "starting a private PostgreSQL, Redis and Ceph RGW"
bench_services_up
log "services in $STORIES_SERVICES_DIR: $(scripts/services.sh status | awk '{printf "%s%s :%s", sep, $1, $NF; sep=", "}')"
log "building the API (Release)"
dotnet build Stories.Api -c Release --nologo -v q >/dev/null
psql_db postgres -c "drop database if exists $BENCH_DB with (force)" -c "create database $BENCH_DB" >/dev/null
# A handful of users hammering for half an hour: lift the per-user and per-IP limits, and let the
# tokens outlive the run.
lift_rate_limits
export Jwt__Lifetime=7.00:00:00
api_start
api="http://127.0.0.1:$API_PORT"

log "seeding $users users who all follow each other, and $target_stories public stories by another user"
json_field() { sed -nE "s/.*\"$1\":\"([^\"]+)\".*/\1/p"; }
signup() { curl -fsS -X POST "$api/signup" -H 'Content-Type: application/json' -d "{\"email\":\"$1@example.com\",\"password\":\"soak test password\"}"; }
# The profile's inputs (bench/wrk/common.lua): the callers' tokens, and stories none of them wrote
# (a reaction to one's own story is a 403). Tokens stay out of the results folder.
export TOKENS_FILE="$work/tokens.txt" STORIES_FILE="$work/stories.txt"
user_ids=()
for i in $(seq 1 "$users"); do
  answer=$(signup "soak-$i")
  json_field token <<<"$answer" >>"$TOKENS_FILE"
  user_ids+=("$(json_field user_id <<<"$answer")")
done
mapfile -t tokens <"$TOKENS_FILE"
for i in "${!tokens[@]}"; do
  for j in "${!user_ids[@]}"; do
    [ "$i" = "$j" ] || curl -fsS -o /dev/null -X POST "$api/follow/${user_ids[$j]}" -H "Authorization: Bearer ${tokens[$i]}"
  done
done
author=$(json_field token <<<"$(signup soak-author)")
for _ in $(seq 1 "$target_stories"); do
  answer=$(curl -fsS -X POST "$api/stories" -H "Authorization: Bearer $author" -H 'Content-Type: application/json' \
    -d '{"text":"soak story","visibility":"public"}')
  sed -nE 's/^\{"id":"([^"]+)".*/\1/p' <<<"$answer" >>"$STORIES_FILE"
done
cp "$STORIES_FILE" "$run/created-seed.txt"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$API_PID/status" 2>/dev/null || echo 0; }
idle_rss=$(rss_kb)

# The outages, on the load's clock: Redis at 1 × SOAK_RESTART_EVERY, PostgreSQL at 2 ×, Redis at 3 ×,
# … as long as the outage and its grace period end before the load does. One line each in
# outages.tsv: service, stop requested, stopped, start requested, back (epoch seconds).
sleep_until() { local now; now=$(date +%s); if (($1 > now)); then sleep $(($1 - now)); fi; }
outages() {
  local k=1 service stopping stopped starting back
  while ((k * restart_every + outage + grace + 5 <= duration)); do
    service=redis
    ((k % 2 == 0)) && service=postgres
    sleep_until $((load_start + k * restart_every))
    stopping=$(date +%s.%N)
    scripts/services.sh stop "$service" >>"$run/services.log" 2>&1 || true
    stopped=$(date +%s.%N)
    sleep "$outage"
    starting=$(date +%s.%N)
    scripts/services.sh start "$service" >>"$run/services.log" 2>&1 || echo "start $service failed" >>"$run/services.log"
    back=$(date +%s.%N)
    printf '%s\t%s\t%s\t%s\t%s\n' "$service" "$stopping" "$stopped" "$starting" "$back" >>"$run/outages.tsv"
    k=$((k + 1))
  done
}
rss_samples() {
  sleep_until $((load_start + warmup))
  while :; do
    echo "$(date +%s) $(rss_kb)" >>"$run/rss.tsv"
    sleep "$rss_every"
  done
}

: >"$run/outages.tsv"
: >"$run/rss.tsv"
log "load for ${duration}s: wrk -t$threads -c$connections -s bench/wrk/mixed.lua, an outage every ${restart_every}s"
load_start=$(date +%s)
outages &
background+=($!)
rss_samples &
background+=($!)
wrk_status=0
RECORD_DIR="$run" WRK_THREADS="$threads" \
  wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s --latency -s bench/wrk/mixed.lua "$api" >"$run/wrk.txt" 2>&1 || wrk_status=$?
load_end=$(date +%s)
for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
background=()
echo "$load_end $(rss_kb)" >>"$run/rss.tsv"
# Were the load to end mid-outage after all, the checks below need the database back.
scripts/services.sh start redis >>"$run/services.log" 2>&1 || true
scripts/services.sh start postgres >>"$run/services.log" 2>&1 || true

api_alive=yes
if ! kill -0 "$API_PID" 2>/dev/null || ! curl -fs -o /dev/null "$api/alive"; then api_alive=no; fi

# Lost writes: every id answered 201, looked up in PostgreSQL.
cat "$run"/created-*.txt >"$run/created.txt"
answered=$(wc -l <"$run/created.txt")
psql_db "$BENCH_DB" -tA >"$run/missing.txt" <<SQL
create table soak_answered (id uuid);
\copy soak_answered from '$run/created.txt'
select a.id from soak_answered a where not exists (select 1 from stories s where s.id = a.id);
SQL
missing=$(grep -c . "$run/missing.txt" || true)
stored=$(psql_db "$BENCH_DB" -tAc "select count(*) from stories")
# Stored but never answered 201: when each was created tells whether it was in flight at the end
# of the load (harmless: wrk stops reading) or its answer was lost in an outage.
psql_db "$BENCH_DB" -tA -c "select extract(epoch from created_at)::bigint from stories s
  where not exists (select 1 from soak_answered a where a.id = s.id) order by 1" >"$run/unanswered.txt"
unanswered=$(awk -F'\t' -v start="$load_start" -v end="$load_end" -v grace="$grace" '
  FILENAME == ARGV[1] { n++; from[n] = int($2); to[n] = $5 + grace; next }
  {
    where = ""
    for (i = 1; i <= n; i++) if ($1 >= from[i] && $1 <= to[i]) where = " (outage " i ")"
    if (where == "" && $1 >= end - 11) where = " (end of the load)"
    printf "%s+%d s%s", sep, $1 - start, where; sep = ", "
  }' "$run/outages.tsv" "$run/unanswered.txt")

# Every answer by (second, status) from wrk, each 5xx placed inside an outage window
# [stop requested, back + grace] or outside all of them.
[ -f "$run/statuses.tsv" ] || : >"$run/statuses.tsv"
awk -F'\t' -v grace="$grace" -v start="$load_start" -v out="$run/outside.tsv" '
  FILENAME == ARGV[1] { n++; service[n] = $1; from[n] = int($2); back[n] = $5; to[n] = $5 + grace; next }
  $2 >= 500 {
    w = 0
    for (i = 1; i <= n; i++) if ($1 >= from[i] && $1 <= to[i]) { w = i; break }
    if (w) { inside[w] += $3; if ($1 - back[w] > last[w] || !(w in last)) last[w] = $1 - back[w] }
    else { outside += $3; printf "+%ds\t%s\t%d\n", $1 - start, $2, $3 >> out }
  }
  END {
    for (i = 1; i <= n; i++)
      printf "window\t%d\t%s\t%d\t%d\t%d\t%s\n", i, service[i], from[i] - start, back[i] - start, inside[i] + 0, (i in last) ? sprintf("%+.0f s", last[i]) : "-"
    printf "outside\t%d\n", outside + 0
  }' "$run/outages.tsv" "$run/statuses.tsv" >"$run/classified.tsv"
outside=$(awk -F'\t' '$1 == "outside" { print $2 }' "$run/classified.tsv")
inside=$(awk -F'\t' '$1 == "window" { s += $6 } END { print s + 0 }' "$run/classified.tsv")

rss_mb() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }
rss_start=$(head -n 1 "$run/rss.tsv" | cut -d' ' -f2)
rss_end=$(tail -n 1 "$run/rss.tsv" | cut -d' ' -f2)
rss_max=$(sort -k2 -n "$run/rss.tsv" | tail -n 1 | cut -d' ' -f2)

verdict=PASS
{ ((outside > 0)) || ((missing > 0)) || [ "$api_alive" = no ] || ((wrk_status != 0)); } && verdict=FAIL

{
  echo "# Soak run $stamp"
  echo
  echo "$(machine_line)"
  echo
  echo "Command: \`SOAK_DURATION=${duration}s SOAK_RESTART_EVERY=${restart_every}s SOAK_OUTAGE=${outage}s SOAK_GRACE=${grace}s SOAK_WARMUP=${warmup}s SOAK_RSS_EVERY=${rss_every}s SOAK_USERS=$users CONNECTIONS=$connections THREADS=$threads bench/soak.sh\`"
  echo
  echo "One Release API process on 127.0.0.1:$API_PORT; its own PostgreSQL, Redis and Ceph RGW ($(scripts/services.sh status | awk '{printf "%s%s :%s", sep, $1, $NF; sep=", "}')); $users users who all follow each other;"
  echo "the mixed profile of \`bench/wrk/mixed.lua\` (at random 70 % \`GET /feed\`, 15 % view, 10 % react, 5 % create, views and reactions on $target_stories public stories by another user) from wrk."
  echo "A 5xx counts as inside an outage from the second its stop was requested until $grace s after the service was back."
  echo
  echo "**$verdict** — 5xx outside outages: $outside; lost writes: $missing of $answered; API alive at the end: $api_alive."
  echo
  echo "## Outages"
  echo
  echo "Load time of: the stop request, the service stopped, the start request, the service back."
  echo
  echo "| # | service | stop | stopped | start | back | 5xx inside (+ grace) | last 5xx after back |"
  echo "|---|---|---|---|---|---|---|---|"
  paste "$run/outages.tsv" <(awk -F'\t' '$1 == "window"' "$run/classified.tsv") | awk -F'\t' -v start="$load_start" '
    { printf "| %s | %s | +%.1f s | +%.1f s | +%.1f s | +%.1f s | %s | %s |\n", $7, $1, $2 - start, $3 - start, $4 - start, $5 - start, $11, $12 }'
  echo
  echo "5xx inside outages: $inside; outside: $outside."
  if ((outside > 0)); then
    echo
    echo "5xx outside outages (second of the load, status, count):"
    echo
    echo '```'
    head -n 50 "$run/outside.tsv"
    echo '```'
  fi
  echo
  echo "## Answers"
  echo
  echo '```'
  grep -E '^(RESULT|Requests/sec)' "$run/wrk.txt" || cat "$run/wrk.txt"
  echo '```'
  echo
  echo "| status | answers |"
  echo "|---|---|"
  sed -nE 's/^RESULT .*statuses=([^ ]*).*/\1/p' "$run/wrk.txt" | tr ',' '\n' | awk -F: 'NF == 2 { printf "| %s | %s |\n", $1, $2 }'
  echo
  echo "## Writes"
  echo
  echo "Stories answered 201: $answered (the $target_stories seed stories included); found in PostgreSQL by id: $((answered - missing)); missing: **$missing**."
  echo "Stories in PostgreSQL: $stored; stored but never answered 201: $((stored - answered + missing))${unanswered:+, created at $unanswered}."
  if ((missing > 0)); then
    echo
    echo "Missing ids (first 20): $(head -n 20 "$run/missing.txt" | tr '\n' ' ')"
  fi
  echo
  echo "## API memory (RSS)"
  echo
  echo "Idle before the load: $(rss_mb "$idle_rss") MB. Start (after ${warmup} s of load): **$(rss_mb "$rss_start") MB**; end: **$(rss_mb "$rss_end") MB**; peak: $(rss_mb "$rss_max") MB."
  echo
  echo "| load time | RSS MB |"
  echo "|---|---|"
  awk -v start="$load_start" '{ printf "| +%d s | %.0f |\n", $1 - start, $2 / 1024 }' "$run/rss.tsv"
  echo
  echo "## API log"
  echo
  echo "Lines by level: $(sed -nE 's/.*"level":"([a-z]+)".*/\1/p' "$API_LOG" | sort | uniq -c | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')."
  echo "Events: $(sed -nE 's/.*"event":"([a-z_]+)".*/\1/p' "$API_LOG" | sort | uniq -c | sort -rn | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')."
  echo
  echo "Raw data: \`bench/results/soak-$stamp/\`."
} >"$report"
# Every failed request during a database outage logs its stack traces: the log grows by ~15 KB a request.
gzip "$API_LOG"

cat "$report"
log "report: $report"
[ "$verdict" = PASS ] || exit 1
