/* kernel/slab_tour.c - the slab half of the tour: a cache of our own, kmalloc's size classes
 * and the book's wastage table (ours beside Linux 6.1's classes), and /proc/slabinfo. */
#include "kernel/tour.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "mm/zone.h"

/* Linux 6.1's kmalloc classes (SLUB, x86_64): a request takes the first that fits; above
 * 8192 bytes kmalloc takes a whole 2^order block of pages. */
static const unsigned int linux_classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192
};

static size_t linux_ksize(size_t size)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(linux_classes); i++)
		if (size <= linux_classes[i])
			return linux_classes[i];
	size_t block = PAGE_SIZE;
	while (block < size)
		block *= 2;
	return block;
}

/* Waste in tenths of a percent of the object. */
static unsigned long waste_permille(size_t size, size_t got)
{
	return got ? (got - size) * 1000 / got : 0;
}

/* One row: kmalloc(size) for real, ksize, and Linux's class for the same request. */
static void wastage_row(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);
	size_t got = ksize(p), lx = linux_ksize(size);
	unsigned long ours = waste_permille(size, got), theirs = waste_permille(size, lx);

	printk(KERN_INFO "  %7zu %7zu %6zu %3lu.%lu%%   %7zu %6zu %3lu.%lu%%\n", size, got, got - size,
	       ours / 10, ours % 10, lx, lx - size, theirs / 10, theirs % 10);
	kfree(p);
}

static void wastage_table(void)
{
	static const size_t book[] = { 1, 8, 13, 32, 100, 200, 300, 500, 700, 1000, 1500, 2000,
				       3000, 5000, 6000, 7000, 8000 };
	unsigned long worst_ours = 0, worst_linux = 0;
	size_t at_ours = 0, at_linux = 0;

	printk(KERN_INFO "slab tour: what a kmalloc request really costs (ours | Linux 6.1)\n");
	printk(KERN_INFO "  request   ksize  waste      %%     Linux  waste      %%\n");
	for (unsigned int i = 0; i < ARRAY_SIZE(book); i++)
		wastage_row(book[i]);
	for (size_t n = 1; n <= 8192; n *= 2)
		wastage_row(n + 1);
	/* The worst case over every request 1..8192, by the class tables: bytes under 64,
	 * share of the object from 64 on (the bound: 8 bytes, 12.5%). */
	size_t small_ours = 0, small_linux = 0;
	for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++) {
		size_t o = kmalloc_class_size(size), l = linux_ksize(size);
		if (size < 64) {
			small_ours = MAX(small_ours, o - size);
			small_linux = MAX(small_linux, l - size);
			continue;
		}
		if (waste_permille(size, o) > worst_ours) {
			worst_ours = waste_permille(size, o);
			at_ours = size;
		}
		if (waste_permille(size, l) > worst_linux) {
			worst_linux = waste_permille(size, l);
			at_linux = size;
		}
	}
	printk(KERN_INFO "  worst case, requests 1..63: ours %zu bytes, Linux %zu bytes\n",
	       small_ours, small_linux);
	printk(KERN_INFO "  worst case, requests 64..8192: ours %lu.%lu%% (kmalloc(%zu) -> %u), "
	       "Linux %lu.%lu%% (kmalloc(%zu) -> %zu)\n", worst_ours / 10, worst_ours % 10, at_ours,
	       kmalloc_class_size(at_ours), worst_linux / 10, worst_linux % 10, at_linux,
	       linux_ksize(at_linux));
	printk(KERN_INFO "  (%u classes: every 8 bytes to 64, then 8 per power of two)\n", 64u);
}

struct demo {
	int id;
	char name[52];
};

#define DEMO_OBJECTS 100

int kernel_slab_tour(void)
{
	static struct demo *d[DEMO_OBJECTS];
	static void *k[8];
	unsigned long before;

	kmem_cache_shrink_all();
	before = nr_free_pages();
	struct kmem_cache *s = kmem_cache_create("demo_obj", sizeof(struct demo), 0,
						 SLAB_HWCACHE_ALIGN, NULL);
	if (!s)
		return -1;
	printk(KERN_INFO "slab tour: kmem_cache_create(\"demo_obj\", %zu, SLAB_HWCACHE_ALIGN): "
	       "stride %u, %u objects per order-%u slab; %d objects allocated\n",
	       sizeof(struct demo), s->size, s->objects, s->order, DEMO_OBJECTS);
	for (int i = 0; i < DEMO_OBJECTS; i++)
		d[i] = kmem_cache_alloc(s, GFP_KERNEL);
	printk(KERN_INFO "  first objects at %p %p %p\n", (void *)d[0], (void *)d[1], (void *)d[2]);
	for (unsigned int i = 0; i < ARRAY_SIZE(k); i++)
		k[i] = kmalloc(100 << i, GFP_KERNEL);	/* 100 B .. 12800 B, kept while we look */
	wastage_table();
	printk(KERN_INFO "slab tour: slab state with %d demo_obj objects and kmalloc(100 << 0..7) "
	       "live:\n", DEMO_OBJECTS);
	slabinfo_print();
	printk(KERN_INFO "Slab:           %8lu kB\n", slab_pages() * (PAGE_SIZE / 1024));
	for (unsigned int i = 0; i < ARRAY_SIZE(k); i++)
		kfree(k[i]);
	for (int i = 0; i < DEMO_OBJECTS; i++)
		kmem_cache_free(s, d[i]);
	int destroyed = kmem_cache_destroy(s);
	kmem_cache_shrink_all();
	unsigned long after = nr_free_pages();
	printk(KERN_INFO "slab tour: everything freed and the caches shrunk: free pages %lu, "
	       "before the slab tour %lu: %s\n", after, before, after == before ? "equal" : "DIFFERENT");
	return before == after && destroyed == 0 ? 0 : -1;
}
