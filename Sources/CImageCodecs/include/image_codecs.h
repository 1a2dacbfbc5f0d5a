#ifndef OBJTRACE_IMAGE_CODECS_H
#define OBJTRACE_IMAGE_CODECS_H
/*
 * Thin C shims over libjpeg(-turbo) and libpng for objtrace.
 *
 * Both libraries report fatal errors through callbacks that must not return (libjpeg's default calls
 * exit()). Every entry point here installs a setjmp error handler, so a corrupt, truncated or hostile file
 * becomes an error code plus a message, never a crash. Decoding is two-phase: `*_open` reads the header
 * (the caller checks limits before allocating), `*_decode` fills a caller-owned buffer, `*_close` frees.
 * Only plain C types cross this header.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    OT_OK = 0,
    OT_ERR_CORRUPT = 1,      /* the codec rejected the data */
    OT_ERR_UNSUPPORTED = 2,  /* valid but unsupported (e.g. 12-bit JPEG) */
    OT_ERR_MEMORY = 3,       /* the memory cap was hit or allocation failed */
    OT_ERR_DAMAGED = 4       /* decoded with warnings (e.g. truncated data), and damaged output not allowed */
};

enum { OT_MSG_LEN = 200 };

/* JPEG colour models as stored in the file. */
enum { OT_JPEG_GRAY = 1, OT_JPEG_RGB = 2, OT_JPEG_YCBCR = 3, OT_JPEG_CMYK = 4, OT_JPEG_YCCK = 5, OT_JPEG_OTHER = 6 };

typedef struct ot_jpeg_header {
    int image_width, image_height;   /* stored size */
    int output_width, output_height; /* size after DCT scaling */
    int output_components;           /* 1 (grey) or 3 (RGB) delivered to the caller */
    int color_model;                 /* OT_JPEG_* */
    int components;                  /* components in the file */
    int precision;                   /* bits per sample */
    int progressive;
    int arithmetic;
    int adobe_transform;             /* Adobe APP14 seen: CMYK is stored inverted */
} ot_jpeg_header;

typedef struct ot_jpeg ot_jpeg;

/*
 * Reads the header of a JPEG in memory (`data` must stay alive until close). The output is scaled by
 * `scale_eighths`/8 (1 to 8) in the DCT domain. With `grey_output`, a YCbCr file is delivered as its Y plane
 * (one component), which skips chroma decoding work. `max_memory` caps libjpeg's working memory in bytes
 * (0 = library default). Returns NULL on any error, with `status` and `message` set.
 */
ot_jpeg *ot_jpeg_open(const uint8_t *data, size_t size, int scale_eighths, int grey_output, long max_memory,
                      ot_jpeg_header *header, int *status, char *message);

/*
 * Decodes into `out` (output_width * output_height * output_components bytes, rows packed). With
 * `allow_damaged` = 0, any libjpeg warning (corrupt data, premature end) makes the result OT_ERR_DAMAGED.
 * `warnings` receives the number of warnings.
 */
int ot_jpeg_decode(ot_jpeg *jpeg, uint8_t *out, int allow_damaged, int *warnings, char *message);

void ot_jpeg_close(ot_jpeg *jpeg);

/* PNG colour types after libpng's IHDR (PNG_COLOR_TYPE_*). */
typedef struct ot_png_header {
    int width, height;
    int bit_depth;          /* 1, 2, 4, 8 or 16 as stored */
    int color_type;         /* 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
    int interlaced;         /* Adam7 */
    int has_alpha;          /* alpha channel or tRNS */
    int output_components;  /* 1 (grey) or 3 (RGB) delivered to the caller */
} ot_png_header;

typedef struct ot_png ot_png;

/* Reads the PNG signature and header (NULL on error, with `status` and `message` set). */
ot_png *ot_png_open(const uint8_t *data, size_t size, long max_pixels, ot_png_header *header, int *status,
                    char *message);

/*
 * Decodes into `out` (width * height * output_components bytes). Palette and low bit depths are expanded,
 * 16-bit samples are scaled to 8 bits by the high byte (v >> 8), and alpha is composited onto white.
 */
int ot_png_decode(ot_png *png, uint8_t *out, char *message);

void ot_png_close(ot_png *png);

/*
 * Encodes 8-bit grey (components 1) or RGB (components 3) pixels as a PNG in memory. On success returns
 * OT_OK and sets *out (free with ot_free) and *out_size.
 */
int ot_png_encode(const uint8_t *pixels, int width, int height, int components, uint8_t **out, size_t *out_size,
                  char *message);

/*
 * Encodes 8-bit grey (components 1) or RGB (components 3) pixels as a baseline JPEG (4:2:0 for RGB, libjpeg's
 * defaults) at `quality` 1-100. On success returns OT_OK and sets *out (free with ot_free) and *out_size.
 */
int ot_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality, uint8_t **out,
                   size_t *out_size, char *message);

/*
 * Bulk decoding: keep freed image-sized blocks in the process (glibc's mmap and trim thresholds raised), so
 * each file does not pay for fresh zeroed pages again. No-op off glibc.
 */
void ot_retain_freed_buffers(void);

/* Frees memory returned by the encoders. */
void ot_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
