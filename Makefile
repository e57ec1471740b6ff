# Stories — the commands a person needs. `make help` lists them.
#
# One build: Stories.sln, everything in it, on every machine. MODE only chooses how `make dev` runs
# Stories: `aspire` (the AppHost with its dashboard) where a container runtime answers and the
# official images are there or can be pulled, `local` (PostgreSQL, Redis and Ceph RGW as local
# processes, the Api and Worker as plain processes) otherwise. Force it: `make dev MODE=local`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SOLUTION := Stories.sln
export MODE

.PHONY: help dev test lint services services-down bench throughput side-by-side seed load soak

help: ## List the commands
	@echo "Stories — make targets"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

dev: ## Run Stories: the AppHost + dashboard where containers can run (MODE=aspire), else local processes (MODE=local)
	@scripts/dev.sh

test: ## Build Stories.sln; run the local-mode suite and the Aspire graph's tests; prints "N passed, N failed"
	@scripts/test.sh

lint: ## Check formatting and analyzers (warnings are errors)
	dotnet format $(SOLUTION) --verify-no-changes --verbosity minimal
	dotnet build $(SOLUTION) --nologo --verbosity quiet -warnaserror

services: ## Start PostgreSQL, Redis and Ceph RGW (S3) locally; prints their connection strings
	@scripts/services.sh up

services-down: ## Stop every service process `make services` started
	@scripts/services.sh down

seed: ## Demo users, follows, stories, media, views and reactions through the API of a running `make dev` (API=…)
	@dotnet run --project bench/Stories.Bench -c Release -- demo --api $(or $(API),http://localhost:5000)

bench: ## All benchmarks on this machine (~30 min; seeds data, Release builds, 127.0.0.1 only); see docs/benchmarks.md
	@bench/feed-search.sh
	@bench/worker/sweep.sh -n 1000000 -d stories_sweep
	@bench/sse/run.sh
	@bench/ratelimit.sh
	@bench/throughput.sh

throughput: ## Throughput/latency tables at 1/50/200 connections vs a bare-Kestrel ceiling (~15 min; DURATION=… per cell)
	@bench/throughput.sh

side-by-side: ## Git revisions of the API on the same data, the same wrk cells, in one run (REVS="OLD NEW", default HEAD~1 HEAD; ~13 min)
	@bench/side-by-side.sh

load: ## A short wrk run hammering story creation + views; checks every 201 story is stored
	@bench/load.sh

soak: ## The mixed profile for 30 min (SOAK_DURATION=…) with Redis/PostgreSQL restarts; no 5xx outside outages, no lost write, RSS
	@bench/soak.sh
