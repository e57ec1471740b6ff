#!/usr/bin/env bash
# A container runtime for the Aspire tests (Aspire's DCP runs the postgres/redis/minio
# stand-ins through `docker`). See shared/ENVIRONMENT.md, "A container engine runs here".
#
#   scripts/docker.sh up       make sure `docker info` answers: if it does not and we are
#                              root on Debian, install docker.io when dockerd is missing and
#                              start dockerd in the background (pid recorded)
#   scripts/docker.sh down     stop the dockerd that `up` started (by its recorded pid);
#                              a daemon someone else started is left alone
#   scripts/docker.sh status   one line: who runs the daemon, which client is on PATH
#
# Either way `up` then checks that `docker version --format json` works with the client
# on PATH: DCP calls exactly that, and Debian's 20.10 client does not understand it (DCP
# then calls the runtime "unhealthy"). The newer client in /usr/local/bin must stay first.
#
# State in ${STORIES_DOCKER_DIR:-<repo>/.services/docker}: dockerd.pid (only when this
# script started the daemon) and dockerd.log. Progress goes to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(dirname "$SCRIPT_DIR")"
STATE="${STORIES_DOCKER_DIR:-$REPO_ROOT/.services/docker}"
PID_FILE="$STATE/dockerd.pid"
LOG_FILE="$STATE/dockerd.log"
WAIT_SECS=60

log() { printf '[docker] %s\n' "$*" >&2; }
die() { printf '[docker] ERROR: %s\n' "$*" >&2; exit 1; }

docker_answers() { command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; }

# pid_is_dockerd PID: alive, not a zombie, and running dockerd (a recycled pid is never ours).
pid_is_dockerd() {
  local pid="$1" comm stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
  [[ "$comm" == dockerd ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != [ZX] ]]
}

our_pid() { [[ -f "$PID_FILE" ]] && head -n 1 "$PID_FILE" | tr -d ' \n' || true; }

# DCP runs `docker version --format json` and parses the JSON: the client on PATH must
# know that flag (Docker >= 22 or so); 20.10 prints the word "json" instead.
check_client() {
  local out client
  client="$(command -v docker)"
  out="$(timeout 20 docker version --format json 2>/dev/null || true)"
  if [[ "$out" != \{* ]]; then
    die "'$client version --format json' does not print JSON (got: ${out:0:60}); Aspire's DCP needs a
  newer docker client first on PATH (e.g. /usr/local/bin/docker, 28.x), not Debian's 20.10 client"
  fi
  if [[ "$out" != *'"Server":{'* ]]; then
    die "'$client version --format json' shows no server: the daemon does not answer this client"
  fi
}

is_debian() { [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1; }

install_dockerd() {
  command -v dockerd >/dev/null 2>&1 && return 0
  is_debian || die "no dockerd here and this is not Debian: install a container runtime yourself"
  log "installing docker.io (Debian's Docker daemon, ~20 s)"
  # A fresh machine's package lists may be missing or stale: update once if the install fails.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >&2; } ||
    die "apt-get install docker.io failed"
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but no dockerd on PATH"
}

cmd_up() {
  if docker_answers; then
    log "container runtime already answers ($(docker info --format '{{.ServerVersion}}' 2>/dev/null || echo '?'))"
    check_client
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "'docker info' fails and we are not root: start the container runtime yourself"
  install_dockerd
  # Installing docker.io may have started a daemon by its init script: then it is not ours.
  if docker_answers; then
    log "container runtime answers after the install (not started by this script)"
    check_client
    return 0
  fi
  command -v docker >/dev/null 2>&1 || die "no 'docker' client on PATH"

  local pid
  pid="$(our_pid)"
  if [[ -n "$pid" ]] && pid_is_dockerd "$pid"; then
    log "our dockerd (pid $pid) is running but does not answer yet"
  else
    mkdir -p "$STATE"
    log "starting dockerd (log: $LOG_FILE)"
    # setsid: its own session, so the caller's terminal signals (Ctrl-C in make) do not
    # reach it; stdin closed so it holds nothing of ours.
    setsid dockerd >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
  fi
  local deadline=$((SECONDS + WAIT_SECS))
  until docker_answers; do
    if ! pid_is_dockerd "$pid"; then
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
      die "dockerd exited while starting (log: $LOG_FILE)"
    fi
    ((SECONDS < deadline)) || die "dockerd (pid $pid) did not answer within ${WAIT_SECS}s (log: $LOG_FILE)"
    sleep 0.5
  done
  log "dockerd running (pid $pid, $(docker info --format '{{.ServerVersion}}' 2>/dev/null || echo '?'))"
  check_client
}

cmd_down() {
  local pid i
  pid="$(our_pid)"
  if [[ -z "$pid" ]]; then
    log "no dockerd started by this script: nothing to stop"
    return 0
  fi
  if ! pid_is_dockerd "$pid"; then
    log "dockerd (pid $pid) we started is gone already"
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # dockerd gives running containers their stop grace (10 s) before it exits.
  for ((i = 0; i < 600; i++)); do
    pid_is_dockerd "$pid" || break
    sleep 0.1
  done
  if pid_is_dockerd "$pid"; then
    log "dockerd (pid $pid) did not stop in 60 s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "dockerd stopped"
}

cmd_status() {
  local pid who="not running"
  pid="$(our_pid)"
  if [[ -n "$pid" ]] && pid_is_dockerd "$pid"; then
    who="started by this script (pid $pid)"
  elif docker_answers; then
    who="running, not started by this script"
  fi
  echo "dockerd: $who; client: $(command -v docker || echo none)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) printf 'usage: %s up|down|status\n' "$0" >&2; exit 2 ;;
esac
