#ifndef OBJTRACE_HAMMING_KERNEL_H
#define OBJTRACE_HAMMING_KERNEL_H
#include <stdint.h>
#include <stddef.h>
/// Placeholder until the Matching work lands: popcount of a 64-bit word.
int ot_popcount64(uint64_t x);
#endif
