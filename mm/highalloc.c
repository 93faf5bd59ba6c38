/* mm/highalloc.c - how well a node serves order-9 (pageblock) requests, as mmtests'
 * stress-highalloc measures it: the capacity (how many order-9 blocks the node's free memory
 * could hold, if the movable blocks sharing pageblocks with it were packed away), and a burst
 * (order-9 requests one after another until one fails, then all freed). The churn test and the
 * replay print both, beside the FRAG lines.
 *
 * Layers: the top of the page side with page_free_mode.c: it calls page_alloc.c (allocation,
 * drain) and reads the zones (zone.c); nothing calls it but tests and kernel/.
 */
#include "mm/internal.h"

/* Free frames of the pageblock at pfn, or -1 when a frame of it is neither free nor a movable
 * block (movable_lock and z->lock held). */
static long pageblock_free_if_movable(const struct zone *z, unsigned long pfn)
{
	unsigned long end = pfn + pageblock_nr_pages;
	long free = 0;

	for (unsigned int k = pageblock_order; k <= MAX_PAGE_ORDER; k++) {	/* inside a larger
										 * free block? */
		unsigned long head = pfn & ~((1UL << k) - 1);
		const struct page *h = node_pfn_to_page_raw(z->node, head);
		if (head >= z->start_pfn && PageBuddy(h) && h->order >= k)
			return (long)pageblock_nr_pages;
	}

	while (pfn < end) {
		const struct page *p = node_pfn_to_page_raw(z->node, pfn);
		if (PageBuddy(p)) {
			free += 1L << p->order;
			pfn += 1UL << p->order;
		} else if (PageMovable(p) && p->refcount > 0 && p->order <= pageblock_order) {
			pfn += 1UL << p->order;
		} else {
			return -1;
		}
	}
	return free;
}

/* z's capacity: its free frames in pageblocks of only free and movable frames, in order-9
 * blocks, and never more than its free frames above the min watermark allow. */
static unsigned long zone_highalloc_capacity(struct zone *z, unsigned long *loose)
{
	struct mm_node *n = z->node;
	unsigned long mflags, zflags, free = 0, movable = 0;

	spin_lock_irqsave(&n->movable_lock, mflags);
	spin_lock_irqsave(&z->lock, zflags);
	for (unsigned long pfn = ALIGN_UP(z->start_pfn, pageblock_nr_pages);
	     pfn + pageblock_nr_pages <= z->end_pfn; pfn += pageblock_nr_pages) {
		if (!node_pfn_valid(n, pfn))
			continue;
		long f = pageblock_free_if_movable(z, pfn);
		if (f >= 0) {
			free += (unsigned long)f;
			movable += pageblock_nr_pages - (unsigned long)f;
		}
	}
	unsigned long avail = z->free_pages > z->watermark[WMARK_MIN] ?
			      z->free_pages - z->watermark[WMARK_MIN] : 0;
	spin_unlock_irqrestore(&z->lock, zflags);
	spin_unlock_irqrestore(&n->movable_lock, mflags);
	*loose += MIN(free + movable, avail) >> pageblock_order;
	return MIN(free, avail) >> pageblock_order;
}

unsigned long node_highalloc_capacity(struct mm_node *n, unsigned long *loose)
{
	unsigned long cap = 0, l = 0;

	node_drain_pages(n);
	for (unsigned int i = 0; i < n->nr_zones; i++)
		if (n->zones[i].managed_pages)
			cap += zone_highalloc_capacity(&n->zones[i], &l);
	if (loose)
		*loose = l;
	return cap;
}

unsigned long node_highalloc_burst(struct mm_node *n, gfp_t gfp, unsigned long max)
{
	struct list_head got;
	unsigned long count = 0;
	struct page *p;

	INIT_LIST_HEAD(&got);
	while (count < max && (p = node_alloc_pages(n, gfp | __GFP_NOWARN, pageblock_order))) {
		list_add(&p->lru, &got);
		count++;
	}
	while (!list_empty(&got)) {
		p = list_first_entry(&got, struct page, lru);
		list_del(&p->lru);
		node_free_pages(n, p, pageblock_order);
	}
	return count;
}
