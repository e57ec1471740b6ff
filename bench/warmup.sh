#!/usr/bin/env bash
# A new API replica's first seconds under load (issue 21): the mixed profile sent the moment the
# process answers /alive, its p99 over the first FIRST seconds beside the same profile's p99 in
# steady state (after SETTLE more seconds of load), for the API as `dotnet build` makes it (every
# method JIT-compiled on first call) and as the images publish it (ReadyToRun: precompiled code to
# start from, the JIT then re-compiling only the hot methods).
#   bench/warmup.sh                                # ~8 min with the seeding
#   ROUNDS=1 USERS=5000 STORIES=50000 bench/warmup.sh   # a smoke run
# Parameters: USERS, FOLLOWEES, STORIES, MIXED_USERS, TIMEOUT as in bench/throughput.sh, plus
# ROUNDS (3), FIRST (10 s), SETTLE (45 s), STEADY (10 s), CONNECTIONS (50), VARIANTS ("jit r2r") and
# REDIS ("cold": every process starts on an emptied Redis prefix, as a whole deployment starting;
# "warm": the caches the previous process filled are kept, as a replica joining running ones finds
# them — a first, unrecorded process fills them before round 1).
# Report: bench/results/warmup-<time>.md (raw wrk output .log). See docs/benchmarks.md.
API_PORT=${API_PORT:-5480}
source "$(dirname "$0")/lib.sh"
throughput_parameters # USERS, FOLLOWEES, STORIES, …, MIXED_USERS, TIMEOUT
ROUNDS=${ROUNDS:-3}
FIRST=${FIRST:-10}
SETTLE=${SETTLE:-45}
STEADY=${STEADY:-10}
CONNECTIONS=${CONNECTIONS:-50}
read -r -a variants <<<"${VARIANTS:-jit r2r}"
REDIS=${REDIS:-cold}
[[ $REDIS == cold || $REDIS == warm ]] || { echo "REDIS is cold or warm, not $REDIS" >&2; exit 1; }
# shellcheck disable=SC2034 # read by lib.sh (bench_services_up, throughput_data)
BENCH_DB=${WARMUP_DB:-stories_warmup}

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
stamp=$(date -u +%Y%m%d-%H%M%S)
report="$RESULTS/warmup-$stamp.md"
raw="$RESULTS/warmup-$stamp.log"
started=$(date +%s)
cleanup() {
  api_stop
  redis_unlink '*' 2>/dev/null || true
  rm -rf "$work"
  bench_services_down
}
trap cleanup EXIT
bench_services_up

# The two builds: Release as `dotnet build` leaves it, and Release published for this machine's
# runtime with ReadyToRun, as the Dockerfile and `azd` publish it (PublishReadyToRun in the
# project, on whenever a runtime identifier is given).
declare -A DLL=()
for variant in "${variants[@]}"; do
  case $variant in
    jit)
      dotnet build Stories.Api -c Release --nologo -v q >/dev/null
      DLL[jit]="$ROOT/Stories.Api/bin/Release/net10.0/Stories.Api.dll" ;;
    r2r)
      dotnet publish Stories.Api -c Release -r linux-x64 --self-contained false --nologo -v q -o "$work/r2r" >/dev/null
      DLL[r2r]="$work/r2r/Stories.Api.dll" ;;
    *) echo "unknown variant $variant in VARIANTS (jit, r2r)" >&2; exit 1 ;;
  esac
done
dotnet build bench/Stories.Bench -c Release --nologo -v q >/dev/null
throughput_data "$work"
lift_rate_limits

# wrk_window SECONDS: the mixed profile for SECONDS; sets WINDOW (its RESULT line).
wrk_window() {
  WINDOW=$( {
    echo "### $1 s: wrk -t2 -c$CONNECTIONS -d${1}s --timeout ${TIMEOUT}s --latency -s bench/wrk/mixed.lua"
    CALLERS=$MIXED_USERS WRK_THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${1}s" --timeout "${TIMEOUT}s" --latency \
      -s bench/wrk/mixed.lua "http://127.0.0.1:$API_PORT"
  } | tee -a "$raw" | grep '^RESULT' || true)
}

rows=()
if [ "$REDIS" = warm ]; then
  echo "== $(date -u +%T) filling the caches: ${variants[0]}, $((FIRST + SETTLE + STEADY)) s of load, not recorded" >&2
  redis_unlink '*'
  API_DLL=${DLL[${variants[0]}]} API_LOG="$work/api.log" api_start
  CALLERS=$MIXED_USERS WRK_THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"$((FIRST + SETTLE + STEADY))s" --timeout "${TIMEOUT}s" \
    -s bench/wrk/mixed.lua "http://127.0.0.1:$API_PORT" >/dev/null
  api_stop
fi
for round in $(seq 1 "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    echo "== $(date -u +%T) round $round/$ROUNDS: $variant" >&2
    echo "## round $round, $variant" >>"$raw"
    [ "$REDIS" = cold ] && redis_unlink '*'
    start=$(date +%s.%N)
    API_DLL=${DLL[$variant]} API_LOG="$work/api.log" api_start
    ready=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    wrk_window "$FIRST"
    result_fields "$WINDOW"
    first_rps=${R[rps]} first_p99=${R[p99]} first_errors=${R[errors]}
    jit_first=$(metric dotnet_jit_compiled_methods_total '')
    CALLERS=$MIXED_USERS WRK_THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${SETTLE}s" --timeout "${TIMEOUT}s" \
      -s bench/wrk/mixed.lua "http://127.0.0.1:$API_PORT" >/dev/null
    wrk_window "$STEADY"
    result_fields "$WINDOW"
    steady_rps=${R[rps]} steady_p99=${R[p99]} steady_errors=${R[errors]}
    jit_total=$(metric dotnet_jit_compiled_methods_total '')
    jit_seconds=$(metric dotnet_jit_compilation_time_seconds_total '')
    api_stop
    ratio=$(awk -v a="$first_p99" -v b="$steady_p99" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }')
    echo "   first ${FIRST} s: $first_rps/s p99 $first_p99 ms; steady: $steady_rps/s p99 $steady_p99 ms ($ratio×)" >&2
    rows+=("| $variant | $round | $ready | $first_rps | $first_p99 | $steady_rps | $steady_p99 | **$ratio** | $((first_errors + steady_errors)) | $jit_first / $jit_total | $jit_seconds |")
  done
done
elapsed=$(($(date +%s) - started))

{
  echo "# A new replica's first ${FIRST} s under load"
  echo
  echo "$(machine_line); $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -1)$(git diff --quiet HEAD -- . ':!bench/results' || echo '; uncommitted changes on top of the commit')."
  echo
  echo "Command: \`ROUNDS=$ROUNDS FIRST=$FIRST SETTLE=$SETTLE STEADY=$STEADY CONNECTIONS=$CONNECTIONS VARIANTS=\"${variants[*]}\" REDIS=$REDIS USERS=$USERS STORIES=$STORIES bench/warmup.sh\`"
  echo
  echo "Data: $USERS users, $FOLLOWEES followees each, $STORIES stories. Load: $MIXED at $CONNECTIONS connections" \
    "(wrk -t2), sent as soon as a fresh API process answers /alive: the first ${FIRST} s recorded, ${SETTLE} s unrecorded," \
    "then ${STEADY} s recorded as steady state. Redis: $([ "$REDIS" = cold ] && echo "emptied before each process" || echo "the caches the previous process left, filled first by one unrecorded process"). \`jit\`: \`dotnet build -c Release\`; \`r2r\`: \`dotnet publish -c Release -r linux-x64\`" \
    "with ReadyToRun, as the images are built. Run time: $((elapsed / 60)) min $((elapsed % 60)) s. Raw output: \`bench/results/$(basename "$raw")\`."
  echo
  echo "| build | round | start to /alive s | first ${FIRST} s answers/s | first p99 ms | steady answers/s | steady p99 ms | first p99 ÷ steady | errors | methods JIT-compiled after the first window / at the end | JIT s in all |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$report"
echo "$report" >&2
cat "$report"
