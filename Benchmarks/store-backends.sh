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
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
skip_build=0
pass=()
for arg in "$@"; do
    case "$arg" in
        --skip-build) skip_build=1 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) pass+=("$arg") ;;
    esac
done
if [[ $skip_build -eq 0 ]]; then
    (cd "$root" && swift build -c release --product objtrace >&2)
fi
python3 -c "import PIL" 2>/dev/null || { echo "store-backends: needs Pillow (pip install Pillow)" >&2; exit 1; }
if [[ -z "${OBJTRACE_BENCH_POSTGRES:-}" ]]; then
    cd "$root"
    source .ci/postgres-cluster.sh
    OBJTRACE_BENCH_POSTGRES="$OBJTRACE_TEST_POSTGRES"
fi
python3 "$here/store_backends.py" --objtrace "$root/.build/release/objtrace" --postgres "$OBJTRACE_BENCH_POSTGRES" "${pass[@]+"${pass[@]}"}"
