#!/bin/sh
# Like the official MinIO image, the arguments are those of the `minio` command
# ("server /data --console-address :9001"); `minio server ...` works too. Anything else
# (bash, ceph, radosgw-admin ...) runs as asked, for debugging.
set -eu
case "${1:-}" in
  minio) shift; exec minio-standin "$@" ;;
  server|-*) exec minio-standin "$@" ;;
  '') exec minio-standin server /data ;;
esac
exec "$@"
