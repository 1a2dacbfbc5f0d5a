#!/usr/bin/env bash
# Side-by-side speed of `objtrace hash` against pip pdqhash, imagehash, OpenCV PHash and djpeg, in one run
# on the same files. Sets up what it needs (djpeg, a venv with the reference hashers, a release build of
# objtrace), then hands over to side_by_side.py, which measures, prints the table and ratios, and appends
# to results/side-by-side.tsv. See README.md.
#
#   ./side-by-side.sh            full run (12 MP, 4 MP, 1 MP sets; best of 3), results appended
#   ./side-by-side.sh --smoke    2 files, 1 repetition, nothing appended: checks every tool runs (< 1 min once built)
#   ./side-by-side.sh --bulk     full run plus peak memory of 1,000 vs 10,000 files (--jobs 2)
#   ./side-by-side.sh --bulk-only
# Other flags go to side_by_side.py (--reps N, --no-append, --append, --keep); --skip-build uses the
# existing release binary.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_options 13 "$@"

if [[ ! -f "$data/dev/MANIFEST.tsv" || ! -d "$data/pdq-reference/reg-test-input/exif-rotn" ]]; then
    echo "side-by-side: skipped: $data is absent (set OBJTRACE_SHARED_DATA)" >&2
    exit 0
fi

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
    echo "side-by-side: installing $* (apt-get)" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
        || { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}
command -v djpeg >/dev/null || apt_install libjpeg-turbo-progs
[[ -x /usr/bin/time ]] || apt_install time

venv="$here/.venv"
if ! "$venv/bin/python" -c 'import pdqhash, imagehash, cv2, PIL' 2>/dev/null; then
    echo "side-by-side: making $venv (pip: $(grep -v '^#' "$here/requirements.txt" | tr '\n' ' '))" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
fi

bin="$(bench_objtrace side-by-side)"

# One thread per reference library, so "one core" means one core for every tool; the OpenBLAS overrides
# set on some machines slow a current numpy, so they are dropped for this command alone.
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    "$venv/bin/python" "$here/side_by_side.py" --objtrace "$bin" --data "$data" ${pass[@]+"${pass[@]}"}
