/*
 * libjpeg-turbo and libpng behind setjmp error handlers (see image_codecs.h).
 */
#include "image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

static void ot_copy_message(char *dst, const char *src) {
    if (!dst) return;
    if (!src) src = "";
    strncpy(dst, src, OT_MSG_LEN - 1);
    dst[OT_MSG_LEN - 1] = '\0';
}

/* ------------------------------------------------------------------------------------------------ JPEG */

/* Progressive JPEGs with hundreds of scans over a large image are a known CPU exhaustion attack (libjpeg-turbo's
 * djpeg offers -maxscans for it). A cap on scans alone still lets 499 scans over 10000x10000 run for half a
 * minute, so the bound is on work: every scan costs the blocks it covers plus a fixed per-scan overhead (for
 * files of many tiny scans), and decoding stops when the sum passes the budget (see image_codecs.h). */
enum { OT_JPEG_SCAN_OVERHEAD = 4096 };

struct ot_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int status;               /* status to report when we jump */
    int allow_damaged;        /* while decoding: whether damage warnings are tolerated */
    int damage_warnings;      /* warnings that mean the pixels are damaged */
    long long work;           /* block-scans consumed so far (see ot_jpeg_progress) */
    long long max_work;       /* budget for `work`; 0 = none */
    int last_scan;            /* the input scan last charged */
    char message[OT_MSG_LEN];
};

struct ot_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct ot_jpeg_error err;
    struct jpeg_progress_mgr progress;
    int adobe_inverted_cmyk;
    int cmyk_out;
    uint8_t *cmyk_row;
    int row_status;   /* row-by-row decoding: the first error, repeated by later calls */
};

static int ot_jpeg_classify(int code) {
    switch (code) {
    case JERR_BAD_PRECISION:
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOTIMPL:
    case JERR_CCIR601_NOTIMPL:
        return OT_ERR_UNSUPPORTED;
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
    case JERR_TFILE_CREATE:
    case JERR_WIDTH_OVERFLOW:
        return OT_ERR_MEMORY;
    default:
        return OT_ERR_CORRUPT;
    }
}

static void ot_jpeg_error_exit(j_common_ptr cinfo) {
    struct ot_jpeg_error *err = (struct ot_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    err->status = ot_jpeg_classify(cinfo->err->msg_code);
    longjmp(err->jump, 1);
}

/* Warnings that mean image data is missing or garbled (as opposed to harmless oddities such as
 * extraneous bytes between markers, which cameras write and every decoder ignores). */
static int ot_jpeg_is_damage(int code) {
    switch (code) {
    case JWRN_JPEG_EOF:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_TOO_MUCH_DATA:
    case JWRN_HIT_MARKER: /* entropy data cut short by a marker: a truncated file with an end marker appended */
        return 1;
    default:
        return 0;
    }
}

static void ot_jpeg_emit_message(j_common_ptr cinfo, int level) {
    struct ot_jpeg_error *err = (struct ot_jpeg_error *)cinfo->err;
    if (level >= 0) return; /* trace messages */
    cinfo->err->num_warnings++;
    if (!ot_jpeg_is_damage(cinfo->err->msg_code)) return;
    if (err->damage_warnings == 0) (*cinfo->err->format_message)(cinfo, err->message);
    err->damage_warnings++;
    if (!err->allow_damaged) {
        /* Stop at the first sign of damage: decoding the rest would only burn time. */
        err->status = OT_ERR_DAMAGED;
        longjmp(err->jump, 1);
    }
}

static void ot_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void ot_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    struct ot_jpeg_error *err = (struct ot_jpeg_error *)cinfo->err;
    if (d->input_scan_number == err->last_scan || d->comps_in_scan <= 0) return;
    err->last_scan = d->input_scan_number;
    long long blocks = OT_JPEG_SCAN_OVERHEAD;
    for (int i = 0; i < d->comps_in_scan && i < MAX_COMPS_IN_SCAN; i++) {
        const jpeg_component_info *comp = d->cur_comp_info[i];
        if (comp) blocks += (long long)comp->width_in_blocks * (long long)comp->height_in_blocks;
    }
    err->work += blocks;
    if (err->max_work > 0 && err->work > err->max_work) {
        snprintf(err->message, OT_MSG_LEN,
                 "scan %d brings the work to %lld block-scans, over the budget of %lld (refused as a decoding bomb)",
                 d->input_scan_number, err->work, err->max_work);
        err->status = OT_ERR_LIMIT;
        longjmp(err->jump, 1);
    }
}

static int ot_jpeg_model(J_COLOR_SPACE cs) {
    switch (cs) {
    case JCS_GRAYSCALE: return OT_JPEG_GRAY;
    case JCS_RGB: return OT_JPEG_RGB;
    case JCS_YCbCr: return OT_JPEG_YCBCR;
    case JCS_CMYK: return OT_JPEG_CMYK;
    case JCS_YCCK: return OT_JPEG_YCCK;
    default: return OT_JPEG_OTHER;
    }
}

ot_jpeg *ot_jpeg_open(const uint8_t *data, size_t size, int scale_eighths, int grey_output, long max_memory,
                      ot_jpeg_header *header, int *status, char *message) {
    ot_jpeg *j = (ot_jpeg *)calloc(1, sizeof(ot_jpeg));
    if (!j) {
        *status = OT_ERR_MEMORY;
        ot_copy_message(message, "out of memory");
        return NULL;
    }
    j->cinfo.err = jpeg_std_error(&j->err.pub);
    j->err.pub.error_exit = ot_jpeg_error_exit;
    j->err.pub.emit_message = ot_jpeg_emit_message;
    j->err.pub.output_message = ot_jpeg_output_message;
    j->err.allow_damaged = 1; /* header warnings are judged when decoding */
    j->err.max_work = OT_JPEG_DEFAULT_MAX_WORK;
    if (setjmp(j->err.jump)) {
        *status = j->err.status ? j->err.status : OT_ERR_CORRUPT;
        ot_copy_message(message, j->err.message);
        jpeg_destroy_decompress(&j->cinfo);
        free(j);
        return NULL;
    }
    jpeg_create_decompress(&j->cinfo);
    if (max_memory > 0) j->cinfo.mem->max_memory_to_use = max_memory;
    j->progress.progress_monitor = ot_jpeg_progress;
    j->cinfo.progress = &j->progress;
    jpeg_mem_src(&j->cinfo, data, (unsigned long)size);
    jpeg_read_header(&j->cinfo, TRUE);

    struct jpeg_decompress_struct *c = &j->cinfo;
    if (c->data_precision != 8) {
        j->err.status = OT_ERR_UNSUPPORTED;
        snprintf(j->err.message, OT_MSG_LEN, "%d-bit JPEG is not supported", c->data_precision);
        longjmp(j->err.jump, 1);
    }
    /* libjpeg's defaults (JDCT_ISLOW, fancy upsampling) are what Pillow, OpenCV and djpeg use; keep them so
     * the pixels, and therefore the hashes, equal the references'. */
    c->scale_num = (unsigned int)(scale_eighths >= 1 && scale_eighths <= 8 ? scale_eighths : 8);
    c->scale_denom = 8;
    switch (c->jpeg_color_space) {
    case JCS_GRAYSCALE:
        c->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
        /* Grey output of a YCbCr file is its Y plane: libjpeg then skips the chroma IDCT, upsampling and
         * colour conversion (fast mode only; exact mode needs the RGB pixels the references see). */
        c->out_color_space = grey_output ? JCS_GRAYSCALE : JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        c->out_color_space = JCS_CMYK;
        j->cmyk_out = 1;
        j->adobe_inverted_cmyk = c->saw_Adobe_marker;
        break;
    default:
        c->out_color_space = JCS_RGB;
        break;
    }
    jpeg_calc_output_dimensions(c);

    header->image_width = (int)c->image_width;
    header->image_height = (int)c->image_height;
    header->output_width = (int)c->output_width;
    header->output_height = (int)c->output_height;
    header->output_components = c->out_color_space == JCS_GRAYSCALE ? 1 : 3;
    header->color_model = ot_jpeg_model(c->jpeg_color_space);
    header->components = c->num_components;
    header->precision = c->data_precision;
    header->progressive = c->progressive_mode ? 1 : 0;
    header->arithmetic = c->arith_code ? 1 : 0;
    header->adobe_transform = c->saw_Adobe_marker ? 1 : 0;
    *status = OT_OK;
    return j;
}

/* Pillow's CMYK -> RGB (libImaging/Convert.c cmyk2rgb): R = (255 - K) - muldiv255(C, 255 - K). */
static inline uint8_t ot_muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return (uint8_t)(((t >> 8) + t) >> 8);
}

/* One scanline into `dst` (CMYK converted to RGB with Pillow's formula). Inside a setjmp region. */
static void ot_jpeg_read_one(ot_jpeg *j, uint8_t *dst) {
    struct jpeg_decompress_struct *c = &j->cinfo;
    if (!j->cmyk_out) {
        JSAMPROW row = dst;
        jpeg_read_scanlines(c, &row, 1);
        return;
    }
    const size_t width = c->output_width;
    JSAMPROW row = j->cmyk_row;
    jpeg_read_scanlines(c, &row, 1);
    const uint8_t inv = j->adobe_inverted_cmyk ? 255 : 0;
    for (size_t x = 0; x < width; x++) {
        unsigned cc = j->cmyk_row[4 * x] ^ inv, mm = j->cmyk_row[4 * x + 1] ^ inv;
        unsigned yy = j->cmyk_row[4 * x + 2] ^ inv, kk = j->cmyk_row[4 * x + 3] ^ inv;
        unsigned nk = 255 - kk;
        dst[3 * x] = (uint8_t)(nk - ot_muldiv255(cc, nk));
        dst[3 * x + 1] = (uint8_t)(nk - ot_muldiv255(mm, nk));
        dst[3 * x + 2] = (uint8_t)(nk - ot_muldiv255(yy, nk));
    }
}

int ot_jpeg_decode(ot_jpeg *j, uint8_t *out, int allow_damaged, int *warnings, char *message) {
    struct jpeg_decompress_struct *c = &j->cinfo;
    j->err.allow_damaged = allow_damaged;
    j->err.damage_warnings = 0;
    if (setjmp(j->err.jump)) {
        if (warnings) *warnings = (int)j->err.pub.num_warnings;
        ot_copy_message(message, j->err.message);
        return j->err.status ? j->err.status : OT_ERR_CORRUPT;
    }
    jpeg_start_decompress(c);
    const size_t width = c->output_width;
    const size_t out_components = j->cmyk_out ? 3 : (size_t)c->output_components;
    if (j->cmyk_out) {
        j->cmyk_row = (uint8_t *)malloc(width * 4);
        if (!j->cmyk_row) {
            j->err.status = OT_ERR_MEMORY;
            ot_copy_message(j->err.message, "out of memory");
            longjmp(j->err.jump, 1);
        }
    }
    while (c->output_scanline < c->output_height) {
        ot_jpeg_read_one(j, out + (size_t)c->output_scanline * width * out_components);
    }
    jpeg_finish_decompress(c);
    if (warnings) *warnings = (int)j->err.pub.num_warnings;
    if (j->err.damage_warnings > 0) {
        ot_copy_message(message, j->err.message);
        if (!allow_damaged) return OT_ERR_DAMAGED;
    }
    return OT_OK;
}


int ot_jpeg_start_rows(ot_jpeg *j, int allow_damaged, char *message) {
    if (j->row_status) {
        ot_copy_message(message, j->err.message);
        return j->row_status;
    }
    j->err.allow_damaged = allow_damaged;
    j->err.damage_warnings = 0;
    if (setjmp(j->err.jump)) {
        j->row_status = j->err.status ? j->err.status : OT_ERR_CORRUPT;
        ot_copy_message(message, j->err.message);
        return j->row_status;
    }
    jpeg_start_decompress(&j->cinfo);
    if (j->cmyk_out && !j->cmyk_row) {
        j->cmyk_row = (uint8_t *)malloc((size_t)j->cinfo.output_width * 4);
        if (!j->cmyk_row) {
            j->err.status = OT_ERR_MEMORY;
            ot_copy_message(j->err.message, "out of memory");
            longjmp(j->err.jump, 1);
        }
    }
    return OT_OK;
}

int ot_jpeg_read_rows(ot_jpeg *j, uint8_t *out, int max_rows, int *rows_read, char *message) {
    *rows_read = 0;
    if (j->row_status) {
        ot_copy_message(message, j->err.message);
        return j->row_status;
    }
    struct jpeg_decompress_struct *c = &j->cinfo;
    const size_t row_bytes = (size_t)c->output_width * (j->cmyk_out ? 3 : (size_t)c->output_components);
    /* `done` is volatile: it is read after a longjmp out of libjpeg. */
    volatile int done = 0;
    if (setjmp(j->err.jump)) {
        *rows_read = done;
        j->row_status = j->err.status ? j->err.status : OT_ERR_CORRUPT;
        ot_copy_message(message, j->err.message);
        return j->row_status;
    }
    if (j->cmyk_out) {
        while (done < max_rows && c->output_scanline < c->output_height) {
            ot_jpeg_read_one(j, out + (size_t)done * row_bytes);
            done++;
        }
    } else {
        /* Many rows per call, as djpeg asks: libjpeg then upsamples straight into them (one row at a time
         * would go through its spare row and a copy). */
        JSAMPROW rows[64];
        while (done < max_rows && c->output_scanline < c->output_height) {
            int ask = max_rows - done;
            if (ask > 64) ask = 64;
            for (int k = 0; k < ask; k++) rows[k] = out + (size_t)(done + k) * row_bytes;
            JDIMENSION got = jpeg_read_scanlines(c, rows, (JDIMENSION)ask);
            if (got == 0) break; /* suspension cannot happen with a memory source; never spin */
            done += (int)got;
        }
    }
    *rows_read = done;
    return OT_OK;
}

int ot_jpeg_finish_rows(ot_jpeg *j, int *warnings, char *message) {
    if (j->row_status) {
        if (warnings) *warnings = (int)j->err.pub.num_warnings;
        ot_copy_message(message, j->err.message);
        return j->row_status;
    }
    if (setjmp(j->err.jump)) {
        if (warnings) *warnings = (int)j->err.pub.num_warnings;
        j->row_status = j->err.status ? j->err.status : OT_ERR_CORRUPT;
        ot_copy_message(message, j->err.message);
        return j->row_status;
    }
    if (j->cinfo.output_scanline < j->cinfo.output_height) {
        j->err.status = OT_ERR_CORRUPT;
        ot_copy_message(j->err.message, "finish called before the last row");
        longjmp(j->err.jump, 1);
    }
    jpeg_finish_decompress(&j->cinfo);
    if (warnings) *warnings = (int)j->err.pub.num_warnings;
    if (j->err.damage_warnings > 0) {
        ot_copy_message(message, j->err.message);
        if (!j->err.allow_damaged) return OT_ERR_DAMAGED;
    }
    return OT_OK;
}

void ot_jpeg_set_max_work(ot_jpeg *j, long long max_work) {
    if (j) j->err.max_work = max_work;
}

long long ot_jpeg_work(const ot_jpeg *j) { return j ? j->err.work : 0; }

void ot_jpeg_close(ot_jpeg *j) {
    if (!j) return;
    jpeg_destroy_decompress(&j->cinfo);
    free(j->cmyk_row);
    free(j);
}

/* ------------------------------------------------------------------------------------------------- PNG */

/* Bytes libpng may read after the last row to reach the end of the zlib stream; libpng reads IDAT in pieces
 * of up to 8 KiB, so this allows two reads, far more than the few bytes an honest encoder leaves. */
enum { OT_PNG_MAX_AFTER_ROWS = 16 * 1024 };

struct ot_png {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size, offset;
    uint8_t *buffer;
    png_bytep *rows;
    int reading_rows;   /* inside png_read_image */
    size_t after_rows;  /* bytes read after the last row (libpng checking the end of the zlib stream) */
    size_t consumed;    /* bytes handed to libpng (the work counter for tests) */
    char message[OT_MSG_LEN];
};

static void ot_png_error(png_structp png, png_const_charp msg) {
    ot_png *p = (ot_png *)png_get_error_ptr(png);
    ot_copy_message(p->message, msg);
    png_longjmp(png, 1);
}

static void ot_png_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void ot_png_read(png_structp png, png_bytep out, png_size_t length) {
    ot_png *p = (ot_png *)png_get_io_ptr(png);
    if (p->reading_rows) {
        /* After the last row libpng inflates whatever is left of the IDAT stream to check that it ends and
         * that its checksum holds (png_read_finish_IDAT): a 16x16 image can carry gigabytes of deflate output
         * there. An honest stream has a few bytes left (end of block, Adler-32), so the rest of the reading is
         * capped; past the cap the file is refused. Non-interlaced: the row counter has reached the height;
         * interlaced: the pass counter has passed the seventh pass. */
        int interlaced = png_get_interlace_type(png, p->info) != PNG_INTERLACE_NONE;
        if (interlaced ? png_get_current_pass_number(png) >= 7
                       : png_get_current_row_number(png) >= png_get_image_height(png, p->info)) {
            p->after_rows += length;
            if (p->after_rows > OT_PNG_MAX_AFTER_ROWS)
                png_error(png, "compressed image data goes on after the last row (refused as a decompression bomb)");
        }
    }
    if (length > p->size - p->offset) png_error(png, "file is truncated");
    memcpy(out, p->data + p->offset, length);
    p->offset += length;
    p->consumed += length;
}

/* Checks every chunk's length against the bytes left before libpng sees it: libpng allocates a chunk's
 * claimed length before reading it, so a 93-byte file claiming a 2 GiB tEXt cost 2 GB. Returns the end of
 * IEND (libpng never needs more), or 0 with `message` set. */
static size_t ot_png_prescan(const uint8_t *data, size_t size, char *message) {
    size_t pos = 8;
    while (pos < size) {
        if (size - pos < 12) {
            snprintf(message, OT_MSG_LEN, "truncated chunk header at offset %zu", pos);
            return 0;
        }
        uint32_t length = (uint32_t)data[pos] << 24 | (uint32_t)data[pos + 1] << 16 | (uint32_t)data[pos + 2] << 8 |
                          (uint32_t)data[pos + 3];
        char type[5] = {0};
        for (int i = 0; i < 4; i++) {
            uint8_t c = data[pos + 4 + i];
            type[i] = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) ? (char)c : '?';
        }
        if (length > 0x7fffffffu || (size_t)length > size - pos - 12) {
            snprintf(message, OT_MSG_LEN, "chunk %s at offset %zu claims %u bytes but only %zu remain", type, pos,
                     length, size - pos - 12);
            return 0;
        }
        pos += 12 + (size_t)length;
        if (memcmp(data + pos - 12 - length + 4, "IEND", 4) == 0) return pos;
    }
    snprintf(message, OT_MSG_LEN, "file is truncated (no IEND chunk)");
    return 0;
}

static void ot_png_destroy(ot_png *p) {
    if (!p) return;
    if (p->png) png_destroy_read_struct(&p->png, p->info ? &p->info : NULL, NULL);
    free(p->buffer);
    free(p->rows);
    free(p);
}

ot_png *ot_png_open(const uint8_t *data, size_t size, long max_pixels, ot_png_header *header, int *status,
                    char *message) {
    ot_png *p = (ot_png *)calloc(1, sizeof(ot_png));
    if (!p) {
        *status = OT_ERR_MEMORY;
        ot_copy_message(message, "out of memory");
        return NULL;
    }
    p->data = data;
    p->size = size;
    if (size >= 8) {
        size_t end = ot_png_prescan(data, size, p->message);
        if (end == 0) {
            *status = OT_ERR_CORRUPT;
            ot_copy_message(message, p->message);
            free(p);
            return NULL;
        }
        p->size = end;
    }
    p->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, p, ot_png_error, ot_png_warning);
    if (p->png) p->info = png_create_info_struct(p->png);
    if (!p->png || !p->info) {
        ot_png_destroy(p);
        *status = OT_ERR_MEMORY;
        ot_copy_message(message, "out of memory");
        return NULL;
    }
    if (setjmp(png_jmpbuf(p->png))) {
        *status = OT_ERR_CORRUPT;
        ot_copy_message(message, p->message);
        ot_png_destroy(p);
        return NULL;
    }
    png_set_read_fn(p->png, p, ot_png_read);
    /* libpng's own dimension limit is a second line of defence; the pixel budget is checked by the caller. */
    png_uint_32 side = max_pixels > 0 && max_pixels < 0x7fffffffL ? (png_uint_32)max_pixels : 0x7fffffffU;
    png_set_user_limits(p->png, side, side);
    png_set_chunk_malloc_max(p->png, 64u * 1024u * 1024u);
    /* Chunks that never change the pixels we deliver are skipped unread by libpng: text (zTXt/iTXt inflate),
     * EXIF (read separately, bounds-checked), ICC (no colour management here), palettes of suggestions. */
    static const png_byte ignored[] = "tEXt\0zTXt\0iTXt\0eXIf\0tIME\0iCCP\0sPLT\0hIST\0";
    png_set_keep_unknown_chunks(p->png, PNG_HANDLE_CHUNK_NEVER, ignored, (int)(sizeof ignored / 5));
    png_set_keep_unknown_chunks(p->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_read_info(p->png, p->info);

    png_uint_32 w = 0, h = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(p->png, p->info, &w, &h, &depth, &color, &interlace, NULL, NULL);
    header->width = (int)w;
    header->height = (int)h;
    header->bit_depth = depth;
    header->color_type = color;
    header->interlaced = interlace != PNG_INTERLACE_NONE;
    header->has_alpha = (color & PNG_COLOR_MASK_ALPHA) || png_get_valid(p->png, p->info, PNG_INFO_tRNS) ? 1 : 0;
    header->output_components = (color & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    *status = OT_OK;
    return p;
}

/* Sets up the transforms and reads every row into p->buffer (rows packed, 1-4 channels of 8 bits). */
static int ot_png_read_rows(ot_png *p) {
    if (setjmp(png_jmpbuf(p->png))) {
        p->reading_rows = 0;
        return OT_ERR_CORRUPT;
    }
    png_structp png = p->png;
    png_infop info = p->info;
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    /* 16 -> 8 bits by the high byte (v >> 8, i.e. v / 257 rounded down): what OpenCV and ImageMagick do, and
     * what Pillow does for 16-bit RGB, so hashes match the references; never clipped (Pillow's 16-bit grey
     * bug) nor treated as linear light (libpng's simplified API). */
    if (depth == 16) png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const size_t width = png_get_image_width(png, info);
    const size_t height = png_get_image_height(png, info);
    const size_t channels = png_get_channels(png, info);
    const size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != width * channels) png_error(png, "unexpected row layout after transforms");
    p->buffer = (uint8_t *)malloc(rowbytes * height);
    p->rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!p->buffer || !p->rows) png_error(png, "out of memory");
    for (size_t y = 0; y < height; y++) p->rows[y] = p->buffer + y * rowbytes;
    p->reading_rows = 1;
    png_read_image(png, p->rows);
    p->reading_rows = 0;
    return OT_OK;
}

int ot_png_decode(ot_png *p, uint8_t *out, char *message) {
    int status = ot_png_read_rows(p);
    if (status != OT_OK) {
        ot_copy_message(message, p->message);
        return status;
    }
    /* Composite alpha onto white: a transparent background shows as a white page, as in a viewer. */
    const size_t width = png_get_image_width(p->png, p->info), height = png_get_image_height(p->png, p->info);
    const size_t channels = png_get_channels(p->png, p->info);
    const size_t n = width * height;
    const uint8_t *src = p->buffer;
    switch (channels) {
    case 1:
    case 3:
        memcpy(out, src, n * channels);
        break;
    case 2:
        for (size_t i = 0; i < n; i++) {
            unsigned a = src[2 * i + 1];
            out[i] = (uint8_t)((src[2 * i] * a + 255u * (255u - a) + 127u) / 255u);
        }
        break;
    case 4:
        for (size_t i = 0; i < n; i++) {
            unsigned a = src[4 * i + 3];
            for (int k = 0; k < 3; k++)
                out[3 * i + k] = (uint8_t)((src[4 * i + k] * a + 255u * (255u - a) + 127u) / 255u);
        }
        break;
    default:
        ot_copy_message(message, "unexpected channel count");
        return OT_ERR_CORRUPT;
    }
    return OT_OK;
}

size_t ot_png_consumed(const ot_png *p) { return p ? p->consumed : 0; }

void ot_png_close(ot_png *p) { ot_png_destroy(p); }

/* --------------------------------------------------------------------------------------- PNG encoding */

struct ot_png_sink {
    uint8_t *data;
    size_t size, capacity;
    int failed;
};

static void ot_png_write(png_structp png, png_bytep bytes, png_size_t length) {
    struct ot_png_sink *sink = (struct ot_png_sink *)png_get_io_ptr(png);
    if (sink->size + length > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (capacity < sink->size + length) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(sink->data, capacity);
        if (!grown) {
            sink->failed = 1;
            png_error(png, "out of memory");
        }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, bytes, length);
    sink->size += length;
}

static void ot_png_flush(png_structp png) { (void)png; }

int ot_png_encode(const uint8_t *pixels, int width, int height, int components, const uint8_t *exif,
                  size_t exif_size, uint8_t **out, size_t *out_size, char *message) {
    struct ot_png_sink sink = {0};
    ot_png state;
    memset(&state, 0, sizeof state);
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || (components != 1 && components != 3)) {
        ot_copy_message(message, "invalid image for PNG encoding");
        return OT_ERR_UNSUPPORTED;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, ot_png_error, ot_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        if (png) png_destroy_write_struct(&png, NULL);
        ot_copy_message(message, "out of memory");
        return OT_ERR_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(sink.data);
        ot_copy_message(message, state.message);
        return sink.failed ? OT_ERR_MEMORY : OT_ERR_CORRUPT;
    }
    png_set_write_fn(png, &sink, ot_png_write, ot_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 components == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (exif && exif_size > 0 && exif_size < 65536) png_set_eXIf_1(png, info, (png_uint_32)exif_size, (png_bytep)exif);
    png_write_info(png, info);
    const size_t stride = (size_t)width * (size_t)components;
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = sink.data;
    *out_size = sink.size;
    return OT_OK;
}

void ot_free(void *p) { free(p); }

/* ---------------------------------------------------------------------------------------- JPEG encoding */

/* A growing in-memory destination that we own, so the buffer is freed exactly once on every path
 * (libjpeg's jpeg_mem_dest frees and replaces its buffer internally, which a longjmp would race). */
struct ot_jpeg_sink {
    struct jpeg_destination_mgr pub;
    uint8_t *data;
    size_t capacity;
};

static void ot_jpeg_sink_init(j_compress_ptr c) {
    struct ot_jpeg_sink *sink = (struct ot_jpeg_sink *)c->dest;
    sink->capacity = 1 << 16;
    sink->data = (uint8_t *)malloc(sink->capacity);
    if (!sink->data) ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
    sink->pub.next_output_byte = sink->data;
    sink->pub.free_in_buffer = sink->capacity;
}

static boolean ot_jpeg_sink_grow(j_compress_ptr c) {
    struct ot_jpeg_sink *sink = (struct ot_jpeg_sink *)c->dest;
    size_t used = sink->capacity; /* libjpeg calls this only when the buffer is full */
    uint8_t *grown = (uint8_t *)realloc(sink->data, sink->capacity * 2);
    if (!grown) ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
    sink->data = grown;
    sink->capacity *= 2;
    sink->pub.next_output_byte = grown + used;
    sink->pub.free_in_buffer = sink->capacity - used;
    return TRUE;
}

static void ot_jpeg_sink_term(j_compress_ptr c) { (void)c; }

int ot_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality, uint8_t **out,
                   size_t *out_size, char *message) {
    struct jpeg_compress_struct c;
    struct ot_jpeg_error err;
    struct ot_jpeg_sink sink;
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || width > 65500 || height > 65500 || (components != 1 && components != 3)) {
        ot_copy_message(message, "invalid image for JPEG encoding");
        return OT_ERR_UNSUPPORTED;
    }
    memset(&err, 0, sizeof err);
    memset(&sink, 0, sizeof sink);
    c.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = ot_jpeg_error_exit;
    err.pub.output_message = ot_jpeg_output_message;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&c);
        free(sink.data);
        ot_copy_message(message, err.message);
        return err.status ? err.status : OT_ERR_CORRUPT;
    }
    jpeg_create_compress(&c);
    sink.pub.init_destination = ot_jpeg_sink_init;
    sink.pub.empty_output_buffer = ot_jpeg_sink_grow;
    sink.pub.term_destination = ot_jpeg_sink_term;
    c.dest = &sink.pub;
    c.image_width = (JDIMENSION)width;
    c.image_height = (JDIMENSION)height;
    c.input_components = components;
    c.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&c, TRUE);
    const size_t stride = (size_t)width * (size_t)components;
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)c.next_scanline * stride);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    *out_size = sink.capacity - sink.pub.free_in_buffer;
    *out = sink.data;
    jpeg_destroy_compress(&c);
    return OT_OK;
}

/* ------------------------------------------------------------------------------------------- allocator */

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void ot_retain_freed_buffers(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

/* ------------------------------------------------------------------------------- JPEG working copies */

struct ot_jpeg_transcoder {
    struct jpeg_decompress_struct src;
    struct jpeg_compress_struct dst;
    struct ot_jpeg_error err; /* shared, as in jpegtran: either side's failure jumps to the same place */
    struct jpeg_progress_mgr progress;
    struct ot_jpeg_sink sink;
    int src_created, dst_created;
};

int ot_jpeg_transcode(const uint8_t *data, size_t size, long max_memory, long long max_work, const uint8_t *app1,
                      size_t app1_size, uint8_t **out, size_t *out_size, long long *work, char *message) {
    *out = NULL;
    *out_size = 0;
    if (work) *work = 0;
    struct ot_jpeg_transcoder *t = (struct ot_jpeg_transcoder *)calloc(1, sizeof *t);
    if (!t) {
        ot_copy_message(message, "out of memory");
        return OT_ERR_MEMORY;
    }
    t->src.err = jpeg_std_error(&t->err.pub);
    t->dst.err = &t->err.pub;
    t->err.pub.error_exit = ot_jpeg_error_exit;
    t->err.pub.emit_message = ot_jpeg_emit_message;
    t->err.pub.output_message = ot_jpeg_output_message;
    t->err.allow_damaged = 0; /* a damaged original is refused, never half-copied */
    t->err.max_work = max_work;
    if (setjmp(t->err.jump)) {
        int status = t->err.status ? t->err.status : OT_ERR_CORRUPT;
        ot_copy_message(message, t->err.message);
        if (work) *work = t->err.work;
        if (t->dst_created) jpeg_destroy_compress(&t->dst);
        if (t->src_created) jpeg_destroy_decompress(&t->src);
        free(t->sink.data);
        free(t);
        return status;
    }
    jpeg_create_decompress(&t->src);
    t->src_created = 1;
    if (max_memory > 0) t->src.mem->max_memory_to_use = max_memory;
    t->progress.progress_monitor = ot_jpeg_progress;
    t->src.progress = &t->progress;
    jpeg_mem_src(&t->src, data, (unsigned long)size);
    /* No jpeg_save_markers: libjpeg skips every APPn/COM segment unread, wherever it sits (before the frame,
     * between progressive scans). Only the entropy-coded coefficients are carried over. */
    jpeg_read_header(&t->src, TRUE);
    if (t->src.data_precision != 8) {
        t->err.status = OT_ERR_UNSUPPORTED;
        snprintf(t->err.message, OT_MSG_LEN, "%d-bit JPEG is not supported", t->src.data_precision);
        longjmp(t->err.jump, 1);
    }
    jvirt_barray_ptr *coefficients = jpeg_read_coefficients(&t->src);
    /* A garbled scan can decode to coefficients outside the 8-bit baseline range (|AC| <= 1023, DC in
     * -1024..1023), which libjpeg's Huffman encoder writes wrongly without a word: the copy would decode to other
     * pixels or not at all (found by the transcode fuzz target). Refuse; the caller then stores the pixels. */
    /* A progressive file whose scans stop before every coefficient is complete decodes with libjpeg's block
     * smoothing, which a complete (baseline) copy would not get: other pixels (found by the fuzzer). */
    if (t->src.progressive_mode && t->src.coef_bits) {
        for (int ci = 0; ci < t->src.num_components; ci++)
            for (int k = 0; k < DCTSIZE2; k++)
                if (t->src.coef_bits[ci][k] != 0) {
                    t->err.status = OT_ERR_CORRUPT;
                    snprintf(t->err.message, OT_MSG_LEN, "progressive scans end before coefficient %d of component %d"
                             " is complete", k, ci);
                    longjmp(t->err.jump, 1);
                }
    }
    for (int ci = 0; ci < t->src.num_components; ci++) {
        jpeg_component_info *comp = &t->src.comp_info[ci];
        for (JDIMENSION row = 0; row < comp->height_in_blocks; row++) {
            JBLOCKARRAY blocks = (*t->src.mem->access_virt_barray)((j_common_ptr)&t->src, coefficients[ci], row, 1, FALSE);
            for (JDIMENSION col = 0; col < comp->width_in_blocks; col++) {
                const JCOEF *c = blocks[0][col];
                int bad = c[0] < -1024 || c[0] > 1023;
                for (int k = 1; k < DCTSIZE2 && !bad; k++) bad = c[k] < -1023 || c[k] > 1023;
                if (bad) {
                    t->err.status = OT_ERR_CORRUPT;
                    snprintf(t->err.message, OT_MSG_LEN,
                             "DCT coefficients outside the baseline range (component %d, block row %u)", ci, row);
                    longjmp(t->err.jump, 1);
                }
            }
        }
    }

    jpeg_create_compress(&t->dst);
    t->dst_created = 1;
    t->sink.pub.init_destination = ot_jpeg_sink_init;
    t->sink.pub.empty_output_buffer = ot_jpeg_sink_grow;
    t->sink.pub.term_destination = ot_jpeg_sink_term;
    t->dst.dest = &t->sink.pub;
    /* Frame, quantisation tables and colour space as in the original; JFIF/Adobe markers are written by
     * libjpeg from those parameters, Huffman tables are its standard ones. */
    jpeg_copy_critical_parameters(&t->src, &t->dst);
    t->dst.optimize_coding = FALSE; /* one pass: optimised tables cost a second pass over every block */
    jpeg_write_coefficients(&t->dst, coefficients);
    if (app1 && app1_size > 0 && app1_size <= 65533) jpeg_write_marker(&t->dst, JPEG_APP0 + 1, app1, (unsigned)app1_size);
    jpeg_finish_compress(&t->dst);
    jpeg_finish_decompress(&t->src);

    *out_size = t->sink.capacity - t->sink.pub.free_in_buffer;
    *out = t->sink.data;
    if (work) *work = t->err.work;
    int status = OT_OK;
    if (t->err.damage_warnings > 0) { /* only reachable with allow_damaged set; kept for safety */
        ot_copy_message(message, t->err.message);
        free(t->sink.data);
        *out = NULL;
        *out_size = 0;
        status = OT_ERR_DAMAGED;
    }
    jpeg_destroy_compress(&t->dst);
    jpeg_destroy_decompress(&t->src);
    free(t);
    return status;
}

/* ------------------------------------------------------------------------------------ memory budget */

#include <pthread.h>

struct ot_budget {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    long long limit, used, peak, waits;
};

ot_budget *ot_budget_create(long long bytes) {
    ot_budget *b = (ot_budget *)calloc(1, sizeof *b);
    if (!b) return NULL;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->freed, NULL);
    b->limit = bytes > 0 ? bytes : 0;
    return b;
}

void ot_budget_destroy(ot_budget *b) {
    if (!b) return;
    pthread_cond_destroy(&b->freed);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

int ot_budget_acquire(ot_budget *b, long long bytes) {
    if (!b) return 1;
    if (bytes < 0) bytes = 0;
    pthread_mutex_lock(&b->lock);
    if (b->limit > 0 && bytes > b->limit) {
        pthread_mutex_unlock(&b->lock);
        return 0;
    }
    while (b->limit > 0 && b->used + bytes > b->limit) {
        b->waits++;
        pthread_cond_wait(&b->freed, &b->lock);
    }
    b->used += bytes;
    if (b->used > b->peak) b->peak = b->used;
    pthread_mutex_unlock(&b->lock);
    return 1;
}

void ot_budget_release(ot_budget *b, long long bytes) {
    if (!b) return;
    if (bytes < 0) bytes = 0;
    pthread_mutex_lock(&b->lock);
    b->used -= bytes;
    if (b->used < 0) b->used = 0;
    pthread_cond_broadcast(&b->freed);
    pthread_mutex_unlock(&b->lock);
}

void ot_budget_stats(ot_budget *b, long long *limit, long long *used, long long *peak, long long *waits) {
    if (!b) return;
    pthread_mutex_lock(&b->lock);
    if (limit) *limit = b->limit;
    if (used) *used = b->used;
    if (peak) *peak = b->peak;
    if (waits) *waits = b->waits;
    pthread_mutex_unlock(&b->lock);
}

/* ------------------------------------------------------------------------------------------ inflating */

#include <zlib.h>

int ot_inflate_bounded(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_capacity, size_t *out_size) {
    *out_size = 0;
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit(&s) != Z_OK) return OT_ERR_MEMORY;
    s.next_in = (Bytef *)in;
    s.avail_in = in_size > 0x7fffffffu ? 0x7fffffffu : (uInt)in_size;
    s.next_out = out;
    s.avail_out = out_capacity > 0x7fffffffu ? 0x7fffffffu : (uInt)out_capacity;
    int rc = inflate(&s, Z_FINISH);
    *out_size = (size_t)s.total_out;
    int full = s.avail_out == 0;
    inflateEnd(&s);
    if (rc == Z_STREAM_END) return OT_OK;
    return full ? OT_ERR_LIMIT : OT_ERR_CORRUPT;
}
