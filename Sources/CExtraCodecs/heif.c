/*
 * HEIF/HEIC through libheif (HEVC via libde265), see extra_codecs.h.
 */
#include "common.h"

#include <pthread.h>
#include <stdlib.h>

#include <libheif/heif.h>

struct otx_heif {
    struct heif_context *ctx;
    struct heif_image_handle *handle;
    int has_alpha;
    int premultiplied;
    int width, height;
};

static pthread_once_t otx_heif_once = PTHREAD_ONCE_INIT;
static void otx_heif_init(void) { heif_init(NULL); }

static int otx_heif_status(struct heif_error e) {
    if (e.subcode == heif_suberror_Security_limit_exceeded) return OTX_ERR_TOO_LARGE;
    switch (e.code) {
    case heif_error_Memory_allocation_error: return OTX_ERR_MEMORY;
    case heif_error_Unsupported_filetype:
    case heif_error_Unsupported_feature: return OTX_ERR_UNSUPPORTED;
    case heif_error_Invalid_input:
        return e.subcode == heif_suberror_End_of_data ? OTX_ERR_DAMAGED : OTX_ERR_CORRUPT;
    case heif_error_Decoder_plugin_error: return OTX_ERR_DAMAGED;
    default: return OTX_ERR_CORRUPT;
    }
}

static int otx_heif_error(struct heif_error e, int *status, char *message) {
    int code = otx_heif_status(e);
    if (status) *status = code;
    otx_message(message, "%s", e.message ? e.message : "libheif error");
    return code;
}

void otx_heif_close(otx_heif *h) {
    if (!h) return;
    if (h->handle) heif_image_handle_release(h->handle);
    if (h->ctx) heif_context_free(h->ctx);
    free(h);
}

/* Big-endian reads inside [p, end); 0 when out of range (callers check lengths first). */
static uint32_t otx_be32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static uint32_t otx_be16(const uint8_t *p) { return ((uint32_t)p[0] << 8) | p[1]; }

/* One ISO-BMFF box header at `p` (bounded by `end`): its type, and where its payload starts and ends. */
static int otx_box(const uint8_t *p, const uint8_t *end, uint32_t *type, const uint8_t **body, const uint8_t **next) {
    if (end - p < 8) return 0;
    uint64_t size = otx_be32(p);
    *type = otx_be32(p + 4);
    size_t header = 8;
    if (size == 1) {
        if (end - p < 16) return 0;
        size = ((uint64_t)otx_be32(p + 8) << 32) | otx_be32(p + 12);
        header = 16;
    } else if (size == 0) {
        size = (uint64_t)(end - p);
    }
    if (size < header || size > (uint64_t)(end - p)) return 0;
    *body = p + header;
    *next = p + size;
    return 1;
}

#define OTX_4CC(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* The child box of `meta` with type `want`, or 0. */
static int otx_meta_child(const uint8_t *body, const uint8_t *end, uint32_t want, const uint8_t **cbody,
                          const uint8_t **cend) {
    const uint8_t *q = body, *b, *n;
    uint32_t type;
    while (otx_box(q, end, &type, &b, &n)) {
        if (type == want) {
            *cbody = b;
            *cend = n;
            return 1;
        }
        q = n;
    }
    return 0;
}

/* The item type of the primary item (`pitm`, then its `infe` in `iinf`), or 0 when the boxes do not say.
 * A bounded walk over the top-level boxes and the children of `meta`; nothing is allocated. */
static uint32_t otx_heif_primary_type(const uint8_t *data, size_t size) {
    const uint8_t *p = data, *end = data + size, *body, *next, *pb, *pe, *ib, *ie;
    uint32_t type;
    while (otx_box(p, end, &type, &body, &next)) {
        if (type != OTX_4CC('m', 'e', 't', 'a')) {
            p = next;
            continue;
        }
        if (next - body < 4) return 0;
        body += 4;  /* FullBox version and flags */
        if (!otx_meta_child(body, next, OTX_4CC('p', 'i', 't', 'm'), &pb, &pe) || pe - pb < 6) return 0;
        uint32_t primary = pb[0] == 0 ? otx_be16(pb + 4) : (pe - pb >= 8 ? otx_be32(pb + 4) : 0);
        if (!otx_meta_child(body, next, OTX_4CC('i', 'i', 'n', 'f'), &ib, &ie) || ie - ib < 6) return 0;
        const uint8_t *r = ib + (ib[0] == 0 ? 6 : 8), *rb, *rn;
        uint32_t rtype;
        while (r < ie && otx_box(r, ie, &rtype, &rb, &rn)) {
            if (rtype == OTX_4CC('i', 'n', 'f', 'e') && rn - rb >= 4) {
                const uint8_t *f = rb + 4;
                if (rb[0] == 2 && rn - f >= 8 && otx_be16(f) == primary) return otx_be32(f + 4);
                if (rb[0] == 3 && rn - f >= 10 && otx_be32(f) == primary) return otx_be32(f + 6);
            }
            r = rn;
        }
        return 0;
    }
    return 0;
}

otx_heif *otx_heif_open(const uint8_t *data, size_t size, int max_side, otx_header *header, int *status,
                        char *message) {
    pthread_once(&otx_heif_once, otx_heif_init);
    memset(header, 0, sizeof *header);
    otx_heif *h = (otx_heif *)calloc(1, sizeof *h);
    if (!h) {
        otx_fail(status, message, OTX_ERR_MEMORY, "out of memory");
        return NULL;
    }
    /* libheif 1.15 (Debian 12) writes far outside its canvas when an overlay (`iovl`) image's offsets and
     * sizes disagree (a 58 KB fuzzed file: a 2.6 GB allocation, then a crash in memset). Overlays are not what
     * phones write (they write grids), so a primary overlay image is refused before libheif parses it. */
    if (otx_heif_primary_type(data, size) == OTX_4CC('i', 'o', 'v', 'l')) {
        otx_heif_close(h);
        otx_fail(status, message, OTX_ERR_UNSUPPORTED, "HEIF overlay (iovl) images are not decoded");
        return NULL;
    }
    h->ctx = heif_context_alloc();
    if (!h->ctx) {
        otx_heif_close(h);
        otx_fail(status, message, OTX_ERR_MEMORY, "out of memory");
        return NULL;
    }
    /* libheif checks every image's ispe (and a grid's output size) against this while parsing, before any
     * tile is decoded; our own pixel budget is checked by the caller on the primary image's size. */
    if (max_side > 0) heif_context_set_maximum_image_size_limit(h->ctx, max_side);
    /* Tiles on the calling thread: one decode per core is the bulk jobs' business, not libheif's. */
    heif_context_set_max_decoding_threads(h->ctx, 0);
    struct heif_error e = heif_context_read_from_memory_without_copy(h->ctx, data, size, NULL);
    if (e.code == heif_error_Ok) e = heif_context_get_primary_image_handle(h->ctx, &h->handle);
    if (e.code != heif_error_Ok) {
        otx_heif_error(e, status, message);
        otx_heif_close(h);
        return NULL;
    }
    h->width = heif_image_handle_get_width(h->handle);
    h->height = heif_image_handle_get_height(h->handle);
    h->has_alpha = heif_image_handle_has_alpha_channel(h->handle);
    h->premultiplied = h->has_alpha && heif_image_handle_is_premultiplied_alpha(h->handle);
    header->width = h->width;
    header->height = h->height;
    header->frames = 1;
    header->has_alpha = h->has_alpha;
    int bits = heif_image_handle_get_luma_bits_per_pixel(h->handle);
    header->bit_depth = bits > 0 ? bits : 8;
    *status = OTX_OK;
    return h;
}

int otx_heif_decode(otx_heif *h, uint8_t *out, char *message) {
    struct heif_decoding_options *options = heif_decoding_options_alloc();
    if (!options) return otx_fail(NULL, message, OTX_ERR_MEMORY, "out of memory");
    options->ignore_transformations = 0;
    options->convert_hdr_to_8bit = 1;
    struct heif_image *image = NULL;
    struct heif_error e = heif_decode_image(h->handle, &image, heif_colorspace_RGB,
                                            h->has_alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
                                            options);
    heif_decoding_options_free(options);
    if (e.code != heif_error_Ok) {
        int status = 0;
        otx_heif_error(e, &status, message);
        if (image) heif_image_release(image);
        return status;
    }
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride);
    int w = heif_image_get_width(image, heif_channel_interleaved);
    int hgt = heif_image_get_height(image, heif_channel_interleaved);
    int bits = heif_image_get_bits_per_pixel_range(image, heif_channel_interleaved);
    int code = OTX_OK;
    if (!plane || w != h->width || hgt != h->height || stride <= 0) {
        code = otx_fail(NULL, message, OTX_ERR_CORRUPT, "decoded image does not match its header");
    } else if (bits != 8) {
        code = otx_fail(NULL, message, OTX_ERR_UNSUPPORTED, "libheif did not deliver 8-bit samples");
    } else if (h->has_alpha) {
        otx_rgba_to_rgb(plane, (size_t)stride, h->premultiplied, (size_t)w, (size_t)hgt, out);
    } else {
        for (int y = 0; y < hgt; y++) memcpy(out + (size_t)y * (size_t)w * 3, plane + (size_t)y * (size_t)stride, (size_t)w * 3);
    }
    heif_image_release(image);
    return code;
}

static int otx_heif_is_kind(otx_heif *h, heif_item_id id, int kind) {
    const char *type = heif_image_handle_get_metadata_type(h->handle, id);
    if (!type) return 0;
    if (kind == 0) return strcmp(type, "Exif") == 0;
    const char *content = heif_image_handle_get_metadata_content_type(h->handle, id);
    return strcmp(type, "mime") == 0 && content && strcmp(content, "application/rdf+xml") == 0;
}

/* At most this many metadata items are looked at: a file listing thousands is hostile, not a photo. */
enum { OTX_HEIF_MAX_METADATA = 64 };

static int otx_heif_metadata_ids(otx_heif *h, heif_item_id *ids) {
    int n = heif_image_handle_get_number_of_metadata_blocks(h->handle, NULL);
    if (n <= 0) return 0;
    if (n > OTX_HEIF_MAX_METADATA) n = OTX_HEIF_MAX_METADATA;
    return heif_image_handle_get_list_of_metadata_block_IDs(h->handle, NULL, ids, n);
}

int otx_heif_metadata_count(otx_heif *h, int kind) {
    heif_item_id ids[OTX_HEIF_MAX_METADATA];
    int n = otx_heif_metadata_ids(h, ids), count = 0;
    for (int i = 0; i < n; i++) count += otx_heif_is_kind(h, ids[i], kind);
    return count;
}

size_t otx_heif_metadata(otx_heif *h, int kind, int index, uint8_t *out, size_t capacity) {
    heif_item_id ids[OTX_HEIF_MAX_METADATA];
    int n = otx_heif_metadata_ids(h, ids), seen = 0;
    for (int i = 0; i < n; i++) {
        if (!otx_heif_is_kind(h, ids[i], kind)) continue;
        if (seen++ != index) continue;
        size_t size = heif_image_handle_get_metadata_size(h->handle, ids[i]);
        if (size == 0 || !out || size > capacity) return size;
        struct heif_error e = heif_image_handle_get_metadata(h->handle, ids[i], out);
        return e.code == heif_error_Ok ? size : 0;
    }
    return 0;
}
