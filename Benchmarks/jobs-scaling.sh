#!/usr/bin/env bash
# `objtrace hash --jobs 2` vs `--jobs 1` on the side-by-side sets (at least --min-images a run), and `match --local`
# / `tip import` with both on --photo-tips photo tips, alternating pairs (see jobs_scaling.py).
#   ./jobs-scaling.sh [--skip-build] [--pairs N] [--min-images N] [--photo-tips N] [--only hash|pipelines] [--no-append]
# Needs what side-by-side.sh sets up (its venv for Pillow; run that once first).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_options 5 "$@"
[[ -f "$data/dev/MANIFEST.tsv" ]] || { echo "jobs-scaling: skipped: $data is absent" >&2; exit 0; }
[[ -x "$here/.venv/bin/python" ]] || { echo "jobs-scaling: run side-by-side.sh once first (it makes the venv)" >&2; exit 1; }
bin="$(bench_objtrace jobs-scaling)"
exec "$here/.venv/bin/python" "$here/jobs_scaling.py" --objtrace "$bin" --data "$data" ${pass[@]+"${pass[@]}"}
