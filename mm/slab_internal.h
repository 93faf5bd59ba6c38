/* mm/slab_internal.h - private to mm/slab.c and mm/slab_debug.c: object addressing, the
 * hardened free pointer, and the debug hooks (which stay out of the fast paths unless a cache
 * has a debug flag). */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include "mm/slab.h"
#include "mm/zone.h"
#include "mm/internal.h"

static inline bool kmem_cache_debug(const struct kmem_cache *s)
{
	return unlikely(s->flags & SLAB_DEBUG_FLAGS);
}

static inline u64 ptr_mask(const struct kmem_cache *s, const void *slot)
{
	return s->random ^ __builtin_bswap64((u64)(uintptr_t)slot);
}

/* The next free object after obj (decoded). */
static inline void *get_freepointer(const struct kmem_cache *s, void *obj)
{
	u64 *slot = (u64 *)((char *)obj + s->offset);
	return (void *)(uintptr_t)(*slot ^ ptr_mask(s, slot));
}

static inline void set_freepointer(const struct kmem_cache *s, void *obj, void *next)
{
	u64 *slot = (u64 *)((char *)obj + s->offset);
	*slot = (u64)(uintptr_t)next ^ ptr_mask(s, slot);
}

static inline char *slab_base(const struct page *slab)
{
	return node_page_address(&contig_node, slab);
}

static inline void *idx_to_obj(const struct kmem_cache *s, const struct page *slab, unsigned int i)
{
	return slab_base(slab) + (size_t)i * s->size + s->red_left_pad;
}

static inline unsigned int obj_to_idx(const struct kmem_cache *s, const struct page *slab,
				      const void *obj)
{
	return (unsigned int)(((const char *)obj - slab_base(slab) - s->red_left_pad) / s->size);
}

/* Is p the address of an object of slab (any state)? */
static inline bool is_object_start(const struct kmem_cache *s, const struct page *slab,
				   const void *p)
{
	const char *base = slab_base(slab) + s->red_left_pad;
	if ((const char *)p < base)
		return false;
	size_t off = (size_t)((const char *)p - base);
	return off % s->size == 0 && off / s->size < s->objects;
}

/* mm/slab_debug.c */

/* Debug flags slub_debug= asks for on a cache of this name. */
unsigned int slub_debug_flags_for(const char *name);
/* Lay out red zones, poison and tracking for a fresh object of a new slab. */
void debug_init_object(struct kmem_cache *s, void *obj);
/* Checks before obj (just taken off a freelist) is handed out. false: it was found corrupted,
 * reported and isolated; the caller takes another object. */
bool debug_alloc(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* Checks before obj is freed. false: the free is refused (reported; obj isolated if corrupt). */
bool debug_free(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* Is next a plausible free pointer out of a free object of slab (NULL or an object start)? */
bool debug_freepointer_ok(struct kmem_cache *s, struct page *slab, void *obj, void *next,
			  unsigned long caller);

#endif
