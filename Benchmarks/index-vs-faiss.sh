#!/usr/bin/env bash
# Exact Hamming radius search, objtrace against faiss, in one run on the same codes and queries:
# HammingIndex256 (radius 31) and HammingIndex64 (radius 8), automatic (multi-index) and brute force, against
# faiss IndexBinaryFlat and IndexBinaryMultiHash (several nhash/b), all single-threaded, on random and
# clustered codes. Sets up what it needs (the Benchmarks/.venv of requirements.txt, with faiss-cpu; a release
# build of Benchmarks/MatchingBenchmark), then hands over to index_vs_faiss.py. See README.md.
#
#   ./index-vs-faiss.sh            1M codes per dataset, best of 3, results appended to results/index-vs-faiss.tsv
#   ./index-vs-faiss.sh --big      1M and 10M codes (about 25 minutes; under 6.5 GB per process)
#   ./index-vs-faiss.sh --only-big 10M codes only
#   ./index-vs-faiss.sh --smoke    100k codes, 200 queries, nothing appended (well under a minute once built)
# Other flags go to index_vs_faiss.py (--datasets random256,..., --queries N, --reps N, --no-append,
# --append, --keep); --skip-build uses the existing release binary.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_options 14 "$@"

venv="$here/.venv"
if ! "$venv/bin/python" -c 'import faiss, numpy' 2>/dev/null; then
    echo "index-vs-faiss: making $venv (pip: $(grep -v '^#' "$here/requirements.txt" | tr '\n' ' '))" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
fi

pkg="$here/MatchingBenchmark"
if [[ $skip_build -eq 0 ]]; then
    echo "index-vs-faiss: swift build -c release (Benchmarks/MatchingBenchmark)" >&2
    (cd "$pkg" && swift build -c release >&2)
fi
bench="$(cd "$pkg" && swift build -c release --show-bin-path)/MatchingBenchmark"
[[ -x "$bench" ]] || { echo "index-vs-faiss: no release MatchingBenchmark at $bench (run without --skip-build)" >&2; exit 1; }

# faiss is held to one thread (omp_set_num_threads(1) in the script as well), as our search is.
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    "$venv/bin/python" "$here/index_vs_faiss.py" --bench "$bench" ${pass[@]+"${pass[@]}"}
