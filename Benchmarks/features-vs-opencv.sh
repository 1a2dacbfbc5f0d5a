#!/usr/bin/env bash
# Local features side by side: objtrace's extractor and `match --local` search against OpenCV ORB (and an ORB +
# FLANN LSH + RANSAC pipeline) on the same grey images, pinned to one core. Sets up what it needs (a venv with
# OpenCV, numpy and Pillow from requirements.txt; a release build of Benchmarks/FeaturesBenchmark), then hands over
# to features_vs_opencv.py, which measures, prints the table and ratios, and appends to
# results/features-vs-opencv.tsv. See README.md.
#
#   ./features-vs-opencv.sh            full run (extraction best of 3 x 2 rounds, search 1 x 2), results appended
#   ./features-vs-opencv.sh --smoke    4 images, extraction only, nothing appended: checks both sides run
# Other flags go to features_vs_opencv.py (--reps N, --rounds N, --search-reps N, --no-search, --no-append);
# --skip-build uses the existing release binary; --core N pins to another core (default 1).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="${OBJTRACE_SHARED_DATA:-$root/../shared/data}"
skip_build=0
core=1
pass=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --skip-build) skip_build=1 ;;
        --core) shift; core="$1" ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) pass+=("$1") ;;
    esac
    shift
done

if [[ ! -f "$data/dev/MANIFEST.tsv" ]]; then
    echo "features-vs-opencv: skipped: $data is absent (set OBJTRACE_SHARED_DATA)" >&2
    exit 0
fi

venv="$here/.venv"
if ! "$venv/bin/python" -c 'import cv2, numpy, PIL' 2>/dev/null; then
    want=$(grep -E '^(opencv-contrib-python-headless|numpy|pillow)==' "$here/requirements.txt" | tr '\n' ' ')
    echo "features-vs-opencv: making $venv (pip: $want)" >&2
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install -q --disable-pip-version-check $want
fi

pkg="$here/FeaturesBenchmark"
if [[ $skip_build -eq 0 ]]; then
    echo "features-vs-opencv: swift build -c release --package-path $pkg" >&2
    swift build -c release --package-path "$pkg" >&2
fi
tool="$(swift build -c release --package-path "$pkg" --show-bin-path)/FeaturesBenchmark"
[[ -x "$tool" ]] || { echo "features-vs-opencv: no release FeaturesBenchmark at $tool (run without --skip-build)" >&2; exit 1; }

command -v taskset >/dev/null || { echo "features-vs-opencv: taskset (util-linux) is needed to pin one core" >&2; exit 1; }
# One thread for OpenCV and BLAS; both tools (and the Swift child process) run on the same single core.
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    taskset -c "$core" "$venv/bin/python" "$here/features_vs_opencv.py" --tool "$tool" --data "$data" ${pass[@]+"${pass[@]}"}
