/* tests/kernel/boot_test.c - what boot built on the real machine: the direct map covers every
 * managed frame, the vmemmap exists for every frame, mem= is honoured, the zones sit at their
 * architectural limits, and the accounting adds up. */
#include "tests/ktest.h"
#include "kernel/arch.h"
#include "kernel/setup.h"
#include "mm/gfp.h"
#include "mm/zone.h"

/* Every present section's descriptors are mapped and every usable frame is direct-mapped. */
static void direct_map_and_vmemmap(struct ktest *t)
{
	const struct mm_node *n = &contig_node;
	unsigned long checked = 0;

	for (unsigned long pfn = 0; pfn < n->max_pfn; pfn += PAGES_PER_SECTION / 4) {
		if (!node_pfn_valid(n, pfn))
			continue;
		KT_EXPECT(t, virt_is_mapped((uintptr_t)&n->vmemmap[pfn]));
		KT_EXPECT(t, virt_is_mapped((uintptr_t)phys_to_virt((phys_addr_t)pfn << PAGE_SHIFT)));
		checked++;
	}
	KT_EXPECT(t, virt_is_mapped((uintptr_t)phys_to_virt(((phys_addr_t)n->max_pfn << PAGE_SHIFT) - 1)));
	KT_EXPECT(t, !virt_is_mapped(0));		/* the identity map is gone */
	ktest_log(t, "%lu sample frames checked up to pfn %#lx", checked, n->max_pfn);
}

/* The highest managed frame respects mem= and the zones their architectural limits. */
static void limits_respected(struct ktest *t)
{
	const struct mm_node *n = &contig_node;
	unsigned long top = 0;

	for (unsigned long pfn = 0; pfn < n->max_pfn; pfn++) {
		if (!node_pfn_valid(n, pfn)) {
			pfn |= PAGES_PER_SECTION - 1;
			continue;
		}
		if (!PageReserved(&n->vmemmap[pfn]))
			top = pfn;
	}
	if (boot_params.mem_limit)
		KT_EXPECT(t, ((u64)top << PAGE_SHIFT) < boot_params.mem_limit);
	for (unsigned int i = 0; i < n->nr_zones; i++) {	/* every node's zones */
		const struct zone *z = &n->zones[i];
		if (z->present_pages == 0)
			continue;
		if (z->type == ZONE_DMA)
			KT_EXPECT(t, z->end_pfn <= DMA_END_PFN);
		if (z->type == ZONE_DMA32)
			KT_EXPECT(t, z->start_pfn >= DMA_END_PFN && z->end_pfn <= DMA32_END_PFN);
		if (z->type == ZONE_NORMAL)
			KT_EXPECT(t, z->start_pfn >= DMA32_END_PFN);
	}
	ktest_log(t, "highest managed frame %#lx, mem= %#llx", top,
		  (unsigned long long)boot_params.mem_limit);
}

/* Managed plus reserved frames account for all usable RAM; metadata is 32 bytes per frame. */
static void accounting(struct ktest *t)
{
	unsigned long managed = totalram_pages();
	u64 usable_pages = boot_params.usable_bytes >> PAGE_SHIFT;

	KT_EXPECT(t, managed <= usable_pages);
	KT_EXPECT_EQ(t, sizeof(struct page), 32);
	KT_EXPECT(t, boot_params.memmap_bytes <= boot_params.sections * PAGES_PER_SECTION * 32);
	/* Everything not managed is accounted as kernel, metadata or boot data: a few MiB, plus
	 * 0.8% of RAM for the descriptors. */
	u64 kept = (usable_pages - managed) << PAGE_SHIFT;
	KT_EXPECT(t, kept <= boot_params.memmap_bytes + boot_params.pgtable_bytes +
		     boot_params.kernel_bytes + (8ULL << 20));
	/* The boot-only tables were given back (free_initmem). */
	KT_EXPECT(t, !PageReserved(pfn_to_page(virt_to_phys(__init_begin) >> PAGE_SHIFT)));
	KT_EXPECT_EQ(t, node_check(&contig_node, true), 0);
}

static const struct ktest_case boot_cases[] = {
	KTEST_CASE(direct_map_and_vmemmap),
	KTEST_CASE(limits_respected),
	KTEST_CASE(accounting),
	KTEST_END,
};

const struct ktest_suite boot_suite = { "boot", boot_cases };
