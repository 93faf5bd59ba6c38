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
 *   frozen   the active slab of a CPU (slab.frozen): its free objects are on that CPU's
 *            freelist, inuse == objects; objects freed by another CPU go to slab.freelist.
 *   partial  some objects free: on s->partial (a small number of empty ones too, min_partial).
 *   full     every object allocated: on no list (found again when an object is freed).
 *   empty    beyond min_partial, or at shrink/destroy: its pages go back to the buddy.
 *
 * Fast paths (marked "fast paths" below) touch only the CPU's kmem_cache_cpu: alloc pops
 * cpu->freelist after one range test against the active slab (cpu->base, cpu->limit), which
 * also stops a corrupted free pointer: when an object was overwritten after its free, the slow
 * path reports it and cuts the freelist there, never dereferencing it (a pointer forged inside
 * the slab off an object start needs the hardening secret; any slub_debug flag catches that
 * too). A free whose address falls in the active slab's range (limit is 0 for debug caches)
 * and is an object start (a multiplication by the reciprocal of
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
 * (never handed out again); a bad free is reported and refused. kmalloc caches with red zones
 * also keep each object's requested size (Linux 6.2's orig_size) and guard the rest.
 *
 * Locking (every CPU runs with interrupts off, so no lock is ever wanted by an interrupt).
 *   slab_debug_lock -> slab_caches_lock -> s->list_lock -> page allocator (pcp, zone locks)
 * - The CPU's kmem_cache_cpu (s->cpu[smp_processor_id()]) is touched only by its CPU: the
 *   fast paths take no lock at all (the CPU cannot be interrupted or migrated).
 * - A slab's {inuse, frozen, freelist} is one 32-bit word (struct page's counters), changed
 *   only by compare-and-exchange once the slab is published: the owner of a frozen slab takes
 *   its whole freelist with an exchange, any CPU pushes a freed object on it with a
 *   compare-and-exchange. There is no ABA: nobody pops single objects off slab.freelist.
 * - s->list_lock protects s->partial, nr_partial, s->full and every change of a slab's list
 *   state: a slab is frozen (taken off partial) and unfrozen (placed) under it, and a free that
 *   makes a non-frozen slab go from full to partial or to empty takes it before its
 *   compare-and-exchange. So, under list_lock: not frozen and slab.freelist != END means "on
 *   s->partial", not frozen and END means "full". A free that moves nothing (the common case)
 *   is lock-free.
 * - Debug caches take slab_debug_lock around each whole alloc and free, so their checks (which
 *   walk freelists, the full list and the isolation table) see still data.
 * - slab_caches (the list of caches) is under slab_caches_lock.
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
static DEFINE_SPINLOCK(slab_caches_lock);
DEFINE_SPINLOCK(slab_debug_lock);
unsigned int slab_nr_cpus = NR_CPUS;
/* The cache of struct kmem_cache, with room for the largest cpu[] (a struct with a flexible
 * array member, given its room by a union: a GNU C extension). */
static union {
	struct kmem_cache s;
	char room[sizeof(struct kmem_cache) + NR_CPUS * sizeof(struct kmem_cache_cpu)];
} kmem_cache_boot_room;
#define kmem_cache_boot (kmem_cache_boot_room.s)

/* Bytes of a struct kmem_cache with its cpu[]. */
static size_t kmem_cache_bytes(void)
{
	return sizeof(struct kmem_cache) + slab_nr_cpus * sizeof(struct kmem_cache_cpu);
}
static struct kmem_cache *kmalloc_caches[NR_KMALLOC];
/* Per CPU: the kmalloc cache this CPU allocated from last. kfree() tries its active slab
 * first, which finds the cache of a recently allocated object without a descriptor lookup
 * (kmalloc caches live forever, so the hint never dangles). One cache line per CPU. */
static struct kmalloc_hint {
	struct kmem_cache *s;
} __attribute__((aligned(PERCPU_LINE))) kmalloc_last[NR_CPUS];
static struct kmem_cache *kmalloc_dma_caches[NR_KMALLOC];
static unsigned int kmalloc_sizes[NR_KMALLOC];
static char kmalloc_names[2][NR_KMALLOC][20];
static u8 size_index[KMALLOC_MAX_CACHE_SIZE / 8];	/* (size - 1) / 8 -> class */
static u64 slab_seed;

_Static_assert(sizeof(struct kmem_cache_cpu) == PERCPU_LINE, "this_cpu() scales by one line");
_Static_assert(sizeof(struct kmalloc_hint) == PERCPU_LINE, "kmalloc_hint() scales by one line");

static inline struct kmem_cache_cpu *this_cpu(struct kmem_cache *s)
{
	return this_cpu_elem(s->cpu, 1);
}

static inline struct kmalloc_hint *kmalloc_hint(void)
{
	return this_cpu_elem(kmalloc_last, 1);
}

/* ---- a slab's counters word ---- */

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
	s->reciprocal_size = (u32)((1ULL << 32) / s->size + 1);
	unsigned int lg = __fls64(s->size);
	s->min_partial = MIN(MAX(lg / 2, 5u), 10u);
	return s->objects > 0 && s->objects <= SLAB_MAX_OBJECTS;
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
	memset(s, 0, kmem_cache_bytes());
	s->name = name;
	s->ctor = ctor;
	if (!cache_geometry(s, size, align, flags | slub_debug_flags_for(name)))
		return false;
	s->random = splitmix64(&slab_seed);
	spin_lock_init(&s->list_lock);
	INIT_LIST_HEAD(&s->partial);
	INIT_LIST_HEAD(&s->full);
	spin_lock(&slab_caches_lock);
	list_add_tail(&s->list, &slab_caches);
	spin_unlock(&slab_caches_lock);
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
	VM_BUG_ON((uintptr_t)slab_base(slab) & s->slab_mask);	/* free_other_fast relies on it */
	slab->flags |= PG_slab;
	slab->private = (unsigned long)s;
	slab->counters = 0;			/* inuse 0, not frozen, freelist = object 0 */
	for (unsigned int i = 0; i < s->objects; i++) {
		void *obj = idx_to_obj(s, slab, i);
		if (kmem_cache_debug(s))
			debug_init_object(s, obj);
		if (s->ctor)
			s->ctor(obj);
		set_freepointer(s, obj, i + 1 < s->objects ? idx_to_obj(s, slab, i + 1) : NULL);
	}
	__atomic_fetch_add(&s->nr_slabs, 1, __ATOMIC_RELAXED);
	return slab;
}

static void discard_slab(struct kmem_cache *s, struct page *slab)
{
	for (unsigned long i = 1; i < (1UL << s->order); i++) {
		slab[i].flags &= (u16)~PG_tail;
		slab[i].private = 0;
	}
	slab->flags &= (u16)~PG_slab;
	slab->private = 0;
	slab->refcount = 1;		/* the union held slab counters */
	__atomic_fetch_sub(&s->nr_slabs, 1, __ATOMIC_RELAXED);
	node_free_pages(&contig_node, slab, s->order);
}

/* Freeze slab for this CPU (or keep it frozen) and take its whole freelist: returns the
 * first object or NULL. For a partial slab, called under list_lock. */
static void *take_freelist(struct kmem_cache *s, struct page *slab)
{
	union counters want = { .c = { .inuse = (u16)s->objects, .frozen = 1,
				       .freelist = SLAB_FREELIST_END } }, old;

	old.word = __atomic_exchange_n(&slab->counters, want.word, __ATOMIC_ACQ_REL);
	return old.c.freelist == SLAB_FREELIST_END ? NULL : idx_to_obj(s, slab, old.c.freelist);
}

/* A slab left with no free object: unlisted, or on s->full for a debug cache. */
static void slab_now_full(struct kmem_cache *s, struct page *slab)
{
	if (kmem_cache_debug(s))
		list_add(&slab->lru, &s->full);
}

/* Under list_lock, a non-frozen slab's counters just became now (listed: it was on the partial
 * list): move it between full, partial and empty. */
static void place_slab(struct kmem_cache *s, struct page *slab, bool listed, union counters now)
{
	if (now.c.inuse == 0 && s->nr_partial >= s->min_partial) {
		if (listed) {
			list_del(&slab->lru);
			s->nr_partial--;
		}
		discard_slab(s, slab);
	} else if (!listed && now.c.freelist != SLAB_FREELIST_END) {
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
	c->limit = slab && !kmem_cache_debug(s) ? s->span : 0;
}

/* The next free object after o on a freelist of slab; a corrupt free pointer (not an object of
 * the slab) is reported and ends the list (NULL). */
static void *next_free_checked(struct kmem_cache *s, struct page *slab, void *o)
{
	void *next = get_freepointer(s, o);

	if (likely(!next || is_object_start(s, slab, next)))
		return next;
	freepointer_corrupt(s, slab, o, next, _RET_IP_);
	return NULL;
}

/* Give CPU c's active slab back (c is this CPU's, or that of a CPU that no longer uses s):
 * its CPU freelist is chained in front of what other CPUs freed to it, and it is unfrozen and
 * placed, all under list_lock. */
static void deactivate_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct page *slab = c->slab;
	void *head = c->freelist, *tail = NULL;
	unsigned int n = 0;

	if (!slab)
		return;
	if (head && !is_object_start(s, slab, head)) {		/* stored by alloc_fast */
		freepointer_corrupt(s, slab, c->last, head, _RET_IP_);
		head = NULL;
	}
	for (void *o = head; o && n < s->objects; o = next_free_checked(s, slab, o), n++)
		tail = o;
	cpu_slab_set(s, c, NULL);
	c->freelist = NULL;
	spin_lock(&s->list_lock);
	union counters old = read_counters(slab), now;
	do {
		now = old;
		if (tail) {
			set_freepointer(s, tail, old.c.freelist == SLAB_FREELIST_END ? NULL :
					idx_to_obj(s, slab, old.c.freelist));
			now.c.freelist = (u16)obj_to_idx(s, slab, head);
		}
		now.c.inuse = (u16)(old.c.inuse - n);
		now.c.frozen = 0;
	} while (!cas_counters(slab, &old, now));
	place_slab(s, slab, false, now);
	spin_unlock(&s->list_lock);
}

/* Give every empty slab on the partial list of s back; returns pages freed. */
static unsigned long discard_empty_partials(struct kmem_cache *s)
{
	unsigned long freed = 0;
	struct list_head *pos, *tmp;

	spin_lock(&s->list_lock);
	list_for_each_safe(pos, tmp, &s->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		if (read_counters(slab).c.inuse)
			continue;
		list_del(pos);
		s->nr_partial--;
		discard_slab(s, slab);
		freed += 1UL << s->order;
	}
	spin_unlock(&s->list_lock);
	return freed;
}

/* Memory is short: give every empty slab kept on a partial list (min_partial of them per
 * cache) back to the page allocator, for every cache. Other CPUs' active slabs stay theirs
 * (only their CPU may touch them); the page allocator has drained every CPU's page lists
 * already. Returns the pages freed. */
static unsigned long slab_reclaim_empty(void)
{
	unsigned long freed = 0;
	struct list_head *pos;

	spin_lock(&slab_caches_lock);
	list_for_each(pos, &slab_caches)
		freed += discard_empty_partials(list_entry(pos, struct kmem_cache, list));
	spin_unlock(&slab_caches_lock);
	return freed;
}

/* ---- allocation ---- */

/* Linux's kmalloc_fix_flags(): __GFP_DMA32 is not a zone slabs are made for (a slab of it
 * would then serve every caller). The first one is printed with its caller, every one is
 * counted in nr_bad; the flag is dropped (GFP_DMA has its own dma-kmalloc caches). */
static gfp_t kmalloc_fix_flags(gfp_t gfp, unsigned long caller)
{
	static int warned;

	__atomic_fetch_add(&contig_node.nr_bad, 1, __ATOMIC_RELAXED);
	slab_last_bad_caller = caller;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		printk(KERN_WARNING "SLUB: unexpected gfp %#x (__GFP_DMA32), fixed up to %#x: fix "
		       "your code! (caller %#lx; printed once, all counted)\n", gfp,
		       gfp & ~__GFP_DMA32, caller);
	return gfp & ~__GFP_DMA32;
}

static void *slab_alloc_slow(struct kmem_cache *s, struct kmem_cache_cpu *c, gfp_t gfp)
{
	struct page *slab = c->slab;

	if (slab) {
		if (read_counters(slab).c.freelist != SLAB_FREELIST_END) {
			c->freelist = take_freelist(s, slab);	/* objects other CPUs freed */
			if (c->freelist)
				return c->freelist;
		}
		deactivate_slab(s, c);			/* full: unfreeze it */
	}
	spin_lock(&s->list_lock);
	while (!list_empty(&s->partial)) {
		slab = list_first_entry(&s->partial, struct page, lru);
		list_del(&slab->lru);
		s->nr_partial--;
		void *first = take_freelist(s, slab);
		if (likely(first)) {
			spin_unlock(&s->list_lock);
			cpu_slab_set(s, c, slab);
			c->freelist = first;
			return first;
		}
		/* cannot happen (a listed slab has free objects): keep it as full, unfrozen */
		union counters old = read_counters(slab), now;
		do {
			now = old;
			now.c.frozen = 0;
		} while (!cas_counters(slab, &old, now));
		place_slab(s, slab, false, now);
	}
	spin_unlock(&s->list_lock);
	slab = new_slab(s, gfp);
	if (!slab && slab_reclaim_empty())	/* memory is short: empty slabs of every cache */
		slab = new_slab(s, gfp);
	if (!slab)
		return NULL;
	cpu_slab_set(s, c, slab);
	c->freelist = take_freelist(s, slab);
	return c->freelist;
}

/* Is p an object start of c's active slab? (c->base, not c->limit: that is 0 for debug caches.) */
static inline bool cpu_slab_object(const struct kmem_cache *s, const struct kmem_cache_cpu *c,
				   const void *p)
{
	unsigned long off = (unsigned long)((const char *)p - c->base);
	return off < s->span && is_multiple(s, off);
}

/* The CPU freelist head, after checking that it is an object of the active slab: the fast path
 * (alloc_fast) stores a decoded free pointer unchecked, and only tests the range when it pops
 * it. A bad head is reported, naming the object that held it (c->last), and the list is cut
 * there: the rest of the slab's free objects stay counted in use (leaked, knowingly). */
static void *cpu_freelist_head(struct kmem_cache *s, struct kmem_cache_cpu *c, unsigned long caller)
{
	void *obj = c->freelist;

	if (likely(!obj || cpu_slab_object(s, c, obj)))
		return obj;
	freepointer_corrupt(s, c->slab, c->last, obj, caller);
	c->freelist = NULL;
	return NULL;
}

/* Pop the next object off the CPU freelist, refilling it by the slow path. Every free pointer
 * followed here is checked first (any cache, debug or not): a corrupt one is reported and the
 * freelist cut, never dereferenced. */
static void *slab_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller)
{
	struct kmem_cache_cpu *c = this_cpu(s);
	bool debug = kmem_cache_debug(s);
	void *obj;

	if (should_fail(&failslab))
		return NULL;
	if (unlikely(gfp & __GFP_DMA32))
		gfp = kmalloc_fix_flags(gfp, caller);
	if (debug)
		spin_lock(&slab_debug_lock);
again:
	obj = cpu_freelist_head(s, c, caller);
	if (unlikely(!obj)) {
		obj = slab_alloc_slow(s, c, gfp);
		if (!obj)
			goto out;
	}
	void *next = get_freepointer(s, obj);
	if (unlikely(next && !cpu_slab_object(s, c, next))) {
		freepointer_corrupt(s, c->slab, obj, next, caller);
		next = NULL;			/* the rest of the chain is not trusted */
	}
	c->freelist = next;
	c->last = obj;
	if (debug && !debug_alloc(s, c->slab, obj, caller))
		goto again;
	if (unlikely(gfp & __GFP_ZERO))
		memset(obj, 0, s->object_size);
out:
	if (debug)
		spin_unlock(&slab_debug_lock);
	return obj;
}

/* ---- fast paths: the CPU's freelist only ---- */

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

/* Report misuse of the slab API with the caller's address; the object is not freed. */
static void slab_misuse(struct kmem_cache *s, const void *obj, const char *what, unsigned long caller)
{
	if (s)
		__atomic_fetch_add(&s->nr_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&contig_node.nr_bad, 1, __ATOMIC_RELAXED);
	slab_last_bad_caller = caller;
	printk(KERN_ERR "BUG %s: %s: object %p (caller %#lx)\n", s ? s->name : "kmalloc", what,
	       obj, caller);
}

/* Free obj (an object start of slab, a slab of s that is not this CPU's active one) to the
 * slab's own freelist under list_lock, moving the slab between lists as its state says. */
static __attribute__((noinline)) void slab_free_other(struct kmem_cache *s, struct page *slab, void *obj,
			    unsigned long caller)
{
	char *base = idx_to_obj(s, slab, 0);
	unsigned long off = (unsigned long)((char *)obj - base);
	u16 idx = (u16)((off * s->reciprocal_size) >> 32);
	const char *bad = NULL;

	spin_lock(&s->list_lock);
	union counters old = read_counters(slab), now;
	do {
		if (unlikely(idx == old.c.freelist)) {
			bad = "double free";
			break;
		}
		if (unlikely(old.c.inuse == 0)) {
			bad = "double free (slab has no objects in use)";
			break;
		}
		set_freepointer(s, obj, old.c.freelist != SLAB_FREELIST_END ?
				base + (size_t)old.c.freelist * s->size : NULL);
		now = old;
		now.c.freelist = idx;
		now.c.inuse--;
	} while (!cas_counters(slab, &old, now));
	if (!bad && !now.c.frozen) {			/* frozen: another CPU's active slab */
		bool listed = old.c.freelist != SLAB_FREELIST_END;	/* else it was full */
		if (!listed && kmem_cache_debug(s))
			list_del(&slab->lru);		/* off s->full */
		place_slab(s, slab, listed, now);
	}
	spin_unlock(&s->list_lock);
	if (bad)
		slab_misuse(s, obj, bad, caller);
}

/* Push obj on the own freelist of slab, a slab of s that is not this CPU's active one (a
 * partial or full slab, or another CPU's active slab), when nothing is unusual: no debugging,
 * an object start, not the freelist head, objects in use. Lock-free unless the slab must move
 * (a non-frozen slab that was full or becomes empty): then slab_free_other() under list_lock.
 * false: let the general path decide and report. */
static __attribute__((always_inline)) inline bool free_other_fast(struct kmem_cache *s,
								  struct page *slab, void *obj)
{
	unsigned long off = (uintptr_t)obj & s->slab_mask;	/* no red zone: not debugging */
	char *base = (char *)obj - off;
	u32 idx = (u32)((off * s->reciprocal_size) >> 32);

	if (unlikely((s->flags & SLAB_DEBUG_FLAGS) || off >= s->span || !is_multiple(s, off)))
		return false;
	/* The counters word by hand (the bit-fields cost instructions here): inuse in bits 0-14,
	 * frozen bit 15, freelist in 16-31; low = frozen | inuse. */
	u32 old = __atomic_load_n(&slab->counters, __ATOMIC_ACQUIRE), now;
	do {
		u32 head = old >> 16, low = old & 0xffff;
		if (unlikely(idx == head))
			return false;			/* double free */
		if (likely(!(old & 0x8000))) {
			if (unlikely(low <= 1 || head == SLAB_FREELIST_END)) {
				if (low == 0)
					return false;	/* double free */
				slab_free_other(s, slab, obj, _RET_IP_);	/* moves */
				return true;
			}
		} else if (unlikely(low == 0x8000)) {
			return false;			/* frozen, nothing in use */
		}
		set_freepointer(s, obj, head != SLAB_FREELIST_END ? base + (size_t)head * s->size : NULL);
		now = (idx << 16) + low - 1;		/* inuse >= 1: no borrow into frozen */
	} while (unlikely(!__atomic_compare_exchange_n(&slab->counters, &old, now, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)));
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

/* kmem_cache_alloc's fast path: calls nothing but a tail call to memset (no stack frame). */
static __attribute__((always_inline)) inline void *cache_alloc(struct kmem_cache *s, gfp_t gfp,
								 unsigned long caller)
{
	void *obj = alloc_fast(s);

	if (unlikely(!obj))
		return cache_alloc_slow(s, gfp, caller);
	return unlikely(gfp & __GFP_ZERO) ? memset(obj, 0, s->object_size) : obj;
}

__hot void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return cache_alloc(s, gfp, _RET_IP_);
}

void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return cache_alloc(s, gfp | __GFP_ZERO, _RET_IP_);
}

int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p)
{
	gfp_t take = gfp & ~__GFP_ZERO;	/* zero only once all n are had: a failure part-way
					 * must give back constructed objects (found by fuzzing) */
	for (size_t i = 0; i < n; i++) {
		p[i] = alloc_fast(s);
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
	bool debug = kmem_cache_debug(s);

	if (debug) {
		spin_lock(&slab_debug_lock);
		if (!debug_free(s, slab, obj, caller))
			goto out;
	}
	if (likely(slab == c->slab)) {
		if (unlikely(obj == c->freelist)) {
			slab_misuse(s, obj, "double free", caller);
			goto out;
		}
		set_freepointer(s, obj, c->freelist);
		c->freelist = obj;
	} else {
		slab_free_other(s, slab, obj, caller);
	}
out:
	if (debug)
		spin_unlock(&slab_debug_lock);
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

__hot void kmem_cache_free(struct kmem_cache *s, void *obj)
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

/* Give back the active slab of c and every empty partial slab; returns pages freed. */
static unsigned long shrink_cpu(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	deactivate_slab(s, c);
	return discard_empty_partials(s);
}

unsigned long kmem_cache_shrink(struct kmem_cache *s)
{
	return shrink_cpu(s, this_cpu(s));
}

void kmem_cache_shrink_all(void)
{
	struct list_head *pos;

	spin_lock(&slab_caches_lock);
	list_for_each(pos, &slab_caches)
		kmem_cache_shrink(list_entry(pos, struct kmem_cache, list));
	spin_unlock(&slab_caches_lock);
}

/* A cache called name (storage that outlives the cache); NULL after a message on failure. */
static struct kmem_cache *create_cache(const char *name, unsigned int size, unsigned int align,
				       unsigned int flags, void (*ctor)(void *), unsigned long caller)
{
	struct kmem_cache *s = slab_alloc(&kmem_cache_boot, GFP_KERNEL, caller);

	if (s && !cache_setup(s, name, size, align, flags, ctor)) {
		printk(KERN_ERR "kmem_cache_create(%s): size %u align %u cannot be served\n",
		       name, size, align);
		slab_free(&kmem_cache_boot, head_page(s), s, caller);
		s = NULL;
	}
	if (!s && (flags & SLAB_PANIC))
		panic("kmem_cache_create: cannot create cache %s", name);
	return s;
}

static void *kmalloc_caller(size_t size, gfp_t gfp, unsigned long caller);
static void kfree_caller(const void *p, unsigned long caller);

/* The cache keeps a copy of the name (Linux's kstrdup_const, always copying), freed by
 * kmem_cache_destroy(): the caller's buffer may go away. */
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned int flags, void (*ctor)(void *))
{
	size_t len = name ? strlen(name) + 1 : 0;
	char *copy = name ? kmalloc_caller(len, GFP_KERNEL, _RET_IP_) : NULL;

	if (!copy) {
		printk(KERN_ERR "kmem_cache_create(%s): %s (caller %#lx)\n", name ? name : "NULL",
		       name ? "no memory for the name" : "no name", _RET_IP_);
		if (flags & SLAB_PANIC)
			panic("kmem_cache_create: cannot create cache %s", name ? name : "NULL");
		return NULL;
	}
	memcpy(copy, name, len);
	struct kmem_cache *s = create_cache(copy, size, align, flags & ~SLAB_KMALLOC, ctor, _RET_IP_);
	if (!s)
		kfree_caller(copy, _RET_IP_);
	return s;
}

int kmem_cache_destroy(struct kmem_cache *s)
{
	if (!s)
		return 0;
	for (unsigned int cpu = 0; cpu < slab_nr_cpus; cpu++)
		shrink_cpu(s, &s->cpu[cpu]);		/* nobody uses s any more */
	if (s->nr_slabs) {
		printk(KERN_ERR "kmem_cache_destroy %s: Slab cache still has objects (%lu slabs in "
		       "use), not destroyed (caller %#lx)\n", s->name, s->nr_slabs, _RET_IP_);
		s->nr_bad++;
		return -1;
	}
	spin_lock(&slab_caches_lock);
	list_del(&s->list);
	spin_unlock(&slab_caches_lock);
	kfree_caller(s->name, _RET_IP_);		/* kmem_cache_create()'s copy */
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

/* kmalloc's general path (everything kmalloc_fast() does not serve). */
static void *kmalloc_caller(size_t size, gfp_t gfp, unsigned long caller)
{
	if (unlikely(gfp & __GFP_DMA32))
		gfp = kmalloc_fix_flags(gfp, caller);
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(size, gfp, caller);
	if (size == 0)
		return NULL;	/* Linux returns ZERO_SIZE_PTR; NULL is as safe to kfree */
	struct kmem_cache *s = kmalloc_cache(size, gfp);
	void *p = slab_alloc(s, gfp, caller);
	if (!p && !(gfp & __GFP_NOWARN) && !fault_inject_active)
		printk(KERN_WARNING "kmalloc: out of memory for %zu bytes (caller %#lx)\n", size, caller);
	if (p && kmalloc_redzone(s))
		debug_kmalloc_size(s, p, 0, size, gfp);
	return p;
}

/* kmalloc's fast path: a pop of the CPU freelist of the size's cache and a store of the hint,
 * calling nothing but a tail call to memset for __GFP_ZERO (so no stack frame). */
static __attribute__((always_inline)) inline void *kmalloc_fast(size_t size, gfp_t gfp,
								unsigned long caller)
{
	if (likely(size - 1 < KMALLOC_MAX_CACHE_SIZE && !(gfp & (__GFP_DMA | __GFP_DMA32)))) {
		struct kmem_cache *s = kmalloc_caches[size_index[(size - 1) / 8]];
		void *obj = alloc_fast(s);
		if (likely(obj)) {
			kmalloc_hint()->s = s;
			return unlikely(gfp & __GFP_ZERO) ? memset(obj, 0, s->object_size) : obj;
		}
	}
	return kmalloc_caller(size, gfp, caller);
}

__hot void *kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc_fast(size, gfp, _RET_IP_);
}

__hot void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc_fast(size, gfp | __GFP_ZERO, _RET_IP_);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc_fast(bytes, gfp | __GFP_ZERO, _RET_IP_);
}

/* Usable size of p for the caller, 0 after a report when p is not a kmalloc pointer; *sp is
 * its cache (NULL for a large kmalloc). */
static size_t kmalloc_usable(const void *p, struct kmem_cache **sp, unsigned long caller)
{
	struct page *page = head_page(p);

	*sp = NULL;
	if (page && PageSlab(page)) {
		struct kmem_cache *s = (struct kmem_cache *)page->private;
		*sp = s;
		return check_object(s, p, caller) ? s->object_size : 0;
	}
	if (page && (page->flags & PG_head) && p == node_page_address(&contig_node, page))
		return ALIGN_UP(page->private, PAGE_SIZE);
	slab_misuse(NULL, p, "not a pointer kmalloc returned", caller);
	return 0;
}

/* The caller may use all ksize() bytes (Linux 6.2's skip_orig_size_check()): the kmalloc red
 * zone between the requested and the class size is checked a last time, then given up. */
size_t ksize(const void *p)
{
	struct kmem_cache *s;
	size_t size = p ? kmalloc_usable(p, &s, _RET_IP_) : 0;

	if (size && s && kmalloc_redzone(s))
		debug_kmalloc_size(s, (void *)p, _RET_IP_, size, 0);
	return size;
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

/* kfree for a caller inside the slab layer, reporting misuse as the given caller's. */
static void kfree_caller(const void *p, unsigned long caller)
{
	kfree_slow(p, NULL, caller);
}

__hot void kfree(const void *p)
{
	if (likely(free_fast(kmalloc_hint()->s, p)))	/* this CPU's last kmalloc cache */
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

/* Is obj (an object start of slab, a slab of s) on a freelist already? Exact for a debug cache
 * (every freelist is walked under slab_debug_lock); otherwise the heads that kfree() tests:
 * this CPU's freelist and the slab's own. */
static bool object_is_free(struct kmem_cache *s, struct page *slab, const void *obj)
{
	if (kmem_cache_debug(s)) {
		spin_lock(&slab_debug_lock);
		bool free = debug_object_free(s, slab, obj);
		spin_unlock(&slab_debug_lock);
		return free;
	}
	if (slab == this_cpu(s)->slab && obj == this_cpu(s)->freelist)
		return true;
	return read_counters(slab).c.freelist == obj_to_idx(s, slab, obj);
}

/* Linux 6.1's krealloc: a size that still fits keeps the object where it is (a shrink never
 * moves or fails); only a larger one is copied to a new object. Misuse is reported with the
 * caller of krealloc. */
void *krealloc(const void *p, size_t size, gfp_t gfp)
{
	unsigned long caller = _RET_IP_;
	struct kmem_cache *s;

	if (!p)
		return kmalloc_caller(size, gfp, caller);
	if (size == 0) {
		kfree_caller(p, caller);
		return NULL;
	}
	size_t ks = kmalloc_usable(p, &s, caller), keep = ks;
	if (!ks)
		return NULL;
	if (s && object_is_free(s, head_page(p), p)) {
		slab_misuse(s, p, "krealloc of a freed object", caller);
		return NULL;
	}
	if (s && kmalloc_redzone(s))
		keep = debug_kmalloc_size(s, (void *)p, caller, size <= ks ? size : ks, gfp);
	if (size <= ks)
		return (void *)p;
	void *n = kmalloc_caller(size, gfp & ~__GFP_ZERO, caller);
	if (!n)
		return NULL;
	memcpy(n, p, keep);
	if (gfp & __GFP_ZERO)
		memset((char *)n + keep, 0, size - keep);
	kfree_caller(p, caller);
	return n;
}

/* ---- set-up and reporting ---- */

void kmem_cache_init(u64 seed, unsigned int nr_cpus)
{
	BUG_ON(nr_cpus == 0 || nr_cpus > NR_CPUS);
	slab_nr_cpus = nr_cpus;
	slab_seed = seed;
	INIT_LIST_HEAD(&slab_caches);
	BUG_ON(!cache_setup(&kmem_cache_boot, "kmem_cache", kmem_cache_bytes(), 0,
			    SLAB_HWCACHE_ALIGN, NULL));
	kmalloc_init_sizes();
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		kmalloc_last[cpu].s = &kmem_cache_boot;	/* any cache: only its active slab is used */
	for (unsigned int i = 0; i < NR_KMALLOC; i++) {
		ksnprintf(kmalloc_names[0][i], sizeof(kmalloc_names[0][i]), "kmalloc-%u",
			  kmalloc_sizes[i]);
		ksnprintf(kmalloc_names[1][i], sizeof(kmalloc_names[1][i]), "dma-kmalloc-%u",
			  kmalloc_sizes[i]);
		unsigned int size = kmalloc_sizes[i];
		unsigned int align = is_power_of_2(size) ? size : 8;	/* natural, even when debugging */
		kmalloc_caches[i] = create_cache(kmalloc_names[0][i], size, align,
						 SLAB_PANIC | SLAB_KMALLOC, NULL, _RET_IP_);
		kmalloc_dma_caches[i] = create_cache(kmalloc_names[1][i], size, align,
						     SLAB_PANIC | SLAB_CACHE_DMA | SLAB_KMALLOC,
						     NULL, _RET_IP_);
	}
}

/* Objects of s not allocated: on the CPU freelists and on its slabs' own freelists. Exact
 * when no other CPU is allocating from s (the CPU freelists are read without their CPUs). */
static unsigned long free_objects(struct kmem_cache *s)
{
	unsigned long free = 0;
	struct list_head *pos;

	for (unsigned int cpu = 0; cpu < slab_nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &s->cpu[cpu];
		struct page *slab = c->slab;
		unsigned int n = 0;
		if (!slab)
			continue;
		void *o = c->freelist;
		for (o = is_object_start(s, slab, o) ? o : NULL; o && n < s->objects;
		     o = next_free_or_null(s, slab, o))
			n++;
		free += n + s->objects - read_counters(slab).c.inuse;
	}
	spin_lock(&s->list_lock);
	list_for_each(pos, &s->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		free += s->objects - read_counters(slab).c.inuse;
	}
	spin_unlock(&s->list_lock);
	return free;
}

void slabinfo_print(void)
{
	struct list_head *pos;

	printk(KERN_INFO "slabinfo - version: 2.1\n");
	printk(KERN_INFO "# name            <active_objs> <num_objs> <objsize> <objperslab> "
	       "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
	       "<active_slabs> <num_slabs> <sharedavail>\n");
	spin_lock(&slab_caches_lock);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		unsigned long total = s->nr_slabs * s->objects;
		printk(KERN_INFO "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata "
		       "%6lu %6lu %6u\n", s->name, total - free_objects(s), total, s->size,
		       s->objects, 1 << s->order, 0, 0, 0, s->nr_slabs, s->nr_slabs, 0);
	}
	spin_unlock(&slab_caches_lock);
}

unsigned long slab_pages(void)
{
	unsigned long pages = 0;
	struct list_head *pos;
	spin_lock(&slab_caches_lock);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		pages += s->nr_slabs << s->order;
	}
	spin_unlock(&slab_caches_lock);
	return pages;
}
