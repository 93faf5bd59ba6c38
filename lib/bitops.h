/* lib/bitops.h - bit helpers. */
#ifndef LIB_BITOPS_H
#define LIB_BITOPS_H

#include "lib/types.h"

/* Index of the lowest set bit of x; x must not be 0. */
static inline unsigned int __ffs64(u64 x) { return (unsigned int)__builtin_ctzll(x); }
/* Index of the highest set bit of x; x must not be 0. */
static inline unsigned int __fls64(u64 x) { return 63 - (unsigned int)__builtin_clzll(x); }
static inline bool is_power_of_2(u64 x) { return x && !(x & (x - 1)); }

/* Smallest order such that (1 << order) pages hold size bytes; size 0 gives 0. */
static inline unsigned int get_order(u64 size)
{
	if (size <= PAGE_SIZE)
		return 0;
	return __fls64((size - 1) >> PAGE_SHIFT) + 1;
}

static inline bool test_bit(u64 nr, const u64 *map) { return (map[nr / 64] >> (nr % 64)) & 1; }
static inline void set_bit(u64 nr, u64 *map) { map[nr / 64] |= 1ULL << (nr % 64); }
static inline void clear_bit(u64 nr, u64 *map) { map[nr / 64] &= ~(1ULL << (nr % 64)); }

#endif
