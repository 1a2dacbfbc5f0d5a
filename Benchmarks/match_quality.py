#!/usr/bin/env python3
"""Match quality (issue 16): recall per tier, false confirms, wrong-product and same-brand suggestions.

Runs the release `objtrace` binary end to end, the way an analyst does: a fresh store with the 39 catalogue
images of dev/products published as objects (16 grocery packshots, 12 Tux Paint cut-outs, 10 UKBench photos,
the pen-and-coaster photo), then ONE `objtrace match --local` over every query file, whose JSON lines carry
the tier (`confirm`/`suggest`) and level (`product`/`brand`) the one tier rule gives (the rule `tip submit`
records). Queries:

  hash-friendly (expected: confirm tier, right object):
      jpeg30, scale25, flipx, flipy, rot90, rot180, gamma, blur, noise, brightness, text, watermark, sticker
  hard (expected: any tier, right object):
      inscene, perspective, crop, screenshot, mirror, reshare (crop + scale + caption bar), rotsmall, phone
  instore: the 622 in-store photos of dev-extra/grocery-instore plus the 32 of dev/products/grocery (their
      catalogue image is the expected object; recall is any tier)
  negatives: the 59 unrelated photos of dev/photos (every match is wrong)
  variants: hue-rotated packshots of the 9 branded grocery products ("another flavour of the same line";
      expected: never confirmed as the original product)

Every transform is seeded per (object, transform), so a run is reproducible. Calibration vs evaluation:
objects with an even index in the sorted catalogue (and in-store photos from the dataset's `train` split)
are the calibration half, odd objects (and `val` photos plus the 32 test photos) the evaluation half;
thresholds are chosen on the calibration half only and both halves are reported.

Counted per query (only product-level matches can be "wrong product"; a brand-level match of another
product of the same brand is what brand level is for):
  confirm recall      the right object at confirm tier, product level
  any recall          the right object at any tier and level
  false confirm       another object at confirm tier
  wrong product       another object at product level, any tier (queries with at least one)
  same brand          another product of the same brand at product level (queries with at least one)
  false brand         another brand's object at any level (queries with at least one)

Usage: match_quality.py --objtrace .build/release/objtrace [--work DIR] [--no-append] [--dump FILE]
       match_quality.py --objtrace .build/release/objtrace --speed [--baseline OTHER --baseline-label COMMIT]
                        [--callgrind] [--jobs N]
The second form times `match --local` per photo against 100 published objects (the 39 above plus 61 central
crops of dev/photos), this binary and the baseline alternating, best of --reps; with --callgrind it also counts
the instructions (millions per photo) of one process over the 39 in-scene queries and of a one-photo process.
Appends rows to results/match-quality.tsv (with the commit id) unless --no-append; --dump FILE writes every
query's matches as JSON lines for threshold analysis.
"""
from __future__ import annotations

import argparse
import collections
import colorsys
import io
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = Path(os.environ.get("OBJTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))

HASH_FRIENDLY = ["jpeg30", "scale25", "flipx", "flipy", "rot90", "rot180", "gamma", "blur", "noise",
                 "brightness", "text", "watermark", "sticker"]
HARD = ["inscene", "perspective", "crop", "screenshot", "mirror", "reshare", "rotsmall", "phone"]

BRAND = {"Alpro-Fresh-Soy-Milk": "Alpro", "Arla-Sour-Cream": "Arla", "Arla-Standard-Milk": "Arla",
         "Bravo-Apple-Juice": "Bravo", "God-Morgon-Orange-Juice": "God-Morgon", "Oatly-Natural-Oatghurt": "Oatly",
         "Oatly-Oat-Milk": "Oatly", "Tropicana-Mandarin-Morning": "Tropicana",
         "Yoggi-Strawberry-Yoghurt": "Yoggi"}

FONT_PATHS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"]


def font(size: int) -> ImageFont.ImageFont:
    for p in FONT_PATHS:
        if Path(p).exists():
            return ImageFont.truetype(p, size)
    return ImageFont.load_default()


def run(cmd, env, **kw):
    return subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def commit_id() -> str:
    try:
        c = subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], text=True).strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "Sources"],
                               capture_output=True, text=True).stdout.strip()
        return c + ("+dirty" if dirty else "")
    except Exception:
        return "unknown"


# MARK: catalogue


class Obj:
    def __init__(self, index: int, path: Path):
        self.index = index
        self.path = path
        stem = path.stem
        self.product = stem.replace("grocery_iconic_", "") if stem.startswith("grocery_iconic_") else stem
        self.code = f"TAO-2026-{700 + index}"
        self.brand = BRAND.get(self.product, self.product)  # unbranded produce and other objects: their own
        self.split = "cal" if index % 2 == 0 else "eval"

    def rgb(self) -> Image.Image:
        im = Image.open(self.path)
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, im)
        return im.convert("RGB")


def catalogue() -> list[Obj]:
    prod = DATA / "dev" / "products"
    files = sorted(prod.glob("grocery/grocery_iconic_*.jpg")) + sorted(prod.glob("tuxpaint/*.png")) \
        + sorted(prod.glob("ukbench/*.jpg")) + sorted(prod.glob("*.png"))
    return [Obj(i, p) for i, p in enumerate(files)]


# MARK: transforms


def save(im: Image.Image, out: Path, quality: int = 92):
    out.parent.mkdir(parents=True, exist_ok=True)
    im.convert("RGB").save(out, "JPEG", quality=quality)


def overlay_text(im: Image.Image, rng: random.Random) -> Image.Image:
    """Caption text over about a fifth of the object (as a re-poster would add), opaque white with outline."""
    im = im.copy()
    w, h = im.size
    d = ImageDraw.Draw(im)
    words = rng.choice(["SALE -50%", "FOUND IT!", "look at this", "Only 9.99", "wow"])
    f = font(max(10, int(h * rng.uniform(0.10, 0.14))))
    y = int(h * rng.uniform(0.05, 0.75))
    d.text((int(w * rng.uniform(0.02, 0.2)), y), words, font=f, fill=(255, 255, 255), stroke_width=max(1, h // 90),
           stroke_fill=(0, 0, 0))
    return im


def overlay_watermark(im: Image.Image, rng: random.Random) -> Image.Image:
    """A semi-transparent diagonal watermark repeated over the image."""
    w, h = im.size
    layer = Image.new("RGBA", (w * 2, h * 2), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    f = font(max(10, h // 9))
    text = rng.choice(["© stockphoto", "SAMPLE", "shop.example"])
    for row in range(0, 2 * h, max(12, h // 4)):
        d.text((rng.randint(0, w // 3), row), text + "   " + text, font=f, fill=(255, 255, 255, 110))
    layer = layer.rotate(rng.uniform(20, 40), resample=Image.BICUBIC)
    layer = layer.crop((w // 2, h // 2, w // 2 + w, h // 2 + h))
    return Image.alpha_composite(im.convert("RGBA"), layer).convert("RGB")


def overlay_sticker(im: Image.Image, rng: random.Random) -> Image.Image:
    """An opaque round sticker (emoji-like) over about 8 % of the image."""
    im = im.copy()
    w, h = im.size
    r = int(min(w, h) * rng.uniform(0.14, 0.18))
    cx, cy = rng.randint(r, w - r), rng.randint(r, h - r)
    d = ImageDraw.Draw(im)
    colour = rng.choice([(255, 204, 0), (230, 40, 60), (40, 160, 255)])
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour, outline=(0, 0, 0), width=max(1, r // 12))
    d.ellipse((cx - r // 2, cy - r // 3, cx - r // 4, cy), fill=(0, 0, 0))
    d.ellipse((cx + r // 4, cy - r // 3, cx + r // 2, cy), fill=(0, 0, 0))
    d.arc((cx - r // 2, cy - r // 4, cx + r // 2, cy + r // 2), 20, 160, fill=(0, 0, 0), width=max(1, r // 10))
    return im


def perspective(im: Image.Image, rng: random.Random, amount: float, canvas=(235, 235, 235)) -> Image.Image:
    w, h = im.size
    pad = int(max(w, h) * 0.1)
    big = Image.new("RGB", (w + 2 * pad, h + 2 * pad), canvas)
    big.paste(im, (pad, pad))
    W, H = big.size
    dx, dy = w * amount, h * amount
    # Destination corners (where the object's corners go), then solve for PIL's inverse coefficients.
    src = [(pad, pad), (pad + w, pad), (pad + w, pad + h), (pad, pad + h)]
    dst = [(pad + rng.uniform(0, dx), pad + rng.uniform(0, dy)), (pad + w - rng.uniform(0, dx), pad + rng.uniform(0, dy)),
           (pad + w - rng.uniform(0, dx), pad + h - rng.uniform(0, dy)), (pad + rng.uniform(0, dx), pad + h - rng.uniform(0, dy))]
    A, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        A.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        A.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    coeffs = np.linalg.solve(np.array(A, float), np.array(b, float))
    return big.transform((W, H), Image.PERSPECTIVE, tuple(coeffs), Image.BICUBIC, fillcolor=canvas)


def caption_bar(im: Image.Image, rng: random.Random, frac: float) -> Image.Image:
    w, h = im.size
    bar = int(h * frac)
    out = Image.new("RGB", (w, h + bar), (255, 255, 255))
    out.paste(im, (0, bar))
    d = ImageDraw.Draw(out)
    f = font(max(9, int(bar * 0.35)))
    d.text((int(w * 0.04), int(bar * 0.25)), rng.choice(["Seen this at the market??", "anyone know where this is from",
                                                        "lol my breakfast", "cheapest I found"]), font=f, fill=(20, 20, 20))
    return out


def background(rng: random.Random, photos: list[Path]) -> Image.Image:
    return Image.open(rng.choice(photos)).convert("RGB")


def transform(name: str, im: Image.Image, rng: random.Random, photos: list[Path]) -> tuple[Image.Image, int]:
    """The transformed image and its JPEG quality."""
    w, h = im.size
    if name == "jpeg30":
        return im, 30
    if name == "scale25":
        return im.resize((max(8, w // 4), max(8, h // 4)), Image.LANCZOS), 90
    if name == "flipx":
        return ImageOps.mirror(im), 90
    if name == "flipy":
        return ImageOps.flip(im), 90
    if name == "rot90":
        return im.transpose(Image.ROTATE_90), 90
    if name == "rot180":
        return im.transpose(Image.ROTATE_180), 90
    if name == "gamma":
        g = rng.choice([0.6, 0.7, 1.5, 1.7])
        lut = [min(255, int(255 * (i / 255) ** g + 0.5)) for i in range(256)]
        return im.point(lut * 3), 90
    if name == "blur":
        return im.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 2.5))), 90
    if name == "noise":
        a = np.asarray(im).astype(np.float32)
        a += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 12, a.shape)
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), 90
    if name == "brightness":
        return ImageEnhance.Brightness(im).enhance(rng.choice([0.7, 0.75, 1.3, 1.35])), 90
    if name == "text":
        return overlay_text(im, rng), 90
    if name == "watermark":
        return overlay_watermark(im, rng), 90
    if name == "sticker":
        return overlay_sticker(im, rng), 90
    if name == "inscene":
        bg = background(rng, photos)
        bg = bg.resize((640, int(640 * bg.height / bg.width)))
        s = rng.uniform(0.35, 0.5) * 640 / max(w, h)
        obj = im.resize((max(8, int(w * s)), max(8, int(h * s))), Image.LANCZOS)
        x = rng.randint(0, max(0, bg.width - obj.width)); y = rng.randint(0, max(0, bg.height - obj.height))
        bg.paste(obj, (x, y))
        return bg, 85
    if name == "perspective":
        return perspective(im, rng, 0.15), 88
    if name == "crop":
        fx, fy = rng.uniform(0.65, 0.8), rng.uniform(0.65, 0.8)
        cw, ch = int(w * fx), int(h * fy)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        return im.crop((x, y, x + cw, y + ch)), 90
    if name == "screenshot":
        W, H = 360, 740
        sc = Image.new("RGB", (W, H), (250, 250, 250))
        d = ImageDraw.Draw(sc)
        d.rectangle((0, 0, W, 28), fill=(30, 30, 30))
        d.text((10, 6), "12:41   4G  87%", font=font(13), fill=(255, 255, 255))
        d.text((12, 40), "@someone · 2h", font=font(15), fill=(40, 40, 40))
        s = (W - 20) / w
        obj = im.resize((W - 20, max(8, int(h * s))), Image.LANCZOS)
        sc.paste(obj, (10, 70))
        y = 80 + obj.height
        for k in range(4):
            d.text((12, y + 22 * k), rng.choice(["so cheap here", "anyone seen this?", "#grocery #deal", "love it"]),
                   font=font(14), fill=(60, 60, 60))
        return sc, 85
    if name == "mirror":
        m = ImageOps.mirror(im)
        s = rng.uniform(0.7, 1.2)
        return m.resize((max(8, int(w * s)), max(8, int(h * s))), Image.LANCZOS), 80
    if name == "reshare":
        fx, fy = rng.uniform(0.8, 0.92), rng.uniform(0.8, 0.92)
        cw, ch = int(w * fx), int(h * fy)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        c = im.crop((x, y, x + cw, y + ch))
        s = rng.uniform(0.5, 0.8)
        c = c.resize((max(8, int(cw * s)), max(8, int(ch * s))), Image.LANCZOS)
        return caption_bar(c, rng, rng.uniform(0.15, 0.25)), 70
    if name == "rotsmall":
        return im.rotate(rng.choice([-1, 1]) * rng.uniform(10, 25), resample=Image.BICUBIC, expand=True,
                         fillcolor=(255, 255, 255)), 88
    if name == "phone":
        p = perspective(im, rng, 0.08, canvas=(200, 190, 170))
        p = ImageEnhance.Brightness(p).enhance(rng.uniform(0.8, 1.1))
        p = p.filter(ImageFilter.GaussianBlur(0.8))
        a = np.asarray(p).astype(np.float32)
        a += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 5, a.shape)
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), 80
    raise ValueError(name)


def hue_variant(im: Image.Image, shift: float) -> Image.Image:
    """The same packshot in another colourway: hue rotated, saturation and value kept."""
    hsv = np.asarray(im.convert("HSV")).copy()
    hsv[..., 0] = ((hsv[..., 0].astype(int) + int(shift * 255)) % 256).astype(np.uint8)
    return Image.fromarray(hsv, "HSV").convert("RGB")


# MARK: queries


class Query:
    def __init__(self, path: Path, tier: str, transform: str, truth: Obj | None, split: str, product: str | None = None):
        self.path, self.tier, self.transform, self.truth, self.split = path, tier, transform, truth, split
        self.product = product or (truth.product if truth else None)


def make_queries(objs: list[Obj], work: Path) -> list[Query]:
    photos = sorted((DATA / "dev" / "photos").glob("*"))
    qs: list[Query] = []
    for o in objs:
        base = o.rgb()
        for tier, names in (("hash", HASH_FRIENDLY), ("hard", HARD)):
            for t in names:
                rng = random.Random(f"{o.product}/{t}")
                im, q = transform(t, base, rng, photos)
                out = work / "queries" / tier / t / f"{o.code}.jpg"
                if not out.exists():
                    save(im, out, q)
                qs.append(Query(out, tier, t, o, o.split))
    by_product = {o.product: o for o in objs}
    # Hue variants of branded packs: another product of the same brand that the catalogue does not hold.
    for o in objs:
        if o.product in BRAND:
            out = work / "queries" / "variant" / "hue" / f"{o.code}.jpg"
            if not out.exists():
                save(hue_variant(o.rgb(), 0.33), out, 90)
            qs.append(Query(out, "variant", "hue", None, o.split, product=f"variant-of-{o.product}"))
            qs[-1].variant_of = o
    # In-store photos.
    extra = DATA / "dev-extra" / "grocery-instore" / "MANIFEST.tsv"
    if extra.exists():
        for line in extra.read_text().splitlines()[1:]:
            f, product, split = line.split("\t")[:3]
            qs.append(Query(extra.parent / f, "instore", "instore", by_product[product], "cal" if split == "train" else "eval"))
    for p in sorted((DATA / "dev" / "products" / "grocery").glob("grocery_natural_*.jpg")):
        product = p.stem.replace("grocery_natural_", "").rsplit("_", 1)[0]
        qs.append(Query(p, "instore", "instore", by_product[product], "eval"))
    for i, p in enumerate(photos):
        qs.append(Query(p, "negative", "unrelated", None, "cal" if i % 2 == 0 else "eval"))
    return qs


# MARK: store and matching


def build_store(objs: list[Obj], exe: str, env: dict):
    run([exe, "init"], env)
    for o in objs:
        run([exe, "object", "add", "--code", o.code, "--title", o.product, "--category", "packaging",
             "--question", "Where is this sold?", str(o.path)], env)
        run([exe, "object", "approve", o.code], dict(env, OBJTRACE_ANALYST="alice"))
        run([exe, "object", "approve", o.code], dict(env, OBJTRACE_ANALYST="bob"))
        run([exe, "object", "publish", o.code], dict(env, OBJTRACE_ANALYST="bob"))


def match_all(exe: str, env: dict, paths: list[Path], chunk: int = 400) -> tuple[dict[str, list[dict]], float]:
    out: dict[str, list[dict]] = {}
    t0 = time.perf_counter()
    for k in range(0, len(paths), chunk):
        r = subprocess.run([exe, "match", "--local", *map(str, paths[k:k + chunk])], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        for line in r.stdout.splitlines():
            if not line.startswith("{"):
                continue
            j = json.loads(line)
            if "path" in j:
                out[j["path"]] = j.get("matches", [])
    return out, time.perf_counter() - t0


# MARK: scoring


def judge(q: Query, matches: list[dict], by_code: dict[str, Obj]) -> dict:
    truth = q.truth
    brand = truth.brand if truth else (q.variant_of.brand if getattr(q, "variant_of", None) else None)
    r = dict(confirm=0, any=0, false_confirm=0, wrong_product=0, same_brand=0, false_brand=0, brand_level=0)
    for m in matches:
        o = by_code.get(m.get("object", ""))
        if o is None:
            continue
        tier = m.get("tier", "suggest")
        level = m.get("level", "product")
        right = truth is not None and o.code == truth.code
        if right:
            r["any"] = 1
            if tier == "confirm" and level == "product":
                r["confirm"] = 1
            if level == "brand":
                r["brand_level"] = 1
            continue
        if tier == "confirm":
            r["false_confirm"] = 1
        if level == "product":
            r["wrong_product"] = 1
            if brand is not None and o.brand == brand:
                r["same_brand"] = 1
        if brand is None or o.brand != brand:
            r["false_brand"] = 1
    return r


def table(qs: list[Query], res: dict[str, list[dict]], by_code: dict[str, Obj], split: str) -> list[tuple]:
    groups: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
    for q in qs:
        if split != "all" and q.split != split:
            continue
        judged = judge(q, res.get(str(q.path), []), by_code)
        groups[(q.tier, q.transform)].append(judged)
        if q.tier == "instore":  # and per product (tier "instore-product", the product in the transform column)
            groups[("instore-product", q.product)].append(judged)
    rows = []
    products = sorted(k[1] for k in groups if k[0] == "instore-product")
    order = [("hash", t) for t in HASH_FRIENDLY] + [("hard", t) for t in HARD] + \
        [("instore", "instore")] + [("instore-product", p) for p in products] + \
        [("variant", "hue"), ("negative", "unrelated")]
    for key in order:
        js = groups.get(key)
        if not js:
            continue
        n = len(js)
        s = {k: sum(j[k] for j in js) for k in js[0]}
        rows.append((key[0], key[1], n, s["confirm"] / n, s["any"] / n, s["false_confirm"], s["wrong_product"],
                     s["same_brand"], s["false_brand"], s["brand_level"]))
    return rows


def print_table(rows: list[tuple], title: str):
    print(f"\n## {title}")
    print("| tier | transform | queries | confirm recall | any recall | false confirms | wrong product | same brand | false brand | brand level (right object) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]:.2f} | {r[5]} | {r[6]} | {r[7]} | {r[8]} | {r[9]} |")


def speed(a, exe: str, work: Path) -> int:
    """Matching time per photo against 100 published objects: `match --local` (decode, hashes, vote, RANSAC and
    the tier rule) in one process over ~100 photos, best of --reps, this binary and --baseline alternating."""
    objs = catalogue()
    photos = [p for p in sorted((DATA / "dev" / "photos").glob("*")) if min(Image.open(p).size) >= 200]
    random.Random(16).shuffle(photos)
    crops = []
    for i, p in enumerate(photos[:100 - len(objs)]):
        im = Image.open(p).convert("RGB")
        w, h = im.size
        out = work / "speed" / f"crop_{i:03d}.jpg"
        save(im.crop((w // 5, h // 5, w - w // 5, h - h // 5)), out, 90)
        crops.append(out)
    tools = [("objtrace", exe)] + ([("baseline", str(Path(a.baseline).resolve()))] if a.baseline else [])
    envs = {}
    for name, tool in tools:
        # One store per binary: a store migrated by a newer binary is refused by an older one.
        store = work / f"speed-{name}.sqlite"
        envs[name] = dict(os.environ, OBJTRACE_STORE=str(store), OBJTRACE_ANALYST="bench")
        if not store.exists():
            extra = [Obj(len(objs) + i, c) for i, c in enumerate(crops)]
            build_store(objs + extra, tool, envs[name])
    qs = [q for q in make_queries(objs, work) if q.transform in ("inscene", "reshare", "screenshot")]
    qs += [Query(p, "negative", "unrelated", None, "all") for p in photos[100 - len(objs):][:20]]
    files = [str(q.path) for q in qs]
    # --jobs N goes to the binaries that have the option (a baseline from before it ran one thread).
    jobs = {name: (["--jobs", str(a.jobs)] if a.jobs and "--jobs" in subprocess.run(
        [tool, "match", "--help"], capture_output=True, text=True).stdout else []) for name, tool in tools}
    best: dict[str, tuple[float, float]] = {}
    for _ in range(a.reps):
        for name, tool in tools:
            def cpu_now():
                r = resource.getrusage(resource.RUSAGE_CHILDREN)
                return r.ru_utime + r.ru_stime
            t0 = time.perf_counter(); c0 = cpu_now()
            subprocess.run([tool, "match", "--local", *jobs[name], *files], env=envs[name], check=False, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            cpu = cpu_now() - c0
            t1 = time.perf_counter()
            subprocess.run([tool, "match", "--local", *jobs[name], files[0]], env=envs[name], check=False, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            single = time.perf_counter() - t1
            b = best.get(name, (1e9, 1e9, 1e9))
            best[name] = (min(b[0], 1000 * wall / len(files)), min(b[1], 1000 * cpu / len(files)), min(b[2], 1000 * single))
    rows = []
    if a.callgrind:
        rows += callgrind_rows(a, tools, envs, qs, work)
    for name, (wall, cpu, single) in best.items():
        print(f"{name:9s} match --local {' '.join(jobs[name])}, 100 objects: {wall:6.1f} ms/photo wall, {cpu:6.1f} ms/photo CPU "
              f"({len(files)} photos, one process; best of {a.reps}); one-photo process {single:6.1f} ms")
        label = commit_id() if name == "objtrace" else (a.baseline_label or "baseline")
        suffix = f"_jobs{a.jobs}" if jobs[name] else ""
        rows += [(label, "speed", f"ms_per_photo_wall{suffix}", len(files), wall),
                 (label, "speed", f"ms_per_photo_cpu{suffix}", len(files), cpu),
                 (label, "speed", f"one_photo_process_ms{suffix}", 1, single)]
    if not a.no_append:
        out = HERE / "results" / "match-quality.tsv"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        load = os.getloadavg()[0]
        with out.open("a") as f:
            for label, tier, metric, n, v in rows:
                f.write(f"{stamp}\t{label}\tall\t{tier}\t{metric}\t{n}\t{v:.1f}\t\t\t\t\t\tload {load:.2f}\n")
        print(f"appended rows to {out}")
    return 0


def callgrind_rows(a, tools, envs, qs, work: Path) -> list[tuple]:
    """Instructions (callgrind, repeatable on a noisy machine) of one `match --local` process over the in-scene
    queries and of a one-photo process, per binary on its own store. valgrind cannot read the Swift binaries'
    debug information, so a copy without it is run; a binary with `--jobs` runs one worker (threads are
    serialised under valgrind anyway, this leaves out the pool's hand-offs)."""
    missing = [t for t in ("valgrind", "strip") if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"--callgrind needs {' and '.join(missing)} (Debian: apt-get install valgrind binutils)")
    files = [str(q.path) for q in qs if q.transform == "inscene"]
    rows = []
    for name, tool in tools:
        bare = work / f"callgrind-{name}"
        subprocess.run(["strip", "--strip-debug", "-o", str(bare), tool], check=True)
        jobs = ["--jobs", "1"] if "--jobs" in subprocess.run([tool, "match", "--help"], capture_output=True,
                                                               text=True).stdout else []
        label = commit_id() if name == "objtrace" else (a.baseline_label or "baseline")
        for metric, batch in (("instructions_per_photo", files), ("one_photo_process_instructions", files[:1])):
            out = work / f"callgrind-{name}.out"
            r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", str(bare), "match",
                                "--local", *jobs, *batch], env=envs[name], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            total = next((int(l.split()[-1]) for l in r.stderr.splitlines() if "Collected" in l), None)
            if total is None:
                print(f"callgrind failed for {name}: {r.stderr[-500:]}", file=sys.stderr)
                continue
            per = total / len(batch)
            print(f"{name:9s} callgrind, {len(batch)} photo(s) in one process: {per / 1e6:8.1f} M instructions per photo")
            rows.append((label, "speed", metric, len(batch), per / 1e6))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objtrace", required=True)
    ap.add_argument("--work", help="keep queries and the store here (reused when present)")
    ap.add_argument("--no-append", action="store_true")
    ap.add_argument("--dump", help="write every query's matches as JSON lines")
    ap.add_argument("--only", help="comma-separated query tiers to run (hash,hard,instore,variant,negative)")
    ap.add_argument("--speed", action="store_true", help="time match --local against 100 objects instead")
    ap.add_argument("--baseline", help="with --speed: another objtrace binary timed alternately")
    ap.add_argument("--baseline-label", help="with --baseline: the label (commit) its rows carry")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--callgrind", action="store_true", help="with --speed: also count instructions (valgrind)")
    ap.add_argument("--jobs", type=int, help="with --speed: pass --jobs N to the binaries that have the option")
    ap.add_argument("--label", help="the commit label of the rows (default: this checkout's commit)")
    a = ap.parse_args()
    if not (DATA / "dev" / "products").is_dir():
        print(f"match-quality: skipped: {DATA} is absent (set OBJTRACE_SHARED_DATA)", file=sys.stderr)
        return 0
    exe = str(Path(a.objtrace).resolve())
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="objtrace-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    if a.speed:
        rc = speed(a, exe, work)
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
        return rc
    store = work / "quality.sqlite"
    env = dict(os.environ, OBJTRACE_STORE=str(store), OBJTRACE_ANALYST="bench")
    objs = catalogue()
    by_code = {o.code: o for o in objs}
    if not store.exists():
        build_store(objs, exe, env)
    qs = make_queries(objs, work)
    if a.only:
        keep = set(a.only.split(","))
        qs = [q for q in qs if q.tier in keep]
    res, seconds = match_all(exe, env, [q.path for q in qs])
    print(f"{len(qs)} queries against {len(objs)} objects in {seconds:.1f} s ({1000 * seconds / len(qs):.1f} ms per query, "
          f"one process per 400 queries)")
    if a.dump:
        with open(a.dump, "w") as f:
            for q in qs:
                f.write(json.dumps({"path": str(q.path), "tier": q.tier, "transform": q.transform, "split": q.split,
                                    "truth": q.truth.code if q.truth else None, "product": q.product,
                                    "matches": res.get(str(q.path), [])}) + "\n")
    all_rows = {}
    for split in ("cal", "eval", "all"):
        rows = table(qs, res, by_code, split)
        all_rows[split] = rows
        print_table(rows, {"cal": "calibration half", "eval": "evaluation half", "all": "all queries"}[split])
    if not a.no_append:
        out = HERE / "results" / "match-quality.tsv"
        new = not out.exists()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        label = a.label or commit_id()
        with out.open("a") as f:
            if new:
                f.write("date\tcommit\tsplit\ttier\ttransform\tqueries\tconfirm_recall\tany_recall\tfalse_confirms\t"
                        "wrong_product\tsame_brand\tfalse_brand\tbrand_level\n")
            for split, rows in all_rows.items():
                for r in rows:
                    f.write(f"{stamp}\t{label}\t{split}\t" + "\t".join(
                        f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + "\n")
            f.write(f"{stamp}\t{label}\tall\ttiming\tms_per_query\t{len(qs)}\t{1000 * seconds / len(qs):.1f}\t\t\t\t\t\t\n")
        print(f"appended rows to {out}")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
