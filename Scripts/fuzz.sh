#!/usr/bin/env bash
# Runs one libFuzzer target for a number of seconds:  Scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
#
# Targets: decode (C shims: JPEG/PNG decode), transcode (C shim: the tip-photo working copy),
#          exif (Swift EXIF/segment parsers), importline (Swift tip-import line parser and path checks).
# Builds with the clang/swiftc of the Swift toolchain (-fsanitize=fuzzer,address) into .build-fuzz/, starts from
# the committed seed corpus Tests/Fuzz/corpus/TARGET (new inputs go to .build-fuzz/corpus/TARGET), and writes
# crashes to .build-fuzz/findings/TARGET/. Every finding belongs in Tests/Fuzz/regressions/ with a test.
# Fuzzing is never part of .ci/run; the regression inputs are (see Tests/ImageDecodingTests/FuzzRegressionTests.swift).
set -euo pipefail
target=${1:?usage: Scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: Scripts/fuzz.sh TARGET SECONDS}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
toolchain=${SWIFT_TOOLCHAIN:-/opt/swift/usr/bin}
out="$root/.build-fuzz"
mkdir -p "$out/bin" "$out/corpus/$target" "$out/findings/$target"
cc="$toolchain/clang"
cflags=(-g -O1 -fno-omit-frame-pointer -I "$root/Sources/CImageCodecs/include")
libs=(-ljpeg -lpng16 -lz)

case "$target" in
decode | transcode)
    "$cc" "${cflags[@]}" -fsanitize=fuzzer,address "$root/Tests/Fuzz/${target}_fuzz.c" \
        "$root/Sources/CImageCodecs/"*.c "${libs[@]}" -o "$out/bin/$target"
    ;;
exif | importline)
    "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link,address -c "$root/Sources/CImageCodecs/codecs.c" -o "$out/bin/codecs.o"
    swift_sources=("$root/Tests/Fuzz/${target}_fuzz.swift")
    if [ "$target" = exif ]; then
        swift_sources+=("$root/Sources/ImageDecoding/Exif.swift" "$root/Sources/ImageDecoding/ImageFormat.swift"
                        "$root/Sources/ImageDecoding/MetadataScan.swift")
    else
        swift_sources+=("$root/Sources/ObjtraceKit/ImportLineParser.swift")
    fi
    "$toolchain/swiftc" -sanitize=fuzzer,address -parse-as-library -g -O -module-name Fuzz \
        "${swift_sources[@]}" -o "$out/bin/$target"
    ;;
*)
    echo "unknown target '$target' (decode, transcode, exif, importline)" >&2
    exit 2
    ;;
esac

corpus=("$out/corpus/$target")
[ -d "$root/Tests/Fuzz/corpus/$target" ] && corpus+=("$root/Tests/Fuzz/corpus/$target")
dict=()
[ -f "$root/Tests/Fuzz/$target.dict" ] && dict=(-dict="$root/Tests/Fuzz/$target.dict")
cd "$out/findings/$target"
exec "$out/bin/$target" "${corpus[@]}" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=65536 -print_final_stats=1 "$@"
