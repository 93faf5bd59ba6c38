/* tests/mm/slab_debug_test.c - SLUB debugging: each kind of corruption and misuse is caught,
 * reported once, and the bad object isolated or the bad free refused. The caches here carry
 * their debug flags explicitly, so the suite means the same with or without slub_debug=.
 * The cases on debug_cache() also run (priv_*) over a private kmalloc context on a private
 * node, which must give every frame back (isolated objects included) when destroyed. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/slab.h"
#include "mm/zone.h"
#include "lib/string.h"

#define OBJ 40

static unsigned long bad0;
/* The kmalloc context the debug caches are made in; reports are counted on its node. */
static struct kmalloc_ctx *kc = &kmalloc_default;

static unsigned long node_bad(void)
{
	return kc->node->nr_bad;
}

static struct kmem_cache *debug_cache(struct ktest *t, const char *name, unsigned int flags)
{
	struct kmem_cache *s = kmem_cache_create_in(kc, name, OBJ, 0, flags, NULL);
	if (!s)
		ktest_fail(t, __FILE__, __LINE__, "cannot create %s", name);
	bad0 = node_bad();
	return s;
}

/* Run body over a private context on a private node, then check every frame came back. */
static void on_private(struct ktest *t, void (*body)(struct ktest *t))
{
	fixture_slab_run(t, 1024, &kc, body);
}

/* Release what a test isolated and destroy the cache: every page must come back. */
static void finish(struct ktest *t, struct kmem_cache *s, unsigned long isolated)
{
	KT_EXPECT_EQ(t, kmem_cache_release_isolated(s), isolated);
	KT_EXPECT_EQ(t, s->nr_isolated, 0);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

/* A write one byte past the object is seen at free; the free is refused (object isolated). */
static void right_redzone(struct ktest *t)
{
	struct kmem_cache *s = debug_cache(t, "dbg-rz", SLAB_RED_ZONE);
	KT_ASSERT(t, s != NULL);
	char *o = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, o != NULL);
	o[OBJ] = 'x';
	kmem_cache_free(s, o);
	KT_EXPECT_EQ(t, node_bad(), bad0 + 1);
	KT_EXPECT_EQ(t, s->nr_isolated, 1);
	finish(t, s, 1);
}

/* A write just before the object is seen too. */
static void left_redzone(struct ktest *t)
{
	struct kmem_cache *s = debug_cache(t, "dbg-lz", SLAB_RED_ZONE);
	KT_ASSERT(t, s != NULL);
	char *o = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, o != NULL);
	o[-1] = 'x';
	kmem_cache_free(s, o);
	KT_EXPECT_EQ(t, node_bad(), bad0 + 1);
	finish(t, s, 1);
}

/* A write into a freed object is seen in the poison before the object is reused; the object
 * is isolated and another one handed out. */
static void use_after_free(struct ktest *t)
{
	struct kmem_cache *s = debug_cache(t, "dbg-uaf", SLAB_POISON | SLAB_RED_ZONE);
	KT_ASSERT(t, s != NULL);
	char *o = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, o != NULL);
	kmem_cache_free(s, o);
	KT_EXPECT_EQ(t, (u8)o[0], 0x6b);			/* poisoned */
	o[5] = 1;						/* use after free */
	char *n = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, n != NULL);
	KT_EXPECT(t, n != o);
	KT_EXPECT_EQ(t, node_bad(), bad0 + 1);
	kmem_cache_free(s, n);
	finish(t, s, 1);
}

/* With consistency checks any double free is caught, not only of the freelist head. */
static void double_free_anywhere(struct ktest *t)
{
	struct kmem_cache *s = debug_cache(t, "dbg-df", SLAB_CONSISTENCY_CHECKS);
	KT_ASSERT(t, s != NULL);
	void *a = kmem_cache_alloc(s, GFP_KERNEL), *b = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, a && b);
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	kmem_cache_free(s, a);					/* a is second on the list */
	KT_EXPECT_EQ(t, node_bad(), bad0 + 1);
	finish(t, s, 0);
}

/* A corrupted free pointer is caught before it is followed; the rest of that freelist is
 * dropped, as Linux does. The slab is filled first so that the dropped rest is exactly one
 * object, which the test then frees itself. */
static void freepointer_corrupt(struct ktest *t)
{
	static char *o[512];
	struct kmem_cache *s = debug_cache(t, "dbg-fp", SLAB_CONSISTENCY_CHECKS);
	KT_ASSERT(t, s != NULL && s->objects <= 512);
	for (unsigned int i = 0; i < s->objects; i++)
		KT_ASSERT(t, (o[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	char *a = o[0], *b = o[1];
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);					/* b -> a */
	memset(b + s->offset, 0x41, 8);				/* smash b's free pointer */
	char *c = kmem_cache_alloc(s, GFP_KERNEL);
	KT_EXPECT(t, c == b);
	KT_EXPECT_EQ(t, node_bad(), bad0 + 1);
	char *d = kmem_cache_alloc(s, GFP_KERNEL);		/* a was dropped: a new slab */
	KT_ASSERT(t, d != NULL);
	KT_EXPECT(t, d != a);
	/* a is free but off every list (counted in use): ours to free. Under slub_debug=Z its
	 * red zone says "free", so that free is reported as a double free, and taken (a is on
	 * no freelist: refusing it would leak it, isolating it would too). */
	unsigned long bad1 = node_bad();
	kmem_cache_free(s, a);
	KT_EXPECT_EQ(t, node_bad(), bad1 + ((s->flags & SLAB_RED_ZONE) ? 1 : 0));
	kmem_cache_free(s, d);
	for (unsigned int i = 1; i < s->objects; i++)
		kmem_cache_free(s, o[i]);
	finish(t, s, 0);
}

/* With red zones alone (no F), a double free of an object that is not the freelist head is
 * recognised by its red zone ("free"): one double-free report, the object left where it is (on
 * the freelist, not isolated). Every object is then handed out exactly once, and all of them
 * free cleanly. */
static void double_free_redzone_only(struct ktest *t)
{
	static void *o[512];
	struct kmem_cache *s = debug_cache(t, "dbg-dfz", SLAB_RED_ZONE);
	KT_ASSERT(t, s != NULL && s->objects <= 512);
	void *a = kmem_cache_alloc(s, GFP_KERNEL), *b = kmem_cache_alloc(s, GFP_KERNEL);
	void *c = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, a && b && c);
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	kmem_cache_free(s, a);					/* a is second on the list */
	KT_EXPECT_EQ(t, node_bad(), bad0 + 1);
	KT_EXPECT_EQ(t, s->nr_isolated, 0);
	unsigned int n = s->objects, dup = 0;
	for (unsigned int i = 0; i < n; i++) {
		KT_ASSERT(t, (o[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
		for (unsigned int j = 0; j < i; j++)
			dup += o[j] == o[i];
		dup += o[i] == c;
	}
	KT_EXPECT_EQ(t, dup, 0);
	for (unsigned int i = 0; i < n; i++)
		kmem_cache_free(s, o[i]);
	kmem_cache_free(s, c);
	KT_EXPECT_EQ(t, node_bad(), bad0 + 1);
	finish(t, s, 0);
}

/* The kmalloc cache that holds p (its slab's head page says). */
static struct kmem_cache *cache_of(const void *p)
{
	struct page *page = virt_to_page(p);
	if (page->flags & PG_tail)
		page = (struct page *)page->private;
	return (struct kmem_cache *)page->private;
}

/* Free p, expecting (report) one "kmalloc Redzone overwritten" report and p isolated, which is
 * then released. */
static void free_expect_redzone(struct ktest *t, struct kmem_cache *s, void *p, bool report)
{
	unsigned long bad = node_bad(), iso = s->nr_isolated;
	kfree(p);
	KT_EXPECT_EQ(t, node_bad(), bad + report);
	KT_EXPECT_EQ(t, s->nr_isolated, iso + report);
	if (report)
		KT_EXPECT_EQ(t, kmem_cache_release_isolated(s), 1);
}

/* slub_debug=Z on kmalloc caches guards the bytes between the requested size and the class
 * size (Linux 6.2's orig_size): kmalloc(33) then p[33] is caught at kfree. krealloc moves that
 * red zone with the size; ksize() hands the whole class to the caller (zeroed after kzalloc). */
static void kmalloc_redzone(struct ktest *t)
{
	char *p = kmalloc(33, GFP_KERNEL);
	KT_ASSERT(t, p != NULL);
	struct kmem_cache *s = cache_of(p);
	if (!(s->flags & SLAB_RED_ZONE)) {
		kfree(p);
		ktest_skip(t, "the kmalloc caches have no red zone (run with slub_debug=Z)");
		return;
	}
	KT_EXPECT_EQ(t, s->object_size, 40);
	p[33] = 'x';
	free_expect_redzone(t, s, p, true);
	p = kmalloc(33, GFP_KERNEL);
	KT_ASSERT(t, p != NULL);
	p[39] = 'x';					/* the last byte of the class */
	free_expect_redzone(t, s, p, true);
	p = kmalloc(40, GFP_KERNEL);
	KT_ASSERT(t, p != NULL && krealloc(p, 20, GFP_KERNEL) == p);
	p[20] = 'x';					/* beyond the new size */
	free_expect_redzone(t, s, p, true);
	p = kmalloc(33, GFP_KERNEL);
	KT_ASSERT(t, p != NULL && krealloc(p, 39, GFP_KERNEL) == p);
	memset(p, 1, 39);				/* grown in place: all usable */
	free_expect_redzone(t, s, p, false);
	p = kzalloc(33, GFP_KERNEL);
	KT_ASSERT(t, p != NULL);
	KT_EXPECT_EQ(t, ksize(p), 40);
	for (int i = 0; i < 40; i++)
		KT_EXPECT_EQ(t, p[i], 0);
	memset(p, 1, 40);				/* ksize() gave it all */
	free_expect_redzone(t, s, p, false);
}

/* The last allocating and freeing callers are recorded. */
static void store_user(struct ktest *t)
{
	struct kmem_cache *s = debug_cache(t, "dbg-u", SLAB_STORE_USER);
	KT_ASSERT(t, s != NULL);
	char *o = kmem_cache_alloc(s, GFP_KERNEL);
	KT_ASSERT(t, o != NULL);
	const struct slab_track *tr = (const struct slab_track *)(o + s->track_offset);
	KT_EXPECT(t, tr[0].addr != 0 && tr[1].addr == 0);
	kmem_cache_free(s, o);
	KT_EXPECT(t, tr[1].addr != 0 && tr[1].when > tr[0].when);
	finish(t, s, 0);
}

/* Power-of-two kmalloc stays naturally aligned under red zones (its cache is created with
 * align = size). */
static void kmalloc_alignment_debug(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("dbg-align", 256, 256, SLAB_RED_ZONE | SLAB_POISON,
						 NULL);
	KT_ASSERT(t, s != NULL);
	void *o[5];
	for (int i = 0; i < 5; i++) {
		o[i] = kmem_cache_alloc(s, GFP_KERNEL);
		KT_ASSERT(t, o[i] != NULL);
		KT_EXPECT_EQ(t, (uintptr_t)o[i] % 256, 0);
		memset(o[i], 0x11, 256);			/* the whole object is usable */
	}
	for (int i = 0; i < 5; i++)
		kmem_cache_free(s, o[i]);
	KT_EXPECT_EQ(t, s->nr_bad, 0);
	finish(t, s, 0);
}

/* slub_debug= values parse like Linux's. */
static void slub_debug_syntax(struct ktest *t)
{
	struct slub_debug_opts o;

	KT_EXPECT_EQ(t, slub_debug_parse(NULL, &o), 0);
	KT_EXPECT_EQ(t, slub_debug_flags_match(&o, "kmalloc-64"), SLAB_DEBUG_FLAGS);
	KT_EXPECT_EQ(t, slub_debug_parse("FZ,kmalloc-64,dentry*", &o), 0);
	KT_EXPECT_EQ(t, slub_debug_flags_match(&o, "kmalloc-64"), SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE);
	KT_EXPECT_EQ(t, slub_debug_flags_match(&o, "dentry-x"), SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE);
	KT_EXPECT_EQ(t, slub_debug_flags_match(&o, "kmalloc-128"), 0);
	KT_EXPECT_EQ(t, slub_debug_parse("u", &o), 0);
	KT_EXPECT_EQ(t, slub_debug_flags_match(&o, "any"), SLAB_STORE_USER);
	KT_EXPECT_EQ(t, slub_debug_parse("-", &o), 0);
	KT_EXPECT_EQ(t, slub_debug_flags_match(&o, "any"), 0);
	KT_EXPECT_EQ(t, slub_debug_parse(",kmalloc-8", &o), 0);	/* no letters: all flags */
	KT_EXPECT_EQ(t, slub_debug_flags_match(&o, "kmalloc-8"), SLAB_DEBUG_FLAGS);
	KT_EXPECT_EQ(t, slub_debug_parse("FQ", &o), (u64)-1);		/* unknown letter */
	KT_EXPECT_EQ(t, slub_debug_parse("F,a,b,c,d,e,f,g,h,i", &o), (u64)-1);	/* too many */
}

/* Bulk allocation and free. */
static void bulk(struct ktest *t)
{
	struct kmem_cache *s = kmem_cache_create("bulk", 128, 0, 0, NULL);
	void *p[300];
	KT_ASSERT(t, s != NULL);
	KT_ASSERT_EQ(t, kmem_cache_alloc_bulk(s, GFP_KERNEL, 300, p), 300);
	for (int i = 0; i < 300; i++)
		memset(p[i], i, 128);
	for (int i = 0; i < 300; i++)
		KT_EXPECT_EQ(t, ((unsigned char *)p[i])[127], (unsigned char)i);
	kmem_cache_free_bulk(s, 300, p);
	KT_EXPECT_EQ(t, kmem_cache_destroy(s), 0);
}

#define PRIVATE_CASE(name) \
	static void priv_##name(struct ktest *t) { on_private(t, name); }
PRIVATE_CASE(right_redzone)
PRIVATE_CASE(use_after_free)
PRIVATE_CASE(double_free_anywhere)
PRIVATE_CASE(freepointer_corrupt)
PRIVATE_CASE(double_free_redzone_only)
PRIVATE_CASE(store_user)

static const struct ktest_case slab_debug_cases[] = {
	KTEST_CASE(right_redzone),
	KTEST_CASE(left_redzone),
	KTEST_CASE(use_after_free),
	KTEST_CASE(double_free_anywhere),
	KTEST_CASE(freepointer_corrupt),
	KTEST_CASE(double_free_redzone_only),
	KTEST_CASE(kmalloc_redzone),
	KTEST_CASE(store_user),
	KTEST_CASE(kmalloc_alignment_debug),
	KTEST_CASE(slub_debug_syntax),
	KTEST_CASE(bulk),
	KTEST_CASE(priv_right_redzone),
	KTEST_CASE(priv_use_after_free),
	KTEST_CASE(priv_double_free_anywhere),
	KTEST_CASE(priv_freepointer_corrupt),
	KTEST_CASE(priv_double_free_redzone_only),
	KTEST_CASE(priv_store_user),
	KTEST_END,
};

const struct ktest_suite slab_debug_suite = { "slab_debug", slab_debug_cases };
