/* lib/prandom.h - a small deterministic pseudo-random generator (xorshift64*) for tests. */
#ifndef LIB_PRANDOM_H
#define LIB_PRANDOM_H

#include "lib/types.h"

struct prandom {
	u64 state;
};

static inline void prandom_seed(struct prandom *r, u64 seed)
{
	r->state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static inline u64 prandom_u64(struct prandom *r)
{
	u64 x = r->state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant for tests). */
static inline u64 prandom_below(struct prandom *r, u64 n)
{
	return prandom_u64(r) % n;
}

#endif
