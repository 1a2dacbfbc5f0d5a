#ifndef OBJTRACE_RESAMPLE_KERNEL_H
#define OBJTRACE_RESAMPLE_KERNEL_H
/*
 * The two passes of Pillow's fixed-point 8-bit resampling (ImagingResampleHorizontal_8bpc /
 * ImagingResampleVertical_8bpc) as C loops, compiled per CPU (runtime dispatch) so they use 32-bit vector
 * multiplies where the CPU has them. Integer sums are exact, so results equal Pillow's in any order.
 * Pure computation: no allocation, no I/O.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Horizontal pass: `dst[y * out_width + x] = clip8(2^21 + sum_t src[y * width + starts[x] + t] * coeffs[x * ksize + t])`
 * for t < counts[x]. `precision_bits` is Pillow's PRECISION_BITS (22).
 */
void ot_resample_horizontal_u8(const uint8_t *src, int width, int height, int out_width, const int32_t *starts,
                               const int32_t *counts, const int32_t *coeffs, int ksize, int precision_bits,
                               uint8_t *dst);

/*
 * Vertical pass: `dst[y * width + x] = clip8(2^21 + sum_t src[(starts[y] + t) * width + x] * coeffs[y * ksize + t])`.
 * `acc` is caller-provided scratch of `width` int32.
 */
void ot_resample_vertical_u8(const uint8_t *src, int width, int out_height, const int32_t *starts,
                             const int32_t *counts, const int32_t *coeffs, int ksize, int precision_bits,
                             int32_t *acc, uint8_t *dst);

/*
 * Pillow's vertical pass fed one input row at a time (for streaming): `acc[x] += row[x] * coeff` in wrapping
 * 32-bit arithmetic (the accumulators start at Pillow's bias 2^21); `ot_resample_clip_u8` then gives the
 * output rows. Integer sums, so the order of the rows does not change the result.
 */
void ot_resample_accumulate_row_u8(const uint8_t *row, int width, int32_t coeff, int32_t *acc);
void ot_resample_clip_u8(const int32_t *acc, size_t n, int precision_bits, uint8_t *out);

/* Pillow's convert('L') of packed RGB: `(19595 R + 38470 G + 7471 B + 0x8000) >> 16` per pixel. */
void ot_pillow_luma_u8(const uint8_t *rgb, size_t pixels, uint8_t *out);

/*
 * PDQ's luma of packed RGB, in the reference's float order: `(float)((R*0.299 + G*0.587) + B*0.114)` in double,
 * never fused (the x86-64-v3 clone has FMA, which would round differently).
 */
void ot_pdq_luma_row(const uint8_t *rgb, size_t pixels, float *out);

/*
 * PDQ's Jarosz filter (PerceptualHash/PDQFilter.swift). Tiles hold 16 rows interleaved: `tile[x * 16 + r]`.
 * Float32 throughout, every running sum rounded as the reference's box1DFloat rounds it (add the entering
 * sample, then subtract the leaving one, divide by the current count), never fused.
 */

/* One 1-D box pass of window `w` along `n` steps for the 16 lanes of `tile`; `out` receives every step (interleaved). */
void ot_pdq_box16(const float *tile, int n, int w, float *out);

/* As ot_pdq_box16, writing only the steps listed in `steps` (ascending, repeats allowed) to out[k * 16 + r]. */
void ot_pdq_box16_sampled(const float *tile, int n, int w, const int32_t *steps, int nsteps, float *out);

/*
 * One step of a box pass down columns: `sums[x] = (sums[x] + enter[x]) - leave[x]` (either pointer may be NULL
 * for the window's head or tail), then `out[x] = sums[x] / divisor` when `out` is given.
 */
void ot_pdq_column_step(float *sums, const float *enter, const float *leave, int width, float divisor, float *out);

/* 16 row-major rows (`rows[r * width + x]`) into an interleaved tile, and back. */
void ot_pdq_interleave16(const float *rows, int width, float *tile);
void ot_pdq_deinterleave16(const float *tile, int width, float *rows);

#ifdef __cplusplus
}
#endif
#endif
