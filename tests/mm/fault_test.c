/* tests/mm/fault_test.c - allocation failures on purpose. The patterns of the other suites run
 * with fail_page_alloc / failslab armed (from the command line, else every 5th / 7th call), and
 * every caller must cope: NULL handled, contents intact, nothing leaked (the runner's leak check
 * compares free pages around each case). Then exhaustion: every API until NULL, all freed, and
 * exactly the free pages, zones and watermarks of before. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/fault_inject.h"
#include "mm/gfp.h"
#include "mm/slab.h"
#include "mm/zone.h"
#include "lib/prandom.h"
#include "lib/string.h"

#define LIVE 256

/* Arm an attribute for a case: keep the command line's interval, else use dflt. */
struct armed {
	unsigned long interval;
	long times;
};

static struct armed arm(struct fault_attr *a, unsigned long dflt)
{
	struct armed saved = { a->interval, a->times };
	if (!a->interval) {
		a->interval = dflt;
		a->times = -1;
	}
	a->calls = a->failures = 0;
	return saved;
}

static void disarm(struct fault_attr *a, struct armed saved)
{
	a->interval = saved.interval;
	a->times = saved.times;
}

struct obj {
	u8 *p;
	size_t size;
	int kind;		/* 0 kmalloc, 1..3 cache, 4 pages */
	unsigned int order;
	u8 tag;
};

static bool intact(const struct obj *o)
{
	for (size_t i = 0; i < o->size; i += 97)
		if (o->p[i] != (u8)(o->tag + i))
			return false;
	return true;
}

static void fill(struct obj *o)
{
	for (size_t i = 0; i < o->size; i += 97)
		o->p[i] = (u8)(o->tag + i);
}

static void release(struct kmem_cache **c, struct obj *o)
{
	if (o->kind == 0)
		kfree(o->p);
	else if (o->kind == 4)
		free_pages((unsigned long)o->p, o->order);
	else
		kmem_cache_free(c[o->kind - 1], o->p);
	o->p = NULL;
}

/* The mixed random pattern of the slab and buddy stress suites, under injection. */
static void mixed_pattern(struct ktest *t, unsigned long ops)
{
	static struct obj live[LIVE];
	static const unsigned int csize[3] = { 24, 200, 3000 };
	struct kmem_cache *c[3];
	struct prandom r;
	unsigned long nulls = 0;

	memset(live, 0, sizeof(live));
	for (int i = 0; i < 3; i++) {
		c[i] = kmem_cache_create("fault-test", csize[i], 0, 0, NULL);
		if (!c[i])
			nulls++;	/* creation may fail too: the cache is simply not used */
	}
	prandom_seed(&r, 99);
	for (unsigned long op = 0; op < ops; op++) {
		struct obj *o = &live[prandom_below(&r, LIVE)];
		if (o->p) {
			if (!intact(o))
				ktest_fail(t, __FILE__, __LINE__, "object %p corrupted", (void *)o->p);
			release(c, o);
			continue;
		}
		o->kind = (int)prandom_below(&r, 5);
		o->tag = (u8)prandom_u64(&r);
		if (o->kind == 0) {
			o->size = 1 + prandom_below(&r, 12000);
			o->p = kmalloc(o->size, GFP_KERNEL);
		} else if (o->kind == 4) {
			o->order = (unsigned int)prandom_below(&r, 4);
			o->size = PAGE_SIZE << o->order;
			o->p = (u8 *)__get_free_pages(GFP_KERNEL, o->order);
		} else if (c[o->kind - 1]) {
			o->size = csize[o->kind - 1];
			o->p = kmem_cache_alloc(c[o->kind - 1], GFP_KERNEL);
		}
		if (!o->p) {
			nulls++;
			continue;
		}
		fill(o);
	}
	for (int i = 0; i < LIVE; i++)
		if (live[i].p)
			release(c, &live[i]);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, kmem_cache_destroy(c[i]), 0);
	ktest_log(t, "%lu ops, %lu NULLs handled", ops, nulls);
	KT_EXPECT(t, nulls > 0);
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
}

/* failslab: every N-th slab allocation fails. */
static void slab_under_failslab(struct ktest *t)
{
	struct armed a = arm(&failslab, 7);
	fault_inject_active++;
	mixed_pattern(t, 20000);
	fault_inject_active--;
	ktest_log(t, "failslab interval %lu: %lu failures in %lu calls", failslab.interval,
		  failslab.failures, failslab.calls);
	KT_EXPECT(t, failslab.failures > 0);
	disarm(&failslab, a);
}

/* fail_page_alloc: every N-th page allocation fails, including slab growth and large kmalloc. */
static void pages_under_fail_page_alloc(struct ktest *t)
{
	struct armed a = arm(&fail_page_alloc, 5);
	fault_inject_active++;
	mixed_pattern(t, 20000);
	fault_inject_active--;
	ktest_log(t, "fail_page_alloc interval %lu: %lu failures in %lu calls",
		  fail_page_alloc.interval, fail_page_alloc.failures, fail_page_alloc.calls);
	KT_EXPECT(t, fail_page_alloc.failures > 0);
	disarm(&fail_page_alloc, a);
}

/* Both at once, and the calls whose contract matters on failure: krealloc keeps the old
 * object, kcalloc and alloc_pages_exact return NULL cleanly. */
static void both_and_contracts(struct ktest *t)
{
	struct armed a = arm(&failslab, 3), b = arm(&fail_page_alloc, 3);
	char *p = kmalloc(100, GFP_KERNEL);		/* before activation: succeeds */
	KT_ASSERT(t, p != NULL);
	memset(p, 0x5a, 100);
	fault_inject_active++;
	for (int i = 0; i < 12; i++) {
		char *n = krealloc(p, 100 + 900 * (size_t)i, GFP_KERNEL);
		if (n)
			p = n;
		KT_EXPECT(t, p[0] == 0x5a && p[99] == 0x5a);	/* old content kept either way */
		void *e = alloc_pages_exact(3 * PAGE_SIZE, GFP_KERNEL);
		if (e)
			free_pages_exact(e, 3 * PAGE_SIZE);
		void *z = kcalloc(10, 10, GFP_KERNEL);
		kfree(z);
	}
	mixed_pattern(t, 5000);
	fault_inject_active--;
	kfree(p);
	disarm(&failslab, a);
	disarm(&fail_page_alloc, b);
}

/* Bounded exhaustion (the patterns above stop at NULL; this goes all the way). */
static bool small_machine(struct ktest *t)
{
	if (totalram_pages() > (512UL << (20 - PAGE_SHIFT))) {
		ktest_skip(t, "exhaustion by small objects is bounded to machines up to 512 MiB");
		return false;
	}
	return true;
}

/* kmalloc(size) until NULL, chaining objects through themselves; then free them all. */
static unsigned long exhaust_kmalloc(size_t size, gfp_t gfp)
{
	void *head = NULL, *p;
	unsigned long n = 0;

	while ((p = kmalloc(size, gfp | __GFP_NOWARN))) {
		*(void **)p = head;
		head = p;
		n++;
	}
	while (head) {
		p = *(void **)head;
		kfree(head);
		head = p;
	}
	return n;
}

static unsigned long exhaust_cache(struct kmem_cache *s)
{
	void *head = NULL, *p;
	unsigned long n = 0;

	while ((p = kmem_cache_alloc(s, GFP_KERNEL | __GFP_NOWARN))) {
		*(void **)p = head;
		head = p;
		n++;
	}
	while (head) {
		p = *(void **)head;
		kmem_cache_free(s, head);
		head = p;
	}
	return n;
}

static unsigned long exhaust_pages(unsigned int order, gfp_t gfp)
{
	struct list_head list;
	struct page *pg;
	unsigned long n = 0;

	INIT_LIST_HEAD(&list);
	while ((pg = alloc_pages(gfp | __GFP_NOWARN, order))) {
		list_add(&pg->lru, &list);
		n++;
	}
	while (!list_empty(&list)) {
		pg = list_first_entry(&list, struct page, lru);
		list_del(&pg->lru);
		__free_pages(pg, order);
	}
	return n;
}

/* Every API and a spread of sizes to NULL and back: same free pages, watermarks, invariants. */
static void exhaustion_every_api(struct ktest *t)
{
	if (!fixture_enough_ram(t))
		return;
	static const size_t sizes[] = { 8, 96, 1000, 8192, 20000, 1UL << 20 };
	unsigned long wm[MAX_ZONES][NR_WMARK];

	if (!small_machine(t))
		return;
	kmem_cache_shrink_all();
	unsigned long free0 = nr_free_pages();
	for (unsigned int z = 0; z < contig_node.nr_zones; z++)
		memcpy(wm[z], contig_node.zones[z].watermark, sizeof(wm[z]));
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		KT_EXPECT(t, exhaust_kmalloc(sizes[i], GFP_KERNEL) > 0);
	KT_EXPECT(t, exhaust_kmalloc(500, GFP_DMA) > 0);
	struct kmem_cache *s = kmem_cache_create("exhaust", 200, 0, SLAB_HWCACHE_ALIGN, NULL);
	KT_ASSERT(t, s != NULL);
	KT_EXPECT(t, exhaust_cache(s) > 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
	static const unsigned int orders[] = { 0, 3, MAX_PAGE_ORDER };
	for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++)
		KT_EXPECT(t, exhaust_pages(orders[i], GFP_KERNEL) > 0);
	KT_EXPECT(t, exhaust_pages(0, GFP_DMA) > 0);
	kmem_cache_shrink_all();
	KT_EXPECT_EQ(t, nr_free_pages(), free0);
	for (unsigned int z = 0; z < contig_node.nr_zones; z++)
		KT_EXPECT(t, memcmp(wm[z], contig_node.zones[z].watermark, sizeof(wm[z])) == 0);
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
}

static void ctor_fill(void *obj)
{
	memset(obj, 0xc3, 64);
}

/* Regressions found by fuzzing: a bulk __GFP_ZERO allocation failing part-way gives back
 * constructed objects, not zeroed ones; an alignment no slab can honour is refused. */
static void bulk_failure_keeps_constructed(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("fault-ctor", 64, 0, 0, ctor_fill);
	void *p[40];
	KT_ASSERT(t, s != NULL);
	struct armed a = arm(&failslab, 3);
	fault_inject_active++;
	int got = kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_ZERO, 40, p);
	fault_inject_active--;
	disarm(&failslab, a);
	KT_EXPECT_EQ(t, got, 0);
	for (int i = 0; i < 40; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		KT_ASSERT(t, p[i] != NULL);
		KT_EXPECT_EQ(t, ((unsigned char *)p[i])[63], 0xc3);
	}
	kmem_cache_free_bulk(s, 40, p);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
	KT_EXPECT(t, kmem_cache_create("huge-align", 8, 1u << 31, SLAB_RED_ZONE, NULL) == NULL);
	KT_EXPECT(t, kmem_cache_create("huge-align", 8, 1u << 23, 0, NULL) == NULL);
}

/* The command-line syntax: <interval>[,<times>]. */
static void attr_syntax(struct ktest *t)
{
	struct fault_attr a = { "x", 0, -1, 0, 0 };
	KT_EXPECT_EQ(t, setup_fault_attr(&a, "7"), 0);
	KT_EXPECT(t, a.interval == 7 && a.times == -1);
	KT_EXPECT_EQ(t, setup_fault_attr(&a, "5,2"), 0);
	KT_EXPECT(t, a.interval == 5 && a.times == 2);
	KT_EXPECT_EQ(t, setup_fault_attr(&a, "0"), (u64)-1);
	KT_EXPECT_EQ(t, setup_fault_attr(&a, "x"), (u64)-1);
	KT_EXPECT_EQ(t, setup_fault_attr(&a, NULL), (u64)-1);
	fault_inject_active++;
	int fails = 0;
	for (int i = 0; i < 30; i++)
		fails += should_fail(&a);
	fault_inject_active--;
	KT_EXPECT_EQ(t, fails, 2);		/* every 5th, at most twice */
}

static const struct ktest_case fault_cases[] = {
	KTEST_CASE(attr_syntax),
	KTEST_CASE(slab_under_failslab),
	KTEST_CASE(pages_under_fail_page_alloc),
	KTEST_CASE(both_and_contracts),
	KTEST_CASE(exhaustion_every_api),
	KTEST_CASE(bulk_failure_keeps_constructed),
	KTEST_END,
};

const struct ktest_suite fault_suite = { "fault_injection", fault_cases };
