/*
 * libFuzzer harness for the CExtraCodecs entry points (one binary per format, chosen with -DOTX_FUZZ_HEIF,
 * -DOTX_FUZZ_WEBP or -DOTX_FUZZ_GIF). It does what ImageDecoding does: open, check the pixel and frame
 * limits, allocate, decode, read metadata (HEIF), close. Build and run with Scripts/fuzz.sh heif|webp|gif SECONDS.
 *
 * The Debian libraries themselves are not instrumented, so coverage guidance stops at the shim; ASan still
 * checks the shim's own reads and writes and every malloc/free pair across the boundary.
 */
#include "extra_codecs.h"

#include <stdint.h>
#include <stdlib.h>

enum { MAX_PIXELS = 4 << 20, MAX_FRAMES = 10000 };

static int fits(const otx_header *h) {
    if (h->width <= 0 || h->height <= 0) return 0;
    if ((long long)h->width * h->height > MAX_PIXELS) return 0;
    if (h->frames > MAX_FRAMES) return 0;
#ifdef OTX_FUZZ_GIF
    if (h->frame_width <= 0 || h->frame_height <= 0) return 0;
    if ((long long)h->frame_width * h->frame_height > MAX_PIXELS) return 0;
#endif
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    otx_header header;
    int status = 0;
    char message[OTX_MSG_LEN];
#if defined(OTX_FUZZ_HEIF)
    otx_heif *h = otx_heif_open(data, size, 65535, &header, &status, message);
    if (!h) return 0;
    for (int kind = 0; kind < 2; kind++) {
        int n = otx_heif_metadata_count(h, kind);
        for (int i = 0; i < n; i++) {
            uint8_t block[1 << 16];
            (void)otx_heif_metadata(h, kind, i, block, sizeof block);
        }
    }
    if (fits(&header)) {
        uint8_t *out = (uint8_t *)malloc((size_t)header.width * header.height * 3);
        if (out) (void)otx_heif_decode(h, out, message);
        free(out);
    }
    otx_heif_close(h);
#elif defined(OTX_FUZZ_WEBP)
    otx_webp *w = otx_webp_open(data, size, MAX_FRAMES, &header, &status, message);
    if (!w) return 0;
    if (fits(&header)) {
        uint8_t *out = (uint8_t *)malloc((size_t)header.width * header.height * 3);
        if (out) (void)otx_webp_decode(w, out, message);
        free(out);
    }
    otx_webp_close(w);
#elif defined(OTX_FUZZ_GIF)
    otx_gif *g = otx_gif_open(data, size, MAX_FRAMES, &header, &status, message);
    if (!g) return 0;
    if (fits(&header)) {
        uint8_t *out = (uint8_t *)malloc((size_t)header.width * header.height * 3);
        if (out) (void)otx_gif_decode(g, out, message);
        free(out);
    }
    otx_gif_close(g);
#else
#error "define OTX_FUZZ_HEIF, OTX_FUZZ_WEBP or OTX_FUZZ_GIF"
#endif
    return 0;
}
