#include "resample_kernel.h"

// Runtime CPU dispatch (ifunc): the default x86-64 build has SSE2 only, which lacks a 32-bit vector multiply,
// and unsafeFlags would break packages that depend on objtrace.
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__)
#define OT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define OT_CLONES
#endif

static inline uint8_t clip8(int32_t acc, int precision_bits) {
    int32_t v = acc >> precision_bits;
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

OT_CLONES void ot_resample_horizontal_u8(const uint8_t *src, int width, int height, int out_width,
                                         const int32_t *starts, const int32_t *counts, const int32_t *coeffs,
                                         int ksize, int precision_bits, uint8_t *dst) {
    const int32_t bias = (int32_t)1 << (precision_bits - 1);
    for (int y = 0; y < height; y++) {
        const uint8_t *row = src + (size_t)y * (size_t)width;
        uint8_t *out = dst + (size_t)y * (size_t)out_width;
        for (int x = 0; x < out_width; x++) {
            const uint8_t *p = row + starts[x];
            const int32_t *k = coeffs + (size_t)x * (size_t)ksize;
            const int n = counts[x];
            // Wrapping unsigned arithmetic: the same bits as Pillow's int sums, without signed-overflow UB.
            uint32_t acc = (uint32_t)bias;
            for (int t = 0; t < n; t++) acc += (uint32_t)p[t] * (uint32_t)k[t];
            out[x] = clip8((int32_t)acc, precision_bits);
        }
    }
}

OT_CLONES void ot_resample_vertical_u8(const uint8_t *src, int width, int out_height, const int32_t *starts,
                                       const int32_t *counts, const int32_t *coeffs, int ksize,
                                       int precision_bits, int32_t *acc, uint8_t *dst) {
    const uint32_t bias = (uint32_t)1 << (precision_bits - 1);
    uint32_t *a = (uint32_t *)acc;
    for (int y = 0; y < out_height; y++) {
        for (int x = 0; x < width; x++) a[x] = bias;
        const int32_t *k = coeffs + (size_t)y * (size_t)ksize;
        for (int t = 0; t < counts[y]; t++) {
            const uint32_t c = (uint32_t)k[t];
            const uint8_t *row = src + (size_t)(starts[y] + t) * (size_t)width;
            for (int x = 0; x < width; x++) a[x] += (uint32_t)row[x] * c;
        }
        uint8_t *out = dst + (size_t)y * (size_t)width;
        for (int x = 0; x < width; x++) out[x] = clip8((int32_t)a[x], precision_bits);
    }
}

OT_CLONES void ot_pillow_luma_u8(const uint8_t *rgb, size_t pixels, uint8_t *out) {
    for (size_t i = 0; i < pixels; i++) {
        const uint32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        out[i] = (uint8_t)((19595u * r + 38470u * g + 7471u * b + 0x8000u) >> 16);
    }
}

/* Pillow's vertical pass fed row by row: acc[x] += row[x] * coeff (wrapping, as the pass above adds). */
OT_CLONES void ot_resample_accumulate_row_u8(const uint8_t *row, int width, int32_t coeff, int32_t *acc) {
    uint32_t *a = (uint32_t *)acc;
    const uint32_t c = (uint32_t)coeff;
    for (int x = 0; x < width; x++) a[x] += (uint32_t)row[x] * c;
}

/* clip8(acc >> precision_bits) for `n` accumulators (the end of Pillow's vertical pass). */
OT_CLONES void ot_resample_clip_u8(const int32_t *acc, size_t n, int precision_bits, uint8_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = clip8(acc[i], precision_bits);
}

// PDQ's luma must round exactly as the reference's: no fused multiply-add in any clone.
#pragma clang fp contract(off)
static void ot_pdq_luma_scalar(const uint8_t *rgb, size_t pixels, float *out) {
    for (size_t i = 0; i < pixels; i++) {
        const double r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        const double rg = r * 0.299 + g * 0.587;
        out[i] = (float)(rg + b * 0.114);
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__)
#include <immintrin.h>
/* Eight pixels a step as two groups of four: one 16-byte load per group, a byte shuffle per channel straight
 * into 32-bit lanes, then the scalar loop's float64 multiplies and adds as separate instructions (never fused). */
__attribute__((target("avx2"))) static inline __m128 ot_pdq_luma4(const uint8_t *p, __m128i mr, __m128i mg, __m128i mb,
                                                                  __m256d c0, __m256d c1, __m256d c2) {
    const __m128i v = _mm_loadu_si128((const __m128i *)p);
    const __m256d r = _mm256_cvtepi32_pd(_mm_shuffle_epi8(v, mr));
    const __m256d g = _mm256_cvtepi32_pd(_mm_shuffle_epi8(v, mg));
    const __m256d b = _mm256_cvtepi32_pd(_mm_shuffle_epi8(v, mb));
    const __m256d rg = _mm256_add_pd(_mm256_mul_pd(r, c0), _mm256_mul_pd(g, c1));
    return _mm256_cvtpd_ps(_mm256_add_pd(rg, _mm256_mul_pd(b, c2)));
}

__attribute__((target("avx2"))) static void ot_pdq_luma_avx2(const uint8_t *rgb, size_t pixels, float *out) {
    const __m256d c0 = _mm256_set1_pd(0.299), c1 = _mm256_set1_pd(0.587), c2 = _mm256_set1_pd(0.114);
    const __m128i mr = _mm_setr_epi8(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1);
    const __m128i mg = _mm_setr_epi8(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1);
    const __m128i mb = _mm_setr_epi8(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
    size_t i = 0;
    /* The second load of a step reads bytes 12..27 past 3i (for 12): stop while the row still has them. */
    const size_t end = pixels >= 10 ? pixels - 10 : 0;  /* 3i + 28 <= 3 pixels  <=>  i + 28/3 <= pixels */
    const uint8_t *p = rgb;
    for (; i + 8 <= end; i += 8, p += 24) {
        const __m128 lo = ot_pdq_luma4(p, mr, mg, mb, c0, c1, c2);
        const __m128 hi = ot_pdq_luma4(p + 12, mr, mg, mb, c0, c1, c2);
        _mm_storeu_ps(out + i, lo);
        _mm_storeu_ps(out + i + 4, hi);
    }
    ot_pdq_luma_scalar(rgb + 3 * i, pixels - i, out + i);
}
#endif

void ot_pdq_luma_row(const uint8_t *rgb, size_t pixels, float *out) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__)
    if (__builtin_cpu_supports("avx2")) {
        ot_pdq_luma_avx2(rgb, pixels, out);
        return;
    }
#endif
    ot_pdq_luma_scalar(rgb, pixels, out);
}
