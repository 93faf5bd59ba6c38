/* mm/slab_shrink.c - giving slabs back: every CPU's active slabs by IPI (Linux's flush_all),
 * kmem_cache_shrink(), the drain and release behind kmem_cache_destroy(), and the walks that
 * count free objects. Calls go one way: mm/kmalloc.c and mm/show.c -> this file -> mm/slab.c
 * (deactivate_slab, discard_empty_partials: mm/slab_internal.h).
 *
 * Invariant: a CPU's kmem_cache_cpu of a context is changed only by that CPU in that context,
 * except here: flush_cpu_fn() runs on the CPU itself, in its IPI (hardirq context, where the
 * hardirq entry is idle since handlers do not nest) or as the caller's own part with
 * interrupts off; it takes the process-context entry only when the IPI landed outside the
 * allocator's code (irq_interrupted_outside_mm()), where no fast path can be half-way through
 * it. cache_drain() also takes every entry directly, for kmem_cache_destroy(): no CPU may use
 * the cache any more by then (the caller's promise, as in Linux). */
#include "mm/slab_internal.h"
#include "lib/cpu.h"

/* ---- flush_all: every CPU gives its active slabs back (Linux's flush_all) ---- */

#define FLUSH_RETRIES 100	/* IPIs to a CPU whose allocator code was interrupted each time */

struct flush_req {
	struct kmem_cache *s;	/* NULL: every cache */
	u64 deferred;		/* CPUs whose process-context entries could not be flushed */
};

/* On one CPU: give back its hardirq-context active slab of s, and its process-context one
 * when process is set. */
static void flush_cpu_slab(struct kmem_cache *s, bool process)
{
	unsigned int cpu = smp_processor_id();

	if (cpu >= s->nr_cpus)
		return;
	deactivate_slab(s, &s->cpu[ctx_index(cpu, true)]);
	if (process)
		deactivate_slab(s, &s->cpu[ctx_index(cpu, false)]);
}

/* Run on every CPU by on_each_cpu(), interrupts off. The hardirq-context entry is always
 * idle here (handlers do not nest). The process-context entry is idle unless this IPI
 * interrupted the allocator's own code, which may be half-way through a fast path on it: then
 * the CPU is marked for another try. */
static void flush_cpu_fn(void *info)
{
	struct flush_req *r = info;
	bool process = !in_interrupt() || irq_interrupted_outside_mm();
	unsigned long irqflags = 0;
	struct list_head *pos;

	if (r->s) {
		flush_cpu_slab(r->s, process);
	} else {
		spin_lock_irqsave(&slab_caches_lock, irqflags);
		list_for_each(pos, &slab_caches)
			flush_cpu_slab(list_entry(pos, struct kmem_cache, list), process);
		spin_unlock_irqrestore(&slab_caches_lock, irqflags);
	}
	if (!process)
		__atomic_fetch_or(&r->deferred, 1ULL << smp_processor_id(), __ATOMIC_RELAXED);
}

/* Every CPU's active slabs of s (NULL: of every cache) back to their lists. From interrupt
 * context or with interrupts off only this CPU's (no IPI can be waited for there). A CPU that
 * stays inside the allocator through FLUSH_RETRIES IPIs is using it right now and keeps its
 * slab. */
static void flush_all(struct kmem_cache *s)
{
	struct flush_req r = { .s = s, .deferred = 0 };

	if (in_interrupt() || irqs_disabled()) {
		flush_cpu_fn(&r);
		return;
	}
	on_each_cpu(flush_cpu_fn, &r, true);
	for (unsigned int try = 0; r.deferred && try < FLUSH_RETRIES; try++) {
		u64 cpus = __atomic_exchange_n(&r.deferred, 0, __ATOMIC_RELAXED);
		for (unsigned int cpu = 0; cpus; cpu++, cpus >>= 1)
			if (cpus & 1)
				smp_call_function_single(cpu, flush_cpu_fn, &r, true);
	}
}

/* ---- cache management ---- */

unsigned long kmem_cache_shrink(struct kmem_cache *s)
{
	flush_all(s);
	return discard_empty_partials(s);
}

void kmem_cache_shrink_all(void)
{
	unsigned long irqflags = 0;
	struct list_head *pos;

	flush_all(NULL);
	spin_lock_irqsave(&slab_caches_lock, irqflags);
	list_for_each(pos, &slab_caches)
		discard_empty_partials(list_entry(pos, struct kmem_cache, list));
	spin_unlock_irqrestore(&slab_caches_lock, irqflags);
}

unsigned long cache_drain(struct kmem_cache *s)
{
	flush_all(s);
	for (unsigned int i = 0; i < cache_nr_slots(s); i++)	/* CPUs no IPI reached */
		deactivate_slab(s, &s->cpu[i]);
	discard_empty_partials(s);
	return __atomic_load_n(&s->nr_slabs, __ATOMIC_RELAXED);
}

int cache_release(struct kmem_cache *s, unsigned long caller)
{
	unsigned long irqflags = 0;
	if (cache_drain(s)) {
		printk(KERN_ERR "kmem_cache_destroy %s: Slab cache still has objects (%lu slabs in "
		       "use), not destroyed (caller %#lx)\n", s->name, s->nr_slabs, caller);
		s->nr_bad++;
		return -1;
	}
	spin_lock_irqsave(&slab_caches_lock, irqflags);
	list_del(&s->list);
	spin_unlock_irqrestore(&slab_caches_lock, irqflags);
	return 0;
}

/* Objects of s not allocated: on the CPU freelists and on its slabs' own freelists (the CPU
 * partial slabs' too). Exact when no other CPU is allocating from s (the CPU freelists and
 * partial lists are read without their CPUs). */
unsigned long cache_free_objects(struct kmem_cache *s)
{
	unsigned long irqflags = 0;
	unsigned long free = 0;
	struct list_head *pos;

	for (unsigned int i = 0; i < cache_nr_slots(s); i++) {
		struct kmem_cache_cpu *c = &s->cpu[i];
		struct page *slab = c->slab;
		unsigned int n = 0;
		for (const struct page *p = c->partial; p && n <= s->cpu_partial;
		     p = (const struct page *)p->lru.next, n++)
			free += s->objects - read_counters(p).c.inuse;
		n = 0;
		if (!slab)
			continue;
		void *o = c->freelist;
		for (o = is_object_start(s, slab, o) ? o : NULL; o && n < s->objects;
		     o = next_free_or_null(s, slab, o))
			n++;
		free += n + s->objects - read_counters(slab).c.inuse;
	}
	spin_lock_irqsave(&s->list_lock, irqflags);
	list_for_each(pos, &s->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		free += s->objects - read_counters(slab).c.inuse;
	}
	spin_unlock_irqrestore(&s->list_lock, irqflags);
	return free;
}

unsigned long kmem_cache_release_isolated(struct kmem_cache *s)
{
	unsigned long n = 0;

	for (void *obj; (obj = debug_take_isolated(s)); n++)
		kmem_cache_free(s, obj);
	return n;
}
