#!/usr/bin/env bash
# Several git revisions of the API measured side by side in one run, on the same seeded data with
# the same wrk scripts: `make throughput`'s warm feed, view and create at 50 connections and its
# mixed profile at 200, each revision in turn for every cell, and the ratio of each to the first.
#   bench/side-by-side.sh                                # HEAD~1 against HEAD, ~13 min
#   REVS="0960975 3da9230 HEAD" bench/side-by-side.sh    # the first revision is the ratios' baseline
#   REVS="HEAD ." bench/side-by-side.sh                  # "." is the working tree, uncommitted changes included
#   DURATION=2 WARMUP=1 ROUNDS=1 USERS=2000 STORIES=20000 REVS="HEAD~3 HEAD" bench/side-by-side.sh  # a smoke run
# Each revision is checked out into a temporary `git worktree` and its Stories.Api built in Release
# (the worktrees go at the end). The data is seeded once, by this checkout's bench tool, into a
# fresh database ($SIDE_BY_SIDE_DB); every revision's API runs against it with
# Database__MigrateOnStartup=false, so an older revision never migrates the newer schema (its
# migration history may differ; the schema it reads is there). Parameters as in bench/throughput.sh
# (USERS, FOLLOWEES, STORIES, DURATION, WARMUP, WARM_USERS, MIXED_USERS, TIMEOUT, PAUSE), plus
# REVS, ROUNDS (2), CELLS ("feed view create mixed") and THRESHOLD (0.95: the ratio each cell must
# reach). Report: bench/results/side-by-side-<time>.md (raw wrk output .log, the APIs' output
# -api.log); with each cell's CPU per answer of the API and of PostgreSQL. See docs/benchmarks.md.
API_PORT=${API_PORT:-5380}
source "$(dirname "$0")/lib.sh"
throughput_parameters # USERS, FOLLOWEES, STORIES, DURATION, WARMUP, WARM_USERS, MIXED_USERS, TIMEOUT, PAUSE
read -r -a revs <<<"${REVS:-HEAD~1 HEAD}"
ROUNDS=${ROUNDS:-2}
read -r -a cells <<<"${CELLS:-feed view create mixed}"
THRESHOLD=${THRESHOLD:-0.95}
BENCH_DB=${SIDE_BY_SIDE_DB:-stories_side_by_side}

for tool in wrk redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install wrk redis-tools)" >&2; exit 1; }
done
((${#revs[@]} >= 2)) || { echo "REVS names one revision; give at least two" >&2; exit 1; }

# The cells: a label, a wrk script, the connections and the callers (empty: every seeded user), as
# in bench/throughput.sh.
cell_spec() {
  case $1 in
    feed) spec=("GET /feed, cache warm ($WARM_USERS users)" feed.lua 50 "$WARM_USERS") ;;
    view) spec=("POST /stories/{id}/view" view.lua 50 "") ;;
    create) spec=("POST /stories" create.lua 50 "") ;;
    mixed) spec=("$MIXED" mixed.lua 200 "$MIXED_USERS") ;;
    *) echo "unknown cell $1 in CELLS (feed, view, create, mixed)" >&2; return 1 ;;
  esac
}
for c in "${cells[@]}"; do cell_spec "$c"; done

work=$(mktemp -d)
worktrees=()
stamp=$(date -u +%Y%m%d-%H%M%S)
report="$RESULTS/side-by-side-$stamp.md"
raw="$RESULTS/side-by-side-$stamp.log"
api_logs="$RESULTS/side-by-side-$stamp-api.log"
started=$(date +%s)
cleanup() {
  local tree
  api_stop
  redis_unlink '*' 2>/dev/null || true
  for tree in "${worktrees[@]}"; do git worktree remove --force "$tree" 2>/dev/null || true; done
  rm -rf "$work"
  bench_services_down
}
trap cleanup EXIT
bench_services_up

# Every revision's build: a worktree of its own, or "." for this checkout as it stands.
labels=() dlls=() subjects=()
declare -A built=()
for i in "${!revs[@]}"; do
  rev=${revs[$i]}
  if [ "$rev" = . ]; then
    echo "== $(date -u +%T) building the working tree's Stories.Api" >&2
    dotnet build Stories.Api -c Release --nologo -v q >/dev/null
    labels+=("working tree") subjects+=("$(git rev-parse --short HEAD) and the uncommitted changes on it")
    dlls+=("$ROOT/Stories.Api/bin/Release/net10.0/Stories.Api.dll")
    continue
  fi
  sha=$(git rev-parse --verify --quiet "$rev^{commit}") || { echo "REVS: $rev is no commit" >&2; exit 1; }
  label=$(git rev-parse --short "$sha")
  labels+=("$label") subjects+=("$(git log -1 --format=%s "$sha")")
  # The same commit twice (an A/A run, which shows the noise) gets a column each, and one build.
  if [ -n "${built[$sha]:-}" ]; then
    labels[i]+="#$((i + 1))" dlls+=("${built[$sha]}")
    continue
  fi
  tree="$work/rev$((i + 1))"
  echo "== $(date -u +%T) building $rev ($label) in $tree" >&2
  git worktree add --detach -q "$tree" "$sha"
  worktrees+=("$tree")
  dotnet build "$tree/Stories.Api" -c Release --nologo -v q >/dev/null
  built[$sha]="$tree/Stories.Api/bin/Release/net10.0/Stories.Api.dll"
  dlls+=("${built[$sha]}")
done

dotnet build bench/Stories.Bench -c Release --nologo -v q >/dev/null
throughput_data "$work" # the seeded $BENCH_DB, TOKENS_FILE and STORIES_FILE
# Rate limits lifted, as in bench/throughput.sh; the schema is this checkout's, which no revision migrates.
lift_rate_limits
export Database__MigrateOnStartup=false
per_run=$((WARMUP + DURATION + 3 * PAUSE + 6)) # and the API's start and stop
echo "== ${#cells[@]} cells x ${#revs[@]} revisions x $ROUNDS rounds, ~$((${#cells[@]} * ${#revs[@]} * ROUNDS * per_run / 60)) min" >&2

# Per cell and revision ("$cell $i"): the rounds' answers/s and p99 ("a / b / …", – for a round
# without an answer), their errors summed, the rounds without an answer, notes, and the CPU the API
# process and PostgreSQL (all its processes) used per answer, in ms ("a b …").
declare -A RPS=() P99=() ERRORS=() NOTES=() UNANSWERED=() API_CPU=() PG_CPU=()
# measure CELL I ROUND: revision I's API alone, fresh, on an emptied Redis prefix (so that its
# own warm-up fills the feed cache), then one recorded cell.
measure() {
  local cell=$1 i=$2 round=$3 spec label script connections callers
  cell_spec "$cell"
  label=${spec[0]} script=${spec[1]} connections=${spec[2]} callers=${spec[3]}
  echo "== $(date -u +%T) round $round/$ROUNDS, $label: ${labels[$i]}" >&2
  redis_unlink '*'
  API_DLL=${dlls[$i]} API_LOG="$work/api.log" api_start || {
    { echo "### ${labels[$i]}, $label, round $round: did not start"; cat "$work/api.log"; } >>"$api_logs"
    echo "${labels[$i]}'s API did not start; see $api_logs" >&2
    exit 1
  }
  CALLERS=$callers warmup "$script"
  local api_before pg_before api_used pg_used
  api_before=$(cpu_ticks "$API_PID") pg_before=$(postgres_ticks)
  CALLERS=$callers wrk_cell "$label: ${labels[$i]}, round $round" "$script" "$connections"
  api_used=$(($(cpu_ticks "$API_PID") - api_before)) pg_used=$(($(postgres_ticks) - pg_before))
  api_stop
  { echo "### ${labels[$i]}, $label, round $round"; cat "$work/api.log"; } >>"$api_logs"
  local key="$cell $i" rps=– p99=–
  if [ -z "$CELL_RESULT" ]; then
    NOTES[$key]+="round $round: wrk gave no result; "
    UNANSWERED[$key]=$((${UNANSWERED[$key]:-0} + 1))
    echo "   no result" >&2
  else
    result_fields "$CELL_RESULT"
    ERRORS[$key]=$((${ERRORS[$key]:-0} + R[errors]))
    # A round in which nothing was answered within the cell has no rate or p99 to take a median of.
    if [ "${R[answered]}" = 0 ]; then
      NOTES[$key]+="round $round: nothing answered; "
      UNANSWERED[$key]=$((${UNANSWERED[$key]:-0} + 1))
    else
      rps=${R[rps]} p99=${R[p99]}
      API_CPU[$key]+="$(cpu_ms_per "$api_used" "${R[answered]}") " PG_CPU[$key]+="$(cpu_ms_per "$pg_used" "${R[answered]}") "
    fi
    [ -n "$CELL_NOTE" ] && NOTES[$key]+="round $round: $CELL_NOTE; "
    echo "   ${R[rps]} answers/s, p99 ${R[p99]} ms, ${R[errors]} errors (answers ${R[statuses]})" >&2
  fi
  RPS[$key]+="${RPS[$key]:+/ }$rps " P99[$key]+="${P99[$key]:+/ }$p99 "
  sleep "$PAUSE"
}

# Round 1 runs the revisions in the order given, round 2 in reverse, and so on, so that a drift
# of the machine or of the data (the writes pile up) falls on every revision alike.
order=("${!revs[@]}")
for round in $(seq 1 "$ROUNDS"); do
  for cell in "${cells[@]}"; do
    for i in "${order[@]}"; do measure "$cell" "$i" "$round"; done
  done
  reversed=()
  for ((k = ${#order[@]} - 1; k >= 0; k--)); do reversed+=("${order[$k]}"); done
  order=("${reversed[@]}")
done
elapsed=$(($(date +%s) - started))

median() { # median FORMAT "VALUES…": "–" when there are none
  tr ' ' '\n' <<<"$2" | { grep -E '^[0-9.]+$' || true; } | sort -g | awk -v f="$1" '{ v[NR] = $1 }
    END { if (NR == 0) print "–"; else printf f "\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "–" }'; }

header="| scenario | connections |" rule="|---|---|"
for i in "${!revs[@]}"; do header+=" ${labels[$i]} answers/s | ${labels[$i]} p99 ms |" rule+="---|---|"; done
for i in "${!revs[@]}"; do ((i == 0)) || { header+=" ${labels[$i]} / ${labels[0]} |" rule+="---|"; }; done
header+=" errors |" rule+="---|"
declare -A LOW=()
rows=() details=() cpu_rows=()
cpu_header="| scenario | connections |" cpu_rule="|---|---|"
for i in "${!revs[@]}"; do cpu_header+=" ${labels[$i]} API | ${labels[$i]} PostgreSQL |" cpu_rule+="---|---|"; done
for cell in "${cells[@]}"; do
  cell_spec "$cell"
  row="| ${spec[0]} | ${spec[2]} |" ratios="" errors=""
  base=$(median %.1f "${RPS["$cell 0"]:-}")
  for i in "${!revs[@]}"; do
    key="$cell $i"
    rps=$(median %.1f "${RPS[$key]:-}") p99=$(median %.2f "${P99[$key]:-}")
    row+=" $rps | $p99 |"
    errors+="${errors:+ / }${ERRORS[$key]:-0}${UNANSWERED[$key]:+ (${UNANSWERED[$key]} rounds unanswered)}"
    if ((i > 0)); then
      r=$(ratio "$rps" "$base")
      ratios+=" $r |"
      awk -v r="$r" -v t="$THRESHOLD" 'BEGIN { exit !(r != "–" && r >= t) }' || LOW[$i]+="${LOW[$i]:+, }${spec[0]} at ${spec[2]} ($r)"
    fi
    rounds_rps=${RPS[$key]:-–} rounds_p99=${P99[$key]:-–} notes=${NOTES[$key]:-}
    details+=("| ${spec[0]} | ${spec[2]} | ${labels[$i]} | ${rounds_rps% } | ${rounds_p99% } | ${ERRORS[$key]:-–} | ${notes%; } |")
  done
  rows+=("$row$ratios $errors |")
  row="| ${spec[0]} | ${spec[2]} |"
  for i in "${!revs[@]}"; do row+=" $(median %.3f "${API_CPU["$cell $i"]:-}") | $(median %.3f "${PG_CPU["$cell $i"]:-}") |"; done
  cpu_rows+=("$row")
done

{
  echo "# Side by side: ${labels[*]}"
  echo
  echo "$(machine_line); $(sed -nE 's/^model name\s*: //p' /proc/cpuinfo | head -1)."
  echo
  echo "Revisions, the first the baseline of the ratios:"
  for i in "${!revs[@]}"; do echo "- \`${labels[$i]}\` (\`${revs[$i]}\`): ${subjects[$i]}"; done
  echo
  echo "Command: \`REVS=\"${revs[*]}\" ROUNDS=$ROUNDS CELLS=\"${cells[*]}\" USERS=$USERS FOLLOWEES=$FOLLOWEES STORIES=$STORIES DURATION=$DURATION WARMUP=$WARMUP bench/side-by-side.sh\`"
  echo
  echo "Data: one database, seeded once by this checkout's bench tool: $USERS users, $FOLLOWEES followees each, $STORIES stories" \
    "($(psql_db "$BENCH_DB" -tAc "select count(*) from stories where deleted_at is null") active at the end). For every cell and revision a fresh" \
    "API process (the only one running) on an emptied Redis prefix, a ${WARMUP} s warm-up at 50 connections, then ${DURATION} s measured" \
    "(wrk -t2, timeout ${TIMEOUT} s); revisions in the order given in odd rounds, reversed in even ones."
  echo "Run time: $((elapsed / 60)) min $((elapsed % 60)) s. Raw output: \`bench/results/$(basename "$raw")\`, the APIs' \`bench/results/$(basename "$api_logs")\`."
  echo
  echo "Medians over the rounds ($ROUNDS) that were answered; ratios are of answers/s; errors (summed over the rounds, per"
  echo "revision in order) are answers outside the route's success statuses, socket errors and timeouts."
  echo
  echo "$header"
  echo "$rule"
  printf '%s\n' "${rows[@]}"
  echo
  echo "CPU per answer, ms (medians over the rounds): the API process's, and PostgreSQL's (the postmaster, its"
  echo "backends and auxiliary processes), user + system from /proc over the measured seconds. The load generator"
  echo "and Redis share the same two cores and are not counted."
  echo
  echo "$cpu_header"
  echo "$cpu_rule"
  printf '%s\n' "${cpu_rows[@]}"
  echo
  echo "| revision | answers/s ≥ $THRESHOLD × \`${labels[0]}\` in every cell |"
  echo "|---|---|"
  for i in "${!revs[@]}"; do
    ((i == 0)) || echo "| \`${labels[$i]}\` | $([ -z "${LOW[$i]:-}" ] && echo met || echo "**missed**: ${LOW[$i]}") |"
  done
  echo
  echo "Each round, in order:"
  echo
  echo "| scenario | connections | revision | answers/s | p99 ms | errors | notes |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${details[@]}"
} >"$report"
echo "$report" >&2
cat "$report"
