#include "feature_kernel.h"

#include <limits.h>
#include <string.h>

// Runtime CPU dispatch (ifunc): the default x86-64 build has SSE2 only (no popcount, 16-byte vectors), and
// unsafeFlags would break packages that depend on objtrace.
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__)
#define OT_CLONES __attribute__((target_clones("arch=x86-64-v3", "popcnt", "default")))
#else
#define OT_CLONES
#endif
#define OT_INLINE static inline __attribute__((always_inline))

// The BRIEF kernel has an explicit AVX2 path (intrinsics), chosen at run time.
#if defined(__x86_64__) && defined(__clang__)
#define OT_HAVE_AVX2_PATH 1
#include <immintrin.h>
#else
#define OT_HAVE_AVX2_PATH 0
#endif

// Every clone must give the same bits (and the same as the Swift code these loops replaced): no FMA.
#pragma clang fp contract(off)

typedef uint8_t u8x32 __attribute__((vector_size(32)));
typedef int8_t i8x32 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef int16_t i16x32 __attribute__((vector_size(64)));

OT_CLONES void ot_feat_luma(const uint8_t *rgb, size_t pixels, uint8_t *out) {
    for (size_t i = 0; i < pixels; i++) {
        const uint32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        out[i] = (uint8_t)((77u * r + 150u * g + 29u * b + 128u) >> 8);
    }
}

// MARK: Area resize

OT_CLONES void ot_feat_transpose_u8(const uint8_t *restrict src, int w, int h, uint8_t *restrict dst) {
    // 8x8 blocks keep both sides in cache.
    for (int y0 = 0; y0 < h; y0 += 8) {
        const int y1 = y0 + 8 < h ? y0 + 8 : h;
        for (int x0 = 0; x0 < w; x0 += 8) {
            const int x1 = x0 + 8 < w ? x0 + 8 : w;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++) dst[(size_t)x * (size_t)h + y] = src[(size_t)y * (size_t)w + x];
        }
    }
}

OT_CLONES void ot_feat_area_h(const uint8_t *restrict src_t, int w, int h, int out_w, const int32_t *start,
                              const int32_t *index, const float *weight, float *restrict col,
                              float *restrict tmp) {
    (void)w;
    // Eight output columns at a time along the transposed source's contiguous rows: every sum runs over its taps in
    // the same order as a per-pixel loop would, so the floats are the same; the eight columns then go out as runs of
    // eight floats per row.
    for (int x0 = 0; x0 < out_w; x0 += 8) {
        const int nx = out_w - x0 < 8 ? out_w - x0 : 8;
        for (int j = 0; j < nx; j++) {
            float *cj = col + (size_t)j * (size_t)h;
            const int x = x0 + j;
            for (int y = 0; y < h; y++) cj[y] = 0;
            for (int k = start[x]; k < start[x + 1]; k++) {
                const uint8_t *sc = src_t + (size_t)index[k] * (size_t)h;
                const float wk = weight[k];
                for (int y = 0; y < h; y++) cj[y] += (float)sc[y] * wk;
            }
        }
        for (int y = 0; y < h; y++) {
            float *o = tmp + (size_t)y * (size_t)out_w + x0;
            for (int j = 0; j < nx; j++) o[j] = col[(size_t)j * (size_t)h + y];
        }
    }
}

OT_CLONES void ot_feat_area_v(const float *restrict tmp, int w, int out_h, const int32_t *start,
                              const int32_t *index, const float *weight, float *restrict acc,
                              uint8_t *restrict dst) {
    for (int y = 0; y < out_h; y++) {
        for (int x = 0; x < w; x++) acc[x] = 0.5f;
        for (int k = start[y]; k < start[y + 1]; k++) {
            const float *r = tmp + (size_t)index[k] * (size_t)w;
            const float wk = weight[k];
            for (int x = 0; x < w; x++) acc[x] += r[x] * wk;
        }
        uint8_t *o = dst + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            const float a = acc[x];
            o[x] = a >= 255.0f ? 255 : (a <= 0.0f ? 0 : (uint8_t)(int32_t)a);
        }
    }
}

// MARK: Gaussian blur

static const uint32_t blur_taps[9] = {7, 17, 32, 47, 50, 47, 32, 17, 7};

OT_INLINE int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

OT_CLONES void ot_feat_blur9(const uint8_t *restrict src, int w, int h, uint16_t *restrict tmp,
                             uint8_t *restrict dst) {
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)y * (size_t)w;
        uint16_t *t = tmp + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            if (x == 4) {
                // Interior: 256 · 255 + 8 fits 16 bits, so the vector loop can stay narrow.
                for (; x < w - 4; x++) {
                    // 16-bit lanes: the sum is at most 256 · 255 + 8.
                    const uint16_t acc = (uint16_t)(7 * (s[x - 4] + s[x + 4]) + 17 * (s[x - 3] + s[x + 3])
                        + 32 * (s[x - 2] + s[x + 2]) + 47 * (s[x - 1] + s[x + 1]) + 50 * s[x] + 8);
                    t[x] = (uint16_t)(acc >> 4);
                }
                if (x >= w) break;
            }
            uint32_t acc = 0;
            for (int i = -4; i <= 4; i++) acc += blur_taps[i + 4] * s[clampi(x + i, 0, w - 1)];
            t[x] = (uint16_t)((acc + 8) >> 4);
        }
    }
    for (int y = 0; y < h; y++) {
        uint8_t *o = dst + (size_t)y * (size_t)w;
        if (y >= 4 && y < h - 4) {
            const uint16_t *r0 = tmp + (size_t)(y - 4) * (size_t)w, *r1 = r0 + w, *r2 = r1 + w, *r3 = r2 + w,
                           *r4 = r3 + w, *r5 = r4 + w, *r6 = r5 + w, *r7 = r6 + w, *r8 = r7 + w;
            for (int x = 0; x < w; x++) {
                const uint32_t acc = 7u * ((uint32_t)r0[x] + r8[x]) + 17u * ((uint32_t)r1[x] + r7[x])
                    + 32u * ((uint32_t)r2[x] + r6[x]) + 47u * ((uint32_t)r3[x] + r5[x]) + 50u * (uint32_t)r4[x];
                const uint32_t v = (acc + 2048) >> 12;
                o[x] = (uint8_t)(v > 255 ? 255 : v);
            }
        } else {
            for (int x = 0; x < w; x++) {
                uint32_t acc = 0;
                for (int i = -4; i <= 4; i++) acc += blur_taps[i + 4] * tmp[(size_t)clampi(y + i, 0, h - 1) * (size_t)w + x];
                const uint32_t v = (acc + 2048) >> 12;
                o[x] = (uint8_t)(v > 255 ? 255 : v);
            }
        }
    }
}

// MARK: FAST-9

static const int circle_dx[16] = {0, 1, 2, 3, 3, 3, 2, 1, 0, -1, -2, -3, -3, -3, -2, -1};
static const int circle_dy[16] = {-3, -3, -2, -1, 0, 1, 2, 3, 3, 3, 2, 1, 0, -1, -2, -3};

/// The arc score of the pixel at p (0 when it is not a corner at `threshold`): the largest, over the 16 arcs of 9,
/// of the arc's smallest difference to the centre (brighter arcs) or of its smallest negated difference (darker).
/// Windows of 9 by doubling (2, 4, 8, then one more), in fixed-size loops the compiler vectorises.
OT_INLINE int fast_score(const uint8_t *p, const int *off, int threshold) {
    const int c = p[0];
    int16_t d[32], mn2[32], mx2[32], mn4[24], mx4[24];
    for (int k = 0; k < 16; k++) d[k] = d[k + 16] = (int16_t)((int)p[off[k]] - c);
    for (int k = 0; k < 31; k++) {
        mn2[k] = d[k] < d[k + 1] ? d[k] : d[k + 1];
        mx2[k] = d[k] > d[k + 1] ? d[k] : d[k + 1];
    }
    mn2[31] = mx2[31] = d[31];
    for (int k = 0; k < 24; k++) {
        mn4[k] = mn2[k] < mn2[k + 2] ? mn2[k] : mn2[k + 2];
        mx4[k] = mx2[k] > mx2[k + 2] ? mx2[k] : mx2[k + 2];
    }
    int best = 0;
    for (int k = 0; k < 16; k++) {
        int16_t mn = mn4[k] < mn4[k + 4] ? mn4[k] : mn4[k + 4];
        int16_t mx = mx4[k] > mx4[k + 4] ? mx4[k] : mx4[k + 4];
        mn = mn < d[k + 8] ? mn : d[k + 8];
        mx = mx > d[k + 8] ? mx : d[k + 8];
        const int v = mn > -mx ? mn : -mx;
        best = v > best ? v : best;
    }
    return best > threshold ? best : 0;
}

/// The scalar test of one pixel, with the same quick rejections as the vector path.
OT_INLINE int fast_pixel(const uint8_t *p, const int *off, int threshold) {
    const int c = p[0], hi = c + threshold, lo = c - threshold;
    const int v0 = p[off[0]], v8 = p[off[8]];
    if (v0 <= hi && v0 >= lo && v8 <= hi && v8 >= lo) return 0;
    const int v4 = p[off[4]], v12 = p[off[12]];
    const int bright = (v0 > hi) + (v4 > hi) + (v8 > hi) + (v12 > hi);
    const int dark = (v0 < lo) + (v4 < lo) + (v8 < lo) + (v12 < lo);
    if (bright < 2 && dark < 2) return 0;
    return fast_score(p, off, threshold);
}

// Vectors pass through memory, never by value: a 32-byte vector argument or result would change the ABI between
// the clones.
#define LOAD32(v, p) memcpy(&(v), (p), 32)

/// *best = max(*best, the largest over the 16 cyclic arcs of 9 of the lane-wise minimum of `m` over the arc), by
/// doubling windows (2, 4, 8, then the ninth).
OT_INLINE void arc9_max_min(const u8x32 *m, u8x32 *best) {
    u8x32 m2[16], m4[16];
    for (int k = 0; k < 16; k++) m2[k] = __builtin_elementwise_min(m[k], m[(k + 1) & 15]);
    for (int k = 0; k < 16; k++) m4[k] = __builtin_elementwise_min(m2[k], m2[(k + 2) & 15]);
    for (int k = 0; k < 16; k++) {
        const u8x32 arc = __builtin_elementwise_min(__builtin_elementwise_min(m4[k], m4[(k + 4) & 15]), m[(k + 8) & 15]);
        *best = __builtin_elementwise_max(*best, arc);
    }
}

OT_CLONES size_t ot_feat_fast9(const uint8_t *img, int w, int h, int threshold, int border, int16_t *score,
                               int32_t *candidates, size_t capacity) {
    int off[16];
    for (int k = 0; k < 16; k++) off[k] = circle_dy[k] * w + circle_dx[k];
    const int b = border;
    const int x0 = b - 1, x1 = w - b;  // inclusive band
    size_t n = 0;
    if (threshold >= 255 || threshold < 0) return 0;  // no 8-bit difference exceeds 255; scores are positive
    const u8x32 t = (u8x32){0} + (uint8_t)threshold;
    for (int y = b - 1; y <= h - b; y++) {
        const int inner = y >= b && y < h - b;
        const uint8_t *row = img + (size_t)y * (size_t)w;
        int16_t *srow = score + (size_t)y * (size_t)w;
        int x = x0;
        // Lanes below `fresh` were done by the previous step (the last step of a row may overlap it).
        int fresh = x0;
        for (; x <= x1; x += 32) {
            if (x + 31 > x1) {
                if (x1 - 31 < x0) break;  // a band narrower than one step: scalar below
                x = x1 - 31;
            }
            const uint8_t *p = row + x;
            const int lanesFrom = fresh;
            fresh = x + 32;
            u8x32 c, v0, v4, v8, v12;
            LOAD32(c, p);
            // Saturating c ± t: a centre within t of 255 (or 0) can have no brighter (darker) neighbour, as in the
            // scalar test's Int arithmetic.
            u8x32 hi = c + t, lo = c - t;
            hi |= (u8x32)(hi < c);
            lo &= ~(u8x32)(lo > c);
            LOAD32(v0, p + off[0]);
            LOAD32(v4, p + off[4]);
            LOAD32(v8, p + off[8]);
            LOAD32(v12, p + off[12]);
            const i8x32 b0 = (i8x32)(v0 > hi), b4 = (i8x32)(v4 > hi), b8 = (i8x32)(v8 > hi), b12 = (i8x32)(v12 > hi);
            const i8x32 d0 = (i8x32)(v0 < lo), d4 = (i8x32)(v4 < lo), d8 = (i8x32)(v8 < lo), d12 = (i8x32)(v12 < lo);
            const i8x32 minus2 = (i8x32){0} - 2;
            i8x32 cand = (b0 | d0 | b8 | d8) & (((b0 + b4 + b8 + b12) <= minus2) | ((d0 + d4 + d8 + d12) <= minus2));
            uint64_t wd[4];
            memcpy(wd, &cand, 32);
            if ((wd[0] | wd[1] | wd[2] | wd[3]) == 0) continue;
            // Arc scores of all 32 lanes at once. With saturating differences, min over an arc of max(0, v - c) is
            // max(0, min over the arc of v - c), so the largest arc minimum of either polarity is the scalar score
            // (where it exceeds the threshold, the only case that counts); the quick test above is a necessary
            // condition of that, so lanes it rejected score at most the threshold here too.
            u8x32 sb[16], sd[16];
            for (int k = 0; k < 16; k++) {
                u8x32 v;
                LOAD32(v, p + off[k]);
                sb[k] = __builtin_elementwise_sub_sat(v, c);
                sd[k] = __builtin_elementwise_sub_sat(c, v);
            }
            u8x32 best = {0};
            arc9_max_min(sb, &best);
            arc9_max_min(sd, &best);
            const i8x32 corner = (i8x32)(best > t);
            memcpy(wd, &corner, 32);
            if ((wd[0] | wd[1] | wd[2] | wd[3]) == 0) continue;
            const i16x32 wide = __builtin_convertvector(best & (u8x32)corner, i16x32);
            memcpy(srow + x, &wide, 64);
            if (!inner) continue;
            for (int q = 0; q < 4; q++) {
                uint64_t m = wd[q];
                while (m) {
                    const int bit = __builtin_ctzll(m);
                    m &= ~((uint64_t)0xFF << (bit & ~7));
                    const int xx = x + q * 8 + (bit >> 3);
                    if (xx >= b && xx < w - b && xx >= lanesFrom) {
                        if (n < capacity) candidates[n] = (int32_t)(y * w + xx);
                        n++;
                    }
                }
            }
        }
        for (x = fresh; x <= x1; x++) {
            const int s = fast_pixel(row + x, off, threshold);
            if (s == 0) continue;
            srow[x] = (int16_t)s;
            if (inner && x >= b && x < w - b) {
                if (n < capacity) candidates[n] = (int32_t)(y * w + x);
                n++;
            }
        }
    }
    return n;
}

OT_CLONES size_t ot_feat_nms(const int16_t *sc, int w, const int32_t *candidates, size_t n, int32_t *out) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const int32_t p = candidates[i];
        const int16_t s = sc[p];
        // One combined test, no branch per neighbour: about half the candidates survive, unpredictably.
        const int keep = (s > sc[p - w - 1]) & (s > sc[p - w]) & (s > sc[p - w + 1]) & (s > sc[p - 1])
            & (s >= sc[p + 1]) & (s >= sc[p + w - 1]) & (s >= sc[p + w]) & (s >= sc[p + w + 1]);
        out[m] = p;
        m += (size_t)keep;
    }
    return m;
}

// MARK: Sorting

OT_CLONES void ot_feat_sort_u64(uint64_t *keys, size_t n, uint64_t *scratch) {
    uint64_t *src = keys, *dst = scratch;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[(src[i] >> shift) & 0xFF]++;
        // A byte that is the same in every key leaves the order as it is.
        if (n == 0 || count[(src[0] >> shift) & 0xFF] == n) continue;
        size_t sum = 0;
        for (int d = 0; d < 256; d++) {
            const size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[count[(src[i] >> shift) & 0xFF]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != keys) memcpy(keys, src, n * sizeof(uint64_t));
}

// MARK: Harris

/// 8 bytes widened to 16-bit lanes.
#define LOAD8W(v, p)                      \
    do {                                  \
        u8x8 raw_;                        \
        memcpy(&raw_, (p), 8);            \
        (v) = __builtin_convertvector(raw_, i16x8); \
    } while (0)

OT_CLONES void ot_feat_harris(const uint8_t *img, int w, const int32_t *positions, size_t n, float *out) {
    const float norm = 1.0f / (4.0f * 49.0f * 255.0f);
    // Lanes 0..6 are the block's 7 columns; lane 7 (an 8th column) is masked out.
    const i16x8 keep = {-1, -1, -1, -1, -1, -1, -1, 0};
    for (size_t i = 0; i < n; i++) {
        i32x8 axx = {0}, ayy = {0}, axy = {0};
        for (int dy = -3; dy <= 3; dy++) {
            // Column x - 1 of the block's first column: r[0] is the left neighbour, r[1] the centre, r[2] the right.
            const uint8_t *r1 = img + positions[i] + dy * w - 4;
            const uint8_t *r0 = r1 - w, *r2 = r1 + w;
            i16x8 a, bb, c, d, f, g, hh, k;
            LOAD8W(a, r0);
            LOAD8W(bb, r0 + 1);
            LOAD8W(c, r0 + 2);
            LOAD8W(d, r1);
            LOAD8W(f, r1 + 2);
            LOAD8W(g, r2);
            LOAD8W(hh, r2 + 1);
            LOAD8W(k, r2 + 2);
            const i16x8 gx = ((c + f + f + k) - (a + d + d + g)) & keep;
            const i16x8 gy = ((g + hh + hh + k) - (a + bb + bb + c)) & keep;
            const i32x8 x32 = __builtin_convertvector(gx, i32x8), y32 = __builtin_convertvector(gy, i32x8);
            axx += x32 * x32;
            ayy += y32 * y32;
            axy += x32 * y32;
        }
        int32_t sxx = 0, syy = 0, sxy = 0;
        for (int l = 0; l < 8; l++) {
            sxx += axx[l];
            syy += ayy[l];
            sxy += axy[l];
        }
        const float fxx = (float)sxx * norm, fyy = (float)syy * norm, fxy = (float)sxy * norm;
        out[i] = fxx * fyy - fxy * fxy - 0.04f * (fxx + fyy) * (fxx + fyy);
    }
}

// MARK: Orientation

OT_CLONES void ot_feat_moments(const uint8_t *img, int w, int r, const int32_t *half, const int32_t *positions,
                               size_t n, int64_t *m10, int64_t *m01) {
    for (size_t i = 0; i < n; i++) {
        int32_t a10 = 0, a01 = 0;
        for (int dy = -r; dy <= r; dy++) {
            const int hw = half[dy < 0 ? -dy : dy];
            const uint8_t *row = img + positions[i] + dy * w;
            int32_t rowSum = 0, rowMoment = 0;
            for (int dx = -hw; dx <= hw; dx++) {
                const int32_t v = row[dx];
                rowMoment += dx * v;
                rowSum += v;
            }
            a10 += rowMoment;
            a01 += dy * rowSum;
        }
        m10[i] = a10;
        m01[i] = a01;
    }
}

// MARK: Rotated BRIEF

OT_CLONES void ot_feat_brief_portable(const uint8_t *img, int w, const float *pattern, size_t n, const int32_t *xs,
                                      const int32_t *ys, const float *cs, const float *ss, int mirrored,
                                      uint64_t *out) {
    // The pattern as structure of arrays, y reflected for the mirrored descriptor (multiplying by ±1 is exact).
    float X1[256], Y1[256], X2[256], Y2[256];
    const float ySign = mirrored ? -1.0f : 1.0f;
    for (int j = 0; j < 256; j++) {
        X1[j] = pattern[4 * j];
        Y1[j] = pattern[4 * j + 1] * ySign;
        X2[j] = pattern[4 * j + 2];
        Y2[j] = pattern[4 * j + 3] * ySign;
    }
    for (size_t i = 0; i < n; i++) {
        const f32x8 c = (f32x8){0} + cs[i], s = (f32x8){0} + ss[i];
        const f32x8 fcx = (f32x8){0} + (float)xs[i], fcy = (f32x8){0} + (float)ys[i];
        uint64_t words[4] = {0, 0, 0, 0};
        for (int j = 0; j < 256; j += 8) {
            f32x8 x1, y1, x2, y2;
            memcpy(&x1, X1 + j, 32);
            memcpy(&y1, Y1 + j, 32);
            memcpy(&x2, X2 + j, 32);
            memcpy(&y2, Y2 + j, 32);
            f32x8 v[2];
            for (int side = 0; side < 2; side++) {
                const f32x8 px = side == 0 ? c * x1 - s * y1 : c * x2 - s * y2;
                const f32x8 py = side == 0 ? s * x1 + c * y1 : s * x2 + c * y2;
                const f32x8 fx = px + fcx, fy = py + fcy;
                // Positive coordinates: truncation is floor.
                const i32x8 ix = __builtin_convertvector(fx, i32x8), iy = __builtin_convertvector(fy, i32x8);
                const f32x8 tx = fx - __builtin_convertvector(ix, f32x8), ty = fy - __builtin_convertvector(iy, f32x8);
                const i32x8 idx = iy * w + ix;
                f32x8 a, b, c2, d;
                for (int l = 0; l < 8; l++) {
                    const uint8_t *q = img + idx[l];
                    a[l] = q[0];
                    b[l] = q[1];
                    c2[l] = q[w];
                    d[l] = q[w + 1];
                }
                const f32x8 top = a + (b - a) * tx;
                v[side] = top + ((c2 + (d - c2) * tx) - top) * ty;
            }
            const i32x8 lt = v[0] < v[1];
            uint32_t byte = 0;
            for (int l = 0; l < 8; l++) byte |= (uint32_t)(lt[l] & 1) << l;
            words[j >> 6] |= (uint64_t)byte << (j & 63);
        }
        memcpy(out + 4 * i, words, 32);
    }
}

#if OT_HAVE_AVX2_PATH
/// The same arithmetic as ot_feat_brief_portable, lane for lane (mul, sub, add; no FMA), eight pattern pairs at a time.
__attribute__((target("avx2"))) static void brief_avx2(const uint8_t *img, int w, const float *pattern, size_t n,
                                                      const int32_t *xs, const int32_t *ys, const float *cs,
                                                      const float *ss, int mirrored, uint64_t *out) {
    float X1[256] __attribute__((aligned(32))), Y1[256] __attribute__((aligned(32)));
    float X2[256] __attribute__((aligned(32))), Y2[256] __attribute__((aligned(32)));
    const float ySign = mirrored ? -1.0f : 1.0f;
    for (int j = 0; j < 256; j++) {
        X1[j] = pattern[4 * j];
        Y1[j] = pattern[4 * j + 1] * ySign;
        X2[j] = pattern[4 * j + 2];
        Y2[j] = pattern[4 * j + 3] * ySign;
    }
    const __m256i wv = _mm256_set1_epi32(w), lowByte = _mm256_set1_epi32(0xFF);
    for (size_t i = 0; i < n; i++) {
        const __m256 c = _mm256_set1_ps(cs[i]), s = _mm256_set1_ps(ss[i]);
        const __m256 fcx = _mm256_set1_ps((float)xs[i]), fcy = _mm256_set1_ps((float)ys[i]);
        uint64_t words[4] = {0, 0, 0, 0};
        for (int j = 0; j < 256; j += 8) {
            __m256 v[2];
            for (int side = 0; side < 2; side++) {
                const __m256 x = _mm256_load_ps(side == 0 ? X1 + j : X2 + j);
                const __m256 y = _mm256_load_ps(side == 0 ? Y1 + j : Y2 + j);
                const __m256 px = _mm256_sub_ps(_mm256_mul_ps(c, x), _mm256_mul_ps(s, y));
                const __m256 py = _mm256_add_ps(_mm256_mul_ps(s, x), _mm256_mul_ps(c, y));
                const __m256 fx = _mm256_add_ps(px, fcx), fy = _mm256_add_ps(py, fcy);
                const __m256i ix = _mm256_cvttps_epi32(fx), iy = _mm256_cvttps_epi32(fy);
                const __m256 tx = _mm256_sub_ps(fx, _mm256_cvtepi32_ps(ix));
                const __m256 ty = _mm256_sub_ps(fy, _mm256_cvtepi32_ps(iy));
                const __m256i idx = _mm256_add_epi32(_mm256_mullo_epi32(iy, wv), ix);
                // Two 16-bit loads per lane (the pixel pair on row y0 and on row y0 + 1) packed into one 32-bit lane:
                // faster than hardware gathers on the AMD cores this runs on.
                int32_t at[8] __attribute__((aligned(32)));
                _mm256_store_si256((__m256i *)(void *)at, idx);
                uint32_t q[8];
                for (int l = 0; l < 8; l++) {
                    uint16_t top2, bottom2;
                    memcpy(&top2, img + at[l], 2);
                    memcpy(&bottom2, img + at[l] + w, 2);
                    q[l] = (uint32_t)top2 | (uint32_t)bottom2 << 16;
                }
                __m256i g;
                memcpy(&g, q, 32);
                const __m256 a = _mm256_cvtepi32_ps(_mm256_and_si256(g, lowByte));
                const __m256 b = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(g, 8), lowByte));
                const __m256 c2 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(g, 16), lowByte));
                const __m256 d = _mm256_cvtepi32_ps(_mm256_srli_epi32(g, 24));
                const __m256 top = _mm256_add_ps(a, _mm256_mul_ps(_mm256_sub_ps(b, a), tx));
                const __m256 bottom = _mm256_add_ps(c2, _mm256_mul_ps(_mm256_sub_ps(d, c2), tx));
                v[side] = _mm256_add_ps(top, _mm256_mul_ps(_mm256_sub_ps(bottom, top), ty));
            }
            const uint32_t byte = (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(v[0], v[1], _CMP_LT_OQ));
            words[j >> 6] |= (uint64_t)byte << (j & 63);
        }
        memcpy(out + 4 * i, words, 32);
    }
}
#endif

void ot_feat_brief(const uint8_t *img, int w, const float *pattern, size_t n, const int32_t *xs, const int32_t *ys,
                   const float *cs, const float *ss, int mirrored, uint64_t *out) {
#if OT_HAVE_AVX2_PATH
    if (__builtin_cpu_supports("avx2")) {
        brief_avx2(img, w, pattern, n, xs, ys, cs, ss, mirrored, out);
        return;
    }
#endif
    ot_feat_brief_portable(img, w, pattern, n, xs, ys, cs, ss, mirrored, out);
}

// MARK: Matching

OT_CLONES void ot_feat_knn2(const uint64_t *query, size_t nq, const uint64_t *ref, size_t nr, int32_t *best_index,
                            int32_t *best_distance, int32_t *second_distance) {
    for (size_t i = 0; i < nq; i++) {
        const uint64_t a0 = query[4 * i], a1 = query[4 * i + 1], a2 = query[4 * i + 2], a3 = query[4 * i + 3];
        int32_t d1 = INT32_MAX, d2 = INT32_MAX, j1 = -1;
        for (size_t j = 0; j < nr; j++) {
            const uint64_t *r = ref + 4 * j;
            const int32_t d = __builtin_popcountll(a0 ^ r[0]) + __builtin_popcountll(a1 ^ r[1])
                + __builtin_popcountll(a2 ^ r[2]) + __builtin_popcountll(a3 ^ r[3]);
            if (d < d2) {
                if (d < d1) {
                    d2 = d1;
                    d1 = d;
                    j1 = (int32_t)j;
                } else {
                    d2 = d;
                }
            }
        }
        best_index[i] = j1;
        best_distance[i] = d1;
        second_distance[i] = d2;
    }
}
