#!/usr/bin/env bash
# Local backing services for the Stories tests: real PostgreSQL 15, Redis 7 and a
# Ceph RADOS Gateway (S3), run as plain processes on 127.0.0.1 (no container engine
# here; see shared/ENVIRONMENT.md, "No container engine").
#
#   scripts/services.sh up             install what is missing, start all three, print env
#   scripts/services.sh env            print the env file (eval "$(scripts/services.sh env)")
#   scripts/services.sh status         one line per service
#   scripts/services.sh running        exit 0 if all three are running, 1 otherwise
#   scripts/services.sh stop NAME      stop one service (postgres|redis|s3), keep data and port
#   scripts/services.sh start NAME     start it again on the same port with the same secrets
#   scripts/services.sh down           stop everything this script started, delete all state
#   scripts/services.sh cluster up     also start a Redis Cluster (three masters, slots split by
#                                      redis-cli --cluster create); prints its connection string
#   scripts/services.sh cluster env    print `export ConnectionStrings__cache=…` for the cluster
#   scripts/services.sh cluster down   stop the cluster only (down stops it too)
#
# State lives in ${STORIES_SERVICES_DIR:-<repo>/.services}: ports, secrets, pid files, logs,
# data dirs and the `env` file. Progress goes to stderr; only `up`/`env` write stdout.
# Processes are only ever signalled by the pid this script recorded, after checking that
# the pid still belongs to the expected program.
set -euo pipefail

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
REPO_ROOT="$(dirname "$(dirname "$SCRIPT")")"
STATE="${STORIES_SERVICES_DIR:-$REPO_ROOT/.services}"
LOGS="$STATE/logs"
CEPH_DIR="$STATE/ceph"
CEPH_CONF="$CEPH_DIR/ceph.conf"
PG_BIN=/usr/lib/postgresql/15/bin
WAIT_SECS=60

DEFAULT_PORT_postgres=55432
DEFAULT_PORT_redis=56379
DEFAULT_PORT_s3=57480
DEFAULT_PORT_mon=56789
# Redis Cluster: three masters, each with a client port and a cluster-bus port (cluster-port,
# set explicitly: the default, client port + 10000, would leave the port range).
CLUSTER_NODES=(1 2 3)
DEFAULT_PORT_cluster1=56401
DEFAULT_PORT_cluster2=56402
DEFAULT_PORT_cluster3=56403
DEFAULT_PORT_clusterbus1=56411
DEFAULT_PORT_clusterbus2=56412
DEFAULT_PORT_clusterbus3=56413
# ceph-osd picks its own ports inside this range (it needs several): below Linux's
# ephemeral range (32768-60999) so outgoing connections never hold them, and away from
# Ceph's usual 6800-7300 so a system Ceph, if any, never collides with ours.
OSD_PORT_MIN=26800
OSD_PORT_MAX=26999

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# die, showing the tail of the log that explains why.
die_log() {
  local msg="$1" file="$2"
  printf '[services] ERROR: %s (log: %s)\n' "$msg" "$file" >&2
  if [[ -f "$file" ]]; then
    printf '%s\n' "----- last lines of $file -----" >&2
    tail -n 30 "$file" >&2 || true
    printf '%s\n' "-----" >&2
  fi
  exit 1
}

# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------

rand_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

port_answers() { timeout 2 bash -c ": >/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# port_in_use: any TCP socket has this local port. Not just listeners: our default ports
# lie in the ephemeral range, and a client connection (or its TIME-WAIT) on the port
# makes bind() fail as surely as a listener does.
port_in_use() {
  local p="$1"
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]]
  else
    port_answers "$p"
  fi
}

port_listening() {
  local p="$1"
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Htln "( sport = :$p )" 2>/dev/null)" ]]
  else
    port_answers "$p"
  fi
}

# Keep the kernel from handing our ports to outgoing connections while they are ours, so
# that `start NAME` after `stop NAME` (outage tests, with the test suite busy opening
# connections) can always bind again. Best effort: needs root and a writable /proc/sys.
reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur p add=()
  [[ -w "$f" ]] || return 0
  cur=",$(cat "$f" 2>/dev/null),"
  for p in "$@"; do
    [[ "$cur" == *",$p,"* ]] || add+=("$p")
  done
  ((${#add[@]})) || return 0
  local IFS=,
  cur="${cur#,}"; cur="${cur%,}"
  if echo "${cur:+$cur,}${add[*]}" >"$f" 2>/dev/null; then
    log "reserved ports ${add[*]} (net.ipv4.ip_local_reserved_ports) against ephemeral use"
  fi
  return 0
}

# proc_alive PID: the pid exists and is not a zombie.
proc_alive() {
  local pid="$1" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"          # field 3, after "pid (comm) "
  [[ "${stat:0:1}" != [ZX] ]]
}

# pid_alive PID PROGRAM: alive and running PROGRAM (so a recycled pid is never ours).
pid_alive() {
  local pid="$1" prog="$2" comm
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
  [[ "$comm" == "$prog"* ]] && proc_alive "$pid"
}

read_pid() { [[ -f "$1" ]] && head -n 1 "$1" 2>/dev/null | tr -d ' \n' || true; }

# stop_pid PID PROGRAM [SIGNAL [SECONDS]]: signal, wait (10 s by default), then SIGKILL.
stop_pid() {
  local pid="$1" prog="$2" sig="${3:-TERM}" secs="${4:-10}" i
  pid_alive "$pid" "$prog" || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    pid_alive "$pid" "$prog" || return 0
    sleep 0.1
  done
  log "$prog (pid $pid) did not stop in $secs s, killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" "$prog" || return 0
    sleep 0.1
  done
}

# wait_for SECONDS DESCRIPTION LOGFILE ALIVE COMMAND...: poll COMMAND until it succeeds;
# give up at once when ALIVE (a command: "is the process still there?") fails.
wait_for() {
  local secs="$1" what="$2" logf="$3" alive="$4"; shift 4
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    $alive || die_log "$what: the process exited" "$logf"
    ((SECONDS < deadline)) || die_log "$what did not happen within ${secs}s" "$logf"
    sleep 0.2
  done
}

# run as the postgres OS user when root (PostgreSQL refuses to run as root).
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------------------------------
# state: ports and secrets (stable while the state dir exists)
# ---------------------------------------------------------------------------------------

load_state() {
  # shellcheck disable=SC1091
  [[ -f "$STATE/ports" ]] && source "$STATE/ports"
  # shellcheck disable=SC1091
  [[ -f "$STATE/secrets" ]] && source "$STATE/secrets"
  # shellcheck disable=SC1091
  [[ -f "$STATE/pg.vars" ]] && source "$STATE/pg.vars"
  # shellcheck disable=SC1091
  [[ -f "$STATE/ceph.vars" ]] && source "$STATE/ceph.vars"
  if [[ -z "${CEPH_FSID:-}" && -f "$CEPH_CONF" ]]; then
    CEPH_FSID="$(sed -n 's/^fsid = //p' "$CEPH_CONF")"
  fi
  return 0
}

save_kv() { # save_kv FILE NAME VALUE (replace or append NAME=VALUE)
  local file="$1" name="$2" value="$3"
  touch "$file"
  grep -v "^$name=" "$file" >"$file.tmp" || true
  printf '%s=%q\n' "$name" "$value" >>"$file.tmp"
  mv "$file.tmp" "$file"
}

ensure_secrets() {
  [[ -n "${PG_PASSWORD:-}" ]] || { PG_PASSWORD="$(rand_hex 16)"; save_kv "$STATE/secrets" PG_PASSWORD "$PG_PASSWORD"; }
  [[ -n "${REDIS_PASSWORD:-}" ]] || { REDIS_PASSWORD="$(rand_hex 16)"; save_kv "$STATE/secrets" REDIS_PASSWORD "$REDIS_PASSWORD"; }
  [[ -n "${S3_ACCESS_KEY:-}" ]] || { S3_ACCESS_KEY="$(rand_hex 10 | tr 'a-f' 'A-F')"; save_kv "$STATE/secrets" S3_ACCESS_KEY "$S3_ACCESS_KEY"; }
  [[ -n "${S3_SECRET_KEY:-}" ]] || { S3_SECRET_KEY="$(rand_hex 20)"; save_kv "$STATE/secrets" S3_SECRET_KEY "$S3_SECRET_KEY"; }
  chmod 600 "$STATE/secrets"
}

# choose_port KEY RUNNING: keep the saved port when our service holds it or nothing
# listens on it (it is reserved, see reserve_ports), otherwise take the first port from
# the default upwards that no socket uses (and that is not one of our others).
choose_port() {
  local key="$1" running="$2" var="PORT_$1" def p
  p="${!var:-}"
  if [[ -n "$p" ]] && { [[ "$running" == yes ]] || ! port_listening "$p"; }; then
    return 0
  fi
  def="DEFAULT_PORT_$key"
  for ((p = ${!def}; p < ${!def} + 200; p++)); do
    [[ "$p" == "${PORT_postgres:-}" || "$p" == "${PORT_redis:-}" ]] && continue
    [[ "$p" == "${PORT_s3:-}" || "$p" == "${PORT_mon:-}" ]] && continue
    [[ " $(cluster_ports) " == *" $p "* ]] && continue
    ((p >= OSD_PORT_MIN && p <= OSD_PORT_MAX)) && continue
    port_in_use "$p" && continue
    [[ -n "${!var:-}" ]] && log "port ${!var} for $key is in use; using $p"
    printf -v "$var" '%s' "$p"
    save_kv "$STATE/ports" "$var" "$p"
    return 0
  done
  die "no free port found for $key near ${!def}"
}

write_env() {
  cat >"$STATE/env.tmp" <<EOF
export ConnectionStrings__storiesdb='Host=127.0.0.1;Port=$PORT_postgres;Username=postgres;Password=$PG_PASSWORD;Database=storiesdb'
export ConnectionStrings__cache='127.0.0.1:$PORT_redis,password=$REDIS_PASSWORD'
export ConnectionStrings__minio='Endpoint=http://127.0.0.1:$PORT_s3;AccessKey=$S3_ACCESS_KEY;SecretKey=$S3_SECRET_KEY'
export STORIES_SERVICES_DIR='$STATE'
export STORIES_SERVICES_SCRIPT='$SCRIPT'
EOF
  chmod 600 "$STATE/env.tmp"
  mv "$STATE/env.tmp" "$STATE/env"
}

# ---------------------------------------------------------------------------------------
# packages
# ---------------------------------------------------------------------------------------

install_packages() {
  local need_pg=0 need_redis=0 need_ceph=0
  [[ -x "$PG_BIN/postgres" ]] || need_pg=1
  command -v redis-server >/dev/null 2>&1 || need_redis=1
  command -v radosgw >/dev/null 2>&1 || need_ceph=1
  ((need_pg + need_redis + need_ceph > 0)) || return 0

  [[ "$(id -u)" == 0 ]] || die "packages are missing (postgresql/redis-server/radosgw) and only root can install them"
  local alog="$LOGS/apt.log" added_policy=0
  # Keep apt from starting the system postgres/redis services: we run our own.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local ok=1 started=$SECONDS
  log "installing missing packages (log: $alog)"
  apt-get update -q >>"$alog" 2>&1 || ok=0
  if ((ok && need_pg)); then apt-get install -y -q postgresql >>"$alog" 2>&1 || ok=0; fi
  if ((ok && need_redis)); then apt-get install -y -q redis-server >>"$alog" 2>&1 || ok=0; fi
  if ((ok && need_ceph)); then
    apt-get install -y -q --no-install-recommends radosgw ceph-mon ceph-osd ceph-common >>"$alog" 2>&1 || ok=0
  fi
  ((added_policy)) && rm -f /usr/sbin/policy-rc.d
  ((ok)) || die_log "apt-get failed" "$alog"
  log "packages installed in $((SECONDS - started))s"
}

# ---------------------------------------------------------------------------------------
# PostgreSQL 15
# ---------------------------------------------------------------------------------------
# The data dir lives in /tmp/stories-pg-XXXXXX (recorded in $STATE/pg.vars): the postgres
# user must own it and may not be able to enter the repo (e.g. a clone under /root).

pg_pid() { [[ -z "${PG_BASE:-}" ]] || read_pid "$PG_BASE/data/postmaster.pid"; }

pg_running() {
  local pid; pid="$(pg_pid)"
  [[ -n "$pid" ]] && pid_alive "$pid" postgres && port_answers "$PORT_postgres"
}

pg_init() {
  PG_BASE="$(mktemp -d /tmp/stories-pg-XXXXXX)"
  save_kv "$STATE/pg.vars" PG_BASE "$PG_BASE"   # own file: the services start in parallel
  ln -sfn "$PG_BASE/postgres.log" "$LOGS/postgres.log"
  mkdir -p "$PG_BASE/sock"
  printf '%s\n' "$PG_PASSWORD" >"$PG_BASE/pwfile"
  [[ "$(id -u)" == 0 ]] && chown -R postgres:postgres "$PG_BASE"
  chmod 700 "$PG_BASE"
  chmod 600 "$PG_BASE/pwfile"
  log "postgres: initdb in $PG_BASE/data"
  as_pg "$PG_BIN/initdb" -D "$PG_BASE/data" -U postgres --pwfile="$PG_BASE/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$PG_BASE/initdb.log" 2>&1 || die_log "postgres initdb failed" "$PG_BASE/initdb.log"
  rm -f "$PG_BASE/pwfile"
  # Test settings: durability off (a crash only loses a throwaway cluster), plenty of
  # connections for parallel test hosts, TCP on loopback only, socket in a private dir.
  as_pg tee -a "$PG_BASE/data/postgresql.conf" >/dev/null <<EOF

# --- stories test cluster (scripts/services.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_BASE/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
EOF
}

pg_start() {
  local fresh=0
  if [[ -z "${PG_BASE:-}" || ! -f "$PG_BASE/data/PG_VERSION" ]]; then
    pg_init
    fresh=1
  fi
  ln -sfn "$PG_BASE/postgres.log" "$LOGS/postgres.log"
  # A stale postmaster.pid is handled by postgres itself, but it refuses to start while
  # children of a killed postmaster still hold its shared memory.
  pg_reap_orphans
  as_pg "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -l "$PG_BASE/postgres.log" -w -t "$WAIT_SECS" \
    -o "-p $PORT_postgres" start >"$LOGS/pg_ctl.log" 2>&1 9>&- ||
    die_log "postgres failed to start on port $PORT_postgres" "$PG_BASE/postgres.log"
  local has
  has="$(as_pg "$PG_BIN/psql" -h "$PG_BASE/sock" -p "$PORT_postgres" -U postgres -d postgres -tAq \
    -c "select 1 from pg_database where datname = 'storiesdb'" 2>>"$LOGS/pg_ctl.log")" ||
    die_log "postgres: cannot query the new server" "$LOGS/pg_ctl.log"
  if [[ "$has" != 1 ]]; then
    as_pg "$PG_BIN/psql" -h "$PG_BASE/sock" -p "$PORT_postgres" -U postgres -d postgres -q \
      -c "create database storiesdb" >>"$LOGS/pg_ctl.log" 2>&1 ||
      die_log "postgres: create database storiesdb failed" "$LOGS/pg_ctl.log"
  fi
  log "postgres: running on 127.0.0.1:$PORT_postgres (pid $(pg_pid)$( ((fresh)) && echo ", new cluster"))"
}

pg_stop() {
  local pid; pid="$(pg_pid)"
  # SIGINT = "fast" shutdown: SIGTERM ("smart") would wait for pooled test connections.
  [[ -n "$pid" ]] && stop_pid "$pid" postgres INT
  pg_reap_orphans
}

# Processes of our cluster left behind by a postmaster that was killed (they exit on their
# own within a second or so). Ours = a "postgres" process whose working directory is our
# data dir, which is where every PostgreSQL process of a cluster runs.
pg_orphans() {
  local d
  [[ -n "${PG_BASE:-}" && -d "$PG_BASE/data" ]] || return 0
  for d in /proc/[0-9]*; do
    [[ "$(cat "$d/comm" 2>/dev/null)" == postgres ]] || continue
    [[ "$(readlink "$d/cwd" 2>/dev/null)" == "$PG_BASE/data" ]] || continue
    pid_alive "${d#/proc/}" postgres && echo "${d#/proc/}"
  done
  return 0
}

pg_reap_orphans() {
  local pid left i
  pid="$(pg_pid)"
  [[ -n "$pid" ]] && pid_alive "$pid" postgres && return 0   # a live postmaster: not orphans
  for ((i = 0; i < 50; i++)); do
    left="$(pg_orphans)"
    [[ -n "$left" ]] || return 0
    sleep 0.2
  done
  log "postgres: killing leftover processes of a dead postmaster: $(echo $left)"
  for pid in $left; do stop_pid "$pid" postgres KILL 2; done
  return 0
}

# ---------------------------------------------------------------------------------------
# Redis 7
# ---------------------------------------------------------------------------------------

redis_pid() { read_pid "$STATE/redis/redis.pid"; }

redis_running() {
  local pid; pid="$(redis_pid)"
  [[ -n "$pid" ]] && pid_alive "$pid" redis-server && port_answers "$PORT_redis"
}

# The launched pid runs setsid, then nohup, then redis-server (exec chain): any name will do.
redis_launched_alive() { proc_alive "$REDIS_LAUNCHED"; }

redis_start() {
  mkdir -p "$STATE/redis"
  # The password goes in a private config file rather than on the command line (ps).
  printf 'requirepass %s\n' "$REDIS_PASSWORD" >"$STATE/redis/redis.conf"
  chmod 600 "$STATE/redis/redis.conf"
  rm -f "$STATE/redis/redis.pid"
  local rlog="$LOGS/redis.log"
  setsid nohup redis-server "$STATE/redis/redis.conf" --port "$PORT_redis" --bind 127.0.0.1 \
    --save '' --appendonly no --daemonize no --dir "$STATE/redis" \
    --pidfile "$STATE/redis/redis.pid" >>"$rlog" 2>&1 </dev/null 9>&- &
  REDIS_LAUNCHED=$!
  wait_for "$WAIT_SECS" "redis start on port $PORT_redis" "$rlog" redis_launched_alive redis_running
  # redis writes its own pid file; keep the launcher's pid if it somehow did not.
  [[ -n "$(redis_pid)" ]] || echo "$REDIS_LAUNCHED" >"$STATE/redis/redis.pid"
  log "redis: running on 127.0.0.1:$PORT_redis (pid $(redis_pid))"
}

redis_stop() {
  local pid; pid="$(redis_pid)"
  [[ -n "$pid" ]] && stop_pid "$pid" redis-server TERM
  return 0
}

# ---------------------------------------------------------------------------------------
# Redis Cluster: three redis-server processes in cluster mode, the same password as the
# single node (requirepass, and masterauth for the bus), slots split by redis-cli.
# ---------------------------------------------------------------------------------------

cluster_ports() {
  local i var
  for i in "${CLUSTER_NODES[@]}"; do
    var="PORT_cluster$i"; printf '%s ' "${!var:-}"
    var="PORT_clusterbus$i"; printf '%s ' "${!var:-}"
  done
}
cluster_node_dir() { echo "$STATE/redis-cluster/$1"; }
cluster_node_pid() { read_pid "$(cluster_node_dir "$1")/redis.pid"; }
cluster_node_running() {
  local pid port_var="PORT_cluster$1"; pid="$(cluster_node_pid "$1")"
  [[ -n "$pid" ]] && pid_alive "$pid" redis-server && port_answers "${!port_var}"
}
cluster_cli() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 "$@"; }
cluster_ok() {
  local i var
  for i in "${CLUSTER_NODES[@]}"; do
    var="PORT_cluster$i"
    cluster_cli -p "${!var}" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}
cluster_addresses() {
  local i var out=()
  for i in "${CLUSTER_NODES[@]}"; do var="PORT_cluster$i"; out+=("127.0.0.1:${!var}"); done
  echo "${out[*]}"
}

cluster_node_start() {
  local i="$1" dir port_var="PORT_cluster$1" bus_var="PORT_clusterbus$1" launched
  dir="$(cluster_node_dir "$i")"
  mkdir -p "$dir"
  # A node that ran before keeps its identity and slots in nodes.conf and rejoins by itself.
  printf 'requirepass %s\nmasterauth %s\n' "$REDIS_PASSWORD" "$REDIS_PASSWORD" >"$dir/redis.conf"
  chmod 600 "$dir/redis.conf"
  rm -f "$dir/redis.pid"
  local rlog="$LOGS/redis-cluster-$i.log"
  setsid nohup redis-server "$dir/redis.conf" --port "${!port_var}" --bind 127.0.0.1 \
    --cluster-enabled yes --cluster-port "${!bus_var}" --cluster-config-file nodes.conf \
    --cluster-node-timeout 5000 --save '' --appendonly no --daemonize no --dir "$dir" \
    --pidfile "$dir/redis.pid" >>"$rlog" 2>&1 </dev/null 9>&- &
  launched=$!
  # shellcheck disable=SC2317
  launched_alive() { proc_alive "$launched"; }
  wait_for "$WAIT_SECS" "redis cluster node $i on port ${!port_var}" "$rlog" launched_alive cluster_node_running "$i"
  [[ -n "$(cluster_node_pid "$i")" ]] || echo "$launched" >"$dir/redis.pid"
}

cluster_stop() {
  local i pid
  for i in "${CLUSTER_NODES[@]}"; do
    pid="$(cluster_node_pid "$i")"
    [[ -n "$pid" ]] && stop_pid "$pid" redis-server TERM
  done
  return 0
}

write_cluster_env() {
  local addresses; addresses="$(cluster_addresses)"
  printf "export ConnectionStrings__cache='%s,password=%s'\n" "${addresses// /,}" "$REDIS_PASSWORD" >"$STATE/cluster.env.tmp"
  chmod 600 "$STATE/cluster.env.tmp"
  mv "$STATE/cluster.env.tmp" "$STATE/cluster.env"
}

cmd_cluster() {
  case "${1:-}" in
    up)
      lock_state
      load_state
      command -v redis-server >/dev/null 2>&1 || install_packages
      ensure_secrets
      local i all=yes
      for i in "${CLUSTER_NODES[@]}"; do cluster_node_running "$i" || all=no; done
      if [[ $all == yes ]] && cluster_ok && [[ -f "$STATE/cluster.env" ]]; then
        log "redis cluster already running"
        cat "$STATE/cluster.env"
        return 0
      fi
      cluster_stop
      for i in "${CLUSTER_NODES[@]}"; do choose_port "cluster$i" no; choose_port "clusterbus$i" no; done
      # shellcheck disable=SC2046
      reserve_ports $(cluster_ports)
      for i in "${CLUSTER_NODES[@]}"; do cluster_node_start "$i"; done
      if ! cluster_ok; then
        local addresses; addresses="$(cluster_addresses)"
        # shellcheck disable=SC2086
        cluster_cli -p "${PORT_cluster1}" --cluster create $addresses --cluster-replicas 0 --cluster-yes \
          >>"$LOGS/redis-cluster-create.log" 2>&1 || die_log "redis-cli --cluster create failed" "$LOGS/redis-cluster-create.log"
        wait_for "$WAIT_SECS" "the redis cluster to agree (cluster_state:ok)" "$LOGS/redis-cluster-create.log" true cluster_ok
      fi
      write_cluster_env
      log "redis cluster: running on $(cluster_addresses)"
      cat "$STATE/cluster.env"
      ;;
    env)
      [[ -f "$STATE/cluster.env" ]] || die "no cluster env at $STATE/cluster.env: run '$SCRIPT cluster up' first"
      cat "$STATE/cluster.env"
      ;;
    down)
      lock_state
      load_state
      cluster_stop
      rm -rf "$STATE/redis-cluster" "$STATE/cluster.env"
      log "redis cluster stopped"
      ;;
    *) die "expected: cluster up|env|down" ;;
  esac
}

# ---------------------------------------------------------------------------------------
# Ceph: one mon + one memstore osd + radosgw (S3)
# ---------------------------------------------------------------------------------------
# A private throwaway cluster: own conf file (always passed with -c), own fsid, all
# paths in $CEPH_DIR/$LOGS, so /etc/ceph, /var/lib/ceph and /var/log/ceph are not touched.

# Ceph CLI calls are retried: a client that talks to a mon in its first seconds sometimes
# sends its command before it has the monmap, i.e. with fsid 00000000-..., and the mon
# refuses it ("wrong fsid", seen as EPERM / "problem getting command descriptions").
# Every command we send is idempotent.
retry() {
  local n
  for n in 1 2 3 4 5 6; do
    "$@" && return 0
    ((n < 6)) || return 1
    sleep 0.5
  done
}
ceph_cmd() { retry ceph -c "$CEPH_CONF" --connect-timeout 15 "$@"; }
mon_ready() { mon_running && ceph -c "$CEPH_CONF" --connect-timeout 5 mon stat >/dev/null 2>&1; }

mon_pid() { read_pid "$CEPH_DIR/run/mon.a.pid"; }
osd_pid() { read_pid "$CEPH_DIR/run/osd.0.pid"; }
rgw_pid() { read_pid "$CEPH_DIR/run/client.rgw.a.pid"; }

mon_running() { local p; p="$(mon_pid)"; [[ -n "$p" ]] && pid_alive "$p" ceph-mon && port_answers "$PORT_mon"; }
osd_running() { local p; p="$(osd_pid)"; [[ -n "$p" ]] && pid_alive "$p" ceph-osd; }
rgw_running() { local p; p="$(rgw_pid)"; [[ -n "$p" ]] && pid_alive "$p" radosgw && port_answers "$PORT_s3"; }
s3_running() { mon_running && osd_running && rgw_running; }

s3_http_ok() { # any HTTP status from the gateway means it serves requests
  local code
  code="$(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:$PORT_s3/")" || return 1
  [[ "$code" != 000 ]]
}

ceph_write_conf() {
  mkdir -p "$CEPH_DIR/run" "$CEPH_DIR/crash"
  cat >"$CEPH_CONF.tmp" <<EOF
# Generated by scripts/services.sh - throwaway one-node test cluster.
[global]
fsid = $CEPH_FSID
mon_host = [v1:127.0.0.1:$PORT_mon]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
# msgr v1 only: one port for the mon, nothing listens on 3300.
ms_bind_msgr2 = false
mon_warn_on_msgr2_not_enabled = false
ms_bind_port_min = $OSD_PORT_MIN
ms_bind_port_max = $OSD_PORT_MAX
# No cephx: loopback-only throwaway cluster, and no keyrings to create or find.
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
keyring = /dev/null
# One OSD: replicated pools of size 1 (Ceph refuses size 1 unless explicitly allowed).
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_allow_pool_delete = true
# radosgw creates ~8 pools: small fixed pg counts keep them under mon_max_pg_per_osd
# with one OSD, and there is no ceph-mgr to run the autoscaler anyway.
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
# The mon refuses to run when its disk is nearly full; CI disks can be.
mon_data_avail_crit = 0
mon_data_avail_warn = 0
# Private paths (the defaults are under /var/run/ceph, /var/log/ceph, /var/lib/ceph).
run_dir = $CEPH_DIR/run
crash_dir = $CEPH_DIR/crash
log_file = $LOGS/ceph-\$name.log
mon_cluster_log_file = default=$LOGS/ceph-cluster.\$channel.log cluster=$LOGS/ceph-cluster.log
pid_file = $CEPH_DIR/run/\$name.pid
admin_socket = $CEPH_DIR/run/\$name.asok

[client]
# CLI tools (ceph, radosgw-admin) run often and concurrently: no pid files, sockets or logs.
pid_file =
admin_socket =
log_file =

[mon.a]
mon_data = $CEPH_DIR/mon
# radosgw's first start creates ~8 pools one mon command at a time; each osdmap change
# waits for the next paxos proposal (1 s by default), ~10 s in all. One mon: propose fast.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
public_addr = 127.0.0.1:$PORT_mon

[osd.0]
osd_data = $CEPH_DIR/osd
# memstore keeps objects in RAM: no disk or block device, fast, fits tests. The size is
# only the capacity it reports. Data lives as long as this osd process (on SIGTERM it
# exits at once, osd_fast_shutdown), so a dead osd means a new cluster (see s3_start).
osd_objectstore = memstore
memstore_device_bytes = 2147483648
# We place the OSD in the CRUSH map ourselves (ceph osd crush add ... host=localhost)
# before it boots, so its PGs map as soon as it is up and the map does not depend on the
# machine's hostname (otherwise the OSD runs "crush create-or-move" itself at start).
osd_crush_update_on_start = false
# Likewise no "crush set-device-class" at start. Both start-up commands are sent by the
# OSD's mon client possibly before it has the monmap, i.e. with fsid 0000..., and the mon
# then answers "wrong fsid" and the OSD exits (seen here as a random start failure).
osd_class_update_on_start = false

[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$PORT_s3
# No background lifecycle workers: they only act in rgw_lifecycle_work_time (00:00-06:00)
# anyway, and while active they sleep 5 s uninterruptibly on lock contention, which made
# radosgw take ~11 s to stop on SIGTERM (slow outage tests). Lifecycle *configuration*
# requests (PutBucketLifecycleConfiguration etc.) still work.
rgw_enable_lc_threads = false
rgw_data = $CEPH_DIR/rgw
pid_file = $CEPH_DIR/run/client.rgw.a.pid
admin_socket = $CEPH_DIR/run/client.rgw.a.asok
log_file = $LOGS/ceph-client.rgw.a.log
EOF
  mv "$CEPH_CONF.tmp" "$CEPH_CONF"
}

# Stop the whole cluster: gateway first (it would hang on an absent mon), then osd and
# mon together (the cluster is thrown away, nothing to save).
ceph_stop_all() {
  local p jobs=() patience=10
  # Without a working mon+osd, radosgw's shutdown waits on RADOS forever: don't wait long.
  { mon_running && osd_running; } || patience=2
  p="$(rgw_pid)"; [[ -n "$p" ]] && stop_pid "$p" radosgw TERM "$patience"
  p="$(osd_pid)"; if [[ -n "$p" ]]; then stop_pid "$p" ceph-osd TERM & jobs+=($!); fi
  p="$(mon_pid)"; if [[ -n "$p" ]]; then stop_pid "$p" ceph-mon TERM & jobs+=($!); fi
  for p in "${jobs[@]}"; do wait "$p" || true; done
  return 0
}

# Build a new cluster: mon, then one osd in the CRUSH map, both running.
ceph_bootstrap() {
  local clog="$LOGS/ceph-setup.log"
  ceph_stop_all
  rm -rf "$CEPH_DIR"
  mkdir -p "$CEPH_DIR/mon" "$CEPH_DIR/osd" "$CEPH_DIR/rgw"
  : >"$clog"
  CEPH_FSID="$(cat /proc/sys/kernel/random/uuid)"
  save_kv "$STATE/ceph.vars" CEPH_FSID "$CEPH_FSID"   # rgw restarts rewrite the conf with it
  ceph_write_conf
  log "s3: creating a one-node ceph cluster (fsid $CEPH_FSID)"

  monmaptool --create --fsid "$CEPH_FSID" --addv a "[v1:127.0.0.1:$PORT_mon]" \
    "$CEPH_DIR/monmap" >>"$clog" 2>&1 || die_log "monmaptool failed" "$clog"
  ceph-mon -c "$CEPH_CONF" -i a --mkfs --monmap "$CEPH_DIR/monmap" >>"$clog" 2>&1 ||
    die_log "ceph-mon --mkfs failed" "$clog"
  ceph-mon -c "$CEPH_CONF" -i a >>"$clog" 2>&1 9>&- || die_log "ceph-mon failed to start" "$LOGS/ceph-mon.a.log"
  wait_for "$WAIT_SECS" "ceph-mon start on port $PORT_mon" "$LOGS/ceph-mon.a.log" \
    "alive_or_starting $CEPH_DIR/run/mon.a.pid ceph-mon" mon_ready

  local uuid id
  uuid="$(cat /proc/sys/kernel/random/uuid)"
  id="$(ceph_cmd osd new "$uuid" 2>>"$clog")" || die_log "ceph osd new failed" "$clog"
  [[ "$id" == 0 ]] || die_log "expected osd id 0, got '$id'" "$clog"
  ceph_cmd osd crush add osd.0 1.0 root=default host=localhost >>"$clog" 2>&1 ||
    die_log "ceph osd crush add failed" "$clog"
  ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$uuid" >>"$clog" 2>&1 ||
    die_log "ceph-osd --mkfs failed" "$clog"
  ceph-osd -c "$CEPH_CONF" -i 0 >>"$clog" 2>&1 9>&- || die_log "ceph-osd failed to start" "$LOGS/ceph-osd.0.log"
  wait_for "$WAIT_SECS" "ceph-osd.0 up" "$LOGS/ceph-osd.0.log" \
    "alive_or_starting $CEPH_DIR/run/osd.0.pid ceph-osd" osd_up
}

# Ceph daemons fork and write their pid file a moment later: until then, assume starting.
alive_or_starting() {
  local p; p="$(read_pid "$1")"
  [[ -z "$p" ]] || pid_alive "$p" "$2"
}

osd_up() { osd_running && ceph_cmd osd dump 2>/dev/null | grep -q '^osd\.0 up'; }

rgw_start() {
  local rlog="$LOGS/ceph-client.rgw.a.log" attempt i
  ceph_write_conf   # the conf carries the (possibly re-chosen) S3 port
  # The first start creates the rgw pools and the default zone through mon commands, so
  # it can meet the same early "wrong fsid" refusal as the CLI and exit: start it again.
  for attempt in 1 2 3; do
    rm -f "$CEPH_DIR/run/client.rgw.a.pid"
    radosgw -c "$CEPH_CONF" -n client.rgw.a >>"$LOGS/ceph-setup.log" 2>&1 9>&- ||
      die_log "radosgw failed to start" "$rlog"
    if ((attempt < 3)); then
      (wait_for "$WAIT_SECS" "radosgw answering on port $PORT_s3" "$rlog" \
        "alive_or_starting $CEPH_DIR/run/client.rgw.a.pid radosgw" s3_http_ok) 2>/dev/null && break
      if alive_or_starting "$CEPH_DIR/run/client.rgw.a.pid" radosgw; then
        die_log "radosgw did not answer on port $PORT_s3 within ${WAIT_SECS}s" "$rlog"
      fi
      log "s3: radosgw exited while starting, trying again (log: $rlog)"
    else
      wait_for "$WAIT_SECS" "radosgw answering on port $PORT_s3" "$rlog" \
        "alive_or_starting $CEPH_DIR/run/client.rgw.a.pid radosgw" s3_http_ok
    fi
  done
  for ((i = 0; i < 50; i++)); do [[ -n "$(rgw_pid)" ]] && break; sleep 0.1; done
  rgw_running || die_log "radosgw is not running" "$rlog"
}

# The S3 user with our generated keys. Retried like the CLI above; "user info" first, so a
# retry after a create that did happen is fine.
s3_user() {
  local clog="$LOGS/ceph-setup.log" n
  for n in 1 2 3 4 5 6; do
    radosgw-admin -c "$CEPH_CONF" user info --uid=stories >/dev/null 2>&1 && return 0
    radosgw-admin -c "$CEPH_CONF" user create --uid=stories --display-name=stories \
      --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >>"$clog" 2>&1 && return 0
    sleep 0.5
  done
  die_log "radosgw-admin user create failed" "$clog"
}

s3_start() {
  local fresh=0
  if ! { mon_running && osd_running; }; then
    # mon+osd are only kept while running (memstore lives in RAM): rebuild from scratch.
    ceph_bootstrap
    fresh=1
  fi
  rgw_running || rgw_start
  s3_user
  log "s3: radosgw running on http://127.0.0.1:$PORT_s3 (pid $(rgw_pid)$( ((fresh)) && echo ", new cluster"))"
}

s3_stop() { # outage tests: only the gateway goes away, the cluster and its data stay
  local p; p="$(rgw_pid)"
  [[ -n "$p" ]] && stop_pid "$p" radosgw TERM
  return 0
}

# ---------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------

all_running() { pg_running && redis_running && s3_running; }

# Serialise concurrent invocations. Every daemon is launched with "9>&-" so that it
# does not inherit (and hold forever) this lock.
lock_state() {
  mkdir -p "$STATE" "$LOGS"
  exec 9>"$STATE/.lock"
  if ! flock -n 9; then
    log "waiting for another services.sh run (lock $STATE/.lock)"
    flock -w 300 9 || die "another services.sh has held $STATE/.lock for 5 minutes"
  fi
}

cmd_up() {
  lock_state
  load_state
  if [[ -f "$STATE/env" ]] && all_running; then
    log "all services already running (state: $STATE)"
    rm -f "$STATE/started-by-this-up"
    cat "$STATE/env"
    return 0
  fi
  local started=$SECONDS
  install_packages
  ensure_secrets
  local pg_r=no redis_r=no s3_r=no
  pg_running && pg_r=yes
  redis_running && redis_r=yes
  s3_running && s3_r=yes
  # Remains of a half-dead service (e.g. radosgw whose osd died) would hold its port.
  [[ $pg_r == yes ]] || pg_stop
  [[ $redis_r == yes ]] || redis_stop
  if [[ $s3_r == no ]]; then
    if mon_running && osd_running; then s3_stop; else ceph_stop_all; fi
  fi
  choose_port postgres "$pg_r"
  choose_port redis "$redis_r"
  choose_port s3 "$s3_r"
  if mon_running; then choose_port mon yes; else choose_port mon no; fi
  reserve_ports "$PORT_postgres" "$PORT_redis" "$PORT_s3" "$PORT_mon"

  # Start the three in parallel; each job dies with its own message and log tail.
  local pids=() names=() i rc=0
  if [[ $pg_r == no ]]; then pg_start & pids+=($!); names+=(postgres); fi
  if [[ $redis_r == no ]]; then redis_start & pids+=($!); names+=(redis); fi
  if [[ $s3_r == no ]]; then s3_start & pids+=($!); names+=(s3); fi
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { log "${names[$i]} failed to start"; rc=1; }
  done
  ((rc == 0)) || die "up failed; logs are in $LOGS"
  load_state   # pg_start records PG_BASE in a subshell
  write_env
  rm -f "$STATE/started-by-this-up"
  if ((${#pids[@]})); then
    : >"$STATE/started-by-this-up"
    log "started ${names[*]} in $((SECONDS - started))s (state: $STATE)"
  fi
  cat "$STATE/env"
}

cmd_env() {
  [[ -f "$STATE/env" ]] || die "no env file at $STATE/env: run '$SCRIPT up' first"
  cat "$STATE/env"
}

cmd_status() {
  load_state
  local s
  s=stopped; [[ -n "${PORT_postgres:-}" ]] && pg_running && s=running
  printf 'postgres %-8s port %s\n' "$s" "${PORT_postgres:--}"
  s=stopped; [[ -n "${PORT_redis:-}" ]] && redis_running && s=running
  printf 'redis    %-8s port %s\n' "$s" "${PORT_redis:--}"
  s=stopped; [[ -n "${PORT_s3:-}" ]] && s3_running && s=running
  if [[ $s == stopped && -n "${PORT_mon:-}" ]] && mon_running && osd_running; then
    s="stopped (ceph mon/osd running)"
  fi
  printf 's3       %-8s port %s\n' "$s" "${PORT_s3:--}"
}

cmd_running() {
  [[ -d "$STATE" ]] || return 1
  load_state
  [[ -n "${PORT_postgres:-}" && -n "${PORT_redis:-}" && -n "${PORT_s3:-}" && -n "${PORT_mon:-}" ]] || return 1
  all_running
}

need_name() {
  case "${1:-}" in
    postgres | redis | s3) ;;
    *) die "expected a service name: postgres, redis or s3" ;;
  esac
  [[ -f "$STATE/ports" ]] || die "no state in $STATE: run '$SCRIPT up' first"
}

cmd_stop() {
  need_name "${1:-}"
  lock_state
  load_state
  case "$1" in
    postgres) pg_stop ;;
    redis) redis_stop ;;
    s3) s3_stop ;;
  esac
  log "$1 stopped"
}

cmd_start() {
  need_name "${1:-}"
  lock_state
  load_state
  ensure_secrets
  local port_var="PORT_$1"
  case "$1" in
    postgres) pg_running || { port_listening "$PORT_postgres" && die "port $PORT_postgres is taken by another program"; pg_start; } ;;
    redis) redis_running || { port_listening "$PORT_redis" && die "port $PORT_redis is taken by another program"; redis_start; } ;;
    s3)
      if ! s3_running; then
        rgw_running || ! port_listening "$PORT_s3" || die "port $PORT_s3 is taken by another program"
        s3_start
      fi
      ;;
  esac
  log "$1 running on port ${!port_var}"
}

cmd_down() {
  if [[ ! -d "$STATE" ]]; then
    log "nothing to stop ($STATE does not exist)"
    return 0
  fi
  lock_state
  load_state
  # In parallel: each waits up to 10 s for its own processes.
  local jobs=() j
  ceph_stop_all & jobs+=($!)
  redis_stop & jobs+=($!)
  cluster_stop & jobs+=($!)
  pg_stop & jobs+=($!)
  for j in "${jobs[@]}"; do wait "$j" || true; done
  if [[ -n "${PG_BASE:-}" && "$PG_BASE" == /tmp/stories-pg-* ]]; then
    rm -rf "$PG_BASE"
  fi
  remove_state
}

# Delete the state dir, but only what this script puts there: a mistaken
# STORIES_SERVICES_DIR (say, $HOME) must not be wiped.
remove_state() {
  local f name stray=0
  for f in "$STATE"/* "$STATE"/.[!.]*; do
    [[ -e "$f" || -L "$f" ]] || continue
    name="${f##*/}"
    case "$name" in
      .lock | ceph | ceph.vars | env | env.tmp | logs | pg.vars | ports | ports.tmp | redis | \
        redis-cluster | cluster.env | cluster.env.tmp | secrets | secrets.tmp | started-by-this-up | *.vars.tmp) rm -rf "$f" ;;
      *) stray=1 ;;
    esac
  done
  if ((stray)); then
    log "all services stopped; $STATE holds other files, so only ours were removed"
  else
    rmdir "$STATE"
    log "all services stopped, $STATE removed"
  fi
}

usage() {
  sed -n '2,/^set -euo/p' "$SCRIPT" | grep '^#' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    status) cmd_status ;;
    running) cmd_running ;;
    stop) cmd_stop "$@" ;;
    start) cmd_start "$@" ;;
    cluster) cmd_cluster "$@" ;;
    *) usage ;;
  esac
}

main "$@"
