/* tests/mm/page_poison_test.c - page_poison and init_on_free (mm/page_poison.c) on a private
 * node: a write to a freed page or block is reported once when it is next allocated, with the
 * frame, the offset, the byte and the last owner, whether the frames waited on a CPU list or in
 * the buddy; clean reuse, frames never freed and a node without poisoning are not reported;
 * init_on_free zeroes. Every case gives the node's and the machine's frames back. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/gfp.h"
#include "mm/zone.h"
#include "lib/string.h"

#define PRIV_FRAMES 1024
static struct mm_node *priv;	/* large (every CPU's page lists): from the allocator */
static void *priv_buf;
static unsigned long priv_free0;	/* the node's free frames when built */

/* A fresh node over 4 MiB whose bytes are not the poison (so that a check of frames that
 * were never poisoned would be seen), without watermarks, in the given mode. */
static bool priv_build(struct ktest *t, enum page_free_mode mode)
{
	priv = fixture_priv_node(t, PRIV_FRAMES, 0x11, &priv_buf);
	if (!priv)
		return false;
	for (unsigned int i = 0; i < priv->nr_zones; i++) {	/* alloc_all() takes every frame */
		memset(priv->zones[i].watermark, 0, sizeof(priv->zones[i].watermark));
		memset(priv->zones[i].lowmem_reserve, 0, sizeof(priv->zones[i].lowmem_reserve));
	}
	priv_free0 = node_nr_free_pages(priv);
	KT_EXPECT_EQ(t, node_set_page_free_mode(priv, mode), 0);
	return true;
}

/* Poisoning off (its owner table back), every frame back, the memory back to the machine. */
static void priv_destroy(struct ktest *t)
{
	if (priv && priv_buf) {
		node_set_page_free_mode(priv, PAGE_FREE_KEEP);
		KT_EXPECT_EQ(t, node_nr_free_pages(priv), priv_free0);
		KT_EXPECT_EQ(t, node_check(priv, true), 0);
	}
	fixture_priv_node_free(priv, priv_buf, PRIV_FRAMES);
	priv = NULL;
	priv_buf = NULL;
}

/* Run body on a fresh node in mode, then destroy the node whatever body asserted. */
static void on_priv(struct ktest *t, enum page_free_mode mode, void (*body)(struct ktest *t))
{
	if (priv_build(t, mode))
		body(t);
	priv_destroy(t);
}

/* The allocator records the return address of its caller's call, which lies inside these two
 * (the empty asm after the call keeps it from being a tail jump). */
static __attribute__((noinline)) struct page *alloc_site(unsigned int order)
{
	struct page *p = node_alloc_pages(priv, GFP_KERNEL, order);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

static __attribute__((noinline)) void free_site(struct page *p, unsigned int order)
{
	node_free_pages(priv, p, order);
	__asm__ volatile("" : : : "memory");
}

/* Is ip a return address inside fn (its first 192 bytes, and before other if other follows)? */
static bool inside(unsigned long ip, const void *fn, const void *other)
{
	uintptr_t f = (uintptr_t)fn, o = (uintptr_t)other;
	return ip > f && ip < f + 192 && !(o > f && ip >= o);
}

static u8 *va_of(struct page *p)
{
	return node_page_address(priv, p);
}

/* Every byte of [p, p + n) is val. */
static bool all_bytes(const u8 *p, size_t n, u8 val)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != val)
			return false;
	return true;
}

/* The last report names frame pfn, offset off, byte found, and the sites above as the owner. */
static void expect_report(struct ktest *t, unsigned long pfn, unsigned long off, u8 found)
{
	const struct page_poison_report *r = &priv->poison_last;
	KT_EXPECT_EQ(t, r->pfn, pfn);
	KT_EXPECT_EQ(t, r->offset, off);
	KT_EXPECT_EQ(t, r->found, found);
	KT_EXPECT(t, inside(r->alloc_caller, (const void *)alloc_site, (const void *)free_site));
	KT_EXPECT(t, inside(r->free_caller, (const void *)free_site, (const void *)alloc_site));
}

/* An order-0 page written after its free, while it waits on the CPU's list, is reported once
 * by the allocation that gets it back: its pfn, offset, byte, who allocated and freed it. */
static void order0_on_cpu_list_body(struct ktest *t)
{
	struct page *p = alloc_site(0);
	KT_ASSERT(t, p != NULL);
	unsigned long pfn = node_page_to_pfn(priv, p), pcp0 = zone_pcp_pages(&priv->zones[p->zone]);
	free_site(p, 0);
	KT_EXPECT_EQ(t, zone_pcp_pages(&priv->zones[p->zone]), pcp0 + 1);	/* on the CPU list */
	KT_EXPECT(t, p->flags & PG_poison);
	KT_EXPECT(t, all_bytes(va_of(p), PAGE_SIZE, PAGE_POISON));
	va_of(p)[0x123] = 0x5a;			/* the write after free */
	unsigned long bad0 = priv->nr_poison_bad;
	struct page *q = node_alloc_pages(priv, GFP_KERNEL, 0);
	KT_EXPECT(t, q == p);			/* the CPU list is last in, first out */
	KT_EXPECT_EQ(t, priv->nr_poison_bad, bad0 + 1);
	expect_report(t, pfn, 0x123, 0x5a);
	KT_EXPECT(t, !(p->flags & PG_poison));
	KT_EXPECT_EQ(t, p->refcount, 1);	/* handed out as usual */
	if (q)
		node_free_pages(priv, q, 0);
	KT_EXPECT_EQ(t, priv->nr_poison_bad, bad0 + 1);
}

static void order0_on_cpu_list(struct ktest *t)
{
	on_priv(t, PAGE_FREE_POISON, order0_on_cpu_list_body);
}

/* Two frames of an order-3 block written after its free: one report for the block, naming the
 * first frame written and counting both. */
static void order3_block_once_body(struct ktest *t)
{
	struct page *p = alloc_site(3);
	KT_ASSERT(t, p != NULL);
	unsigned long pfn = node_page_to_pfn(priv, p);
	unsigned long pcp0 = zone_pcp_pages(&priv->zones[p->zone]);
	free_site(p, 3);
	KT_EXPECT_EQ(t, zone_pcp_pages(&priv->zones[p->zone]), pcp0 + 8);	/* on the CPU list */
	for (int i = 0; i < 8; i++)
		KT_EXPECT(t, p[i].flags & PG_poison);
	va_of(p + 5)[PAGE_SIZE - 8] = 0;
	va_of(p + 6)[0] = 0;
	unsigned long bad0 = priv->nr_poison_bad;
	struct page *q = node_alloc_pages(priv, GFP_KERNEL, 3);
	KT_EXPECT(t, q == p);
	KT_EXPECT_EQ(t, priv->nr_poison_bad, bad0 + 1);
	expect_report(t, pfn + 5, PAGE_SIZE - 8, 0);
	KT_EXPECT_EQ(t, priv->poison_last.frames, 2);
	for (int i = 0; i < 8; i++)
		KT_EXPECT(t, !(p[i].flags & PG_poison));
	if (q)
		node_free_pages(priv, q, 3);
}

static void order3_block_once(struct ktest *t)
{
	on_priv(t, PAGE_FREE_POISON, order3_block_once_body);
}

/* Allocate every frame of the node in order-k blocks, counting reports; then free them all. */
static unsigned long alloc_all(struct mm_node *n, unsigned int order)
{
	unsigned long bad0 = n->nr_poison_bad;
	struct list_head list;
	struct page *p;

	INIT_LIST_HEAD(&list);
	while ((p = node_alloc_pages(n, GFP_KERNEL | __GFP_NOWARN, order)))
		list_add(&p->lru, &list);
	unsigned long bad = n->nr_poison_bad - bad0;
	while (!list_empty(&list)) {
		p = list_first_entry(&list, struct page, lru);
		list_del(&p->lru);
		node_free_pages(n, p, order);
	}
	return bad;
}

/* A page written after its free and then drained from the CPU list into the buddy, where it
 * merges, is still reported once when some order-2 block takes it again. */
static void merged_in_buddy_body(struct ktest *t)
{
	/* An order-2 block split into pages, so that the page's free merges it back into a
	 * block order 2 can take, wherever the allocator placed it. */
	struct page *p = alloc_site(2);
	KT_ASSERT(t, p != NULL);
	unsigned long pfn = node_page_to_pfn(priv, p);
	node_split_page(priv, p, 2);
	for (unsigned int i = 1; i < 4; i++)
		free_site(p + i, 0);
	free_site(p, 0);
	node_drain_pages(priv);
	KT_EXPECT_EQ(t, zone_pcp_pages(&priv->zones[p->zone]), 0);
	va_of(p)[PAGE_SIZE - 1] = 0xab;		/* one bit off: a single bit error */
	KT_EXPECT_EQ(t, alloc_all(priv, 2), 1);
	expect_report(t, pfn, PAGE_SIZE - 1, 0xab);
	KT_EXPECT_EQ(t, alloc_all(priv, 0), 0);	/* everything reused cleanly since */
}

static void merged_in_buddy(struct ktest *t)
{
	on_priv(t, PAGE_FREE_POISON, merged_in_buddy_body);
}

/* Frames reused without a stray write are never reported, at every order and with
 * __GFP_ZERO; frames free since the node was built carry no poison and are not checked. */
static void clean_reuse_body(struct ktest *t)
{
	KT_EXPECT_EQ(t, alloc_all(priv, 0), 0);	/* never freed: bytes 0x11, not checked */
	for (unsigned int order = 0; order <= 5; order++) {
		struct page *p = node_alloc_pages(priv, GFP_KERNEL, order);
		KT_ASSERT(t, p != NULL);
		memset(va_of(p), 0x77, PAGE_SIZE << order);
		node_free_pages(priv, p, order);
		KT_EXPECT(t, all_bytes(va_of(p), PAGE_SIZE << order, PAGE_POISON));
		p = node_alloc_pages(priv, GFP_KERNEL | __GFP_ZERO, order);
		KT_ASSERT(t, p != NULL);
		KT_EXPECT(t, all_bytes(va_of(p), PAGE_SIZE << order, 0));
		node_free_pages(priv, p, order);
	}
	KT_EXPECT_EQ(t, alloc_all(priv, 1), 0);
	KT_EXPECT_EQ(t, alloc_all(priv, 0), 0);
	KT_EXPECT_EQ(t, priv->nr_poison_bad, 0);
}

static void clean_reuse(struct ktest *t)
{
	on_priv(t, PAGE_FREE_POISON, clean_reuse_body);
}

/* With poisoning off nothing is written on free and nothing checked on allocation. */
static void off_no_check_body(struct ktest *t)
{
	struct page *p = node_alloc_pages(priv, GFP_KERNEL, 0);
	KT_ASSERT(t, p != NULL);
	memset(va_of(p), 0x33, PAGE_SIZE);
	node_free_pages(priv, p, 0);
	KT_EXPECT(t, all_bytes(va_of(p), PAGE_SIZE, 0x33));
	KT_EXPECT(t, !(p->flags & PG_poison));
	va_of(p)[7] = 0;
	KT_EXPECT_EQ(t, alloc_all(priv, 0), 0);
	KT_EXPECT_EQ(t, priv->nr_bad, 0);
}

static void off_no_check(struct ktest *t)
{
	on_priv(t, PAGE_FREE_KEEP, off_no_check_body);
}

/* init_on_free: a freed block is zeroed at once (and not checked); page_poison turned off
 * forgets the poison of the frames already free. */
static void init_on_free_zeroes_body(struct ktest *t)
{
	struct page *p = node_alloc_pages(priv, GFP_KERNEL, 1);
	KT_ASSERT(t, p != NULL);
	memset(va_of(p), 0x5a, 2 * PAGE_SIZE);
	node_free_pages(priv, p, 1);
	KT_EXPECT(t, all_bytes(va_of(p), 2 * PAGE_SIZE, 0));
	KT_EXPECT(t, !(p->flags & PG_poison));
	struct page *q = node_alloc_pages(priv, GFP_KERNEL, 1);
	KT_EXPECT(t, q == p);
	KT_EXPECT(t, q && all_bytes(va_of(q), 2 * PAGE_SIZE, 0));
	if (q)
		node_free_pages(priv, q, 1);
	KT_EXPECT_EQ(t, priv->nr_poison_bad, 0);

	KT_EXPECT_EQ(t, node_set_page_free_mode(priv, PAGE_FREE_POISON), 0);
	KT_EXPECT(t, priv->page_owner != NULL);
	p = node_alloc_pages(priv, GFP_KERNEL, 0);
	KT_ASSERT(t, p != NULL);
	node_free_pages(priv, p, 0);
	KT_EXPECT(t, p->flags & PG_poison);
	KT_EXPECT_EQ(t, node_set_page_free_mode(priv, PAGE_FREE_KEEP), 0);
	KT_EXPECT(t, !(p->flags & PG_poison) && priv->page_owner == NULL);
	va_of(p)[0] = 0;
	KT_EXPECT_EQ(t, alloc_all(priv, 0), 0);
}

static void init_on_free_zeroes(struct ktest *t)
{
	on_priv(t, PAGE_FREE_ZERO, init_on_free_zeroes_body);
}

/* With no memory for the owner table (one frame free: the table's section array fits, its
 * first section does not), poisoning is turned on all the same, the half-built table is given
 * back, and a write after free is still reported, naming the freeing caller but no allocating
 * one. An unknown mode changes nothing. */
static void no_owner_table_body(struct ktest *t)
{
	struct list_head list;
	struct page *p, *last = NULL;

	INIT_LIST_HEAD(&list);
	while ((p = node_alloc_pages(priv, GFP_KERNEL | __GFP_NOWARN, 0)))
		list_add(&p->lru, &list);
	KT_ASSERT(t, !list_empty(&list));
	last = list_first_entry(&list, struct page, lru);
	list_del(&last->lru);
	node_free_pages(priv, last, 0);
	KT_EXPECT_EQ(t, node_set_page_free_mode(priv, (enum page_free_mode)7), -1);
	KT_EXPECT_EQ(t, priv->free_mode, PAGE_FREE_KEEP);
	KT_EXPECT_EQ(t, node_set_page_free_mode(priv, PAGE_FREE_POISON), -1);
	KT_EXPECT_EQ(t, priv->free_mode, PAGE_FREE_POISON);
	KT_EXPECT(t, priv->page_owner == NULL);
	KT_EXPECT_EQ(t, node_nr_free_pages(priv), 1);	/* the section array came back */
	p = list_first_entry(&list, struct page, lru);
	list_del(&p->lru);
	unsigned long pfn = node_page_to_pfn(priv, p);
	free_site(p, 0);
	va_of(p)[8] = 0;
	while (!list_empty(&list)) {
		struct page *q = list_first_entry(&list, struct page, lru);
		list_del(&q->lru);
		node_free_pages(priv, q, 0);
	}
	KT_EXPECT_EQ(t, alloc_all(priv, 0), 1);
	KT_EXPECT_EQ(t, priv->poison_last.pfn, pfn);
	KT_EXPECT_EQ(t, priv->poison_last.alloc_caller, 0);
	KT_EXPECT(t, inside(priv->poison_last.free_caller, (const void *)free_site,
			    (const void *)alloc_site));
}

static void no_owner_table(struct ktest *t)
{
	on_priv(t, PAGE_FREE_KEEP, no_owner_table_body);
}

static const struct ktest_case page_poison_cases[] = {
	KTEST_CASE(order0_on_cpu_list),
	KTEST_CASE(order3_block_once),
	KTEST_CASE(merged_in_buddy),
	KTEST_CASE(clean_reuse),
	KTEST_CASE(off_no_check),
	KTEST_CASE(init_on_free_zeroes),
	KTEST_CASE(no_owner_table),
	KTEST_END
};

const struct ktest_suite page_poison_suite = { "page_poison", page_poison_cases };
