/* tests/kernel/mm_ipi_test.c - the allocators asking the other CPUs to give memory back, by IPI
 * (lib/cpu.h on_each_cpu()): kmem_cache_shrink() flushes every CPU's active slabs (Linux's
 * flush_all), and an allocation about to fail drains every CPU's page lists
 * (drain_all_pages()). Each other CPU first parks something of its own (an active slab, pages
 * on its lists) through smp_call_on(); CPU 0 then shrinks or runs the node dry. On one CPU the
 * cases check the same on CPU 0 alone. Every case gives every frame back. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "kernel/smp.h"
#include "lib/list.h"
#include "mm/gfp.h"
#include "mm/slab.h"
#include "mm/zone.h"

#define PARK_FRAMES 8		/* order-0 frames each other CPU leaves on its lists */
#define DRAIN_FRAMES 1024	/* the private node of the drain case (4 MiB) */

/* On the CPU that runs it: allocate one object of the cache and free it, which leaves that
 * CPU's process-context active slab in place. */
static void touch_cache(void *arg)
{
	struct kmem_cache *s = arg;
	void *o = kmem_cache_alloc(s, GFP_KERNEL);

	if (o)
		kmem_cache_free(s, o);
}

/* Every online CPU holds an active slab of a new cache; one kmem_cache_shrink() on CPU 0
 * gives them all back: no CPU holds a slab of it, and it has no slab left. */
static void shrink_flushes_every_cpu(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("ipi-flush-96", 96, 0, 0, NULL);
	unsigned int cpu, held = 0;

	KT_ASSERT(t, s != NULL);
	for_each_online_cpu(cpu) {
		KT_EXPECT_EQ(t, smp_call_on(cpu, touch_cache, s), 0);
		held += s->cpu[ctx_index(cpu, false)].slab != NULL;
	}
	KT_EXPECT_EQ(t, held, num_online_cpus());
	KT_EXPECT_EQ(t, s->nr_slabs, num_online_cpus());
	kmem_cache_shrink(s);
	for (unsigned int i = 0; i < s->nr_cpus * PERCPU_CTX_LINES; i++)
		if (s->cpu[i].slab)
			ktest_fail(t, __FILE__, __LINE__, "CPU %u (%s context) still holds a slab "
				   "after kmem_cache_shrink()", i / PERCPU_CTX_LINES,
				   i % PERCPU_CTX_LINES ? "hardirq" : "process");
	KT_EXPECT_EQ(t, s->nr_slabs, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

static struct mm_node *drain_node;

/* On the CPU that runs it: PARK_FRAMES order-0 frames of drain_node, allocated and freed, so
 * that they wait on this CPU's lists. */
static void park_pages(void *arg)
{
	struct page *p[PARK_FRAMES];

	(void)arg;
	for (unsigned int i = 0; i < PARK_FRAMES; i++)
		p[i] = node_alloc_pages(drain_node, GFP_KERNEL | __GFP_NOWARN, 0);
	for (unsigned int i = 0; i < PARK_FRAMES; i++)
		if (p[i])
			node_free_pages(drain_node, p[i], 0);
}

/* Frames of n parked on the lists of CPUs other than CPU 0. */
static unsigned long parked_elsewhere(struct mm_node *n)
{
	unsigned long parked = 0;

	for (unsigned int z = 0; z < n->nr_zones; z++)
		for (unsigned int cpu = 1; cpu < NR_CPUS; cpu++)
			parked += n->zones[z].pcp[cpu].count;
	return parked;
}

/* Take order-0 frames of drain_node on this CPU until it refuses (kept on held). */
static unsigned long take_all(struct list_head *held)
{
	unsigned long n = 0;
	struct page *p;

	while ((p = node_alloc_pages(drain_node, GFP_KERNEL | __GFP_NOWARN, 0))) {
		list_add(&p->lru, held);
		n++;
	}
	return n;
}

static void give_back(struct list_head *held)
{
	while (!list_empty(held)) {
		struct page *p = list_first_entry(held, struct page, lru);

		list_del(&p->lru);
		node_free_pages(drain_node, p, 0);
	}
	node_drain_pages(drain_node);
}

/* The other CPUs park frames on their lists; CPU 0 then takes frames until the node refuses.
 * Before it fails, the allocator has every other CPU drain its own lists by IPI, so none stays
 * parked there and CPU 0 gets exactly as many frames as with nothing parked. */
static void drain_all_pages_by_ipi(struct ktest *t)
{
	void *buf;
	struct list_head held = LIST_HEAD_INIT(held);
	unsigned long free0, baseline, taken, ipis0, others = num_online_cpus() - 1;
	unsigned int cpu;

	drain_node = fixture_priv_node(t, DRAIN_FRAMES, -1, &buf);
	if (!drain_node)
		return;
	free0 = node_nr_free_pages(drain_node);
	baseline = take_all(&held);		/* nothing parked anywhere */
	give_back(&held);
	KT_EXPECT_EQ(t, node_nr_free_pages(drain_node), free0);

	for_each_online_cpu(cpu)
		if (cpu)
			KT_EXPECT_EQ(t, smp_call_on(cpu, park_pages, NULL), 0);
	KT_EXPECT(t, parked_elsewhere(drain_node) >= others * PARK_FRAMES);
	ipis0 = drain_node->nr_drain_ipi;
	taken = take_all(&held);
	ktest_log(t, "%lu other CPUs parked frames; CPU 0 took %lu frames (%lu with nothing "
		  "parked); %lu drains by IPI", others, taken, baseline,
		  drain_node->nr_drain_ipi - ipis0);
	KT_EXPECT_EQ(t, taken, baseline);
	KT_EXPECT_EQ(t, parked_elsewhere(drain_node), 0);
	KT_EXPECT(t, drain_node->nr_drain_ipi - ipis0 >= others);

	give_back(&held);
	KT_EXPECT_EQ(t, node_nr_free_pages(drain_node), free0);
	KT_EXPECT_EQ(t, node_check(drain_node, true), 0);
	fixture_priv_node_free(drain_node, buf, DRAIN_FRAMES);
	drain_node = NULL;
}

static const struct ktest_case mm_ipi_cases[] = {
	KTEST_CASE(shrink_flushes_every_cpu),
	KTEST_CASE(drain_all_pages_by_ipi),
	KTEST_END
};

const struct ktest_suite mm_ipi_suite = { "mm_ipi", mm_ipi_cases };
