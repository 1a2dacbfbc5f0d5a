#!/usr/bin/env bash
# Store back ends side by side (issue 15): the intake benchmark's text-only tips imported into an SQLite file
# and into a PostgreSQL database, with 1 writer and with 4 writers at once, plus a few photo tips (blobs in the
# store: bytes and ms per photo tip). Builds objtrace in release (unless --skip-build). PostgreSQL: the server
# named by OBJTRACE_BENCH_POSTGRES (a URL whose user may create databases), else a throwaway cluster started
# here (as .ci/run does) and stopped on exit. Appends rows to results/store-backends.tsv with the commit id.
#
#   ./store-backends.sh                                  2,000 text tips per run, 40 photo tips
#   ./store-backends.sh --tips 400 --photo-tips 8 --no-append          a quick look
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_options 10 "$@"
bin="$(bench_objtrace store-backends)"
python3 -c "import PIL" 2>/dev/null || { echo "store-backends: needs Pillow (pip install Pillow)" >&2; exit 1; }
if [[ -z "${OBJTRACE_BENCH_POSTGRES:-}" ]]; then
    cd "$root"
    source .ci/postgres-cluster.sh
    OBJTRACE_BENCH_POSTGRES="$OBJTRACE_TEST_POSTGRES"
fi
python3 "$here/store_backends.py" --objtrace "$bin" --postgres "$OBJTRACE_BENCH_POSTGRES" "${pass[@]+"${pass[@]}"}"
