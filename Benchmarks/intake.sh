#!/usr/bin/env bash
# Intake benchmark (issue 12): builds objtrace in release (unless --skip-build) and runs intake_bench.py,
# which imports text-only tips in chunks into a store with 20 published objects, times queue / candidate
# list / stats on the result, and compares a photo-tip import with `objtrace match --local` over the same
# photos. Appends rows to results/intake.tsv (with the commit id). See README.md.
#
#   ./intake.sh                          10,000 text tips in chunks of 1,000, 300 photo tips
#   ./intake.sh --tips 2000 --chunk 500 --photo-tips 0 --no-append     a quick look
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_options 9 "$@"
bin="$(bench_objtrace intake)"
python3 -c "import PIL" 2>/dev/null || { echo "intake: needs Pillow (pip install Pillow)" >&2; exit 1; }
exec python3 "$here/intake_bench.py" --objtrace "$bin" "${pass[@]+"${pass[@]}"}"
