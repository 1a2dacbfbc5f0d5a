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

/* Pillow's convert('L') of packed RGB: `(19595 R + 38470 G + 7471 B + 0x8000) >> 16` per pixel. */
void ot_pillow_luma_u8(const uint8_t *rgb, size_t pixels, uint8_t *out);

/*
 * PDQ's luma of packed RGB, in the reference's float order: `(float)((R*0.299 + G*0.587) + B*0.114)` in double,
 * never fused (the x86-64-v3 clone has FMA, which would round differently).
 */
void ot_pdq_luma_row(const uint8_t *rgb, size_t pixels, float *out);

#ifdef __cplusplus
}
#endif
#endif
