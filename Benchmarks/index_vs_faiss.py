"""Exact Hamming radius search: objtrace's HammingIndex256/HammingIndex64 against faiss's exact binary indexes
(IndexBinaryFlat, IndexBinaryMultiHash), on the same codes and the same queries, in one run. Called by
index-vs-faiss.sh, which makes the venv and builds MatchingBenchmark; see README.md.

Per dataset: `MatchingBenchmark compare` generates the codes and queries from a fixed seed, writes them to a
folder under /tmp, times our index and writes our result sets; then each faiss index is built and timed on
those files in a child process of its own (so its memory is its own), and its result sets are compared with
ours query by query (ids and distances). Everything is single-threaded (faiss.omp_set_num_threads(1)).

faiss's binary range_search keeps distances strictly below the radius it is given, ours keeps distances up to
and including it: faiss is asked for radius + 1, and the counts are checked equal.
"""

import argparse
import datetime
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results", "index-vs-faiss.tsv")
HEADER = "date\tcommit\trun\tcpu\tdataset\tmethod\tmetric\tvalue\n"

# IndexBinaryMultiHash settings tried (nhash tables of b bits; nflip = floor(radius / nhash) makes it exact by
# the pigeonhole principle). The best by queries/s is reported as faiss's MultiHash figure.
MULTIHASH = {256: [(8, 32), (11, 23), (12, 21), (16, 16)], 64: [(2, 32), (3, 21), (4, 16), (5, 12)]}
# Memory budget for one faiss index (the machine has 24 GB; the brief keeps a run under ~8 GB).
MEMORY_BUDGET_MIB = 7000
# Seconds one timed pass of a faiss setting may take before it is timed on fewer queries (see worker).
TIME_CAP_S = 4.0


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(folder, bits):
    nbytes = bits // 8
    codes = np.fromfile(os.path.join(folder, "codes.bin"), dtype=np.uint8).reshape(-1, nbytes)
    queries = np.fromfile(os.path.join(folder, "queries.bin"), dtype=np.uint8).reshape(-1, nbytes)
    return codes, queries


def ours_results(folder, nq):
    raw = open(os.path.join(folder, "ours.bin"), "rb").read()
    counts = np.frombuffer(raw, dtype=np.uint32, count=nq)
    total = int(counts.sum())
    ids = np.frombuffer(raw, dtype=np.uint32, count=total, offset=4 * nq)
    dists = np.frombuffer(raw, dtype=np.uint16, count=total, offset=4 * nq + 4 * total)
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
    return counts, offsets, ids, dists


def multihash_memory_estimate_mib(n, nhash, b):
    """faiss keeps one std::unordered_map<int64, std::vector<int64>> per table. Measured on 1M random codes
    (faiss 1.15.1): about 80 bytes per occupied bucket (node, slot, vector header and its allocation) plus about
    14 bytes per entry (8-byte id and vector growth)."""
    occupied = (2**b) * (1 - math.exp(-n / 2**b))
    return nhash * (occupied * 80 + n * 14) / 2**20


def worker(args):
    """One faiss index on one dataset folder: build, time, compare with ours; prints one JSON line."""
    import faiss

    faiss.omp_set_num_threads(1)
    bits, radius = args.bits, args.radius
    codes, queries = load(args.dir, bits)
    nq = len(queries)
    counts, offsets, ids, dists = ours_results(args.dir, nq)
    before = rss_mib()
    t0 = time.perf_counter()
    if args.method == "flat":
        index = faiss.IndexBinaryFlat(bits)
    else:
        index = faiss.IndexBinaryMultiHash(bits, args.nhash, args.b)
        index.nflip = radius // args.nhash
    index.add(codes)
    build = time.perf_counter() - t0
    after = rss_mib()
    del codes  # the index keeps its own copy

    # A first pass over the first 100 queries warms the index up and tells how slow it is: a slow setting is
    # timed on as many queries (an even number, so half hits) as take about TIME_CAP_S, at least 100.
    probe = queries[: min(100, args.timed_queries)]
    t0 = time.perf_counter()
    index.range_search(probe, radius + 1)
    per_query = (time.perf_counter() - t0) / len(probe)
    count = min(args.timed_queries, max(len(probe), int(TIME_CAP_S / max(per_query, 1e-9)) // 2 * 2))
    timed = queries[:count]
    best = float("inf")
    for _ in range(args.reps):
        t0 = time.perf_counter()
        lims, D, I = index.range_search(timed, radius + 1)  # faiss keeps d < radius; ours d <= radius
        best = min(best, time.perf_counter() - t0)
    # Same result sets as ours, query by query: ids (sorted) and their distances.
    mismatched = 0
    for q in range(len(timed)):
        lo, hi = lims[q], lims[q + 1]
        order = np.argsort(I[lo:hi], kind="stable")
        ours_lo, ours_hi = offsets[q], offsets[q + 1]
        if hi - lo != ours_hi - ours_lo or not (
            np.array_equal(I[lo:hi][order], ids[ours_lo:ours_hi])
            and np.array_equal(D[lo:hi][order].astype(np.uint16), dists[ours_lo:ours_hi])
        ):
            mismatched += 1
    print(json.dumps({
        "qps": len(timed) / best, "build_s": build, "queries": len(timed), "hits": int(lims[-1]),
        "ours_hits_same_queries": int(counts[: len(timed)].sum()), "mismatched_queries": mismatched,
        "index_mib": after - before, "peak_rss_mib": peak_mib(),
    }))


def commit_id():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        # Dirty when what this benchmark builds or runs differs from the commit (other modules are not timed).
        dirty = subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD", "--", "Sources/Matching",
                                "Sources/CHammingKernel", "Benchmarks/MatchingBenchmark",
                                "Benchmarks/index_vs_faiss.py"]).returncode != 0
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_name():
    try:
        names = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
        return f"{len(names)}x {names[0]}" if names else platform.processor()
    except OSError:
        return platform.processor() or "unknown"


def load1():
    return os.getloadavg()[0]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bench", help="MatchingBenchmark release binary")
    p.add_argument("--smoke", action="store_true", help="100k codes, 200 queries, one repetition, no append")
    p.add_argument("--big", action="store_true", help="also 10M codes per dataset")
    p.add_argument("--only-big", action="store_true", help="10M codes only")
    p.add_argument("--datasets", default="random256,clustered256,random64,clustered64")
    p.add_argument("--queries", type=int, default=2000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--append", dest="append", action="store_true", default=None)
    p.add_argument("--no-append", dest="append", action="store_false")
    p.add_argument("--keep", action="store_true", help="keep the code files under --tmp")
    p.add_argument("--tmp", default="/tmp/objtrace-index-vs-faiss")
    # worker mode (one faiss index in a child process)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--method", help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    p.add_argument("--bits", type=int, help=argparse.SUPPRESS)
    p.add_argument("--radius", type=int, help=argparse.SUPPRESS)
    p.add_argument("--nhash", type=int, help=argparse.SUPPRESS)
    p.add_argument("--b", type=int, help=argparse.SUPPRESS)
    p.add_argument("--timed-queries", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)

    run = "smoke" if args.smoke else "full"
    append = args.append if args.append is not None else not args.smoke
    if args.smoke:
        sizes, args.queries, args.reps = [100_000], 200, 1
    elif args.only_big:
        sizes = [10_000_000]
    else:
        sizes = [1_000_000] + ([10_000_000] if args.big else [])
    datasets = args.datasets.split(",")
    commit, cpu = commit_id(), cpu_name()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []

    def row(dataset, method, metric, value):
        rows.append((dataset, method, metric, value))

    import faiss
    print(f"index-vs-faiss: {run} run, commit {commit}, {cpu}, faiss {faiss.__version__}, numpy {np.__version__}; "
          f"single-threaded on both sides; load average {load1():.2f} at start")
    row("-", "-", "load_average_1min", round(load1(), 3))
    failures = 0
    for n in sizes:
        for ds in datasets:
            bits = 256 if ds.endswith("256") else 64
            radius = 31 if bits == 256 else 8
            label = f"{ds} {n // 1_000_000}M" if n >= 1_000_000 else f"{ds} {n // 1000}k"
            folder = os.path.join(args.tmp, f"{ds}-{n}")
            os.makedirs(folder, exist_ok=True)
            brute_queries = min(args.queries, 200 if n <= 1_000_000 else 100)
            print(f"\n== {label}: {n:,} {bits}-bit codes, {args.queries} queries (half indexed codes with bits "
                  f"flipped, half random), radius {radius}; load {load1():.2f}", flush=True)
            out = subprocess.run([args.bench, "compare", "--dataset", ds, "--count", str(n), "--queries",
                                  str(args.queries), "--radius", str(radius), "--reps", str(args.reps),
                                  "--brute-queries", str(brute_queries), "--dir", folder],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                raise SystemExit(f"MatchingBenchmark compare failed on {label}")
            ours = json.loads(out.stdout.strip().splitlines()[-1])
            table = []
            table.append(("objtrace automatic", ours["auto_qps"], ours["build_s"], ours["index_mib"],
                          ours["peak_rss_mib"], ours["queries"], ours["hits"],
                          f"{ours['tables']} tables; = brute force on {ours['brute_queries']} queries: "
                          f"{'yes' if ours['mismatches_vs_brute'] == 0 else 'NO'}"))
            table.append(("objtrace bruteForce", ours["brute_qps"], None, None, None, ours["brute_queries"],
                          None, ""))
            if ours["mismatches_vs_brute"]:
                failures += 1
            jobs = [("faiss IndexBinaryFlat", "flat", None, None, brute_queries)]
            for nhash, b in MULTIHASH[bits]:
                name = f"faiss IndexBinaryMultiHash nhash={nhash} b={b} nflip={radius // nhash}"
                jobs.append((name, "multihash", nhash, b, args.queries))
            best_mh = None
            for name, method, nhash, b, nq in jobs:
                if method == "multihash":
                    est = multihash_memory_estimate_mib(n, nhash, b)
                    if est > MEMORY_BUDGET_MIB:
                        table.append((name, None, None, None, None, 0, None,
                                      f"skipped: estimated {est / 1024:.1f} GiB > {MEMORY_BUDGET_MIB / 1024:.1f} GiB"))
                        continue
                cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--method", method, "--dir", folder,
                       "--bits", str(bits), "--radius", str(radius), "--timed-queries", str(nq),
                       "--reps", str(args.reps if method == "multihash" else 1)]
                if nhash:
                    cmd += ["--nhash", str(nhash), "--b", str(b)]
                w = subprocess.run(cmd, capture_output=True, text=True)
                if w.returncode != 0:
                    print(w.stderr[-2000:], file=sys.stderr)
                    table.append((name, None, None, None, None, nq, None, "failed"))
                    failures += 1
                    continue
                r = json.loads(w.stdout.strip().splitlines()[-1])
                same = r["mismatched_queries"] == 0 and r["hits"] == r["ours_hits_same_queries"]
                if not same:
                    failures += 1
                table.append((name, r["qps"], r["build_s"], r["index_mib"], r["peak_rss_mib"], r["queries"],
                              r["hits"], f"same result sets as ours: {'yes' if same else 'NO'}"
                              + ("" if same else f" ({r['mismatched_queries']} queries differ)")))
                if method == "flat":
                    row(label, "faiss IndexBinaryFlat", "queries_per_s", round(r["qps"], 1))
                else:
                    row(label, name, "queries_per_s", round(r["qps"], 1))
                    row(label, name, "build_s", round(r["build_s"], 3))
                    row(label, name, "index_mib", round(r["index_mib"], 1))
                    if same and (best_mh is None or r["qps"] > best_mh[1]):
                        best_mh = (name, r["qps"])
            print(f"  {'method':<54} {'queries/s':>10} {'build s':>8} {'index MiB':>9} {'peak MiB':>8} "
                  f"{'queries':>7} {'hits':>7}  check")
            for name, qps, build, mem, peak, nq, hits, note in table:
                f = lambda v, fmt: (format(v, fmt) if v is not None else "-")
                print(f"  {name:<54} {f(qps, '10.1f'):>10} {f(build, '8.2f'):>8} {f(mem, '9.0f'):>9} "
                      f"{f(peak, '8.0f'):>8} {nq:>7} {f(hits, '7d'):>7}  {note}")
            row(label, "objtrace automatic", "queries_per_s", round(ours["auto_qps"], 1))
            row(label, "objtrace automatic", "build_s", ours["build_s"])
            row(label, "objtrace automatic", "index_mib", ours["index_mib"])
            row(label, "objtrace automatic", "tables", ours["tables"])
            row(label, "objtrace bruteForce", "queries_per_s", round(ours["brute_qps"], 1))
            row(label, "-", "hits_per_hit_query", round(ours["hit_query_hits"] / ((ours["queries"] + 1) // 2), 2))
            flat_qps = next((t[1] for t in table if t[0] == "faiss IndexBinaryFlat"), None)
            best_faiss = max([x for x in [flat_qps, best_mh[1] if best_mh else None] if x], default=None)
            if best_faiss:
                ratio = ours["auto_qps"] / best_faiss
                best_name = best_mh[0] if best_mh and best_mh[1] >= (flat_qps or 0) else "faiss IndexBinaryFlat"
                print(f"  objtrace automatic / best faiss ({best_name}): {ratio:.2f}x  "
                      f"{'meets' if ratio >= 1 else 'BELOW'}; load {load1():.2f}")
                row(label, "objtrace automatic / best faiss", "ratio", round(ratio, 3))
            if not args.keep:
                for f_ in ("codes.bin", "queries.bin", "ours.bin"):
                    try:
                        os.remove(os.path.join(folder, f_))
                    except FileNotFoundError:
                        pass
                try:
                    os.rmdir(folder)
                except OSError:
                    pass
    row("-", "-", "load_average_1min_end", round(load1(), 3))
    if append:
        new = not os.path.exists(RESULTS)
        with open(RESULTS, "a") as f:
            if new:
                f.write(HEADER)
            for ds, method, metric, value in rows:
                f.write(f"{date}\t{commit}\t{run}\t{cpu}\t{ds}\t{method}\t{metric}\t{value}\n")
        print(f"\nappended {len(rows)} rows to {os.path.relpath(RESULTS, ROOT)}")
    if failures:
        raise SystemExit(f"index-vs-faiss: {failures} result-set mismatches or failures")


if __name__ == "__main__":
    main()
