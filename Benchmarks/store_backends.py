#!/usr/bin/env python3
"""Store back ends side by side (issue 15): SQLite file vs PostgreSQL database, same CLI, same tips.

For each back end, on a release build of objtrace, in one run:
  - a store with 20 published objects (as the intake benchmark);
  - text-only tips (the intake benchmark's generator) imported by 1 writer (`tip import` of one file), then
    by 4 writers at once (4 processes, one file each): tips/s of the wall clock;
  - photo tips (re-shared photos of a published object) by 1 writer: ms per photo tip, and for PostgreSQL the
    bytes its blob tables grew by per photo tip (images live in the database there, in files for SQLite);
  - `audit verify` at the end (must pass).
Appends one row per metric to results/store-backends.tsv (with the commit id) unless --no-append.

Usage: store_backends.py --objtrace PATH --postgres URL [--tips 2000] [--photo-tips 40] [--no-append]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_bench import DATA, commit_id, product_images, published_store, run, text_line, transformed_photo  # noqa: E402

HERE = Path(__file__).resolve().parent


def with_database(url, name):
    base, _, query = url.partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{name}" + (f"?{query}" if query else "")


def psql(url, sql):
    subprocess.run(["psql", url, "-qAtc", sql], check=True, stdout=subprocess.PIPE)


def psql_value(url, sql):
    return subprocess.run(["psql", url, "-qAtc", sql], check=True, stdout=subprocess.PIPE, text=True).stdout.strip()


def bench(exe, store, label, args, rng, work, rows, pg_url=None):
    def record(metric, value, note=""):
        rows.append((f"{label}_{metric}", value, note))
        print(f"{label}_{metric}\t{value}\t{note}", flush=True)

    env = dict(os.environ, OBJTRACE_STORE=store, OBJTRACE_ANALYST="bench")
    objects = product_images()[:20]
    codes = published_store(exe, env, objects)

    # 1 writer.
    f = work / f"{label}-one.jsonl"
    f.write_text("\n".join(text_line(rng, codes, i) for i in range(args.tips)) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    run([exe, "tip", "import", str(f)], env)
    dt = time.perf_counter() - t0
    record("text_tips_per_s_1_writer", round(args.tips / dt, 1), f"{args.tips} tips, one tip import")

    # 4 writers at once, distinct tips.
    files = []
    per = args.tips // 4
    for w in range(4):
        g = work / f"{label}-w{w}.jsonl"
        g.write_text("\n".join(text_line(rng, codes, 100000 * (w + 1) + i) for i in range(per)) + "\n", encoding="utf-8")
        files.append(g)
    t0 = time.perf_counter()
    procs = [subprocess.Popen([exe, "tip", "import", str(g)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for g in files]
    errs = [p.communicate()[1] for p in procs]
    dt = time.perf_counter() - t0
    if any(p.returncode != 0 for p in procs):
        raise SystemExit(f"{label}: a writer failed: {[e.decode()[-300:] for e in errs]}")
    record("text_tips_per_s_4_writers", round(4 * per / dt, 1), f"4 x {per} tips, 4 tip import processes at once")

    # Photo tips, 1 writer.
    if args.photo_tips > 0:
        before = int(psql_value(pg_url, "SELECT coalesce(sum(size), 0) FROM blobs")) if pg_url else 0
        before_rel = int(psql_value(pg_url, "SELECT pg_total_relation_size('blob_chunks') + pg_total_relation_size('blobs')")) if pg_url else 0
        lines = []
        for i in range(args.photo_tips):
            k = i % len(objects)
            out = work / f"{label}-photo-{i}.jpg"
            transformed_photo(objects[k], rng, out)
            lines.append(f'{{"received":"2026-11-30","text":"photo tip {i}","photos":["{out.name}"]}}')
        p = work / f"{label}-photos.jsonl"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        t0 = time.perf_counter()
        run([exe, "tip", "import", str(p)], env)
        dt = time.perf_counter() - t0
        record("photo_tip_ms", round(dt * 1000 / args.photo_tips, 1), f"{args.photo_tips} photo tips, one tip import")
        if pg_url:
            grown = int(psql_value(pg_url, "SELECT coalesce(sum(size), 0) FROM blobs")) - before
            rel = int(psql_value(pg_url, "SELECT pg_total_relation_size('blob_chunks') + pg_total_relation_size('blobs')")) - before_rel
            record("photo_tip_blob_bytes", grown // args.photo_tips, "blob content per photo tip")
            record("photo_tip_blob_table_bytes", rel // args.photo_tips, "blob tables' on-disk growth per photo tip (TOAST-compressed)")
    out = subprocess.run([exe, "audit", "verify"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{label}: audit verify failed: {out.stderr}")
    record("audit_verify_ok", 1, out.stdout.strip()[:80])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objtrace", required=True)
    ap.add_argument("--postgres", required=True)
    ap.add_argument("--tips", type=int, default=2000)
    ap.add_argument("--photo-tips", type=int, default=40)
    ap.add_argument("--no-append", action="store_true")
    args = ap.parse_args()
    if not (DATA / "dev" / "products").is_dir():
        print(f"store-backends: skipped: {DATA} is absent (set OBJTRACE_SHARED_DATA)", file=sys.stderr)
        return 0
    exe = str(Path(args.objtrace).resolve())
    work = Path(tempfile.mkdtemp(prefix="objtrace-backends-"))
    rows = []
    name = f"objtrace_bench_{uuid.uuid4().hex[:12]}"
    pg_store = with_database(args.postgres, name)
    try:
        bench(exe, str(work / "bench.sqlite"), "sqlite", args, random.Random(15), work, rows)
        psql(args.postgres, f"CREATE DATABASE {name}")
        bench(exe, pg_store, "postgres", args, random.Random(15), work, rows, pg_url=pg_store)
    finally:
        try:
            psql(args.postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception:
            pass
        shutil.rmtree(work, ignore_errors=True)
    if not args.no_append:
        res = HERE / "results" / "store-backends.tsv"
        new = not res.exists()
        load = os.getloadavg()[0]
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with res.open("a", encoding="utf-8") as fh:
            if new:
                fh.write("date\tcommit\tmetric\tvalue\tnote\tload_1min\n")
            for metric, value, note in rows:
                fh.write(f"{stamp}\t{commit_id()}\t{metric}\t{value}\t{note}\t{load:.2f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
