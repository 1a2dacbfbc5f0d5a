/* Shared helpers of the extra codec shims (not part of the public header). */
#ifndef OBJTRACE_EXTRA_COMMON_H
#define OBJTRACE_EXTRA_COMMON_H
#include "extra_codecs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static inline void otx_message(char *dst, const char *format, ...) {
    if (!dst) return;
    va_list args;
    va_start(args, format);
    vsnprintf(dst, OTX_MSG_LEN, format, args);
    va_end(args);
}

static inline int otx_fail(int *status, char *message, int code, const char *text) {
    if (status) *status = code;
    otx_message(message, "%s", text ? text : "");
    return code;
}

/* Non-premultiplied alpha over white, rounded like the PNG path: (c a + 255 (255 - a) + 127) / 255. */
static inline uint8_t otx_over_white(unsigned c, unsigned a) {
    return (uint8_t)((c * a + 255u * (255u - a) + 127u) / 255u);
}

/* Copies RGBA rows (any stride) to packed RGB over white. */
static inline void otx_rgba_to_rgb(const uint8_t *src, size_t stride, int premultiplied, size_t width,
                                   size_t height, uint8_t *out) {
    for (size_t y = 0; y < height; y++) {
        const uint8_t *row = src + y * stride;
        uint8_t *dst = out + y * width * 3;
        for (size_t x = 0; x < width; x++) {
            unsigned a = row[4 * x + 3];
            for (int k = 0; k < 3; k++) {
                unsigned c = row[4 * x + k];
                if (premultiplied) {
                    unsigned v = c + (255u - a);
                    dst[3 * x + k] = (uint8_t)(v > 255u ? 255u : v);
                } else {
                    dst[3 * x + k] = otx_over_white(c, a);
                }
            }
        }
    }
}
#endif
