/* mm/boot_mem.c - boot steps shared by the kernel and mb2dump (see mm/boot_mem.h): the sparse
 * memory map read and capped, the vmemmap's sections populated from the boot allocator, dropped when memory runs out, and the
 * summary printed once the buddy holds the free frames.
 * Layers: called by kernel/setup.c and tools/mb2sim.c; calls memblock.c, zone.c (statistics,
 * printers) and the caller's ops.
 */
#include "mm/boot_mem.h"
#include "lib/bitops.h"
#include "lib/kernel.h"

int boot_read_map(const struct mb2_info *mb2, struct boot_map *m)
{
	u64 phys_limit = 1ULL << m->phys_bits, limit = m->mem_limit;

	m->nfw = mb2_read_mmap(mb2, m->raw, m->raw_cap - MEMMAP_USER_MAX);
	m->beyond = false;
	int n = memmap_build(m->raw, m->nfw, m->user, m->map, m->map_cap, m->scratch, &m->result);
	if (n < 0)
		return -1;
	if (m->built)
		m->built(m, n);
	if (limit && limit < phys_limit)
		printk(KERN_INFO "e820: remove [mem 0x%016llx-0x%016llx] usable (mem=)\n",
		       (unsigned long long)limit, ~0ULL);
	else
		limit = phys_limit;
	for (int i = 0; i < n && !m->beyond; i++)
		m->beyond = m->map[i].type == E820_USABLE && m->map[i].end > phys_limit;
	if (m->beyond) {
		bool tib = m->phys_bits >= 40;
		printk(KERN_WARNING "e820: usable RAM at and above %llu %s (2^%u) is beyond the "
		       "direct map: ignored\n", (unsigned long long)phys_limit >> (tib ? 40 : 30),
		       tib ? "TiB" : "GiB", m->phys_bits);
	}
	int capped = memmap_cap_usable(m->map, n, limit);
	if (m->mem_limit) {
		printk(KERN_INFO "user-defined physical RAM map:\n");
		memmap_print("user:", m->map, capped);
	}
	return capped;
}

u64 boot_memblock_init(struct memblock *mb, const struct mem_range *map, int n)
{
	memblock_init(mb);
	for (int i = 0; i < n; i++)
		if (map[i].type == E820_USABLE)
			memblock_add(mb, map[i].base, map[i].end - map[i].base);
	if (mb->memory.dropped)
		printk(KERN_WARNING "memblock: %d usable ranges lost: the table holds %d regions\n",
		       mb->memory.dropped, MEMBLOCK_MAX_REGIONS);
	return memblock_phys_mem_size(mb);
}

void boot_reserve(struct memblock *mb, u64 base, u64 size, const char *what)
{
	if (size == 0)
		return;
	printk(KERN_INFO "reserve [mem 0x%016llx-0x%016llx] %s\n", (unsigned long long)base,
	       (unsigned long long)(base + size - 1), what);
	if (memblock_reserve(mb, base, size) < 0)
		printk(KERN_ERR "setup: cannot record the reservation of %s\n", what);
}

/* Section s has no descriptors: clear its bit and take its RAM out of mb. */
static void drop_section(struct memblock *mb, u64 *sections, unsigned long s,
			 struct boot_vmemmap_result *r)
{
	u64 base = (u64)s << (SECTION_SHIFT + PAGE_SHIFT), size = 1ULL << (SECTION_SHIFT + PAGE_SHIFT);
	u64 before = memblock_phys_mem_size(mb);

	clear_bit(s, sections);
	memblock_remove(mb, base, size);	/* cannot fail; on a full table it takes more */
	if (!r->lost_sections++)
		r->lost_first = base;
	r->lost_end = base + size;
	r->lost_bytes += before - memblock_phys_mem_size(mb);
}

void boot_populate_vmemmap(struct memblock *mb, unsigned long max_pfn, u64 *sections,
			   const struct boot_vmemmap_ops *ops, struct boot_vmemmap_result *r)
{
	unsigned long nsec = (max_pfn + PAGES_PER_SECTION - 1) >> SECTION_SHIFT;

	*r = (struct boot_vmemmap_result){ 0, 0, 0, 0, 0, 0 };
	for (unsigned long s = 0; s < nsec; s++) {
		if (!test_bit(s, sections))
			continue;
		unsigned long first = s << SECTION_SHIFT;
		unsigned long frames = MIN(PAGES_PER_SECTION, max_pfn - first);
		size_t bytes = ALIGN_UP(frames * sizeof(struct page), PAGE_SIZE);
		phys_addr_t p = memblock_alloc(mb, bytes, PAGE_SIZE);
		if (!p || ops->map(ops->arg, first, p, bytes) < 0) {
			drop_section(mb, sections, s, r);
			continue;
		}
		r->bytes += bytes;
		r->sections++;
	}
	if (r->lost_sections)
		printk(KERN_WARNING "setup: out of memory for the frame descriptors of %lu sections in "
		       "[mem 0x%016llx-0x%016llx]: their %lluK of RAM dropped\n", r->lost_sections,
		       (unsigned long long)r->lost_first, (unsigned long long)r->lost_end - 1,
		       (unsigned long long)(r->lost_bytes >> 10));
}

u64 boot_print_summary(const struct mm_node *n, const struct boot_mem_stats *st)
{
	unsigned long managed = node_managed_pages(n, -1);
	u64 usable = st->usable, known = st->kernel + st->memmap + st->pgtables;
	u64 reserved = usable - ((u64)managed << PAGE_SHIFT);
	u64 other = reserved > known ? reserved - known : 0;

	node_print_zone_ranges(n);
	if (n->nr_nodes > 1)
		node_print_numa(n);
	node_print_zones(n);
	printk(KERN_INFO "struct page: %zu bytes per %lu-byte frame (Linux: 64); memmap %llu KiB "
	       "for %lu sections of 128 MiB (%llu.%02llu%% of usable RAM)\n", sizeof(struct page),
	       PAGE_SIZE, (unsigned long long)st->memmap >> 10, st->sections,
	       (unsigned long long)(st->memmap * 100 / usable),
	       (unsigned long long)(st->memmap * 10000 / usable % 100));
	printk(KERN_INFO "Memory: %luK/%lluK available (%lluK kernel, %lluK memmap, %lluK page "
	       "tables, %lluK other reserved; boot allocator used %lluK)\n",
	       managed << (PAGE_SHIFT - 10), (unsigned long long)usable >> 10,
	       (unsigned long long)st->kernel >> 10, (unsigned long long)st->memmap >> 10,
	       (unsigned long long)st->pgtables >> 10, (unsigned long long)other >> 10,
	       (unsigned long long)st->boot_alloc >> 10);
	return reserved;
}
