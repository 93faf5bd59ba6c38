/* tests/mm/buddy_test.c - the page allocator: every order, split and merge, coalescing,
 * exhaustion, zone constraints, misuse detection, exact and zeroed allocations.
 * Runs on the global node: the real machine in the kernel, a malloc'd node on the host. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/gfp.h"
#include "mm/zone.h"
#include "lib/prandom.h"
#include "lib/string.h"

/* Free-list occupancy of every zone, to compare before/after. */
struct buddy_snap {
	unsigned long nr_free[MAX_ZONES][NR_PAGE_ORDERS];
};

/* Drain the per-CPU lists first: only then do the buddy lists hold every free frame. */
static void snap(struct buddy_snap *s)
{
	node_drain_pages(&contig_node);
	for (unsigned int z = 0; z < contig_node.nr_zones; z++)
		for (int k = 0; k < NR_PAGE_ORDERS; k++)
			s->nr_free[z][k] = contig_node.zones[z].free_area[k].nr_free;
}

static bool snap_equal(const struct buddy_snap *a, const struct buddy_snap *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static struct buddy_snap before, after;

/* The zone a block was taken from, which must hold the whole block. */
static const struct zone *zone_of(const struct page *p)
{
	return &contig_node.zones[p->zone];
}

static bool block_in_zone(const struct page *p, unsigned int order)
{
	const struct zone *z = zone_of(p);
	unsigned long pfn = page_to_pfn(p);
	return p->zone < contig_node.nr_zones && pfn >= z->start_pfn &&
	       pfn + (1UL << order) <= z->end_pfn;
}

/* Each order 0..10 is allocated aligned, usable end to end, and freed back. */
static void alloc_every_order(struct ktest *t)
{
	if (!fixture_enough_ram(t))
		return;
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		unsigned long free0 = nr_free_pages();
		struct page *p = alloc_pages(GFP_KERNEL, order);
		KT_ASSERT(t, p != NULL);
		KT_EXPECT_EQ(t, page_to_pfn(p) & ((1UL << order) - 1), 0);
		KT_EXPECT_EQ(t, p->refcount, 1);
		KT_EXPECT_EQ(t, free0 - nr_free_pages(), 1UL << order);
		char *va = page_address(p);
		va[0] = 1;
		va[(PAGE_SIZE << order) - 1] = 2;
		KT_EXPECT(t, virt_to_page(va + (PAGE_SIZE << order) - 1) == p + (1UL << order) - 1);
		__free_pages(p, order);
		KT_EXPECT_EQ(t, nr_free_pages(), free0);
	}
	KT_EXPECT_EQ(t, node_check(&contig_node, false), 0);
}

/* An order-0 allocation splits a block; its free merges it back: lists identical. */
static void split_and_merge(struct ktest *t)
{
	snap(&before);
	struct page *p[8];
	for (int i = 0; i < 8; i++) {
		p[i] = alloc_pages(GFP_KERNEL, (unsigned int)i % 3);
		KT_ASSERT(t, p[i] != NULL);
	}
	KT_EXPECT_EQ(t, node_check(&contig_node, false), 0);
	for (int i = 7; i >= 0; i--)
		__free_pages(p[i], (unsigned int)i % 3);
	snap(&after);
	KT_EXPECT(t, snap_equal(&before, &after));
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
}

/* 4096 single frames freed in random order coalesce back to the original blocks. */
static void coalesce_random_free_order(struct ktest *t)
{
	if (!fixture_enough_ram(t))
		return;
	enum { N = 4096 };
	struct prandom r;
	struct page **v = alloc_pages_exact(N * sizeof(*v), GFP_KERNEL);
	KT_ASSERT(t, v != NULL);
	snap(&before);
	int n = 0;
	for (; n < N; n++)
		if (!(v[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
			break;
	KT_EXPECT(t, n > N / 2);
	prandom_seed(&r, 42);
	for (int i = n - 1; i > 0; i--) {
		int j = (int)prandom_below(&r, (u64)i + 1);
		struct page *tmp = v[i];
		v[i] = v[j];
		v[j] = tmp;
	}
	for (int i = 0; i < n; i++)
		__free_pages(v[i], 0);
	snap(&after);
	KT_EXPECT(t, snap_equal(&before, &after));
	free_pages_exact(v, N * sizeof(*v));
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
}

/* Allocate from gfp at every order, largest first, until NULL; check each block's zone; chain
 * blocks through page->lru. Returns frames taken. */
static unsigned long exhaust(struct ktest *t, gfp_t gfp, int highest, struct list_head *taken)
{
	unsigned long frames = 0;

	for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
		struct page *p;
		while ((p = alloc_pages(gfp | __GFP_NOWARN, (unsigned int)order))) {
			unsigned long pfn = page_to_pfn(p);
			if ((int)zone_of(p)->type > highest || !block_in_zone(p, (unsigned int)order))
				ktest_fail(t, __FILE__, __LINE__, "pfn %#lx order %d in zone %u above %d",
					   pfn, order, p->zone, highest);
			*(unsigned long *)page_address(p) = pfn;	/* touch one word only */
			list_add(&p->lru, taken);
			frames += 1UL << order;
		}
	}
	return frames;
}

static void release_all(struct ktest *t, struct list_head *taken)
{
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, taken) {
		struct page *p = list_entry(pos, struct page, lru);
		KT_EXPECT_EQ(t, *(unsigned long *)page_address(p), page_to_pfn(p));
		list_del(pos);
		__free_pages(p, p->order);
	}
}

/* No zone was taken below its min watermark plus the reserve it keeps against allocations
 * that could be served from the zone named by highest (a zone already below stays untouched). */
static void expect_reserves_kept(struct ktest *t, int highest, const unsigned long *free_before)
{
	for (unsigned int i = 0; i < contig_node.nr_zones; i++) {
		const struct zone *z = &contig_node.zones[i];
		unsigned long keep = z->watermark[WMARK_MIN] + z->lowmem_reserve[highest];
		if (z->managed_pages && (int)z->type <= highest)
			KT_EXPECT(t, z->free_pages >= MIN(free_before[i], keep));
	}
}

/* Exhaustion with each zone constraint: NULL at the end, constraints held, reserves kept,
 * and after freeing everything the free lists are exactly as before. */
static void exhaust_and_recover(struct ktest *t)
{
	static const struct { gfp_t gfp; int highest; } runs[] = {
		{ GFP_DMA, ZONE_DMA }, { GFP_DMA32, ZONE_DMA32 }, { GFP_KERNEL, ZONE_NORMAL },
	};
	struct list_head taken;

	snap(&before);
	for (unsigned int i = 0; i < ARRAY_SIZE(runs); i++) {
		unsigned long free_before[MAX_ZONES];
		for (unsigned int z = 0; z < contig_node.nr_zones; z++)
			free_before[z] = contig_node.zones[z].free_pages;
		INIT_LIST_HEAD(&taken);
		unsigned long got = exhaust(t, runs[i].gfp, runs[i].highest, &taken);
		KT_EXPECT(t, alloc_pages(runs[i].gfp | __GFP_NOWARN, 0) == NULL);
		expect_reserves_kept(t, runs[i].highest, free_before);
		/* GFP_ATOMIC may dig below min: it gets more when min > 0. */
		struct page *extra = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
		if (extra)
			__free_pages(extra, 0);
		ktest_log(t, "%s: %lu frames until NULL, atomic extra %s",
			  i == 0 ? "GFP_DMA" : i == 1 ? "GFP_DMA32" : "GFP_KERNEL", got,
			  extra ? "yes" : "no");
		KT_EXPECT(t, got > 0);
		release_all(t, &taken);
		snap(&after);
		KT_EXPECT(t, snap_equal(&before, &after));
	}
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
}

/* GFP_DMA and GFP_DMA32 frames always lie below their zone's limit. */
static void zone_constraints(struct ktest *t)
{
	struct page *d[16], *d32[16];
	for (int i = 0; i < 16; i++) {
		d[i] = alloc_pages(GFP_DMA, (unsigned int)i % 4);
		d32[i] = alloc_pages(GFP_DMA32, (unsigned int)i % 4);
		KT_ASSERT(t, d[i] && d32[i]);
		KT_EXPECT(t, zone_of(d[i])->type == ZONE_DMA && block_in_zone(d[i], (unsigned int)i % 4));
		KT_EXPECT(t, zone_of(d32[i])->type <= ZONE_DMA32 &&
			     block_in_zone(d32[i], (unsigned int)i % 4));
	}
	for (int i = 0; i < 16; i++) {
		__free_pages(d[i], (unsigned int)i % 4);
		__free_pages(d32[i], (unsigned int)i % 4);
	}
	KT_EXPECT(t, alloc_pages(GFP_DMA | GFP_DMA32 | __GFP_NOWARN, 0) == NULL);
	KT_EXPECT(t, alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 1) == NULL);
}

/* Each kind of misuse is reported (nr_bad grows by one) and refused (free count unchanged). */
static void misuse_detected(struct ktest *t)
{
	struct mm_node *n = &contig_node;
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	KT_ASSERT(t, p != NULL);
	unsigned long free0 = nr_free_pages(), bad0 = n->nr_bad;

	__free_pages(p, 1);				/* wrong order */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 1);
	__free_pages(p + 1, 0);				/* a tail page */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 2);
	free_pages((unsigned long)page_address(p) + 8, 2);	/* not at a frame start */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 3);
	KT_EXPECT_EQ(t, nr_free_pages(), free0);
	__free_pages(p, 2);				/* the right free */
	KT_EXPECT_EQ(t, nr_free_pages(), free0 + 4);
	__free_pages(p, 2);				/* double free */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 4);
	__free_pages(pfn_to_page(0), 0);		/* reserved frame 0 */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 5);
	free_pages(n->virt_base + (n->max_pfn << PAGE_SHIFT), 0);	/* beyond RAM */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 6);
	__free_pages((struct page *)((char *)p + 4), 0);	/* not a descriptor */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 7);
	KT_EXPECT_EQ(t, nr_free_pages(), free0 + 4);
	KT_EXPECT_EQ(t, node_check(n, true), 0);
}

/* alloc_pages_exact takes whole pages, not the 2^order block; free_pages_exact returns them. */
static void exact_allocation(struct ktest *t)
{
	unsigned long free0 = nr_free_pages();
	size_t size = 5 * PAGE_SIZE + 1;		/* 6 pages; the block would be 8 */
	char *a = alloc_pages_exact(size, GFP_KERNEL);
	KT_ASSERT(t, a != NULL);
	KT_EXPECT_EQ(t, free0 - nr_free_pages(), 6);
	memset(a, 0x5a, size);
	free_pages_exact(a, size);
	KT_EXPECT_EQ(t, nr_free_pages(), free0);
	KT_EXPECT(t, alloc_pages_exact(0, GFP_KERNEL | __GFP_NOWARN) == NULL);
}

/* __GFP_ZERO and get_zeroed_page return zeroed memory even when the frames were dirty. */
static void zeroed_memory(struct ktest *t)
{
	struct page *p = alloc_pages(GFP_KERNEL, 3);
	KT_ASSERT(t, p != NULL);
	memset(page_address(p), 0xa5, PAGE_SIZE << 3);
	__free_pages(p, 3);
	p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 3);
	KT_ASSERT(t, p != NULL);
	const unsigned char *c = page_address(p);
	size_t nonzero = 0;
	for (size_t i = 0; i < (PAGE_SIZE << 3); i++)
		nonzero += c[i] != 0;
	KT_EXPECT_EQ(t, nonzero, 0);
	__free_pages(p, 3);
	unsigned long z = get_zeroed_page(GFP_KERNEL);
	KT_ASSERT(t, z != 0);
	KT_EXPECT_EQ(t, ((unsigned long *)z)[PAGE_SIZE / 8 - 1], 0);
	free_pages(z, 0);
}

/* A run of split pages goes back as the aligned blocks it holds (node_free_run_to_buddy): the
 * last 27 pages of an order-5 block are blocks of 1, 2, 8 and 16 pages (at offsets 5, 6, 8,
 * 16), the first 5 then make the block whole again, with no report. */
static void free_run_joins_blocks(struct ktest *t)
{
	struct mm_node *n = &contig_node;
	unsigned long bad0 = n->nr_bad;
	struct buddy_snap mid;

	snap(&before);
	struct page *p = alloc_pages(GFP_KERNEL, 5);
	KT_ASSERT(t, p != NULL);
	node_split_page(n, p, 5);
	snap(&mid);
	node_free_run_to_buddy(n, p + 5, 27);
	snap(&after);
	unsigned int z = p->zone;
	for (int k = 0; k < NR_PAGE_ORDERS; k++) {
		unsigned long want = mid.nr_free[z][k] + (k == 0 || k == 1 || k == 3 || k == 4);
		KT_EXPECT_EQ(t, after.nr_free[z][k], want);
	}
	node_free_run_to_buddy(n, p, 5);
	snap(&after);
	KT_EXPECT(t, snap_equal(&before, &after));
	KT_EXPECT_EQ(t, n->nr_bad, bad0);
	KT_EXPECT_EQ(t, node_check(n, true), 0);
}

static const struct ktest_case buddy_cases[] = {
	KTEST_CASE(alloc_every_order),
	KTEST_CASE(split_and_merge),
	KTEST_CASE(coalesce_random_free_order),
	KTEST_CASE(exhaust_and_recover),
	KTEST_CASE(zone_constraints),
	KTEST_CASE(misuse_detected),
	KTEST_CASE(exact_allocation),
	KTEST_CASE(free_run_joins_blocks),
	KTEST_CASE(zeroed_memory),
	KTEST_END,
};

const struct ktest_suite buddy_suite = { "buddy", buddy_cases };
