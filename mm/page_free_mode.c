/* mm/page_free_mode.c - switching what freeing does to a node's frames (init_on_free,
 * page_poison; see mm/page_poison.c for what each mode does), and the command line's requests.
 *
 * Turning page_poison on takes the owner table (one word per frame of every present section)
 * from the node's own page allocator, so this file sits above page_alloc.c; page_alloc.c calls
 * only the hooks of page_poison.c, which sits below it. Layers, each calling only the ones
 * before it: buddy.c <- zone.c <- page_poison.c <- page_alloc.c <- page_free_mode.c.
 * Call the switch while no other CPU allocates from the node.
 */
#include "mm/internal.h"
#include "lib/bitops.h"
#include "lib/kernel.h"

bool page_poison_param, init_on_free_param;

/* ---- the owner table: per present section, one word per frame ---- */

static unsigned long nr_sections(const struct mm_node *n)
{
	return (n->max_pfn + PAGES_PER_SECTION - 1) >> SECTION_SHIFT;
}

/* Bytes of section s's table: its frames below max_pfn. */
static size_t section_table_bytes(const struct mm_node *n, unsigned long s)
{
	return MIN(PAGES_PER_SECTION, n->max_pfn - (s << SECTION_SHIFT)) * sizeof(unsigned long);
}

static void *table_alloc(struct mm_node *n, size_t bytes)
{
	struct page *p = node_alloc_pages(n, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
					  get_order(bytes));
	return p ? node_page_address(n, p) : NULL;
}

static void table_free(struct mm_node *n, void *table, size_t bytes)
{
	node_free_pages(n, node_virt_to_page(n, table), get_order(bytes));
}

static void owner_table_free(struct mm_node *n)
{
	unsigned long **t = n->page_owner;

	if (!t)
		return;
	n->page_owner = NULL;
	for (unsigned long s = 0; s < nr_sections(n); s++)
		if (t[s])
			table_free(n, t[s], section_table_bytes(n, s));
	table_free(n, t, nr_sections(n) * sizeof(*t));
}

static int owner_table_alloc(struct mm_node *n)
{
	unsigned long **t = table_alloc(n, nr_sections(n) * sizeof(*t));

	if (!t)
		return -1;
	n->page_owner = t;
	for (unsigned long s = 0; s < nr_sections(n); s++) {
		if (!node_pfn_valid(n, s << SECTION_SHIFT))
			continue;
		t[s] = table_alloc(n, section_table_bytes(n, s));
		if (!t[s]) {
			owner_table_free(n);
			return -1;
		}
	}
	return 0;
}

/* ---- switching ---- */

static void set_mode(struct mm_node *n, enum page_free_mode mode)
{
	n->free_mode = (u8)mode;
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		n->cpu[cpu].page_poison = mode == PAGE_FREE_POISON;
}

/* Clear PG_poison on every frame of n: what is free now will not be checked. */
static void forget_poison(struct mm_node *n)
{
	for (unsigned long pfn = 0; pfn < n->max_pfn; pfn++) {
		if (!node_pfn_valid(n, pfn)) {
			pfn |= PAGES_PER_SECTION - 1;
			continue;
		}
		node_pfn_to_page_raw(n, pfn)->flags &= (u16)~PG_poison;
	}
}

int node_set_page_free_mode(struct mm_node *n, enum page_free_mode mode)
{
	bool was = n->free_mode == PAGE_FREE_POISON, now = mode == PAGE_FREE_POISON;

	if ((unsigned int)mode > PAGE_FREE_POISON)
		return -1;
	if (was && !now) {
		set_mode(n, mode);	/* first: the table's pages are freed unpoisoned */
		forget_poison(n);
		owner_table_free(n);
		return 0;
	}
	int ret = 0;
	if (now && !was && owner_table_alloc(n) < 0) {
		printk(KERN_WARNING "page_poison: no memory for the owner table: reports will not "
		       "name the allocating caller\n");
		ret = -1;
	}
	set_mode(n, mode);
	return ret;
}

void mem_auto_init(struct mm_node *n)
{
	if (page_poison_param && init_on_free_param)
		printk(KERN_INFO "mem auto-init: page_poison is on, will take precedence over "
		       "init_on_free\n");
	if (page_poison_param) {
		node_set_page_free_mode(n, PAGE_FREE_POISON);
		printk(KERN_INFO "mem auto-init: page_poison: freed pages are filled with 0x%02x and "
		       "checked when allocated again (pages free since boot are not)\n", PAGE_POISON);
	} else if (init_on_free_param) {
		node_set_page_free_mode(n, PAGE_FREE_ZERO);
		printk(KERN_INFO "mem auto-init: stack:off, heap alloc:off, heap free:on (freed pages "
		       "are zeroed; slab objects and pages free since boot are not)\n");
	}
}

