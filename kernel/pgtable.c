/* kernel/pgtable.c - 4-level x86_64 page tables: the direct map of all RAM at PAGE_OFFSET,
 * 4 KiB mappings for the vmemmap and for uncached device registers (ioremap_uc), lookups, and
 * removal of the boot identity map.
 * The live tables are boot/entry.asm's (found via CR3); new table pages come only from the
 * caller's pt_alloc_fn and are reached through the direct map. */
#include "kernel/arch.h"
#include "lib/kernel.h"

#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_PWT		(1ULL << 3)	/* with PCD and PAT 0: PAT entry 3, uncached (UC) */
#define PTE_PCD		(1ULL << 4)
#define PTE_PS		(1ULL << 7)	/* 1 GiB page in a PDPT, 2 MiB page in a PD */
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL
#define PTRS_PER_TABLE	512

#define PML4_SHIFT	39
#define PDPT_SHIFT	30
#define PD_SHIFT	21
#define SIZE_1G		(1ULL << PDPT_SHIFT)
#define SIZE_2M		(1ULL << PD_SHIFT)
#define KERNEL_HALF	0xffff800000000000UL	/* lowest canonical kernel-half address */

#define PTE_TABLE	(PTE_P | PTE_W)			/* link to a lower-level table */
#define PTE_LEAF_DATA	(PTE_P | PTE_W | PTE_NX)	/* writable, non-executable data */
#define PTE_LEAF_UC	(PTE_LEAF_DATA | PTE_PCD | PTE_PWT)	/* device registers */

/* Flush all (non-global) TLB entries by reloading CR3. */
static void flush_tlb(void)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}

/* The live PML4, through the direct map. */
static u64 *pml4_table(void)
{
	return phys_to_virt(read_cr3() & PTE_ADDR_MASK);
}

/* Index of virt in the table of the level whose entries cover 1 << shift bytes. */
static unsigned int pt_index(uintptr_t virt, unsigned int shift)
{
	return (virt >> shift) & (PTRS_PER_TABLE - 1);
}

/* The table a present, non-leaf entry points to. */
static u64 *entry_table(u64 entry)
{
	return phys_to_virt(entry & PTE_ADDR_MASK);
}

/* The table *entry links to; an empty entry gets a fresh page from alloc. NULL when the entry
 * is a large-page leaf or no page could be allocated. */
static u64 *table_get_or_alloc(u64 *entry, pt_alloc_fn alloc, void *ctx)
{
	phys_addr_t page;

	if (*entry & PTE_P)
		return (*entry & PTE_PS) ? NULL : entry_table(*entry);
	page = alloc(ctx);
	if (!page || !IS_ALIGNED(page, PAGE_SIZE))
		return NULL;
	*entry = page | PTE_TABLE;
	return phys_to_virt(page);
}

/* Does the CPU support 1 GiB pages (CPUID 0x80000001 EDX bit 26)? */
bool cpu_has_gbpages(void)
{
	u32 a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	return d & (1U << 26);
}

/* Direct-map the 1 GiB at pa with 2 MiB pages (up to end) below the PDPT entry pdpte. */
static int direct_map_2m(u64 *pdpte, phys_addr_t pa, phys_addr_t end, pt_alloc_fn alloc,
			 void *ctx)
{
	u64 *pd;

	if (*pdpte & PTE_PS)
		return 0;			/* already a 1 GiB page */
	pd = table_get_or_alloc(pdpte, alloc, ctx);
	if (!pd)
		return -1;
	for (unsigned int i = 0; i < PTRS_PER_TABLE && pa < end; i++, pa += SIZE_2M) {
		if (!(pd[i] & PTE_P))
			pd[i] = pa | PTE_LEAF_DATA | PTE_PS;
	}
	return 0;
}

/* Map [0, end) at PAGE_OFFSET, 1 GiB (rounded up) or 2 MiB granular; keeps existing entries. */
int direct_map_init(phys_addr_t end, pt_alloc_fn alloc, void *ctx)
{
	bool gbpages = cpu_has_gbpages();
	u64 *pml4 = pml4_table();
	int ret = 0;

	if (end > (1ULL << MAX_PHYS_BITS))
		return -1;
	for (phys_addr_t pa = 0; pa < end && ret == 0; pa += SIZE_1G) {
		uintptr_t va = PAGE_OFFSET + pa;
		u64 *pdpt = table_get_or_alloc(&pml4[pt_index(va, PML4_SHIFT)], alloc, ctx);
		u64 *pdpte;

		if (!pdpt) {
			ret = -1;
			break;
		}
		pdpte = &pdpt[pt_index(va, PDPT_SHIFT)];
		if (!gbpages)
			ret = direct_map_2m(pdpte, pa, end, alloc, ctx);
		else if (!(*pdpte & PTE_P))
			*pdpte = pa | PTE_LEAF_DATA | PTE_PS;
		/* a present non-leaf entry here is a boot page directory: already maps this GiB */
	}
	flush_tlb();
	return ret;
}

/* The PTE slot for virt, allocating PDPT/PD/PT pages as needed; NULL on a large-page leaf
 * on the way or an allocation failure. */
static u64 *pte_get_or_alloc(uintptr_t virt, pt_alloc_fn alloc, void *ctx)
{
	u64 *table = pml4_table();

	for (unsigned int shift = PML4_SHIFT; shift > PAGE_SHIFT; shift -= 9) {
		table = table_get_or_alloc(&table[pt_index(virt, shift)], alloc, ctx);
		if (!table)
			return NULL;
	}
	return &table[pt_index(virt, PAGE_SHIFT)];
}

/* Map npages 4 KiB pages virt -> phys with the leaf flags prot; -1 on bad arguments, an existing
 * mapping or allocation failure (pages mapped before the failure stay mapped). */
static int map_pages_prot(uintptr_t virt, phys_addr_t phys, size_t npages, u64 prot,
			  pt_alloc_fn alloc, void *ctx)
{
	int ret = 0;

	if (!IS_ALIGNED(virt, PAGE_SIZE) || !IS_ALIGNED(phys, PAGE_SIZE) || virt < KERNEL_HALF)
		return -1;
	if (npages > (0 - (u64)virt) >> PAGE_SHIFT)
		return -1;			/* would wrap around the address space */
	for (size_t i = 0; i < npages; i++) {
		u64 *pte = pte_get_or_alloc(virt + i * PAGE_SIZE, alloc, ctx);

		if (!pte || (*pte & PTE_P)) {
			ret = -1;
			break;
		}
		*pte = (phys + i * PAGE_SIZE) | prot;
	}
	flush_tlb();
	return ret;
}

/* Map npages 4 KiB pages virt -> phys writable + NX (see arch.h). */
int map_pages(uintptr_t virt, phys_addr_t phys, size_t npages, pt_alloc_fn alloc, void *ctx)
{
	return map_pages_prot(virt, phys, npages, PTE_LEAF_DATA, alloc, ctx);
}

/* Next free address of the I/O window: mappings are only ever added. */
static uintptr_t ioremap_next = IOREMAP_START;

void *ioremap_uc(phys_addr_t phys, size_t size, pt_alloc_fn alloc, void *ctx)
{
	phys_addr_t first = ALIGN_DOWN(phys, PAGE_SIZE);
	u64 bytes;

	if (size == 0 || phys + size < phys || phys + size > (1ULL << MAX_PHYS_BITS))
		return NULL;
	bytes = ALIGN_UP(phys + size, PAGE_SIZE) - first;
	if (bytes > IOREMAP_END - ioremap_next)
		return NULL;
	uintptr_t va = ioremap_next;
	ioremap_next += bytes;		/* even on failure: part of it may be mapped */
	if (map_pages_prot(va, first, bytes >> PAGE_SHIFT, PTE_LEAF_UC, alloc, ctx) < 0)
		return NULL;
	return (void *)(va + (phys - first));
}

/* Is virt canonical and mapped by a present 4 KiB, 2 MiB or 1 GiB page? */
bool virt_is_mapped(uintptr_t virt)
{
	u64 *table = pml4_table();
	s64 top = (s64)virt >> 47;

	if (top != 0 && top != -1)
		return false;			/* non-canonical */
	for (unsigned int shift = PML4_SHIFT; shift >= PAGE_SHIFT; shift -= 9) {
		u64 entry = table[pt_index(virt, shift)];

		if (!(entry & PTE_P))
			return false;
		if (shift == PAGE_SHIFT || ((entry & PTE_PS) && shift != PML4_SHIFT))
			return true;
		table = entry_table(entry);
	}
	return false;
}

/* Clear PML4[0] only: its PDPT is shared with the direct map (PML4[273]). */
void identity_unmap(void)
{
	pml4_table()[0] = 0;
	flush_tlb();
}
