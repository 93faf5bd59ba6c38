/* mm/show.c - the reports, in Linux's formats: /proc/slabinfo for every slab cache, and for a
 * node /proc/buddyinfo, /proc/meminfo's totals, the NUMA layout, "Zone ranges:" and one line
 * per zone. Printing only: they read the allocators' state (mm/slab.c, mm/zone.c,
 * mm/page_alloc.c) and change nothing; safe to call at any time after set-up.
 */
#include "mm/slab_internal.h"
#include "lib/string.h"

/* ---- slab ---- */

void slabinfo_print(void)
{
	unsigned long irqflags = 0;
	struct list_head *pos;

	printk(KERN_INFO "slabinfo - version: 2.1\n");
	printk(KERN_INFO "# name            <active_objs> <num_objs> <objsize> <objperslab> "
	       "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
	       "<active_slabs> <num_slabs> <sharedavail>\n");
	spin_lock_irqsave(&slab_caches_lock, irqflags);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		unsigned long total = s->nr_slabs * s->objects;
		printk(KERN_INFO "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata "
		       "%6lu %6lu %6u\n", s->name, total - cache_free_objects(s), total, s->size,
		       s->objects, 1 << s->order, 0, 0, 0, s->nr_slabs, s->nr_slabs, 0);
	}
	spin_unlock_irqrestore(&slab_caches_lock, irqflags);
}

unsigned long slab_pages(void)
{
	unsigned long irqflags = 0;
	unsigned long pages = 0;
	struct list_head *pos;
	spin_lock_irqsave(&slab_caches_lock, irqflags);
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		pages += s->nr_slabs << s->order;
	}
	spin_unlock_irqrestore(&slab_caches_lock, irqflags);
	return pages;
}

/* ---- node and zones ---- */

void node_print_buddyinfo(const struct mm_node *n)
{
	char line[160];

	for (unsigned int i = 0; i < n->nr_zones; i++) {
		const struct zone *z = &n->zones[i];
		if (!z->managed_pages)
			continue;
		int len = ksnprintf(line, sizeof(line), "Node %d, zone %8s ", z->nid, z->name);
		for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
			len += ksnprintf(line + len, sizeof(line) - (size_t)len, "%6lu ",
					 z->free_area[k].nr_free);
		printk(KERN_INFO "%s\n", line);
	}
}

void node_print_meminfo(const struct mm_node *n)
{
	unsigned long kb = PAGE_SIZE / 1024;

	printk(KERN_INFO "MemTotal:       %8lu kB\n", node_managed_pages(n, -1) * kb);
	printk(KERN_INFO "MemFree:        %8lu kB\n", node_nr_free_pages(n) * kb);
	for (unsigned int nid = 0; n->nr_nodes > 1 && nid < n->nr_nodes; nid++) {
		printk(KERN_INFO "Node %u MemTotal:       %8lu kB\n", nid,
		       node_managed_pages(n, (int)nid) * kb);
		printk(KERN_INFO "Node %u MemFree:        %8lu kB\n", nid,
		       node_free_pages_nid(n, (int)nid) * kb);
	}
}

void node_print_numa(const struct mm_node *n)
{
	char line[96];

	for (unsigned int nid = 0; nid < n->nr_nodes; nid++)
		printk(KERN_INFO "NUMA: node %u [mem 0x%016llx-0x%016llx]\n", nid,
		       (unsigned long long)n->node_start_pfn[nid] << PAGE_SHIFT,
		       ((unsigned long long)n->node_end_pfn[nid] << PAGE_SHIFT) - 1);
	if (n->nr_nodes < 2)
		return;
	printk(KERN_INFO "node distances:\n");
	int len = ksnprintf(line, sizeof(line), "node ");
	for (unsigned int j = 0; j < n->nr_nodes; j++)
		len += ksnprintf(line + len, sizeof(line) - (size_t)len, "%4u", j);
	printk(KERN_INFO "%s\n", line);
	for (unsigned int i = 0; i < n->nr_nodes; i++) {
		len = ksnprintf(line, sizeof(line), "%3u: ", i);
		for (unsigned int j = 0; j < n->nr_nodes; j++)
			len += ksnprintf(line + len, sizeof(line) - (size_t)len, "%4u", n->distance[i][j]);
		printk(KERN_INFO "%s\n", line);
	}
}

/* Linux's "Zone ranges:": each zone type's extent over all nodes. */
void node_print_zone_ranges(const struct mm_node *n)
{
	printk(KERN_INFO "Zone ranges:\n");
	for (unsigned int t = 0; t < MAX_NR_ZONES; t++) {
		unsigned long lo = ~0UL, hi = 0;
		for (unsigned int i = t; i < n->nr_zones; i += MAX_NR_ZONES) {
			const struct zone *z = &n->zones[i];
			if (z->present_pages) {
				lo = MIN(lo, z->start_pfn);
				hi = MAX(hi, z->end_pfn);
			}
		}
		if (hi == 0)
			printk(KERN_INFO "  %-8s empty\n", n->zones[t].name);
		else
			printk(KERN_INFO "  %-8s [mem 0x%016llx-0x%016llx]\n", n->zones[t].name,
			       (unsigned long long)lo << PAGE_SHIFT,
			       ((unsigned long long)hi << PAGE_SHIFT) - 1);
	}
}

void node_print_zones(const struct mm_node *n)
{
	char node[16] = "";

	for (unsigned int i = 0; i < n->nr_zones; i++) {
		const struct zone *z = &n->zones[i];
		if (!z->present_pages)
			continue;
		if (n->nr_nodes > 1)
			ksnprintf(node, sizeof(node), "node %d ", z->nid);
		printk(KERN_INFO "%szone %-6s: pfn %#lx-%#lx present %lu managed %lu free %lu "
		       "min %lu low %lu high %lu reserve %lu/%lu/%lu\n", node,
		       z->name, z->start_pfn, z->end_pfn - 1, z->present_pages, z->managed_pages,
		       z->free_pages, z->watermark[WMARK_MIN], z->watermark[WMARK_LOW],
		       z->watermark[WMARK_HIGH], z->lowmem_reserve[0], z->lowmem_reserve[1],
		       z->lowmem_reserve[2]);
	}
}

/* ---- fragmentation ---- */

/* Thousandths as Linux prints them: "0.125", "-1.000". */
static void print_thousandths(char *buf, size_t size, int v)
{
	ksnprintf(buf, size, "%s%d.%03d", v < 0 ? "-" : "", (v < 0 ? -v : v) / 1000,
		  (v < 0 ? -v : v) % 1000);
}

void node_print_frag(const struct mm_node *n, const char *when)
{
	static const unsigned int orders[] = { 3, 6, 9 };
	char u[16], e[16];

	for (unsigned int i = 0; i < n->nr_zones; i++) {
		const struct zone *z = &n->zones[i];
		if (!z->managed_pages)
			continue;
		for (unsigned int j = 0; j < ARRAY_SIZE(orders); j++) {
			struct frag_index f = zone_frag_index(z, orders[j]);
			print_thousandths(u, sizeof(u), f.unusable);
			print_thousandths(e, sizeof(e), f.extfrag);
			printk(KERN_INFO "FRAG %s node=%d zone=%s order=%u unusable=%s extfrag=%s\n",
			       when, z->nid, z->name, orders[j], u, e);
		}
	}
}

/* Blocks on z's order-k list of type t (z->lock held). */
static unsigned long count_free_list(const struct zone *z, unsigned int k, unsigned int t)
{
	const struct list_head *head = &z->free_area[k].free_list[t], *pos;
	unsigned long count = 0;

	for (pos = head->next; pos != head; pos = pos->next)
		count++;
	return count;
}

static void print_pagetype_free(struct mm_node *n)
{
	char line[160];
	int len = ksnprintf(line, sizeof(line), "%-43s ", "Free pages count per migrate type at order");

	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
		len += ksnprintf(line + len, sizeof(line) - (size_t)len, "%6u ", k);
	printk(KERN_INFO "%s\n", line);
	for (unsigned int i = 0; i < n->nr_zones; i++) {
		struct zone *z = &n->zones[i];
		unsigned long counts[MIGRATE_TYPES][NR_PAGE_ORDERS], flags;
		if (!z->managed_pages)
			continue;
		spin_lock_irqsave(&z->lock, flags);
		for (unsigned int t = 0; t < MIGRATE_TYPES; t++)
			for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
				counts[t][k] = count_free_list(z, k, t);
		spin_unlock_irqrestore(&z->lock, flags);
		for (unsigned int t = 0; t < MIGRATE_TYPES; t++) {
			len = ksnprintf(line, sizeof(line), "Node %4d, zone %8s, type %12s ", z->nid,
					z->name, migratetype_names[t]);
			for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
				len += ksnprintf(line + len, sizeof(line) - (size_t)len, "%6lu ",
						 counts[t][k]);
			printk(KERN_INFO "%s\n", line);
		}
	}
}

void node_pageblock_counts(const struct zone *z, unsigned long count[MIGRATE_TYPES])
{
	const struct mm_node *n = z->node;

	for (unsigned int t = 0; t < MIGRATE_TYPES; t++)
		count[t] = 0;
	for (unsigned long pfn = z->start_pfn; pfn < z->end_pfn; pfn += pageblock_nr_pages)
		if (node_pfn_valid(n, pfn))
			count[node_pageblock_migratetype(n, pfn)]++;
}

void node_print_pagetypeinfo(struct mm_node *n)
{
	char line[160];

	if (!n->pageblock_flags)
		return;
	printk(KERN_INFO "Page block order: %d\n", pageblock_order);
	printk(KERN_INFO "Pages per block:  %lu\n", pageblock_nr_pages);
	printk(KERN_INFO "\n");
	print_pagetype_free(n);
	int len = ksnprintf(line, sizeof(line), "\n%-23s", "Number of blocks type ");
	for (unsigned int t = 0; t < MIGRATE_TYPES; t++)
		len += ksnprintf(line + len, sizeof(line) - (size_t)len, "%12s ", migratetype_names[t]);
	printk(KERN_INFO "%s\n", line);
	for (unsigned int i = 0; i < n->nr_zones; i++) {
		const struct zone *z = &n->zones[i];
		unsigned long count[MIGRATE_TYPES];
		if (!z->managed_pages)
			continue;
		node_pageblock_counts(z, count);
		len = ksnprintf(line, sizeof(line), "Node %d, zone %8s ", z->nid, z->name);
		for (unsigned int t = 0; t < MIGRATE_TYPES; t++)
			len += ksnprintf(line + len, sizeof(line) - (size_t)len, "%12lu ", count[t]);
		printk(KERN_INFO "%s\n", line);
	}
}
