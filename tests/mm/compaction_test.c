/* tests/mm/compaction_test.c - mobility grouping, compaction and the fragmentation measures on
 * a private node of two pageblocks (4 MiB, one Normal zone): requests of each type land in
 * pageblocks of their type, a fallback steals a whole pageblock, compaction moves only
 * registered movable blocks (contents intact, the owner's handle table updated, every frame
 * accounted for), GFP_ATOMIC never compacts, and Linux's unusable/extfrag indexes come out as
 * computed by hand. Every case gives the node's frames back (checked) and the memory back. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/gfp.h"
#include "mm/zone.h"
#include "mm/compaction.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/slab.h"

#define CT_FRAMES 1024		/* two pageblocks */
#define CT_HANDLES CT_FRAMES

static struct mm_node *cn;
static void *cn_buf;
static unsigned long cn_free0;

/* The test owner of movable pages: handle i is the block h[i] (NULL: none); every frame of it
 * holds the pattern of i (first and last word), checked after every move. */
static struct {
	struct page *h[CT_HANDLES];
	unsigned int order[CT_HANDLES];
	bool refuse;			/* migrate_page says no */
	unsigned long moves, bad;	/* moves done; callbacks that found a wrong reference */
} own;

static u64 pattern(unsigned long i, unsigned long frame)
{
	return 0x9e3779b97f4a7c15ULL * (i + 1) ^ frame;
}

static void fill_block(struct page *p, unsigned long i, unsigned int order)
{
	for (unsigned long f = 0; f < (1UL << order); f++) {
		u64 *w = (u64 *)((char *)node_page_address(cn, p) + (f << PAGE_SHIFT));
		w[0] = w[PAGE_SIZE / 8 - 1] = pattern(i, f);
	}
}

static bool block_intact(struct page *p, unsigned long i, unsigned int order)
{
	for (unsigned long f = 0; f < (1UL << order); f++) {
		const u64 *w = (const u64 *)((char *)node_page_address(cn, p) + (f << PAGE_SHIFT));
		if (w[0] != pattern(i, f) || w[PAGE_SIZE / 8 - 1] != pattern(i, f))
			return false;
	}
	return true;
}

static int own_migrate(struct page *dst, struct page *src, unsigned int order)
{
	unsigned long i = src->private;

	if (own.refuse)
		return -1;
	if (i >= CT_HANDLES || own.h[i] != src || own.order[i] != order) {
		own.bad++;
		return -1;
	}
	memcpy(node_page_address(cn, dst), node_page_address(cn, src), PAGE_SIZE << order);
	own.h[i] = dst;
	own.moves++;
	return 0;
}

static const struct movable_operations own_mops = { .migrate_page = own_migrate };

static bool cn_build(struct ktest *t)
{
	static const unsigned long zone_end[MAX_NR_ZONES] = { 0, 0, ~0UL };

	memset(&own, 0, sizeof(own));
	if (!fixture_enough_ram(t))
		return false;
	cn = alloc_pages_exact(sizeof(*cn), GFP_KERNEL);
	cn_buf = alloc_pages_exact((size_t)CT_FRAMES << PAGE_SHIFT, GFP_KERNEL);
	if (!cn || !cn_buf ||
	    fixture_node_build(cn, cn_buf, (size_t)CT_FRAMES << PAGE_SHIFT, NULL, 0, zone_end) < 0) {
		ktest_fail(t, __FILE__, __LINE__, "no private node");
		return false;
	}
	for (unsigned int i = 0; i < cn->nr_zones; i++) {	/* every frame may be taken */
		memset(cn->zones[i].watermark, 0, sizeof(cn->zones[i].watermark));
		memset(cn->zones[i].lowmem_reserve, 0, sizeof(cn->zones[i].lowmem_reserve));
	}
	cn_free0 = node_nr_free_pages(cn);
	return true;
}

static void cn_destroy(struct ktest *t)
{
	if (cn && cn_buf && cn_free0) {
		for (unsigned int i = 0; i < CT_HANDLES; i++)
			if (own.h[i])
				node_free_pages(cn, own.h[i], own.order[i]);
		node_drain_pages(cn);
		KT_EXPECT_EQ(t, node_nr_free_pages(cn), cn_free0);
		KT_EXPECT_EQ(t, node_check(cn, true), 0);
	}
	if (cn_buf)
		free_pages_exact(cn_buf, (size_t)CT_FRAMES << PAGE_SHIFT);
	if (cn)
		free_pages_exact(cn, sizeof(*cn));
	cn = NULL;
	cn_buf = NULL;
	cn_free0 = 0;
}

/* A movable block of order k as handle i: allocated, filled, registered. */
static struct page *own_alloc(unsigned long i, unsigned int order, gfp_t gfp)
{
	struct page *p = node_alloc_pages(cn, gfp | __GFP_MOVABLE | __GFP_NOWARN, order);
	if (!p)
		return NULL;
	fill_block(p, i, order);
	p->private = i;
	if (node_set_page_movable(cn, p, &own_mops) < 0) {
		node_free_pages(cn, p, order);
		return NULL;
	}
	own.h[i] = p;
	own.order[i] = order;
	return p;
}

static void own_free(unsigned long i)
{
	node_free_pages(cn, own.h[i], own.order[i]);
	own.h[i] = NULL;
}

static unsigned int mt_of(struct page *p)
{
	return node_pageblock_migratetype(cn, node_page_to_pfn(cn, p));
}

/* Unmovable and movable requests, interleaved, land in pageblocks of their own type: the first
 * unmovable one steals a whole (free) pageblock, and no pageblock holds both kinds. */
static void grouping_body(struct ktest *t)
{
	struct page *u[64];
	unsigned long count[MIGRATE_TYPES];

	node_pageblock_counts(&cn->zones[ZONE_NORMAL], count);
	KT_EXPECT_EQ(t, count[MIGRATE_MOVABLE], 2);		/* every pageblock starts movable */
	for (unsigned int i = 0; i < 64; i++) {
		u[i] = node_alloc_pages(cn, GFP_KERNEL, 0);
		KT_ASSERT(t, u[i] != NULL && own_alloc(i, 0, GFP_KERNEL) != NULL);
	}
	unsigned long ublock = node_page_to_pfn(cn, u[0]) >> pageblock_order;
	for (unsigned int i = 0; i < 64; i++) {
		KT_EXPECT_EQ(t, mt_of(u[i]), MIGRATE_UNMOVABLE);
		KT_EXPECT_EQ(t, mt_of(own.h[i]), MIGRATE_MOVABLE);
		KT_EXPECT_EQ(t, node_page_to_pfn(cn, u[i]) >> pageblock_order, ublock);
		KT_EXPECT(t, node_page_to_pfn(cn, own.h[i]) >> pageblock_order != ublock);
	}
	node_pageblock_counts(&cn->zones[ZONE_NORMAL], count);
	KT_EXPECT_EQ(t, count[MIGRATE_UNMOVABLE], 1);
	KT_EXPECT_EQ(t, count[MIGRATE_MOVABLE], 1);
	node_print_pagetypeinfo(cn);
	for (unsigned int i = 0; i < 64; i++)
		node_free_pages(cn, u[i], 0);
}

static void grouping(struct ktest *t)
{
	if (cn_build(t))
		grouping_body(t);
	cn_destroy(t);
}

/* Without grouping (page_group_by_mobility_disabled) the same requests share pageblocks. */
static void no_grouping_body(struct ktest *t)
{
	struct page *u[64];

	node_set_group_by_mobility(cn, false);
	for (unsigned int i = 0; i < 64; i++) {
		u[i] = node_alloc_pages(cn, GFP_KERNEL, 0);
		KT_ASSERT(t, u[i] != NULL && own_alloc(i, 0, GFP_KERNEL) != NULL);
	}
	KT_EXPECT_EQ(t, node_page_to_pfn(cn, u[0]) >> pageblock_order,
		     node_page_to_pfn(cn, own.h[0]) >> pageblock_order);
	for (unsigned int i = 0; i < 64; i++)
		node_free_pages(cn, u[i], 0);
	node_set_group_by_mobility(cn, true);
}

static void no_grouping(struct ktest *t)
{
	if (cn_build(t))
		no_grouping_body(t);
	cn_destroy(t);
}

/* Fill the node with order-0 blocks, a few unmovable (kept in unmov[]), the rest movable
 * handles, then free every other movable one: half the node free, no order-6 block anywhere. */
static unsigned int fragment(struct ktest *t, struct page **unmov, unsigned int max_unmov)
{
	unsigned int nu = 0;

	for (unsigned long i = 0; i < CT_HANDLES; i++) {
		if (i % 97 == 0 && nu < max_unmov) {
			struct page *p = node_alloc_pages(cn, GFP_KERNEL | __GFP_NOWARN, 0);
			if (!p)
				break;
			memset(node_page_address(cn, p), 0x5a, PAGE_SIZE);
			unmov[nu++] = p;
		}
		if (!own_alloc(i, 0, GFP_KERNEL))
			break;
	}
	KT_EXPECT_EQ(t, node_nr_free_pages(cn), 0);
	for (unsigned long i = 0; i < CT_HANDLES; i += 2)
		if (own.h[i])
			own_free(i);
	node_drain_pages(cn);
	KT_EXPECT_EQ(t, zone_frag_index(&cn->zones[ZONE_NORMAL], 6).extfrag != -1000, 1);
	return nu;
}

/* Direct compaction: an order-6 GFP_KERNEL request compacts the zone and gets its block; only
 * registered pages moved, each one's contents intact and its handle updated, the unmovable
 * pages where they were, every frame accounted for. GFP_ATOMIC never compacts. */
static void direct_compaction_body(struct ktest *t)
{
	struct page *unmov[16];
	unsigned int nu = fragment(t, unmov, 16);
	unsigned long free = node_nr_free_pages(cn);

	KT_EXPECT(t, node_alloc_pages(cn, GFP_ATOMIC | __GFP_NOWARN, 6) == NULL);
	KT_EXPECT_EQ(t, own.moves, 0);
	KT_EXPECT_EQ(t, node_nr_free_pages(cn), free);
	struct page *big = node_alloc_pages(cn, GFP_KERNEL | __GFP_NOWARN, 6);
	KT_EXPECT(t, big != NULL);
	KT_EXPECT(t, own.moves > 0);
	KT_EXPECT_EQ(t, own.bad, 0);
	KT_EXPECT_EQ(t, cn->compact_success, 1);
	node_drain_pages(cn);
	KT_EXPECT_EQ(t, node_nr_free_pages(cn) + (big ? 64 : 0), free);	/* every frame */
	KT_EXPECT_EQ(t, node_check(cn, true), 0);
	for (unsigned long i = 0; i < CT_HANDLES; i++)
		if (own.h[i]) {
			KT_EXPECT(t, block_intact(own.h[i], i, 0));
			KT_EXPECT(t, PageMovable(own.h[i]) && own.h[i]->refcount == 1);
		}
	for (unsigned int j = 0; j < nu; j++) {
		const u8 *b = node_page_address(cn, unmov[j]);
		KT_EXPECT(t, b[0] == 0x5a && b[PAGE_SIZE - 1] == 0x5a && unmov[j]->refcount == 1);
		node_free_pages(cn, unmov[j], 0);
	}
	if (big)
		node_free_pages(cn, big, 6);
}

static void direct_compaction(struct ktest *t)
{
	if (cn_build(t))
		direct_compaction_body(t);
	cn_destroy(t);
}

/* An owner that refuses every move: nothing moves, nothing is lost, the request fails. */
static void owner_refuses_body(struct ktest *t)
{
	struct page *unmov[1];
	unsigned int nu = fragment(t, unmov, 0);
	unsigned long free = node_nr_free_pages(cn);

	own.refuse = true;
	KT_EXPECT(t, node_alloc_pages(cn, GFP_KERNEL | __GFP_NOWARN, 6) == NULL);
	KT_EXPECT_EQ(t, own.moves, 0);
	KT_EXPECT(t, cn->compact_migrate_failed > 0);
	node_drain_pages(cn);
	KT_EXPECT_EQ(t, node_nr_free_pages(cn), free);
	KT_EXPECT_EQ(t, node_check(cn, true), 0);
	for (unsigned long i = 0; i < CT_HANDLES; i++)
		if (own.h[i])
			KT_EXPECT(t, block_intact(own.h[i], i, 0) && !(own.h[i]->flags & PG_isolated));
	own.refuse = false;
	KT_EXPECT_EQ(t, nu, 0);
}

static void owner_refuses(struct ktest *t)
{
	if (cn_build(t))
		owner_refuses_body(t);
	cn_destroy(t);
}

/* Linux's indexes on a state computed by hand: all taken, then one order-3 block and four
 * lone frames free (12 frames, 5 blocks). */
static void frag_index_body(struct ktest *t)
{
	struct list_head held;
	struct page *p;
	INIT_LIST_HEAD(&held);

	while ((p = node_alloc_pages(cn, GFP_KERNEL | __GFP_NOWARN, 0)))
		list_add(&p->lru, &held);
	node_drain_pages(cn);
	KT_ASSERT_EQ(t, node_nr_free_pages(cn), 0);
	unsigned long base = 0;		/* 32 frames taken, all ours, aligned to 32 */
	for (unsigned long pfn = 32; pfn < CT_FRAMES && !base; pfn += 32) {
		bool ours = true;
		for (unsigned long i = 0; i < 32; i++)
			ours &= !(cn->vmemmap[pfn + i].flags & PG_reserved);
		if (ours)
			base = pfn;
	}
	KT_ASSERT(t, base != 0);
	static const unsigned int offs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 16, 20, 24, 28 };
	for (unsigned int i = 0; i < ARRAY_SIZE(offs); i++) {
		p = &cn->vmemmap[base + offs[i]];
		list_del(&p->lru);
		node_free_pages(cn, p, 0);
	}
	node_drain_pages(cn);
	const struct zone *z = &cn->zones[ZONE_NORMAL];
	KT_EXPECT_EQ(t, z->free_pages, 12);
	KT_EXPECT_EQ(t, zone_frag_index(z, 0).unusable, 0);
	KT_EXPECT_EQ(t, (long)zone_frag_index(z, 0).extfrag, -1000);
	KT_EXPECT_EQ(t, zone_frag_index(z, 3).unusable, 333);	/* (12 - 8) / 12 */
	KT_EXPECT_EQ(t, (long)zone_frag_index(z, 3).extfrag, -1000);
	KT_EXPECT_EQ(t, zone_frag_index(z, 4).unusable, 1000);
	KT_EXPECT_EQ(t, zone_frag_index(z, 4).extfrag, 650);	/* 1000 - (1000 + 750) / 5 */
	KT_EXPECT_EQ(t, zone_frag_index(z, 9).extfrag, 796);	/* 1000 - (1000 + 23) / 5 */
	node_print_frag(cn, "test");
	while (!list_empty(&held)) {
		p = list_first_entry(&held, struct page, lru);
		list_del(&p->lru);
		node_free_pages(cn, p, 0);
	}
}

static void frag_index(struct ktest *t)
{
	if (cn_build(t))
		frag_index_body(t);
	cn_destroy(t);
}

/* Does the zone GFP_KERNEL takes from first (the highest with free pages) hold a whole free
 * pageblock? Only then must a request of a type with no pageblock of its own claim one: a
 * fallback from a smaller block leaves the page in a block of another type (Linux too). */
static bool free_pageblock_in_top_zone(const struct mm_node *n)
{
	for (unsigned int i = n->nr_zones; i-- > 0;) {
		const struct zone *z = &n->zones[i];
		if (!z->free_pages)
			continue;
		for (unsigned int o = pageblock_order; o < NR_PAGE_ORDERS; o++)
			if (z->free_area[o].nr_free)
				return true;
		return false;
	}
	return false;
}

/* Slab pages follow their cache: SLAB_RECLAIM_ACCOUNT slabs in reclaimable pageblocks, others
 * unmovable whatever the request asked (a slab is never movable). */
static void slab_pageblocks(struct ktest *t)
{
	if (!free_pageblock_in_top_zone(&contig_node)) {
		/* at 8 MiB: every pageblock is partly used from boot on */
		ktest_skip(t, "no free pageblock to claim: fallback pages keep their block's type");
		return;
	}
	struct kmem_cache *r = kmem_cache_create("ct_reclaim", 256, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	struct kmem_cache *u = kmem_cache_create("ct_unmov", 256, 0, 0, NULL);
	KT_ASSERT(t, r && u);
	void *a = kmem_cache_alloc(r, GFP_KERNEL), *b = kmem_cache_alloc(u, GFP_KERNEL_MOVABLE);
	KT_ASSERT(t, a && b);
	KT_EXPECT_EQ(t, node_pageblock_migratetype(&contig_node, page_to_pfn(virt_to_page(a))),
		     MIGRATE_RECLAIMABLE);
	KT_EXPECT_EQ(t, node_pageblock_migratetype(&contig_node, page_to_pfn(virt_to_page(b))),
		     MIGRATE_UNMOVABLE);
	kmem_cache_free(r, a);
	kmem_cache_free(u, b);
	KT_EXPECT_EQ(t, kmem_cache_destroy(r), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(u), 0);
}

static const struct ktest_case compaction_cases[] = {
	{ "grouping", grouping },
	{ "no_grouping", no_grouping },
	{ "direct_compaction", direct_compaction },
	{ "owner_refuses", owner_refuses },
	{ "frag_index", frag_index },
	{ "slab_pageblocks", slab_pageblocks },
	{ NULL, NULL }
};
const struct ktest_suite compaction_suite = { "compaction", compaction_cases };
