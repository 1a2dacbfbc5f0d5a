#ifndef OBJTRACE_HAMMING_KERNEL_H
#define OBJTRACE_HAMMING_KERNEL_H
// Hamming-distance kernels for 256-bit (4 x uint64) and 64-bit binary codes.
//
// Every exported scan is compiled several times (target_clones: x86-64-v3, popcnt, default) and picked at load
// time by an ifunc resolver, so the hardware POPCNT path is used where the CPU has it without any compiler flags
// on the package. Codes are stored contiguously: a 256-bit code is 4 consecutive uint64 words.
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Popcount of one 64-bit word (kept for callers that need a single word).
int ot_popcount64(uint64_t x);

/// Hamming distance between two 256-bit codes (4 words each).
int ot_hamming256(const uint64_t *a, const uint64_t *b);

/// Distances of n contiguous 256-bit codes to a query, written to out[0..<n].
void ot_distances256(const uint64_t *codes, size_t n, const uint64_t *query, uint16_t *out);

/// Distances of n contiguous 64-bit codes to a query, written to out[0..<n].
void ot_distances64(const uint64_t *codes, size_t n, uint64_t query, uint16_t *out);

/// Scans n 256-bit codes; for each code within `radius` of the query, writes its index and distance while fewer
/// than `capacity` have been written. Returns the total number of codes within the radius (may exceed capacity,
/// in which case the caller retries with a larger buffer).
size_t ot_scan_within256(const uint64_t *codes, size_t n, const uint64_t *query, int radius,
                         uint32_t *out_index, uint16_t *out_distance, size_t capacity);

/// Same as ot_scan_within256 for n 64-bit codes.
size_t ot_scan_within64(const uint64_t *codes, size_t n, uint64_t query, int radius,
                        uint32_t *out_index, uint16_t *out_distance, size_t capacity);

/// A multi-index-hashing table set over codes of `words` 64-bit words (1 or 4), laid out by the Swift side.
///
/// Table j covers bits [sub_offset[j], sub_offset[j] + sub_length[j]) of the code (bit i of the code is bit
/// i % 64 of word i / 64), sub_length[j] <= 24. Its buckets are direct-addressed: the positions whose substring
/// equals key are entries[entry_base[j] + bucket_offsets[bucket_base[j] + key] ..< ... + key + 1].
typedef struct {
    const uint64_t *codes;          // indexed codes, `words` words each
    size_t count;                   // number of indexed codes
    uint32_t words;                 // 1 or 4
    uint32_t tables;                // m
    const uint32_t *sub_offset;     // [m]
    const uint32_t *sub_length;     // [m]
    const uint32_t *bucket_offsets; // concatenated, table j has 2^sub_length[j] + 1 entries
    const size_t *bucket_base;      // [m] start of table j in bucket_offsets
    const uint32_t *entries;        // m * count positions
} ot_mih_tables;

/// Exact radius search through the multi-index tables: enumerates, per table, every substring key within the
/// pigeonhole radius of the query's substring, verifies each candidate with the full distance, and reports each
/// position within `radius` exactly once. Same output protocol as ot_scan_within256. `candidates`, if non-null,
/// receives the number of bucket entries visited (for cost accounting).
size_t ot_mih_search(const ot_mih_tables *t, const uint64_t *query, int radius,
                     uint32_t *out_index, uint16_t *out_distance, size_t capacity, size_t *candidates);

/// Extracts the substring key of a code: `length` (<= 32) bits starting at bit `offset`.
uint32_t ot_substring(const uint64_t *code, uint32_t offset, uint32_t length);

#ifdef __cplusplus
}
#endif
#endif
