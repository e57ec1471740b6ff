#!/usr/bin/env bash
# Issue 6: does a big expiry sweep hurt readers? On the feed benchmark's database (run
# bench/feed-search.sh first), adds N due stories, then times GET /feed from one client twice —
# before the sweep, and while the worker's real sweeper (`Stories.Worker --sweep-once`) expires them.
#   bench/worker/feed-during-sweep.sh [DUE_STORIES]
source "$(dirname "$0")/../lib.sh"
DUE=${1:-1000000}
bench_services_up
trap 'api_stop; bench_services_down' EXIT
bench_build
[ "$(psql_db postgres -tAc "select count(*) from pg_database where datname = '$BENCH_DB'")" = 1 ] ||
  { echo "no $BENCH_DB database: run bench/feed-search.sh first" >&2; exit 1; }

echo "adding $DUE due stories to $BENCH_DB…" >&2
psql_db "$BENCH_DB" -c "
  insert into stories (id, author_id, text, visibility, created_at, expires_at)
  select gen_random_uuid(), md5('user' || (1 + n % 100000))::uuid, 'due ' || n, 'public',
         now() - interval '48 hours' + (n % 86400) * interval '1 second',
         now() - interval '24 hours' + (n % 86400) * interval '1 second' - interval '1 second'
  from generate_series(1, $DUE) n" -c "vacuum analyze stories" >/dev/null

api_start
report="$RESULTS/feed-during-sweep-$(date -u +%Y%m%d-%H%M%S).md"
{
  echo "feed during a sweep of $DUE due stories — $(machine_line)"
  echo "| phase | request | n | p50 ms | p95 ms | p99 ms | errors |"
  echo "|---|---|---|---|---|---|---|"
  bench latency --db "$BENCH_DB" --api "http://127.0.0.1:$API_PORT" --signing-key "$BENCH_KEY" --requests 400 --label "before"
} >"$report"

(cd Stories.Worker/bin/Release/net10.0 && ConnectionStrings__storiesdb="$BENCH_CONN" Logging__LogLevel__Default=Information \
  dotnet Stories.Worker.dll --sweep-once >"$RESULTS/sweep-during-feed.log" 2>&1) &
sweep=$!
sleep 2
bench latency --db "$BENCH_DB" --api "http://127.0.0.1:$API_PORT" --signing-key "$BENCH_KEY" --requests 1500 --warmup 0 --label "during sweep" >>"$report"
running=$(kill -0 "$sweep" 2>/dev/null && echo yes || echo no)
wait "$sweep"
echo "sweep still running when the 'during' probe ended: $running" >>"$report"
grep -o '"msg":"stories expired".*' "$RESULTS/sweep-during-feed.log" >>"$report" || true
cat "$report"
