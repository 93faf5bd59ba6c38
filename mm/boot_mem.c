/* mm/boot_mem.c - boot steps shared by the kernel and mb2dump (see mm/boot_mem.h): the sparse
 * vmemmap's sections populated from the boot allocator, dropped when memory runs out.
 * Layers: called by kernel/setup.c and tools/mb2sim.c; calls memblock.c and the caller's ops.
 */
#include "mm/boot_mem.h"
#include "lib/bitops.h"
#include "lib/kernel.h"

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
