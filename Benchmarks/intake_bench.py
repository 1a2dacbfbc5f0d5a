#!/usr/bin/env python3
"""Intake benchmark (issue 12): tips imported into a store with 20 published objects, in chunks.

Measures, on a release build of objtrace, in one run:
  - text-only tips (claims in several spellings and languages, most naming an object) imported in chunks of
    --chunk lines with `objtrace tip import`: tips/s overall and ms per tip of every chunk (first vs last);
  - `queue`, `candidate list CODE` (the most-tipped object) and `stats` latency on the resulting store
    (best of 3 process runs, wall clock);
  - photo tips (70 % re-shared photos of a published object: crop <= 8 %, resize 40-90 %, some dihedral,
    JPEG q55-95; 30 % unrelated photos) imported with `tip import`, against `objtrace match --local` over the
    same photo files and catalogue: the ratio is what the store adds on top of decode/hash/search.
Appends one row per metric to results/intake.tsv (with the commit id) unless --no-append.

Usage: intake_bench.py --objtrace PATH [--tips 10000] [--chunk 1000] [--photo-tips 300] [--no-append]
"""
import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = Path(os.environ.get("OBJTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))

BRANDS = [("Alpro", ["Alpro", "ALPRO", "alpro ", "Alpro"]), ("Arla", ["Arla", "ARLA", "arla"]),
          ("Oatly", ["Oatly", "OATLY", "oatly"]), ("Bravo", ["Bravo", "bravo"]), ("Valio", ["Valio", "VALIO"]),
          ("Garant", ["Garant"]), ("ICA", ["ICA", "ica"])]
COUNTRIES = [["Sweden", "Schweden", "SE", "Suède", "Szwecja", "Suecia"], ["Poland", "Polen", "PL", "Pologne", "Polska"],
             ["Germany", "Deutschland", "DE", "Allemagne", "Niemcy"], ["Finland", "Finnland", "FI", "Suomi"]]
LANGS = ["en", "de", "fr", "pl", "sv"]


def run(cmd, env, **kw):
    return subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def timed(cmd, env, reps=1):
    best = None
    for _ in range(reps):
        t0 = time.perf_counter()
        run(cmd, env)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def commit_id():
    try:
        return subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


def product_images(data=DATA):
    """The dev product images, sorted: the first 20 are published, the rest serve as unrelated photos."""
    return sorted(p for p in (data / "dev" / "products").rglob("*") if p.suffix.lower() in (".jpg", ".png"))


def published_store(exe, env, objects):
    """`init` and `objects` added, approved by two analysts and published as TAO-2026-500...; their codes."""
    run([exe, "init"], env)
    codes = []
    for i, img in enumerate(objects):
        code = f"TAO-2026-{500 + i}"
        run([exe, "object", "add", "--code", code, "--title", img.stem, "--category", "packaging",
             "--question", "Where is this sold?", str(img)], env)
        run([exe, "object", "approve", code], dict(env, OBJTRACE_ANALYST="alice"))
        run([exe, "object", "approve", code], dict(env, OBJTRACE_ANALYST="bob"))
        run([exe, "object", "publish", code], dict(env, OBJTRACE_ANALYST="bob"))
        codes.append(code)
    return codes


def text_line(rng, codes, i):
    brand_name, spellings = BRANDS[rng.randrange(len(BRANDS))] if rng.random() < 0.8 else BRANDS[0]
    line = {"received": f"2026-11-{1 + i % 28:02d}", "language": rng.choice(LANGS), "text": f"text tip {i}"}
    r = rng.random()
    if r < 0.85:
        line["brand"] = rng.choice(spellings)
    if rng.random() < 0.7:
        line["country"] = rng.choice(rng.choice(COUNTRIES))
    if rng.random() < 0.9:
        # Popular objects draw most tips: object 0 gets a third of them.
        line["object"] = codes[0] if rng.random() < 0.33 else rng.choice(codes)
    return json.dumps(line, ensure_ascii=False)


def transformed_photo(src, rng, out):
    from PIL import Image
    im = Image.open(src).convert("RGB")
    w, h = im.size
    c = rng.uniform(0, 0.08)
    dx, dy = int(w * c / 2), int(h * c / 2)
    im = im.crop((dx, dy, w - dx, h - dy))
    s = rng.uniform(0.4, 0.9)
    im = im.resize((max(32, int(im.width * s)), max(32, int(im.height * s))), Image.LANCZOS)
    if rng.random() < 0.25:
        im = im.transpose(rng.choice([Image.ROTATE_90, Image.ROTATE_180, Image.ROTATE_270, Image.FLIP_LEFT_RIGHT]))
    im.save(out, "JPEG", quality=rng.randint(55, 95))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objtrace", required=True)
    ap.add_argument("--tips", type=int, default=10000)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--photo-tips", type=int, default=300)
    ap.add_argument("--no-append", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not (DATA / "dev" / "products").is_dir():
        print(f"intake-bench: skipped: {DATA} is absent (set OBJTRACE_SHARED_DATA)", file=sys.stderr)
        return 0
    exe = str(Path(args.objtrace).resolve())
    rng = random.Random(12)
    work = Path(tempfile.mkdtemp(prefix="objtrace-intake-"))
    store = work / "bench.sqlite"
    env = dict(os.environ, OBJTRACE_STORE=str(store), OBJTRACE_ANALYST="bench")
    rows = []

    def record(metric, value, note=""):
        rows.append((metric, value, note))
        print(f"{metric}\t{value}\t{note}", flush=True)

    try:
        products = product_images()
        objects, others = products[:20], products[20:]
        codes = published_store(exe, env, objects)

        # Text-only tips in chunks.
        chunks = (args.tips + args.chunk - 1) // args.chunk
        per_chunk = []
        total = 0.0
        for k in range(chunks):
            n = min(args.chunk, args.tips - k * args.chunk)
            f = work / f"text-{k:03d}.jsonl"
            f.write_text("\n".join(text_line(rng, codes, k * args.chunk + i) for i in range(n)) + "\n", encoding="utf-8")
            dt = timed([exe, "tip", "import", str(f)], env)
            total += dt
            per_chunk.append(dt * 1000 / n)
            print(f"chunk {k + 1}/{chunks}: {n} tips in {dt:.2f} s ({dt * 1000 / n:.2f} ms/tip)", flush=True)
        record("text_tips_per_s", round(args.tips / total, 1), f"{args.tips} tips, chunks of {args.chunk}")
        record("text_first_chunk_ms_per_tip", round(per_chunk[0], 3))
        record("text_last_chunk_ms_per_tip", round(per_chunk[-1], 3))
        record("text_last_over_first", round(per_chunk[-1] / per_chunk[0], 3))
        record("queue_s", round(timed([exe, "queue", "--limit", "50"], env, reps=3), 3), f"{args.tips} tips")
        record("candidate_list_s", round(timed([exe, "candidate", "list", codes[0]], env, reps=3), 3),
               f"{codes[0]}, the most-tipped object")
        record("stats_s", round(timed([exe, "stats"], env, reps=3), 3))

        # Photo tips vs match --local over the same files.
        if args.photo_tips > 0:
            pdir = work / "photos"
            pdir.mkdir()
            lines, files = [], []
            for i in range(args.photo_tips):
                related = rng.random() < 0.7
                src = rng.choice(objects) if related else rng.choice(others)
                out = pdir / f"p{i:05d}.jpg"
                transformed_photo(src, rng, out)
                files.append(str(out))
                line = {"received": "2026-11-30", "text": f"photo tip {i}", "photos": [out.name]}
                if rng.random() < 0.8:
                    line["brand"] = rng.choice(rng.choice(BRANDS)[1])
                lines.append(json.dumps(line))
            jl = pdir / "photos.jsonl"
            jl.write_text("\n".join(lines) + "\n")
            t_match = timed([exe, "match", "--local"] + files, env)
            t_import = timed([exe, "tip", "import", str(jl)], env)
            record("photo_match_local_s", round(t_match, 2), f"{args.photo_tips} photos")
            record("photo_import_s", round(t_import, 2), f"{args.photo_tips} photo tips")
            record("photo_import_over_match", round(t_import / t_match, 3))
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    if not args.no_append:
        out = HERE / "results" / "intake.tsv"
        new = not out.exists()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        load = os.getloadavg()[0]
        with out.open("a") as f:
            if new:
                f.write("date\tcommit\tmetric\tvalue\tnote\tload_1min\n")
            for metric, value, note in rows:
                f.write(f"{stamp}\t{commit_id()}\t{metric}\t{value}\t{note}\t{load:.2f}\n")
        print(f"appended {len(rows)} rows to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
