/* mm/slab.c - a SLUB-like slab allocator over the buddy allocator.
 *
 * Design (after Linux's SLUB). A slab is one block of 2^order pages holding `objects` objects
 * of `size` bytes; the order is the smallest (up to 3) that leaves at most 1/16 of the slab
 * unused while holding a useful number of objects. There is no per-object header: a free object
 * holds, at s->offset, the pointer to the next free object, stored hardened as
 * ptr ^ s->random ^ bswap(address of the pointer) (CONFIG_SLAB_FREELIST_HARDENED). The slab's
 * own state lives in the struct page of its first frame: PG_slab, private = its cache,
 * slab.inuse and slab.freelist (index of the first free object); the other frames carry PG_tail
 * and point at the first, so kfree() finds the cache from the address alone.
 *
 * Slab states:
 *   frozen   the active slab of a CPU (PG_frozen): its free objects are on that CPU's freelist,
 *            inuse == objects; objects freed by another CPU go to slab.freelist.
 *   partial  some objects free: on s->partial (a small number of empty ones too, min_partial).
 *   full     every object allocated: on no list (found again when an object is freed).
 *   empty    beyond min_partial, or at shrink/destroy: its pages go back to the buddy.
 *
 * Fast paths (marked "fast paths" below) touch only the CPU's kmem_cache_cpu: alloc pops
 * cpu->freelist; a free whose address falls in the active slab's range (cpu->base, cpu->limit;
 * limit is 0 for debug caches) and is an object start (a multiplication by the reciprocal of
 * the size, no division) and not the freelist head (a double free) is pushed on it, with no
 * struct page lookup at all. kfree() first tries the active slab of the kmalloc cache this CPU
 * allocated from last (a per-CPU hint; kmalloc caches are never destroyed).
 * A free of an object of any other slab of the cache is pushed on slab.freelist inline, and
 * the slab moves between full, partial and empty only at those transitions.
 * Slow path (cpu->freelist empty): take what other CPUs freed to the active slab, else unfreeze
 * it and freeze the first partial slab, else a new slab from the page allocator. Everything
 * unusual (a bad pointer, a double free, debugging) goes to the out-of-line general paths,
 * which report misuse with the caller's address.
 *
 * Debugging (slub_debug=, mm/slab_debug.c): a cache with a debug flag takes the same paths plus
 * checks on every alloc and free: red zones around objects, poison in free objects, the last
 * alloc/free caller, a full check that a freed object is not already free; its full slabs are
 * kept on s->full so that every slab can be walked. A corrupted object is reported and isolated
 * (never handed out again); a bad free is reported and refused.
 *
 * Locking: one CPU with interrupts off, so nothing is taken yet. The per-CPU structure is
 * already separate so that the SMP issue adds a per-cache list_lock (protecting partial,
 * nr_partial and a slab's inuse/freelist when not frozen) and interrupt-disabled fast paths,
 * in the order slab_mutex -> list_lock -> zone lock.
 */
#include "mm/slab_internal.h"
#include "lib/bitops.h"
#include "mm/fault_inject.h"
#include "lib/string.h"

#define SLUB_MAX_ORDER   3
#define SLUB_MIN_OBJECTS 8
#define NR_KMALLOC       64
#define CACHE_LINE       64

static struct list_head slab_caches = LIST_HEAD_INIT(slab_caches);
static struct kmem_cache kmem_cache_boot;	/* the cache of struct kmem_cache */
static struct kmem_cache *kmalloc_caches[NR_KMALLOC];
/* Per CPU: the kmalloc cache this CPU allocated from last. kfree() tries its active slab
 * first, which finds the cache of a recently allocated object without a descriptor lookup
 * (kmalloc caches live forever, so the hint never dangles). */
static struct kmem_cache *kmalloc_last[NR_CPUS];
static struct kmem_cache *kmalloc_dma_caches[NR_KMALLOC];
static unsigned int kmalloc_sizes[NR_KMALLOC];
static char kmalloc_names[2][NR_KMALLOC][20];
static u8 size_index[KMALLOC_MAX_CACHE_SIZE / 8];	/* (size - 1) / 8 -> class */
static u64 slab_seed;

static inline struct kmem_cache_cpu *this_cpu(struct kmem_cache *s)
{
	return &s->cpu[0];	/* smp_processor_id() == 0 until the SMP issue */
}

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
static bool cache_geometry(struct kmem_cache *s, unsigned int size, unsigned int align,
			   unsigned int flags)
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
	unsigned long stride = ALIGN_UP((unsigned long)s->red_left_pad + meta, (unsigned long)align);
	if (stride > (PAGE_SIZE << SLUB_MAX_ORDER))
		return false;			/* metadata and padding do not fit a slab */
	s->size = (unsigned int)stride;
	s->order = calculate_order(s->size);
	s->objects = (unsigned int)((PAGE_SIZE << s->order) / s->size);
	s->reciprocal_size = (u32)((1ULL << 32) / s->size + 1);
	unsigned int lg = __fls64(s->size);
	s->min_partial = MIN(MAX(lg / 2, 5u), 10u);
	return s->objects > 0 && s->objects < SLAB_FREELIST_END;
}

static u64 splitmix64(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool cache_setup(struct kmem_cache *s, const char *name, unsigned int size,
			unsigned int align, unsigned int flags, void (*ctor)(void *))
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->ctor = ctor;
	if (!cache_geometry(s, size, align, flags | slub_debug_flags_for(name)))
		return false;
	s->random = splitmix64(&slab_seed);
	INIT_LIST_HEAD(&s->partial);
	INIT_LIST_HEAD(&s->full);
	list_add_tail(&s->list, &slab_caches);
	return true;
}

/* ---- slabs from and to the page allocator ---- */

static struct page *new_slab(struct kmem_cache *s, gfp_t gfp)
{
	if (s->flags & SLAB_CACHE_DMA)
		gfp |= __GFP_DMA;
	struct page *slab = node_alloc_pages(&contig_node, (gfp & ~__GFP_ZERO) | __GFP_NOWARN,
					     s->order);
	if (!slab)
		return NULL;
	for (unsigned long i = 1; i < (1UL << s->order); i++) {
		slab[i].flags |= PG_tail;
		slab[i].private = (unsigned long)slab;
	}
	slab->flags |= PG_slab;
	slab->private = (unsigned long)s;
	slab->slab.inuse = 0;
	slab->slab.freelist = 0;
	for (unsigned int i = 0; i < s->objects; i++) {
		void *obj = idx_to_obj(s, slab, i);
		if (kmem_cache_debug(s))
			debug_init_object(s, obj);
		if (s->ctor)
			s->ctor(obj);
		set_freepointer(s, obj, i + 1 < s->objects ? idx_to_obj(s, slab, i + 1) : NULL);
	}
	s->nr_slabs++;
	return slab;
}

static void discard_slab(struct kmem_cache *s, struct page *slab)
{
	for (unsigned long i = 1; i < (1UL << s->order); i++) {
		slab[i].flags &= (u16)~PG_tail;
		slab[i].private = 0;
	}
	slab->flags &= (u16)~(PG_slab | PG_frozen);
	slab->private = 0;
	slab->refcount = 1;		/* the union held slab counters */
	s->nr_slabs--;
	node_free_pages(&contig_node, slab, s->order);
}

/* Take the slab's whole freelist (for a CPU): returns its first object or NULL. */
static void *take_freelist(struct kmem_cache *s, struct page *slab)
{
	void *first = NULL;
	if (slab->slab.freelist != SLAB_FREELIST_END)
		first = idx_to_obj(s, slab, slab->slab.freelist);
	slab->slab.freelist = SLAB_FREELIST_END;
	slab->slab.inuse = (u16)s->objects;
	return first;
}

/* Push obj on a slab's own freelist (not frozen here, or frozen on another CPU). */
static void slab_push(struct kmem_cache *s, struct page *slab, void *obj)
{
	void *head = NULL;
	if (slab->slab.freelist != SLAB_FREELIST_END)
		head = idx_to_obj(s, slab, slab->slab.freelist);
	set_freepointer(s, obj, head);
	slab->slab.freelist = (u16)obj_to_idx(s, slab, obj);
	slab->slab.inuse--;
}

/* A slab left with no free object: unlisted, or on s->full for a debug cache. */
static void slab_now_full(struct kmem_cache *s, struct page *slab)
{
	if (kmem_cache_debug(s))
		list_add(&slab->lru, &s->full);
}

/* A non-frozen slab's inuse changed (listed: it was on the partial list): move it between
 * full, partial and empty. */
static void place_slab(struct kmem_cache *s, struct page *slab, bool listed)
{
	if (slab->slab.inuse == 0 && s->nr_partial >= s->min_partial) {
		if (listed) {
			list_del(&slab->lru);
			s->nr_partial--;
		}
		discard_slab(s, slab);
	} else if (!listed && slab->slab.freelist != SLAB_FREELIST_END) {
		list_add_tail(&slab->lru, &s->partial);
		s->nr_partial++;
	} else if (!listed) {
		slab_now_full(s, slab);
	}
}

/* Make slab the CPU's active slab (frozen), or clear it (slab NULL). A debug cache keeps
 * limit 0, so that no free takes the fast path that skips its checks. */
static void cpu_slab_set(struct kmem_cache *s, struct kmem_cache_cpu *c, struct page *slab)
{
	c->slab = slab;
	c->base = slab ? idx_to_obj(s, slab, 0) : NULL;
	c->limit = slab && !kmem_cache_debug(s) ? (unsigned long)s->objects * s->size : 0;
}

/* Give the CPU's active slab back: its CPU freelist returns to the slab's own freelist. */
static void deactivate_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *slab = c->slab;
	void *obj = c->freelist;

	if (!slab)
		return;
	while (obj) {
		void *next = get_freepointer(s, obj);
		slab_push(s, slab, obj);
		obj = next;
	}
	cpu_slab_set(s, c, NULL);
	c->freelist = NULL;
	slab->flags &= (u16)~PG_frozen;
	place_slab(s, slab, false);
}

/* ---- allocation ---- */

static void *slab_alloc_slow(struct kmem_cache *s, struct kmem_cache_cpu *c, gfp_t gfp)
{
	struct page *slab = c->slab;

	if (slab && slab->slab.freelist != SLAB_FREELIST_END) {
		c->freelist = take_freelist(s, slab);	/* objects other CPUs freed */
		return c->freelist;
	}
	if (slab) {					/* full: unfreeze it */
		slab->flags &= (u16)~PG_frozen;
		cpu_slab_set(s, c, NULL);
		slab_now_full(s, slab);
	}
	if (!list_empty(&s->partial)) {
		slab = list_first_entry(&s->partial, struct page, lru);
		list_del(&slab->lru);
		s->nr_partial--;
	} else if (!(slab = new_slab(s, gfp))) {
		return NULL;
	}
	slab->flags |= PG_frozen;
	cpu_slab_set(s, c, slab);
	c->freelist = take_freelist(s, slab);
	return c->freelist;
}

/* Pop the next object off the CPU freelist, refilling it by the slow path. */
static void *slab_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller)
{
	struct kmem_cache_cpu *c = this_cpu(s);
	void *obj;

	if (should_fail(&failslab))
		return NULL;

again:
	obj = c->freelist;
	if (unlikely(!obj)) {
		obj = slab_alloc_slow(s, c, gfp);
		if (!obj)
			return NULL;
	}
	void *next = get_freepointer(s, obj);
	if (kmem_cache_debug(s)) {
		if (!debug_freepointer_ok(s, c->slab, obj, next, caller))
			next = NULL;		/* the rest of the chain is not trusted */
		c->freelist = next;
		if (!debug_alloc(s, c->slab, obj, caller))
			goto again;
	} else {
		c->freelist = next;
	}
	if (unlikely(gfp & __GFP_ZERO))
		memset(obj, 0, s->object_size);
	return obj;
}

/* ---- fast paths: the CPU's freelist only ---- */

/* Pop the CPU freelist of a cache without debugging (zeroing the object for __GFP_ZERO);
 * NULL when the list is empty or the cache debugs. */
static __attribute__((always_inline)) inline void *alloc_fast(struct kmem_cache *s, gfp_t gfp)
{
	struct kmem_cache_cpu *c = this_cpu(s);
	void *obj = c->freelist;

	if (unlikely(!obj || (s->flags & SLAB_DEBUG_FLAGS) || fault_inject_active))
		return NULL;
	c->freelist = get_freepointer(s, obj);
	if (unlikely(gfp & __GFP_ZERO))
		memset(obj, 0, s->object_size);
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

/* Push obj on the own freelist of slab, a slab of s that is not the CPU's active one, when
 * nothing is unusual: no debugging, an object start, not the freelist head, objects in use,
 * not frozen. Moves the slab between lists only when it was full or becomes empty. */
static __attribute__((always_inline)) inline bool free_other_fast(struct kmem_cache *s,
								  struct page *slab, void *obj)
{
	char *base = slab_base(slab);
	unsigned long off = (unsigned long)((char *)obj - base);
	u16 head = slab->slab.freelist, inuse = slab->slab.inuse;
	u16 idx = (u16)((off * s->reciprocal_size) >> 32);

	if (unlikely((s->flags & SLAB_DEBUG_FLAGS) || off >= (unsigned long)s->objects * s->size ||
		     !is_multiple(s, off) || idx == head || inuse == 0 || (slab->flags & PG_frozen)))
		return false;
	set_freepointer(s, obj, head != SLAB_FREELIST_END ? base + (size_t)head * s->size : NULL);
	slab->slab.freelist = idx;
	slab->slab.inuse = --inuse;
	if (unlikely(inuse == 0 || head == SLAB_FREELIST_END))
		place_slab(s, slab, head != SLAB_FREELIST_END);
	return true;
}

/* The general allocation path (refill, debugging, zeroing), out of line. */
static __attribute__((noinline)) void *cache_alloc_slow(struct kmem_cache *s, gfp_t gfp,
							unsigned long caller)
{
	void *obj = slab_alloc(s, gfp, caller);
	if (!obj && !(gfp & __GFP_NOWARN) && !fault_inject_active)
		printk(KERN_WARNING "SLUB: unable to allocate from cache %s (caller %#lx)\n",
		       s->name, caller);
	return obj;
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	void *obj = alloc_fast(s, gfp);
	return likely(obj) ? obj : cache_alloc_slow(s, gfp, _RET_IP_);
}

void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	void *obj = slab_alloc(s, gfp | __GFP_ZERO, _RET_IP_);
	if (!obj && !(gfp & __GFP_NOWARN))
		printk(KERN_WARNING "SLUB: unable to allocate from cache %s (caller %#lx)\n",
		       s->name, _RET_IP_);
	return obj;
}

int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p)
{
	gfp_t take = gfp & ~__GFP_ZERO;	/* zero only once all n are had: a failure part-way
					 * must give back constructed objects (found by fuzzing) */
	for (size_t i = 0; i < n; i++) {
		p[i] = alloc_fast(s, take);
		if (unlikely(!p[i]))
			p[i] = slab_alloc(s, take, _RET_IP_);
		if (unlikely(!p[i])) {
			kmem_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	if (gfp & __GFP_ZERO)
		for (size_t i = 0; i < n; i++)
			memset(p[i], 0, s->object_size);
	return (int)n;
}

/* ---- free ---- */

/* Report misuse of the slab API with the caller's address; the object is not freed. */
static void slab_misuse(struct kmem_cache *s, const void *obj, const char *what, unsigned long caller)
{
	if (s)
		s->nr_bad++;
	contig_node.nr_bad++;
	printk(KERN_ERR "BUG %s: %s: object %p (caller %#lx)\n", s ? s->name : "kmalloc", what,
	       obj, caller);
}

/* The slab of obj if obj is an object start of cache s (NULL after a report otherwise). */
static struct page *check_object_in(struct kmem_cache *s, struct page *slab, const void *obj,
				    unsigned long caller)
{
	if (!slab || !PageSlab(slab)) {
		slab_misuse(s, obj, "free of a pointer that is not a slab object", caller);
		return NULL;
	}
	if ((struct kmem_cache *)slab->private != s) {
		slab_misuse(s, obj, "free to the wrong cache", caller);
		return NULL;
	}
	if (!is_object_start(s, slab, obj)) {
		slab_misuse(s, obj, "free of a pointer not at an object start", caller);
		return NULL;
	}
	return slab;
}

static struct page *check_object(struct kmem_cache *s, const void *obj, unsigned long caller)
{
	return check_object_in(s, head_page(obj), obj, caller);
}

static void slab_free(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller)
{
	struct kmem_cache_cpu *c = this_cpu(s);

	if (kmem_cache_debug(s) && !debug_free(s, slab, obj, caller))
		return;
	if (likely(slab == c->slab)) {
		if (unlikely(obj == c->freelist)) {
			slab_misuse(s, obj, "double free", caller);
			return;
		}
		set_freepointer(s, obj, c->freelist);
		c->freelist = obj;
		return;
	}
	/* Another slab: push on its own freelist; base and index computed once. */
	char *base = idx_to_obj(s, slab, 0);
	unsigned long off = (unsigned long)((char *)obj - base);
	u16 idx = (u16)((off * s->reciprocal_size) >> 32), head = slab->slab.freelist;
	bool listed = head != SLAB_FREELIST_END;	/* else full */
	if (unlikely(idx == head)) {
		slab_misuse(s, obj, "double free", caller);
		return;
	}
	if (unlikely(slab->slab.inuse == 0)) {
		slab_misuse(s, obj, "double free (slab has no objects in use)", caller);
		return;
	}
	set_freepointer(s, obj, listed ? base + (size_t)head * s->size : NULL);
	slab->slab.freelist = idx;
	slab->slab.inuse--;
	if (slab->flags & PG_frozen)		/* another CPU's active slab */
		return;
	if (!listed && kmem_cache_debug(s))
		list_del(&slab->lru);		/* off s->full */
	place_slab(s, slab, listed);
}

/* The general free path (validation, other slabs, debugging), out of line. */
static __attribute__((noinline)) void cache_free_slow(struct kmem_cache *s, void *obj,
						      unsigned long caller)
{
	struct page *slab = check_object(s, obj, caller);
	if (slab)
		slab_free(s, slab, obj, caller);
}

/* Free obj to s by the fast paths (its CPU's active slab, or another slab of s with nothing
 * unusual); false when only the general path can decide. */
static __attribute__((always_inline)) inline bool cache_free_fast(struct kmem_cache *s, void *obj)
{
	if (likely(free_fast(s, obj)))
		return true;
	struct page *slab = slab_page_fast(obj);
	return slab && (struct kmem_cache *)slab->private == s && slab != this_cpu(s)->slab &&
	       free_other_fast(s, slab, obj);
}

void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	if (likely(cache_free_fast(s, obj)))
		return;
	cache_free_slow(s, obj, _RET_IP_);
}

void kmem_cache_free_bulk(struct kmem_cache *s, size_t n, void **p)
{
	for (size_t i = 0; i < n; i++)
		if (unlikely(!cache_free_fast(s, p[i])))
			cache_free_slow(s, p[i], _RET_IP_);
}

/* ---- cache management ---- */

unsigned long kmem_cache_shrink(struct kmem_cache *s)
{
	unsigned long before = s->nr_slabs;
	struct list_head *pos, *tmp;

	deactivate_slab(s, this_cpu(s));
	list_for_each_safe(pos, tmp, &s->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		if (slab->slab.inuse)
			continue;
		list_del(pos);
		s->nr_partial--;
		discard_slab(s, slab);
	}
	return (before - s->nr_slabs) << s->order;
}

void kmem_cache_shrink_all(void)
{
	struct list_head *pos;
	list_for_each(pos, &slab_caches)
		kmem_cache_shrink(list_entry(pos, struct kmem_cache, list));
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned int flags, void (*ctor)(void *))
{
	struct kmem_cache *s = slab_alloc(&kmem_cache_boot, GFP_KERNEL, _RET_IP_);

	if (s && !cache_setup(s, name, size, align, flags, ctor)) {
		printk(KERN_ERR "kmem_cache_create(%s): size %u align %u cannot be served\n",
		       name, size, align);
		slab_free(&kmem_cache_boot, head_page(s), s, _RET_IP_);
		s = NULL;
	}
	if (!s && (flags & SLAB_PANIC))
		panic("kmem_cache_create: cannot create cache %s", name);
	return s;
}

int kmem_cache_destroy(struct kmem_cache *s)
{
	if (!s)
		return 0;
	kmem_cache_shrink(s);
	if (s->nr_slabs) {
		printk(KERN_ERR "kmem_cache_destroy %s: Slab cache still has objects (%lu slabs in "
		       "use), not destroyed (caller %#lx)\n", s->name, s->nr_slabs, _RET_IP_);
		s->nr_bad++;
		return -1;
	}
	list_del(&s->list);
	kmem_cache_free(&kmem_cache_boot, s);
	return 0;
}

/* ---- kmalloc ---- */

/* Size classes: every 8 bytes up to 64 (waste under 8 bytes), then 8 classes per power of two
 * (2^k + i * 2^k/8, i = 1..8) up to 8192, so no object wastes more than 1/8 of itself: 64
 * classes. Powers of two are classes, and objects sit at multiples of their size in page-aligned
 * slabs, so power-of-two requests are naturally aligned. */
static void kmalloc_init_sizes(void)
{
	unsigned int n = 0;

	for (unsigned int c = 8; c <= 64; c += 8)
		kmalloc_sizes[n++] = c;
	for (unsigned int base = 64; base < KMALLOC_MAX_CACHE_SIZE; base *= 2)
		for (unsigned int i = 1; i <= 8; i++)
			kmalloc_sizes[n++] = base + i * (base / 8);
	BUG_ON(n != NR_KMALLOC);
	for (unsigned int i = 0, c = 0; i < ARRAY_SIZE(size_index); i++) {
		while (kmalloc_sizes[c] < (i + 1) * 8)
			c++;
		size_index[i] = (u8)c;
	}
}

unsigned int kmalloc_class_size(size_t size)
{
	if (size == 0 || size > KMALLOC_MAX_CACHE_SIZE)
		return 0;
	return kmalloc_sizes[size_index[(size - 1) / 8]];
}

static struct kmem_cache *kmalloc_cache(size_t size, gfp_t gfp)
{
	unsigned int idx = size_index[(size - 1) / 8];
	return (gfp & __GFP_DMA) ? kmalloc_dma_caches[idx] : kmalloc_caches[idx];
}

/* Above the classes: whole pages from the buddy, the unused tail of the 2^order block given
 * back at once; the first frame is PG_head with the size, the others PG_tail. */
static void *kmalloc_large(size_t size, gfp_t gfp, unsigned long caller)
{
	unsigned long pages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	unsigned int order = get_order(size);

	if (order > MAX_PAGE_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			printk(KERN_WARNING "kmalloc: %zu bytes is too large (caller %#lx)\n", size, caller);
		return NULL;
	}
	struct page *head = node_alloc_pages(&contig_node, gfp | __GFP_NOWARN, order);
	if (!head) {
		if (!(gfp & __GFP_NOWARN) && !fault_inject_active)
			printk(KERN_WARNING "kmalloc: out of memory for %zu bytes (caller %#lx)\n",
			       size, caller);
		return NULL;
	}
	node_split_page(&contig_node, head, order);
	for (unsigned long i = pages; i < (1UL << order); i++)
		node_free_pages(&contig_node, head + i, 0);
	for (unsigned long i = 1; i < pages; i++) {
		head[i].flags |= PG_tail;
		head[i].private = (unsigned long)head;
	}
	head->flags |= PG_head;
	head->private = size;
	return node_page_address(&contig_node, head);
}

static void kfree_large(struct page *head)
{
	unsigned long pages = ALIGN_UP(head->private, PAGE_SIZE) >> PAGE_SHIFT;

	for (unsigned long i = 0; i < pages; i++) {
		head[i].flags &= (u16)~(PG_head | PG_tail);
		head[i].private = 0;
		node_free_pages(&contig_node, head + i, 0);
	}
}

static void *kmalloc_caller(size_t size, gfp_t gfp, unsigned long caller)
{
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(size, gfp, caller);
	if (size == 0)
		return NULL;	/* Linux returns ZERO_SIZE_PTR; NULL is as safe to kfree */
	void *p = slab_alloc(kmalloc_cache(size, gfp), gfp, caller);
	if (!p && !(gfp & __GFP_NOWARN) && !fault_inject_active)
		printk(KERN_WARNING "kmalloc: out of memory for %zu bytes (caller %#lx)\n", size, caller);
	return p;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	if (likely(size - 1 < KMALLOC_MAX_CACHE_SIZE && !(gfp & __GFP_DMA))) {
		struct kmem_cache *s = kmalloc_caches[size_index[(size - 1) / 8]];
		void *obj = alloc_fast(s, gfp);
		if (likely(obj)) {
			kmalloc_last[0] = s;	/* this CPU's */
			return obj;
		}
	}
	return kmalloc_caller(size, gfp, _RET_IP_);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc_caller(size, gfp | __GFP_ZERO, _RET_IP_);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc_caller(bytes, gfp | __GFP_ZERO, _RET_IP_);
}

/* Usable size of p for the caller, 0 after a report when p is not a kmalloc pointer. */
static size_t ksize_caller(const void *p, unsigned long caller)
{
	struct page *page = head_page(p);

	if (page && PageSlab(page)) {
		struct kmem_cache *s = (struct kmem_cache *)page->private;
		return check_object(s, p, caller) ? s->object_size : 0;
	}
	if (page && (page->flags & PG_head) && p == node_page_address(&contig_node, page))
		return ALIGN_UP(page->private, PAGE_SIZE);
	slab_misuse(NULL, p, "not a pointer kmalloc returned", caller);
	return 0;
}

size_t ksize(const void *p)
{
	return p ? ksize_caller(p, _RET_IP_) : 0;
}


/* kfree of anything but an object of its cache's active slab: other slabs, large kmalloc,
 * NULL, misuse. */
static __attribute__((noinline)) void kfree_slow(const void *p, struct page *page,
						 unsigned long caller)
{
	if (!p)
		return;
	if (!page)
		page = head_page(p);
	if (page && PageSlab(page)) {
		struct kmem_cache *s = (struct kmem_cache *)page->private;
		if (check_object_in(s, page, p, caller))
			slab_free(s, page, (void *)p, caller);
		return;
	}
	if (page && (page->flags & PG_head) && p == node_page_address(&contig_node, page)) {
		kfree_large(page);
		return;
	}
	slab_misuse(NULL, p, "kfree of a pointer kmalloc did not return", caller);
}

void kfree(const void *p)
{
	if (likely(free_fast(kmalloc_last[0], p)))	/* this CPU's last kmalloc cache */
		return;
	struct page *page = slab_page_fast(p);
	if (likely(page)) {
		struct kmem_cache *s = (struct kmem_cache *)page->private;
		if (page == this_cpu(s)->slab ? free_fast(s, (void *)p)
					      : free_other_fast(s, page, (void *)p))
			return;
	}
	kfree_slow(p, page, _RET_IP_);
}

void *krealloc(const void *p, size_t size, gfp_t gfp)
{
	if (!p)
		return kmalloc_caller(size, gfp, _RET_IP_);
	if (size == 0) {
		kfree(p);
		return NULL;
	}
	size_t old = ksize_caller(p, _RET_IP_);
	if (!old)
		return NULL;
	if (size <= old && (size > KMALLOC_MAX_CACHE_SIZE) == (old > KMALLOC_MAX_CACHE_SIZE) &&
	    size > old / 2)
		return (void *)p;		/* fits, and not worth moving to a smaller class */
	void *n = kmalloc_caller(size, gfp & ~__GFP_ZERO, _RET_IP_);
	if (!n)
		return NULL;
	memcpy(n, p, MIN(old, size));
	if ((gfp & __GFP_ZERO) && size > old)
		memset((char *)n + old, 0, size - old);
	kfree(p);
	return n;
}

/* ---- set-up and reporting ---- */

void kmem_cache_init(u64 seed)
{
	slab_seed = seed;
	INIT_LIST_HEAD(&slab_caches);
	BUG_ON(!cache_setup(&kmem_cache_boot, "kmem_cache", sizeof(struct kmem_cache), 0,
			    SLAB_HWCACHE_ALIGN, NULL));
	kmalloc_init_sizes();
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		kmalloc_last[cpu] = &kmem_cache_boot;	/* any cache: only its active slab is used */
	for (unsigned int i = 0; i < NR_KMALLOC; i++) {
		ksnprintf(kmalloc_names[0][i], sizeof(kmalloc_names[0][i]), "kmalloc-%u",
			  kmalloc_sizes[i]);
		ksnprintf(kmalloc_names[1][i], sizeof(kmalloc_names[1][i]), "dma-kmalloc-%u",
			  kmalloc_sizes[i]);
		unsigned int size = kmalloc_sizes[i];
		unsigned int align = is_power_of_2(size) ? size : 8;	/* natural, even when debugging */
		kmalloc_caches[i] = kmem_cache_create(kmalloc_names[0][i], size, align, SLAB_PANIC, NULL);
		kmalloc_dma_caches[i] = kmem_cache_create(kmalloc_names[1][i], size, align,
							  SLAB_PANIC | SLAB_CACHE_DMA, NULL);
	}
}

/* Objects of s not allocated: on its CPU freelist and on its slabs' own freelists. */
static unsigned long free_objects(struct kmem_cache *s)
{
	unsigned long free = 0;
	struct list_head *pos;
	struct kmem_cache_cpu *c = this_cpu(s);

	for (void *o = c->freelist; o; o = get_freepointer(s, o))
		free++;
	if (c->slab)
		free += s->objects - c->slab->slab.inuse;
	list_for_each(pos, &s->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		free += s->objects - slab->slab.inuse;
	}
	return free;
}

void slabinfo_print(void)
{
	struct list_head *pos;

	printk(KERN_INFO "slabinfo - version: 2.1\n");
	printk(KERN_INFO "# name            <active_objs> <num_objs> <objsize> <objperslab> "
	       "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
	       "<active_slabs> <num_slabs> <sharedavail>\n");
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		unsigned long total = s->nr_slabs * s->objects;
		printk(KERN_INFO "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata "
		       "%6lu %6lu %6u\n", s->name, total - free_objects(s), total, s->size,
		       s->objects, 1 << s->order, 0, 0, 0, s->nr_slabs, s->nr_slabs, 0);
	}
}

unsigned long slab_pages(void)
{
	unsigned long pages = 0;
	struct list_head *pos;
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		pages += s->nr_slabs << s->order;
	}
	return pages;
}
