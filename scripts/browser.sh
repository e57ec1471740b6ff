#!/usr/bin/env bash
# Makes sure a Chromium the browser tests can drive is present and prints its path on stdout.
# Idempotent. STORIES_CHROMIUM names another binary; otherwise Debian's /usr/bin/chromium. Where it
# is missing and this runs as root on Debian (as CI does), it installs the `chromium` package (and a
# colour emoji font, so that screenshots show the reactions). Playwright never downloads a browser.
#   export STORIES_CHROMIUM="$(scripts/browser.sh)"
set -euo pipefail

chromium="${STORIES_CHROMIUM:-/usr/bin/chromium}"
log() { echo "[browser] $*" >&2; }

if [[ $(id -u) -eq 0 && -f /etc/debian_version ]]; then
  missing=()
  [[ -x "$chromium" || -n "${STORIES_CHROMIUM:-}" ]] || missing+=(chromium)
  dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
  if (( ${#missing[@]} )); then
    log "installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  fi
fi

if [[ ! -x "$chromium" ]]; then
  log "no Chromium at $chromium: install Debian's chromium package (as root: apt-get install -y chromium) or set STORIES_CHROMIUM"
  exit 1
fi

echo "$chromium"
