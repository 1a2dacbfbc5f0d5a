#ifndef OBJTRACE_EXTRA_CODECS_H
#define OBJTRACE_EXTRA_CODECS_H
/*
 * Thin C shims over Debian's libheif (HEIC/HEIF), libwebp + libwebpdemux (WebP) and giflib (GIF) for
 * objtrace, with the discipline of CImageCodecs: every failure is a status code plus a message, never an
 * exit()/abort(); decoding is two-phase, `*_open` reads the header and counts frames without allocating
 * pixel memory (the caller checks its pixel and frame limits), `*_decode` fills a caller-owned buffer of
 * width * height * 3 bytes (8-bit RGB, alpha composited onto white), `*_close` frees. Only plain C types
 * cross this header. The input bytes must stay alive until close.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    OTX_OK = 0,
    OTX_ERR_CORRUPT = 1,      /* the codec rejected the data */
    OTX_ERR_UNSUPPORTED = 2,  /* valid but not decodable here (e.g. a HEIF whose codec is not built in) */
    OTX_ERR_MEMORY = 3,       /* allocation failed or a security limit on memory was hit */
    OTX_ERR_DAMAGED = 4,      /* truncated or garbled image data */
    OTX_ERR_TOO_LARGE = 5     /* more pixels or frames than allowed, refused before decoding */
};

enum { OTX_MSG_LEN = 200 };

typedef struct otx_header {
    int width, height;   /* what is delivered: HEIF after its irot/imir/clap transforms, WebP/GIF canvas */
    int frames;          /* animation frames (WebP ANMF, GIF image descriptors); counting stops at max+1 */
    int has_alpha;       /* alpha channel or GIF transparency index (composited onto white) */
    int bit_depth;       /* bits per sample as stored (HEIF luma bits; 8 for WebP; GIF palette bits) */
    int interlaced;      /* GIF: first frame interlaced */
    int lossless;        /* WebP: 1 lossless (VP8L), 0 lossy (VP8), 2 mixed/animated */
    int frame_width, frame_height; /* GIF: the first frame's own rectangle (its LZW work) */
} otx_header;

/* ----------------------------------------------------------------------------------------------- HEIF */

typedef struct otx_heif otx_heif;

/*
 * Parses a HEIF/HEIC file and its primary image's header. libheif refuses any image side above `max_side`
 * (its security limit, checked while parsing); grid tiles, thumbnails, depth and auxiliary images are never
 * decoded on their own. NULL on error with `status` and `message` set.
 */
otx_heif *otx_heif_open(const uint8_t *data, size_t size, int max_side, otx_header *header, int *status,
                        char *message);

/*
 * Decodes the primary image with its transformations applied (irot, imir, clap: libheif's default, and what
 * a viewer shows), 10/12-bit reduced to 8 bits by libheif (`convert_hdr_to_8bit`, pillow-heif's default),
 * into `out` (width * height * 3 bytes).
 */
int otx_heif_decode(otx_heif *heif, uint8_t *out, char *message);

/* Number of metadata blocks of the primary image of `kind` (0 = Exif, 1 = XMP). */
int otx_heif_metadata_count(otx_heif *heif, int kind);

/*
 * The size of metadata block `index` of `kind` (0 when absent or unreadable); the block is copied into `out`
 * only when `out` is not NULL and the size fits `capacity`. Exif blocks start with a 4-byte TIFF header offset.
 */
size_t otx_heif_metadata(otx_heif *heif, int kind, int index, uint8_t *out, size_t capacity);

void otx_heif_close(otx_heif *heif);

/* ----------------------------------------------------------------------------------------------- WebP */

typedef struct otx_webp otx_webp;

/*
 * Reads the WebP features and counts ANMF frames (a bounded walk over the RIFF chunks, stopping at
 * `max_frames` + 1). NULL on error with `status` and `message` set.
 */
otx_webp *otx_webp_open(const uint8_t *data, size_t size, int max_frames, otx_header *header, int *status,
                        char *message);

/* Decodes a still image, or the first frame of an animation rendered on its canvas, into `out`. */
int otx_webp_decode(otx_webp *webp, uint8_t *out, char *message);

void otx_webp_close(otx_webp *webp);

/* ------------------------------------------------------------------------------------------------ GIF */

typedef struct otx_gif otx_gif;

/*
 * Walks the GIF block structure (no LZW decoding) to find the logical screen, the first frame and its
 * transparency, counting image descriptors up to `max_frames` + 1. NULL on error.
 */
otx_gif *otx_gif_open(const uint8_t *data, size_t size, int max_frames, otx_header *header, int *status,
                      char *message);

/*
 * Decodes the first frame only, line by line with giflib's DGifGetLine (never DGifSlurp), onto a white
 * canvas of the logical screen's size; transparent pixels stay white.
 */
int otx_gif_decode(otx_gif *gif, uint8_t *out, char *message);

void otx_gif_close(otx_gif *gif);

#ifdef __cplusplus
}
#endif
#endif
