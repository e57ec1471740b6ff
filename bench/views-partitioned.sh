#!/usr/bin/env bash
# Story views per second one PostgreSQL accepts, today's schema against `story_views` partitioned by
# the story's creation day, and what one day's retention costs in each (issue 20, docs/scaling.md step 3).
#   bench/views-partitioned.sh        # the full run: 100k users, 480k stories, 4.8M views; ≈ 7 min on 2 cores
#   USERS=5000 STORIES_PER_DAY=3000 DAYS=4 DURATION=5 WARMUP=2 CLIENTS=4 bench/views-partitioned.sh  # smoke, ≈ 1 min
#
# Needs only Debian's PostgreSQL (initdb, postgres, pg_ctl, psql, pgbench; PG_BIN, default
# /usr/lib/postgresql/15/bin as scripts/services.sh) — no .NET, no Redis. It starts a private server
# (a temp dir, a free port on 127.0.0.1, scripts/services.sh's settings, read from it: fsync,
# synchronous_commit and full_page_writes off, shared_buffers 256MB) and removes it on exit, so it never touches the services
# that tests or other benchmarks use.
#
# Two databases with the same rows:
#   current      Stories.Tests/Data/hand-written-schema.sql: today's schema (SchemaBaselineTests prove
#                the EF baseline, the only migration, creates exactly it).
#   partitioned  the same, but story_views gains story_day (the story's created_at, UTC date), is
#                range-partitioned by it one partition a day, and its primary key becomes
#                (story_day, story_id, viewer_id): a story's views all fall into its creation day, so
#                one row per viewer and story still holds and `on conflict do nothing` still makes a
#                repeated view a no-op. Same secondary indexes and foreign keys (per partition).
# Seed: USERS users; DAYS-1 past days of STORIES_PER_DAY stories each, expired and swept
# (deleted_at set, kept for retention), plus STORIES_PER_DAY live ones from the last 23 h; VIEWS_PER_STORY
# views on every story. Ids are UUIDv7 like the API's (time-ordered), derived from sequence numbers.
#
# A view is the API's two autocommitted statements (Stories.Api/Features/Stories/StoryInteractions.cs):
# EF's visibility query (SingleOrDefault: limit 2) and the insert … on conflict do nothing. The
# partitioned variant's select also returns the story's day, which its insert carries. Differences from
# the API, the same in both variants: `now()` in place of the API's @now parameter, and each uuid
# parameter sent as two integers that one SQL expression (to_hex, lpad, ::uuid; ≈ 1 µs) turns into the
# uuid — pgbench's variables are numbers. Views target live public stories (uniformly), by uniformly
# random users. pgbench -M extended sends unnamed statements, parsed and planned each time, as Npgsql
# does today (no auto-prepare); -M prepared, named prepared statements (issue 21's plan); -M simple,
# the simple protocol. Each cell: CLIENTS connections, -j 2, DURATION s; one unrecorded WARMUP per
# database first, then the two schemas alternate cell by cell (a drifting machine touches both alike).
#
# Reported per cell: views/s, mean and p95 latency of a view (both statements; pgbench's transaction
# log), and PostgreSQL CPU per view: user+system time of the postmaster and all its processes
# (exited backends through the postmaster's cutime/cstime), from /proc, over the cell.
# Retention: one whole past day. current = the worker's purge (RetentionCleaner.PurgeStoriesAsync's
# statement, read from it, in batches of RetentionOptions' default, cascading to story_views); partitioned = detach + drop the day's
# partition, then the same purge (its cascade still probes every partition's story_id index, and
# finds nothing). Then story_views' size, dead
# tuples and the vacuum that the deletes leave behind.
#
# Parameters (environment): USERS STORIES_PER_DAY DAYS VIEWS_PER_STORY DURATION WARMUP CLIENTS MODES
# PG_BIN PG_PORT KEEP (1: keep the server's dir for inspection; it is still stopped).
# Report: bench/results/views-partitioned-<time>.md, raw pgbench output beside it (.log).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

USERS=${USERS:-100000}
STORIES_PER_DAY=${STORIES_PER_DAY:-60000}
DAYS=${DAYS:-8}
VIEWS_PER_STORY=${VIEWS_PER_STORY:-10}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-10}
CLIENTS=${CLIENTS:-"8 32"}
MODES=${MODES:-"extended prepared"}
KEEP=${KEEP:-0}
DURATION=${DURATION%s} WARMUP=${WARMUP%s}
if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=/usr/lib/postgresql/15/bin
  [ -x "$PG_BIN/postgres" ] || PG_BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
fi
for tool in initdb postgres pg_ctl psql pgbench; do
  if [ ! -x "${PG_BIN:-/nonexistent}/$tool" ]; then
    echo "views-partitioned: $tool not found in PG_BIN=${PG_BIN:-(none)}; install Debian's postgresql (apt-get install postgresql) or set PG_BIN" >&2
    exit 1
  fi
done
if ((DAYS < 3)); then echo "views-partitioned: DAYS must be at least 3 (two live days and one to retire)" >&2; exit 1; fi
if ((STORIES_PER_DAY < 100)); then echo "views-partitioned: STORIES_PER_DAY must be at least 100" >&2; exit 1; fi

RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
stamp=$(date -u +%Y%m%d-%H%M%S)
report="$RESULTS/views-partitioned-$stamp.md"
raw="$RESULTS/views-partitioned-$stamp.log"
: >"$raw"

# ---- the private server ----
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_in_use() { [ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]; }
PG_PORT=${PG_PORT:-55600}
while port_in_use "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done
PG_BASE=$(mktemp -d /tmp/stories-views-bench-XXXXXX)
PG_DATA="$PG_BASE/data"
PG_PID=
cleanup() {
  if [ -n "$PG_PID" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || kill -INT "$PG_PID" 2>/dev/null || true
  fi
  if [ "$KEEP" = 1 ]; then echo "kept $PG_BASE" >&2; else rm -rf "$PG_BASE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$PG_BASE/sock"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PG_BASE"
chmod 700 "$PG_BASE"
echo "== PostgreSQL ($PG_BIN) in $PG_BASE on 127.0.0.1:$PG_PORT" >&2
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$PG_BASE/initdb.log" 2>&1 ||
  { cat "$PG_BASE/initdb.log" >&2; exit 1; }
# scripts/services.sh's test settings (fsync … shared_buffers, read from it), so the numbers compare
# with the rest of docs/benchmarks.md.
settings=$(sed -n '/^fsync = /,/^shared_buffers = /p' scripts/services.sh)
grep -q '^fsync = ' <<<"$settings" || { echo "views-partitioned: no PostgreSQL settings found in scripts/services.sh" >&2; exit 1; }
as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_BASE/sock'
$settings
EOF
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_BASE/postgres.log" -w -t 60 start >/dev/null ||
  { tail -n 30 "$PG_BASE/postgres.log" >&2; exit 1; }
PG_PID=$(head -n 1 "$PG_DATA/postmaster.pid")

export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres
sql() { local db=$1; shift; "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
value() { sql "$1" -tAc "$2"; }

# CPU seconds (user+system) of the postmaster and every process under it, exited backends included.
pg_cpu_ticks() {
  local total=0 pid stat fields
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}; pid=${pid%/stat}
    { read -r fields <"$stat"; } 2>/dev/null || continue
    fields=${fields##*) }
    # shellcheck disable=SC2086
    set -- $fields
    # $2 ppid, $12 utime, $13 stime, $14 cutime, $15 cstime (fields 4, 14-17 of proc(5))
    if [ "$pid" = "$PG_PID" ]; then
      total=$((total + ${12} + ${13} + ${14} + ${15}))
    elif [ "$2" = "$PG_PID" ]; then
      total=$((total + ${12} + ${13}))
    fi
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

# ---- seed the current schema ----
LIVE=$STORIES_PER_DAY
TOTAL=$((DAYS * STORIES_PER_DAY))
# Ids are UUIDv7: 48 bits of milliseconds, then bits from md5 of the sequence number. T0 is now;
# live story n (1 ≤ n ≤ LIVE) was created (n-1)·STEP ms before it, inside the last 23 hours.
T0=$(date +%s%3N)
STEP=$((82800000 / LIVE))
DAY0_MS=$(( $(date -u -d "$(date -u -d @$((T0 / 1000)) +%F)" +%s) * 1000 )) # today, 00:00 UTC
USERS_STEP=$((31536000000 / USERS))
U0=$((T0 - 31536000000))
echo "== seeding: $USERS users, $((DAYS - 1)) past days + 1 live day of $STORIES_PER_DAY stories, $VIEWS_PER_STORY views each" >&2
seed_started=$SECONDS
sql postgres -c "create database views_current"
sql views_current -o /dev/null -f Stories.Tests/Data/hand-written-schema.sql
sql views_current <<SQL
-- (hi, lo) → uuid; the pgbench scripts build the same text from the same two integers.
create function bench_uuid(hi bigint, lo bigint) returns uuid language sql immutable parallel safe as
  \$\$ select (lpad(to_hex(hi), 16, '0') || lpad(to_hex(lo), 16, '0'))::uuid \$\$;
-- UUIDv7 layout: 48 bits of ms, version 7, 12 bits from n; variant 10, then n·2654435761 (unique per n).
create function bench_uuid7(ms bigint, n bigint) returns uuid language sql immutable parallel safe as
  \$\$ select bench_uuid(ms * 65536 + 28672 + n % 4096, -9223372036854775807 + n * 2654435761) \$\$;
-- user n joined $USERS_STEP ms after user n-1, over the year before T0
create function bench_user_id(n bigint) returns uuid language sql immutable parallel safe as
  \$\$ select bench_uuid7($U0 + n * $USERS_STEP, n) \$\$;
create function bench_story_ms(n bigint) returns bigint language sql immutable parallel safe as
  \$\$ select case when n <= $LIVE then $T0 - (n - 1) * $STEP
              -- past story n: day (n - LIVE - 1) / LIVE before the day before yesterday (UTC), spread over it
              else $DAY0_MS - 172800000 - ((n - $LIVE - 1) / $LIVE) * 86400000 + ((n - $LIVE - 1) % $LIVE) * (86400000 / $LIVE) end \$\$;
create function bench_story_created(n bigint) returns timestamptz language sql immutable parallel safe as
  \$\$ select to_timestamp(bench_story_ms(n) / 1000.0) \$\$;
create function bench_story_id(n bigint) returns uuid language sql immutable parallel safe as
  \$\$ select bench_uuid7(bench_story_ms(n), n) \$\$;

set session_replication_role = replica; -- no FK triggers while loading: the ids are consistent
insert into users (id, email, password_hash, handle, created_at)
select bench_user_id(i), 'bench' || i || '@bench.example', '\$2a\$10\$benchbenchbenchbenchbenchbenchbenchbenchbenchbenchbe', 'bench_' || i,
       to_timestamp(($U0 + i * $USERS_STEP) / 1000.0)
from generate_series(1::bigint, $USERS) i;
-- visibility by n % 10: 1-6 public, 7-9 friends, 0 private (the bench's views target public ones)
insert into stories (id, author_id, text, visibility, created_at, expires_at, deleted_at)
select bench_story_id(n), bench_user_id(1 + (n * 7919) % $USERS), 'story ' || n || ' w' || (n % 3000),
       case when n % 10 between 1 and 6 then 'public' when n % 10 between 7 and 9 then 'friends' else 'private' end,
       c, c + interval '24 hours', case when n > $LIVE then c + interval '24 hours 1 minute' end
from (select n, bench_story_created(n) c from generate_series(1::bigint, $TOTAL) n) s;
-- story_views' indexes built after the load, as in the partitioned copy (same definitions)
alter table story_views drop constraint story_views_pkey;
drop index ix_story_views_story_id_viewed_at, ix_story_views_viewer_id;
insert into story_views (story_id, viewer_id, viewed_at)
select bench_story_id(n), bench_user_id(1 + (n * 104729 + k * 15485863) % $USERS), bench_story_created(n) + k * interval '1 minute'
from generate_series(1::bigint, $TOTAL) n, generate_series(1::bigint, $VIEWS_PER_STORY) k
on conflict do nothing;
alter table only story_views add constraint story_views_pkey primary key (story_id, viewer_id);
create index ix_story_views_story_id_viewed_at on story_views using btree (story_id, viewed_at desc, viewer_id);
create index ix_story_views_viewer_id on story_views using btree (viewer_id);
SQL
sql views_current -c "vacuum analyze"
echo "   current: $(value views_current "select count(*) from story_views") views, $((SECONDS - seed_started)) s" >&2

# ---- the partitioned copy ----
sql postgres -c "create database views_partitioned template views_current"
days_sql="select d::date from generate_series(date '$(date -u -d @$((T0 / 1000)) +%F)' - $DAYS, date '$(date -u -d @$((T0 / 1000)) +%F)' + 1, interval '1 day') d"
sql views_partitioned <<SQL
create table story_views_partitioned (
    story_day date not null,
    story_id uuid not null,
    viewer_id uuid not null,
    viewed_at timestamp with time zone not null
) partition by range (story_day);
select format('create table story_views_%s partition of story_views_partitioned for values from (%L) to (%L)',
              to_char(d, 'YYYYMMDD'), d, d + 1)
from ($days_sql) days(d) \gexec
insert into story_views_partitioned (story_day, story_id, viewer_id, viewed_at)
select (s.created_at at time zone 'UTC')::date, v.story_id, v.viewer_id, v.viewed_at
from story_views v join stories s on s.id = v.story_id;
drop table story_views;
alter table story_views_partitioned rename to story_views;
alter table story_views add constraint story_views_pkey primary key (story_day, story_id, viewer_id);
create index ix_story_views_story_id_viewed_at on story_views using btree (story_id, viewed_at desc, viewer_id);
create index ix_story_views_viewer_id on story_views using btree (viewer_id);
alter table story_views add constraint story_views_story_id_fkey foreign key (story_id) references stories(id) on delete cascade;
alter table story_views add constraint story_views_viewer_id_fkey foreign key (viewer_id) references users(id) on delete cascade;
SQL
sql views_partitioned -c "vacuum analyze"
echo "   partitioned: $(value views_partitioned "select count(*) from story_views") views in $(value views_partitioned "select count(*) from pg_inherits where inhparent = 'story_views'::regclass") partitions, seeding took $((SECONDS - seed_started)) s" >&2

# ---- the view, as pgbench scripts ----
scripts="$PG_BASE/scripts"
mkdir -p "$scripts"
# EF's SQL for StoryInteractions.VisibleAuthorAsync (db.Stories.VisibleTo(…).Where(id).Select(author_id)
# .SingleOrDefaultAsync); @viewerId and @storyId become $VIEWER and $STORY, @now becomes now().
STORY="(lpad(to_hex(:sh::bigint), 16, '0') || lpad(to_hex(:sl::bigint), 16, '0'))::uuid"
VIEWER="(lpad(to_hex(:vh::bigint), 16, '0') || lpad(to_hex(:vl::bigint), 16, '0'))::uuid"
visibility() { # visibility EXTRA_COLUMNS
  cat <<EOF
SELECT s.author_id$1
FROM stories AS s
WHERE s.deleted_at IS NULL AND s.expires_at > now() AND (s.author_id = $VIEWER OR (NOT EXISTS (
    SELECT 1
    FROM blocks AS b
    WHERE b.blocker_id = s.author_id AND b.blocked_id = $VIEWER) AND (s.visibility = 'public' OR (s.visibility = 'friends' AND CASE
    WHEN s.has_audience THEN EXISTS (
        SELECT 1
        FROM story_audience AS s0
        WHERE s.id = s0.story_id AND s0.user_id = $VIEWER)
    ELSE EXISTS (
        SELECT 1
        FROM follows AS f
        WHERE f.follower_id = $VIEWER AND f.followee_id = s.author_id) AND EXISTS (
        SELECT 1
        FROM follows AS f0
        WHERE f0.follower_id = s.author_id AND f0.followee_id = $VIEWER)
END)))) AND s.id = $STORY
LIMIT 2
\gset
EOF
}
# bench_story_id(n) and bench_user_id(v) above, as pgbench arithmetic and one SQL expression each.
pick='\set n 10 * random(0, :live_tens - 1) + random(1, 6)
\set sh (:t0 - (:n - 1) * :step) * 65536 + 28672 + :n % 4096
\set sl -9223372036854775807 + :n * 2654435761
\set v random(1, :users)
\set vh (:u0 + :v * :ustep) * 65536 + 28672 + :v % 4096
\set vl -9223372036854775807 + :v * 2654435761'
{
  echo "$pick"
  visibility ""
  echo "insert into story_views (story_id, viewer_id, viewed_at)
values ($STORY, $VIEWER, now())
on conflict do nothing;"
} >"$scripts/current.sql"
{
  echo "$pick"
    # The day travels as days since 2000-01-01 (-M simple pastes variables into the text unquoted).
  visibility ", (s.created_at AT TIME ZONE 'UTC')::date - date '2000-01-01' AS story_day"
  echo "insert into story_views (story_day, story_id, viewer_id, viewed_at)
values (date '2000-01-01' + :story_day::int, $STORY, $VIEWER, now())
on conflict do nothing;"
} >"$scripts/partitioned.sql"

# ---- the cells ----
# story_views' heap tables: itself, or its partitions
leaves="select c.oid from pg_class c where c.oid = 'story_views'::regclass and c.relkind = 'r'
  union all select inhrelid from pg_inherits where inhparent = 'story_views'::regclass"
inserted() { value "$1" "select coalesce(sum(n_tup_ins), 0) from pg_stat_user_tables where relid in ($leaves)"; }
{
  # shellcheck disable=SC1091
  echo "## Story views: today's schema against story_views partitioned by the story's day ($(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $(value postgres 'show server_version'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Command: \`USERS=$USERS STORIES_PER_DAY=$STORIES_PER_DAY DAYS=$DAYS VIEWS_PER_STORY=$VIEWS_PER_STORY DURATION=$DURATION WARMUP=$WARMUP CLIENTS=\"$CLIENTS\" MODES=\"$MODES\" bench/views-partitioned.sh\`"
  echo
  echo "Server: private PostgreSQL on 127.0.0.1 with scripts/services.sh's settings: $(paste -sd, <<<"$settings" | sed 's/,/, /g'). Data: $USERS users, $TOTAL stories ($LIVE live), $(value views_current "select count(*) from story_views") views; story_views $(value views_current "select pg_size_pretty(pg_total_relation_size('story_views'))") with its indexes (current). pgbench -j 2 on the same cores."
  echo
  echo "| schema | protocol | clients | views/s | mean ms | p95 ms | PostgreSQL CPU ms/view | rows inserted | failed |"
  echo "|---|---|---|---|---|---|---|---|---|"
} >"$report"

run_pgbench() { # run_pgbench DB SCRIPT MODE CLIENTS SECONDS [LOG_PREFIX]
  local db=$1 script=$2 mode=$3 clients=$4 seconds=$5 prefix=${6:-}
  "$PG_BIN/pgbench" -n -r -j 2 -c "$clients" -T "$seconds" -M "$mode" \
    -D users="$USERS" -D live_tens="$((LIVE / 10))" \
    -D t0="$T0" -D step="$STEP" -D u0="$U0" -D ustep="$USERS_STEP" ${prefix:+-l --log-prefix="$prefix"} -f "$script" "$db" 2>&1
}

for variant in current partitioned; do
  echo "== $variant: warm-up ${WARMUP}s" >&2
  run_pgbench "views_$variant" "$scripts/$variant.sql" extended 8 "$WARMUP" >/dev/null
done
# The two schemas alternate cell by cell, so that a drift of the machine touches both alike.
for mode in $MODES; do
  for clients in $CLIENTS; do
    for variant in current partitioned; do
      db=views_$variant
      echo "-- $variant, $mode, $clients clients, ${DURATION}s" >&2
      logs="$PG_BASE/txlog-$variant-$mode-$clients"
      sleep 1
      rows_before=$(inserted "$db")
      before=$(pg_cpu_ticks)
      out=$(run_pgbench "$db" "$scripts/$variant.sql" "$mode" "$clients" "$DURATION" "$logs") || {
        printf '%s\n' "$out" >&2
        echo "views-partitioned: pgbench failed ($variant, $mode, $clients clients)" >&2
        exit 1
      }
      sleep 1 # the postmaster reaps the exited backends, whose CPU then shows in its cutime/cstime
      after=$(pg_cpu_ticks)
      rows=$(($(inserted "$db") - rows_before))
      { echo "### $variant, -M $mode, $clients clients"; printf '%s\n\n' "$out"; } >>"$raw"
      views=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' <<<"$out")
      failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' <<<"$out")
      tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' <<<"$out")
      mean=$(sed -nE 's/^latency average = ([0-9.]+) ms/\1/p' <<<"$out")
      p95=$(cat "$logs".* | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.95); if (i < 1) i = 1; printf "%.2f", v[i] / 1000 }')
      cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="${views:-0}" 'BEGIN { if (n > 0) printf "%.3f", 1000 * t / hz / n; else print "-" }')
      echo "| $variant | $mode | $clients | ${tps%.*} | $mean | $p95 | $cpu | $rows | ${failed:-0} |" >>"$report"
      rm -f "$logs".*
    done
  done
done

# ---- retention: one whole past day ----
day=$(date -u -d "$(date -u -d @$((T0 / 1000)) +%F) - $DAYS days" +%F)
cutoff="$(date -u -d "$day + 2 days" +%F) 00:01:00+00" # deleted_at = created_at + 24 h 1 min
# RetentionCleaner.PurgeStoriesAsync's statement, read from it, with this cutoff and the worker's
# default batch size; run until the day is gone, one transaction a batch as the worker does.
batch=$(sed -nE 's/.*int BatchSize \{ get; set; \} = ([0-9]+);.*/\1/p' Stories.Worker/Retention/RetentionOptions.cs)
statement=$(sed -n '/^ *with doomed as (/,/^ *from purged$/p' Stories.Worker/Retention/RetentionCleaner.cs |
  sed -e 's/^ \{16\}//' -e "s/{cutoff}/'$cutoff'/" -e "s/{batchSize}/$batch/")
if [ -z "$batch" ] || ! grep -q "delete from stories" <<<"$statement" || grep -q "{" <<<"$statement"; then
  echo "views-partitioned: could not read the purge statement from Stories.Worker/Retention/RetentionCleaner.cs" >&2
  exit 1
fi
batches=$((STORIES_PER_DAY / batch + 2))
purge="$PG_BASE/purge.sql"
for _ in $(seq 1 "$batches"); do printf '%s;\n' "$statement"; done >"$purge"

views_size() { value "$1" "select pg_size_pretty(sum(pg_total_relation_size(oid))) from ($leaves) l"; }
dead_tuples() { sleep 1; value "$1" "select coalesce(sum(n_dead_tup), 0) from pg_stat_user_tables where relid in ($leaves)"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
{
  echo
  echo "Retention of one past day ($day: $(value views_current "select count(*) from stories where created_at >= '$day' and created_at < date '$day' + 1") stories, $(value views_current "select count(*) from story_views v join stories s on s.id = v.story_id where s.created_at >= '$day' and s.created_at < date '$day' + 1") views), each database as the cells left it:"
  echo
  echo "| schema | statements | ms | story_views before → after | dead tuples after | vacuum story_views, ms | size after vacuum |"
  echo "|---|---|---|---|---|---|---|"
} >>"$report"
for variant in current partitioned; do
  db=views_$variant
  echo "== retention: $variant" >&2
  before=$(views_size "$db")
  steps="" drop_ms=0
  if [ "$variant" = partitioned ]; then
    part="story_views_$(date -u -d "$day" +%Y%m%d)"
    t=$(date +%s%N)
    sql "$db" -c "alter table story_views detach partition $part" -c "drop table $part"
    drop_ms=$(ms_since "$t")
    steps="detach + drop partition $drop_ms ms, then "
  fi
  t=$(date +%s%N)
  sql "$db" -o /dev/null -f "$purge"
  purge_ms=$(ms_since "$t")
  left=$(value "$db" "select count(*) from stories where created_at < date '$day' + 1")
  [ "$left" = 0 ] || { echo "views-partitioned: $left stories of $day left after the purge ($variant)" >&2; exit 1; }
  after=$(views_size "$db")
  dead=$(dead_tuples "$db")
  t=$(date +%s%N)
  sql "$db" -c "vacuum story_views"
  vacuum_ms=$(ms_since "$t")
  echo "| $variant | ${steps}purge ($batches batches of $batch) $purge_ms ms | $((drop_ms + purge_ms)) | $before → $after | $dead | $vacuum_ms | $(views_size "$db") |" >>"$report"
done

{
  echo
  echo "Per-statement latencies of every cell (pgbench -r): $(basename "$raw")."
} >>"$report"
echo "$report" >&2
cat "$report"
