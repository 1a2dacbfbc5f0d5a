#include "hamming_kernel.h"
int ot_popcount64(uint64_t x) { return __builtin_popcountll(x); }
