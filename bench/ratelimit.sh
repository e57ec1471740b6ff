#!/usr/bin/env bash
# The rate limiter's decision cost (issue 7): one decision is one Redis round trip running the
# token-bucket Lua script. This times exactly that script — read from TokenBuckets.cs at run time,
# so it is always the one the API sends — from a single client with redis-benchmark, as EVAL (the
# worst case: the API's client sends EVALSHA once the script is cached).
#   bench/ratelimit.sh [REQUESTS]
source "$(dirname "$0")/lib.sh"
REQUESTS=${1:-50000}
bench_services_up
trap bench_services_down EXIT

script=$(sed -n '/TakeScript = """/,/""";/p' Stories.Api/Infrastructure/RateLimiting/TokenBuckets.cs | sed '1d;$d')
[ -n "$script" ] || { echo "could not read the Lua script from TokenBuckets.cs" >&2; exit 1; }
host=${ConnectionStrings__cache%%:*}
rest=${ConnectionStrings__cache#*:}
port=${rest%%,*}
password=$(sed -nE 's/.*password=([^,]*).*/\1/p' <<<"$ConnectionStrings__cache")
# The POST /stories policy: 20 a minute, bucket of 20, 60,000 shares a token; one bucket per run.
now=$(date +%s%3N)
echo "rate-limit decision, $(machine_line)"
echo "redis-benchmark -c 1 -n $REQUESTS EVAL <TokenBuckets.TakeScript> (one client, one decision at a time)"
redis-benchmark -h "$host" -p "$port" ${password:+-a "$password"} -c 1 -n "$REQUESTS" \
  EVAL "$script" 1 "bench:ratelimit:$$" 1200000 60000 20 "$now" 2>/dev/null | sed -n '/Summary:/,$p'
