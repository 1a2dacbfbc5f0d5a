// PDQ's Jarosz box passes (float32, the reference's operation order) and the transposes between row-major rows
// and 16-lane interleaved tiles (`tile[x * 16 + r]`) that let the passes along rows run 16 rows side by side.
#include "resample_kernel.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__)
#include <immintrin.h>
#define OT_PDQ_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define OT_PDQ_AVX2 1
#else
#define OT_PDQ_CLONES
#define OT_PDQ_AVX2 0
#endif

// Every sum is rounded on its own: add the entering sample, then subtract the leaving one (never fused or
// reassociated; no multiplications here anyway).
#pragma clang fp contract(off)

enum { L = 16 };

// The running sums of ot_pdq_box16 without the outputs: steps [from, to) of the pass (i as in ot_pdq_box16).
static inline __attribute__((always_inline)) void ot_box16_advance(float *s, const float *tile, int n, int w, int from, int to) {
    int i = from;
    for (; i < to && i < w && i < n; i++) {  // the window's head: samples enter, none leaves
        const float *a = tile + (size_t)i * L;
        for (int l = 0; l < L; l++) s[l] = s[l] + a[l];
    }
    for (; i < to && i < n; i++) {
        const float *a = tile + (size_t)i * L, *b = tile + (size_t)(i - w) * L;
        for (int l = 0; l < L; l++) {
            const float added = s[l] + a[l];
            s[l] = added - b[l];
        }
    }
    for (; i < to; i++) {  // the tail: samples leave
        const float *b = tile + (size_t)(i - w) * L;
        for (int l = 0; l < L; l++) s[l] = s[l] - b[l];
    }
}

OT_PDQ_CLONES void ot_pdq_box16(const float *restrict tile, int n, int w, float *restrict out) {
    float s[L];
    for (int l = 0; l < L; l++) s[l] = 0;
    const int half = (w + 2) / 2;
    // The reference's four phases (box1DFloat), each a branch-free loop: fill the first half window, then
    // add with outputs, add and subtract with outputs, subtract with outputs.
    int i = 0, oi = 0;
    for (; i < half - 1; i++) {
        const float *a = tile + (size_t)i * L;
        for (int l = 0; l < L; l++) s[l] = s[l] + a[l];
    }
    for (; i < w; i++, oi++) {
        const float *a = tile + (size_t)i * L;
        const float d = (float)(i + 1);
        float *o = out + (size_t)oi * L;
        for (int l = 0; l < L; l++) {
            s[l] = s[l] + a[l];
            o[l] = s[l] / d;
        }
    }
    const float dw = (float)w;
    for (; i < n; i++, oi++) {
        const float *a = tile + (size_t)i * L, *b = tile + (size_t)(i - w) * L;
        float *o = out + (size_t)oi * L;
        for (int l = 0; l < L; l++) {
            const float added = s[l] + a[l];
            s[l] = added - b[l];
            o[l] = s[l] / dw;
        }
    }
    for (int count = w - 1; oi < n; i++, oi++, count--) {
        const float *b = tile + (size_t)(i - w) * L;
        const float d = (float)count;
        float *o = out + (size_t)oi * L;
        for (int l = 0; l < L; l++) {
            s[l] = s[l] - b[l];
            o[l] = s[l] / d;
        }
    }
}

OT_PDQ_CLONES void ot_pdq_box16_sampled(const float *restrict tile, int n, int w, const int32_t *restrict steps, int nsteps,
                                        float *restrict out) {
    float s[L];
    for (int l = 0; l < L; l++) s[l] = 0;
    const int half = (w + 2) / 2;
    int done = 0;  // steps i already summed
    for (int k = 0; k < nsteps; k++) {
        // Output `oi` is read after step i = oi + half - 1, when the window holds min(i + 1, w) samples minus
        // those that left after the last sample (i >= n).
        const int i = steps[k] + half - 1;
        if (i + 1 > done) {
            ot_box16_advance(s, tile, n, w, done, i + 1);
            done = i + 1;
        }
        int count = i + 1 < w ? i + 1 : w;
        if (i >= n) count -= i - n + 1;
        const float d = (float)count;
        float *o = out + (size_t)k * L;
        for (int l = 0; l < L; l++) o[l] = s[l] / d;
    }
}

OT_PDQ_CLONES void ot_pdq_column_step(float *restrict sums, const float *restrict enter, const float *restrict leave,
                                      int width, float divisor, float *restrict out) {
    if (enter && leave) {
        for (int x = 0; x < width; x++) {
            const float added = sums[x] + enter[x];
            sums[x] = added - leave[x];
        }
    } else if (enter) {
        for (int x = 0; x < width; x++) sums[x] = sums[x] + enter[x];
    } else if (leave) {
        for (int x = 0; x < width; x++) sums[x] = sums[x] - leave[x];
    }
    if (out)
        for (int x = 0; x < width; x++) out[x] = sums[x] / divisor;
}

#if OT_PDQ_AVX2
__attribute__((target("avx2"))) static inline void ot_transpose8(__m256 *r) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

__attribute__((target("avx2"))) static void ot_interleave16_avx2(const float *rows, int width, float *tile) {
    int x0 = 0;
    for (; x0 + 8 <= width; x0 += 8) {
        for (int g = 0; g < 2; g++) {
            __m256 r[8];
            for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(rows + (size_t)(8 * g + k) * width + x0);
            ot_transpose8(r);
            for (int j = 0; j < 8; j++) _mm256_storeu_ps(tile + (size_t)(x0 + j) * L + 8 * g, r[j]);
        }
    }
    for (int x = x0; x < width; x++)
        for (int r = 0; r < L; r++) tile[(size_t)x * L + r] = rows[(size_t)r * width + x];
}

__attribute__((target("avx2"))) static void ot_deinterleave16_avx2(const float *tile, int width, float *rows) {
    int x0 = 0;
    for (; x0 + 8 <= width; x0 += 8) {
        for (int g = 0; g < 2; g++) {
            __m256 r[8];
            for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(tile + (size_t)(x0 + j) * L + 8 * g);
            ot_transpose8(r);
            for (int k = 0; k < 8; k++) _mm256_storeu_ps(rows + (size_t)(8 * g + k) * width + x0, r[k]);
        }
    }
    for (int x = x0; x < width; x++)
        for (int r = 0; r < L; r++) rows[(size_t)r * width + x] = tile[(size_t)x * L + r];
}
#endif

void ot_pdq_interleave16(const float *rows, int width, float *tile) {
#if OT_PDQ_AVX2
    if (__builtin_cpu_supports("avx2")) {
        ot_interleave16_avx2(rows, width, tile);
        return;
    }
#endif
    for (int x = 0; x < width; x++)
        for (int r = 0; r < L; r++) tile[(size_t)x * L + r] = rows[(size_t)r * width + x];
}

void ot_pdq_deinterleave16(const float *tile, int width, float *rows) {
#if OT_PDQ_AVX2
    if (__builtin_cpu_supports("avx2")) {
        ot_deinterleave16_avx2(tile, width, rows);
        return;
    }
#endif
    for (int x = 0; x < width; x++)
        for (int r = 0; r < L; r++) rows[(size_t)r * width + x] = tile[(size_t)x * L + r];
}
