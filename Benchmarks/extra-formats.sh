#!/usr/bin/env bash
# Decode cost of HEIC, WebP and GIF through CExtraCodecs against Pillow (+ pillow-heif) on the same 12 MP
# files, made from the camera photo pdq-reference/reg-test-input/exif-rotn/exif-rotn-1.jpg with heif-enc
# (q50), cwebp (q80 and lossless -z 1) and Pillow (256-colour GIF). Prints the table and appends rows to
# results/extra-formats.tsv (--no-append to skip). Needs heif-enc, cwebp, clang (/opt/swift or $CLANG),
# python3 with Pillow and pillow-heif, and ../shared/data. Process CPU time, best of 3; peak RSS per run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="${OBJTRACE_SHARED_DATA:-$root/../shared/data}"
append=1
[[ "${1:-}" == "--no-append" ]] && append=0
src="$data/pdq-reference/reg-test-input/exif-rotn/exif-rotn-1.jpg"
if [[ ! -f "$src" ]]; then echo "extra-formats: skipped: $data is absent (set OBJTRACE_SHARED_DATA)" >&2; exit 0; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
clang="${CLANG:-/opt/swift/usr/bin/clang}"
shim="$root/Sources/CExtraCodecs"
"$clang" -O2 -I"$shim/include" "$here/extra_formats_bench.c" "$shim/heif.c" "$shim/webp.c" "$shim/gif.c" \
    -lheif -lwebpdemux -lwebp -lgif -lpthread -o "$work/bench"
python3 -c "
from PIL import Image
im = Image.open('$src').convert('RGB'); im.save('$work/cam.png')
im.quantize(256, dither=Image.Dither.NONE).save('$work/cam.gif')"
heif-enc -q 50 -o "$work/cam.heic" "$work/cam.png" >/dev/null
cwebp -quiet -q 80 "$work/cam.png" -o "$work/cam.webp"
cwebp -quiet -lossless -z 1 "$work/cam.png" -o "$work/cam_lossless.webp"
commit="$(git -C "$root" rev-parse --short=12 HEAD)"
date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
cpu="$(nproc)x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
load="$(cut -d' ' -f1 /proc/loadavg)"
rows=()
printf '%-18s %12s %12s %14s\n' file "objtrace ms" "Pillow ms" "objtrace RSS"
for f in cam.heic cam.webp cam_lossless.webp cam.gif; do
    line="$(/usr/bin/time -f 'rss_kb %M' "$work/bench" "$work/$f" 3 2>&1)"
    ours="$(sed -n 's/.*best of 3: \([0-9.]*\) ms.*/\1/p' <<<"$line")"
    rss="$(sed -n 's/^rss_kb \([0-9]*\)/\1/p' <<<"$line")"
    pillow="$(python3 -c "
import time, pillow_heif
from PIL import Image
pillow_heif.register_heif_opener()
best = 1e9
for _ in range(3):
    t = time.process_time(); im = Image.open('$work/$f'); im.load(); im.convert('RGB'); best = min(best, time.process_time() - t)
print('%.1f' % (best * 1e3))")"
    printf '%-18s %12s %12s %11s MB\n' "$f" "$ours" "$pillow" "$((rss / 1024))"
    rows+=("$date	$commit	$cpu	$load	$f 4032x3024	objtrace CExtraCodecs	cpu_ms	$ours"
           "$date	$commit	$cpu	$load	$f 4032x3024	objtrace CExtraCodecs	peak_rss_mb	$((rss / 1024))"
           "$date	$commit	$cpu	$load	$f 4032x3024	Pillow $(python3 -c 'import PIL; print(PIL.__version__)') + pillow-heif	cpu_ms	$pillow")
done
if [[ $append == 1 ]]; then
    out="$here/results/extra-formats.tsv"
    [[ -f "$out" ]] || printf 'date\tcommit\tcpu\tload_1min\tfile\tmethod\tmetric\tvalue\n' > "$out"
    printf '%s\n' "${rows[@]}" >> "$out"
    echo "appended ${#rows[@]} rows to $out"
fi
