/*
 * WebP through libwebp (still images) and libwebpdemux (animations: first frame), see extra_codecs.h.
 */
#include "common.h"

#include <stdlib.h>

#include <webp/decode.h>
#include <webp/demux.h>

struct otx_webp {
    const uint8_t *data;
    size_t size;
    WebPBitstreamFeatures features;
};

static uint32_t otx_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int otx_webp_status(VP8StatusCode code) {
    switch (code) {
    case VP8_STATUS_OK: return OTX_OK;
    case VP8_STATUS_OUT_OF_MEMORY: return OTX_ERR_MEMORY;
    case VP8_STATUS_UNSUPPORTED_FEATURE: return OTX_ERR_UNSUPPORTED;
    case VP8_STATUS_NOT_ENOUGH_DATA: return OTX_ERR_DAMAGED;
    default: return OTX_ERR_CORRUPT;
    }
}

static const char *otx_webp_reason(VP8StatusCode code) {
    switch (code) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data (truncated file)";
    default: return "decoding failed";
    }
}

/* Counts top-level ANMF chunks, stopping at `limit`; a chunk running past the end stops the walk (libwebp
 * judges the damage). O(chunks), no allocation. */
static int otx_webp_count_frames(const uint8_t *data, size_t size, int limit) {
    if (size < 12) return 0;
    size_t pos = 12, frames = 0;
    while (pos + 8 <= size && (int)frames < limit) {
        uint32_t length = otx_le32(data + pos + 4);
        if (memcmp(data + pos, "ANMF", 4) == 0) frames++;
        size_t next = pos + 8 + (size_t)length + (length & 1u);
        if (next <= pos || next > size) break;
        pos = next;
    }
    return (int)frames;
}

otx_webp *otx_webp_open(const uint8_t *data, size_t size, int max_frames, otx_header *header, int *status,
                        char *message) {
    memset(header, 0, sizeof *header);
    otx_webp *w = (otx_webp *)calloc(1, sizeof *w);
    if (!w) {
        otx_fail(status, message, OTX_ERR_MEMORY, "out of memory");
        return NULL;
    }
    w->data = data;
    w->size = size;
    VP8StatusCode code = WebPGetFeatures(data, size, &w->features);
    if (code != VP8_STATUS_OK) {
        otx_fail(status, message, otx_webp_status(code), otx_webp_reason(code));
        free(w);
        return NULL;
    }
    header->width = w->features.width;
    header->height = w->features.height;
    header->has_alpha = w->features.has_alpha;
    header->bit_depth = 8;
    header->frame_width = w->features.width;
    header->frame_height = w->features.height;
    if (w->features.has_animation) {
        header->frames = otx_webp_count_frames(data, size, max_frames > 0 ? max_frames + 1 : 1 << 30);
        header->lossless = 2;
        if (header->frames == 0) {
            otx_fail(status, message, OTX_ERR_CORRUPT, "animated WebP without frames");
            free(w);
            return NULL;
        }
    } else {
        header->frames = 1;
        header->lossless = w->features.format == 2 ? 1 : (w->features.format == 1 ? 0 : 2);
    }
    *status = OTX_OK;
    return w;
}

static int otx_webp_decode_still(otx_webp *w, uint8_t *out, char *message) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) return otx_fail(NULL, message, OTX_ERR_UNSUPPORTED, "libwebp version mismatch");
    const size_t width = (size_t)w->features.width, height = (size_t)w->features.height;
    uint8_t *rgba = NULL;
    config.options.use_threads = 0;
    config.output.is_external_memory = 1;
    if (w->features.has_alpha) {
        rgba = (uint8_t *)malloc(width * height * 4);
        if (!rgba) return otx_fail(NULL, message, OTX_ERR_MEMORY, "out of memory");
        config.output.colorspace = MODE_RGBA;
        config.output.u.RGBA.rgba = rgba;
        config.output.u.RGBA.stride = (int)(width * 4);
        config.output.u.RGBA.size = width * height * 4;
    } else {
        config.output.colorspace = MODE_RGB;
        config.output.u.RGBA.rgba = out;
        config.output.u.RGBA.stride = (int)(width * 3);
        config.output.u.RGBA.size = width * height * 3;
    }
    VP8StatusCode code = WebPDecode(w->data, w->size, &config);
    WebPFreeDecBuffer(&config.output);  /* external memory: frees only libwebp's own bookkeeping */
    if (code != VP8_STATUS_OK) {
        free(rgba);
        return otx_fail(NULL, message, otx_webp_status(code), otx_webp_reason(code));
    }
    if (rgba) otx_rgba_to_rgb(rgba, width * 4, 0, width, height, out);
    free(rgba);
    return OTX_OK;
}

static int otx_webp_decode_first_frame(otx_webp *w, uint8_t *out, char *message) {
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) return otx_fail(NULL, message, OTX_ERR_UNSUPPORTED, "libwebp version mismatch");
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPData data = {w->data, w->size};
    /* Allocates two canvases (width * height * 4 each): the caller has checked the canvas against its pixel
     * limit and the frame count against its frame limit before calling. */
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&data, &options);
    if (!decoder) return otx_fail(NULL, message, OTX_ERR_CORRUPT, "invalid animated WebP");
    WebPAnimInfo info;
    int code = OTX_OK;
    uint8_t *frame = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetInfo(decoder, &info) || (int)info.canvas_width != w->features.width ||
        (int)info.canvas_height != w->features.height) {
        code = otx_fail(NULL, message, OTX_ERR_CORRUPT, "animation canvas does not match its header");
    } else if (!WebPAnimDecoderGetNext(decoder, &frame, &timestamp) || !frame) {
        code = otx_fail(NULL, message, OTX_ERR_DAMAGED, "first animation frame could not be decoded");
    } else {
        otx_rgba_to_rgb(frame, (size_t)info.canvas_width * 4, 0, info.canvas_width, info.canvas_height, out);
    }
    WebPAnimDecoderDelete(decoder);
    return code;
}

int otx_webp_decode(otx_webp *w, uint8_t *out, char *message) {
    return w->features.has_animation ? otx_webp_decode_first_frame(w, out, message)
                                     : otx_webp_decode_still(w, out, message);
}

void otx_webp_close(otx_webp *w) { free(w); }
