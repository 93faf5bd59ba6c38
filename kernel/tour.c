/* kernel/tour.c - a short tour of the page allocator, in the spirit of the chapter "Kernel
 * Memory Allocation for Module Authors" of Linux Kernel Programming: what each call returns,
 * where it landed, and what it did to /proc/buddyinfo. Ends where it started. */
#include "kernel/tour.h"
#include "kernel/arch.h"
#include "lib/kernel.h"
#include "lib/bitops.h"
#include "lib/string.h"
#include "mm/gfp.h"
#include "mm/zone.h"

static unsigned long snapshot[MAX_ZONES][NR_PAGE_ORDERS];

/* Per-CPU page lists are drained first, so that buddyinfo shows every free frame. */
static void take_snapshot(void)
{
	node_drain_pages(&contig_node);
	for (unsigned int z = 0; z < contig_node.nr_zones; z++)
		for (int k = 0; k < NR_PAGE_ORDERS; k++)
			snapshot[z][k] = contig_node.zones[z].free_area[k].nr_free;
}

static bool same_as_snapshot(void)
{
	node_drain_pages(&contig_node);
	for (unsigned int z = 0; z < contig_node.nr_zones; z++)
		for (int k = 0; k < NR_PAGE_ORDERS; k++)
			if (snapshot[z][k] != contig_node.zones[z].free_area[k].nr_free)
				return false;
	return true;
}

static const char *zone_of(const struct page *p)
{
	return contig_node.zones[p->zone].name;
}

/* One block: where it is and what it is. */
static void show_block(const char *what, const struct page *p, unsigned int order)
{
	phys_addr_t phys = (phys_addr_t)page_to_pfn(p) << PAGE_SHIFT;
	printk(KERN_INFO "  %-22s order %2u %6lu KiB  virt %p  phys %#012llx  zone %s\n", what,
	       order, (PAGE_SIZE << order) >> 10, page_address(p), (unsigned long long)phys,
	       zone_of(p));
}

static void tour_one_page(void)
{
	printk(KERN_INFO "tour: one page: p = alloc_page(GFP_KERNEL), then __free_page(p)\n");
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	if (!p)
		return;
	show_block("alloc_page", p, 0);
	const struct per_cpu_pages *pcp = &contig_node.zones[p->zone].pcp[0];
	printk(KERN_INFO "  buddyinfo with the page taken: the CPU's order-0 list was empty, so it "
	       "was refilled with a batch of %u pages from the buddy (%u are left on it)%s:\n",
	       pcp->count + 1, pcp->count, snapshot[p->zone][0] == 0 ?
	       ", splitting a larger block" : "");
	node_print_buddyinfo(&contig_node);
	__free_pages(p, 0);
}

static void tour_every_order(void)
{
	struct page *blocks[NR_PAGE_ORDERS];

	printk(KERN_INFO "tour: one block of each order: alloc_pages(GFP_KERNEL, order)\n");
	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++) {
		blocks[k] = alloc_pages(GFP_KERNEL, k);
		if (blocks[k])
			show_block("alloc_pages", blocks[k], k);
	}
	printk(KERN_INFO "  buddyinfo with all %u blocks taken:\n", NR_PAGE_ORDERS);
	node_print_buddyinfo(&contig_node);
	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
		if (blocks[k])
			__free_pages(blocks[k], k);
}

static void tour_zones(void)
{
	printk(KERN_INFO "tour: zone modifiers: GFP_DMA (below 16 MiB), GFP_DMA32 (below 4 GiB)\n");
	struct page *d = alloc_pages(GFP_DMA, 0), *d32 = alloc_pages(GFP_DMA32, 0);
	if (d)
		show_block("alloc_pages(GFP_DMA)", d, 0);
	if (d32)
		show_block("alloc_pages(GFP_DMA32)", d32, 0);
	if (d)
		__free_pages(d, 0);
	if (d32)
		__free_pages(d32, 0);
}

static void tour_exact(void)
{
	size_t size = 300 * 1024 + 100;
	unsigned int order = get_order(size);
	unsigned long before = nr_free_pages();

	printk(KERN_INFO "tour: alloc_pages_exact(%zu) versus the order-%u block it rounds to\n",
	       size, order);
	void *p = alloc_pages_exact(size, GFP_KERNEL);
	if (!p)
		return;
	unsigned long used = before - nr_free_pages(), block = 1UL << order;
	printk(KERN_INFO "  alloc_pages_exact: %lu pages (%lu KiB) at %p; __get_free_pages(order %u) "
	       "would take %lu pages (%lu KiB): %lu KiB saved\n", used, used * 4, p, order, block,
	       block * 4, (block - used) * 4);
	free_pages_exact(p, size);
}

int kernel_tour(void)
{
	take_snapshot();
	printk(KERN_INFO "tour: buddyinfo at the start, the per-CPU page lists drained:\n");
	node_print_buddyinfo(&contig_node);
	tour_one_page();
	tour_every_order();
	tour_zones();
	tour_exact();
	node_drain_pages(&contig_node);	/* per-CPU lists back to the buddy, as at the start */
	printk(KERN_INFO "tour: buddyinfo at the end, the per-CPU lists drained:\n");
	node_print_buddyinfo(&contig_node);
	node_print_meminfo(&contig_node);
	bool same = same_as_snapshot();
	int problems = node_check(&contig_node, true);
	printk(KERN_INFO "tour: buddyinfo back where it started: %s; invariant check: %d problems\n",
	       same ? "yes" : "NO", problems);
	return same && problems == 0 ? 0 : -1;
}
