#!/usr/bin/env bash
# Times one expiry sweep over N due stories: seeds them with one INSERT … SELECT generate_series
# into a database of its own, then runs the worker's real sweeper once (`Stories.Worker
# --sweep-once`) and reports the sweep's own log line (count, batches, duration_ms).
#
#   bench/worker/sweep.sh [-n STORIES] [-s SWEPT] [-d DATABASE] [-b BATCH_SIZE] [-a AUTHORS]
#
#   -n  due stories to seed (default 1000000)
#   -s  already-swept stories to seed first, as weeks of history leave them (default 0): soft-deleted,
#       with expires_at older than every due story, so an index walk by expires_at meets them first
#   -d  database to use on the server of ConnectionStrings__storiesdb (default stories_bench);
#       created if missing, migrated if empty (by starting the API once, which owns migrations),
#       and its users, stories and idempotency keys are truncated first — never point it at data
#       you want to keep
#   -b  Expiry__BatchSize for the sweep (default: the worker's own, 5000)
#   -a  authors the stories are spread over (default 1000)
#
# Needs the local services (`make services`) or ConnectionStrings__storiesdb/__cache/__minio set.
# CONFIGURATION=Debug skips the Release build. Run it on a quiet machine: the numbers are only
# worth what the machine's load lets them be.
set -euo pipefail
cd "$(dirname "$0")/../.."

stories=1000000 swept=0 database=stories_bench batch_size="" authors=1000
while getopts "n:s:d:b:a:" opt; do
  case "$opt" in
    n) stories=$OPTARG ;;
    s) swept=$OPTARG ;;
    d) database=$OPTARG ;;
    b) batch_size=$OPTARG ;;
    a) authors=$OPTARG ;;
    *) sed -n '2,22p' "$0" >&2; exit 2 ;;
  esac
done
[[ "$database" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "database name must be [a-z_][a-z0-9_]*" >&2; exit 2; }
configuration=${CONFIGURATION:-Release}

if [ -z "${ConnectionStrings__storiesdb:-}" ]; then
  eval "$(scripts/services.sh env)"
fi

# libpq settings from the Npgsql-style connection string, for psql.
part() { sed -nE "s/(^|.*;)$1=([^;]*).*/\2/p" <<<"$ConnectionStrings__storiesdb"; }
export PGHOST=$(part Host) PGPORT=$(part Port) PGUSER=$(part Username) PGPASSWORD=$(part Password)
export PGOPTIONS='-c client_min_messages=warning'
bench_cs=$(sed -E "s/(^|;)Database=[^;]*/\1Database=$database/" <<<"$ConnectionStrings__storiesdb")
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$database" "$@"; }

log() { printf '[bench] %s\n' "$*" >&2; }

log "building ($configuration)"
dotnet build Stories.Worker -c "$configuration" --nologo --verbosity quiet >&2
worker_dll=Stories.Worker/bin/$configuration/net10.0/Stories.Worker.dll

if [ -z "$(psql -X -d postgres -tAc "select 1 from pg_database where datname = '$database'")" ]; then
  log "creating database $database"
  psql -X -q -d postgres -c "create database \"$database\""
fi

if [ -z "$(psql_db -tAc "select to_regclass('stories')")" ]; then
  log "migrating $database (starting the API once; it owns the migrations)"
  dotnet build Stories.Api -c "$configuration" --nologo --verbosity quiet >&2
  port=${BENCH_API_PORT:-5099}
  (cd "Stories.Api/bin/$configuration/net10.0" \
    && ConnectionStrings__storiesdb=$bench_cs ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS=http://127.0.0.1:$port \
      exec dotnet Stories.Api.dll >/dev/null 2>&1) &
  api=$!
  trap 'kill "$api" 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/alive" >/dev/null 2>&1 && break; sleep 1; done
  kill "$api"; wait "$api" 2>/dev/null || true
  trap - EXIT
  [ -n "$(psql_db -tAc "select to_regclass('stories')")" ] || { log "the API did not migrate $database"; exit 1; }
fi

log "seeding $swept swept and $stories due stories over $authors authors"
seed_started=$(date +%s.%N)
psql_db <<SQL
truncate users, stories, idempotency_keys cascade;
insert into users (id, email, password_hash, handle, created_at)
select md5('bench-user-' || k)::uuid, 'bench' || k || '@example.com', 'x', 'bench_' || k, now() - interval '30 days'
from generate_series(0, $authors - 1) k;
-- History: expired 2 to 30 days ago and swept a minute later.
insert into stories (id, author_id, text, visibility, created_at, expires_at, deleted_at)
select gen_random_uuid(), md5('bench-user-' || (n % $authors))::uuid, 'old story number ' || n, 'public',
    now() - interval '31 days' + (n % 2419200) * interval '1 second',
    now() - interval '30 days' + (n % 2419200) * interval '1 second',
    now() - interval '30 days' + (n % 2419200) * interval '1 second' + interval '1 minute'
from generate_series(1, $swept) n;
-- Every story expired within the last day, in a spread of instants, like a day's backlog.
insert into stories (id, author_id, text, visibility, created_at, expires_at)
select gen_random_uuid(), md5('bench-user-' || (n % $authors))::uuid, 'bench story number ' || n, 'public',
    now() - interval '48 hours' + (n % 86400) * interval '1 second',
    now() - interval '24 hours' + (n % 86400) * interval '1 second' - interval '1 second'
from generate_series(1, $stories) n;
vacuum analyze users, stories;
SQL
log "seeded in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $seed_started }") s"

log "sweeping once"
sweep_env=(ConnectionStrings__storiesdb="$bench_cs" ASPNETCORE_ENVIRONMENT=Production)
[ -n "$batch_size" ] && sweep_env+=(Expiry__BatchSize="$batch_size")
started=$(date +%s.%N)
# From its output directory, so that the worker's appsettings.json (log levels included) applies.
output=$(cd "$(dirname "$worker_dll")" && env "${sweep_env[@]}" dotnet "$(basename "$worker_dll")" --sweep-once)
wall=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }")
line=$(grep '"msg":"stories expired"' <<<"$output" | tail -n 1)
[ -n "$line" ] || { printf '%s\n' "$output" >&2; log "no 'stories expired' line"; exit 1; }

field() { sed -nE "s/.*\"$1\":([0-9.]+).*/\1/p" <<<"$line"; }
left=$(psql_db -tAc "select count(*) from stories where deleted_at is null")
echo "$line"
echo "expired $(field count) of $stories due stories in $(field duration_ms) ms, $(field batches) batches" \
  "(process wall time ${wall} s, including startup); still due afterwards: $left"
