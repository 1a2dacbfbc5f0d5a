#!/usr/bin/env bash
# Builds libjpeg-turbo 2.1.5 and libpng 1.6.39 (the versions Debian 12 ships) from source with libFuzzer
# coverage and AddressSanitizer into .build-fuzz/lib, so the fuzzers see inside the codecs and not only the
# shims. Sources: the tags 2.1.5 of github.com/libjpeg-turbo/libjpeg-turbo and v1.6.39 of
# github.com/pnggroup/libpng in .build-fuzz/src/{libjpeg-turbo,libpng} (cloned when absent). No cmake needed.
# Without this, Scripts/fuzz.sh links the system libraries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/.build-fuzz/src"
lib="$root/.build-fuzz/lib"
cc=${SWIFT_TOOLCHAIN:-/opt/swift/usr/bin}/clang
flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address -w)
mkdir -p "$lib/obj-jpeg" "$lib/obj-png" "$lib/include" "$src"
[ -d "$src/libjpeg-turbo" ] || git clone -q --depth 1 --branch 2.1.5 https://github.com/libjpeg-turbo/libjpeg-turbo "$src/libjpeg-turbo"
[ -d "$src/libpng" ] || git clone -q --depth 1 --branch v1.6.39 https://github.com/pnggroup/libpng "$src/libpng"

cd "$src/libjpeg-turbo"
[ -f jconfig.h ] || cp /usr/include/x86_64-linux-gnu/jconfig.h jconfig.h
if [ ! -f jconfigint.h ]; then
    printf '%s\n' '#define BUILD "fuzz"' '#undef inline' '#define INLINE __inline__ __attribute__((always_inline))' \
        '#define THREAD_LOCAL __thread' '#define PACKAGE_NAME "libjpeg-turbo"' '#define VERSION "2.1.5"' \
        '#define SIZEOF_SIZE_T 8' '#define HAVE_BUILTIN_CTZL' '#define FALLTHROUGH __attribute__((fallthrough));' > jconfigint.h
fi
[ -f jversion.h ] || sed -e 's/@COPYRIGHT_YEAR@/2022/' jversion.h.in > jversion.h
jpeg_sources=(jcapimin jcapistd jccoefct jccolor jcdctmgr jchuff jcicc jcinit jcmainct jcmarker jcmaster jcomapi jcparam
    jcphuff jcprepct jcsample jctrans jdapimin jdapistd jdatadst jdatasrc jdcoefct jdcolor jddctmgr jdhuff jdicc jdinput
    jdmainct jdmarker jdmaster jdmerge jdphuff jdpostct jdsample jdtrans jerror jfdctflt jfdctfst jfdctint jidctflt
    jidctfst jidctint jidctred jquant1 jquant2 jutils jmemmgr jmemnobs jaricom jcarith jdarith jsimd_none)
for s in "${jpeg_sources[@]}"; do "$cc" "${flags[@]}" -I. -c "$s.c" -o "$lib/obj-jpeg/$s.o" & done
wait
cp jpeglib.h jerror.h jmorecfg.h jconfig.h "$lib/include/"

cd "$src/libpng"
cp scripts/pnglibconf.h.prebuilt pnglibconf.h
for s in png pngerror pngget pngmem pngpread pngread pngrio pngrtran pngrutil pngset pngtrans pngwio pngwrite pngwtran pngwutil; do
    "$cc" "${flags[@]}" -I. -c "$s.c" -o "$lib/obj-png/$s.o" &
done
wait
cp png.h pngconf.h pnglibconf.h "$lib/include/"
ar rcs "$lib/libjpeg-fuzz.a" "$lib"/obj-jpeg/*.o
ar rcs "$lib/libpng-fuzz.a" "$lib"/obj-png/*.o
echo "built $lib/libjpeg-fuzz.a $lib/libpng-fuzz.a"
