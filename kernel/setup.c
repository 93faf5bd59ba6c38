/* kernel/setup.c - from the firmware's memory map to a running buddy allocator.
 *
 * Order matters: the early page tables map only the low 4 GiB, so the boot allocator is first
 * limited to it while it hands out the page tables of the full direct map; then the vmemmap
 * (one 32-byte struct page per frame, populated per 128 MiB section that holds RAM) is mapped
 * from anywhere; then zones are sized and every frame memblock did not keep goes to the buddy.
 * The steps that only keep books (reading the map, memblock, reservations, which sections get
 * descriptors, the summary) are mm/boot_mem.c's, which mb2dump (tools/mb2sim.c) runs too; this
 * file keeps what touches the machine: page tables, the vmemmap's mapping, ACPI's NUMA tables.
 */
#include "kernel/setup.h"
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/smp.h"
#include "mm/numa.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "mm/memblock.h"
#include "mm/boot_mem.h"
#include "mm/zone.h"
#include "lib/bitops.h"
#include "lib/cmdline.h"

#define MAX_RAW_ENTRIES 4096

struct boot_params boot_params;
static struct memblock boot_memblock __initbss;
static struct mem_raw raw_map[MAX_RAW_ENTRIES] __initbss;
static struct mem_range e820[2 * MAX_RAW_ENTRIES + 1] __initbss;
static struct mem_range e820_scratch[2 * MAX_RAW_ENTRIES] __initbss;

/* pt_alloc_fn over memblock: a zeroed page reachable through the direct map, or 0. */
/* Page-table pages inside the kernel image, for a map with no usable RAM below 4 GiB (where
 * memblock could not give the direct map its first tables): 16 pages map 16 GiB with 2 MiB
 * pages, or anything up to 8 TiB with 1 GiB pages. */
#define PT_POOL_PAGES 16
static u8 pt_pool[PT_POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned int pt_pool_used;

static phys_addr_t pt_alloc(void *arg)
{
	struct memblock *mb = arg;
	phys_addr_t p = memblock_alloc(mb, PAGE_SIZE, PAGE_SIZE);

	if (!p && pt_pool_used < PT_POOL_PAGES)
		p = virt_to_phys(pt_pool[pt_pool_used++]);	/* zeroed .bss */
	if (p) {
		memset(phys_to_virt(p), 0, PAGE_SIZE);
		boot_params.pgtable_bytes += PAGE_SIZE;
	}
	return p;
}

/* memmap= entries from the command line (Linux's syntax), applied over the firmware map. */
static struct memmap_user user_map;

int setup_memmap_param(const char *val)
{
	return memmap_user_param(&user_map, val);
}

/* Read, sanitize, cap and print the firmware map. Returns the entry count or -1. */
static int read_e820(const struct mb2_info *mb2)
{
	struct boot_map m = {
		.raw = raw_map, .raw_cap = MAX_RAW_ENTRIES,
		.map = e820, .scratch = e820_scratch, .map_cap = (int)ARRAY_SIZE(e820),
		.user = &user_map, .mem_limit = boot_params.mem_limit, .phys_bits = MAX_PHYS_BITS,
	};

	return boot_read_map(mb2, &m);
}

static void reserve_boot_data(struct memblock *mb, const struct mb2_info *mb2, u64 mbi_phys)
{
	boot_reserve(mb, 0, PAGE_SIZE, "first page (real-mode IVT/BDA)");
	/* The real-mode page where the other CPUs start (kernel/smp.c: the STARTUP IPI's vector
	 * is its page number, so it must be below 1 MiB); kept from every allocator for good,
	 * as a CPU that answers late may still run it. Not RAM (a hostile map): no other CPUs. */
	smp_trampoline_ram = memblock_is_memory(mb, SMP_TRAMPOLINE_PHYS, PAGE_SIZE);
	boot_reserve(mb, SMP_TRAMPOLINE_PHYS, PAGE_SIZE, "AP trampoline (SMP start-up code)");
	boot_reserve(mb, kernel_phys_start(), kernel_phys_end() - kernel_phys_start(),
		     "kernel image");
	boot_params.kernel_bytes = (u64)(kernel_phys_end() - kernel_phys_start()) -
				   (u64)(__init_end - __init_begin);
	boot_reserve(mb, mbi_phys, mb2->total_size, "multiboot2 information");
	for (u32 i = 0; i < mb2->nr_modules; i++)
		boot_reserve(mb, mb2->modules[i].start, mb2->modules[i].end - mb2->modules[i].start,
			     "module");
}

/* boot_populate_vmemmap's map: the descriptors of [first, ...) at VMEMMAP_START, mapped to
 * the memory at phys (page tables from memblock). */
static int vmemmap_map(void *arg, unsigned long first, phys_addr_t phys, size_t bytes)
{
	uintptr_t va = VMEMMAP_START + first * sizeof(struct page);

	return map_pages(va, phys, bytes >> PAGE_SHIFT, pt_alloc, arg) < 0 ? -1 : 0;
}

/* The boot allocator's own tables and the map buffers are not needed any more: give their
 * frames to the buddy allocator, as Linux's free_initmem() does. */
static void free_initmem(const struct memblock *mb)
{
	unsigned long first = virt_to_phys(__init_begin) >> PAGE_SHIFT;
	unsigned long count = (unsigned long)(__init_end - __init_begin) >> PAGE_SHIFT;
	unsigned long freed = 0;

	/* Only frames the map calls usable RAM: a hostile map may place the image elsewhere. */
	for (unsigned long pfn = first; pfn < first + count; pfn++) {
		if (!memblock_is_memory(mb, (phys_addr_t)pfn << PAGE_SHIFT, PAGE_SIZE))
			continue;
		node_release_range(&contig_node, pfn, 1);
		freed++;
	}
	node_setup_watermarks(&contig_node);
	printk(KERN_INFO "Freeing unused kernel image (initmem) memory: %luK\n", freed * 4);
	if (freed < count)
		printk(KERN_INFO "initmem: %luK not given back: not usable RAM in the memory map\n",
		       (count - freed) * 4);
}

static void print_summary(u64 boot_alloc)
{
	const struct boot_mem_stats st = {
		.usable = boot_params.usable_bytes, .kernel = boot_params.kernel_bytes,
		.memmap = boot_params.memmap_bytes, .pgtables = boot_params.pgtable_bytes,
		.sections = boot_params.sections, .boot_alloc = boot_alloc,
	};

	boot_params.reserved_bytes = boot_print_summary(&contig_node, &st);
}

/* The proximity domain of each node (numa_setup() fills it; node 0's is 0 without SRAT). */
static u32 node_domain[MAX_NUMNODES];

static unsigned int slit_distance(void *arg, u32 from, u32 to)
{
	return acpi_distance(arg, from, to);
}

/* Nodes from the SRAT's memory affinity ranges, distances from the SLIT (mm/numa.c's
 * numa_boot_layout); one node without an SRAT or when its ranges cannot be used. */
static void numa_setup(struct node_layout *lay)
{
	static struct numa_range ranges[ACPI_MAX_MEM_AFFINITY];
	unsigned int n = 0;

	if (!acpi_info.has_srat)
		return;
	for (unsigned int i = 0; i < acpi_info.nr_mem_affinity; i++) {
		const struct acpi_mem_affinity *m = &acpi_info.mem_affinity[i];
		if (m->flags & ACPI_MEM_ENABLED)
			ranges[n++] = (struct numa_range){ m->base, m->length, m->domain };
	}
	numa_boot_layout(ranges, n, lay, node_domain, slit_distance, &acpi_info);
}

void numa_cpus_init(void)
{
	struct mm_node *n = &contig_node;
	unsigned int cpu;

	if (n->nr_nodes < 2)
		return;
	for_each_online_cpu(cpu) {
		long dom = acpi_cpu_domain(&acpi_info, per_cpu_area(cpu)->apic_id);
		int nid = -1;
		for (unsigned int i = 0; dom >= 0 && i < n->nr_nodes; i++)
			if (node_domain[i] == (u32)dom)
				nid = (int)i;
		/* A CPU without affinity or in a domain without memory: its nearest node. */
		for (unsigned int i = 0; nid < 0 && dom >= 0 && i < n->nr_nodes; i++)
			if (nid < 0 || acpi_distance(&acpi_info, (u32)dom, node_domain[i]) <
				       acpi_distance(&acpi_info, (u32)dom, node_domain[nid]))
				nid = (int)i;
		node_set_cpu_node(n, cpu, nid < 0 ? 0 : nid);
	}
	for (unsigned int i = 0; i < n->nr_nodes; i++) {
		char line[128];
		int len = ksnprintf(line, sizeof(line), "NUMA: node %u (domain %u) CPUs:", i,
				    node_domain[i]);
		for_each_online_cpu(cpu)
			if (n->cpu[cpu].nid == (int)i && len < (int)sizeof(line) - 4)
				len += ksnprintf(line + len, sizeof(line) - (size_t)len, " %u", cpu);
		printk(KERN_INFO "%s\n", line);
	}
}

int mm_setup(const struct mb2_info *mb2, u64 mbi_phys)
{
	struct memblock *mb = &boot_memblock;
	int n = read_e820(mb2);

	if (n < 0)
		return -1;
	boot_params.usable_bytes = boot_memblock_init(mb, e820, n);
	boot_params.max_phys = memblock_end(mb);
	reserve_boot_data(mb, mb2, mbi_phys);
	if (!boot_params.usable_bytes) {
		printk(KERN_ERR "setup: no usable RAM in the memory map\n");
		return -1;
	}

	/* Page tables of the direct map must come from what the early map covers: low 4 GiB. */
	u64 t0 = rdtsc();
	mb->alloc_limit = 4ULL << 30;
	boot_params.gbpages = cpu_has_gbpages();
	if (direct_map_init(boot_params.max_phys, pt_alloc, mb) < 0) {
		printk(KERN_ERR "setup: out of page-table pages for the direct map (no usable RAM "
		       "below 4 GiB and the built-in pool spent)\n");
		return -1;
	}
	identity_unmap();
	mb->alloc_limit = 0;

	unsigned long max_pfn = boot_params.max_phys >> PAGE_SHIFT;
	size_t words = section_bitmap_words(max_pfn);
	phys_addr_t sec = memblock_alloc(mb, words * sizeof(u64), PAGE_SIZE);
	if (!sec) {
		printk(KERN_ERR "setup: out of memory for the section map\n");
		return -1;
	}
	u64 *sections = phys_to_virt(sec);
	node_mark_sections(mb, max_pfn, sections);
	phys_addr_t pb = memblock_alloc(mb, pageblock_bitmap_words(max_pfn) * sizeof(u64), 8);
	if (!pb) {
		printk(KERN_ERR "setup: out of memory for the pageblock bitmap\n");
		return -1;
	}
	struct boot_vmemmap_ops vops = { vmemmap_map, mb };
	struct boot_vmemmap_result vres;
	boot_populate_vmemmap(mb, max_pfn, sections, &vops, &vres);
	boot_params.memmap_bytes += vres.bytes;
	boot_params.sections += vres.sections;
	boot_params.usable_bytes = memblock_phys_mem_size(mb);	/* less what had no descriptors */
	if (!boot_params.usable_bytes) {
		printk(KERN_ERR "setup: no usable RAM has frame descriptors\n");
		return -1;
	}

	struct node_layout lay = {
		.vmemmap = (struct page *)VMEMMAP_START,
		.virt_base = PAGE_OFFSET,
		.max_pfn = max_pfn,
		.sections = sections,
		.pageblock_flags = phys_to_virt(pb),
		.zone_end_pfn = { DMA_END_PFN, DMA32_END_PFN, ~0UL },
	};
	acpi_init(mb2);		/* CPUs (MADT), NUMA affinity (SRAT, SLIT): through the direct map */
	numa_setup(&lay);
	node_init(&contig_node, &lay, mb);
	node_free_memblock(&contig_node, mb);
	boot_params.init_ticks = rdtsc() - t0;
	printk(KERN_INFO "direct map: [mem 0x0-%#llx] at %#lx with %s pages\n",
	       (unsigned long long)boot_params.max_phys - 1, PAGE_OFFSET,
	       boot_params.gbpages ? "1 GiB" : "2 MiB");
	u64 boot_alloc = mb->allocated;		/* mb lives in the init section: read it first */
	free_initmem(mb);		/* reads mb, which lives in the init section: before it goes */
	print_summary(boot_alloc);
	return 0;
}
