#!/usr/bin/env bash
# Runs one libFuzzer target for a number of seconds:  Scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
#
# Targets (sources in Tests/Fuzz/):
#   decode     C shims: JPEG and PNG decode entry points (ot_jpeg_open/decode, ot_png_open/decode)
#   transcode  C shims: the tip-photo working copy (ot_jpeg_transcode, PNG re-encode), with a same-pixels oracle
#   strip      Swift: MetadataStripper.workingCopy, ImageDecoder.decode/inspect, ExifSummary, MetadataScan
#   exif       Swift: the EXIF/TIFF parser, JPEG segment and PNG chunk walkers, MetadataScan (fast, no decoding)
#   importline Swift: the `tip import` line parser (JSONValue, ImportLineFields, lexical path rules)
#   heif, webp, gif  C shims over libheif, libwebp and giflib (Sources/CExtraCodecs): open, limits, decode,
#              metadata, seeded with the test files in Tests/ImageDecodingTests/ExtraFormats (Debian's libraries
#              are not instrumented: coverage guidance stops at the shim, ASan and UBSan still check it)
#
# Everything is built with the Swift toolchain's clang/swiftc (-fsanitize=fuzzer,address) into .build-fuzz/.
# When Scripts/fuzz-build-libs.sh has built instrumented libjpeg-turbo/libpng into .build-fuzz/lib, they are
# linked instead of the system libraries, so coverage guides the fuzzer through the codecs too.
# The committed seed corpus is Tests/Fuzz/corpus/TARGET; new inputs go to .build-fuzz/corpus/TARGET, crashes to
# .build-fuzz/findings/TARGET/. Every finding becomes a file in Tests/Fuzz/regressions/ (replayed by
# Tests/ImageDecodingTests/FuzzRegressionTests.swift and Tests/ObjtraceKitTests/InputSafetyTests.swift).
# Minimise a corpus with:  .build-fuzz/bin/TARGET -merge=1 NEW_DIR OLD_DIR
# Fuzzing is never part of .ci/run; only the regression inputs are.
set -euo pipefail
target=${1:?usage: Scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: Scripts/fuzz.sh TARGET SECONDS}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
toolchain=${SWIFT_TOOLCHAIN:-/opt/swift/usr/bin}
out="$root/.build-fuzz"
obj="$out/obj/$target"
mkdir -p "$out/bin" "$obj" "$out/corpus/$target" "$out/findings/$target"
cc="$toolchain/clang"
includes=(-I "$root/Sources/CImageCodecs/include")
if [ -f "$out/lib/libjpeg-fuzz.a" ] && [ -f "$out/lib/libpng-fuzz.a" ]; then
    includes=(-I "$out/lib/include" "${includes[@]}")
    libs=("$out/lib/libjpeg-fuzz.a" "$out/lib/libpng-fuzz.a" -lz -lm)
else
    libs=(-ljpeg -lpng16 -lz -lm)
fi
cflags=(-g -O1 -fno-omit-frame-pointer "${includes[@]}")

# The C shims as objects with coverage (linked into every target).
shims() {
    for f in "$root/Sources/CImageCodecs/"*.c; do
        "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link,address -c "$f" -o "$obj/$(basename "$f" .c).o"
    done
}

# A Swift module of `sources` compiled for fuzzing into $obj/NAME.o and $obj/NAME.swiftmodule.
swift_module() {
    local name=$1
    shift
    "$toolchain/swiftc" -sanitize=fuzzer,address -parse-as-library -g -O -wmo -module-name "$name" \
        -I "$obj" -Xcc -fmodule-map-file="$obj/module.modulemap" "${includes[@]}" \
        -emit-module -emit-module-path "$obj/$name.swiftmodule" -c "$@" -o "$obj/$name.o"
}

case "$target" in
decode | transcode)
    shims
    "$cc" "${cflags[@]}" -fsanitize=fuzzer,address "$root/Tests/Fuzz/${target}_fuzz.c" "$obj"/*.o "${libs[@]}" \
        -o "$out/bin/$target"
    ;;
strip | exif)
    shims
    # ImageDecoding also wraps libheif, libwebp and giflib (CExtraCodecs): their shims get coverage too.
    for f in "$root/Sources/CExtraCodecs/"*.c; do
        "$cc" "${cflags[@]}" -I "$root/Sources/CExtraCodecs/include" -fsanitize=fuzzer-no-link,address -c "$f" \
            -o "$obj/extra_$(basename "$f" .c).o"
    done
    libs+=(-lheif -lwebpdemux -lwebp -lgif)
    printf 'module CImageCodecs {\n    header "%s"\n    export *\n}\nmodule CExtraCodecs {\n    header "%s"\n    export *\n}\n' \
        "$root/Sources/CImageCodecs/include/image_codecs.h" "$root/Sources/CExtraCodecs/include/extra_codecs.h" \
        > "$obj/module.modulemap"
    swift_module ImageCore "$root/Sources/ImageCore/"*.swift
    swift_module ImageDecoding "$root/Sources/ImageDecoding/"*.swift
    "$toolchain/swiftc" -sanitize=fuzzer,address -parse-as-library -g -O -module-name Fuzz -I "$obj" \
        -Xcc -fmodule-map-file="$obj/module.modulemap" "$root/Tests/Fuzz/${target}_fuzz.swift" \
        "$obj"/*.o "${libs[@]}" -o "$out/bin/$target"
    ;;
importline)
    "$toolchain/swiftc" -sanitize=fuzzer,address -parse-as-library -g -O -module-name ImportLineFuzz \
        "$root/Tests/Fuzz/importline_fuzz.swift" "$root/Sources/ObjtraceKit/ImportLineParser.swift" \
        "$root/Sources/ObjtraceKit/JSONValue.swift" \
        -o "$out/bin/$target"
    ;;
heif | webp | gif)
    case "$target" in
    heif) codec_libs=(-lheif) ext=heic ;;
    webp) codec_libs=(-lwebpdemux -lwebp) ext=webp ;;
    gif) codec_libs=(-lgif) ext=gif ;;
    esac
    "$cc" "${cflags[@]}" -fsanitize=fuzzer,address,undefined -DOTX_FUZZ_$(echo "$target" | tr a-z A-Z) \
        -I "$root/Sources/CExtraCodecs/include" "$root/Sources/CExtraCodecs/$target.c" \
        "$root/Tests/Fuzz/extra_codecs_fuzz.c" "${codec_libs[@]}" -o "$out/bin/$target"
    cp -n "$root/Tests/ImageDecodingTests/ExtraFormats/"*."$ext" "$out/corpus/$target/"
    max_len=300000  # phone HEICs are larger than the other targets' inputs
    ;;
*)
    echo "unknown target '$target' (decode, transcode, strip, exif, importline, heif, webp, gif)" >&2
    exit 2
    ;;
esac

corpus=("$out/corpus/$target")
[ -d "$root/Tests/Fuzz/corpus/$target" ] && corpus+=("$root/Tests/Fuzz/corpus/$target")
dict=()
[ -f "$root/Tests/Fuzz/$target.dict" ] && dict=(-dict="$root/Tests/Fuzz/$target.dict")
cd "$out/findings/$target"
export SWIFT_BACKTRACE=enable=no  # libFuzzer and ASan report crashes; the Swift backtracer only confuses ASan
exec "$out/bin/$target" "${corpus[@]}" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2560 -timeout=20 \
    -max_len="${max_len:-65536}" -print_final_stats=1 "$@"
