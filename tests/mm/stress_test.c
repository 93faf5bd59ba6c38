/* tests/mm/stress_test.c - randomized page-allocator stress checked against a shadow model:
 * a bitmap of every allocated frame (no block may overlap another), a tag written in every
 * frame of every live block (no block may be handed out while live, nor corrupted), and the
 * invariant checker run at intervals. Also private nodes built over hostile memory maps. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/gfp.h"
#include "mm/zone.h"
#include "lib/bitops.h"
#include "lib/prandom.h"
#include "lib/string.h"

#define STRESS_OPS   30000
#define STRESS_SLOTS 1024

struct live {
	struct page *page;
	unsigned int order;
	u64 tag;
};

/* Write (verify=false) or check (verify=true) the block's tag in the first and last word of
 * each of its frames. Returns the number of words that did not hold the tag. */
static unsigned long tag_block(const struct live *l, bool verify)
{
	unsigned long bad = 0;
	char *va = page_address(l->page);

	for (unsigned long i = 0; i < (1UL << l->order); i++) {
		u64 *first = (u64 *)(va + i * PAGE_SIZE), *last = first + PAGE_SIZE / 8 - 1;
		u64 want = l->tag ^ i;
		if (!verify) {
			*first = want;
			*last = ~want;
		} else {
			bad += (*first != want) + (*last != ~want);
		}
	}
	return bad;
}

/* Mark (set=true) or clear the block's frames in the shadow bitmap; returns how many frames
 * were already in the wrong state (overlap on alloc, unknown frame on free). */
static unsigned long shadow_mark(u64 *shadow, const struct live *l, bool set)
{
	unsigned long pfn = page_to_pfn(l->page), wrong = 0;

	for (unsigned long i = 0; i < (1UL << l->order); i++) {
		wrong += test_bit(pfn + i, shadow) == set;
		if (set)
			set_bit(pfn + i, shadow);
		else
			clear_bit(pfn + i, shadow);
	}
	return wrong;
}

static const gfp_t stress_gfp[] = { GFP_KERNEL, GFP_KERNEL, GFP_DMA32, GFP_DMA, GFP_ATOMIC };

/* Small orders dominate, as in real workloads; every order appears. */
static unsigned int pick_order(struct prandom *r)
{
	unsigned int order = 0;
	while (order < MAX_PAGE_ORDER && prandom_below(r, 3) == 0)
		order++;
	return order;
}

static void free_slot(struct ktest *t, u64 *shadow, struct live *l)
{
	if (tag_block(l, true))
		ktest_fail(t, __FILE__, __LINE__, "block pfn %#lx order %u corrupted",
			   page_to_pfn(l->page), l->order);
	if (shadow_mark(shadow, l, false))
		ktest_fail(t, __FILE__, __LINE__, "shadow lost frames of pfn %#lx", page_to_pfn(l->page));
	__free_pages(l->page, l->order);
	l->page = NULL;
}

/* Thousands of random allocations and frees across orders and zones. */
static void random_ops_shadow_model(struct ktest *t)
{
	size_t shadow_bytes = (contig_node.max_pfn + 63) / 64 * 8;
	u64 *shadow = alloc_pages_exact(shadow_bytes, GFP_KERNEL | __GFP_ZERO);
	struct live *slots = alloc_pages_exact(STRESS_SLOTS * sizeof(*slots), GFP_KERNEL | __GFP_ZERO);
	struct prandom r;
	unsigned long allocs = 0, fails = 0, bad0 = contig_node.nr_bad;

	KT_ASSERT(t, shadow && slots);
	prandom_seed(&r, 0x5eed);
	for (int op = 0; op < STRESS_OPS && !t->failed; op++) {
		struct live *l = &slots[prandom_below(&r, STRESS_SLOTS)];
		if (l->page) {
			free_slot(t, shadow, l);
		} else {
			l->order = pick_order(&r);
			gfp_t gfp = stress_gfp[prandom_below(&r, ARRAY_SIZE(stress_gfp))];
			l->page = alloc_pages(gfp | __GFP_NOWARN, l->order);
			if (!l->page) {
				fails++;
				continue;
			}
			allocs++;
			l->tag = prandom_u64(&r);
			if (shadow_mark(shadow, l, true))
				ktest_fail(t, __FILE__, __LINE__, "block pfn %#lx order %u overlaps a live one",
					   page_to_pfn(l->page), l->order);
			tag_block(l, false);
		}
		if (op % 5000 == 4999 && node_check(&contig_node, false))
			ktest_fail(t, __FILE__, __LINE__, "invariants broken after %d ops", op + 1);
	}
	for (int i = 0; i < STRESS_SLOTS; i++)
		if (slots[i].page)
			free_slot(t, shadow, &slots[i]);
	ktest_log(t, "%d ops: %lu allocations, %lu refused", STRESS_OPS, allocs, fails);
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0);
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
	free_pages_exact(slots, STRESS_SLOTS * sizeof(*slots));
	free_pages_exact(shadow, shadow_bytes);
}

/* A private node over 4 MiB taken from the page allocator, described by a hostile map
 * (unsorted, overlapping, unaligned, zero-length, wrapping). Its own buddy works, keeps to its
 * zones, coalesces fully, and the memory goes back to the global node untouched. */
static void private_node_hostile_map(struct ktest *t)
{
	if (!fixture_enough_ram(t))
		return;
	/* a node is large (every CPU's page lists of every zone): from the allocator */
	struct mm_node *priv = alloc_pages_exact(sizeof(*priv), GFP_KERNEL);
	const size_t size = 4UL << 20;
	const struct mem_raw map[] = {
		{ 0x200000, 0x200000, E820_USABLE },
		{ 0x0, 0x9fc00, E820_USABLE },
		{ 0x100800, 0x0ff000, E820_USABLE },		/* unaligned edges */
		{ 0x9f000, 0x61000, E820_RESERVED },		/* overlaps the first */
		{ 0x300000, 0x0, E820_RESERVED },		/* zero length */
		{ 0x380000, 0x1000, E820_ACPI },		/* nested in usable */
		{ 0xfffffffffffff000ULL, 0x3000, E820_USABLE },	/* wraps: beyond the buffer */
	};
	static const unsigned long zone_end[MAX_NR_ZONES] = { 256, 768, ~0UL };
	void *buf = alloc_pages_exact(size, GFP_KERNEL);
	KT_ASSERT(t, buf != NULL && priv != NULL);
	KT_ASSERT_EQ(t, fixture_node_build(priv, buf, size, map, (int)ARRAY_SIZE(map), zone_end), 0);
	KT_EXPECT_EQ(t, node_check(priv, true), 0);
	/* Usable: [0, 0x9f000) [0x101000, 0x1ff000) [0x200000, 0x380000) [0x381000, 0x400000). */
	unsigned long usable = 0x9f + (0x1ff - 0x101) + (0x380 - 0x200) + (0x400 - 0x381);
	unsigned long managed = 0;
	for (int i = 0; i < MAX_NR_ZONES; i++)
		managed += priv->zones[i].managed_pages;
	unsigned long meta = (unsigned long)(fixture_memblock.allocated >> PAGE_SHIFT);
	KT_EXPECT_EQ(t, managed, usable - 1 - meta);	/* page 0 and the metadata kept */
	KT_EXPECT_EQ(t, node_nr_free_pages(priv), managed);
	KT_EXPECT(t, node_virt_to_page(priv, (char *)buf + 0x9f000) != NULL);	/* in a section */
	KT_EXPECT(t, PageReserved(node_virt_to_page(priv, (char *)buf + 0x9f000)));

	unsigned long taken = 0;
	struct page *p;
	struct list_head list;
	INIT_LIST_HEAD(&list);
	while ((p = node_alloc_pages(priv, GFP_DMA | __GFP_NOWARN, 0))) {
		KT_EXPECT(t, node_page_to_pfn(priv, p) < 256);
		list_add(&p->lru, &list);
		taken++;
	}
	KT_EXPECT(t, taken > 0 && taken <= priv->zones[ZONE_DMA].managed_pages);
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &list) {
		list_del(pos);
		node_free_pages(priv, list_entry(pos, struct page, lru), 0);
	}
	KT_EXPECT_EQ(t, node_nr_free_pages(priv), managed);
	KT_EXPECT_EQ(t, node_check(priv, true), 0);
	free_pages_exact(buf, size);
	free_pages_exact(priv, sizeof(*priv));
}

static const struct ktest_case stress_cases[] = {
	KTEST_CASE(random_ops_shadow_model),
	KTEST_CASE(private_node_hostile_map),
	KTEST_END,
};

const struct ktest_suite buddy_stress_suite = { "buddy_stress", stress_cases };
