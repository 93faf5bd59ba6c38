/* tests/mm/watermark_test.c - every request is checked against its own watermark before it
 * takes from a CPU's page list, on a private node with Linux's watermarks and reserves (exact
 * whatever the machine): GFP_KERNEL cannot take the GFP_ATOMIC reserve a refill parked on a
 * CPU list, nor a DMA frame waiting on one below the DMA zone's lowmem_reserve; the fast
 * path's premise holds; a CPU's lists give back, refill after refill, the frames that sit
 * unused on them. Every case gives the node's and the machine's frames back. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/gfp.h"
#include "mm/zone.h"
#include "lib/list.h"
#include "lib/string.h"

#define WM_FRAMES 1024		/* 4 MiB: DMA 63 frames, DMA32 192, Normal the rest */
#define WM_BATCH 15		/* a refill parks this many frames (Linux's batch at ~1 GiB) */
static struct mm_node *wm;
static void *wm_buf;
static unsigned long wm_free0;

static bool wm_build(struct ktest *t)
{
	wm = fixture_priv_node(t, WM_FRAMES, -1, &wm_buf);
	if (!wm)
		return false;
	for (unsigned int i = 0; i < wm->nr_zones; i++)
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
			wm->zones[i].pcp[cpu].batch = WM_BATCH;
			wm->zones[i].pcp[cpu].high = 4 * WM_BATCH;
		}
	wm_free0 = node_nr_free_pages(wm);
	return true;
}

static void wm_destroy(struct ktest *t)
{
	if (wm && wm_buf) {
		node_drain_pages(wm);
		KT_EXPECT_EQ(t, node_nr_free_pages(wm), wm_free0);
		KT_EXPECT_EQ(t, node_check(wm, true), 0);
	}
	fixture_priv_node_free(wm, wm_buf, WM_FRAMES);
	wm = NULL;
	wm_buf = NULL;
}

/* Take order-0 frames with gfp until the allocator refuses; returns how many (kept on held). */
static unsigned long take_all(struct list_head *held, gfp_t gfp)
{
	unsigned long n = 0;
	struct page *p;

	while ((p = node_alloc_pages(wm, gfp | __GFP_NOWARN, 0))) {
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
		node_free_pages(wm, p, 0);
	}
}

/* GFP_KERNEL to exhaustion; GFP_ATOMIC still gets frames (its refill parks up to a batch of
 * the reserve on this CPU's list); GFP_KERNEL then gets none of them. */
static void atomic_reserve_body(struct ktest *t)
{
	struct list_head held;
	INIT_LIST_HEAD(&held);

	KT_EXPECT(t, take_all(&held, GFP_KERNEL) > 0);
	struct page *p = node_alloc_pages(wm, GFP_ATOMIC | __GFP_NOWARN, 0);
	KT_EXPECT(t, p != NULL);
	if (p)
		list_add(&p->lru, &held);
	KT_EXPECT_EQ(t, take_all(&held, GFP_KERNEL), 0);
	give_back(&held);
}

static void atomic_reserve_kept(struct ktest *t)
{
	if (wm_build(t))
		atomic_reserve_body(t);
	wm_destroy(t);
}

/* Every zone down to its limit for GFP_KERNEL, then ZONE_DMA down to its min with GFP_DMA;
 * one DMA frame freed goes to this CPU's DMA list; a GFP_KERNEL fallback must not get it:
 * the DMA zone is below the lowmem_reserve it keeps against Normal requests. */
static void dma_reserve_body(struct ktest *t)
{
	struct list_head held;
	INIT_LIST_HEAD(&held);
	struct list_head dma;
	INIT_LIST_HEAD(&dma);
	struct zone *z = &wm->zones[ZONE_DMA];

	KT_ASSERT(t, z->lowmem_reserve[ZONE_NORMAL] > 0);
	KT_EXPECT(t, take_all(&held, GFP_KERNEL) > 0);
	KT_EXPECT(t, take_all(&dma, GFP_DMA) > 0);
	struct page *p = list_first_entry(&dma, struct page, lru);
	list_del(&p->lru);
	node_free_pages(wm, p, 0);		/* onto this CPU's ZONE_DMA list */
	KT_EXPECT_EQ(t, take_all(&held, GFP_KERNEL), 0);
	give_back(&dma);
	give_back(&held);
}

static void dma_reserve_kept(struct ktest *t)
{
	if (wm_build(t))
		dma_reserve_body(t);
	wm_destroy(t);
}

/* The premise of the per-CPU fast path's one comparison (free >= min): every CPU's first zone
 * (its node's highest populated one) keeps no reserve against plain requests, on the machine's
 * node and on the private one. */
static void fast_path_premise(struct ktest *t)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct zone *z = contig_node.cpu[cpu].first;
		if (z)
			KT_EXPECT_EQ(t, z->lowmem_reserve[ZONE_NORMAL], 0);
	}
	if (wm_build(t))
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
			KT_EXPECT_EQ(t, wm->cpu[cpu].first->lowmem_reserve[ZONE_NORMAL], 0);
	wm_destroy(t);
}

/* Frames on this CPU's order-k lists (every type) of z. */
static unsigned long cpu_list_order_frames(struct zone *z, unsigned int k)
{
	struct per_cpu_pages *pcp = &z->pcp[smp_processor_id()];
	unsigned long frames = 0;
	struct list_head *pos;

	for (unsigned int mt = 0; mt < NR_PCP_TYPES; mt++)
		list_for_each(pos, &pcp->lists[k * NR_PCP_TYPES + mt])
			frames += 1UL << k;
	return frames;
}

/* Order-1 blocks freed onto this CPU's list, then only order-0 allocations, which refill from
 * the buddy batch after batch: the order-1 frames that sit unused all along go back (half of
 * them at each refill), while the order-0 list keeps serving. */
static void trim_body(struct ktest *t)
{
	struct list_head held;
	INIT_LIST_HEAD(&held);
	struct page *blocks[20];
	struct zone *z = wm->cpu[smp_processor_id()].first;

	for (unsigned int i = 0; i < ARRAY_SIZE(blocks); i++)
		KT_ASSERT(t, (blocks[i] = node_alloc_pages(wm, GFP_KERNEL, 1)) != NULL);
	for (unsigned int i = 0; i < ARRAY_SIZE(blocks); i++)
		node_free_pages(wm, blocks[i], 1);
	unsigned long parked = cpu_list_order_frames(z, 1);
	KT_EXPECT(t, parked >= 2 * WM_BATCH);
	for (unsigned int i = 0; i < 8 * WM_BATCH; i++) {
		struct page *p = node_alloc_pages(wm, GFP_KERNEL, 0);
		KT_ASSERT(t, p != NULL);
		list_add(&p->lru, &held);
	}
	unsigned long left = cpu_list_order_frames(z, 1);
	if (left > parked / 4)
		ktest_fail(t, __FILE__, __LINE__, "%lu of %lu idle order-1 frames still on the "
			   "CPU list after 8 refills", left, parked);
	give_back(&held);
}

static void cpu_lists_trimmed(struct ktest *t)
{
	if (wm_build(t))
		trim_body(t);
	wm_destroy(t);
}

static const struct ktest_case watermark_cases[] = {
	KTEST_CASE(fast_path_premise),
	KTEST_CASE(atomic_reserve_kept),
	KTEST_CASE(dma_reserve_kept),
	KTEST_CASE(cpu_lists_trimmed),
	KTEST_END
};

const struct ktest_suite watermark_suite = { "watermark", watermark_cases };
