/* tests/mm/slab_test.c - the slab allocator: caches, kmalloc classes and waste, constructors,
 * krealloc, large kmalloc, shrink and destroy, misuse detection, and a randomized stress over
 * many caches checked against a shadow model. Every case ends with the caches shrunk and every
 * page back in the buddy allocator (the runner's leak check shrinks all caches first).
 * The cases written against kc run twice: over the machine's kmalloc context, and (priv_*) over
 * a private context on a private node, which must give every frame back when destroyed. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/slab.h"
#include "mm/zone.h"
#include "mm/fault_inject.h"
#include "lib/prandom.h"
#include "lib/string.h"
#include "lib/irqflags.h"

/* The kmalloc context (and so the node) the cases below run over. */
static struct kmalloc_ctx *kc = &kmalloc_default;

/* Run body over a private context on a private node of 1024 frames (4 MiB, the largest
 * alloc_pages_exact), then destroy both and check that every frame came back. */
static void on_private(struct ktest *t, void (*body)(struct ktest *t))
{
	fixture_slab_run(t, 1024, &kc, body);
}

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
	struct kmem_cache *s = kmem_cache_create_in(kc, "test-100", 100, 32, 0, NULL);
	void *o[50];

	KT_ASSERT(t, s != NULL);
	KT_EXPECT(t, s->size >= 100 && s->size % 32 == 0);
	KT_EXPECT(t, s->node == kc->node);
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
			kfree_in(kc, live[w]);
		}
		void *p = kmalloc_in(kc, size, GFP_KERNEL);
		KT_ASSERT(t, p != NULL);
		size_t ks = ksize_in(kc, p);
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
		kfree_in(kc, live[w]);
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

/* Frames on this CPU's page lists of node n. */
static unsigned long cpu_list_frames(struct mm_node *n)
{
	unsigned long frames = 0;

	for (unsigned int i = 0; i < n->nr_zones; i++)
		frames += n->zones[i].pcp[smp_processor_id()].count;
	return frames;
}

/* Large kmalloc takes whole pages of its node, not a 2^order block; kfree/ksize know it; kfree
 * gives the run straight to the buddy, not to the CPU's page lists. */
static void large_kmalloc(struct ktest *t)
{
	unsigned long free0 = node_nr_free_pages(kc->node);
	size_t size = 5 * PAGE_SIZE + 10;			/* 6 pages; the block would be 8 */
	char *p = kmalloc_in(kc, size, GFP_KERNEL);

	KT_ASSERT(t, p != NULL);
	KT_EXPECT_EQ(t, free0 - node_nr_free_pages(kc->node), 6);
	KT_EXPECT_EQ(t, ksize_in(kc, p), 6 * PAGE_SIZE);
	fill(p, size, 9);
	KT_EXPECT_EQ(t, check_fill(p, size, 9), 0);
	unsigned long irqflags = 0;
	local_irq_save(irqflags);		/* no handler's pages on the lists meanwhile */
	unsigned long on_lists = cpu_list_frames(kc->node);
	kfree_in(kc, p);
	unsigned long after = cpu_list_frames(kc->node);
	local_irq_restore(irqflags);
	KT_EXPECT_EQ(t, after, on_lists);
	KT_EXPECT_EQ(t, node_nr_free_pages(kc->node), free0);
	KT_EXPECT(t, kmalloc_in(kc, (size_t)8 << 30, GFP_KERNEL | __GFP_NOWARN) == NULL);
	size_t huge = ~(size_t)0 / 2 + 1;
	KT_EXPECT(t, kcalloc(huge, 4, GFP_KERNEL) == NULL);	/* overflow */
	char *z = kcalloc(100, 30, GFP_KERNEL);
	KT_ASSERT(t, z != NULL);
	KT_EXPECT_EQ(t, z[2999], 0);
	kfree(z);
	kfree_in(kc, NULL);
}

/* shrink returns empty slabs; destroy refuses a cache with live objects. */
static void shrink_and_destroy(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create_in(kc, "test-shrink", 256, 0, 0, NULL);
	void *o[200];

	KT_ASSERT(t, s != NULL);
	unsigned long free0 = node_nr_free_pages(kc->node);
	for (int i = 0; i < 200; i++)
		KT_ASSERT(t, (o[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	KT_EXPECT(t, node_nr_free_pages(kc->node) < free0);
	for (int i = 1; i < 200; i++)
		kmem_cache_free(s, o[i]);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), (u64)-1);	/* o[0] still live: refused */
	kmem_cache_shrink(s);
	KT_EXPECT_EQ(t, s->nr_slabs, 1);			/* only o[0]'s slab remains */
	kmem_cache_free(s, o[0]);
	KT_EXPECT(t, kmem_cache_shrink(s) > 0);
	KT_EXPECT_EQ(t, node_nr_free_pages(kc->node), free0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* A cache that takes no slow path while this CPU fills two sweep epochs with new slabs of
 * another has gone idle: its empty active slab goes back to the buddy; used again, it works.
 * (Debug caches keep theirs: skipped under slub_debug=.) */
static void idle_cache_given_back(struct ktest *t)
{
	struct kmem_cache *a = kmem_cache_create_in(kc, "test-idle", 192, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create_in(kc, "test-busy", 512, 0, 0, NULL);
	void **head = NULL;

	KT_ASSERT(t, a && b);
	if (a->flags & SLAB_DEBUG_FLAGS) {
		kmem_cache_destroy(a);
		kmem_cache_destroy(b);
		ktest_skip(t, "debug caches keep their slabs (slub_debug= is on)");
		return;
	}
	void *o = kmem_cache_alloc(a, GFP_KERNEL);
	KT_ASSERT(t, o != NULL);
	kmem_cache_free(a, o);
	KT_EXPECT_EQ(t, a->nr_slabs, 1);			/* active, empty */
	while ((b->nr_slabs << b->order) < 3 * SLAB_SWEEP_PAGES) {
		void **p = kmem_cache_alloc(b, GFP_KERNEL);
		KT_ASSERT(t, p != NULL);
		*p = head;
		head = p;
	}
	KT_EXPECT_EQ(t, a->nr_slabs, 0);
	KT_EXPECT(t, b->nr_slabs > 0);				/* the busy one keeps its own */
	while (head) {
		void **next = *head;
		kmem_cache_free(b, head);
		head = next;
	}
	o = kmem_cache_alloc(a, GFP_KERNEL);
	KT_EXPECT(t, o != NULL);
	kmem_cache_free(a, o);
	KT_EXPECT_EQ(t, kmem_cache_destroy(a), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(b), 0);
}

/* A free that makes a full slab partial freezes it onto this CPU's partial list (no list_lock,
 * the cache's list untouched); a refill takes it from there; a list of cpu_partial slabs goes
 * to the cache's partial list whole when one more comes; shrink gives everything back. (Debug
 * caches have no CPU partial lists: skipped under slub_debug=.) */
static void cpu_partial_list(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create_in(kc, "test-cpu-partial", 512, 0, 0, NULL);
	struct mm_node *n = kc->node;

	KT_ASSERT(t, s != NULL);
	if (!s->cpu_partial) {
		kmem_cache_destroy(s);
		ktest_skip(t, "debug caches have no CPU partial lists (slub_debug= is on)");
		return;
	}
	KT_ASSERT(t, s->order == 0);
	unsigned long per = s->objects, slabs = s->cpu_partial + 2, nr = slabs * per;
	void **objs = kmalloc_in(kc, nr * sizeof(*objs), GFP_KERNEL);
	KT_ASSERT(t, objs != NULL);
	for (unsigned long i = 0; i < nr; i++) {
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
		KT_ASSERT(t, objs[i] != NULL);
	}
	struct kmem_cache_cpu *c = this_ctx_elem(s->cpu);
	struct page *slab0 = node_virt_to_page(n, objs[0]), *slab1 = node_virt_to_page(n, objs[per]);
	KT_EXPECT(t, c->partial == NULL && s->nr_partial == 0);

	kmem_cache_free(s, objs[0]);				/* slab 0: full -> CPU partial */
	KT_EXPECT(t, c->partial == slab0 && c->nr_partial == 1 && slab0->slab.frozen);
	KT_EXPECT_EQ(t, s->nr_partial, 0);
	kmem_cache_free(s, objs[per]);				/* slab 1 too */
	KT_EXPECT(t, c->partial == slab1 && c->nr_partial == 2);
	void *r = kmem_cache_alloc(s, GFP_KERNEL);		/* active slab full: a refill */
	KT_EXPECT(t, r == objs[0] || r == objs[per]);
	KT_EXPECT_EQ(t, c->nr_partial, 1);
	KT_EXPECT(t, c->slab == slab0 || c->slab == slab1);
	objs[r == objs[0] ? 0 : per] = r;
	objs[r == objs[0] ? per : 0] = NULL;

	for (unsigned long k = 2; k < slabs; k++) {		/* one free in each other full slab */
		kmem_cache_free(s, objs[k * per]);
		objs[k * per] = NULL;
	}
	KT_EXPECT_EQ(t, c->nr_partial, 1);			/* the list was full: it went back */
	KT_EXPECT_EQ(t, s->nr_partial, s->cpu_partial);
	for (unsigned long i = 0; i < nr; i++)
		if (objs[i])
			kmem_cache_free(s, objs[i]);
	kfree_in(kc, objs);
	kmem_cache_shrink(s);
	KT_EXPECT(t, c->partial == NULL && c->nr_partial == 0);
	KT_EXPECT_EQ(t, s->nr_slabs, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* Misuse is reported and refused (counted on the context's node): double free, wrong cache,
 * interior pointer, non-slab page, slab page freed to the page allocator. */
static void misuse_detected(struct ktest *t)
{
	struct mm_node *n = kc->node;
	struct kmem_cache *a = kmem_cache_create_in(kc, "test-a", 64, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create_in(kc, "test-b", 64, 0, 0, NULL);
	KT_ASSERT(t, a && b);
	unsigned long bad0 = n->nr_bad;
	char *x = kmem_cache_alloc(a, GFP_KERNEL), *y = kmem_cache_alloc(a, GFP_KERNEL);
	KT_ASSERT(t, x && y);

	kmem_cache_free(b, x);				/* wrong cache */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 1);
	kmem_cache_free(a, x + 8);			/* not an object start */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 2);
	kmem_cache_free(a, x);
	kmem_cache_free(a, x);				/* double free at the freelist head */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 3);
	struct page *page = node_alloc_pages(n, GFP_KERNEL, 0);
	KT_ASSERT(t, page != NULL);
	kfree_in(kc, node_page_address(n, page));	/* a page-allocator page */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 4);
	node_free_pages(n, page, 0);
	char *k = kmalloc_in(kc, 100, GFP_KERNEL);
	KT_ASSERT(t, k != NULL);
	kfree_in(kc, k + 1);				/* interior pointer */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 5);
	node_free_pages(n, node_virt_to_page(n, k), 0);	/* slab page to the page allocator */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 6);
	KT_EXPECT(t, krealloc_in(kc, k + 8, 40, GFP_KERNEL) == NULL);	/* interior, shrinking */
	KT_EXPECT_EQ(t, ksize_in(kc, k + 8), 0);
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 8);
	kfree_in(kc, k);
	kmem_cache_free(a, y);
	KT_EXPECT_EQ(t, kmem_cache_destroy(a), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(b), 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(kc->caches[0]), (u64)-1);	/* not the caller's */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 9);
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

/* kmem_cache_create() copies the name (Linux's kstrdup_const): the caller's buffer may change
 * or go away; kmem_cache_destroy() frees the copy. */
static void cache_name_copied(struct ktest *t)
{
	static char big[5000];				/* a class of its own: its slab shows */
	char buf[32] = "test-name";

	kmem_cache_shrink_all();
	unsigned long free0 = nr_free_pages();
	struct kmem_cache *s = kmem_cache_create(buf, 64, 0, 0, NULL);
	KT_ASSERT(t, s != NULL);
	memset(buf, 'X', sizeof(buf) - 1);
	KT_EXPECT(t, s->name != buf);
	KT_EXPECT_STREQ(t, s->name, "test-name");
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);

	memset(big, 'n', sizeof(big) - 1);
	s = kmem_cache_create(big, 64, 0, 0, NULL);
	KT_ASSERT(t, s != NULL);
	memset(big, 'Y', sizeof(big) - 1);
	KT_EXPECT(t, s->name != big);
	KT_EXPECT_EQ(t, strlen(s->name), sizeof(big) - 1);
	KT_EXPECT_EQ(t, s->name[0], 'n');
	KT_EXPECT(t, ksize(s->name) >= sizeof(big));	/* its own storage, from kmalloc */
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
	kmem_cache_shrink_all();
	KT_EXPECT_EQ(t, nr_free_pages(), free0);	/* the copies went with their caches */
}

/* kmalloc(GFP_DMA32) is misuse, as in Linux (kmalloc_fix_flags): reported (counted every
 * time), and the flag dropped so that no DMA32-only slab serves every later caller. */
static void kmalloc_dma32_fixed(struct ktest *t)
{
	unsigned long bad0 = contig_node.nr_bad;
	char *p = kmalloc(200, GFP_KERNEL | GFP_DMA32);
	KT_ASSERT(t, p != NULL);
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 1);
	char *z = kzalloc(300, GFP_KERNEL | GFP_DMA32);
	KT_ASSERT(t, z != NULL);
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 2);
	KT_EXPECT_EQ(t, nonzero_bytes(z, 300), 0);
	char *l = kmalloc(3 * PAGE_SIZE, GFP_KERNEL | GFP_DMA32);	/* large kmalloc too */
	KT_ASSERT(t, l != NULL);
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 3);
	char *d = kmalloc(200, GFP_DMA | GFP_DMA32);		/* GFP_DMA stays */
	KT_ASSERT(t, d != NULL);
	KT_EXPECT_EQ(t, virt_to_page(d)->zone, ZONE_DMA);
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 4);
	kfree(d);
	kfree(l);
	kfree(z);
	kfree(p);
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 4);
}

/* Every allocation fails from here until fault_injection_off(). */
static struct fault_attr saved_slab, saved_page;

static void fault_injection_all(void)
{
	saved_slab = failslab;
	saved_page = fail_page_alloc;
	failslab.interval = fail_page_alloc.interval = 1;
	failslab.times = fail_page_alloc.times = -1;
	fault_inject_active++;
}

static void fault_injection_off(void)
{
	fault_inject_active--;
	failslab = saved_slab;
	fail_page_alloc = saved_page;
}

/* A krealloc() that shrinks cannot fail (Linux 6.1): the same pointer comes back even when
 * every allocation would fail (a shrink below half of ksize() would move, but stays). */
static void krealloc_shrink_in_place(struct ktest *t)
{
	char *p = kmalloc(1000, GFP_KERNEL), *l = kmalloc(20000, GFP_KERNEL);
	KT_ASSERT(t, p && l);
	fill(p, 1000, 5);
	fill(l, 20000, 6);
	fault_injection_all();
	bool injecting = kmalloc(16, GFP_KERNEL | __GFP_NOWARN) == NULL;
	char *p1 = krealloc(p, 100, GFP_KERNEL), *p2 = krealloc(p, 1, GFP_KERNEL);
	char *p3 = krealloc(p, 1000, GFP_KERNEL);		/* back up within ksize */
	char *l1 = krealloc(l, 5000, GFP_KERNEL), *l2 = krealloc(l, 64, GFP_KERNEL);
	fault_injection_off();
	KT_EXPECT(t, injecting);
	KT_EXPECT(t, p1 == p && p2 == p && p3 == p);
	KT_EXPECT(t, l1 == l && l2 == l);
	KT_EXPECT_EQ(t, check_fill(p, 1, 5), 0);
	KT_EXPECT_EQ(t, check_fill(l, 64, 6), 0);
	kfree(p);
	kfree(l);
}

/* A shrink keeps the object in place while it uses at least half of ksize(), and moves it to
 * the smaller size below that (slabs and large kmalloc), content kept, every frame back. */
static void krealloc_shrink_below_half_moves(struct ktest *t)
{
	char *p = kmalloc_in(kc, 1000, GFP_KERNEL), *l = kmalloc_in(kc, 20000, GFP_KERNEL);
	KT_ASSERT(t, p && l);
	size_t ks = ksize_in(kc, p);
	fill(p, 1000, 7);
	fill(l, 20000, 8);
	KT_EXPECT(t, krealloc_in(kc, p, ks / 2, GFP_KERNEL) == p);
	char *q = krealloc_in(kc, p, ks / 2 - 1, GFP_KERNEL);
	KT_ASSERT(t, q != NULL);
	KT_EXPECT(t, q != p && ksize_in(kc, q) < ks);
	KT_EXPECT_EQ(t, check_fill(q, ks / 2 - 1, 7), 0);
	KT_EXPECT(t, krealloc_in(kc, l, 12000, GFP_KERNEL) == l);	/* 3 of 5 pages */
	char *m = krealloc_in(kc, l, 100, GFP_KERNEL);			/* into a slab */
	KT_ASSERT(t, m != NULL);
	KT_EXPECT(t, m != l && ksize_in(kc, m) < PAGE_SIZE);
	KT_EXPECT_EQ(t, check_fill(m, 100, 8), 0);
	kfree_in(kc, q);
	kfree_in(kc, m);
}

/* Calls krealloc from here (not a tail call): a report must name this function. */
static __attribute__((noinline)) void *krealloc_here(const void *p, size_t size)
{
	void *r = krealloc(p, size, GFP_KERNEL);
	__asm__ volatile("" ::: "memory");
	return r;
}

static bool caller_is_krealloc_here(void)
{
	return slab_last_bad_caller - (uintptr_t)krealloc_here < 256;
}

/* krealloc() of a freed pointer is reported with krealloc's caller, not krealloc itself, and
 * nothing is copied, freed or handed out. */
static void krealloc_freed_reports_caller(struct ktest *t)
{
	static const size_t sizes[] = { 500, 50, 0 };	/* grow, shrink, free */
	char *p = kmalloc(100, GFP_KERNEL);

	KT_ASSERT(t, p != NULL);
	kfree(p);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long bad0 = contig_node.nr_bad;
		slab_last_bad_caller = 0;
		KT_EXPECT(t, krealloc_here(p, sizes[i]) == NULL);
		KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 1);
		if (!caller_is_krealloc_here())
			ktest_fail(t, __FILE__, __LINE__, "krealloc(freed, %zu) reported caller %#lx, "
				   "not krealloc_here (%p)", sizes[i], slab_last_bad_caller,
				   (void *)krealloc_here);
	}
	char *q = kmalloc(100, GFP_KERNEL), *r = kmalloc(100, GFP_KERNEL);
	KT_ASSERT(t, q && r);
	KT_EXPECT(t, q != r);				/* p is on its freelist once */
	kfree(q);
	kfree(r);
}

/* One round of freelist_corruption_caught: a full slab of a private cache, b freed after a
 * (b -> a), then b's free pointer (and its bytes, when whole) overwritten by smash(). */
static void corrupt_freed_object(struct ktest *t, void (*smash)(struct kmem_cache *, char *, char *),
				 bool whole)
{
	static char *o[512];
	struct kmem_cache *s = kmem_cache_create("test-fpc", 64, 0, 0, NULL);
	KT_ASSERT(t, s != NULL && s->objects <= 512);
	for (unsigned int i = 0; i < s->objects; i++)
		KT_ASSERT(t, (o[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	char *a = o[0], *b = o[1];
	unsigned long bad0 = contig_node.nr_bad;
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	smash(s, a, b);
	/* Under slub_debug=P the write into b is a use after free too (reported, b isolated). */
	unsigned long poisoned = whole && (s->flags & SLAB_POISON) ? 1 : 0;
	char *x = kmem_cache_alloc(s, GFP_KERNEL), *y = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, x && y);
	KT_EXPECT_EQ(t, contig_node.nr_bad, bad0 + 1 + poisoned);
	KT_EXPECT(t, y != a && y != b && x != y);	/* the chain was cut at b: a dropped */
	KT_EXPECT_EQ(t, s->nr_isolated, poisoned);
	memset(x, 1, 64);				/* both usable: the kernel goes on */
	memset(y, 2, 64);
	/* a is off every freelist and counted in use (leaked by the cut): the test, which knows
	 * it, frees it, and the slab can go back. Under slub_debug=Z that free is reported as the
	 * double free it is (a's red zone says "free"), and taken. */
	kmem_cache_free(s, a);
	kmem_cache_free(s, x);
	kmem_cache_free(s, y);
	for (unsigned int i = 2; i < s->objects; i++)
		kmem_cache_free(s, o[i]);
	KT_EXPECT_EQ(t, kmem_cache_release_isolated(s), poisoned);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* The whole freed object (free pointer included) overwritten with 0x41. */
static void smash_bytes(struct kmem_cache *s, char *a, char *b)
{
	(void)a;
	memset(b, 0x41, s->object_size);
	memset(b + s->offset, 0x41, sizeof(u64));
}

/* A plausible pointer, another object of the slab, written unencoded as the free pointer. */
static void smash_pointer(struct kmem_cache *s, char *a, char *b)
{
	u64 raw = (u64)(uintptr_t)a;
	memcpy(b + s->offset, &raw, sizeof(raw));
}

/* Without debugging, a freed object overwritten whole (its free pointer with it) is caught by
 * the hardened freelist before the pointer is followed: reported ("Freepointer corrupt"), the
 * freelist cut there, the allocation served from elsewhere. */
static void freelist_corruption_caught(struct ktest *t)
{
	corrupt_freed_object(t, smash_bytes, true);
	corrupt_freed_object(t, smash_pointer, false);
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
		KT_ASSERT(t, (c[i] = kmem_cache_create_in(kc, "test-stress", csize[i], 0, 0, NULL)) != NULL);
	prandom_seed(&r, 77);
	for (int op = 0; op < 40000 && !t->failed; op++, ops++) {
		struct obj *o = &live[prandom_below(&r, STRESS_LIVE)];
		if (o->p) {
			if (check_fill(o->p, o->size, o->tag))
				ktest_fail(t, __FILE__, __LINE__, "object %p (%zu bytes) corrupted", o->p, o->size);
			if (o->cache < 0)
				kfree_in(kc, o->p);
			else
				kmem_cache_free(c[o->cache], o->p);
			o->p = NULL;
			continue;
		}
		o->cache = (int)prandom_below(&r, STRESS_CACHES + 1) - 1;
		if (o->cache < 0) {
			o->size = 1 + prandom_below(&r, prandom_below(&r, 4) ? 512 : 20000);
			o->p = kmalloc_in(kc, o->size, GFP_KERNEL);
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
			kfree_in(kc, live[i].p);
		else
			kmem_cache_free(c[live[i].cache], live[i].p);
	}
	for (int i = 0; i < STRESS_CACHES; i++)
		KT_EXPECT_EQ(t, kmem_cache_destroy(c[i]), 0);
	kfree(live);
	ktest_log(t, "%lu operations", ops);
	KT_EXPECT_EQ(t, node_check(kc->node, true), 0);
}

/* Slabs of s kept on its partial list and on this CPU's (process context) partial list. */
static unsigned long partial_slabs(struct kmem_cache *s)
{
	return s->nr_partial + this_ctx_elem(s->cpu)->nr_partial;
}

/* When the page allocator has nothing left, a cache that needs a slab gets one from the empty
 * slabs other caches keep on their partial lists (min_partial each, and this CPU's partial
 * list): they are given back and the allocation retried. Everything comes back afterwards. */
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
	unsigned long empty = partial_slabs(keep);
	ktest_log(t, "test-keep: %lu empty slabs kept on partial lists", empty);
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
	KT_EXPECT(t, partial_slabs(keep) < empty);
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

/* The SLAB_CTR_* masks (mm/page.h), through which the fast free path reads a slab's counters
 * word, name the bits the struct slab_counters bit-fields use. */
static void counters_layout(struct ktest *t)
{
	struct page p = { 0 };

	p.slab.inuse = SLAB_MAX_OBJECTS;
	KT_EXPECT_EQ(t, p.counters, SLAB_CTR_INUSE_MASK);
	p.counters = 0;
	p.slab.frozen = 1;
	KT_EXPECT_EQ(t, p.counters, SLAB_CTR_FROZEN);
	p.counters = 0;
	p.slab.freelist = 0x1234;
	KT_EXPECT_EQ(t, p.counters, 0x1234u << SLAB_CTR_FREELIST_SHIFT);
	p.counters = SLAB_CTR_LOW_MASK;
	KT_EXPECT(t, p.slab.inuse == SLAB_MAX_OBJECTS && p.slab.frozen && p.slab.freelist == 0);
}

/* The machine's and a private context do not take each other's objects: a kfree to the wrong
 * one is reported (on the freeing context's node) and refused; a context with a live object
 * refuses to be destroyed. */
static void contexts_separate(struct ktest *t)
{
	struct mm_node *n = kc->node;
	unsigned long bad0 = n->nr_bad, bad_machine = kmalloc_default.node->nr_bad;
	void *mine = kmalloc_in(kc, 100, GFP_KERNEL), *machine = kmalloc(100, GFP_KERNEL);

	KT_ASSERT(t, mine && machine);
	KT_EXPECT_EQ(t, n->nr_bad, bad0);
	kfree_in(kc, machine);
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 1);
	kfree(mine);
	KT_EXPECT_EQ(t, kmalloc_default.node->nr_bad, bad_machine + 1);
	KT_EXPECT_EQ(t, kmalloc_ctx_destroy(kc), (u64)-1);	/* mine is live: refused */
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 2);
	memset(mine, 0x5a, ksize_in(kc, mine));			/* still ours, still usable */
	kfree_in(kc, mine);
	kfree(machine);
	KT_EXPECT_EQ(t, n->nr_bad, bad0 + 2);
}

#define PRIVATE_CASE(name) \
	static void priv_##name(struct ktest *t) { on_private(t, name); }
PRIVATE_CASE(cache_lifecycle)
PRIVATE_CASE(kmalloc_every_size)
PRIVATE_CASE(large_kmalloc)
PRIVATE_CASE(krealloc_shrink_below_half_moves)
PRIVATE_CASE(shrink_and_destroy)
PRIVATE_CASE(idle_cache_given_back)
PRIVATE_CASE(cpu_partial_list)
PRIVATE_CASE(misuse_detected)
PRIVATE_CASE(random_stress)
PRIVATE_CASE(contexts_separate)

static const struct ktest_case slab_cases[] = {
	KTEST_CASE(cache_lifecycle),
	KTEST_CASE(kmalloc_every_size),
	KTEST_CASE(zeroing_reuses_dirty_objects),
	KTEST_CASE(ctor_once_per_object),
	KTEST_CASE(krealloc_keeps_content),
	KTEST_CASE(large_kmalloc),
	KTEST_CASE(shrink_and_destroy),
	KTEST_CASE(idle_cache_given_back),
	KTEST_CASE(cpu_partial_list),
	KTEST_CASE(misuse_detected),
	KTEST_CASE(freelist_hardened),
	KTEST_CASE(kmalloc_dma),
	KTEST_CASE(cache_name_copied),
	KTEST_CASE(kmalloc_dma32_fixed),
	KTEST_CASE(krealloc_shrink_in_place),
	KTEST_CASE(krealloc_shrink_below_half_moves),
	KTEST_CASE(krealloc_freed_reports_caller),
	KTEST_CASE(freelist_corruption_caught),
	KTEST_CASE(random_stress),
	KTEST_CASE(empty_slabs_reclaimed_when_short),
	KTEST_CASE(counters_layout),
	KTEST_CASE(priv_cache_lifecycle),
	KTEST_CASE(priv_kmalloc_every_size),
	KTEST_CASE(priv_large_kmalloc),
	KTEST_CASE(priv_krealloc_shrink_below_half_moves),
	KTEST_CASE(priv_shrink_and_destroy),
	KTEST_CASE(priv_idle_cache_given_back),
	KTEST_CASE(priv_cpu_partial_list),
	KTEST_CASE(priv_misuse_detected),
	KTEST_CASE(priv_random_stress),
	KTEST_CASE(priv_contexts_separate),
	KTEST_END,
};

const struct ktest_suite slab_suite = { "slab", slab_cases };
