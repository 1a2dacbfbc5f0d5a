#!/usr/bin/env python3
"""Local features side by side: objtrace (LocalFeatures) against OpenCV ORB, same grey images, same core.

Run through `features-vs-opencv.sh`, which makes the venv, builds Benchmarks/FeaturesBenchmark in release and
pins everything to one core (taskset -c 1). In ONE run:

  extraction  every dev/photos image with a long side of at least 320 px, converted to grey and (if larger)
              area-resized to a long side of 640 (objtrace's working size, so neither tool resizes), written as
              PNG. objtrace: `FeaturesBenchmark extract` (FeatureExtractor defaults: 1,000 keypoints, 6 levels,
              plain + mirrored descriptors). OpenCV: `cv2.ORB_create(nfeatures=1000).detectAndCompute` with
              cv2.setNumThreads(1). Both time only the call, on pixels already in memory, per image, best of
              --reps passes; images/s = images / sum of per-image bests.
  search      a catalogue of 100 objects (the 71 dev/products crops plus central crops of 29 photos) and
              queries made here with a fixed seed: catalogue objects pasted into other photos (scaled to 30-60 %
              of the scene's long side, rotated up to 15 degrees), and photos that hold no catalogue object.
              objtrace: `FeaturesBenchmark search` (what `match --local` does after decoding: extract, global
              vote over every crop, RANSAC on the top 5). OpenCV: ORB 1000 on every crop, one FLANN LSH index
              over all crops' descriptors, knnMatch k=2 with Lowe's ratio 0.8, votes per crop, findHomography
              RANSAC (5 px) on the 5 best-voted crops, a hit when it has >= 12 inliers. Recall = positives whose
              best hit is the pasted object (or one of its MANIFEST group); false = hits on any other object.

The two tools alternate --rounds times (objtrace, OpenCV, objtrace, ...) and each keeps its best, because the
machine is shared and noisy. Results: a table on stdout and, unless --no-append, rows appended to
results/features-vs-opencv.tsv with the commit id.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "features-vs-opencv.tsv"
TSV_HEADER = ["date", "commit", "run", "cpu", "set", "tool", "metric", "value"]


def grey_capped(path: Path, cap: int = 640) -> Image.Image:
    im = Image.open(path)
    im = im.convert("L")
    im.info.clear()  # no ICC profile (an RGB profile on a grey PNG makes libpng warn)
    w, h = im.size
    if max(w, h) > cap:
        s = cap / max(w, h)
        im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BOX)
    return im


def manifest_groups(data: Path) -> dict[str, str]:
    groups = {}
    lines = (data / "dev" / "MANIFEST.tsv").read_text().splitlines()
    head = lines[0].split("\t")
    fi, gi = head.index("file"), head.index("group")
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) > gi:
            groups[cols[fi]] = cols[gi]
    return groups


# MARK: Extraction

def make_extraction_set(data: Path, out: Path) -> list[Path]:
    files = []
    for p in sorted((data / "dev" / "photos").iterdir()):
        if p.suffix.lower() not in (".jpg", ".png"):
            continue
        im = grey_capped(p)
        if max(im.size) < 320:
            continue
        dst = out / f"x_{p.stem}.png"
        im.save(dst)
        files.append(dst)
    return files


def objtrace_extract(tool: str, files: list[Path], reps: int) -> dict:
    r = subprocess.run([tool, "extract", "--reps", str(reps), *map(str, files)], check=True, capture_output=True,
                       text=True)
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    per = [x for x in rows if "file" in x]
    return {"ms": [x["ms"] for x in per], "cpu_ms": [x["cpu_ms"] for x in per], "keypoints": [x["keypoints"] for x in per]}


def opencv_extract(files: list[Path], reps: int) -> dict:
    imgs = [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE) for f in files]
    orb = cv2.ORB_create(nfeatures=1000)
    orb.detectAndCompute(imgs[0], None)  # warm-up
    best = [math.inf] * len(imgs)
    best_cpu = [math.inf] * len(imgs)
    counts = [0] * len(imgs)
    for _ in range(reps):
        for i, img in enumerate(imgs):
            t0, c0 = time.perf_counter(), time.thread_time()
            k, _d = orb.detectAndCompute(img, None)
            best_cpu[i] = min(best_cpu[i], (time.thread_time() - c0) * 1000)
            best[i] = min(best[i], (time.perf_counter() - t0) * 1000)
            counts[i] = len(k)
    return {"ms": best, "cpu_ms": best_cpu, "keypoints": counts}


# MARK: Search

def paste(obj: Image.Image, scene: Image.Image, rng: random.Random) -> Image.Image:
    scene = scene.copy()
    sw, sh = scene.size
    side = rng.uniform(0.30, 0.60) * max(sw, sh)
    s = side / max(obj.size)
    o = obj.resize((max(8, round(obj.size[0] * s)), max(8, round(obj.size[1] * s))), Image.BOX)
    angle = rng.uniform(-15, 15)
    mask = Image.new("L", o.size, 255).rotate(angle, resample=Image.BILINEAR, expand=True)
    o = o.rotate(angle, resample=Image.BILINEAR, expand=True)
    ox = rng.randint(0, max(0, sw - o.size[0]))
    oy = rng.randint(0, max(0, sh - o.size[1]))
    scene.paste(o, (ox, oy), mask)
    return scene


def make_search_set(data: Path, out: Path, seed: int = 19) -> tuple[list[Path], list[str], list[Path], list[str | None]]:
    groups = manifest_groups(data)
    rng = random.Random(seed)
    products = sorted(p for p in (data / "dev" / "products").rglob("*") if p.suffix.lower() in (".jpg", ".png"))
    photos = sorted(p for p in (data / "dev" / "photos").iterdir() if p.suffix.lower() in (".jpg", ".png"))
    photos = [p for p in photos if min(Image.open(p).size) >= 200]
    rng.shuffle(photos)

    def group(p: Path) -> str:
        rel = str(p.relative_to(data / "dev"))
        return groups.get(rel, rel)

    crop_sources = photos[: 100 - len(products)]
    backgrounds = [p for p in photos[len(crop_sources):] if group(p) not in {group(c) for c in crop_sources}]
    catalogue, cat_groups = [], []
    for p in products:
        dst = out / f"c_{len(catalogue):03d}.png"
        grey_capped(p).save(dst)
        catalogue.append(dst)
        cat_groups.append(group(p))
    for p in crop_sources:
        im = grey_capped(p)
        w, h = im.size
        im = im.crop((w // 5, h // 5, w - w // 5, h - h // 5))
        dst = out / f"c_{len(catalogue):03d}.png"
        im.save(dst)
        catalogue.append(dst)
        cat_groups.append(group(p))
    queries, truth = [], []
    picks = list(range(len(catalogue)))
    rng.shuffle(picks)
    for k, ci in enumerate(picks[:50]):
        bg = backgrounds[k % len(backgrounds)]
        scene = paste(Image.open(catalogue[ci]), grey_capped(bg), rng)
        dst = out / f"q_{len(queries):03d}.png"
        scene.save(dst)
        queries.append(dst)
        truth.append(cat_groups[ci])
    for bg in backgrounds[:20]:
        dst = out / f"q_{len(queries):03d}.png"
        grey_capped(bg).save(dst)
        queries.append(dst)
        truth.append(None)
    return catalogue, cat_groups, queries, truth


def objtrace_search(tool: str, catalogue: list[Path], queries: list[Path], reps: int, tmp: Path) -> dict:
    (tmp / "catalogue.txt").write_text("".join(f"{p}\n" for p in catalogue))
    (tmp / "queries.txt").write_text("".join(f"{p}\n" for p in queries))
    r = subprocess.run([tool, "search", "--reps", str(reps), "--catalogue", str(tmp / "catalogue.txt"),
                        "--queries", str(tmp / "queries.txt")], check=True, capture_output=True, text=True)
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    index = {str(p): i for i, p in enumerate(catalogue)}
    per = [x for x in rows if "query" in x]
    return {"ms": [x["ms"] for x in per], "cpu_ms": [x["cpu_ms"] for x in per],
            "hit": [index[x["hit"]] if x["hit"] else None for x in per]}


def opencv_search(catalogue: list[Path], queries: list[Path], reps: int) -> dict:
    orb = cv2.ORB_create(nfeatures=1000)
    cat_kp, cat_desc = [], []
    for p in catalogue:
        k, d = orb.detectAndCompute(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE), None)
        cat_kp.append(k)
        cat_desc.append(d if d is not None else np.zeros((0, 32), np.uint8))
    flann = cv2.FlannBasedMatcher(dict(algorithm=6, table_number=6, key_size=12, multi_probe_level=1),
                                  dict(checks=50))
    flann.add([d for d in cat_desc])
    flann.train()
    imgs = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in queries]

    def search(img):
        k, d = orb.detectAndCompute(img, None)
        if d is None or len(k) < 2:
            return None
        votes: dict[int, list] = {}
        for pair in flann.knnMatch(d, k=2):
            if len(pair) == 2 and pair[0].distance < 0.8 * pair[1].distance:
                votes.setdefault(pair[0].imgIdx, []).append(pair[0])
        best, best_inliers = None, 0
        for ci in sorted(votes, key=lambda c: -len(votes[c]))[:5]:
            ms = votes[ci]
            if len(ms) < 4:
                continue
            src = np.float32([cat_kp[ci][m.trainIdx].pt for m in ms]).reshape(-1, 1, 2)
            dst = np.float32([k[m.queryIdx].pt for m in ms]).reshape(-1, 1, 2)
            _h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 5.0)
            inliers = int(mask.sum()) if mask is not None else 0
            if inliers >= 12 and inliers > best_inliers:
                best, best_inliers = ci, inliers
        return best

    search(imgs[0])
    best_ms = [math.inf] * len(imgs)
    best_cpu = [math.inf] * len(imgs)
    hits = [None] * len(imgs)
    for _ in range(reps):
        for i, img in enumerate(imgs):
            t0, c0 = time.perf_counter(), time.thread_time()
            hits[i] = search(img)
            best_cpu[i] = min(best_cpu[i], (time.thread_time() - c0) * 1000)
            best_ms[i] = min(best_ms[i], (time.perf_counter() - t0) * 1000)
    return {"ms": best_ms, "cpu_ms": best_cpu, "hit": hits}


def score(hits: list, truth: list, cat_groups: list[str]) -> tuple[float, int]:
    pos = [i for i, t in enumerate(truth) if t is not None]
    found = sum(1 for i in pos if hits[i] is not None and cat_groups[hits[i]] == truth[i])
    false = sum(1 for i, h in enumerate(hits) if h is not None and cat_groups[h] != truth[i])
    return found / max(1, len(pos)), false


# MARK: Main

def merge(best: dict | None, new: dict) -> dict:
    """Per-item best times of two rounds; the rest (keypoint counts, hits) from the newer round."""
    if best is None:
        return new
    out = dict(new)
    for key in ("ms", "cpu_ms"):
        out[key] = list(map(min, best[key], new[key]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, help="FeaturesBenchmark binary (release)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--search-reps", type=int, default=1, help="passes over the queries per round (search)")
    ap.add_argument("--smoke", action="store_true", help="4 images, 1 rep, 1 round, no search, nothing appended")
    ap.add_argument("--no-search", action="store_true")
    ap.add_argument("--no-append", action="store_true")
    a = ap.parse_args()
    cv2.setNumThreads(1)
    data = Path(a.data)
    if a.smoke:
        a.reps, a.rounds, a.no_search, a.no_append = 1, 1, True, True
    commit = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain", "--", "../Sources"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        commit += "+dirty"
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    rows: list[tuple[str, str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="features-vs-opencv-") as tmpdir:
        tmp = Path(tmpdir)
        files = make_extraction_set(data, tmp)
        if a.smoke:
            files = files[:4]
        px = statistics.mean(Image.open(f).size[0] * Image.open(f).size[1] for f in files)
        ours = theirs = None
        for _ in range(a.rounds):
            ours = merge(ours, objtrace_extract(a.tool, files, a.reps))
            theirs = merge(theirs, opencv_extract(files, a.reps))
        n = len(files)
        o_ips, t_ips = n / (sum(ours["ms"]) / 1000), n / (sum(theirs["ms"]) / 1000)
        o_cps, t_cps = n / (sum(ours["cpu_ms"]) / 1000), n / (sum(theirs["cpu_ms"]) / 1000)
        print(f"extraction: {n} grey images, mean {px / 1e6:.3f} MP, one core {affinity}, best of {a.reps} x {a.rounds}")
        print(f"  objtrace FeatureExtractor  {o_ips:8.1f} images/s ({o_cps:6.1f} per CPU s)  median {statistics.median(ours['ms']):6.2f} ms"
              f"  keypoints mean {statistics.mean(ours['keypoints']):.0f}")
        print(f"  OpenCV ORB (1000)          {t_ips:8.1f} images/s ({t_cps:6.1f} per CPU s)  median {statistics.median(theirs['ms']):6.2f} ms"
              f"  keypoints mean {statistics.mean(theirs['keypoints']):.0f}")
        print(f"  ratio objtrace / OpenCV: {o_ips / t_ips:.2f}x wall, {o_cps / t_cps:.2f}x CPU time")
        set_name = f"photos-grey-640 ({n})"
        rows += [(set_name, "objtrace extract", "images_per_s", o_ips),
                 (set_name, "objtrace extract", "images_per_cpu_s", o_cps),
                 (set_name, "objtrace extract", "median_ms", statistics.median(ours["ms"])),
                 (set_name, "objtrace extract", "keypoints_mean", statistics.mean(ours["keypoints"])),
                 (set_name, "opencv orb 1000", "images_per_s", t_ips),
                 (set_name, "opencv orb 1000", "images_per_cpu_s", t_cps),
                 (set_name, "opencv orb 1000", "median_ms", statistics.median(theirs["ms"])),
                 (set_name, "opencv orb 1000", "keypoints_mean", statistics.mean(theirs["keypoints"])),
                 (set_name, "objtrace/opencv", "extract_ratio_wall", o_ips / t_ips),
                 (set_name, "objtrace/opencv", "extract_ratio_cpu", o_cps / t_cps)]
        if not a.no_search:
            catalogue, cat_groups, queries, truth = make_search_set(data, tmp)
            ours = theirs = None
            for _ in range(a.rounds):
                ours = merge(ours, objtrace_search(a.tool, catalogue, queries, a.search_reps, tmp))
                theirs = merge(theirs, opencv_search(catalogue, queries, a.search_reps))
            npos = sum(1 for t in truth if t is not None)
            o_rec, o_false = score(ours["hit"], truth, cat_groups)
            t_rec, t_false = score(theirs["hit"], truth, cat_groups)
            nq = len(queries)
            o_pps, t_pps = nq / (sum(ours["ms"]) / 1000), nq / (sum(theirs["ms"]) / 1000)
            o_cps, t_cps = nq / (sum(ours["cpu_ms"]) / 1000), nq / (sum(theirs["cpu_ms"]) / 1000)
            print(f"search: catalogue {len(catalogue)} objects, {nq} queries ({npos} with a pasted object), "
                  f"best of {a.search_reps} x {a.rounds}")
            print(f"  objtrace vote + RANSAC top 5  {o_pps:6.1f} photos/s ({o_cps:6.1f} per CPU s)  median {statistics.median(ours['ms']):7.2f} ms"
                  f"  recall {o_rec:.2f}  false matches {o_false}")
            print(f"  OpenCV ORB + LSH + RANSAC     {t_pps:6.1f} photos/s ({t_cps:6.1f} per CPU s)  median {statistics.median(theirs['ms']):7.2f} ms"
                  f"  recall {t_rec:.2f}  false matches {t_false}")
            print(f"  ratio objtrace / OpenCV: {o_pps / t_pps:.2f}x wall, {o_cps / t_cps:.2f}x CPU time")
            set_name = f"catalogue-{len(catalogue)} queries-{nq}"
            rows += [(set_name, "objtrace match --local", "photos_per_s", o_pps),
                     (set_name, "objtrace match --local", "photos_per_cpu_s", o_cps),
                     (set_name, "objtrace match --local", "recall", o_rec),
                     (set_name, "objtrace match --local", "false_matches", o_false),
                     (set_name, "opencv orb+lsh+ransac", "photos_per_s", t_pps),
                     (set_name, "opencv orb+lsh+ransac", "photos_per_cpu_s", t_cps),
                     (set_name, "opencv orb+lsh+ransac", "recall", t_rec),
                     (set_name, "opencv orb+lsh+ransac", "false_matches", t_false),
                     (set_name, "objtrace/opencv", "search_ratio_wall", o_pps / t_pps),
                     (set_name, "objtrace/opencv", "search_ratio_cpu", o_cps / t_cps)]
    if not a.no_append:
        date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        load = os.getloadavg()[0]
        new = not RESULTS.exists()
        with RESULTS.open("a") as f:
            if new:
                f.write("\t".join(TSV_HEADER) + "\n")
            f.write("\t".join([date, commit, "full", cpu, "-", "-", "load_average_1min", f"{load:.3f}"]) + "\n")
            for set_name, tool, metric, value in rows:
                f.write("\t".join([date, commit, "full", cpu, set_name, tool, metric, f"{value:.4g}"]) + "\n")
        print(f"appended {len(rows) + 1} rows to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
