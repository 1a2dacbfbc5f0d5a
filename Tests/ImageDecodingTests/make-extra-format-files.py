#!/usr/bin/env python3
# Makes the small HEIC/WebP/GIF test set in Tests/ImageDecodingTests/ExtraFormats/ and records, per file,
# what Pillow (+ pillow-heif for HEIC) decodes: the SHA-256 of its RGB pixels (alpha composited onto white
# with the PNG path's rounding), its PDQ, the PDQ of the source picture, and how many bits those differ.
# Tools: heif-enc (Debian libheif-examples), cwebp/webpmux (Debian webp), Pillow, pillow-heif, pdqhash, numpy.
# Run from the package root (needs ../shared/data):
#   python3 Tests/ImageDecodingTests/make-extra-format-files.py > Tests/ImageDecodingTests/extra-formats.tsv
import hashlib, io, os, shutil, struct, subprocess, sys, tempfile, zlib
import imagehash, numpy as np, pdqhash, PIL, pillow_heif
from PIL import Image, ImageOps

SHARED = "../shared/data/dev/"
OUT = "Tests/ImageDecodingTests/ExtraFormats/"
TMP = tempfile.mkdtemp(prefix="extra-formats-")
pillow_heif.register_heif_opener()
os.makedirs(OUT, exist_ok=True)

def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def tmp(name): return os.path.join(TMP, name)

def fit(path, side):
    im = Image.open(SHARED + path)
    im.load()
    im.thumbnail((side, side), Image.LANCZOS)
    return im

def exif_bytes(gps=False, serial=False, orientation=None):
    exif = Image.Exif()
    exif[0x010F] = "objtrace-test"
    if orientation: exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (4.0, 54.0, 12.0)}
    if serial:
        exif[0x8769] = {0xA431: "SN-0042-TEST"}
    return exif.tobytes()

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description rdf:about="" xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" '
       b'aux:SerialNumber="XMP-SERIAL-7"/></rdf:RDF></x:xmpmeta>')

def png16(path, im):
    """A 16-bit RGB PNG (Pillow writes no 16-bit RGB): samples v*257 plus a ramp in the low byte, so a 10-bit
    encode has real low bits."""
    a = np.asarray(im.convert("RGB")).astype(np.uint32) * 257
    a = (a + (np.arange(a.shape[1])[None, :, None] * 37 % 251)).clip(0, 65535).astype(">u2")
    raw = b"".join(b"\0" + a[y].tobytes() for y in range(a.shape[0]))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", im.width, im.height, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    open(path, "wb").write(data)

# ---- sources (small: the committed set stays well under 1.5 MB)
fruits = fit("photos/opencv_fruits.jpg", 320).convert("RGB")         # 320x300
baboon = fit("photos/opencv_baboon.jpg", 256).convert("RGB")         # 256x256
tux = fit("products/tuxpaint/tux_cherimoya.png", 256).convert("RGBA")
sources = {"fruits": fruits, "baboon": baboon, "tux": tux}
for name, im in sources.items(): im.save(tmp(name + ".png"))
fruits.save(tmp("fruits_gps.jpg"), quality=95, exif=exif_bytes(gps=True, serial=True))
fruits.save(tmp("fruits_xmp.jpg"), quality=95, xmp=XMP)
png16(tmp("fruits16.png"), fruits)
open(tmp("fruits.xmp"), "wb").write(XMP)

files = []  # (name, source, exact, gps, serial, notes)
def add(name, source, exact=0, gps=0, serial=0, notes=""):
    files.append((name, source, exact, gps, serial, notes))

# ---- HEIC (heif-enc 1.15, x265)
run("heif-enc", "-q", "30", "-o", OUT + "fruits_q30.heic", tmp("fruits.png"));        add("fruits_q30.heic", "fruits", notes="heif-enc q30")
run("heif-enc", "-q", "85", "-o", OUT + "fruits_q85_gps.heic", tmp("fruits_gps.jpg")); add("fruits_q85_gps.heic", "fruits", gps=1, serial=1, notes="heif-enc q85 from a JPEG with EXIF GPS + BodySerialNumber")
run("heif-enc", "-q", "85", "-o", OUT + "fruits_xmp.heic", tmp("fruits_xmp.jpg"));     add("fruits_xmp.heic", "fruits", serial=1, notes="heif-enc q85 from a JPEG with XMP aux:SerialNumber")
run("heif-enc", "-q", "70", "-o", OUT + "tux_alpha.heic", tmp("tux.png"));            add("tux_alpha.heic", "tux", notes="heif-enc q70, alpha auxiliary image")
run("heif-enc", "-q", "70", "-b", "10", "-o", OUT + "fruits_10bit.heic", tmp("fruits16.png")); add("fruits_10bit.heic", "fruits", notes="heif-enc 10-bit from a 16-bit PNG")
run("heif-enc", "-q", "70", "-t", "64", "-o", OUT + "baboon_thumb.heic", tmp("baboon.png")); add("baboon_thumb.heic", "baboon", notes="heif-enc q70 with a 64 px thumbnail (ignored)")
pillow_heif.options.GRID_TILE_SIZE = 128
baboon.save(OUT + "baboon_grid.heic", quality=70);                                     add("baboon_grid.heic", "baboon", notes="pillow-heif grid of 128 px tiles")
pillow_heif.options.GRID_TILE_SIZE = 0
rotated = fruits.transpose(Image.Transpose.ROTATE_90)  # stored sideways; irot says how to show it upright
rotated.save(OUT + "fruits_irot.heic", quality=70, exif=exif_bytes(orientation=6)); add("fruits_irot.heic", "fruits", notes="pillow-heif from EXIF orientation 6 -> irot")

# ---- WebP (cwebp 1.2.4, webpmux; Pillow for animation)
run("cwebp", "-quiet", "-q", "40", tmp("fruits.png"), "-o", OUT + "fruits_q40.webp");  add("fruits_q40.webp", "fruits", exact=1, notes="cwebp -q 40")
run("cwebp", "-quiet", "-q", "90", "-metadata", "exif", tmp("fruits_gps.jpg"), "-o", OUT + "fruits_q90_gps.webp"); add("fruits_q90_gps.webp", "fruits", exact=1, gps=1, serial=1, notes="cwebp -q 90 -metadata exif (GPS + serial)")
run("webpmux", "-set", "xmp", tmp("fruits.xmp"), OUT + "fruits_q40.webp", "-o", OUT + "fruits_xmp.webp"); add("fruits_xmp.webp", "fruits", exact=1, serial=1, notes="webpmux -set xmp (aux:SerialNumber)")
run("cwebp", "-quiet", "-lossless", tmp("baboon.png"), "-o", OUT + "baboon_lossless.webp"); add("baboon_lossless.webp", "baboon", exact=1, notes="cwebp -lossless")
run("cwebp", "-quiet", "-q", "75", tmp("tux.png"), "-o", OUT + "tux_alpha.webp");       add("tux_alpha.webp", "tux", exact=1, notes="cwebp -q 75 with alpha")
run("cwebp", "-quiet", "-lossless", tmp("tux.png"), "-o", OUT + "tux_alpha_lossless.webp"); add("tux_alpha_lossless.webp", "tux", exact=1, notes="cwebp -lossless with alpha")
rotated.save(tmp("fruits_sideways.png"))
run("cwebp", "-quiet", "-q", "40", tmp("fruits_sideways.png"), "-o", tmp("fruits_sideways.webp"))
open(tmp("orient6.exif"), "wb").write(exif_bytes(orientation=6))
run("webpmux", "-set", "exif", tmp("orient6.exif"), tmp("fruits_sideways.webp"), "-o", OUT + "fruits_orient6.webp")
add("fruits_orient6.webp", "fruits", exact=1, notes="stored sideways, EXIF orientation 6 (webpmux -set exif); Pillow's pixels after exif_transpose")
frames = [fruits, fruits.transpose(Image.Transpose.FLIP_LEFT_RIGHT), baboon.resize(fruits.size)]
frames[0].save(OUT + "fruits_anim.webp", save_all=True, append_images=frames[1:], duration=100, quality=80)
add("fruits_anim.webp", "fruits", exact=1, notes="Pillow animated WebP, 3 frames (first decoded)")

# ---- GIF (Pillow)
pal = fruits.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
pal.save(OUT + "fruits.gif", interlace=False);                                           add("fruits.gif", "fruits", exact=1, notes="Pillow 256 colours, not interlaced")
pal.save(OUT + "fruits_interlaced.gif", interlace=True);                                 add("fruits_interlaced.gif", "fruits", exact=1, notes="Pillow 256 colours, interlaced")
tp = tux.convert("RGB").quantize(255, dither=Image.Dither.NONE)
a = np.asarray(tux)[:, :, 3]
idx = np.asarray(tp).copy(); idx[a < 128] = 255
tg = Image.fromarray(idx, "P"); tg.putpalette(tp.getpalette()[:765] + [0, 0, 0])
tg.save(OUT + "tux_transparent.gif", transparency=255);                                 add("tux_transparent.gif", "tux", exact=1, notes="Pillow, transparency index (binary alpha)")
gframes = [f.quantize(64, dither=Image.Dither.NONE) for f in frames]
gframes[0].save(OUT + "fruits_anim.gif", save_all=True, append_images=gframes[1:], duration=100, loop=0, interlace=False)
add("fruits_anim.gif", "fruits", exact=1, notes="Pillow animated GIF, 3 frames (first decoded)")

# ---- what Pillow decodes
def over_white(im):
    """RGB pixels of frame 0, alpha composited onto white with the PNG path's rounding; a WebP's EXIF
    orientation applied as objtrace's upright() does (pillow-heif has already applied a HEIF's irot/imir)."""
    im.seek(0)
    if im.format == "WEBP": im = ImageOps.exif_transpose(im)
    rgba = np.asarray(im.convert("RGBA")).astype(np.uint32)
    rgb, alpha = rgba[:, :, :3], rgba[:, :, 3:4]
    return ((rgb * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)

def pdq_hex(rgb):
    vector, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return format(int("".join("1" if b else "0" for b in vector), 2), "064x"), quality

def bits(a, b): return bin(int(a, 16) ^ int(b, 16)).count("1")

print("# Made by make-extra-format-files.py: Pillow %s, pillow-heif %s (libheif %s), numpy %s, imagehash %s; hashes of Pillow's pixels"
      % (PIL.__version__, pillow_heif.__version__, pillow_heif.libheif_version(), np.__version__, imagehash.__version__))
def heif_convert(name):
    """What Debian's own libheif (heif-convert 1.15.1, the library objtrace links) decodes: a PNG, 16-bit for
    10-bit sources (Pillow reads those back by the high byte)."""
    out = tmp(name + ".png")
    run("heif-convert", OUT + name, out)
    return over_white(Image.open(out))

print("# file\tformat\twidth\theight\tframes\texact\tgps\tserial\tpillow_sha256\tpillow_pdq\tsource_pdq\tpillow_vs_source_bits\tpillow_phash\tlibheif_tool_sha256\tlibheif_vs_pillow_max\tlibheif_vs_pillow_mean\tnotes")
total = 0
for name, source, exact, gps, serial, notes in files:
    im = Image.open(OUT + name)
    nframes = getattr(im, "n_frames", 1)
    rgb = over_white(im)
    src = over_white(Image.open(tmp(source + ".png")))
    ph, _ = pdq_hex(rgb); sh, _ = pdq_hex(src)
    tool_sha, tool_max, tool_mean = "-", "-", "-"
    if name.endswith(".heic"):
        system = heif_convert(name)
        diff = np.abs(system.astype(int) - rgb.astype(int))
        tool_sha, tool_max, tool_mean = hashlib.sha256(system.tobytes()).hexdigest(), diff.max(), "%.4f" % diff.mean()
    total += os.path.getsize(OUT + name)
    print("\t".join(map(str, [name, im.format.lower().replace("heif", "heif"), rgb.shape[1], rgb.shape[0], nframes, exact,
                              gps, serial, hashlib.sha256(rgb.tobytes()).hexdigest(), ph, sh, bits(ph, sh),
                              imagehash.phash(Image.fromarray(rgb)), tool_sha, tool_max, tool_mean, notes])))
print("# %d files, %d bytes" % (len(files), total))
shutil.rmtree(TMP)
