#include "hamming_kernel.h"

// Runtime CPU dispatch: one clone per target, chosen by an ifunc resolver at load time. The default x86-64
// build has no POPCNT instruction, and unsafeFlags would break packages that depend on objtrace.
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__)
#define OT_CLONES __attribute__((target_clones("arch=x86-64-v3", "popcnt", "default")))
#else
#define OT_CLONES
#endif

#define OT_INLINE static inline __attribute__((always_inline))

OT_INLINE int d256(const uint64_t *a, const uint64_t *b) {
    return __builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1])
         + __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]);
}

OT_INLINE uint32_t substring(const uint64_t *code, uint32_t offset, uint32_t length) {
    uint32_t w = offset >> 6, b = offset & 63;
    uint64_t v = code[w] >> b;
    if (b + length > 64) v |= code[w + 1] << (64 - b);
    return (uint32_t)(v & ((length >= 32) ? 0xffffffffull : ((1ull << length) - 1)));
}

OT_CLONES int ot_popcount64(uint64_t x) { return __builtin_popcountll(x); }

OT_CLONES int ot_hamming256(const uint64_t *a, const uint64_t *b) { return d256(a, b); }

uint32_t ot_substring(const uint64_t *code, uint32_t offset, uint32_t length) {
    return substring(code, offset, length);
}

OT_CLONES void ot_distances256(const uint64_t *codes, size_t n, const uint64_t *query, uint16_t *out) {
    const uint64_t q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3];
    for (size_t i = 0; i < n; i++) {
        const uint64_t *c = codes + 4 * i;
        out[i] = (uint16_t)(__builtin_popcountll(c[0] ^ q0) + __builtin_popcountll(c[1] ^ q1)
                          + __builtin_popcountll(c[2] ^ q2) + __builtin_popcountll(c[3] ^ q3));
    }
}

OT_CLONES void ot_distances64(const uint64_t *codes, size_t n, uint64_t query, uint16_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = (uint16_t)__builtin_popcountll(codes[i] ^ query);
}

OT_CLONES size_t ot_scan_within256(const uint64_t *codes, size_t n, const uint64_t *query, int radius,
                                   uint32_t *out_index, uint16_t *out_distance, size_t capacity) {
    const uint64_t q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3];
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *c = codes + 4 * i;
        int d = __builtin_popcountll(c[0] ^ q0) + __builtin_popcountll(c[1] ^ q1)
              + __builtin_popcountll(c[2] ^ q2) + __builtin_popcountll(c[3] ^ q3);
        if (d <= radius) {
            if (found < capacity) { out_index[found] = (uint32_t)i; out_distance[found] = (uint16_t)d; }
            found++;
        }
    }
    return found;
}

OT_CLONES size_t ot_scan_within64(const uint64_t *codes, size_t n, uint64_t query, int radius,
                                  uint32_t *out_index, uint16_t *out_distance, size_t capacity) {
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        int d = __builtin_popcountll(codes[i] ^ query);
        if (d <= radius) {
            if (found < capacity) { out_index[found] = (uint32_t)i; out_distance[found] = (uint16_t)d; }
            found++;
        }
    }
    return found;
}

// The per-table search radius from Norouzi et al.'s refined pigeonhole: with r = s*m + a (0 <= a < m), a code
// within r of the query is within s of it on one of the first a+1 substrings or within s-1 on one of the rest.
OT_INLINE int table_radius(int radius, uint32_t m, uint32_t j) {
    int s = radius / (int)m, a = radius % (int)m;
    return (int)j <= a ? s : s - 1;
}

// Candidate verification: full distance, then report only from the first table whose pigeonhole radius the
// candidate meets, so a code found through several tables is reported once.
OT_INLINE void mih_verify(const ot_mih_tables *t, const uint64_t *query, int radius, uint32_t words, uint32_t j,
                          const uint32_t *cands, size_t ncand, uint32_t *out_index, uint16_t *out_distance,
                          size_t capacity, size_t *found) {
    const uint32_t m = t->tables;
    for (size_t c = 0; c < ncand; c++) {
        const uint32_t pos = cands[c];
        const uint64_t *code = t->codes + (size_t)pos * words;
        int d = (words == 4) ? d256(code, query) : __builtin_popcountll(code[0] ^ query[0]);
        if (d > radius) continue;
        int earlier = 0;
        for (uint32_t i = 0; i < j && !earlier; i++) {
            int ri = table_radius(radius, m, i);
            if (ri < 0) continue;
            uint32_t sk = substring(code, t->sub_offset[i], t->sub_length[i]);
            uint32_t qk = substring(query, t->sub_offset[i], t->sub_length[i]);
            if (__builtin_popcount(sk ^ qk) <= ri) earlier = 1;
        }
        if (earlier) continue;
        if (*found < capacity) { out_index[*found] = pos; out_distance[*found] = (uint16_t)d; }
        (*found)++;
    }
}

enum { OT_KEY_BATCH = 256, OT_CAND_BATCH = 1024 };

OT_INLINE size_t mih_search(const ot_mih_tables *t, const uint64_t *query, int radius, uint32_t words,
                            uint32_t *out_index, uint16_t *out_distance, size_t capacity, size_t *candidates) {
    size_t found = 0, visited = 0;
    const uint32_t m = t->tables;
    // The work is memory-bound (bucket offsets, entries and codes are random accesses into large arrays), so it
    // runs in batches: generate keys, prefetch their offsets, collect bucket ranges, prefetch the entries, gather
    // candidates, prefetch their codes, verify. This keeps many cache misses in flight at once.
    uint32_t keys[OT_KEY_BATCH], lo[OT_KEY_BATCH], hi[OT_KEY_BATCH];
    uint32_t cands[OT_CAND_BATCH];
    for (uint32_t j = 0; j < m; j++) {
        int rj = table_radius(radius, m, j);
        if (rj < 0) continue;
        const uint32_t len = t->sub_length[j];
        if (rj > (int)len) rj = (int)len;
        const uint32_t qkey = substring(query, t->sub_offset[j], len);
        const uint32_t *offs = t->bucket_offsets + t->bucket_base[j];
        const uint32_t *ents = t->entries + (size_t)j * t->count;
        const uint64_t limit = 1ull << len;
        int k = 0;
        uint64_t mask = 0;
        int done = 0;
        size_t ncand = 0;
        while (!done) {
            // Enumerate the next batch of keys at distance 0, 1, ..., rj (Gosper's hack within each distance).
            size_t nkeys = 0;
            while (nkeys < OT_KEY_BATCH && !done) {
                keys[nkeys++] = qkey ^ (uint32_t)mask;
                if (k == 0) {
                    if (rj == 0) { done = 1; break; }
                    k = 1; mask = 1;
                    continue;
                }
                const uint64_t low = mask & (~mask + 1), ripple = mask + low;
                mask = (((ripple ^ mask) >> 2) / low) | ripple;
                if (mask >= limit) {
                    if (k == rj) { done = 1; break; }
                    k++; mask = (1ull << k) - 1;
                }
            }
            for (size_t i = 0; i < nkeys; i++) __builtin_prefetch(offs + keys[i]);
            for (size_t i = 0; i < nkeys; i++) {
                lo[i] = offs[keys[i]]; hi[i] = offs[keys[i] + 1];
                if (hi[i] > lo[i]) __builtin_prefetch(ents + lo[i]);
            }
            for (size_t i = 0; i < nkeys; i++) {
                visited += hi[i] - lo[i];
                for (uint32_t e = lo[i]; e < hi[i]; e++) {
                    const uint32_t pos = ents[e];
                    __builtin_prefetch(t->codes + (size_t)pos * words);
                    cands[ncand++] = pos;
                    if (ncand == OT_CAND_BATCH) {
                        mih_verify(t, query, radius, words, j, cands, ncand, out_index, out_distance, capacity, &found);
                        ncand = 0;
                    }
                }
            }
        }
        mih_verify(t, query, radius, words, j, cands, ncand, out_index, out_distance, capacity, &found);
    }
    if (candidates) *candidates = visited;
    return found;
}

OT_CLONES size_t ot_mih_search(const ot_mih_tables *t, const uint64_t *query, int radius,
                               uint32_t *out_index, uint16_t *out_distance, size_t capacity, size_t *candidates) {
    // Separate instantiations so the word count is a compile-time constant in the hot loop.
    if (t->words == 4) return mih_search(t, query, radius, 4, out_index, out_distance, capacity, candidates);
    return mih_search(t, query, radius, 1, out_index, out_distance, capacity, candidates);
}
