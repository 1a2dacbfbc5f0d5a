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
    OT_ERR_DAMAGED = 4,      /* decoded with warnings (e.g. truncated data), and damaged output not allowed */
    OT_ERR_LIMIT = 5         /* the work budget was spent (a decoding bomb) */
};

/*
 * JPEG work is counted in block-scans: each scan costs the 8x8 blocks of the components it covers plus a fixed
 * 4096 (so many tiny scans also add up). A 100-megapixel 4:4:4 progressive photo with libjpeg's default script
 * costs about 26 million; 499 scans over 10000x10000 grey would cost 780 million.
 */
enum { OT_JPEG_DEFAULT_MAX_WORK = 64 * 1024 * 1024 };

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

/*
 * Row-by-row decoding, for callers that consume scanlines as they come instead of holding the image:
 * `ot_jpeg_start_rows` once, then `ot_jpeg_read_rows` until `output_height` rows have been delivered (each call
 * writes up to `max_rows` packed rows of output_width * output_components bytes into `out` and sets *rows_read),
 * then `ot_jpeg_finish_rows`. Every call has its own setjmp handler; after an error the handle can only be
 * closed (further calls return the same error). Damage and `warnings` as in ot_jpeg_decode.
 */
int ot_jpeg_start_rows(ot_jpeg *jpeg, int allow_damaged, char *message);
int ot_jpeg_read_rows(ot_jpeg *jpeg, uint8_t *out, int max_rows, int *rows_read, char *message);
int ot_jpeg_finish_rows(ot_jpeg *jpeg, int *warnings, char *message);

/* Sets the work budget in block-scans (0 = none; OT_JPEG_DEFAULT_MAX_WORK after open). */
void ot_jpeg_set_max_work(ot_jpeg *jpeg, long long max_work);

/* Work counted so far (block-scans). */
long long ot_jpeg_work(const ot_jpeg *jpeg);

void ot_jpeg_close(ot_jpeg *jpeg);

/*
 * The tip-photo working copy of a JPEG, by construction (what `jpegtran -copy none` does): the
 * quantised DCT coefficients are read with jpeg_read_coefficients and written into a new file whose only
 * markers are those libjpeg writes from the frame parameters (SOI, JFIF or Adobe, DQT, SOF, DHT, SOS, EOI),
 * plus `app1` (an APP1 payload, e.g. a minimal EXIF carrying only the orientation) when given. Nothing else
 * of the original survives: no APPn or COM wherever it sat, no data after the end of image. The pixels decode
 * identically. A damaged original (any libjpeg damage warning) is refused. `work` receives the block-scans
 * spent; `max_work` bounds them (0 = none). On success *out is freed with ot_free.
 */
int ot_jpeg_transcode(const uint8_t *data, size_t size, long max_memory, long long max_work, const uint8_t *app1,
                      size_t app1_size, uint8_t **out, size_t *out_size, long long *work, char *message);

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

/*
 * Reads the PNG signature and header (NULL on error, with `status` and `message` set). Every chunk length is
 * checked against the bytes left before libpng sees the data, and libpng never reads past IEND. Text, EXIF,
 * ICC and other chunks that do not change the delivered pixels are skipped unread.
 */
ot_png *ot_png_open(const uint8_t *data, size_t size, long max_pixels, ot_png_header *header, int *status,
                    char *message);

/*
 * Decodes into `out` (width * height * output_components bytes). Palette and low bit depths are expanded,
 * 16-bit samples are scaled to 8 bits by the high byte (v >> 8), and alpha is composited onto white.
 */
int ot_png_decode(ot_png *png, uint8_t *out, char *message);

/*
 * Bytes handed to libpng so far (the work counter of resource tests). Decoding stops reading once every row
 * is delivered, so a zlib stream that goes on inflating after the image (an IDAT bomb) costs nothing.
 */
size_t ot_png_consumed(const ot_png *png);

void ot_png_close(ot_png *png);

/*
 * Encodes 8-bit grey (components 1) or RGB (components 3) pixels as a PNG in memory, with an eXIf chunk of
 * `exif` (TIFF bytes) when given. On success returns OT_OK and sets *out (free with ot_free) and *out_size.
 */
int ot_png_encode(const uint8_t *pixels, int width, int height, int components, const uint8_t *exif,
                  size_t exif_size, uint8_t **out, size_t *out_size, char *message);

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

/*
 * A budget of decoder memory in bytes shared by threads (the workers of `--jobs N`): a decode reserves its
 * estimate before allocating and waits while others hold the budget; an estimate alone over the limit is
 * refused (acquire returns 0). A NULL budget admits everything.
 */
typedef struct ot_budget ot_budget;
ot_budget *ot_budget_create(long long bytes);
void ot_budget_destroy(ot_budget *budget);
int ot_budget_acquire(ot_budget *budget, long long bytes);
void ot_budget_release(ot_budget *budget, long long bytes);
void ot_budget_stats(ot_budget *budget, long long *limit, long long *used, long long *peak, long long *waits);

/*
 * For resource tests: runs one JPEG or PNG decode through these shims (pixel limit `max_pixels`) in a forked
 * child and returns the growth of the child's peak resident set in KiB (getrusage ru_maxrss minus the RSS at
 * fork), or -1 if the child could not run. `status` receives the decode status, `work` its work counter.
 */
long ot_probe_decode_rss_kib(const uint8_t *data, size_t size, long max_pixels, int *status, long long *work);

/*
 * Inflates a zlib stream into `out` (at most `out_capacity` bytes; *out_size receives what was written, also on
 * failure). OT_OK at the end of the stream, OT_ERR_LIMIT when `out` filled first, OT_ERR_CORRUPT otherwise.
 */
int ot_inflate_bounded(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_capacity, size_t *out_size);

/* Frees memory returned by the encoders. */
void ot_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
