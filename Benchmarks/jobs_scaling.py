#!/usr/bin/env python3
"""`objtrace hash --jobs 2` vs `--jobs 1` (issue 19: >= 1.9x on the 12 MP, 4 MP and 1 MP sets), measured so that
a shared machine disturbs it as little as it can: the two runs alternate (j1, j2, j1, j2, ...) on the same work
list, each pair is timed back to back with the 1-minute load average recorded beside it, and the ratio is taken
per pair (a burst of other load hits both runs of a pair alike) as well as from the best of each.

Run through `jobs-scaling.sh` (which builds objtrace in release unless --skip-build); appends rows with run
`jobs` to results/side-by-side.tsv: per set and mode, `images_per_s` of j1 and j2 (best), `ratio` (best j2 /
best j1), `ratio_pair_median` and `ratio_pair_max`, and `load_average_1min` of each pair.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import side_by_side as sbs  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--objtrace", required=True)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--pairs", type=int, default=4, help="alternating j1/j2 pairs per set and mode")
    ap.add_argument("--no-append", action="store_true")
    opts = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="objtrace-jobs-"))
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    commit, cpu = sbs.git_commit(), sbs.cpu_name()
    rows: list[list[str]] = []

    def record(set_name: str, tool: str, metric: str, value: float) -> None:
        rows.append([date, commit, "jobs", cpu, set_name, tool, metric, f"{value:.4g}"])

    try:
        tiny = sbs.make_tiny_jpeg(work / "tiny.jpg")
        sets = sbs.build_sets(opts.data, work, smoke=False)
        print(f"objtrace --jobs 2 vs --jobs 1: commit {commit}, {cpu}, {date}, {opts.pairs} alternating pairs", flush=True)
        for s in sets:
            for algos, fast in [("pdq", False), ("pdq,phash,dhash", False), ("pdq,phash,dhash", True)]:
                mode = "fast" if fast else "exact"
                j1s, j2s, ratios = [], [], []
                for _ in range(opts.pairs):
                    load = os.getloadavg()[0]
                    t1 = sbs.time_objtrace(opts.objtrace, s, tiny, 1, algos, fast, 1)
                    t2 = sbs.time_objtrace(opts.objtrace, s, tiny, 1, algos, fast, 2)
                    j1s.append(t1.images_per_second)
                    j2s.append(t2.images_per_second)
                    ratios.append(t2.images_per_second / t1.images_per_second)
                    record(s.name, f"objtrace {mode} {algos.replace(',', '+')} j2 / j1 pair", "load_average_1min", load)
                    record(s.name, f"objtrace {mode} {algos.replace(',', '+')} j2 / j1 pair", "ratio", ratios[-1])
                best = max(j2s) / max(j1s)
                name = f"objtrace {mode} {algos.replace(',', '+')}"
                print(f"  {s.name:>5} {name:<34} j1 {max(j1s):7.2f} img/s, j2 {max(j2s):7.2f} img/s: best/best {best:5.2f}x, "
                      f"pairs median {statistics.median(ratios):5.2f}x max {max(ratios):5.2f}x  (load {os.getloadavg()[0]:.2f})"
                      + ("  meets bar 1.9x" if best >= 1.9 else "  BELOW bar 1.9x"), flush=True)
                record(s.name, f"{name} j1", "images_per_s", max(j1s))
                record(s.name, f"{name} j2", "images_per_s", max(j2s))
                record(s.name, f"{name} j2 / {name} j1", "ratio", best)
                record(s.name, f"{name} j2 / {name} j1", "ratio_pair_median", statistics.median(ratios))
                record(s.name, f"{name} j2 / {name} j1", "ratio_pair_max", max(ratios))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not opts.no_append:
        with open(sbs.RESULTS, "a", encoding="utf-8") as f:
            for r in rows:
                f.write("\t".join(r) + "\n")
        print(f"appended {len(rows)} rows to {sbs.RESULTS.relative_to(sbs.HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
