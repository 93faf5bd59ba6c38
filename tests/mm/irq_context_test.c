/* tests/mm/irq_context_test.c - the allocators in hardirq context, on one CPU, in both runners.
 *
 * An interrupt is stood for by what the kernel's interrupt entry does around a handler:
 * interrupts off, hardirq_enter() ... hardirq_exit() (lib/percpu.h). The cases check that an
 * interrupt never touches the per-CPU freelist of the code it interrupted (the slab keeps one
 * per context), that a sleeping allocation there is reported (Linux's might_alloc), that a
 * shrink gives back the active slabs of both contexts, and that the lock checker reports a lock
 * taken in hardirq context and with interrupts on. Every case runs over a private context on
 * a private node and ends with every frame of it back. (The other CPUs, IPIs and a real timer
 * load are tests/kernel/'s.) */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/slab.h"
#include "mm/gfp.h"
#include "lib/irqflags.h"
#include "lib/spinlock.h"
#include "lib/string.h"

static struct kmalloc_ctx *kc;
static unsigned long irq_flags;

/* Enter and leave a stand-in interrupt handler on this CPU. */
static void fake_irq_enter(void)
{
	local_irq_save(irq_flags);
	hardirq_enter();
}

static void fake_irq_exit(void)
{
	hardirq_exit();
	local_irq_restore(irq_flags);
}

static struct kmem_cache_cpu *slot(struct kmem_cache *s, bool hardirq)
{
	return &s->cpu[ctx_index(smp_processor_id(), hardirq)];
}

/* An interrupt that allocates and frees from the cache the interrupted code was using leaves
 * that code's freelist exactly as it was, whatever it frees (its own objects, the process
 * context's), and process context frees what the interrupt allocated. */
static void own_freelist_body(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create_in(kc, "irq-ctx-64", 64, 0, 0, NULL);
	void *p[8], *q[8], *k;

	KT_ASSERT(t, s != NULL);
	for (int i = 0; i < 8; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		KT_ASSERT(t, p[i] != NULL);
		memset(p[i], 0x11, 64);
	}
	struct kmem_cache_cpu before = *slot(s, false);
	KT_ASSERT(t, before.slab != NULL && before.freelist != NULL);

	fake_irq_enter();
	KT_EXPECT(t, in_interrupt());
	for (int i = 0; i < 8; i++) {
		q[i] = kmem_cache_alloc(s, GFP_ATOMIC);
		if (q[i])
			memset(q[i], 0x22, 64);
	}
	k = kmalloc_in(kc, 100, GFP_ATOMIC);
	kmem_cache_free(s, p[0]);		/* process context's object, freed in the handler */
	kfree_in(kc, k);
	fake_irq_exit();

	KT_EXPECT(t, !in_interrupt());
	KT_EXPECT(t, slot(s, false)->freelist == before.freelist);
	KT_EXPECT(t, slot(s, false)->slab == before.slab);
	for (int i = 0; i < 8; i++) {
		KT_ASSERT(t, q[i] != NULL);
		KT_EXPECT(t, q[i] != before.freelist);
		KT_EXPECT_EQ(t, ((unsigned char *)q[i])[63], 0x22);
		kmem_cache_free(s, q[i]);	/* the handler's objects, freed in process context */
	}
	for (int i = 1; i < 8; i++) {
		KT_EXPECT_EQ(t, ((unsigned char *)p[i])[0], 0x11);
		kmem_cache_free(s, p[i]);
	}
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

static void hardirq_own_freelist(struct ktest *t)
{
	fixture_slab_run(t, 1024, &kc, own_freelist_body);
}

/* A request that may sleep (GFP_KERNEL) from interrupt context is reported and counted, on
 * every path (kmem_cache_alloc, kmalloc, large kmalloc, alloc_pages); GFP_ATOMIC is not, nor
 * GFP_KERNEL in process context. The allocations still succeed. */
static void might_alloc_body(struct ktest *t)
{
	struct mm_node *n = kc->node;
	struct kmem_cache *s = kmem_cache_create_in(kc, "irq-ctx-32", 32, 0, 0, NULL);
	unsigned long bad0 = n->nr_bad;
	void *o, *k, *big;
	struct page *pg;

	KT_ASSERT(t, s != NULL);
	o = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, o);
	KT_EXPECT_EQ(t, n->nr_bad, bad0);

	fake_irq_enter();
	o = kmem_cache_alloc(s, GFP_ATOMIC);
	k = kmalloc_in(kc, 48, GFP_ATOMIC);
	pg = node_alloc_pages(n, GFP_ATOMIC, 0);
	fake_irq_exit();
	KT_EXPECT_EQ(t, n->nr_bad, bad0);
	kmem_cache_free(s, o);
	kfree_in(kc, k);
	if (pg)
		node_free_pages(n, pg, 0);

	fake_irq_enter();
	o = kmem_cache_alloc(s, GFP_KERNEL);
	k = kmalloc_in(kc, 48, GFP_KERNEL);
	big = kmalloc_in(kc, 3 * PAGE_SIZE * 4, GFP_KERNEL);
	pg = node_alloc_pages(n, GFP_KERNEL, 0);
	fake_irq_exit();
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 4);
	KT_EXPECT(t, o && k && big && pg);
	kmem_cache_free(s, o);
	kfree_in(kc, k);
	kfree_in(kc, big);
	if (pg)
		node_free_pages(n, pg, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

static void might_alloc_reported(struct ktest *t)
{
	fixture_slab_run(t, 1024, &kc, might_alloc_body);
}

/* kmem_cache_shrink() gives back this CPU's active slabs of both contexts: with every object
 * freed, the cache holds no slab at all. */
static void shrink_body(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create_in(kc, "irq-ctx-128", 128, 0, 0, NULL);
	void *a, *b;

	KT_ASSERT(t, s != NULL);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	fake_irq_enter();
	b = kmem_cache_alloc(s, GFP_ATOMIC);
	fake_irq_exit();
	KT_ASSERT(t, a && b);
	KT_EXPECT(t, slot(s, false)->slab != NULL);
	KT_EXPECT(t, slot(s, true)->slab != NULL);
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	kmem_cache_shrink(s);
	KT_EXPECT(t, slot(s, false)->slab == NULL);
	KT_EXPECT(t, slot(s, true)->slab == NULL);
	KT_EXPECT_EQ(t, s->nr_slabs, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

static void shrink_flushes_both_contexts(struct ktest *t)
{
	fixture_slab_run(t, 1024, &kc, shrink_body);
}

/* The lock checker: a lock class taken in hardirq context and with interrupts on is reported
 * (once printed, every time counted); one always taken with spin_lock_irqsave is not. The
 * case gives the counter back its own reports, so that a run's total stays the real one. */
static void lockcheck_irq_state(struct ktest *t)
{
	bool was = lockcheck_enabled;
	unsigned long reports0 = lockcheck_reports, flags;
	spinlock_t bad, good;

	spin_lock_init(&bad);
	spin_lock_init(&good);
	lockcheck_enabled = true;

	fake_irq_enter();
	spin_lock(&bad);
	spin_unlock(&bad);
	spin_lock(&good);
	spin_unlock(&good);
	fake_irq_exit();
	KT_EXPECT_EQ(t, lockcheck_reports, reports0);

	spin_lock_irqsave(&good, flags);
	spin_unlock_irqrestore(&good, flags);
	KT_EXPECT_EQ(t, lockcheck_reports, reports0);

	KT_EXPECT(t, !irqs_disabled());
	spin_lock(&bad);			/* interrupts on: the handler could deadlock on it */
	spin_unlock(&bad);
	KT_EXPECT_EQ(t, lockcheck_reports, reports0 + 1);
	KT_EXPECT_EQ(t, bad.class->reported, 1);
	KT_EXPECT(t, bad.class->hardirq_ip != 0 && bad.class->irqs_on_ip != 0);
	KT_EXPECT_EQ(t, good.class->reported, 0);

	lockcheck_enabled = was;
	lockcheck_reports = reports0;		/* this case's reports were on purpose */
	bad.class->reported = 0;		/* the classes are static: the next run starts clean */
	bad.class->hardirq_ip = bad.class->irqs_on_ip = 0;
	good.class->hardirq_ip = good.class->irqs_on_ip = 0;
}

static const struct ktest_case irq_context_cases[] = {
	KTEST_CASE(hardirq_own_freelist),
	KTEST_CASE(might_alloc_reported),
	KTEST_CASE(shrink_flushes_both_contexts),
	KTEST_CASE(lockcheck_irq_state),
	KTEST_END
};

const struct ktest_suite irq_context_suite = { "irq_context", irq_context_cases };
