/* tests/kernel/smp_stress_test.c - the allocators under real concurrency (issue 7, "Stress").
 *
 * Every online CPU at once (smp_call_all) runs a long random mix of kmalloc/kfree of 1 byte to
 * 8 KiB and large kmalloc beyond, kmem_cache_alloc/free on two caches CPU 0 created for the run
 * (one with a constructor, one SLAB_HWCACHE_ALIGN), alloc_pages/__free_pages of orders 0-4 and
 * now and then higher, and frees of objects other CPUs allocated, handed over through a shared
 * lock-protected ring. Every object is filled on allocation with a pattern derived from (owner
 * CPU, sequence, address) and checked in full by whichever CPU frees it; __GFP_ZERO memory is
 * checked to be zero, constructed objects to be in their constructed state, every object to be
 * aligned and in the zone asked for. Each CPU keeps at most STRESS_LIVE objects within a byte
 * budget taken from the free memory, so the run fits in small machines. At the end the CPUs
 * meet (a bounded wait), free what they hold and what is left in the ring, every CPU shrinks
 * its own slab state, CPU 0 destroys the caches, and the case checks: no corruption, no
 * allocation failure except __GFP_NOWARN ones (counted and printed), no misuse report,
 * node_check() clean and nr_free_pages() back exactly.
 *
 * Two cases: with plenty of memory, and with a ballast holding all but about 1 MiB per CPU
 * above the watermarks, where every allocation is __GFP_NOWARN and many fail, so that the CPUs
 * drain each other's page lists and the slab gives back empty slabs while the others run.
 *
 * Interrupt-context load: while the CPUs run the mix, the LAPIC timer's tick hook (kernel/irq.h)
 * makes every tick on every CPU allocate and free with GFP_ATOMIC in hardirq context (kmalloc
 * of several sizes, objects of both caches, order-0..3 pages), fill and check them like the
 * rest, free objects process context handed to the ring and hand its own to the ring for
 * process context to free. So the fast paths are interrupted anywhere, by code using the same
 * caches and lists. Its counts are printed in a diagnostic line ("... in interrupt context").
 *
 * With one CPU the cases still run, on CPU 0 alone and shorter (STRESS_OPS_ONE_CPU): the ring
 * then hands objects back to the CPU that allocated them (no remote frees, but the same paths
 * and checks). Only CPU 0 reports: each CPU keeps counters and the first corruption it found,
 * printed through ktest once every CPU is done. */
#include "tests/ktest.h"
#include "kernel/arch.h"
#include "kernel/irq.h"
#include "kernel/smp.h"
#include "lib/prandom.h"
#include "lib/spinlock.h"
#include "mm/gfp.h"
#include "mm/slab.h"
#include "mm/zone.h"

#define STRESS_OPS		1000000	/* random operations per CPU, with several CPUs */
#define STRESS_OPS_ONE_CPU	100000	/* with one (the single-CPU suites cover the rest) */
#define LOW_MEM_OPS_DIV		4	/* the low-memory case runs a quarter of that */
#define DEBUG_OPS_DIV		8	/* an eighth with slub_debug= (one lock for every check) */
#define LOW_MEM_FREE_PER_CPU	(1UL << 20)	/* what it leaves free above the watermark */
#define STRESS_LIVE		256	/* objects a CPU holds at most */
#define STRESS_RING		512	/* objects in transit between CPUs at most */
#define RING_SCAN		16	/* how far a CPU looks for another CPU's object */
#define STRESS_CPU_BUDGET_MAX	(8UL << 20)	/* live bytes per CPU, at most... */
#define STRESS_RING_BUDGET_MAX	(4UL << 20)	/* ...and in the ring */
#define STRESS_LARGE_MAX	(4 * 8192)	/* largest large kmalloc */
#define STRESS_SEED		0x57e55c0ffee5eedULL
#define MEET_TIMEOUT_MS		120000	/* how long a CPU that is done waits for the others */
#define CALL_TIMEOUT_MS		600000	/* the whole run (TCG on a loaded host is slow) */
#define CTOR_SIZE		200	/* the constructed cache's objects */
#define ALIGNED_SIZE		72	/* the SLAB_HWCACHE_ALIGN cache's objects (stride 128) */
#define CTOR_MAGIC		0xc7012c7012c70120ULL
#define IRQ_LIVE		24	/* objects a CPU's interrupt handler holds at most */
#define IRQ_OPS_PER_TICK	4	/* operations per tick */
#define IRQ_OWNER		0x8000	/* owner of an object allocated in interrupt context:
					 * cpu | IRQ_OWNER */

enum obj_kind { OBJ_KMALLOC, OBJ_LARGE, OBJ_CTOR, OBJ_ALIGNED, OBJ_PAGES };
static const char *const kind_name[] = { "kmalloc", "large kmalloc", "ctor cache object",
					 "aligned cache object", "page block" };

/* What a CPU found wrong in an object. */
enum bad_what { BAD_NONE, BAD_PATTERN, BAD_ZERO, BAD_CTOR, BAD_PLACE };
static const char *const bad_name[] = { "", "pattern overwritten", "__GFP_ZERO memory not zero",
					"constructed state lost", "misplaced (alignment or zone)" };

/* A live object: its owner is the CPU that allocated it, seq that CPU's allocation count. */
struct obj {
	void *ptr;
	u32 size;		/* bytes filled; pages: PAGE_SIZE << order */
	u32 seq;
	u16 owner;
	u8 kind;		/* enum obj_kind */
	u8 order;		/* OBJ_PAGES */
};

struct corruption {
	struct obj o;
	unsigned int what;	/* enum bad_what */
	u32 offset;		/* first bad byte */
	u64 want, found;	/* the 8 bytes there */
};

/* One CPU's run: its live objects and its counters. Cache-line aligned: no false sharing. */
struct cpu_run {
	struct prandom rnd;
	struct obj live[STRESS_LIVE];	/* [0, nr_live) */
	unsigned int nr_live;
	unsigned long live_bytes;
	u32 seq;
	u64 ops, allocs, frees, handed, remote_frees;
	u64 nowarn_fails, fails;	/* NULL from a __GFP_NOWARN allocation / from any other */
	u64 corrupt;
	struct corruption first;
	u64 run_ms;			/* the random mix, without the meeting and clean-up */
	bool ran, met;
} __attribute__((aligned(64)));

/* One CPU's interrupt-context load: touched only by that CPU's tick handler (handlers do not
 * nest) and, once the hook is cleared, by CPU 0. */
struct irq_run {
	struct prandom rnd;
	struct obj live[IRQ_LIVE];
	unsigned int nr_live;
	u32 seq;
	u64 ticks, allocs, frees, from_process, handed, nowarn_fails, fails, corrupt;
	struct corruption first;
} __attribute__((aligned(64)));

/* The shared hand-over ring (FIFO), under its lock. */
struct ring {
	spinlock_t lock;
	unsigned int head, count;
	unsigned long bytes;
	struct obj slot[STRESS_RING];
};

static struct stress {
	struct cpu_run *run;		/* [nr_cpu_ids()], from the page allocator */
	size_t run_bytes;
	struct irq_run *irq;		/* [nr_cpu_ids()], likewise */
	size_t irq_bytes;
	struct kmem_cache *ctor_cache, *aligned_cache;
	unsigned long cpu_budget, ring_budget;
	unsigned int ops;		/* per CPU */
	bool low_memory;		/* every allocation __GFP_NOWARN: failures are expected */
	unsigned int expected, arrived;	/* the final meeting */
	struct ring ring;
} st;

static bool before(u64 deadline) { return (s64)(rdtsc() - deadline) < 0; }
static u64 ms_from_now(unsigned int ms) { return rdtsc() + ms * smp_tsc_per_ms(); }

/* ---- the pattern ---- */

static u64 mix64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* The 8 bytes an object of key holds at address a (8-aligned): every word differs. */
static inline u64 pattern_word(u64 key, uintptr_t a) { return key ^ (a * 0x9e3779b97f4a7c15ULL); }

static u64 obj_key(const struct obj *o)
{
	return mix64(STRESS_SEED ^ ((u64)o->owner << 40) ^ o->seq);
}

/* Write the pattern of key over [p, p + size), p 8-aligned. */
static void fill_pattern(void *p, u32 size, u64 key)
{
	u64 *w = p;
	u32 i, words = size / 8;

	for (i = 0; i < words; i++)
		w[i] = pattern_word(key, (uintptr_t)&w[i]);
	if (size % 8) {
		u64 last = pattern_word(key, (uintptr_t)&w[words]);
		__builtin_memcpy(&w[words], &last, size % 8);
	}
}

/* Check [p, p + size) against the pattern of key. Returns the offset of the first word that
 * differs, or -1; *want and *found get that word. */
static long check_pattern(const void *p, u32 size, u64 key, u64 *want, u64 *found)
{
	const u64 *w = p;
	u32 i, words = size / 8;

	for (i = 0; i < words; i++)
		if (unlikely(w[i] != pattern_word(key, (uintptr_t)&w[i])))
			break;
	if (i == words && size % 8) {
		u64 exp = pattern_word(key, (uintptr_t)&w[words]), got = exp;
		__builtin_memcpy(&got, &w[words], size % 8);
		if (got == exp)
			return -1;
		*want = exp;
		*found = got;
		return (long)words * 8;
	}
	if (i == words)
		return -1;
	*want = pattern_word(key, (uintptr_t)&w[i]);
	*found = w[i];
	return (long)i * 8;
}

/* Offset of the first non-zero word of [p, p + size), or -1. */
static long check_zero(const void *p, u32 size, u64 *found)
{
	const u8 *b = p;

	for (u32 i = 0; i < size; i += 8) {
		u64 v = 0;
		__builtin_memcpy(&v, b + i, MIN(8u, size - i));
		if (unlikely(v)) {
			*found = v;
			return i;
		}
	}
	return -1;
}

/* The constructor: a pattern of its own, so that a constructed object is recognised. */
static void stress_ctor(void *obj)
{
	fill_pattern(obj, CTOR_SIZE, CTOR_MAGIC);
}

/* Count a bad object in *count, keeping the first in *first. */
static void report_in(u64 *count, struct corruption *first, const struct obj *o,
		      unsigned int what, long off, u64 want, u64 found)
{
	if (what != BAD_PLACE && want != found)	/* the first bad byte of the word */
		off += __builtin_ctzll(want ^ found) / 8;
	if (!(*count)++)
		*first = (struct corruption){ *o, what, (u32)off, want, found };
}

static void report(struct cpu_run *cr, const struct obj *o, unsigned int what, long off,
		   u64 want, u64 found)
{
	report_in(&cr->corrupt, &cr->first, o, what, off, want, found);
}

/* ---- allocating and freeing one object ---- */

static unsigned int pick_order(struct prandom *r, gfp_t *gfp)
{
	unsigned int p = (unsigned int)prandom_below(r, 100);

	if (p >= 99) {				/* 1%: orders 5-7, may fail when fragmented */
		*gfp |= __GFP_NOWARN;
		return 5 + (unsigned int)prandom_below(r, 3);
	}
	return p < 40 ? 0 : p < 65 ? 1 : p < 80 ? 2 : p < 92 ? 3 : 4;
}

/* 1 .. 8192 bytes, log-uniform: every kmalloc class gets its share. */
static u32 pick_kmalloc_size(struct prandom *r)
{
	unsigned int shift = (unsigned int)prandom_below(r, 14);
	u32 lo = 1u << shift;

	return MIN(lo + (u32)prandom_below(r, lo), (u32)KMALLOC_MAX_CACHE_SIZE);
}

/* Choose an object to allocate: kind, size, order and GFP flags. */
static void pick_obj(struct prandom *r, struct obj *o, gfp_t *gfp)
{
	unsigned int k = (unsigned int)prandom_below(r, 100);
	unsigned int g = (unsigned int)prandom_below(r, 16);

	*gfp = g < 2 ? GFP_KERNEL | __GFP_ZERO : g < 4 ? GFP_ATOMIC : GFP_KERNEL;
	if (st.low_memory)
		*gfp |= __GFP_NOWARN;
	o->order = 0;
	if (k < 45) {
		o->kind = OBJ_KMALLOC;
		o->size = pick_kmalloc_size(r);
	} else if (k < 50) {
		o->kind = OBJ_LARGE;
		o->size = KMALLOC_MAX_CACHE_SIZE + 1 +
			  (u32)prandom_below(r, STRESS_LARGE_MAX - KMALLOC_MAX_CACHE_SIZE);
	} else if (k < 63) {
		o->kind = OBJ_CTOR;
		o->size = CTOR_SIZE;
		*gfp &= ~__GFP_ZERO;		/* zeroing would undo the constructor */
	} else if (k < 78) {
		o->kind = OBJ_ALIGNED;
		o->size = ALIGNED_SIZE;
	} else {
		o->kind = OBJ_PAGES;
		o->order = (u8)pick_order(r, gfp);
		o->size = (u32)(PAGE_SIZE << o->order);
		if (g == 15)			/* a little from the small DMA zones */
			*gfp = (o->order ? GFP_DMA32 : GFP_DMA) | __GFP_NOWARN;
	}
}

static void *alloc_obj(const struct obj *o, gfp_t gfp)
{
	struct page *page;

	switch (o->kind) {
	case OBJ_KMALLOC:
	case OBJ_LARGE:
		return kmalloc(o->size, gfp);
	case OBJ_CTOR:
		return kmem_cache_alloc(st.ctor_cache, gfp);
	case OBJ_ALIGNED:
		return kmem_cache_alloc(st.aligned_cache, gfp);
	default:
		page = alloc_pages(gfp, o->order);
		return page ? page_address(page) : NULL;
	}
}

/* Is the new object where it must be: kmalloc 8-aligned (powers of two naturally), the
 * aligned cache on a cache line, a block of pages on its order and in the zone asked for? */
static bool placed_right(const struct obj *o, gfp_t gfp)
{
	uintptr_t a = (uintptr_t)o->ptr;
	unsigned long pfn;

	switch (o->kind) {
	case OBJ_KMALLOC:
		return IS_ALIGNED(a, 8) &&
		       (o->size < 8 || (o->size & (o->size - 1)) || IS_ALIGNED(a, o->size));
	case OBJ_LARGE:
		return IS_ALIGNED(a, PAGE_SIZE);
	case OBJ_CTOR:
		return IS_ALIGNED(a, 8);
	case OBJ_ALIGNED:
		return IS_ALIGNED(a, 64);
	default:
		pfn = page_to_pfn(virt_to_page(o->ptr));
		return IS_ALIGNED(pfn, 1UL << o->order) &&
		       (!(gfp & __GFP_DMA) || pfn + (1UL << o->order) <= DMA_END_PFN) &&
		       (!(gfp & __GFP_DMA32) || pfn + (1UL << o->order) <= DMA32_END_PFN);
	}
}

/* Allocate a random object into the CPU's live set (or count the failure). Returns false when
 * it would not fit the CPU's byte budget (nothing was allocated). */
static bool stress_alloc(struct cpu_run *cr, unsigned int cpu)
{
	struct obj o;
	gfp_t gfp;
	long off;
	u64 want = 0, found = 0;

	pick_obj(&cr->rnd, &o, &gfp);
	if (cr->live_bytes + o.size > st.cpu_budget)
		return false;
	o.ptr = alloc_obj(&o, gfp);
	if (!o.ptr) {
		if (gfp & __GFP_NOWARN)
			cr->nowarn_fails++;
		else
			cr->fails++;
		return true;
	}
	o.owner = (u16)cpu;
	o.seq = cr->seq++;
	cr->allocs++;
	if (!placed_right(&o, gfp))
		report(cr, &o, BAD_PLACE, 0, 0, 0);
	if ((gfp & __GFP_ZERO) && (off = check_zero(o.ptr, o.size, &found)) >= 0)
		report(cr, &o, BAD_ZERO, off, 0, found);
	if (o.kind == OBJ_CTOR &&
	    (off = check_pattern(o.ptr, CTOR_SIZE, CTOR_MAGIC, &want, &found)) >= 0)
		report(cr, &o, BAD_CTOR, off, want, found);
	fill_pattern(o.ptr, o.size, obj_key(&o));
	cr->live[cr->nr_live++] = o;
	cr->live_bytes += o.size;
	return true;
}

/* Free o, checked already. */
static void free_obj(const struct obj *o)
{
	switch (o->kind) {
	case OBJ_KMALLOC:
	case OBJ_LARGE:
		kfree(o->ptr);
		break;
	case OBJ_CTOR:
		stress_ctor(o->ptr);		/* back to the constructed state, as SLUB expects */
		kmem_cache_free(st.ctor_cache, o->ptr);
		break;
	case OBJ_ALIGNED:
		kmem_cache_free(st.aligned_cache, o->ptr);
		break;
	default:
		__free_pages(virt_to_page(o->ptr), o->order);
	}
}

/* Check o's whole contents, then free it (on whichever CPU this is). */
static void stress_free(struct cpu_run *cr, unsigned int cpu, const struct obj *o)
{
	u64 want = 0, found = 0;
	long off = check_pattern(o->ptr, o->size, obj_key(o), &want, &found);

	if (off >= 0)
		report(cr, o, BAD_PATTERN, off, want, found);
	cr->frees++;
	cr->remote_frees += o->owner != cpu;
	free_obj(o);
}

/* ---- the hand-over ring ----
 * During the run the ring's lock is only tried (spin_trylock): a CPU finding it busy does
 * something else, so that the test's own lock never sets the pace; the allocators' locks do.
 * The tick handlers use the ring too, so it is taken with interrupts off. */

/* Queue o for some CPU to free; false when the ring is busy or full (by count or bytes). */
static bool ring_push(struct ring *r, const struct obj *o)
{
	unsigned long flags;
	bool ok;

	if (!spin_trylock_irqsave(&r->lock, flags))
		return false;
	ok = r->count < STRESS_RING && r->bytes + o->size <= st.ring_budget;
	if (ok) {
		r->slot[(r->head + r->count) % STRESS_RING] = *o;
		r->count++;
		r->bytes += o->size;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	return ok;
}

/* Take the oldest object from the ring that another CPU than cpu allocated (looking at the
 * RING_SCAN oldest; with one CPU, or with any set, the oldest of all). The head moves into the
 * slot taken. False when there is none, or (unless any) when the ring is busy. */
static bool ring_pop(struct ring *r, struct obj *o, unsigned int cpu, bool any)
{
	unsigned int i, n;
	unsigned long flags;
	bool ok = false;

	if (any)
		spin_lock_irqsave(&r->lock, flags);
	else if (!spin_trylock_irqsave(&r->lock, flags))
		return false;
	any = any || st.expected == 1;
	n = MIN(r->count, any ? 1u : RING_SCAN);
	for (i = 0; i < n && !ok; i++) {
		struct obj *slot = &r->slot[(r->head + i) % STRESS_RING];

		if (!any && slot->owner == cpu)
			continue;
		*o = *slot;
		*slot = r->slot[r->head];
		r->head = (r->head + 1) % STRESS_RING;
		r->count--;
		r->bytes -= o->size;
		ok = true;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	return ok;
}

/* ---- one CPU's run ---- */

/* Drop a random live object: hand it over through the ring (a third of the time, when it has
 * room) or free it here. */
static void stress_release(struct cpu_run *cr, unsigned int cpu, bool may_hand_over)
{
	unsigned int i = (unsigned int)prandom_below(&cr->rnd, cr->nr_live);
	struct obj o = cr->live[i];

	cr->live[i] = cr->live[--cr->nr_live];
	cr->live_bytes -= o.size;
	if (may_hand_over && ring_push(&st.ring, &o))
		cr->handed++;
	else
		stress_free(cr, cpu, &o);
}

/* One random operation: free another CPU's object from the ring (3 in 16), drop one of ours
 * (6 in 16, and whenever the live set or the budget is full), else allocate one. */
static void stress_step(struct cpu_run *cr, unsigned int cpu)
{
	unsigned int r = (unsigned int)prandom_below(&cr->rnd, 16);
	struct obj o;

	cr->ops++;
	if (r < 3 && ring_pop(&st.ring, &o, cpu, false)) {
		stress_free(cr, cpu, &o);
		return;
	}
	if (cr->nr_live && (r >= 10 || cr->nr_live == STRESS_LIVE)) {
		stress_release(cr, cpu, prandom_below(&cr->rnd, 3) == 0);
		return;
	}
	if (!stress_alloc(cr, cpu) && cr->nr_live)
		stress_release(cr, cpu, false);
}

/* Run on every CPU at once: the mix, the meeting, then free everything still held. */
static void stress_cpu(void *arg)
{
	unsigned int cpu = smp_processor_id();
	struct cpu_run *cr = &st.run[cpu];
	u64 t0 = rdtsc(), end;
	struct obj o;

	(void)arg;
	cr->ran = true;
	prandom_seed(&cr->rnd, mix64(STRESS_SEED + cpu));
	for (unsigned int op = 0; op < st.ops; op++)
		stress_step(cr, cpu);
	cr->run_ms = (rdtsc() - t0) / smp_tsc_per_ms();

	/* Meet: nobody hands anything over after this, so an empty ring below stays empty. */
	end = ms_from_now(MEET_TIMEOUT_MS);
	__atomic_fetch_add(&st.arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&st.arrived, __ATOMIC_ACQUIRE) < st.expected && before(end))
		cpu_relax();
	cr->met = __atomic_load_n(&st.arrived, __ATOMIC_ACQUIRE) >= st.expected;

	while (cr->nr_live)
		stress_release(cr, cpu, false);
	while (ring_pop(&st.ring, &o, cpu, true))
		stress_free(cr, cpu, &o);
}

/* ---- the interrupt-context load (the timer's tick hook) ---- */

/* Choose what a handler allocates: GFP_ATOMIC kmalloc of 8 bytes to 2 KiB, an object of either
 * cache, or order-0..3 pages. */
static void pick_irq_obj(struct prandom *r, struct obj *o, gfp_t *gfp)
{
	unsigned int k = (unsigned int)prandom_below(r, 8);

	*gfp = GFP_ATOMIC | (st.low_memory ? __GFP_NOWARN : 0);
	o->order = 0;
	if (k < 4) {
		o->kind = OBJ_KMALLOC;
		o->size = 8u << prandom_below(r, 9);
	} else if (k == 4) {
		o->kind = OBJ_CTOR;
		o->size = CTOR_SIZE;
	} else if (k == 5) {
		o->kind = OBJ_ALIGNED;
		o->size = ALIGNED_SIZE;
	} else {
		o->kind = OBJ_PAGES;
		o->order = (u8)prandom_below(r, 4);
		o->size = (u32)(PAGE_SIZE << o->order);
	}
}

static void irq_alloc(struct irq_run *ir, unsigned int cpu)
{
	struct obj o;
	gfp_t gfp;
	long off;
	u64 want = 0, found = 0;

	pick_irq_obj(&ir->rnd, &o, &gfp);
	o.ptr = alloc_obj(&o, gfp);
	if (!o.ptr) {
		if (gfp & __GFP_NOWARN)
			ir->nowarn_fails++;
		else
			ir->fails++;
		return;
	}
	o.owner = (u16)(cpu | IRQ_OWNER);
	o.seq = ir->seq++;
	ir->allocs++;
	if (!placed_right(&o, gfp))
		report_in(&ir->corrupt, &ir->first, &o, BAD_PLACE, 0, 0, 0);
	if (o.kind == OBJ_CTOR &&
	    (off = check_pattern(o.ptr, CTOR_SIZE, CTOR_MAGIC, &want, &found)) >= 0)
		report_in(&ir->corrupt, &ir->first, &o, BAD_CTOR, off, want, found);
	fill_pattern(o.ptr, o.size, obj_key(&o));
	ir->live[ir->nr_live++] = o;
}

static void irq_free(struct irq_run *ir, const struct obj *o)
{
	u64 want = 0, found = 0;
	long off = check_pattern(o->ptr, o->size, obj_key(o), &want, &found);

	if (off >= 0)
		report_in(&ir->corrupt, &ir->first, o, BAD_PATTERN, off, want, found);
	if (o->kind == OBJ_CTOR)
		stress_ctor(o->ptr);
	ir->frees++;
	ir->from_process += !(o->owner & IRQ_OWNER);
	free_obj(o);
}

/* On every tick of every CPU, in hardirq context: a few operations of the load. */
static void irq_tick(unsigned int cpu, void *arg)
{
	struct irq_run *ir = &st.irq[cpu];
	struct obj o;

	(void)arg;
	ir->ticks++;
	for (unsigned int i = 0; i < IRQ_OPS_PER_TICK; i++) {
		unsigned int r = (unsigned int)prandom_below(&ir->rnd, 8);

		if (r < 2 && ring_pop(&st.ring, &o, cpu | IRQ_OWNER, false)) {
			irq_free(ir, &o);		/* process context's object (any CPU's) */
		} else if (ir->nr_live && (r >= 5 || ir->nr_live == IRQ_LIVE)) {
			unsigned int j = (unsigned int)prandom_below(&ir->rnd, ir->nr_live);

			o = ir->live[j];
			ir->live[j] = ir->live[--ir->nr_live];
			if (r == 7 && ring_push(&st.ring, &o))
				ir->handed++;		/* for process context to free */
			else
				irq_free(ir, &o);
		} else {
			irq_alloc(ir, cpu);
		}
	}
}

/* After the hook is cleared (no handler runs it any more): free what the handlers hold, and
 * report their counts in one line. Returns false when the load did not run at all. */
static bool irq_load_finish(struct ktest *t)
{
	u64 ticks = 0, allocs = 0, frees = 0, from_process = 0, handed = 0, nowarn = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct irq_run *ir = &st.irq[cpu];

		while (ir->nr_live)
			irq_free(ir, &ir->live[--ir->nr_live]);
		if (ir->fails)
			ktest_fail(t, __FILE__, __LINE__, "cpu %u: %llu GFP_ATOMIC allocations in "
				   "interrupt context failed", cpu, (unsigned long long)ir->fails);
		if (ir->corrupt)
			ktest_fail(t, __FILE__, __LINE__, "cpu %u: %llu bad object(s) seen in "
				   "interrupt context, the first %s at %p: %s at byte %u", cpu,
				   (unsigned long long)ir->corrupt, kind_name[ir->first.o.kind],
				   ir->first.o.ptr, bad_name[ir->first.what], ir->first.offset);
		ticks += ir->ticks;
		allocs += ir->allocs;
		frees += ir->frees;
		from_process += ir->from_process;
		handed += ir->handed;
		nowarn += ir->nowarn_fails;
	}
	ktest_log(t, "timer at %u Hz: %llu ticks, %llu allocations and %llu frees in interrupt "
		  "context (%llu of objects process context allocated, %llu handed to process "
		  "context, %llu __GFP_NOWARN failures)", irq_timer_hz(), (unsigned long long)ticks,
		  (unsigned long long)allocs, (unsigned long long)frees,
		  (unsigned long long)from_process, (unsigned long long)handed,
		  (unsigned long long)nowarn);
	return ticks && allocs && frees;
}

static void shrink_this_cpu(void *arg)
{
	(void)arg;
	kmem_cache_shrink_all();
}

static void print_corruption(struct ktest *t, unsigned int cpu, const struct cpu_run *cr)
{
	const struct corruption *c = &cr->first;

	ktest_fail(t, __FILE__, __LINE__,
		   "cpu %u found %llu bad object(s); the first: %s at %p (pfn %#lx, %u bytes, "
		   "order %u) allocated by cpu %u as its #%u: %s at byte %u: want %#llx found %#llx",
		   cpu, (unsigned long long)cr->corrupt, kind_name[c->o.kind], c->o.ptr,
		   page_to_pfn(virt_to_page(c->o.ptr)), c->o.size, c->o.order, c->o.owner,
		   c->o.seq, bad_name[c->what], c->offset, (unsigned long long)c->want,
		   (unsigned long long)c->found);
}

/* Per-CPU figures as diagnostics, and a failed expectation for anything that went wrong. */
static void check_runs(struct ktest *t)
{
	u64 ops = 0, remote = 0, nowarn = 0, max_ms = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		const struct cpu_run *cr = &st.run[cpu];

		ktest_log(t, "cpu %u: %llu ops, %llu remote frees (%llu allocations, %llu handed "
			  "over, %llu __GFP_NOWARN failures, %llu ms)", cpu,
			  (unsigned long long)cr->ops, (unsigned long long)cr->remote_frees,
			  (unsigned long long)cr->allocs, (unsigned long long)cr->handed,
			  (unsigned long long)cr->nowarn_fails, (unsigned long long)cr->run_ms);
		if (!cr->ran || !cr->met)
			ktest_fail(t, __FILE__, __LINE__, "cpu %u %s", cpu,
				   !cr->ran ? "never ran" : "did not meet the others in time");
		if (cr->fails)
			ktest_fail(t, __FILE__, __LINE__, "cpu %u: %llu allocations failed that "
				   "must not", cpu, (unsigned long long)cr->fails);
		if (cr->corrupt)
			print_corruption(t, cpu, cr);
		KT_EXPECT_EQ(t, cr->nr_live, 0);
		ops += cr->ops;
		remote += cr->remote_frees;
		nowarn += cr->nowarn_fails;
		max_ms = MAX(max_ms, cr->run_ms);
	}
	ktest_log(t, "%u CPUs: %llu ops, %llu remote frees, %llu __GFP_NOWARN failures, "
		  "slowest CPU %llu ms%s", num_online_cpus(), (unsigned long long)ops,
		  (unsigned long long)remote, (unsigned long long)nowarn,
		  (unsigned long long)max_ms,
		  num_online_cpus() > 1 ? "" : " (TSC at an assumed 1 GHz)");
}

/* ---- low memory: a ballast ---- */

/* Take every page GFP_KERNEL, then GFP_DMA32, then GFP_DMA can have (every zone down to its
 * min watermark, the lowmem reserves included), then give back the last taken until `leave`
 * pages are free again. The blocks are chained through their first two words (next block,
 * order). Returns the chain. */
static void **ballast_take(unsigned long leave)
{
	static const gfp_t zones[] = { GFP_KERNEL, GFP_DMA32, GFP_DMA };
	void **chain = NULL;
	unsigned long given = 0;

	for (unsigned int z = 0; z < ARRAY_SIZE(zones); z++)
		for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
			struct page *page;

			while ((page = alloc_pages(zones[z] | __GFP_NOWARN, (unsigned int)order))) {
				void **block = page_address(page);

				block[0] = chain;
				block[1] = (void *)(uintptr_t)order;
				chain = block;
			}
		}
	while (chain && given < leave) {
		void **block = chain;
		unsigned int order = (unsigned int)(uintptr_t)block[1];

		chain = block[0];
		given += 1UL << order;
		free_pages((unsigned long)block, order);
	}
	return chain;
}

static void ballast_free(void **chain)
{
	while (chain) {
		void **block = chain;

		chain = block[0];
		free_pages((unsigned long)block, (unsigned int)(uintptr_t)block[1]);
	}
}

/* ---- the cases ---- */

/* The run: every CPU at once (with low_memory, in what a ballast leaves free), then
 * everything freed and every CPU's slab state shrunk, and the free-page count, the misuse
 * counters and the invariants exactly as before. */
static void stress_run(struct ktest *t, bool low_memory)
{
	unsigned long free0, bad0, cache_bad;
	void **ballast = NULL;
	struct obj o;
	unsigned int cpu;
	int ret;

	st = (struct stress){ .expected = num_online_cpus(), .low_memory = low_memory };
	spin_lock_init(&st.ring.lock);
	st.ops = st.expected > 1 ? STRESS_OPS : STRESS_OPS_ONE_CPU;
	if (low_memory)
		st.ops /= LOW_MEM_OPS_DIV;
	st.run_bytes = nr_cpu_ids() * sizeof(*st.run);
	st.run = alloc_pages_exact(st.run_bytes, GFP_KERNEL | __GFP_ZERO);
	KT_ASSERT(t, st.run != NULL);
	st.irq_bytes = nr_cpu_ids() * sizeof(*st.irq);
	st.irq = alloc_pages_exact(st.irq_bytes, GFP_KERNEL | __GFP_ZERO);
	KT_ASSERT(t, st.irq != NULL);
	for (cpu = 0; cpu < nr_cpu_ids(); cpu++)
		prandom_seed(&st.irq[cpu].rnd, mix64(STRESS_SEED ^ IRQ_OWNER ^ cpu));
	KT_ASSERT_EQ(t, smp_call_all(shrink_this_cpu, NULL), 0);
	free0 = nr_free_pages();
	bad0 = contig_node.nr_bad;
	/* A quarter of free memory for the CPUs' live objects, a sixteenth for the ring. */
	st.cpu_budget = MIN(STRESS_CPU_BUDGET_MAX, free0 * PAGE_SIZE / 4 / st.expected);
	st.ring_budget = MIN(STRESS_RING_BUDGET_MAX, free0 * PAGE_SIZE / 16);
	st.ctor_cache = kmem_cache_create("stress_ctor", CTOR_SIZE, 0, 0, stress_ctor);
	st.aligned_cache = kmem_cache_create("stress_aligned", ALIGNED_SIZE, 0,
					     SLAB_HWCACHE_ALIGN, NULL);
	KT_ASSERT(t, st.ctor_cache && st.aligned_cache);
	if ((st.ctor_cache->flags | st.aligned_cache->flags) & SLAB_DEBUG_FLAGS) {
		st.ops /= DEBUG_OPS_DIV;
		ktest_log(t, "slub_debug: %u ops per CPU", st.ops);
	}
	if (low_memory) {
		ballast = ballast_take(st.expected * LOW_MEM_FREE_PER_CPU / PAGE_SIZE);
		ktest_log(t, "ballast: %lu of %lu free pages taken", free0 - nr_free_pages(),
			  free0);
	}

	KT_EXPECT_EQ(t, timer_tick_hook_set(irq_tick, NULL), 0);
	ret = smp_call_all_timeout(stress_cpu, NULL, CALL_TIMEOUT_MS);
	timer_tick_hook_clear();
	KT_EXPECT_EQ(t, ret, 0);
	if (ret) {
		for_each_online_cpu(cpu)
			if (smp_call_wait(cpu, CALL_TIMEOUT_MS)) {
				ktest_fail(t, __FILE__, __LINE__, "cpu %u is still running the "
					   "stress: its memory is left as it is", cpu);
				return;
			}
	}
	while (ring_pop(&st.ring, &o, 0, true))	/* handed over by a handler after the meeting */
		stress_free(&st.run[0], 0, &o);
	if (!irq_load_finish(t) && irq_timer_hz())
		ktest_fail(t, __FILE__, __LINE__, "the timer ran but the interrupt-context load "
			   "allocated or freed nothing");
	ballast_free(ballast);
	check_runs(t);

	KT_EXPECT_EQ(t, smp_call_all(shrink_this_cpu, NULL), 0);
	cache_bad = st.ctor_cache->nr_bad + st.aligned_cache->nr_bad;
	KT_EXPECT_EQ(t, cache_bad, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(st.ctor_cache), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(st.aligned_cache), 0);
	kmem_cache_shrink_all();		/* the kmem_cache objects just freed */
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0);
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
	KT_EXPECT_EQ(t, nr_free_pages(), free0);
	free_pages_exact(st.run, st.run_bytes);
	free_pages_exact(st.irq, st.irq_bytes);
}

/* Plenty of memory: every allocation but the few marked __GFP_NOWARN must succeed. */
static void all_cpus_mixed_ops(struct ktest *t)
{
	stress_run(t, false);
}

/* The same mix with only LOW_MEM_FREE_PER_CPU per CPU left above the watermarks: allocations
 * fail now and then (all are __GFP_NOWARN), the per-CPU page lists of every CPU are drained
 * by whichever CPU runs short, and still nothing is corrupted or lost. */
static void all_cpus_mixed_ops_low_memory(struct ktest *t)
{
	stress_run(t, true);
}

static const struct ktest_case smp_stress_cases[] = {
	KTEST_CASE(all_cpus_mixed_ops),
	KTEST_CASE(all_cpus_mixed_ops_low_memory),
	KTEST_END,
};

const struct ktest_suite smp_stress_suite = { "smp_stress", smp_stress_cases };
