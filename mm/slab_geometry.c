/* mm/slab_geometry.c - the shape of a slab cache: where each object's parts sit (the layout
 * in mm/slab.h: red zones, free pointer, tracks, kmalloc's requested size), the stride, and
 * the slab order. A leaf: it only fills in struct kmem_cache (mm/slab.c's cache_setup() calls
 * it) and calls nothing in the other slab files.
 *
 * The order is the smallest (up to SLUB_MAX_ORDER) that holds SLUB_MIN_OBJECTS objects while
 * leaving at most 1/16 of the slab unused, relaxed step by step (up to 1/4 unused, then half
 * as many objects) for the sizes that allow no such slab, as Linux's calculate_order() does. */
#include "mm/slab_internal.h"
#include "lib/bitops.h"

#define SLUB_MAX_ORDER   3
#define SLUB_MIN_OBJECTS 8
#define CACHE_LINE       64

/* Smallest order (<= SLUB_MAX_ORDER) with at least min_objects objects and at most 1/fraction
 * of the slab unused; 0 with *ok false when none. */
static unsigned int try_order(unsigned int size, unsigned int min_objects, unsigned int fraction,
			      bool *ok)
{
	for (unsigned int order = 0; order <= SLUB_MAX_ORDER; order++) {
		unsigned long slab = PAGE_SIZE << order, objects = slab / size;
		if (objects >= min_objects && (slab - objects * size) * fraction <= slab) {
			*ok = true;
			return order;
		}
	}
	*ok = false;
	return 0;
}

static unsigned int calculate_order(unsigned int size)
{
	bool ok;
	for (unsigned int min = SLUB_MIN_OBJECTS; min >= 1; min /= 2)
		for (unsigned int fraction = 16; fraction >= 4; fraction /= 2) {
			unsigned int order = try_order(size, min, fraction, &ok);
			if (ok)
				return order;
		}
	return get_order(size);
}

/* Fill in the geometry of s (layout in mm/slab.h); false when the object cannot be served. */
bool cache_geometry(struct kmem_cache *s, unsigned int size, unsigned int align, unsigned int flags)
{
	/* A slab is at most PAGE_SIZE << SLUB_MAX_ORDER; so is any alignment we can honour
	 * (larger ones also overflowed the unsigned arithmetic below: found by fuzzing). */
	if (size == 0 || size > (PAGE_SIZE << SLUB_MAX_ORDER) || (align & (align - 1)) ||
	    align > (PAGE_SIZE << SLUB_MAX_ORDER))
		return false;
	align = MAX(align, 8u);
	if ((flags & SLAB_HWCACHE_ALIGN) && size > CACHE_LINE / 2)
		align = MAX(align, (unsigned int)CACHE_LINE);
	if (s->ctor)
		flags &= ~SLAB_POISON;		/* poison would destroy the constructed state */
	s->object_size = size;
	s->align = align;
	s->flags = flags;
	s->inuse = ALIGN_UP(size, 8u);
	if ((flags & SLAB_RED_ZONE) && s->inuse == size)
		s->inuse += 8;			/* at least 8 bytes of right red zone */
	s->red_left_pad = (flags & SLAB_RED_ZONE) ? ALIGN_UP(8u, align) : 0;
	/* The free pointer sits mid-object (small overflows miss it), or after the object when
	 * the object's bytes must stay as they are while it is free. */
	unsigned int meta = MAX(s->inuse, 8u);
	if (s->ctor || (flags & (SLAB_POISON | SLAB_RED_ZONE))) {
		s->offset = s->inuse;
		meta = s->inuse + 8;
	} else {
		s->offset = ALIGN_DOWN(s->inuse / 2, 8u);
	}
	s->track_offset = 0;
	if (flags & SLAB_STORE_USER) {
		s->track_offset = meta;
		meta += 2 * sizeof(struct slab_track);
	}
	if (kmalloc_redzone(s))
		meta += sizeof(struct kmalloc_meta);	/* kmalloc_meta() finds it */
	unsigned long stride = ALIGN_UP((unsigned long)s->red_left_pad + meta, (unsigned long)align);
	if (stride > (PAGE_SIZE << SLUB_MAX_ORDER))
		return false;			/* metadata and padding do not fit a slab */
	s->size = (unsigned int)stride;
	s->order = calculate_order(s->size);
	s->objects = (unsigned int)((PAGE_SIZE << s->order) / s->size);
	s->span = (unsigned long)s->objects * s->size;
	s->slab_mask = (PAGE_SIZE << s->order) - 1;
	s->fast_span = (flags & SLAB_DEBUG_FLAGS) ? 0 : s->span;
	s->reciprocal_size = (u32)((1ULL << 32) / s->size + 1);
	unsigned int lg = __fls64(s->size);
	s->min_partial = MIN(MAX(lg / 2, 5u), 10u);
	s->cpu_partial = s->fast_span ? MAX((unsigned long)SLAB_CPU_PARTIAL_PAGES >> s->order, 1UL) : 0;
	return s->objects > 0 && s->objects <= SLAB_MAX_OBJECTS;
}
