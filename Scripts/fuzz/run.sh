#!/usr/bin/env bash
# Builds the libFuzzer harness for one CExtraCodecs entry point and runs it briefly at nice 19, seeded with the
# committed test files. Usage: Scripts/fuzz/run.sh heif|webp|gif [seconds]   (from the package root)
set -euo pipefail
format=${1:?heif, webp or gif}
seconds=${2:-60}
clang=${CLANG:-/opt/swift/usr/bin/clang}
out=.build/fuzz
mkdir -p "$out/corpus-$format" "$out/crashes-$format"
case $format in
    heif) libs="-lheif"; ext=heic; define=OTX_FUZZ_HEIF; src=heif ;;
    webp) libs="-lwebpdemux -lwebp"; ext=webp; define=OTX_FUZZ_WEBP; src=webp ;;
    gif) libs="-lgif"; ext=gif; define=OTX_FUZZ_GIF; src=gif ;;
    *) echo "unknown format $format" >&2; exit 2 ;;
esac
"$clang" -g -O1 -fsanitize=fuzzer,address,undefined -D$define -ISources/CExtraCodecs/include \
    Sources/CExtraCodecs/$src.c Scripts/fuzz/extra_codecs_fuzz.c $libs -o "$out/fuzz-$format"
cp Tests/ImageDecodingTests/ExtraFormats/*.$ext "$out/corpus-$format/"
exec nice -n 19 "$out/fuzz-$format" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=300000 \
    -artifact_prefix="$out/crashes-$format/" "$out/corpus-$format"
