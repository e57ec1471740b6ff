#!/usr/bin/env bash
# Feed and search latency from one client as the stories table grows (issue 3's benchmark).
#   bench/feed-search.sh                       # 10k, 100k, 1M stories; 100k users x 200 followees
#   SCALES="10000 100000" USERS=20000 bench/feed-search.sh
# Seeds the database `stories_bench` (kept between runs, grown in place), runs the Release API
# against it on 127.0.0.1, and writes a markdown report to bench/results/, including the
# PostgreSQL plans of the API's own feed and search queries (auto_explain, real parameters).
source "$(dirname "$0")/lib.sh"
SCALES=${SCALES:-"10000 100000 1000000"}
USERS=${USERS:-100000}
FOLLOWEES=${FOLLOWEES:-200}
REQUESTS=${REQUESTS:-500}

bench_services_up
trap 'api_stop; bench_services_down' EXIT
bench_build
report="$RESULTS/feed-search-$(date -u +%Y%m%d-%H%M%S).md"
{
  echo "## Feed and search latency, one client ($(machine_line))"
  echo
  echo "Command: \`SCALES=\"$SCALES\" USERS=$USERS FOLLOWEES=$FOLLOWEES REQUESTS=$REQUESTS bench/feed-search.sh\`"
  echo
  echo "| data | request | n | p50 ms | p95 ms | p99 ms | errors |"
  echo "|---|---|---|---|---|---|---|"
} >"$report"

for scale in $SCALES; do
  echo "== $scale stories" >&2
  bench seed --db "$BENCH_DB" --users "$USERS" --followees "$FOLLOWEES" --stories "$scale" >&2
  api_start
  bench latency --db "$BENCH_DB" --api "http://127.0.0.1:$API_PORT" --signing-key "$BENCH_KEY" \
    --requests "$REQUESTS" --label "$scale stories" >>"$report"
  api_stop
done

# The plans of one feed and one search request as the API sends them, at the largest scale.
pglog="$ROOT/.services/logs/postgres.log"
offset=$(stat -L -c %s "$pglog")
psql_db "$BENCH_DB" -c "alter database $BENCH_DB set session_preload_libraries = 'auto_explain'" \
  -c "alter database $BENCH_DB set auto_explain.log_min_duration = 0" \
  -c "alter database $BENCH_DB set auto_explain.log_analyze = on" \
  -c "alter database $BENCH_DB set auto_explain.log_buffers = on"
api_start
bench latency --db "$BENCH_DB" --api "http://127.0.0.1:$API_PORT" --signing-key "$BENCH_KEY" --requests 1 --warmup 0 >/dev/null
api_stop
psql_db "$BENCH_DB" -c "alter database $BENCH_DB reset all"
{
  echo
  echo "Plans at the largest scale (auto_explain, ANALYZE, BUFFERS):"
  echo
  echo '```'
  tail -c +"$((offset + 1))" "$pglog" | python3 "$ROOT/bench/plans.py"
  echo '```'
} >>"$report"
echo "$report"
cat "$report"
