/* mm/buddy.c - the binary buddy allocator of one zone.
 *
 * Invariants (checked by node_check(); the cheap ones by VM_BUG_ON after every split/merge):
 *  (a) a block of order k is 2^k frames whose first pfn is a multiple of 2^k;
 *  (b) a free block is on exactly one list, zone->free_area[k], and only its head carries
 *      PG_buddy, with page->order == k; no other frame of the block has PG_buddy;
 *  (c) the buddy of the order-k block at pfn is the block at pfn ^ (1 << k); two free buddies of
 *      the same order never coexist, they are merged into one block of order k+1;
 *  (d) zone->free_pages is the sum of 2^k over every free block; free_area[k].nr_free counts
 *      the blocks on list k;
 *  (e) blocks never cross the zone span: a buddy outside the span (or without a descriptor)
 *      is never merged, and boot releases frames in blocks that fit inside their zone.
 * Layers of the page side, each file calling only the ones above it:
 *   buddy.c       the free lists of one zone (this file: calls nothing outside it)
 *   zone.c        a node's zones: built at boot (handing free ranges to buddy_put_locked),
 *                 watermarks, zonelists, and every statistic (free, managed, per-CPU frames)
 *   page_poison.c the hooks of init_on_free and page_poison (zeroing, poisoning, checking)
 *   page_alloc.c  the API: zone choice, per-CPU lists, validation of the caller's arguments
 *   page_free_mode.c  switching those modes (page_poison's owner table comes from the API)
 * Locking: both functions expect z->lock held (hence _locked); they never take a lock.
 */
#include "mm/internal.h"

/* Block at pfn of order k is on list k: mark and link it. */
static inline void add_free(struct zone *z, struct page *page, unsigned int order)
{
	page->flags |= PG_buddy;
	page->order = (u8)order;
	list_add(&page->lru, &z->free_area[order].free_list);
	z->free_area[order].nr_free++;
}

static inline void del_free(struct zone *z, struct page *page, unsigned int order)
{
	list_del(&page->lru);
	page->flags &= (u16)~PG_buddy;
	z->free_area[order].nr_free--;
}

/* A block and its buddy always share a 128 MiB section, so a buddy of a frame with a
 * descriptor has one too. */
_Static_assert(MAX_PAGE_ORDER < SECTION_SHIFT, "buddies must share a section");

/* Is the frame at pfn a free block of exactly this order in z (page_is_buddy's rule:
 * (1) inside the zone span, (2) PG_buddy, (3) same order)? */
static inline bool is_free_buddy(struct zone *z, unsigned long pfn, unsigned int order)
{
	if (pfn < z->start_pfn || pfn >= z->end_pfn)
		return false;
	const struct page *p = node_pfn_to_page_raw(z->node, pfn);
	return PageBuddy(p) && p->order == order;
}

struct page *buddy_take_locked(struct zone *z, unsigned int order)
{
	unsigned int k = order;

	while (k <= MAX_PAGE_ORDER && list_empty(&z->free_area[k].free_list))
		k++;
	if (k > MAX_PAGE_ORDER)
		return NULL;

	struct page *page = list_first_entry(&z->free_area[k].free_list, struct page, lru);
	unsigned long pfn = node_page_to_pfn(z->node, page);
	VM_BUG_ON(page->order != k || (pfn & ((1UL << k) - 1)));
	del_free(z, page, k);

	/* Split: keep the lower half, give the upper half back at each order. */
	while (k > order) {
		k--;
		struct page *upper = node_pfn_to_page_raw(z->node, pfn + (1UL << k));
		VM_BUG_ON(PageBuddy(upper) || PageReserved(upper));
		add_free(z, upper, k);
	}
	z->free_pages -= 1UL << order;
	page->order = (u8)order;
	return page;
}

void buddy_put_locked(struct zone *z, unsigned long pfn, unsigned int order)
{
	z->free_pages += 1UL << order;
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy = pfn ^ (1UL << order);
		if (!is_free_buddy(z, buddy, order))
			break;
		del_free(z, node_pfn_to_page_raw(z->node, buddy), order);
		pfn &= ~(1UL << order);		/* the merged block starts at the lower buddy */
		order++;
		VM_BUG_ON(pfn & ((1UL << order) - 1));
	}
	struct page *head = node_pfn_to_page_raw(z->node, pfn);
	VM_BUG_ON(PageBuddy(head) || head->refcount != 0);
	add_free(z, head, order);
}
