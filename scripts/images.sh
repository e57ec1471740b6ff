#!/usr/bin/env bash
# Stand-in container images for the Aspire tests: PostgreSQL, Redis and an S3 server that
# look like docker.io/library/postgres, docker.io/library/redis and quay.io/minio/minio to
# Aspire 13.6.5 (same ports, environment, arguments and health endpoints; see
# shared/ASPIRE.md, "Container resources"). No registry can be pulled from here, so every
# image is built from Debian packages: a debootstrap'ed bookworm base imported once, then
# one `docker build` per folder under scripts/images/.
#
#   scripts/images.sh build   make sure all images exist (building what is missing), print env
#   scripts/images.sh env     print the env line for images already built (fail if missing)
#   scripts/images.sh base    only the debootstrap'ed base image
#   scripts/images.sh official exit 0 if the official images are present or pullable (no stand-ins needed)
#
# stdout is exactly one line, for `eval "export $(scripts/images.sh build)"`:
#   STORIES_TEST_IMAGES=postgres=<image:tag>,cache=<image:tag>,minio=<image:tag>
# (keys are the Aspire resource names). Progress goes to stderr.
#
# Each stand-in is tagged with a hash of its build folder, so editing a folder rebuilds
# that image and an unchanged folder reuses the image already there. Nothing is ever
# tagged with an official image name: a stand-in must never pass for the real thing.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGES_DIR="$SCRIPT_DIR/images"
REPO="stories-standin"
# The base image's recipe is this script (debootstrap + the tweaks in build_base); bump
# the tag when that recipe changes so that the next build makes a new base.
BASE_IMAGE="$REPO/debian:bookworm-1"
SUITE=bookworm
# Aspire resource name -> build folder under scripts/images/.
RESOURCES=(postgres cache minio)
declare -A FOLDER=([postgres]=postgres [cache]=redis [minio]=minio)

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

# docker's client 28 has no buildx here; the classic builder works with the 20.10 daemon
# (and does not print BuildKit's "buildx missing" error).
export DOCKER_BUILDKIT=0

require_docker() {
  command -v docker >/dev/null 2>&1 ||
    die "no 'docker' command on PATH (start one with scripts/docker.sh up, see shared/ENVIRONMENT.md)"
  docker info >/dev/null 2>&1 ||
    die "the container runtime does not answer ('docker info' failed); start it first (scripts/docker.sh up)"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The Debian mirror the host uses (deb822 or one-line format), deb.debian.org otherwise.
debian_mirror() {
  local m=""
  if [[ -d /etc/apt/sources.list.d ]]; then
    m="$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)\/\{0,1\}[[:space:]]*$/\1/p' \
      /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
  fi
  if [[ -z "$m" && -f /etc/apt/sources.list ]]; then
    m="$(sed -n 's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\/debian\)\/\{0,1\}[[:space:]].*/\1/p' \
      /etc/apt/sources.list | head -n 1)"
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

# A minimal bookworm root file system, imported as $BASE_IMAGE.
build_base() {
  image_exists "$BASE_IMAGE" && { log "base: $BASE_IMAGE already there"; return 0; }
  [[ "$(id -u)" == 0 ]] || die "building the base image needs root (debootstrap)"
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "base: installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2 ||
      die "apt-get install debootstrap failed"
  fi
  local mirror root t0=$SECONDS
  mirror="$(debian_mirror)"
  # Under /var/tmp, not /tmp: the root fs holds device nodes, and /tmp may be noexec/nodev.
  root="$(mktemp -d /var/tmp/stories-debootstrap.XXXXXX)"
  # shellcheck disable=SC2064
  trap "rm -rf '$root'" EXIT
  log "base: debootstrap --variant=minbase $SUITE from $mirror (~45 s)"
  debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$root.log" 2>&1 || {
    tail -n 30 "$root.log" >&2; rm -f "$root.log"; die "debootstrap failed"; }
  rm -f "$root.log"

  # Package maintainer scripts must not start daemons while an image is built
  # (redis-server, nginx and ceph postinsts would try): the Debian convention for chroots.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  # Small images: no recommends, no docs/man pages (copyright files stay).
  cat >"$root/etc/apt/apt.conf.d/90stories-standin" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  cat >"$root/etc/dpkg/dpkg.cfg.d/90stories-standin" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
EOF
  # The same suites as the host (security fixes too), from the same mirror.
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
  # Docker manages these inside every container; leaving the build host's copies in would
  # only be overwritten (resolv.conf) or be wrong (hostname).
  : >"$root/etc/hostname"; : >"$root/etc/resolv.conf"

  log "base: importing as $BASE_IMAGE"
  tar -C "$root" --numeric-owner -c . |
    docker import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENV LANG=C.UTF-8' \
      -c 'CMD ["/bin/bash"]' \
      -m "debootstrap --variant=minbase $SUITE $mirror (scripts/images.sh)" \
      - "$BASE_IMAGE" >/dev/null || die "docker import failed"
  rm -rf "$root"
  trap - EXIT
  log "base: $BASE_IMAGE ready in $((SECONDS - t0)) s"
}

# folder_hash DIR: first 12 hex digits of a sha256 over every file's relative path, mode
# and content, in a fixed order, so any edit, addition, removal or chmod changes it.
folder_hash() {
  local dir="$1" f
  [[ -d "$dir" ]] || die "no build folder $dir"
  (
    cd "$dir"
    find . -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
      printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"
    done
  ) | sha256sum | cut -c1-12
}

image_ref() { # image_ref RESOURCE -> stories-standin/<folder>:<hash>
  local folder="${FOLDER[$1]}"
  echo "$REPO/$folder:$(folder_hash "$IMAGES_DIR/$folder")"
}

build_one() {
  local res="$1" folder="${FOLDER[$1]}" ref t0=$SECONDS
  ref="$(image_ref "$res")"
  if image_exists "$ref"; then
    log "$folder: $ref already there"
    return 0
  fi
  log "$folder: building $ref"
  local out
  out="$(mktemp)"
  if ! docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --label "org.opencontainers.image.title=stories stand-in for $res" \
      -t "$ref" "$IMAGES_DIR/$folder" >"$out" 2>&1; then
    tail -n 40 "$out" >&2; rm -f "$out"
    die "docker build of $folder failed"
  fi
  rm -f "$out"
  log "$folder: $ref built in $((SECONDS - t0)) s"
}

env_line() {
  local res parts=()
  for res in "${RESOURCES[@]}"; do parts+=("$res=$(image_ref "$res")"); done
  local IFS=,
  echo "STORIES_TEST_IMAGES=${parts[*]}"
}

cmd_build() {
  require_docker
  local t0=$SECONDS res
  build_base
  # Sequential on purpose: the machines have 2 cores and apt downloads share one mirror.
  for res in "${RESOURCES[@]}"; do build_one "$res"; done
  log "all images ready in $((SECONDS - t0)) s"
  env_line
}

cmd_env() {
  require_docker
  local res ref missing=()
  for res in "${RESOURCES[@]}"; do
    ref="$(image_ref "$res")"
    image_exists "$ref" || missing+=("$ref")
  done
  ((${#missing[@]} == 0)) || die "not built: ${missing[*]} (run scripts/images.sh build)"
  env_line
}

# The official images the AppHost names (Aspire's PostgreSQL and Redis defaults, our pinned MinIO).
OFFICIAL_IMAGES=(
  docker.io/library/postgres:18.3
  docker.io/library/redis:8.6
  quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z
)

# Exit 0 when every official image is present or can be pulled: then no stand-in is needed.
cmd_official() {
  require_docker
  local image
  for image in "${OFFICIAL_IMAGES[@]}"; do
    docker image inspect "$image" >/dev/null 2>&1 || timeout 300 docker pull -q "$image" >/dev/null 2>&1 || return 1
  done
}

case "${1:-}" in
  build) cmd_build ;;
  env) cmd_env ;;
  base) require_docker; build_base ;;
  official) cmd_official ;;
  *) printf 'usage: %s build|env|base|official\n' "$0" >&2; exit 2 ;;
esac
