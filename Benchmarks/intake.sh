#!/usr/bin/env bash
# Intake benchmark (issue 12): builds objtrace in release (unless --skip-build) and runs intake_bench.py,
# which imports text-only tips in chunks into a store with 20 published objects, times queue / candidate
# list / stats on the result, and compares a photo-tip import with `objtrace match --local` over the same
# photos. Appends rows to results/intake.tsv (with the commit id). See README.md.
#
#   ./intake.sh                          10,000 text tips in chunks of 1,000, 300 photo tips
#   ./intake.sh --tips 2000 --chunk 500 --photo-tips 0 --no-append     a quick look
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
skip_build=0
pass=()
for arg in "$@"; do
    case "$arg" in
        --skip-build) skip_build=1 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) pass+=("$arg") ;;
    esac
done
if [[ $skip_build -eq 0 ]]; then
    (cd "$root" && swift build -c release --product objtrace >&2)
fi
python3 -c "import PIL" 2>/dev/null || { echo "intake: needs Pillow (pip install Pillow)" >&2; exit 1; }
exec python3 "$here/intake_bench.py" --objtrace "$root/.build/release/objtrace" "${pass[@]+"${pass[@]}"}"
