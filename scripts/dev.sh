#!/usr/bin/env bash
# `make dev`: run Stories for a person.
#   aspire mode: the AppHost, which starts the containers, both API replicas, the worker and the
#                dashboard (its URL and login token are printed).
#   local mode:  the local services, then the Api on http://localhost:5000, the Worker on
#                http://localhost:5001 and the web client on http://localhost:3000 as processes. Ctrl-C stops everything this script started.
# MODE chooses; unset, it is aspire where a container runtime answers and the official images are
# there or can be pulled, local otherwise (as on a machine that cannot reach the registries).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MODE:-}" ]; then
  MODE=local
  if command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then
    if scripts/images.sh official 2>/dev/null; then MODE=aspire; else echo "The official images cannot be pulled: running the local processes instead." >&2; fi
  fi
fi

if [ "$MODE" = aspire ]; then
  exec dotnet run --project Stories.AppHost --launch-profile http
fi

services=scripts/services.sh
started_services=0
if ! "$services" running >/dev/null 2>&1; then
  "$services" up >/dev/null
  started_services=1
fi
eval "$("$services" env)"

dotnet build Stories.sln --nologo --verbosity quiet

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$started_services" = 1 ]; then "$services" down >/dev/null 2>&1 || true; fi
}
trap stop INT TERM EXIT

export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
ASPNETCORE_URLS=http://localhost:5000 dotnet run --no-build --no-launch-profile --project Stories.Api &
pids+=($!)
# The worker waits for the API, which owns the schema migrations.
for _ in $(seq 1 60); do curl -fs http://localhost:5000/alive >/dev/null 2>&1 && break; sleep 1; done
ASPNETCORE_URLS=http://localhost:5001 dotnet run --no-build --no-launch-profile --project Stories.Worker &
pids+=($!)
# The reference client; :3000 is one of the API's default CORS origins and the bucket's in Development.
ASPNETCORE_URLS=http://localhost:3000 Api__BaseAddress=http://localhost:5000 dotnet run --no-build --no-launch-profile --project Stories.Web &
pids+=($!)

echo "Stories is running: web client http://localhost:3000, API http://localhost:5000 (docs at /docs), worker http://localhost:5001. Ctrl-C stops it." >&2
wait -n "${pids[@]}"
