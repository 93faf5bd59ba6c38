/* tests/mm/fixture.c - private nodes over a buffer (see fixture.h). Same code on both runners. */
#include "tests/mm/fixture.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "tests/ktest.h"
#include "mm/slab.h"
#include "mm/gfp.h"

struct memblock fixture_memblock;	/* static: 32 KiB is too large for a kernel stack */

#define FIXTURE_MAX_RAW 64
static struct mem_range fixture_map[2 * FIXTURE_MAX_RAW + 1];
static struct mem_range fixture_scratch[2 * FIXTURE_MAX_RAW];

/* Load the sanitized map into mb: usable ranges as memory, page 0 reserved. */
static int load_map(struct memblock *mb, size_t size, const struct mem_raw *raw, int nraw)
{
	struct mem_raw whole = { 0, size, E820_USABLE };

	if (!raw) {
		raw = &whole;
		nraw = 1;
	}
	if (nraw > FIXTURE_MAX_RAW)
		return -1;
	int n = memmap_sanitize(raw, nraw, fixture_map, (int)ARRAY_SIZE(fixture_map),
				fixture_scratch, NULL);
	if (n < 0)
		return -1;
	memblock_init(mb);
	for (int i = 0; i < n; i++) {
		if (fixture_map[i].type != E820_USABLE || fixture_map[i].base >= size)
			continue;
		u64 end = MIN(fixture_map[i].end, (u64)size);
		memblock_add(mb, fixture_map[i].base, end - fixture_map[i].base);
	}
	memblock_reserve(mb, 0, PAGE_SIZE);
	return 0;
}

int fixture_node_build(struct mm_node *n, void *buf, size_t size, const struct mem_raw *raw,
		       int nraw, const unsigned long zone_end[MAX_NR_ZONES])
{
	return fixture_numa_build(n, buf, size, raw, nraw, zone_end, NULL);
}

int fixture_numa_build(struct mm_node *n, void *buf, size_t size, const struct mem_raw *raw,
		       int nraw, const unsigned long zone_end[MAX_NR_ZONES],
		       const struct node_layout *numa)
{
	struct memblock *mb = &fixture_memblock;
	struct node_layout lay = { 0 };

	if (load_map(mb, size, raw, nraw) < 0) {
		printk(KERN_ERR "fixture: bad memory map\n");
		return -1;
	}
	lay.max_pfn = memblock_end(mb) >> PAGE_SHIFT;
	lay.virt_base = (uintptr_t)buf;
	size_t words = section_bitmap_words(lay.max_pfn);
	phys_addr_t sec = memblock_alloc(mb, words * sizeof(u64), PAGE_SIZE);
	phys_addr_t map = memblock_alloc(mb, lay.max_pfn * sizeof(struct page), PAGE_SIZE);
	if (!sec || !map) {
		printk(KERN_ERR "fixture: no room for descriptors in %zu bytes\n", size);
		return -1;
	}
	u64 *sections = (u64 *)((char *)buf + sec);
	node_mark_sections(mb, lay.max_pfn, sections);
	lay.sections = sections;
	lay.vmemmap = (struct page *)((char *)buf + map);
	memcpy(lay.zone_end_pfn, zone_end, sizeof(lay.zone_end_pfn));
	if (numa) {
		lay.nr_nodes = numa->nr_nodes;
		memcpy(lay.node_end_pfn, numa->node_end_pfn, sizeof(lay.node_end_pfn));
		memcpy(lay.distance, numa->distance, sizeof(lay.distance));
	}
	node_init(n, &lay, mb);
	node_free_memblock(n, mb);
	return 0;
}

bool fixture_enough_ram(struct ktest *t)
{
	if ((node_managed_pages(&contig_node, -1) << PAGE_SHIFT) >= FIXTURE_MIN_RAM)
		return true;
	ktest_skip(t, "needs 24 MiB of RAM (FIXTURE_MIN_RAM): this machine is smaller");
	return false;
}

bool fixture_slab_build(struct ktest *t, struct fixture_slab *f, unsigned long frames)
{
	static const unsigned long zone_end[MAX_NR_ZONES] = { 64, 256, ~0UL };

	memset(f, 0, sizeof(*f));
	if (!fixture_enough_ram(t))
		return false;
	f->frames = frames;
	f->node = alloc_pages_exact(sizeof(*f->node), GFP_KERNEL);
	f->ctx = alloc_pages_exact(sizeof(*f->ctx), GFP_KERNEL);
	f->buf = alloc_pages_exact(frames << PAGE_SHIFT, GFP_KERNEL);
	if (!f->node || !f->ctx || !f->buf ||
	    fixture_node_build(f->node, f->buf, frames << PAGE_SHIFT, NULL, 0, zone_end) < 0) {
		ktest_fail(t, __FILE__, __LINE__, "no private node of %lu frames", frames);
		fixture_slab_destroy(t, f);
		return false;
	}
	f->free0 = node_nr_free_pages(f->node);
	if (kmalloc_ctx_init(f->ctx, f->node) < 0) {
		ktest_fail(t, __FILE__, __LINE__, "kmalloc_ctx_init failed");
		f->free0 = 0;
		fixture_slab_destroy(t, f);
		return false;
	}
	return true;
}

void fixture_slab_destroy(struct ktest *t, struct fixture_slab *f)
{
	if (f->free0) {			/* the context was made */
		if (kmalloc_ctx_destroy(f->ctx) < 0) {
			ktest_fail(t, __FILE__, __LINE__, "kmalloc_ctx_destroy refused: objects live");
			return;
		}
		ktest_log(t, "private node: %lu frames free before the context, %lu after it", f->free0,
			  node_nr_free_pages(f->node));
		KT_EXPECT_EQ(t, node_nr_free_pages(f->node), f->free0);
		KT_EXPECT_EQ(t, node_check(f->node, true), 0);
	}
	if (f->buf)
		free_pages_exact(f->buf, f->frames << PAGE_SHIFT);
	if (f->ctx)
		free_pages_exact(f->ctx, sizeof(*f->ctx));
	if (f->node)
		free_pages_exact(f->node, sizeof(*f->node));
	memset(f, 0, sizeof(*f));
}
