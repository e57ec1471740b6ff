#!/usr/bin/env bash
# `make test`: build Stories.sln and run both test projects against real services, then print one
# closing line, "N passed, N failed, N skipped".
#   1. Stories.Tests — the local-mode suite: PostgreSQL, Redis and Ceph RGW as local processes
#      (scripts/services.sh), the services on Kestrel in-process.
#      The tests that touch Redis run a second time against a local Redis Cluster (three masters).
#   2. Stories.Tests/AppHost — the Aspire suite: the AppHost's whole graph in containers through
#      DistributedApplicationTestingBuilder, plus the publish manifest and docker-compose.yml.
# A container runtime is made to answer where this script can (root on Debian: scripts/docker.sh),
# and where the official images cannot be pulled, stand-ins are built from Debian packages
# (scripts/images.sh) and named in STORIES_TEST_IMAGES. Whatever this run started, it stops.
# Extra arguments go to both `dotnet test` runs (e.g. --filter) and skip the Redis Cluster pass.
set -euo pipefail
cd "$(dirname "$0")/.."
services=scripts/services.sh

log() { printf '[test] %s\n' "$*" >&2; }

started_services=0 started_docker=0 images_pid=
images_env=$(mktemp) images_log=$(mktemp)
cleanup() {
  if [ "$started_services" = 1 ]; then "$services" down >/dev/null 2>&1 || true; fi
  if [ -n "$images_pid" ]; then kill "$images_pid" 2>/dev/null || true; wait "$images_pid" 2>/dev/null || true; fi
  if [ "$started_docker" = 1 ]; then scripts/docker.sh down || true; fi
  rm -f "$images_env" "$images_log"
}
trap cleanup EXIT

is_debian_root() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }
docker_answers() { command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; }

if ! "$services" running >/dev/null 2>&1; then
  log "starting local services (PostgreSQL, Redis, Ceph RGW)"
  "$services" up >/dev/null
  started_services=1
fi
eval "$("$services" env)"

# Host packages the Aspire suite's tools need, installed before anything runs apt in the background:
# Compose to check docker-compose.yml (v2's plugin, or v1 from Debian), debootstrap for stand-ins.
if is_debian_root; then
  missing=()
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
  fi
fi

# The browser tests drive Debian's chromium (installed here where missing; never downloaded by Playwright).
STORIES_CHROMIUM="$(scripts/browser.sh)"
export STORIES_CHROMIUM

# The Aspire suite's container runtime and images. docker.sh checks, either way, that the docker
# client on PATH speaks what Aspire's DCP asks of it.
if docker_answers || [ "${CI:-}" = true ] || is_debian_root; then
  had_pid=0; [ -f .services/docker/dockerd.pid ] && had_pid=1
  scripts/docker.sh up
  if [ "$had_pid" = 0 ] && [ -f .services/docker/dockerd.pid ]; then started_docker=1; fi
  if [ -z "${STORIES_TEST_IMAGES:-}" ] && ! scripts/images.sh official 2>/dev/null; then
    # Built beside the build and the local suite (mostly downloads and unpacking): a cold machine
    # then waits minutes less. Collected before the Aspire suite.
    log "the official images cannot be pulled here: building stand-ins from Debian packages (log: $images_log)"
    scripts/images.sh build >"$images_env" 2>"$images_log" &
    images_pid=$!
  fi
else
  log "no container runtime answers: the Aspire-hosted tests will say they are skipped"
fi
dotnet build Stories.sln --nologo --verbosity quiet

results=$(mktemp -d)
status=0
log "local-mode suite (Stories.Tests)"
dotnet test Stories.Tests/Stories.Tests.csproj --no-build --nologo --logger "trx" --results-directory "$results" "$@" || status=$?
# The tests that touch Redis once more, against a Redis Cluster of three masters: every key a
# command or script touches together must hash to one slot. Only in a full run (no extra arguments).
expected_results=2
if [ "$#" -eq 0 ]; then
  log "Redis Cluster pass (the tests in Category=RedisCluster, against scripts/services.sh cluster)"
  cluster_env=$("$services" cluster up)
  (eval "$cluster_env" && STORIES_REDIS_CLUSTER=1 dotnet test Stories.Tests/Stories.Tests.csproj --no-build --nologo \
    --filter "Category=RedisCluster" --logger "trx;LogFileName=redis-cluster.trx" --results-directory "$results") || status=$?
  "$services" cluster down >/dev/null 2>&1 || true
  expected_results=3
fi
# The local services are not needed by the graph, which brings its own: free their memory and CPU.
if [ "$started_services" = 1 ]; then "$services" down >/dev/null 2>&1 || true; started_services=0; fi
# Nor their connection strings: the AppHost reads its configuration from the environment too.
unset ConnectionStrings__storiesdb ConnectionStrings__cache ConnectionStrings__minio
if [ -n "$images_pid" ]; then
  if ! wait "$images_pid"; then
    images_pid=
    cat "$images_log" >&2
    echo "0 passed, 1 failed (the stand-in images could not be built; see above)"
    exit 1
  fi
  images_pid=
  export "$(cat "$images_env")"
  log "stand-in images: $STORIES_TEST_IMAGES"
fi
log "Aspire suite (Stories.Tests/AppHost)"
dotnet test Stories.Tests/AppHost/Stories.AppHost.Tests.csproj --no-build --nologo --logger "trx" --results-directory "$results" "$@" || status=$?

passed=0 failed=0 skipped=0 found=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  found=$((found + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  attr() { sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p" <<<"$counters"; }
  # Failures outside a test (a fixture's cleanup, say) fail the run without failing a test: show them.
  python3 - "$trx" <<'PY'
import re, sys, html
text = open(sys.argv[1], encoding="utf-8").read()
for info in re.findall(r'<RunInfo [^>]*outcome="Error"[^>]*>.*?</RunInfo>', text, re.S):
    message = re.search(r"<Text>(.*?)</Text>", info, re.S)
    if message:
        print("run error: " + html.unescape(message.group(1)).strip()[:4000])
# Skipped tests say why: a skip must never pass silently.
for result in re.findall(r'<UnitTestResult [^>]*outcome="NotExecuted"[^>]*>.*?</UnitTestResult>', text, re.S):
    name = re.search(r'testName="([^"]*)"', result)
    reason = re.search(r"<Message>(.*?)</Message>", result, re.S)
    print("skipped: %s: %s" % (html.unescape(name.group(1)) if name else "?", html.unescape(reason.group(1)).strip() if reason else "?"))
PY
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  skipped=$((skipped + $(attr notExecuted)))
done
rm -rf "$results"

if [ "$found" -lt "$expected_results" ]; then
  echo "$passed passed, $((failed + 1)) failed (a test project wrote no results)"
  exit 1
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
