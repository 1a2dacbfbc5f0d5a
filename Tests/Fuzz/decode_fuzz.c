/*
 * libFuzzer target: the C codec shims' decode entry points (JPEG and PNG), with the limits ImageDecoder
 * applies (pixel budget checked from the header before the output buffer is allocated).
 * Built by Scripts/fuzz.sh decode SECONDS.
 */
#include <stdint.h>
#include <stdlib.h>
#include "image_codecs.h"

enum { FUZZ_MAX_PIXELS = 4 * 1024 * 1024 };

static void fuzz_jpeg(const uint8_t *data, size_t size, int scale, int grey) {
    ot_jpeg_header h;
    int status = 0;
    char msg[OT_MSG_LEN];
    ot_jpeg *j = ot_jpeg_open(data, size, scale, grey, 256L << 20, &h, &status, msg);
    if (!j) return;
    ot_jpeg_set_max_work(j, 8 << 20); /* as ImageDecoder would with a smaller budget: keeps each run short */
    if ((long)h.image_width * h.image_height <= FUZZ_MAX_PIXELS && h.output_width > 0 && h.output_height > 0) {
        size_t n = (size_t)h.output_width * h.output_height * (size_t)h.output_components;
        uint8_t *out = malloc(n);
        int warnings = 0;
        if (out) ot_jpeg_decode(j, out, grey, &warnings, msg);
        free(out);
        /* The budget may be passed by at most one scan: 4096 plus up to 4 components' blocks. */
        long long scan = 4096 + 4LL * ((long long)h.image_width / 8 + 2) * ((long long)h.image_height / 8 + 2);
        if (ot_jpeg_work(j) > (8 << 20) + scan) abort();
    }
    ot_jpeg_close(j);
}

static void fuzz_png(const uint8_t *data, size_t size) {
    ot_png_header h;
    int status = 0;
    char msg[OT_MSG_LEN];
    ot_png *p = ot_png_open(data, size, FUZZ_MAX_PIXELS, &h, &status, msg);
    if (!p) return;
    if ((long)h.width * h.height <= FUZZ_MAX_PIXELS) {
        uint8_t *out = malloc((size_t)h.width * h.height * (size_t)h.output_components);
        if (out) ot_png_decode(p, out, msg);
        free(out);
        if (ot_png_consumed(p) > size) abort(); /* libpng never reads past the input */
    }
    ot_png_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    if (data[0] == 0xFF && data[1] == 0xD8) {
        /* One input, two paths: full-size RGB with damage refused, and a scaled luma decode with damage allowed. */
        fuzz_jpeg(data, size, 8, 0);
        fuzz_jpeg(data, size, 1 + (data[size - 1] & 7), 1);
    } else {
        fuzz_png(data, size);
    }
    return 0;
}
