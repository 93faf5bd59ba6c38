/* tests/mm/slab_test.c - the slab allocator: caches, kmalloc classes and waste, constructors,
 * krealloc, large kmalloc, shrink and destroy, misuse detection, and a randomized stress over
 * many caches checked against a shadow model. Every case ends with the caches shrunk and every
 * page back in the buddy allocator (the runner's leak check shrinks all caches first). */
#include "tests/ktest.h"
#include "mm/slab.h"
#include "mm/zone.h"
#include "lib/prandom.h"
#include "lib/string.h"

/* Fill p with a pattern derived from tag; check_fill counts bytes that differ. */
static void fill(void *p, size_t n, u64 tag)
{
	unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)(tag + i * 7);
}

static size_t check_fill(const void *p, size_t n, u64 tag)
{
	const unsigned char *c = p;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += c[i] != (unsigned char)(tag + i * 7);
	return bad;
}

/* Create, allocate, free and destroy a cache; objects are distinct and aligned. */
static void cache_lifecycle(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("test-100", 100, 32, 0, NULL);
	void *o[50];

	KT_ASSERT(t, s != NULL);
	KT_EXPECT(t, s->size >= 100 && s->size % 32 == 0);
	for (int i = 0; i < 50; i++) {
		o[i] = kmem_cache_alloc(s, GFP_KERNEL);
		KT_ASSERT(t, o[i] != NULL);
		KT_EXPECT_EQ(t, (uintptr_t)o[i] % 32, 0);
		fill(o[i], 100, (u64)i);
	}
	for (int i = 0; i < 50; i++)
		KT_EXPECT_EQ(t, check_fill(o[i], 100, (u64)i), 0);
	for (int i = 0; i < 50; i += 2)
		kmem_cache_free(s, o[i]);
	for (int i = 1; i < 50; i += 2)
		kmem_cache_free(s, o[i]);
	void *z = kmem_cache_zalloc(s, GFP_KERNEL);
	KT_ASSERT(t, z != NULL);
	KT_EXPECT_EQ(t, check_fill(z, 100, 0) == 100 || ((unsigned char *)z)[0] == 0, 1);
	KT_EXPECT_EQ(t, ((unsigned char *)z)[99], 0);
	kmem_cache_free(s, z);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

static size_t nonzero_bytes(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += c[i] != 0;
	return bad;
}

/* Every zeroing entry point zeroes the whole usable size even when it gets back the object
 * just freed dirty on this CPU (the fast paths hand out the freelist head: the same object). */
static void zeroing_reuses_dirty_objects(struct ktest *t)
{
	static const size_t sizes[] = { 8, 64, 100, 1000, 4096 };
	struct kmem_cache *s = kmem_cache_create("test-zero", 200, 8, 0, NULL);

	KT_ASSERT(t, s != NULL);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		for (int how = 0; how < 3; how++) {
			void *p = kmalloc(n, GFP_KERNEL);
			KT_ASSERT(t, p != NULL);
			memset(p, 0xa5, ksize(p));
			kfree(p);
			void *q = how == 0 ? kzalloc(n, GFP_KERNEL)
				: how == 1 ? kmalloc(n, GFP_KERNEL | __GFP_ZERO)
					   : kcalloc(n / 4, 4, GFP_KERNEL);
			KT_ASSERT(t, q != NULL);
			KT_EXPECT_EQ(t, nonzero_bytes(q, ksize(q)), 0);
			kfree(q);
		}
	}
	for (int how = 0; how < 2; how++) {
		void *p = kmem_cache_alloc(s, GFP_KERNEL);
		KT_ASSERT(t, p != NULL);
		memset(p, 0x5a, 200);
		kmem_cache_free(s, p);
		void *q = how ? kmem_cache_zalloc(s, GFP_KERNEL)
			      : kmem_cache_alloc(s, GFP_KERNEL | __GFP_ZERO);
		KT_ASSERT(t, q != NULL);
		KT_EXPECT_EQ(t, nonzero_bytes(q, 200), 0);
		kmem_cache_free(s, q);
	}
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* Every request size 1..8192: ksize >= size, waste within the bound, alignment, no overlap
 * with the other live objects (each filled and checked). */
static void kmalloc_every_size(struct ktest *t)
{
	enum { WINDOW = 64 };
	void *live[WINDOW] = { 0 };
	size_t sizes[WINDOW] = { 0 };

	for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++) {
		unsigned int w = (unsigned int)(size % WINDOW);
		if (live[w]) {
			if (check_fill(live[w], sizes[w], sizes[w]))
				ktest_fail(t, __FILE__, __LINE__, "object of %zu bytes overwritten", sizes[w]);
			kfree(live[w]);
		}
		void *p = kmalloc(size, GFP_KERNEL);
		KT_ASSERT(t, p != NULL);
		size_t ks = ksize(p);
		if (ks < size || ks != kmalloc_class_size(size))
			ktest_fail(t, __FILE__, __LINE__, "kmalloc(%zu): ksize %zu", size, ks);
		if (size < 64 ? ks - size > 8 : (ks - size) * 8 > ks)
			ktest_fail(t, __FILE__, __LINE__, "kmalloc(%zu): waste %zu of %zu", size, ks - size, ks);
		if ((uintptr_t)p % 8 || ((ks & (ks - 1)) == 0 && (uintptr_t)p % ks))
			ktest_fail(t, __FILE__, __LINE__, "kmalloc(%zu) = %p misaligned", size, p);
		fill(p, size, size);
		live[w] = p;
		sizes[w] = size;
		if (t->failed > 10)
			break;
	}
	for (unsigned int w = 0; w < WINDOW; w++)
		kfree(live[w]);
}

static int ctor_calls;

static void count_ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0xc7, 40);
}

/* The constructor runs once per object when its slab is made, not at each allocation. */
static void ctor_once_per_object(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("test-ctor", 40, 0, 0, count_ctor);
	void *o[20];

	KT_ASSERT(t, s != NULL);
	ctor_calls = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20; i++) {
			o[i] = kmem_cache_alloc(s, GFP_KERNEL);
			KT_ASSERT(t, o[i] != NULL);
			KT_EXPECT_EQ(t, ((unsigned char *)o[i])[39], 0xc7);	/* constructed state */
		}
		for (int i = 0; i < 20; i++)
			kmem_cache_free(s, o[i]);
	}
	KT_EXPECT_EQ(t, (unsigned long)ctor_calls, s->nr_slabs * s->objects);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* krealloc keeps the content when growing and shrinking, across classes and into pages. */
static void krealloc_keeps_content(struct ktest *t)
{
	static const size_t steps[] = { 10, 100, 3000, 8192, 20000, 5000, 64, 7 };
	char *p = NULL;
	size_t have = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++) {
		char *n = krealloc(p, steps[i], GFP_KERNEL);
		KT_ASSERT(t, n != NULL);
		KT_EXPECT_EQ(t, check_fill(n, MIN(have, steps[i]), 0x33), 0);
		fill(n, steps[i], 0x33);
		p = n;
		have = steps[i];
	}
	KT_EXPECT(t, krealloc(p, 0, GFP_KERNEL) == NULL);	/* frees */
}

/* Large kmalloc takes whole pages, not a 2^order block; kfree/ksize know it. */
static void large_kmalloc(struct ktest *t)
{
	unsigned long free0 = nr_free_pages();
	size_t size = 5 * PAGE_SIZE + 10;			/* 6 pages; the block would be 8 */
	char *p = kmalloc(size, GFP_KERNEL);

	KT_ASSERT(t, p != NULL);
	KT_EXPECT_EQ(t, free0 - nr_free_pages(), 6);
	KT_EXPECT_EQ(t, ksize(p), 6 * PAGE_SIZE);
	fill(p, size, 9);
	KT_EXPECT_EQ(t, check_fill(p, size, 9), 0);
	kfree(p);
	KT_EXPECT_EQ(t, nr_free_pages(), free0);
	KT_EXPECT(t, kmalloc((size_t)8 << 30, GFP_KERNEL | __GFP_NOWARN) == NULL);
	size_t huge = ~(size_t)0 / 2 + 1;
	KT_EXPECT(t, kcalloc(huge, 4, GFP_KERNEL) == NULL);	/* overflow */
	char *z = kcalloc(100, 30, GFP_KERNEL);
	KT_ASSERT(t, z != NULL);
	KT_EXPECT_EQ(t, z[2999], 0);
	kfree(z);
	kfree(NULL);
}

/* shrink returns empty slabs; destroy refuses a cache with live objects. */
static void shrink_and_destroy(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("test-shrink", 256, 0, 0, NULL);
	void *o[200];

	KT_ASSERT(t, s != NULL);
	unsigned long free0 = nr_free_pages();
	for (int i = 0; i < 200; i++)
		KT_ASSERT(t, (o[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	KT_EXPECT(t, nr_free_pages() < free0);
	for (int i = 1; i < 200; i++)
		kmem_cache_free(s, o[i]);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), (u64)-1);	/* o[0] still live: refused */
	kmem_cache_shrink(s);
	KT_EXPECT_EQ(t, s->nr_slabs, 1);			/* only o[0]'s slab remains */
	kmem_cache_free(s, o[0]);
	KT_EXPECT(t, kmem_cache_shrink(s) > 0);
	KT_EXPECT_EQ(t, nr_free_pages(), free0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* Misuse is reported and refused: double free, wrong cache, interior pointer, non-slab. */
static void misuse_detected(struct ktest *t)
{
	struct kmem_cache *a = kmem_cache_create("test-a", 64, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("test-b", 64, 0, 0, NULL);
	KT_ASSERT(t, a && b);
	unsigned long bad0 = contig_node.nr_bad;
	char *x = kmem_cache_alloc(a, GFP_KERNEL), *y = kmem_cache_alloc(a, GFP_KERNEL);
	KT_ASSERT(t, x && y);

	kmem_cache_free(b, x);				/* wrong cache */
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 1);
	kmem_cache_free(a, x + 8);			/* not an object start */
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 2);
	kmem_cache_free(a, x);
	kmem_cache_free(a, x);				/* double free at the freelist head */
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 3);
	unsigned long page = __get_free_pages(GFP_KERNEL, 0);
	KT_ASSERT(t, page != 0);
	kfree((void *)page);				/* a page-allocator page */
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 4);
	free_pages(page, 0);
	char *k = kmalloc(100, GFP_KERNEL);
	KT_ASSERT(t, k != NULL);
	kfree(k + 1);					/* interior pointer */
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 5);
	__free_pages(virt_to_page(k), 0);		/* slab page to the page allocator */
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 6);
	kfree(k);
	kmem_cache_free(a, y);
	KT_EXPECT_EQ(t, kmem_cache_destroy(a), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(b), 0);
}

/* Freelist pointers are stored hardened: no free object holds a plain pointer to another. */
static void freelist_hardened(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("test-hard", 64, 0, 0, NULL);
	KT_ASSERT(t, s != NULL);
	char *o1 = kmem_cache_alloc(s, GFP_KERNEL), *o2 = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, o1 && o2);
	kmem_cache_free(s, o1);
	kmem_cache_free(s, o2);				/* o2 -> o1 on the CPU freelist */
	u64 stored;
	memcpy(&stored, o2 + s->offset, sizeof(stored));
	KT_EXPECT(t, stored != (u64)(uintptr_t)o1);
	KT_EXPECT(t, s->random != 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* GFP_DMA kmalloc objects come from the DMA zone. */
static void kmalloc_dma(struct ktest *t)
{
	void *p = kmalloc(200, GFP_DMA);
	KT_ASSERT(t, p != NULL);
	KT_EXPECT_EQ(t, virt_to_page(p)->zone, ZONE_DMA);
	kfree(p);
}

#define STRESS_CACHES 6
#define STRESS_LIVE 512

struct obj {
	void *p;
	size_t size;
	int cache;		/* -1: kmalloc */
	u64 tag;
};

/* Random allocs and frees over several caches and kmalloc sizes, every object filled and
 * checked on free (no overlap, no corruption), then everything freed. */
static void random_stress(struct ktest *t)
{
	static const unsigned int csize[STRESS_CACHES] = { 8, 24, 96, 192, 700, 3000 };
	struct kmem_cache *c[STRESS_CACHES];
	struct obj *live = kcalloc(STRESS_LIVE, sizeof(*live), GFP_KERNEL);
	struct prandom r;
	unsigned long ops = 0;

	KT_ASSERT(t, live != NULL);
	for (int i = 0; i < STRESS_CACHES; i++)
		KT_ASSERT(t, (c[i] = kmem_cache_create("test-stress", csize[i], 0, 0, NULL)) != NULL);
	prandom_seed(&r, 77);
	for (int op = 0; op < 40000 && !t->failed; op++, ops++) {
		struct obj *o = &live[prandom_below(&r, STRESS_LIVE)];
		if (o->p) {
			if (check_fill(o->p, o->size, o->tag))
				ktest_fail(t, __FILE__, __LINE__, "object %p (%zu bytes) corrupted", o->p, o->size);
			if (o->cache < 0)
				kfree(o->p);
			else
				kmem_cache_free(c[o->cache], o->p);
			o->p = NULL;
			continue;
		}
		o->cache = (int)prandom_below(&r, STRESS_CACHES + 1) - 1;
		if (o->cache < 0) {
			o->size = 1 + prandom_below(&r, prandom_below(&r, 4) ? 512 : 20000);
			o->p = kmalloc(o->size, GFP_KERNEL);
		} else {
			o->size = csize[o->cache];
			o->p = kmem_cache_alloc(c[o->cache], GFP_KERNEL);
		}
		KT_ASSERT(t, o->p != NULL);
		o->tag = prandom_u64(&r);
		fill(o->p, o->size, o->tag);
	}
	for (int i = 0; i < STRESS_LIVE; i++) {
		if (!live[i].p)
			continue;
		KT_EXPECT_EQ(t, check_fill(live[i].p, live[i].size, live[i].tag), 0);
		if (live[i].cache < 0)
			kfree(live[i].p);
		else
			kmem_cache_free(c[live[i].cache], live[i].p);
	}
	for (int i = 0; i < STRESS_CACHES; i++)
		KT_EXPECT_EQ(t, kmem_cache_destroy(c[i]), 0);
	kfree(live);
	ktest_log(t, "%lu operations", ops);
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
}

/* When the page allocator has nothing left, a cache that needs a slab gets one from the empty
 * slabs other caches keep on their partial lists (min_partial each): they are given back and
 * the allocation retried. Everything comes back afterwards. */
static void empty_slabs_reclaimed_when_short(struct ktest *t)
{
	struct kmem_cache *keep = kmem_cache_create("test-keep", 512, 0, 0, NULL);
	struct kmem_cache *need = kmem_cache_create("test-need", 512, 0, 0, NULL);
	enum { N = 64 };
	void *objs[N];
	struct list_head hoard;

	KT_ASSERT(t, keep && need);
	for (int i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(keep, GFP_KERNEL);
		KT_ASSERT(t, objs[i] != NULL);
	}
	for (int i = 0; i < N; i++)
		kmem_cache_free(keep, objs[i]);
	unsigned long empty = keep->nr_partial;
	ktest_log(t, "test-keep: %lu empty slabs kept on its partial list", empty);
	KT_EXPECT(t, empty > 0);

	/* take every frame the page allocator will give, largest blocks first */
	INIT_LIST_HEAD(&hoard);
	for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
		struct page *p;
		while ((p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, (unsigned int)order)))
			list_add(&p->lru, &hoard);
	}
	void *obj = kmem_cache_alloc(need, GFP_KERNEL | __GFP_NOWARN);
	KT_EXPECT(t, obj != NULL);
	KT_EXPECT(t, keep->nr_partial < empty);
	kmem_cache_free(need, obj);

	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &hoard) {
		struct page *p = list_entry(pos, struct page, lru);
		list_del(pos);
		__free_pages(p, p->order);
	}
	KT_EXPECT_EQ(t, kmem_cache_destroy(keep), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(need), 0);
}

static const struct ktest_case slab_cases[] = {
	KTEST_CASE(cache_lifecycle),
	KTEST_CASE(kmalloc_every_size),
	KTEST_CASE(zeroing_reuses_dirty_objects),
	KTEST_CASE(ctor_once_per_object),
	KTEST_CASE(krealloc_keeps_content),
	KTEST_CASE(large_kmalloc),
	KTEST_CASE(shrink_and_destroy),
	KTEST_CASE(misuse_detected),
	KTEST_CASE(freelist_hardened),
	KTEST_CASE(kmalloc_dma),
	KTEST_CASE(random_stress),
	KTEST_CASE(empty_slabs_reclaimed_when_short),
	KTEST_END,
};

const struct ktest_suite slab_suite = { "slab", slab_cases };
