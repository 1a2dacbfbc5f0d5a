#!/usr/bin/env python3
"""Load benchmark for `objtrace serve` (issue 14): tips from a second process on loopback.

Bounded and self-stopping: builds a fresh store in a temporary folder, starts the server on a free loopback
port (rate limiting off), sends N tips (a share with a distinct photo each) with C concurrent clients, and
while the load runs an analyst publishes a new object from the CLI; that object must appear in the gallery at
once and later tips with its photo must match it, without a restart. Then: every receipt must name a tip in
the store, no answer may be a 5xx, `objtrace audit verify` must pass. The server is stopped with SIGTERM
(graceful) and its peak RSS (VmHWM) read before.

Usage: server_load.py OBJTRACE_BINARY [--tips 4500] [--photo-share 0.3] [--concurrency 32] [--run full]
Appends rows to Benchmarks/results/server-load.tsv (date, commit, run, cpu, metric, value).
"""
import argparse
import concurrent.futures as cf
import hashlib
import http.client
import io
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SAMPLES = os.path.join(REPO, "samples")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(binary, store, *args):
    env = dict(os.environ, OBJTRACE_STORE=store)
    r = subprocess.run([binary, *args, "--store", store], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit("objtrace %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def publish(binary, store, code, image, category, question):
    cli(binary, store, "object", "add", image, "--code", code, "--title", code, "--category", category,
        "--question", question, "--analyst", "alice")
    cli(binary, store, "object", "approve", code, "--analyst", "alice")
    cli(binary, store, "object", "approve", code, "--analyst", "bob")
    cli(binary, store, "object", "publish", code, "--analyst", "bob")


def photo_variants(base_paths, count, seed):
    """Distinct JPEGs (a different SHA-256 each, as distinct tipsters' photos are): each base image resized a
    little and re-encoded with a marked pixel block, so perceptual hashes stay those of the base."""
    from PIL import Image
    rng = random.Random(seed)
    bases = []
    for p in base_paths:
        try:
            im = Image.open(p).convert("RGB")
        except OSError:
            continue  # the shared set holds deliberately damaged files
        im.thumbnail((1024, 1024))  # phone-photo sizes; keeps the generated set small
        bases.append(im)
    out = []
    for i in range(count):
        img = bases[i % len(bases)]
        w, h = img.size
        scale = rng.uniform(0.9, 1.0)
        v = img.resize((max(64, int(w * scale)), max(64, int(h * scale))))
        px = v.load()
        for dx in range(3):
            px[dx, 0] = ((i >> 16) & 255, (i >> 8) & 255, i & 255)
        buf = io.BytesIO()
        v.save(buf, "JPEG", quality=rng.randint(85, 93))
        out.append(buf.getvalue())
    return out


def multipart(fields, photo=None):
    boundary = "----objtrace-load-" + uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
    if photo is not None:
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n"
                      "Content-Type: image/jpeg\r\n\r\n" % boundary).encode() + photo + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def post_tip(port, body, ctype):
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/api/v1/tips", body=body, headers={"Content-Type": ctype})
        r = conn.getresponse()
        data = r.read()
        return r.status, data, time.perf_counter() - start
    except Exception as e:  # connection refused/reset counts as a failure, never as success
        return 0, str(e).encode(), time.perf_counter() - start
    finally:
        conn.close()


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def percentile(values, p):
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--tips", type=int, default=4500)
    ap.add_argument("--photo-share", type=float, default=0.3)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--claims-share", type=float, default=0.2,
                    help="share of tips with brand/country claims (each re-ranks its object's candidates)")
    ap.add_argument("--run", default="full")
    ap.add_argument("--keep", action="store_true", help="keep the temporary store")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="objtrace-load-")
    store = os.path.join(work, "load.sqlite")
    cli(binary, store, "init", "--analyst", "alice")
    objects = [("TAO-2026-101", "grocery_iconic_Alpro-Fresh-Soy-Milk.jpg", "packaging"),
               ("TAO-2026-102", "grocery_iconic_Oatly-Oat-Milk.jpg", "bottle")]
    for code, file, cat in objects:
        publish(binary, store, code, os.path.join(SAMPLES, "objects", file), cat, "Where is this sold?")
    late_code = "TAO-2026-103"
    late_image = os.path.join(SAMPLES, "objects", "grocery_iconic_Tropicana-Mandarin-Morning.jpg")

    n_photo = int(round(args.tips * args.photo_share))
    # Many different scenes, as from many tipsters (near-duplicates of few images would make every photo match
    # hundreds of earlier ones): the JPEGs under ../shared/data/dev, else samples/tips.
    shared = os.environ.get("OBJTRACE_SHARED_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))
    bases = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(shared, "dev")) for f in fs
                   if f.lower().endswith(".jpg"))[:300]
    if not bases:
        bases = [os.path.join(SAMPLES, "tips", f) for f in ("alpro-mirrored-resized.jpg",
                                                            "grocery_natural_Oatly-Oat-Milk_006.jpg", "tx_labelme_q0003.jpg")]
    print("photo bases: %d distinct images" % len(bases), file=sys.stderr)
    photos = photo_variants(bases, n_photo, seed=14)
    late_photos = photo_variants([late_image], 20, seed=15)
    photo_every = args.tips / max(1, n_photo)
    claims_every = int(round(1 / args.claims_share)) if args.claims_share > 0 else 0

    port = free_port()
    server = subprocess.Popen([binary, "serve", "--store", store, "--listen", "127.0.0.1:%d" % port,
                               "--metrics-listen", "off", "--tips-per-hour", "0", "--insecure-cookies"],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "w"))
    for _ in range(100):
        try:
            if get(port, "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        raise SystemExit("server did not start")

    jobs = []
    pi = 0
    for i in range(args.tips):
        with_photo = pi < n_photo and i >= pi * photo_every
        fields = {"object": objects[i % 2][0], "text": "load tip %d %s" % (i, uuid.uuid4().hex), "language": "en"}
        if claims_every and i % claims_every == 0:
            fields.update({"brand": "Brand%d" % (i % 7), "country": ["FR", "DE", "BE", "NL"][i % 4]})
        photo = None
        if with_photo:
            photo = photos[pi]
            pi += 1
        jobs.append((fields, photo))

    results = []
    lock = threading.Lock()
    published_at = {}
    third = args.tips // 3

    def run(i):
        fields, photo = jobs[i]
        body, ctype = multipart(fields, photo)
        status, data, dt = post_tip(port, body, ctype)
        with lock:
            results.append((i, status, data, dt, photo is not None))

    def analyst():
        # Publish a new object from the CLI while the load runs.
        while True:
            with lock:
                if len(results) >= third:
                    break
            time.sleep(0.05)
        try:
            publish(binary, store, late_code, late_image, "packaging", "Where is this carton sold?")
        except SystemExit as e:
            published_at["error"] = str(e)
            return
        published_at["t"] = time.perf_counter()
        status, page = get(port, "/")
        published_at["in_gallery"] = status == 200 and ("object-" + late_code).encode() in page

    t0 = time.perf_counter()
    a = threading.Thread(target=analyst)
    a.start()
    with cf.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(run, range(args.tips)))
    a.join()
    elapsed = time.perf_counter() - t0
    # Later tips with the new object's photo must match it.
    late_receipts = []
    for k, p in enumerate(late_photos):
        body, ctype = multipart({"text": "late tip %d" % k}, p)
        status, data, _ = post_tip(port, body, ctype)
        if status == 201:
            late_receipts.append(json.loads(data)["receipt"])

    rss = peak_rss_kib(server.pid)
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        raise SystemExit("server did not stop on SIGTERM within 30 s")
    graceful = server.returncode == 0

    statuses = {}
    for _, s, _, _, _ in results:
        statuses[s] = statuses.get(s, 0) + 1
    five = sum(c for s, c in statuses.items() if s >= 500 or s == 0)
    receipts = [json.loads(d)["receipt"] for _, s, d, _, _ in results if s == 201]

    def digest(r):
        return hashlib.sha256(r.upper().replace("-", "").encode()).hexdigest()

    db = sqlite3.connect(store)
    found = 0
    for r in receipts:
        row = db.execute("SELECT t.id FROM web_receipts w JOIN tips t ON t.id = w.tip_id WHERE w.receipt_sha256 = ?",
                         (digest(r),)).fetchone()
        found += row is not None
    tips_in_store = db.execute("SELECT count(*) FROM tips WHERE channel = 'web'").fetchone()[0]
    photos_in_store = db.execute("SELECT count(*) FROM tip_photos").fetchone()[0]
    late_matched = 0
    for r in late_receipts:
        row = db.execute("SELECT count(*) FROM tip_matches m JOIN web_receipts w ON w.tip_id = m.tip_id "
                         "JOIN objects o ON o.id = m.object_id WHERE w.receipt_sha256 = ? AND o.code = ?",
                         (digest(r), late_code)).fetchone()
        late_matched += row[0] > 0
    db.close()
    audit = subprocess.run([binary, "audit", "verify", "--store", store], capture_output=True, text=True)

    lat = [dt for _, s, _, dt, _ in results if s == 201]
    lat_photo = [dt for _, s, _, dt, p in results if s == 201 and p]
    lat_text = [dt for _, s, _, dt, p in results if s == 201 and not p]
    report = {
        "tips_sent": args.tips, "photo_tips_sent": n_photo, "concurrency": args.concurrency,
        "claims_share": args.claims_share,
        "accepted_201": statuses.get(201, 0), "statuses": json.dumps(statuses, sort_keys=True),
        "5xx_or_failed": five, "receipts_found_in_store": found, "web_tips_in_store": tips_in_store,
        "photos_in_store": photos_in_store, "elapsed_s": round(elapsed, 2),
        "tips_per_s": round(len(results) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(lat), 1), "p99_ms": round(1000 * percentile(lat, 99), 1),
        "max_ms": round(1000 * max(lat), 1),
        "p50_photo_ms": round(1000 * statistics.median(lat_photo), 1) if lat_photo else -1,
        "p99_photo_ms": round(1000 * percentile(lat_photo, 99), 1) if lat_photo else -1,
        "p50_text_ms": round(1000 * statistics.median(lat_text), 1) if lat_text else -1,
        "p99_text_ms": round(1000 * percentile(lat_text, 99), 1) if lat_text else -1,
        "server_peak_rss_mib": round(rss / 1024, 1),
        "photo_bases": len(set(bases)),
        "late_object_in_gallery_at_once": published_at.get("in_gallery", False),
        "analyst_cli_error": published_at.get("error", ""),
        "late_tips_matching_new_object": "%d/%d" % (late_matched, len(late_photos)),
        "audit_verify_ok": audit.returncode == 0, "graceful_sigterm_exit_0": graceful,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    ok = (five == 0 and found == len(receipts) == statuses.get(201, 0) == args.tips and audit.returncode == 0
          and published_at.get("in_gallery") and late_matched == len(late_photos) and graceful)
    report["all_checks_passed"] = bool(ok)
    print(json.dumps(report, indent=1))

    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        cpu = "%dx %s" % (len(names), names[0]) if names else "?"
    except OSError:
        pass
    out = os.path.join(HERE, "results", "server-load.tsv")
    new = not os.path.exists(out)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(out, "a") as f:
        if new:
            f.write("date\tcommit\trun\tcpu\tmetric\tvalue\n")
        for k, v in report.items():
            f.write("%s\t%s\t%s\t%s\t%s\t%s\n" % (stamp, commit, args.run, cpu, k, v))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("store kept in", work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
