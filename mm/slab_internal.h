/* mm/slab_internal.h - private to the slab files (mm/slab.c, mm/kmalloc.c, mm/slab_debug.c,
 * mm/show.c): object addressing, the hardened free pointer, a slab's counters word, the fast
 * paths that kmalloc.c and slab.c both inline, and the entry points between the files.
 *
 * Who calls whom (one way, no circle):
 *   kmalloc.c -> slab.c -> slab_debug.c;  show.c -> slab.c (reads caches)
 * slab_debug.c uses only the inline helpers below and names nothing defined in slab.c or
 * kmalloc.c; slab.c and kmalloc.c call its debug entry points (bottom of this file). */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include "mm/slab.h"
#include "mm/zone.h"
#include "mm/internal.h"
#include "mm/fault_inject.h"

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

/* Address of the first byte of slab, a slab of s (on s->node). */
static inline char *slab_base(const struct kmem_cache *s, const struct page *slab)
{
	const struct mm_node *n = s->node;
	return (char *)(n->virt_base + ((uintptr_t)(slab - n->vmemmap) << PAGE_SHIFT));
}

static inline void *idx_to_obj(const struct kmem_cache *s, const struct page *slab, unsigned int i)
{
	return slab_base(s, slab) + (size_t)i * s->size + s->red_left_pad;
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
	unsigned long off = (unsigned long)((const char *)obj - slab_base(s, slab) - s->red_left_pad);
	return (unsigned int)((off * s->reciprocal_size) >> 32);
}

/* Is p the address of an object of slab (any state)? */
static inline bool is_object_start(const struct kmem_cache *s, const struct page *slab,
				   const void *p)
{
	unsigned long off = (unsigned long)((const char *)p - slab_base(s, slab) - s->red_left_pad);
	return off < (unsigned long)s->objects * s->size && is_multiple(s, off);
}

/* The head page (slab or large kmalloc) of the frame under p, or NULL when p is not in the RAM
 * of the node m maps (node_pfn_valid() and the descriptor's PG_tail link). Below
 * m->dense_pfns every frame has a descriptor: one comparison (an unsigned one, so a pointer
 * below the node fails it too) stands for the range and bitmap tests. */
static __attribute__((always_inline)) inline struct page *
head_page_map(const struct kmalloc_node_map *m, const void *p)
{
	unsigned long pfn = ((uintptr_t)p - m->virt_base) >> PAGE_SHIFT;

	if (unlikely(pfn >= m->dense_pfns)) {
		unsigned long sec = pfn >> SECTION_SHIFT;
		if (pfn >= m->max_pfn || !((m->sections[sec / 64] >> (sec % 64)) & 1))
			return NULL;
	}
	struct page *page = m->vmemmap + pfn;
	if (page->flags & PG_tail)
		page = (struct page *)page->private;
	return page;
}

/* The same for node n. */
static __attribute__((always_inline)) inline struct page *head_page(const struct mm_node *n,
								   const void *p)
{
	const struct kmalloc_node_map m = { n->vmemmap, n->virt_base, n->max_pfn, n->sections, 0 };
	return head_page_map(&m, p);
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

/* ---- a slab's counters word (struct slab_counters, mm/page.h) ---- */

union counters {
	u32 word;
	struct slab_counters c;
};
_Static_assert(sizeof(union counters) == 4, "one 32-bit word");

static inline union counters read_counters(const struct page *slab)
{
	union counters v;
	v.word = __atomic_load_n(&slab->counters, __ATOMIC_ACQUIRE);
	return v;
}

/* Replace *old by new if the word still holds *old; else *old is what it holds now. */
static inline bool cas_counters(struct page *slab, union counters *old, union counters new)
{
	return __atomic_compare_exchange_n(&slab->counters, &old->word, new.word, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* ---- mm/slab.c: the cache core, for kmalloc.c and show.c ---- */

extern struct list_head slab_caches;	/* every cache of every context */
extern spinlock_t slab_caches_lock;
extern unsigned int slab_nr_cpus;	/* entries of every cache's cpu[] (kmem_cache_init) */

_Static_assert(sizeof(struct kmem_cache_cpu) == PERCPU_LINE, "this_cpu() scales by one line");

/* This CPU's freelist of s for the running context (process or hardirq, lib/percpu.h). */
static __attribute__((always_inline)) inline struct kmem_cache_cpu *this_cpu(struct kmem_cache *s)
{
	return this_ctx_elem(s->cpu);
}

/* Entries of s->cpu[]; is c a hardirq-context entry? */
static inline unsigned int cache_nr_slots(const struct kmem_cache *s)
{
	return s->nr_cpus * PERCPU_CTX_LINES;
}

static inline bool cpu_slot_hardirq(const struct kmem_cache *s, const struct kmem_cache_cpu *c)
{
	return (unsigned int)(c - s->cpu) % PERCPU_CTX_LINES != 0;
}

/* Set the slab layer up (the list of caches, the CPU count, the hardening seed). */
void slab_core_init(u64 seed, unsigned int nr_cpus);
/* Fill in the geometry of s (object layout, stride, order; mm/slab_geometry.c) for objects of
 * size bytes aligned to align with flags (SLAB_*); false when the object cannot be served. */
bool cache_geometry(struct kmem_cache *s, unsigned int size, unsigned int align, unsigned int flags);
/* Bytes of a struct kmem_cache with its cpu[]. */
size_t kmem_cache_bytes(void);
/* Make s (kmem_cache_bytes() of storage) a cache of node n and list it; false (s unlisted)
 * when the geometry cannot be served. */
bool cache_setup(struct kmem_cache *s, struct mm_node *n, const char *name, unsigned int size,
		 unsigned int align, unsigned int flags, void (*ctor)(void *));
/* mm/slab.c's slab moves for mm/slab_shrink.c: give CPU entry c's active slab back to its
 * list (c is this CPU's in this context, or one no CPU uses any more); give every empty slab
 * on the partial list of s back to the page allocator (returns pages freed). */
void deactivate_slab(struct kmem_cache *s, struct kmem_cache_cpu *c);
unsigned long discard_empty_partials(struct kmem_cache *s);
/* Give every CPU's active slab and every empty slab of s back (no CPU may use s any more);
 * returns the slabs s still holds (live objects). */
unsigned long cache_drain(struct kmem_cache *s);
/* cache_drain(s); then, if s has no slab left, unlist it and return 0; else report (as the
 * caller's) and return -1. */
int cache_release(struct kmem_cache *s, unsigned long caller);
/* General paths: pop an object (refill, debugging, zeroing); free obj, an object start of
 * slab, a slab of s. */
void *slab_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller);
void slab_free(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* In mm/slab_debug.c, for every cache: validate a pointer to free to s (its slab, or NULL
 * after a report); report misuse of the slab API on node n (s NULL: kmalloc) with the
 * caller's address. */
struct page *check_object_in(struct kmem_cache *s, struct page *slab, const void *obj,
			     unsigned long caller);
void slab_misuse(struct mm_node *n, struct kmem_cache *s, const void *obj, const char *what,
		 unsigned long caller);
/* __GFP_DMA32 asked of the slab layer on node n: reported (counted), the flag dropped. */
gfp_t kmalloc_fix_flags(struct mm_node *n, gfp_t gfp, unsigned long caller);
/* Free obj of a non-active slab under list_lock, moving the slab (free_other_fast's slow side). */
void slab_free_other(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* Is obj (an object start of slab, a slab of s) on a freelist already? (See mm/slab.c.) */
bool object_is_free(struct kmem_cache *s, struct page *slab, const void *obj);

/* object_is_free() of a cache without debugging: is obj the head of the CPU's freelist (slab
 * active here) or of slab's own freelist? The double-free check of the fast paths. */
static inline bool object_at_head(struct kmem_cache *s, const struct page *slab, const void *obj)
{
	struct kmem_cache_cpu *c = this_ctx_elem(s->cpu);

	if (slab == c->slab && obj == c->freelist)
		return true;
	return read_counters(slab).c.freelist == obj_to_idx(s, slab, obj);
}
/* Objects of s not allocated (exact when no other CPU allocates from s). */
unsigned long cache_free_objects(struct kmem_cache *s);

/* ---- fast paths: the CPU's freelist only (inlined by slab.c and kmalloc.c) ---- */

/* Pop the CPU freelist of a cache without debugging; NULL when the list is empty or the cache
 * debugs. The callers zero for __GFP_ZERO with `return memset(...)`, a tail call, so the fast
 * paths call nothing and need no stack frame. */
static __attribute__((always_inline)) inline void *alloc_fast(struct kmem_cache *s)
{
	struct kmem_cache_cpu *c = this_cpu(s);
	void *obj = c->freelist;

	/* One test covers an empty list (NULL), a debug cache (limit 0) and a corrupted free
	 * pointer (outside the active slab): slab_alloc() sorts them out and reports. */
	if (unlikely((uintptr_t)obj - (uintptr_t)c->base >= c->limit || fault_inject_active))
		return NULL;
	if (!obj)
		__builtin_unreachable();	/* obj >= base > 0: tells the callers' NULL tests */
	c->freelist = get_freepointer(s, obj);
	c->last = obj;
	return obj;
}

/* Push obj on the CPU freelist if it is an object start of the CPU's active slab of s (found by
 * address alone: c->limit is 0 without an active slab and for debug caches) and is not the
 * freelist head (double free). The object test is is_multiple(), a multiplication. */
static __attribute__((always_inline)) inline bool free_fast(struct kmem_cache *s, const void *obj)
{
	struct kmem_cache_cpu *c = this_cpu(s);
	unsigned long off = (unsigned long)((const char *)obj - c->base);
	void *head = c->freelist;

	if (unlikely(off >= c->limit || !is_multiple(s, off) || obj == head))
		return false;
	set_freepointer(s, (void *)obj, head);
	c->freelist = (void *)obj;
	return true;
}

/* Push obj on the own freelist of slab, a slab of s that is not this CPU's active one (a
 * partial or full slab, or another CPU's active slab), when nothing is unusual: no debugging,
 * an object start, not the freelist head, objects in use. Lock-free unless the slab must move
 * (a non-frozen slab that was full or becomes empty): then slab_free_other() under list_lock.
 * false: let the general path decide and report. The counters word is read by hand (the
 * bit-fields cost instructions here), through the SLAB_CTR_* masks of mm/page.h. */
/* Is obj an object start of its slab, in a cache without debugging (fast_span is 0 for a debug
 * cache, which has red zones)? Slabs are naturally aligned, so obj & slab_mask is its offset;
 * *prod = offset * reciprocal_size: is_multiple() and, in its high half, obj_to_idx() at once. */
static __attribute__((always_inline)) inline bool object_start_fast(const struct kmem_cache *s,
								    const void *obj, u64 *prod)
{
	unsigned long off = (uintptr_t)obj & s->slab_mask;

	*prod = off * s->reciprocal_size;
	return off < s->fast_span && (u32)*prod < s->reciprocal_size;
}

static __attribute__((always_inline)) inline bool free_other_fast(struct kmem_cache *s,
								  struct page *slab, void *obj)
{
	u64 prod;

	if (unlikely(!object_start_fast(s, obj, &prod)))
		return false;
	char *base = (char *)obj - ((uintptr_t)obj & s->slab_mask);
	u32 idx = (u32)(prod >> 32);
	u32 old = __atomic_load_n(&slab->counters, __ATOMIC_ACQUIRE), now;
	do {	/* low = frozen | inuse */
		u32 head = old >> SLAB_CTR_FREELIST_SHIFT, low = old & SLAB_CTR_LOW_MASK;
		if (unlikely(idx == head))
			return false;			/* double free */
		if (likely(!(old & SLAB_CTR_FROZEN))) {
			if (unlikely(low <= 1 || head == SLAB_FREELIST_END)) {
				if (low == 0)
					return false;	/* double free */
				slab_free_other(s, slab, obj, _RET_IP_);	/* moves */
				return true;
			}
		} else if (unlikely(low == SLAB_CTR_FROZEN)) {
			return false;			/* frozen, nothing in use */
		}
		set_freepointer(s, obj, head != SLAB_FREELIST_END ? base + (size_t)head * s->size : NULL);
		now = (idx << SLAB_CTR_FREELIST_SHIFT) + low - 1;	/* inuse >= 1: no borrow
									 * into frozen */
	} while (unlikely(!__atomic_compare_exchange_n(&slab->counters, &old, now, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)));
	return true;
}

/* ---- mm/slab_debug.c: the debug entry points (it calls none of the above files) ---- */

/* Held around every alloc and free of a debug cache (mm/slab.c "Locking"). */
extern spinlock_t slab_debug_lock;

/* Debug flags slub_debug= asks for on a cache of this name. */
unsigned int slub_debug_flags_for(const char *name);
/* Lay out red zones, poison and tracking for a fresh object of a new slab. */
void debug_init_object(struct kmem_cache *s, void *obj);
/* Under slab_debug_lock, checks before obj (just taken off a freelist) is handed out. false: it
 * was found corrupted, reported and isolated; the caller takes another object. */
bool debug_alloc_locked(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* Under slab_debug_lock, checks before obj is freed. false: the free is refused (reported;
 * obj isolated if corrupt). */
bool debug_free_locked(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller);
/* Report that free object obj of slab (any cache) held free pointer next, which is not an
 * object of slab; the caller cuts the freelist there. */
void freepointer_corrupt(struct kmem_cache *s, struct page *slab, void *obj, void *next,
			 unsigned long caller);
/* Under slab_debug_lock: is obj on a freelist of slab (its own, or a CPU's)? */
bool debug_object_free_locked(struct kmem_cache *s, struct page *slab, const void *obj);
/* A live kmalloc object of s (kmalloc_redzone(s)) gets requested size size: at allocation
 * (caller 0), or when krealloc/ksize resize it in place (caller: after checking the red zone
 * beyond the old size, reported as the caller's). Returns the old requested size. */
size_t debug_kmalloc_size(struct kmem_cache *s, void *obj, unsigned long caller, size_t size,
			  gfp_t gfp);
/* Take one object of s off the isolation table, re-initialised as an allocated object (the
 * caller frees it); NULL when none is left. */
void *debug_take_isolated(struct kmem_cache *s);

#endif
