/* tests/mm/numa_test.c - NUMA: node layouts from firmware affinity ranges (mm/numa.c), good
 * and hostile; and allocation on a private three-node machine: a CPU takes from its own node,
 * falls back to the others by distance (never to a zone type above the request), every free
 * goes back to the zone it came from, and nothing is lost. Same code on both runners. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/gfp.h"
#include "mm/numa.h"
#include "mm/zone.h"
#include "mm/memblock.h"
#include "lib/percpu.h"
#include "lib/string.h"

#define MiB(x) ((u64)(x) << 20)

struct layout_case {
	const char *what;
	struct numa_range r[8];
	unsigned int n;
	unsigned long max_pfn;
	unsigned int nodes;		/* expected */
	unsigned long end[MAX_NUMNODES];	/* expected node_end_pfn[0 .. nodes - 2] */
	u32 domains[MAX_NUMNODES];
	bool rejected;			/* expected: one node with a reason */
};

static const struct layout_case layout_cases[] = {
	{ "no ranges", { { 0 } }, 0, 0x20000, 1, { 0 }, { 0 }, false },
	{ "QEMU -numa: two nodes, hole below 1 MiB",
	  { { 0, 0xa0000, 0 }, { MiB(1), MiB(255), 0 }, { MiB(256), MiB(256), 1 } }, 3, 0x20000,
	  2, { 0x10000 }, { 0, 1 }, false },
	{ "unsorted, domain ids not in address order",
	  { { MiB(256), MiB(256), 2 }, { 0, MiB(256), 7 } }, 2, 0x20000,
	  2, { 0x10000 }, { 7, 2 }, false },
	{ "one domain in pieces", { { 0, MiB(64), 3 }, { MiB(128), MiB(64), 3 } }, 2, 0x20000,
	  1, { 0 }, { 3 }, false },
	{ "unaligned edges round inwards",
	  { { 0x800, MiB(64), 0 }, { MiB(64) + 0x800, MiB(64), 1 } }, 2, 0x20000,
	  2, { 0x4001 }, { 0, 1 }, false },
	{ "range beyond RAM ignored, wrapping range clipped",
	  { { 0, MiB(128), 0 }, { MiB(128), ~0ULL, 1 }, { MiB(4096), MiB(64), 2 } }, 3, 0x10000,
	  2, { 0x8000 }, { 0, 1 }, false },
	{ "zero-length ranges ignored",
	  { { 0, MiB(128), 0 }, { MiB(100), 0, 5 }, { MiB(128), MiB(128), 1 } }, 3, 0x10000,
	  2, { 0x8000 }, { 0, 1 }, false },
	{ "interleaved domains", { { 0, MiB(64), 0 }, { MiB(64), MiB(64), 1 },
				   { MiB(128), MiB(64), 0 } }, 3, 0x20000, 1, { 0 }, { 0 }, true },
	{ "overlapping domains", { { 0, MiB(128), 0 }, { MiB(64), MiB(128), 1 } }, 2, 0x20000,
	  1, { 0 }, { 0 }, true },
	{ "a short range hides the overlap", { { 0, MiB(100), 0 }, { MiB(10), MiB(10), 0 },
					       { MiB(50), MiB(10), 1 } }, 3, 0x20000,
	  1, { 0 }, { 0 }, true },
	{ "five domains", { { 0, MiB(16), 0 }, { MiB(16), MiB(16), 1 }, { MiB(32), MiB(16), 2 },
			    { MiB(48), MiB(16), 3 }, { MiB(64), MiB(16), 4 } }, 5, 0x20000,
	  1, { 0 }, { 0 }, true },
	{ "four domains", { { 0, MiB(16), 0 }, { MiB(16), MiB(16), 1 }, { MiB(32), MiB(16), 2 },
			    { MiB(48), MiB(16), 3 } }, 4, 0x20000,
	  4, { 0x1000, 0x2000, 0x3000 }, { 0, 1, 2, 3 }, false },
};

/* numa_layout() on each table: the node count, boundaries and domains expected, or one node
 * and a reason for ranges that cannot be a node layout. */
static void layout_from_ranges(struct ktest *t)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(layout_cases); i++) {
		const struct layout_case *c = &layout_cases[i];
		struct node_layout lay;
		u32 dom[MAX_NUMNODES];
		const char *why;

		memset(&lay, 0xa5, sizeof(lay));
		unsigned int nodes = numa_layout(c->r, c->n, c->max_pfn, &lay, dom, &why);
		ktest_log(t, "%s: %u node%s%s%s", c->what, nodes, nodes == 1 ? "" : "s",
			  why ? ": " : "", why ? why : "");
		KT_EXPECT_EQ(t, nodes, c->nodes);
		KT_EXPECT_EQ(t, lay.nr_nodes, c->nodes);
		KT_EXPECT_EQ(t, why != NULL, c->rejected);
		for (unsigned int k = 0; k + 1 < nodes && k + 1 < c->nodes; k++)
			KT_EXPECT_EQ(t, lay.node_end_pfn[k], c->end[k]);
		if (nodes > 1)
			KT_EXPECT_EQ(t, lay.node_end_pfn[nodes - 1], c->max_pfn);
		for (unsigned int k = 0; k < nodes && k < c->nodes; k++)
			KT_EXPECT_EQ(t, dom[k], c->domains[k]);
	}
	/* More ranges than it looks at: one node, said why. */
	static struct numa_range many[NUMA_MAX_RANGES + 1];
	struct node_layout lay;
	u32 dom[MAX_NUMNODES];
	const char *why;
	for (unsigned int i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct numa_range){ (u64)i * PAGE_SIZE, PAGE_SIZE, i & 1 };
	KT_EXPECT_EQ(t, numa_layout(many, ARRAY_SIZE(many), 0x20000, &lay, dom, &why), 1);
	KT_EXPECT(t, why != NULL);
}

/* ---- a private three-node machine over 4 MiB ---- */

#define PRIV_FRAMES 1024
static struct mm_node *priv;	/* large (every CPU's page lists): from the allocator */

/* Zones DMA [0, 64), DMA32 [64, 256), Normal above (in frames). Nodes: 0 = [0, 512) with all
 * three types, 1 = [512, 768) and 2 = [768, 1024) Normal only. From node 1, node 2 is nearer
 * (15) than node 0 (30). */
static int build_priv(void *buf)
{
	static const unsigned long zone_end[MAX_NR_ZONES] = { 64, 256, ~0UL };
	struct node_layout numa = { .nr_nodes = 3, .node_end_pfn = { 512, 768, PRIV_FRAMES } };
	static const u8 d[3][3] = { { 10, 30, 20 }, { 30, 10, 15 }, { 20, 15, 10 } };

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			numa.distance[i][j] = d[i][j];
	priv = alloc_pages_exact(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -1;
	return fixture_numa_build(priv, buf, (size_t)PRIV_FRAMES << PAGE_SHIFT, NULL, 0, zone_end,
				  &numa);
}

static const struct zone *zone_of(const struct page *p)
{
	return &priv->zones[p->zone];
}

/* The node's zones and zonelists are as the layout says. */
static void three_node_layout(struct ktest *t)
{
	if (!fixture_enough_ram(t))
		return;
	void *buf = alloc_pages_exact((size_t)PRIV_FRAMES << PAGE_SHIFT, GFP_KERNEL);
	KT_ASSERT(t, buf != NULL);
	KT_ASSERT_EQ(t, build_priv(buf), 0);
	KT_EXPECT_EQ(t, priv->nr_nodes, 3);
	KT_EXPECT_EQ(t, node_check(priv, true), 0);
	KT_EXPECT(t, priv->zones[0 * MAX_NR_ZONES + ZONE_DMA].managed_pages > 0);
	KT_EXPECT(t, priv->zones[0 * MAX_NR_ZONES + ZONE_NORMAL].start_pfn == 256);
	KT_EXPECT(t, priv->zones[1 * MAX_NR_ZONES + ZONE_NORMAL].start_pfn == 512);
	KT_EXPECT(t, priv->zones[1 * MAX_NR_ZONES + ZONE_DMA32].present_pages == 0);
	KT_EXPECT_EQ(t, node_pfn_nid(priv, 511), 0);
	KT_EXPECT_EQ(t, node_pfn_nid(priv, 512), 1);
	KT_EXPECT_EQ(t, node_pfn_nid(priv, 1023), 2);
	/* node 1's zonelist: its Normal, node 2's Normal, then node 0's Normal, DMA32, DMA */
	struct zone *const *zl = priv->zonelist[1];
	KT_ASSERT(t, zl[0] && zl[1] && zl[2] && zl[3] && zl[4] && !zl[5]);
	KT_EXPECT(t, zl[0]->nid == 1 && zl[1]->nid == 2 && zl[2]->nid == 0);
	KT_EXPECT(t, zl[2]->type == ZONE_NORMAL && zl[3]->type == ZONE_DMA32 &&
		     zl[4]->type == ZONE_DMA);
	KT_EXPECT_EQ(t, node_managed_pages(priv, 0) + node_managed_pages(priv, 1) +
		     node_managed_pages(priv, 2), node_managed_pages(priv, -1));
	free_pages_exact(buf, (size_t)PRIV_FRAMES << PAGE_SHIFT);
	free_pages_exact(priv, sizeof(*priv));
}

/* A CPU of node 1 takes node 1's frames first, then node 2's, then node 0's; GFP_DMA32 goes
 * straight to node 0's DMA32 and DMA; freeing everything gives every node its frames back. */
static void fallback_by_distance(struct ktest *t)
{
	if (!fixture_enough_ram(t))
		return;
	unsigned int cpu = smp_processor_id();
	void *buf = alloc_pages_exact((size_t)PRIV_FRAMES << PAGE_SHIFT, GFP_KERNEL);
	KT_ASSERT(t, buf != NULL);
	KT_ASSERT_EQ(t, build_priv(buf), 0);
	KT_ASSERT_EQ(t, node_set_cpu_node(priv, cpu, 1), 0);
	KT_EXPECT_EQ(t, node_set_cpu_node(priv, cpu, 3), -1);	/* no such node */
	KT_EXPECT_EQ(t, node_set_cpu_node(priv, NR_CPUS, 0), -1);
	KT_EXPECT_EQ(t, numa_node_id(priv), 1);
	unsigned long free0[3];
	for (int i = 0; i < 3; i++)
		free0[i] = node_free_pages_nid(priv, i);

	/* order-0 until NULL: the node of each frame never goes back to a nearer one */
	struct list_head taken;
	INIT_LIST_HEAD(&taken);
	unsigned long got[3] = { 0, 0, 0 }, order_bad = 0;
	int rank_of[3] = { 2, 0, 1 }, last_rank = 0;	/* node -> place in node 1's order */
	struct page *p;
	while ((p = node_alloc_pages(priv, GFP_KERNEL | __GFP_NOWARN, 0))) {
		int nid = zone_of(p)->nid;
		unsigned long pfn = node_page_to_pfn(priv, p);
		KT_EXPECT(t, pfn >= zone_of(p)->start_pfn && pfn < zone_of(p)->end_pfn);
		KT_EXPECT_EQ(t, node_pfn_nid(priv, pfn), nid);
		/* pages parked on the CPU lists of a zone may come late: ranks only rise by
		 * zone, so count the rare step back rather than fail on it */
		if (rank_of[nid] < last_rank)
			order_bad++;
		last_rank = MAX(last_rank, rank_of[nid]);
		got[nid]++;
		list_add(&p->lru, &taken);
	}
	ktest_log(t, "from node 1: %lu frames of node 1, %lu of node 2, %lu of node 0 (%lu out of "
		  "order)", got[1], got[2], got[0], order_bad);
	KT_EXPECT(t, got[1] > 0 && got[2] > 0 && got[0] > 0);
	KT_EXPECT_EQ(t, order_bad, 0);
	/* the DMA zone of node 0 keeps its lowmem reserve against Normal requests */
	const struct zone *dma = &priv->zones[ZONE_DMA];
	KT_EXPECT(t, dma->free_pages + zone_pcp_pages(dma) >=
		     MIN(dma->managed_pages, dma->watermark[WMARK_MIN] + dma->lowmem_reserve[ZONE_NORMAL]));
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &taken) {
		list_del(pos);
		node_free_pages(priv, list_entry(pos, struct page, lru), 0);
	}
	/* a DMA32 request from node 1 can only be served by node 0 */
	p = node_alloc_pages(priv, GFP_DMA32, 1);
	KT_ASSERT(t, p != NULL);
	KT_EXPECT(t, zone_of(p)->nid == 0 && zone_of(p)->type == ZONE_DMA32);
	node_free_pages(priv, p, 1);
	node_drain_pages(priv);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, node_free_pages_nid(priv, i), free0[i]);
	KT_EXPECT_EQ(t, priv->nr_bad, 0);
	KT_EXPECT_EQ(t, node_check(priv, true), 0);
	free_pages_exact(buf, (size_t)PRIV_FRAMES << PAGE_SHIFT);
	free_pages_exact(priv, sizeof(*priv));
}

/* mb2dump's view of a boot (node_init over no section, then node_count_free_memblock: no
 * descriptor written) is what the boot's node_free_memblock built on the three-node machine,
 * zone by zone of every node: managed, free, each order's block count, watermarks. */
static void counted_release_matches(struct ktest *t)
{
	static const u64 no_sections[1];
	struct node_layout lay = { .max_pfn = PRIV_FRAMES, .sections = no_sections,
				   .zone_end_pfn = { 64, 256, ~0UL } };

	if (!fixture_enough_ram(t))
		return;
	void *buf = alloc_pages_exact((size_t)PRIV_FRAMES << PAGE_SHIFT, GFP_KERNEL);
	KT_ASSERT(t, buf != NULL);
	KT_ASSERT_EQ(t, build_priv(buf), 0);
	struct mm_node *counted = alloc_pages_exact(sizeof(*counted), GFP_KERNEL);
	KT_ASSERT(t, counted != NULL);
	lay.nr_nodes = priv->nr_nodes;
	memcpy(lay.node_end_pfn, priv->node_end_pfn, sizeof(lay.node_end_pfn));
	memcpy(lay.distance, priv->distance, sizeof(lay.distance));
	node_init(counted, &lay, &fixture_memblock);
	KT_EXPECT_EQ(t, node_count_free_memblock(counted, &fixture_memblock), node_nr_free_pages(priv));
	KT_EXPECT_EQ(t, counted->nr_zones, priv->nr_zones);
	for (unsigned int i = 0; i < priv->nr_zones && i < counted->nr_zones; i++) {
		const struct zone *a = &counted->zones[i], *b = &priv->zones[i];
		KT_EXPECT_EQ(t, a->managed_pages, b->managed_pages);
		KT_EXPECT_EQ(t, a->free_pages, b->free_pages);
		KT_EXPECT_EQ(t, a->watermark[WMARK_MIN], b->watermark[WMARK_MIN]);
		for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
			KT_EXPECT_EQ(t, a->free_area[k].nr_free, b->free_area[k].nr_free);
	}
	free_pages_exact(counted, sizeof(*counted));
	free_pages_exact(buf, (size_t)PRIV_FRAMES << PAGE_SHIFT);
	free_pages_exact(priv, sizeof(*priv));
}

static const struct ktest_case numa_cases[] = {
	KTEST_CASE(layout_from_ranges),
	KTEST_CASE(three_node_layout),
	KTEST_CASE(fallback_by_distance),
	KTEST_CASE(counted_release_matches),
	KTEST_END,
};

const struct ktest_suite numa_suite = { "numa", numa_cases };
