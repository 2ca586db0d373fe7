#!/usr/bin/env bash
# Starts or stops the external servers the persistence tests use, on free loopback ports, without
# systemd: PostgreSQL 15 (Debian package) and a MongoDB-wire server (FerretDB). Each is installed on
# first use by its own script in scripts/services/.
#
#   eval "$(scripts/services.sh start)"   # exports KUBER_TEST_POSTGRES_URL and KUBER_TEST_MONGODB_URI
#   scripts/services.sh stop
#
# State lives in $KUBER_SERVICES_DIR (default ~/.cache/kuber-services/run), outside the clone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${KUBER_SERVICES_DIR:-$HOME/.cache/kuber-services/run}"
case "${1:-}" in
    start)
        mkdir -p "$dir"
        "$here/services/postgres.sh" start "$dir/postgres"
        "$here/services/ferretdb.sh" start "$dir/ferretdb"
        ;;
    stop)
        "$here/services/postgres.sh" stop "$dir/postgres" || true
        "$here/services/ferretdb.sh" stop "$dir/ferretdb" || true
        ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
