/*
 * libFuzzer target: the tip-photo working copy in C. JPEG: ot_jpeg_transcode (coefficient transcoding with an
 * orientation-only APP1); when it succeeds and the original decodes undamaged, the copy must decode to the
 * same pixels (CMYK/YCCK excepted: ImageDecoding checks those and falls back to a PNG of the pixels).
 * PNG: decode, then ot_png_encode with an eXIf chunk, and the re-encoded file must decode to the same pixels.
 * Built by Scripts/fuzz.sh transcode SECONDS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image_codecs.h"

enum { FUZZ_MAX_PIXELS = 4 * 1024 * 1024 };


static const uint8_t app1[] = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3,
                               0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};

/* Decodes a JPEG at full size, RGB, damage refused; returns a malloc'd raster or NULL. */
static uint8_t *decode_jpeg(const uint8_t *data, size_t size, ot_jpeg_header *h, int *model) {
    int status = 0;
    char msg[OT_MSG_LEN];
    ot_jpeg *j = ot_jpeg_open(data, size, 8, 0, 256L << 20, h, &status, msg);
    if (!j) return NULL;
    uint8_t *out = NULL;
    if ((long)h->image_width * h->image_height <= FUZZ_MAX_PIXELS) {
        size_t n = (size_t)h->output_width * h->output_height * (size_t)h->output_components;
        out = malloc(n ? n : 1);
        int warnings = 0;
        if (out && ot_jpeg_decode(j, out, 0, &warnings, msg) != OT_OK) {
            free(out);
            out = NULL;
        }
    }
    *model = h->color_model;
    ot_jpeg_close(j);
    return out;
}

static uint8_t *decode_png(const uint8_t *data, size_t size, ot_png_header *h) {
    int status = 0;
    char msg[OT_MSG_LEN];
    ot_png *p = ot_png_open(data, size, FUZZ_MAX_PIXELS, h, &status, msg);
    if (!p) return NULL;
    uint8_t *out = NULL;
    if ((long)h->width * h->height <= FUZZ_MAX_PIXELS) {
        out = malloc((size_t)h->width * h->height * (size_t)h->output_components);
        if (out && ot_png_decode(p, out, msg) != OT_OK) {
            free(out);
            out = NULL;
        }
    }
    ot_png_close(p);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    char msg[OT_MSG_LEN];
    if (data[0] == 0xFF && data[1] == 0xD8) {
        uint8_t *copy = NULL;
        size_t copy_size = 0;
        long long work = 0;
        int status = ot_jpeg_transcode(data, size, 256L << 20, OT_JPEG_DEFAULT_MAX_WORK, app1, sizeof app1, &copy,
                                       &copy_size, &work, msg);
        if (status != OT_OK) return 0;
        ot_jpeg_header h1, h2;
        int m1 = 0, m2 = 0;
        uint8_t *a = decode_jpeg(data, size, &h1, &m1);
        uint8_t *b = a ? decode_jpeg(copy, copy_size, &h2, &m2) : NULL;
        if (a && m1 != OT_JPEG_CMYK && m1 != OT_JPEG_YCCK) {
            if (!b) {
                fprintf(stderr, "transcoded copy does not decode\n");
                abort();
            }
            size_t n = (size_t)h1.output_width * h1.output_height * (size_t)h1.output_components;
            if (h1.output_width != h2.output_width || h1.output_height != h2.output_height ||
                h1.output_components != h2.output_components) {
                fprintf(stderr, "transcoded copy has another size\n");
                abort();
            }
            if (memcmp(a, b, n) != 0) {
                fprintf(stderr, "transcoded copy decodes to different pixels\n");
                abort();
            }
        }
        free(a);
        free(b);
        ot_free(copy);
    } else {
        ot_png_header h1, h2;
        uint8_t *a = decode_png(data, size, &h1);
        if (!a) return 0;
        uint8_t *png = NULL;
        size_t png_size = 0;
        if (ot_png_encode(a, h1.width, h1.height, h1.output_components, app1 + 6, sizeof app1 - 6, &png, &png_size,
                          msg) != OT_OK) {
            fprintf(stderr, "re-encoding decoded pixels failed: %s\n", msg);
            abort();
        }
        uint8_t *b = decode_png(png, png_size, &h2);
        size_t n = (size_t)h1.width * h1.height * (size_t)h1.output_components;
        if (!b || h1.width != h2.width || h1.height != h2.height || h1.output_components != h2.output_components ||
            memcmp(a, b, n) != 0) {
            fprintf(stderr, "re-encoded PNG decodes to different pixels\n");
            abort();
        }
        free(a);
        free(b);
        ot_free(png);
    }
    return 0;
}
