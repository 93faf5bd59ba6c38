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
	return (char *)(contig_node.virt_base +
			((uintptr_t)(slab - contig_node.vmemmap) << PAGE_SHIFT));
}

static inline void *idx_to_obj(const struct kmem_cache *s, const struct page *slab, unsigned int i)
{
	return slab_base(slab) + (size_t)i * s->size + s->red_left_pad;
}

/* off is a multiple of size exactly when the low 32 bits of off * (2^32 / size + 1) are below
 * that factor; valid for off below 2^15 (a slab) as size <= 2^15 keeps the factor >= 2^17. */
static inline bool is_multiple(const struct kmem_cache *s, unsigned long off)
{
	return (u32)(off * s->reciprocal_size) < s->reciprocal_size;
}

/* Index of the object at obj (an object start): the same reciprocal, without a division. */
static inline unsigned int obj_to_idx(const struct kmem_cache *s, const struct page *slab,
				      const void *obj)
{
	unsigned long off = (unsigned long)((const char *)obj - slab_base(slab) - s->red_left_pad);
	return (unsigned int)((off * s->reciprocal_size) >> 32);
}

/* Is p the address of an object of slab (any state)? */
static inline bool is_object_start(const struct kmem_cache *s, const struct page *slab,
				   const void *p)
{
	unsigned long off = (unsigned long)((const char *)p - slab_base(slab) - s->red_left_pad);
	return off < (unsigned long)s->objects * s->size && is_multiple(s, off);
}

/* The head page (slab or large kmalloc) of the frame under p, or NULL when p is not in RAM. */
static inline struct page *head_page(const void *p)
{
	const struct mm_node *n = &contig_node;
	unsigned long pfn = ((uintptr_t)p - n->virt_base) >> PAGE_SHIFT;

	if (unlikely(!node_pfn_valid(n, pfn)))
		return NULL;
	struct page *page = n->vmemmap + pfn;
	if (page->flags & PG_tail)
		page = (struct page *)page->private;
	return page;
}

/* The slab page under p when p is in RAM and on a slab page, else NULL: no reports. */
static __attribute__((always_inline)) inline struct page *slab_page_fast(const void *p)
{
	struct page *page = head_page(p);
	return likely(page && (page->flags & PG_slab)) ? page : NULL;
}

/* The free pointer of free object obj of slab, or NULL when there is none or when it is
 * corrupt (not an object of slab): for walks that must not follow a bad pointer. */
static inline void *next_free_or_null(const struct kmem_cache *s, const struct page *slab,
				      void *obj)
{
	void *next = get_freepointer(s, obj);
	return is_object_start(s, slab, next) ? next : NULL;
}

/* What a kmalloc cache with red zones keeps per object (mm/slab.h, object layout). */
struct kmalloc_meta {
	u32 size;			/* bytes requested; [size, object_size) is red zone */
	u32 zeroed;			/* __GFP_ZERO: ksize() hands out zeroes beyond size */
};

static inline bool kmalloc_redzone(const struct kmem_cache *s)
{
	return unlikely((s->flags & (SLAB_KMALLOC | SLAB_RED_ZONE)) ==
			(SLAB_KMALLOC | SLAB_RED_ZONE));
}

static inline struct kmalloc_meta *kmalloc_meta(const struct kmem_cache *s, void *obj)
{
	unsigned int off = s->track_offset ? s->track_offset + 2 * sizeof(struct slab_track)
					   : s->offset + 8;	/* red zone: offset = inuse */
	return (struct kmalloc_meta *)((char *)obj + off);
}

/* mm/slab_debug.c */

/* Held around every alloc and free of a debug cache (mm/slab.c "Locking"). */
extern spinlock_t slab_debug_lock;
extern unsigned int slab_nr_cpus;	/* entries of every cache's cpu[] (kmem_cache_init) */

/* Debug flags slub_debug= asks for on a cache of this name. */
unsigned int slub_debug_flags_for(const char *name);
/* Lay out red zones, poison and tracking for a fresh object of a new slab. */
void debug_init_object(struct kmem_cache *s, void *obj);
/* Checks before obj (just taken off a freelist) is handed out. false: it was found corrupted,
 * reported and isolated; the caller takes another object. */
bool debug_alloc(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* Checks before obj is freed. false: the free is refused (reported; obj isolated if corrupt). */
bool debug_free(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* Report that free object obj of slab (any cache) held free pointer next, which is not an
 * object of slab; the caller cuts the freelist there. */
void freepointer_corrupt(struct kmem_cache *s, struct page *slab, void *obj, void *next,
			 unsigned long caller);
/* Under slab_debug_lock: is obj on a freelist of slab (its own, or a CPU's)? */
bool debug_object_free(struct kmem_cache *s, struct page *slab, const void *obj);
/* A live kmalloc object of s (kmalloc_redzone(s)) gets requested size size: at allocation
 * (caller 0), or when krealloc/ksize resize it in place (caller: after checking the red zone
 * beyond the old size, reported as the caller's). Returns the old requested size. */
size_t debug_kmalloc_size(struct kmem_cache *s, void *obj, unsigned long caller, size_t size,
			  gfp_t gfp);

#endif
