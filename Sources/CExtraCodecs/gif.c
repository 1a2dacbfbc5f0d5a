/*
 * GIF through giflib, first frame only, see extra_codecs.h.
 */
#include "common.h"

#include <stdlib.h>

#include <gif_lib.h>

struct otx_gif {
    const uint8_t *data;
    size_t size;
    size_t pos;               /* giflib's read position */
    int screen_width, screen_height;
    int left, top, width, height;   /* the first frame's rectangle */
    int interlaced;
    int transparent;          /* the first frame's transparent index, or -1 */
};

static unsigned otx_le16(const uint8_t *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }

/* Skips a chain of data sub-blocks starting at `pos`; returns the position after the terminator, or 0 when the
 * chain runs past the end. */
static size_t otx_gif_skip_blocks(const uint8_t *d, size_t size, size_t pos) {
    while (pos < size) {
        size_t n = d[pos];
        if (n == 0) return pos + 1;
        pos += 1 + n;
    }
    return 0;
}

/* giflib empties its 4096-entry prefix table on every LZW clear code (16 KiB of stores), so a frame whose data
 * is nothing but clear codes costs ~0.5 µs per 3 bits of input while producing no pixels: 1 MB of it is over a
 * second of CPU, a 512 MB file minutes. Real encoders clear once per 4096 codes or, writing "uncompressed" GIF,
 * every few hundred pixels. Before decoding, the first frame's code stream is walked with giflib's own
 * code-width rule (no dictionary, a few ns per code) to count clear codes until the frame's pixel count of
 * codes is reached; the estimated table work is then bounded per pixel. */
enum { OTX_GIF_TABLE_WORK = 4096, OTX_GIF_WORK_PER_PIXEL = 256, OTX_GIF_WORK_SLACK = 1 << 26 };

/* giflib's table work for the first frame's codes starting at `pos` (the LZW minimum code size byte). */
static unsigned long long otx_gif_lzw_work(const uint8_t *d, size_t size, size_t pos, unsigned long long pixels) {
    if (pos >= size) return 0;
    const int bpp = d[pos++];
    if (bpp < 1 || bpp > 8) return 0; /* giflib refuses these itself */
    const unsigned clear = 1u << bpp, eof = clear + 1;
    unsigned running_code = eof + 1, running_bits = (unsigned)bpp + 1, max_code1 = 1u << running_bits;
    unsigned long long shift_dword = 0, codes = 0, work = 0;
    unsigned shift_state = 0;
    size_t block_left = 0;
    for (;;) {
        if (running_bits > 12) return work;  /* giflib: image defect */
        while (shift_state < running_bits) {
            if (block_left == 0) {
                if (pos >= size || d[pos] == 0) return work;
                block_left = d[pos++];
            }
            if (pos >= size) return work;
            shift_dword |= (unsigned long long)d[pos++] << shift_state;
            shift_state += 8;
            block_left--;
        }
        const unsigned code = (unsigned)(shift_dword & ((1u << running_bits) - 1));
        shift_dword >>= running_bits;
        shift_state -= running_bits;
        if (running_code < 4096 + 2 && ++running_code > max_code1 && running_bits < 12) {
            max_code1 <<= 1;
            running_bits++;
        }
        if (code == clear) {
            work += OTX_GIF_TABLE_WORK;
            running_code = eof + 1;
            running_bits = (unsigned)bpp + 1;
            max_code1 = 1u << running_bits;
            if (work > OTX_GIF_WORK_PER_PIXEL * pixels + OTX_GIF_WORK_SLACK) return work;
        } else if (code == eof) {
            return work;
        } else {
            work++;
            if (++codes >= pixels) return work; /* every code yields at least one pixel: the frame is full */
        }
    }
}

otx_gif *otx_gif_open(const uint8_t *d, size_t size, int max_frames, otx_header *header, int *status,
                      char *message) {
    memset(header, 0, sizeof *header);
    if (size < 6 || memcmp(d, "GIF8", 4) != 0 || (d[4] != '7' && d[4] != '9') || d[5] != 'a') {
        otx_fail(status, message, OTX_ERR_CORRUPT, "not a GIF87a/GIF89a header");
        return NULL;
    }
    if (size < 13) {
        otx_fail(status, message, OTX_ERR_DAMAGED, "truncated in the logical screen descriptor");
        return NULL;
    }
    otx_gif *g = (otx_gif *)calloc(1, sizeof *g);
    if (!g) {
        otx_fail(status, message, OTX_ERR_MEMORY, "out of memory");
        return NULL;
    }
    g->data = d;
    g->size = size;
    g->screen_width = (int)otx_le16(d + 6);
    g->screen_height = (int)otx_le16(d + 8);
    g->transparent = -1;
    size_t pos = 13;
    int palette_bits = (d[10] & 0x80) ? (d[10] & 7) + 1 : 0;
    if (palette_bits) pos += 3u * (1u << palette_bits);
    const int limit = max_frames > 0 ? max_frames + 1 : 1 << 30;
    int frames = 0, pending_transparent = -1, error = 0;
    const char *reason = NULL;
    /* A walk over the block structure only (no LZW): O(file size) whatever the frame count, no allocation. */
    while (frames < limit && pos < size) {
        uint8_t block = d[pos];
        if (block == 0x3B) break;
        if (block == 0x21) {
            if (pos + 2 > size) break;
            uint8_t label = d[pos + 1];
            if (label == 0xF9 && pos + 7 < size && d[pos + 2] == 4) {
                pending_transparent = (d[pos + 3] & 1) ? d[pos + 6] : -1;
            }
            size_t next = otx_gif_skip_blocks(d, size, pos + 2);
            if (!next) break;
            pos = next;
        } else if (block == 0x2C) {
            if (pos + 11 > size) break;
            const uint8_t *desc = d + pos + 1;
            if (frames == 0) {
                g->left = (int)otx_le16(desc);
                g->top = (int)otx_le16(desc + 2);
                g->width = (int)otx_le16(desc + 4);
                g->height = (int)otx_le16(desc + 6);
                g->interlaced = (desc[8] & 0x40) != 0;
                g->transparent = pending_transparent;
                if (desc[8] & 0x80) palette_bits = (desc[8] & 7) + 1;
                size_t lzw = pos + 10 + ((desc[8] & 0x80) ? 3u * (1u << ((desc[8] & 7) + 1)) : 0);
                unsigned long long pixels = (unsigned long long)g->width * (unsigned long long)g->height;
                if (otx_gif_lzw_work(d, size, lzw, pixels) > OTX_GIF_WORK_PER_PIXEL * pixels + OTX_GIF_WORK_SLACK) {
                    error = OTX_ERR_TOO_LARGE;
                    reason = "first frame's LZW data resets the code table far more often than any encoder "
                             "(refused as a decoding bomb)";
                    break;
                }
            }
            pending_transparent = -1;
            frames++;
            pos += 10;
            if (desc[8] & 0x80) pos += 3u * (1u << ((desc[8] & 7) + 1));
            pos += 1; /* LZW minimum code size */
            size_t next = pos <= size ? otx_gif_skip_blocks(d, size, pos) : 0;
            if (!next) break;
            pos = next;
        } else {
            if (frames == 0) {
                error = OTX_ERR_CORRUPT;
                reason = "unknown block before the first image";
            }
            break;
        }
    }
    if (!error && frames == 0) {
        error = pos >= size ? OTX_ERR_DAMAGED : OTX_ERR_CORRUPT;
        reason = pos >= size ? "truncated before the first image" : "no image in the file";
    }
    if (error) {
        otx_fail(status, message, error, reason);
        free(g);
        return NULL;
    }
    header->width = g->screen_width;
    header->height = g->screen_height;
    header->frames = frames;
    header->has_alpha = g->transparent >= 0;
    header->bit_depth = palette_bits ? palette_bits : 8;
    header->interlaced = g->interlaced;
    header->frame_width = g->width;
    header->frame_height = g->height;
    *status = OTX_OK;
    return g;
}

static int otx_gif_read(GifFileType *file, GifByteType *buffer, int length) {
    otx_gif *g = (otx_gif *)file->UserData;
    if (length <= 0) return 0;
    size_t left = g->size - g->pos;
    size_t n = (size_t)length < left ? (size_t)length : left;
    memcpy(buffer, g->data + g->pos, n);
    g->pos += n;
    return (int)n;
}

static int otx_gif_status(int code) {
    switch (code) {
    case D_GIF_ERR_NOT_ENOUGH_MEM: return OTX_ERR_MEMORY;
    case D_GIF_ERR_READ_FAILED:
    case D_GIF_ERR_EOF_TOO_SOON:
    case D_GIF_ERR_IMAGE_DEFECT: return OTX_ERR_DAMAGED;
    default: return OTX_ERR_CORRUPT;
    }
}

static int otx_gif_error(int code, char *message) {
    const char *text = GifErrorString(code);
    otx_message(message, "giflib: %s", text ? text : "error");
    return otx_gif_status(code);
}

int otx_gif_decode(otx_gif *g, uint8_t *out, char *message) {
    const size_t sw = (size_t)g->screen_width, sh = (size_t)g->screen_height;
    memset(out, 255, sw * sh * 3);  /* what the first frame does not cover, or leaves transparent, is white */
    g->pos = 0;
    int err = 0;
    GifFileType *file = DGifOpen(g, otx_gif_read, &err);
    if (!file) return otx_gif_error(err, message);
    GifPixelType *line = NULL;
    int code = OTX_OK, done = 0;
    while (!done && code == OTX_OK) {
        GifRecordType type;
        if (DGifGetRecordType(file, &type) == GIF_ERROR) {
            code = otx_gif_error(file->Error, message);
            break;
        }
        switch (type) {
        case EXTENSION_RECORD_TYPE: {
            int label = 0;
            GifByteType *ext = NULL;
            if (DGifGetExtension(file, &label, &ext) == GIF_ERROR) {
                code = otx_gif_error(file->Error, message);
                break;
            }
            while (ext && code == OTX_OK) {
                if (DGifGetExtensionNext(file, &ext) == GIF_ERROR) code = otx_gif_error(file->Error, message);
            }
            break;
        }
        case IMAGE_DESC_RECORD_TYPE: {
            if (DGifGetImageDesc(file) == GIF_ERROR) {
                code = otx_gif_error(file->Error, message);
                break;
            }
            const GifImageDesc *desc = &file->Image;
            const ColorMapObject *map = desc->ColorMap ? desc->ColorMap : file->SColorMap;
            const int w = desc->Width, h = desc->Height;
            if (w != g->width || h != g->height) {
                code = otx_fail(NULL, message, OTX_ERR_CORRUPT, "first frame does not match its descriptor");
                break;
            }
            if (!map || !map->Colors) {
                code = otx_fail(NULL, message, OTX_ERR_CORRUPT, "no colour table for the first frame");
                break;
            }
            line = (GifPixelType *)malloc((size_t)w ? (size_t)w : 1);
            if (!line) {
                code = otx_fail(NULL, message, OTX_ERR_MEMORY, "out of memory");
                break;
            }
            static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
            const int passes = desc->Interlace ? 4 : 1;
            for (int p = 0; p < passes && code == OTX_OK; p++) {
                for (int y = desc->Interlace ? start[p] : 0; y < h; y += desc->Interlace ? step[p] : 1) {
                    if (DGifGetLine(file, line, w) == GIF_ERROR) {
                        code = otx_gif_error(file->Error, message);
                        break;
                    }
                    const long cy = (long)desc->Top + y;
                    if (cy < 0 || cy >= (long)sh) continue;
                    uint8_t *row = out + (size_t)cy * sw * 3;
                    for (int x = 0; x < w; x++) {
                        const long cx = (long)desc->Left + x;
                        const int index = line[x];
                        if (cx >= (long)sw || index == g->transparent) continue;
                        uint8_t *px = row + (size_t)cx * 3;
                        if (index < map->ColorCount) {
                            px[0] = map->Colors[index].Red;
                            px[1] = map->Colors[index].Green;
                            px[2] = map->Colors[index].Blue;
                        } else {
                            px[0] = px[1] = px[2] = 0;  /* outside the table: black, as a zero-padded palette */
                        }
                    }
                }
            }
            done = 1;  /* the first frame only: later frames are never decoded */
            break;
        }
        case TERMINATE_RECORD_TYPE:
            code = otx_fail(NULL, message, OTX_ERR_CORRUPT, "no image before the trailer");
            break;
        default:
            break;
        }
    }
    free(line);
    int close_err = 0;
    DGifCloseFile(file, &close_err);
    return code;
}

void otx_gif_close(otx_gif *g) { free(g); }
