#!/bin/sh
# Default entrypoint (Aspire replaces it with /bin/sh -c "redis-server ..."): like the
# official image, options alone are for redis-server, and redis-server drops from root to
# the redis user (owning /data first, as a fresh volume is root's).
set -eu

case "${1:-}" in
  -*) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis:redis '{}' + 2>/dev/null || true
  exec setpriv --reuid=redis --regid=redis --init-groups -- "$0" "$@"
fi

exec "$@"
