/* tests/mm/fixture.c - private nodes over a buffer (see fixture.h). Same code on both runners. */
#include "tests/mm/fixture.h"
#include "lib/kernel.h"
#include "lib/string.h"

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
	phys_addr_t pb = memblock_alloc(mb, pageblock_bitmap_words(lay.max_pfn) * sizeof(u64), 8);
	if (!sec || !map || !pb) {
		printk(KERN_ERR "fixture: no room for descriptors in %zu bytes\n", size);
		return -1;
	}
	u64 *sections = (u64 *)((char *)buf + sec);
	node_mark_sections(mb, lay.max_pfn, sections);
	lay.sections = sections;
	lay.vmemmap = (struct page *)((char *)buf + map);
	lay.pageblock_flags = (u64 *)((char *)buf + pb);
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
