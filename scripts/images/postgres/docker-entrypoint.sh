#!/usr/bin/env bash
# Entrypoint of the PostgreSQL stand-in: the official docker.io/library/postgres
# interface, on Debian's PostgreSQL 15.
#
# First start (no PG_VERSION in $PGDATA): initdb as the postgres user with
# POSTGRES_USER/POSTGRES_PASSWORD and POSTGRES_INITDB_ARGS, add
# "host all all all $POSTGRES_HOST_AUTH_METHOD" to pg_hba.conf, create POSTGRES_DB, run
# /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz on a socket-only temporary server.
# Every start: exec postgres in the foreground as the postgres user (PID 1), so signals
# reach it directly (STOPSIGNAL is SIGINT = fast shutdown).
set -Eeuo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%F %T UTC')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# file_env VAR [DEFAULT]: VAR, or the content of the file named by VAR_FILE (Docker
# secrets), as the official image does.
file_env() {
  local var="$1" fileVar="${1}_FILE" def="${2:-}" val
  if [[ -n "${!var:-}" && -n "${!fileVar:-}" ]]; then
    die "both $var and $fileVar are set (they are exclusive)"
  fi
  val="$def"
  if [[ -n "${!var:-}" ]]; then
    val="${!var}"
  elif [[ -n "${!fileVar:-}" ]]; then
    val="$(<"${!fileVar}")"
  fi
  export "$var"="$val"
  unset "$fileVar"
}

# Options only ("-c foo=bar"): they are for postgres.
if [[ "${1:-}" == -* ]]; then
  set -- postgres "$@"
fi

# Anything else (bash, psql, ...) runs as asked.
if [[ "${1:-}" != postgres ]]; then
  exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# As root: make the directories and hand them to postgres (a volume mounted at
# /var/lib/postgresql or at $PGDATA starts out owned by root), then run this script
# again as postgres. setpriv (util-linux) execs in place, so postgres stays PID 1.
if [[ "$(id -u)" == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 3777 /var/run/postgresql
  chown postgres:postgres /var/run/postgresql
  # Only what is not postgres's already: a big existing data dir is not walked twice.
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  # A parent created by mkdir -p (e.g. /var/lib/postgresql/<x> on a fresh volume) must be
  # enterable by postgres.
  d="$(dirname "$PGDATA")"
  while [[ "$d" == /var/lib/postgresql/* || "$d" == /var/lib/postgresql ]]; do
    [[ "$(stat -c %U "$d")" == postgres ]] || chown postgres:postgres "$d"
    d="$(dirname "$d")"
  done
  chmod 700 "$PGDATA" 2>/dev/null || true
  export HOME=/var/lib/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups -- "${BASH_SOURCE[0]}" "$@"
fi

# From here on: the postgres user (or whatever non-root user the container runs as).
mkdir -p "$PGDATA" 2>/dev/null || true
chmod 700 "$PGDATA" 2>/dev/null || true

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS

# psql against the temporary (socket-only) server, as the official image does it.
process_sql() {
  local args=(--username "$POSTGRES_USER" --no-password --no-psqlrc)
  PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 "${args[@]}" "$@"
}

run_init_files() {
  local f
  shopt -s nullglob
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [[ -x "$f" ]]; then log "running $f"; "$f"
        else log "sourcing $f"; # shellcheck disable=SC1090
          . "$f"; fi ;;
      *.sql) log "running $f"; process_sql --dbname "$POSTGRES_DB" -f "$f"; echo >&2 ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | process_sql --dbname "$POSTGRES_DB"; echo >&2 ;;
      *.sql.xz) log "running $f"; xz -dc "$f" | process_sql --dbname "$POSTGRES_DB"; echo >&2 ;;
      *) log "ignoring $f" ;;
    esac
  done
  shopt -u nullglob
}

init_database() {
  if [[ -z "$POSTGRES_PASSWORD" && "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]]; then
    die "database is uninitialized and POSTGRES_PASSWORD is not set.
  Set POSTGRES_PASSWORD to a non-empty value for the superuser, or
  POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password (unsafe)."
  fi
  log "initializing $PGDATA (user $POSTGRES_USER)"
  # POSTGRES_INITDB_ARGS is word-split on purpose (e.g. "--auth-host=scram-sha-256
  # --auth-local=scram-sha-256"), as in the official image.
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    $POSTGRES_INITDB_ARGS >&2

  # The method for remote connections: POSTGRES_HOST_AUTH_METHOD, or whatever the server's
  # password_encryption is (scram-sha-256), as in the official image.
  local method="${POSTGRES_HOST_AUTH_METHOD:-}"
  [[ -n "$method" ]] || method="$(postgres -C password_encryption)"
  {
    echo
    [[ "$method" != trust ]] || echo '# warning trust is enabled for all connections'
    printf 'host all all all %s\n' "$method"
  } >>"$PGDATA/pg_hba.conf"

  # Temporary server on the unix socket only, for CREATE DATABASE and the init scripts.
  export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
  PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" \
    -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >&2
  if [[ "$POSTGRES_DB" != postgres ]]; then
    local exists
    exists="$(process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only \
      <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")"
    if [[ -z "${exists//[[:space:]]/}" ]]; then
      process_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >&2
      log "created database $POSTGRES_DB"
    fi
  fi
  run_init_files
  PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -m fast -w stop >&2
  unset PGPASSWORD
  log "init done; starting postgres"
}

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  init_database
else
  log "$PGDATA already initialized: skipping init"
fi

exec "$@"
