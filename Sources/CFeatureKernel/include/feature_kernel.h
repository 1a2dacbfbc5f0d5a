#ifndef OBJTRACE_FEATURE_KERNEL_H
#define OBJTRACE_FEATURE_KERNEL_H
/*
 * The hot loops of LocalFeatures' ORB-like extractor and matcher, as C compiled per CPU (target_clones:
 * x86-64-v3 with AVX2/FMA/POPCNT, popcnt, default) so that vector code and hardware popcount are used where the
 * CPU has them, without compiler flags on the package. Float arithmetic is never contracted (no FMA), so every
 * clone gives the same bits as the others and as the Swift code these loops replaced.
 * Pure computation: no allocation, no I/O. Images are 8-bit, row-major, unpadded.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Luma of packed RGB in 8.8 fixed point (BT.601): (77 R + 150 G + 29 B + 128) >> 8. */
void ot_feat_luma(const uint8_t *rgb, size_t pixels, uint8_t *out);

/* The transpose of a w x h image (dst is h x w: dst[x * h + y] = src[y * w + x]). */
void ot_feat_transpose_u8(const uint8_t *src, int w, int h, uint8_t *dst);

/*
 * Area-resize horizontal pass over the TRANSPOSED source (`src_t`, w rows of h): tmp[y * out_w + x] =
 * sum_k src_t[index[k] * h + y] * weight[k] (float, in k order, from 0) for k in [start[x], start[x + 1]).
 * `col` is scratch of 8 * h floats.
 */
void ot_feat_area_h(const uint8_t *src_t, int w, int h, int out_w, const int32_t *start, const int32_t *index,
                    const float *weight, float *col, float *tmp);

/*
 * Area-resize vertical pass: dst[y * w + x] = clamp8(trunc(0.5 + sum_k tmp[index[k] * w + x] * weight[k])) for k in
 * [start[y], start[y + 1]). `acc` is scratch of `w` floats.
 */
void ot_feat_area_v(const float *tmp, int w, int out_h, const int32_t *start, const int32_t *index,
                    const float *weight, float *acc, uint8_t *dst);

/*
 * Separable Gaussian blur (taps 7 17 32 47 50 47 32 17 7, edges replicated, 4 fractional bits carried between the
 * passes). `tmp` is scratch of w * h uint16. Needs w >= 9 and h >= 9.
 */
void ot_feat_blur9(const uint8_t *src, int w, int h, uint16_t *tmp, uint8_t *dst);

/*
 * FAST-9 arc scores over the band border-1 <= x, y <= size-border (score[p] = 0 elsewhere in that band; the caller
 * zeroes `score`), and the positions of scored pixels with border <= x < w-border, border <= y < h-border, in
 * row-major order. Returns the number of such positions (at most `capacity` are written).
 * Score: the largest t for which a contiguous 9-arc of the radius-3 circle is all brighter (or all darker) than
 * the centre by more than t; a pixel is scored when that exceeds `threshold`. border >= 4.
 */
size_t ot_feat_fast9(const uint8_t *img, int w, int h, int threshold, int border, int16_t *score,
                     int32_t *candidates, size_t capacity);

/*
 * 3x3 non-maximum suppression of the candidates on the score map (strict against earlier neighbours, non-strict
 * against later ones). Writes the surviving positions to `out` (may alias `candidates`); returns their number.
 */
size_t ot_feat_nms(const int16_t *score, int w, const int32_t *candidates, size_t n, int32_t *out);

/* Sorts n keys ascending (LSD radix sort, 8 bits per pass); `scratch` holds n keys. */
void ot_feat_sort_u64(uint64_t *keys, size_t n, uint64_t *scratch);

/*
 * Harris response over a 7x7 block of 3x3 Sobel gradients (k = 0.04, normalised by 4 * 49 * 255) at each position
 * (which must be >= 4 pixels from every edge). Gradient products are summed exactly in integers.
 */
void ot_feat_harris(const uint8_t *img, int w, const int32_t *positions, size_t n, float *out);

/*
 * Intensity-centroid moments (m10, m01) over the disc of radius `r` (row half-widths `half[0...r]`) around each
 * position; the caller keeps positions `r` from the edges.
 */
void ot_feat_moments(const uint8_t *img, int w, int r, const int32_t *half, const int32_t *positions, size_t n,
                     int64_t *m10, int64_t *m01);

/*
 * Rotated-BRIEF descriptors: for keypoint i at (xs[i], ys[i]) with direction (cs[i], ss[i]) and each of the 256
 * pattern pairs (x1, y1, x2, y2) = pattern[4j ..< 4j + 4] (y negated when `mirrored`), bit j is set when the bilinear
 * sample at the first rotated point is below the one at the second. Writes 4 words per keypoint. Uses an AVX2
 * path where the CPU has it.
 */
void ot_feat_brief(const uint8_t *smoothed, int w, const float *pattern, size_t n, const int32_t *xs,
                   const int32_t *ys, const float *cs, const float *ss, int mirrored, uint64_t *out);

/* ot_feat_brief without the AVX2 path (the same bits; kept callable so tests can compare the two). */
void ot_feat_brief_portable(const uint8_t *smoothed, int w, const float *pattern, size_t n, const int32_t *xs,
                            const int32_t *ys, const float *cs, const float *ss, int mirrored, uint64_t *out);

/*
 * 2-nearest neighbours by Hamming distance: for each of the nq query codes (4 words each), the index and distance of
 * the closest of the nr reference codes and the second-smallest distance (INT32_MAX when nr < 2). Ties keep the
 * lowest index.
 */
void ot_feat_knn2(const uint64_t *query, size_t nq, const uint64_t *ref, size_t nr, int32_t *best_index,
                  int32_t *best_distance, int32_t *second_distance);

#ifdef __cplusplus
}
#endif
#endif
