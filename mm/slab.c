/* mm/slab.c - a SLUB-like slab allocator over the buddy allocator: the cache core and the
 * kmem_cache_* fast paths. kmalloc (size classes, large kmalloc, kfree/krealloc/ksize, the
 * kmalloc context) is mm/kmalloc.c; slabinfo and the other printers are mm/show.c; the debug
 * checks are mm/slab_debug.c; flushing every CPU's slabs, shrink and destroy's drain are
 * mm/slab_shrink.c; a cache's object layout and slab order are mm/slab_geometry.c. Calls go one
 * way: kmalloc.c -> slab_shrink.c -> slab.c -> slab_debug.c, slab_geometry.c (see
 * mm/slab_internal.h); this file calls nothing in kmalloc.c, slab_shrink.c or show.c.
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
 *   frozen   a CPU's (slab.frozen): its active slab, whose free objects are on that CPU's
 *            freelist, inuse == objects (objects freed by another CPU go to slab.freelist);
 *            or one of its partial slabs (below), free objects on slab.freelist.
 *   partial  some objects free: on s->partial (a small number of empty ones too, min_partial).
 *   full     every object allocated: on no list (found again when an object is freed).
 *   empty    beyond min_partial, or at shrink/destroy: its pages go back to the buddy.
 *
 * CPU partial lists (Linux's CONFIG_SLUB_CPU_PARTIAL). A free that makes a full slab partial
 * freezes it, in the same compare-and-exchange, onto the freeing CPU's partial list (per
 * context, linked through lru.next, at most s->cpu_partial slabs): no list_lock, and no write
 * to the shared partial list. A refill takes s->partial first (its slabs had longest to gather
 * frees), then the CPU's partial slab with the most free objects, then a new slab. A full CPU
 * list goes to s->partial whole, in one list_lock section; flushes, shrink, destroy, idle
 * sweeps and reclaim give the lists back too. (Measured: docs/design.md.)
 *
 * Every cache belongs to one node (s->node), which gives its slabs; a failing slab allocation
 * first reclaims the empty slabs of every cache of that node.
 *
 * Idle caches. A CPU keeps an active slab in every cache it ever used, and min_partial empty
 * ones: idle memory of caches nobody uses any more. Whenever a CPU (in one context) has taken
 * SLAB_SWEEP_PAGES pages for new slabs, it ends a sweep epoch and looks at its entries of every
 * other cache of the node: one that took no slow path for a whole epoch is idle; its active
 * slab is given back (discarded if empty), and so are its empty partial slabs, to the buddy.
 * Only slow paths write the stamp: the fast paths pay nothing. A cache that was only quiet
 * takes one slow path to get a slab again. Debug caches are left alone (see the sweep).
 *
 * Fast paths (mm/slab_internal.h) touch only the CPU's kmem_cache_cpu: alloc pops
 * cpu->freelist after one range test against the active slab (cpu->base, cpu->limit), which
 * also stops a corrupted free pointer: when an object was overwritten after its free, the slow
 * path reports it and cuts the freelist there, never dereferencing it (a pointer forged inside
 * the slab off an object start needs the hardening secret; any slub_debug flag catches that
 * too). A free whose address falls in the active slab's range (limit is 0 for debug caches),
 * is an object start (a multiplication by the reciprocal of the size) and not the freelist
 * head (a double free) is pushed on it, with no struct page lookup at all. kfree() first tries
 * the active slab of the class this CPU's owner table names for the page (mm/kmalloc.c).
 * A free of an object of any other slab of the cache is pushed on slab.freelist inline, and
 * the slab moves between full, partial and empty only at those transitions.
 * Slow path (cpu->freelist empty): take what other CPUs freed to the active slab, else unfreeze
 * it and freeze a partial slab (above), else a new slab from the page allocator. Everything
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
 * Interrupts. Interrupts are on while the kernel works, and handlers allocate and free
 * (GFP_ATOMIC). Each CPU has two kmem_cache_cpu per cache, one per context (lib/percpu.h):
 * this_cpu() picks process context's, or in a handler (hardirq_enter() moved the per-CPU
 * context offset) hardirq context's. A handler therefore never touches the freelist the code it
 * interrupted may be half-way through, and the fast paths need no interrupt-disabling nor a
 * transaction id: they cost nothing for it (the alternatives, measured: docs/design.md). Hardirq
 * entries keep limit 0, so handlers take the general paths, where the sleeping-allocation
 * check (Linux's might_alloc) is; handlers do not nest, so a hardirq entry is only ever used
 * by one handler at a time. The price: a cache used in both contexts can hold two active slabs
 * per CPU. The one foreign access to a process-context entry is flush_all() by IPI
 * (kmem_cache_shrink/destroy): it flushes it only when the IPI landed outside the allocator's
 * code (irq_interrupted_outside_mm()), else retries.
 *
 * Locking. Every lock here is taken with spin_lock_irqsave() (a handler may want any of them).
 *   slab_debug_lock -> slab_caches_lock -> s->list_lock -> page allocator (pcp, zone locks)
 * - A CPU's kmem_cache_cpu of a context is touched only by that CPU in that context (and by
 *   flush_all, above): the fast paths take no lock at all (nothing migrates).
 * - A slab's {inuse, frozen, freelist} is one 32-bit word (struct page's counters), changed
 *   only by compare-and-exchange once the slab is published: the owner of a frozen slab takes
 *   its whole freelist with an exchange, any CPU pushes a freed object on it with a
 *   compare-and-exchange. There is no ABA: nobody pops single objects off slab.freelist.
 * - s->list_lock protects s->partial, nr_partial, s->full and every change of a slab's list
 *   state: a slab is frozen (taken off partial) and unfrozen (placed) under it, and a free
 *   that moves a non-frozen slab (to empty, or from full to partial) takes it before its
 *   compare-and-exchange; but two moves between "on no list" and frozen need no lock, one
 *   compare-and-exchange each: a CPU slab with nothing free anywhere becomes full, and a free
 *   into a full slab freezes it onto its CPU's partial list (caches with cpu_partial). So,
 *   under list_lock: not frozen and slab.freelist != END means "on s->partial", not frozen
 *   and END means "full". A free that moves nothing (the common case) is lock-free.
 * - Debug caches take slab_debug_lock around each whole alloc and free, so their checks (which
 *   walk freelists, the full list and the isolation table) see still data.
 * - slab_caches (the list of caches) is under slab_caches_lock.
 */
#include "mm/slab_internal.h"
#include "lib/bitops.h"
#include "lib/string.h"

struct list_head slab_caches = LIST_HEAD_INIT(slab_caches);
DEFINE_SPINLOCK(slab_caches_lock);
unsigned int slab_nr_cpus = NR_CPUS;
static u64 slab_seed;

size_t kmem_cache_bytes(void)
{
	return sizeof(struct kmem_cache) +
	       slab_nr_cpus * PERCPU_CTX_LINES * sizeof(struct kmem_cache_cpu);
}

void slab_core_init(u64 seed, unsigned int nr_cpus)
{
	BUG_ON(nr_cpus == 0 || nr_cpus > NR_CPUS);
	slab_nr_cpus = nr_cpus;
	slab_seed = seed;
	INIT_LIST_HEAD(&slab_caches);
}

static u64 splitmix64(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

bool cache_setup(struct kmem_cache *s, struct mm_node *n, const char *name, unsigned int size,
		 unsigned int align, unsigned int flags, void (*ctor)(void *))
{
	unsigned long irqflags = 0;
	memset(s, 0, kmem_cache_bytes());
	s->name = name;
	s->node = n;
	s->nr_cpus = slab_nr_cpus;
	s->ctor = ctor;
	if (!cache_geometry(s, size, align, flags | slub_debug_flags_for(name)))
		return false;
	s->random = splitmix64(&slab_seed);
	spin_lock_init(&s->list_lock);
	INIT_LIST_HEAD(&s->partial);
	INIT_LIST_HEAD(&s->full);
	spin_lock_irqsave(&slab_caches_lock, irqflags);
	list_add_tail(&s->list, &slab_caches);
	spin_unlock_irqrestore(&slab_caches_lock, irqflags);
	return true;
}

/* ---- slabs from and to the page allocator ---- */

static struct page *new_slab(struct kmem_cache *s, gfp_t gfp)
{
	if (s->flags & SLAB_CACHE_DMA)
		gfp |= __GFP_DMA;
	gfp &= ~GFP_MOVABLE_MASK;	/* a slab follows its cache, never the request */
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		gfp |= __GFP_RECLAIMABLE;
	struct page *slab = node_alloc_pages(s->node, (gfp & ~__GFP_ZERO) | __GFP_NOWARN, s->order);
	if (!slab)
		return NULL;
	for (unsigned long i = 1; i < (1UL << s->order); i++) {
		slab[i].flags |= PG_tail;
		slab[i].private = (unsigned long)slab;
	}
	VM_BUG_ON((uintptr_t)slab_base(s, slab) & s->slab_mask);	/* free_other_fast relies on it */
	slab->flags |= PG_slab;
	slab->private = (unsigned long)s;
	slab->counters = 0;			/* inuse 0, not frozen, freelist = object 0 */
	char *obj = idx_to_obj(s, slab, 0), *last = obj + (size_t)(s->objects - 1) * s->size;
	if (kmem_cache_debug(s) || s->ctor) {
		for (; obj <= last; obj += s->size) {
			if (kmem_cache_debug(s))
				debug_init_object(s, obj);
			if (s->ctor)
				s->ctor(obj);
		}
		obj = idx_to_obj(s, slab, 0);
	}
	for (unsigned int size = s->size; obj < last; obj += size)	/* the chain, in order */
		set_freepointer(s, obj, obj + size);
	set_freepointer(s, last, NULL);
	__atomic_fetch_add(&s->nr_slabs, 1, __ATOMIC_RELAXED);
	return slab;
}

/* A slab's pages back to the page allocator: to this CPU's page lists on the churn of frees
 * (a new slab may want them soon), straight to the buddy when memory is given back (shrink,
 * reclaim, idle caches). */
static void discard_slab_to(struct kmem_cache *s, struct page *slab, bool to_buddy)
{
	for (unsigned long i = 1; i < (1UL << s->order); i++) {
		slab[i].flags &= (u16)~PG_tail;
		slab[i].private = 0;
	}
	slab->flags &= (u16)~PG_slab;
	slab->private = 0;
	slab->refcount = 1;		/* the union held slab counters */
	__atomic_fetch_sub(&s->nr_slabs, 1, __ATOMIC_RELAXED);
	if (to_buddy)
		node_free_pages_to_buddy(s->node, slab, s->order);
	else
		node_free_pages(s->node, slab, s->order);
}

static void discard_slab(struct kmem_cache *s, struct page *slab)
{
	discard_slab_to(s, slab, false);
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

/* Under list_lock, a slab left with no free object: unlisted, or on s->full for a debug cache. */
static void slab_now_full_locked(struct kmem_cache *s, struct page *slab)
{
	if (kmem_cache_debug(s))
		list_add(&slab->lru, &s->full);
}

/* Under list_lock, a non-frozen slab's counters just became now (listed: it was on the partial
 * list): move it between full, partial and empty. */
static void place_slab_locked(struct kmem_cache *s, struct page *slab, bool listed, union counters now)
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
		slab_now_full_locked(s, slab);
	}
}

/* Make slab the CPU's active slab (frozen), or clear it (slab NULL). A debug cache and every
 * hardirq-context entry keep limit 0, so that their allocations and frees take the general
 * paths, with their checks (debugging; a sleeping allocation in interrupt context). */
static void cpu_slab_set(struct kmem_cache *s, struct kmem_cache_cpu *c, struct page *slab)
{
	c->slab = slab;
	c->base = slab ? idx_to_obj(s, slab, 0) : NULL;
	c->limit = slab && !kmem_cache_debug(s) && !cpu_slot_hardirq(s, c) ? s->span : 0;
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

/* ---- CPU partial lists (header: "CPU partial lists") ---- */

/* Under list_lock: slab, frozen and on no list, stops being any CPU's; returns its counters. */
static union counters unfreeze_locked(struct page *slab)
{
	union counters old = read_counters(slab), now;

	do {
		now = old;
		now.c.frozen = 0;
	} while (!cas_counters(slab, &old, now));
	return now;
}

/* Under list_lock: place a slab just unfrozen, or (idle, empty) free it; returns pages freed. */
static unsigned long settle_locked(struct kmem_cache *s, struct page *slab, union counters now,
				   bool idle)
{
	if (!idle || now.c.inuse) {
		place_slab_locked(s, slab, false, now);
		return 0;
	}
	discard_slab_to(s, slab, true);
	return 1UL << s->order;
}

/* Every slab of c's partial list back to s's lists (settle_locked()) in one list_lock
 * section; returns the pages given to the buddy. */
static unsigned long unfreeze_partials(struct kmem_cache *s, struct kmem_cache_cpu *c, bool idle)
{
	unsigned long irqflags = 0, freed = 0;
	struct page *slab = c->partial;

	if (!slab)
		return 0;
	c->partial = NULL;
	c->nr_partial = 0;
	spin_lock_irqsave(&s->list_lock, irqflags);
	for (struct page *next; slab; slab = next) {
		next = (struct page *)slab->lru.next;
		freed += settle_locked(s, slab, unfreeze_locked(slab), idle);
	}
	spin_unlock_irqrestore(&s->list_lock, irqflags);
	return freed;
}

/* A free just froze slab (full until then) for this CPU: onto its list, emptied first if full. */
static void put_cpu_partial(struct kmem_cache *s, struct page *slab)
{
	struct kmem_cache_cpu *c = this_cpu(s);

	if (c->nr_partial >= s->cpu_partial)
		unfreeze_partials(s, c, false);
	slab->lru.next = (struct list_head *)c->partial;
	c->partial = slab;
	c->nr_partial++;
}

/* The slab of c's partial list with the most free objects as c's active slab; NULL if none. */
static void *refill_from_cpu_partial(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	unsigned long irqflags = 0;

	while (c->partial) {
		struct page **link = &c->partial, **best = link;
		unsigned int least = SLAB_MAX_OBJECTS + 1;
		for (; *link; link = (struct page **)&(*link)->lru.next) {
			unsigned int inuse = read_counters(*link).c.inuse;
			if (inuse < least) {
				least = inuse;
				best = link;
			}
		}
		struct page *slab = *best;
		*best = (struct page *)slab->lru.next;
		c->nr_partial--;
		void *first = take_freelist(s, slab);
		if (likely(first)) {
			cpu_slab_set(s, c, slab);
			c->freelist = first;
			return first;
		}
		/* cannot happen (only this CPU takes objects off its partial slabs) */
		spin_lock_irqsave(&s->list_lock, irqflags);
		place_slab_locked(s, slab, false, unfreeze_locked(slab));
		spin_unlock_irqrestore(&s->list_lock, irqflags);
	}
	return NULL;
}

/* Give CPU c's active slab back (c is this CPU's, or that of a CPU that no longer uses s):
 * its CPU freelist is chained in front of what other CPUs freed to it, and it is unfrozen and
 * placed, all under list_lock; idle: an empty one is discarded, whatever min_partial says. */
static void deactivate_slab_as(struct kmem_cache *s, struct kmem_cache_cpu *c, bool idle)
{
	unsigned long irqflags = 0;
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
	union counters old = read_counters(slab), now = old;
	if (!tail && old.c.freelist == SLAB_FREELIST_END && !kmem_cache_debug(s)) {
		/* Nothing free anywhere: it becomes a full slab, which no list holds, by one
		 * compare-and-exchange; a free by another CPU since makes it fail (then below). */
		now.c.frozen = 0;
		if (cas_counters(slab, &old, now))
			return;
	}
	spin_lock_irqsave(&s->list_lock, irqflags);
	old = read_counters(slab);
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
	settle_locked(s, slab, now, idle);
	spin_unlock_irqrestore(&s->list_lock, irqflags);
}

void deactivate_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	deactivate_slab_as(s, c, false);
	unfreeze_partials(s, c, false);
}

/* Give every empty slab on the partial list of s back; returns pages freed. */
unsigned long discard_empty_partials(struct kmem_cache *s)
{
	unsigned long irqflags = 0;
	unsigned long freed = 0;
	struct list_head *pos, *tmp;

	spin_lock_irqsave(&s->list_lock, irqflags);
	list_for_each_safe(pos, tmp, &s->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		if (read_counters(slab).c.inuse)
			continue;
		list_del(pos);
		s->nr_partial--;
		discard_slab_to(s, slab, true);
		freed += 1UL << s->order;
	}
	spin_unlock_irqrestore(&s->list_lock, irqflags);
	return freed;
}

/* Memory of node n is short: give every empty slab kept on a partial list (min_partial of them
 * per cache, and this CPU's partial lists) back to the page allocator, for every cache of n.
 * Other CPUs' active slabs and partial lists stay theirs (only their CPU may touch them); the
 * page allocator has drained every CPU's page lists already. Returns the pages freed. */
static unsigned long slab_reclaim_empty(struct mm_node *n)
{
	unsigned long irqflags = 0;
	unsigned long freed = 0;
	struct list_head *pos;

	spin_lock_irqsave(&slab_caches_lock, irqflags);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (s->node != n)
			continue;
		if (smp_processor_id() < s->nr_cpus)	/* this CPU's partial slabs (its context's) */
			freed += unfreeze_partials(s, this_ctx_elem(s->cpu), true);
		freed += discard_empty_partials(s);
	}
	spin_unlock_irqrestore(&slab_caches_lock, irqflags);
	return freed;
}

/* ---- idle caches (header: "Idle caches") ---- */

struct slab_sweep {
	unsigned long epoch;		/* sweeps this CPU made in this context */
	unsigned long grown;		/* slab pages it took since the last one */
} __attribute__((aligned(PERCPU_LINE)));	/* one line per CPU and context */
static struct slab_sweep slab_sweep[NR_CPUS * PERCPU_CTX_LINES];

/* This CPU (in this context) takes 2^order pages for a new slab of s: at the end of an epoch,
 * give back its slabs of every cache of the node that has just gone idle. */
static void sweep_idle_caches(struct kmem_cache *s, unsigned int order)
{
	unsigned long irqflags = 0;
	struct slab_sweep *w = this_ctx_elem(slab_sweep);
	struct list_head *pos;

	w->grown += 1UL << order;
	if (w->grown < SLAB_SWEEP_PAGES)
		return;
	w->grown = 0;
	unsigned long epoch = ++w->epoch;
	unsigned int cpu = smp_processor_id();
	spin_lock_irqsave(&slab_caches_lock, irqflags);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *t = list_entry(pos, struct kmem_cache, list);
		/* Not a debug cache: its CPU freelists change only under slab_debug_lock, which
		 * ranks above slab_caches_lock. Nor one without entries for this CPU id, nor one
		 * busy in the last epoch. */
		if (t == s || t->node != s->node || kmem_cache_debug(t) || cpu >= t->nr_cpus)
			continue;
		struct kmem_cache_cpu *tc = this_ctx_elem(t->cpu);
		if (tc->stamp + 2 > epoch)
			continue;
		if (tc->slab)
			deactivate_slab_as(t, tc, true);
		unfreeze_partials(t, tc, true);
		/* Empty slabs stay listed only while the list is short (place_slab_locked):
		 * those of a short list, found at little cost, are the ones to give back. */
		unsigned long nr = __atomic_load_n(&t->nr_partial, __ATOMIC_RELAXED);
		if (nr && nr <= t->min_partial)
			discard_empty_partials(t);
	}
	spin_unlock_irqrestore(&slab_caches_lock, irqflags);
}

/* ---- allocation ---- */

static void *slab_alloc_slow(struct kmem_cache *s, struct kmem_cache_cpu *c, gfp_t gfp)
{
	unsigned long irqflags = 0;
	struct page *slab = c->slab;

	c->stamp = this_ctx_elem(slab_sweep)->epoch;

	if (slab) {
		if (read_counters(slab).c.freelist != SLAB_FREELIST_END) {
			c->freelist = take_freelist(s, slab);	/* objects other CPUs freed */
			if (c->freelist)
				return c->freelist;
		}
		deactivate_slab_as(s, c, false);	/* full: unfreeze it */
	}
	void *first;
	/* An unlocked look first (Linux's get_partial_node()): an empty partial list does not
	 * make the CPUs pass the list_lock line around for nothing. */
	if (!__atomic_load_n(&s->nr_partial, __ATOMIC_RELAXED))
		goto cpu_partial;
	spin_lock_irqsave(&s->list_lock, irqflags);
	while (!list_empty(&s->partial)) {
		slab = list_first_entry(&s->partial, struct page, lru);
		list_del(&slab->lru);
		s->nr_partial--;
		first = take_freelist(s, slab);
		if (likely(first)) {
			spin_unlock_irqrestore(&s->list_lock, irqflags);
			cpu_slab_set(s, c, slab);
			c->freelist = first;
			return first;
		}
		/* cannot happen (a listed slab has free objects): keep it as full, unfrozen */
		place_slab_locked(s, slab, false, unfreeze_locked(slab));
	}
	spin_unlock_irqrestore(&s->list_lock, irqflags);
cpu_partial:
	first = refill_from_cpu_partial(s, c);
	if (first)
		return first;
	sweep_idle_caches(s, s->order);
	slab = new_slab(s, gfp);
	if (!slab && slab_reclaim_empty(s->node))	/* memory is short: empty slabs of every cache */
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
void *slab_alloc(struct kmem_cache *s, gfp_t gfp, unsigned long caller)
{
	unsigned long irqflags = 0;
	struct kmem_cache_cpu *c = this_cpu(s);
	bool debug = kmem_cache_debug(s);
	void *obj;

	if (should_fail(&failslab))
		return NULL;
	if (unlikely(gfp & __GFP_DMA32))
		gfp = kmalloc_fix_flags(s->node, gfp, caller);
	if (unlikely(gfp_bad_in_context(gfp)))	/* hardirq entries always come here */
		node_might_alloc_bad(s->node, gfp, caller);
	if (debug)
		spin_lock_irqsave(&slab_debug_lock, irqflags);
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
	if (debug && !debug_alloc_locked(s, c->slab, obj, caller))
		goto again;
	if (unlikely(gfp & __GFP_ZERO))
		memset(obj, 0, s->object_size);
out:
	if (debug)
		spin_unlock_irqrestore(&slab_debug_lock, irqflags);
	return obj;
}

/* ---- frees to other slabs ---- */

/* Free obj (an object start of slab, a slab of s that is not this CPU's active one) to the
 * slab's own freelist under list_lock, moving the slab between lists as its state says. */
__attribute__((noinline)) void slab_free_other(struct kmem_cache *s, struct page *slab, void *obj,
					       unsigned long caller)
{
	unsigned long irqflags = 0;
	char *base = idx_to_obj(s, slab, 0);
	unsigned long off = (unsigned long)((char *)obj - base);
	u16 idx = (u16)((off * s->reciprocal_size) >> 32);
	const char *bad = NULL;
	union counters old = read_counters(slab), now;

	/* A free that makes a full slab partial freezes it onto this CPU's partial list, with no
	 * list_lock: a full slab is on no list, and the one compare-and-exchange decides. */
	while (s->cpu_partial && !old.c.frozen && old.c.freelist == SLAB_FREELIST_END &&
	       old.c.inuse > 1) {
		set_freepointer(s, obj, NULL);
		now = old;
		now.c.freelist = idx;
		now.c.inuse--;
		now.c.frozen = 1;
		if (cas_counters(slab, &old, now)) {
			put_cpu_partial(s, slab);
			return;
		}
	}
	spin_lock_irqsave(&s->list_lock, irqflags);
	old = read_counters(slab);
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
		place_slab_locked(s, slab, listed, now);
	}
	spin_unlock_irqrestore(&s->list_lock, irqflags);
	if (bad)
		slab_misuse(s->node, s, obj, bad, caller);
}

/* ---- kmem_cache_alloc and kmem_cache_free (their fast paths inline slab_internal.h's) ---- */

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

static struct page *check_object(struct kmem_cache *s, const void *obj, unsigned long caller)
{
	return check_object_in(s, head_page(s->node, obj), obj, caller);
}

void slab_free(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller)
{
	unsigned long irqflags = 0;
	struct kmem_cache_cpu *c = this_cpu(s);
	bool debug = kmem_cache_debug(s);

	if (debug) {
		spin_lock_irqsave(&slab_debug_lock, irqflags);
		if (!debug_free_locked(s, slab, obj, caller))
			goto out;
	}
	if (likely(slab == c->slab)) {
		if (unlikely(obj == c->freelist)) {
			slab_misuse(s->node, s, obj, "double free", caller);
			goto out;
		}
		set_freepointer(s, obj, c->freelist);
		c->freelist = obj;
	} else {
		slab_free_other(s, slab, obj, caller);
	}
out:
	if (debug)
		spin_unlock_irqrestore(&slab_debug_lock, irqflags);
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
	/* Slabs of s are naturally aligned 2^order blocks: the descriptor of the block's first
	 * frame is the slab's, no PG_tail link to follow. */
	const struct mm_node *n = s->node;
	unsigned long off = (uintptr_t)obj & s->slab_mask;	/* free_other_fast's too */
	unsigned long pfn = ((uintptr_t)obj - off - n->virt_base) >> PAGE_SHIFT;
	if (unlikely(!node_pfn_valid(n, pfn)))
		return false;
	struct page *slab = n->vmemmap + pfn;
	return (slab->flags & PG_slab) && (struct kmem_cache *)slab->private == s &&
	       slab != this_cpu(s)->slab && free_other_fast(s, slab, obj);
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
