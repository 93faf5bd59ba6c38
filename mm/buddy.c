/* mm/buddy.c - the binary buddy allocator of one zone.
 *
 * Invariants (checked by node_check(); the cheap ones by VM_BUG_ON after every split/merge):
 *  (a) a block of order k is 2^k frames whose first pfn is a multiple of 2^k;
 *  (b) a free block is on exactly one list, one of zone->free_area[k].free_list[type], and only
 *      its head carries PG_buddy, with page->order == k; no other frame of the block has
 *      PG_buddy;
 *  (c) the buddy of the order-k block at pfn is the block at pfn ^ (1 << k); two free buddies of
 *      the same order never coexist, they are merged into one block of order k+1;
 *  (d) zone->free_pages is the sum of 2^k over every free block; free_area[k].nr_free counts
 *      the blocks on list k;
 *  (e) blocks never cross the zone span: a buddy outside the span (or without a descriptor)
 *      is never merged, and boot releases frames in blocks that fit inside their zone.
 *  (f) a block freed (or merged) goes on the list of its pageblock's migratetype; a block may
 *      sit on another type's list only after a fallback moved it there without taking its
 *      pageblock (Linux's single-page steal), or as the remainder of a split of such a block.
 *
 * Mobility grouping (Linux 6.1's __rmqueue): a request of type t takes the smallest block on
 * t's lists. Failing that it falls back: from the largest order down it looks for a block of
 * the other types (fallbacks[t] order); if it may steal (the block is at least half a pageblock,
 * or t is unmovable or reclaimable, or grouping is off) it moves every free block of that
 * pageblock to t's lists and, when the free frames plus the frames already used by t-like
 * owners make half the pageblock, retypes the pageblock to t (a block of a pageblock or more
 * retypes them all). A movable request that may not steal takes the smallest fallback block
 * instead, leaving the pageblock's type alone, so that movable memory does not spread into
 * unmovable pageblocks a large piece at a time.
 *
 * Layers of the page side, each file calling only the ones above it:
 *   buddy.c       the free lists of one zone (this file: calls nothing outside it)
 *   zone.c        a node's zones: built at boot (handing free ranges to buddy_put_locked),
 *                 watermarks, zonelists, and every statistic (free, managed, per-CPU frames)
 *   page_poison.c the hooks of init_on_free and page_poison (zeroing, poisoning, checking)
 *   compaction.c  movable blocks and the compactor (isolates free blocks, frees migrated ones)
 *   page_alloc.c  the API: zone choice, per-CPU lists, validation of the caller's arguments
 *   page_free_mode.c  switching those modes (page_poison's owner table comes from the API)
 *   highalloc.c   the order-9 capacity and burst of the churn test and the replay
 * Locking: the *_locked functions expect z->lock held; they never take a lock. A pageblock's
 * type changes under its zone's lock, by compare-and-exchange of its bitmap word (neighbours
 * in another zone share it); it is read without a lock by the free path.
 */
#include "mm/internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = { "Unmovable", "Movable", "Reclaimable" };

/* Where a request of each type falls back to, in order (Linux 6.1's fallbacks[]). */
static const u8 fallbacks[MIGRATE_TYPES][MIGRATE_TYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE,   MIGRATE_MOVABLE },
};

void node_set_pageblock_migratetype(struct mm_node *n, unsigned long pfn, unsigned int mt)
{
	unsigned long b = pfn >> pageblock_order;
	u64 *w = &n->pageblock_flags[b / PB_PER_WORD];
	unsigned int shift = (unsigned int)(b % PB_PER_WORD * PB_BITS);
	u64 old = __atomic_load_n(w, __ATOMIC_RELAXED), new;

	VM_BUG_ON(mt >= MIGRATE_TYPES);
	do
		new = (old & ~((u64)PB_MIGRATE_MASK << shift)) | ((u64)mt << shift);
	while (!__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* Block at pfn of order k goes on list k of type mt: mark and link it. */
static inline void add_free(struct zone *z, struct page *page, unsigned int order, unsigned int mt)
{
	page->flags |= PG_buddy;
	page->order = (u8)order;
	list_add(&page->lru, &z->free_area[order].free_list[mt]);
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
_Static_assert(pageblock_order <= MAX_PAGE_ORDER && (PAGES_PER_SECTION % pageblock_nr_pages) == 0,
	       "a pageblock is a buddy block and lies in one section");

/* Is the frame at pfn a free block of exactly this order in z (page_is_buddy's rule:
 * (1) inside the zone span, (2) PG_buddy, (3) same order)? */
static inline bool is_free_buddy(struct zone *z, unsigned long pfn, unsigned int order)
{
	if (pfn < z->start_pfn || pfn >= z->end_pfn)
		return false;
	const struct page *p = node_pfn_to_page_raw(z->node, pfn);
	return PageBuddy(p) && p->order == order;
}

/* Take the free block page of order k off its list for a request of order `order`: split it,
 * giving the upper halves back to type mt's lists. */
static struct page *take_block(struct zone *z, struct page *page, unsigned int k,
			       unsigned int order, unsigned int mt)
{
	unsigned long pfn = node_page_to_pfn(z->node, page);

	VM_BUG_ON(page->order != k || (pfn & ((1UL << k) - 1)));
	del_free(z, page, k);
	while (k > order) {	/* keep the lower half, give the upper half back at each order */
		k--;
		struct page *upper = node_pfn_to_page_raw(z->node, pfn + (1UL << k));
		VM_BUG_ON(PageBuddy(upper) || PageReserved(upper));
		add_free(z, upper, k, mt);
	}
	z->free_pages -= 1UL << order;
	page->order = (u8)order;
	return page;
}

/* The smallest block of type mt of order `order` or more (Linux's __rmqueue_smallest). */
static struct page *rmqueue_smallest(struct zone *z, unsigned int order, unsigned int mt)
{
	for (unsigned int k = order; k <= MAX_PAGE_ORDER; k++) {
		struct list_head *l = &z->free_area[k].free_list[mt];
		if (!list_empty(l))
			return take_block(z, list_first_entry(l, struct page, lru), k, order, mt);
	}
	return NULL;
}

/* May a request of type mt take the whole pageblock of a fallback block of this order? */
static bool can_steal_fallback(const struct zone *z, unsigned int order, unsigned int mt)
{
	return order >= pageblock_order / 2 || mt == MIGRATE_RECLAIMABLE ||
	       mt == MIGRATE_UNMOVABLE || z->node->group_by_mobility_disabled;
}

/* The first type of fallbacks[mt] with a block on order k's lists; -1 if none. */
static int find_fallback(const struct zone *z, unsigned int k, unsigned int mt)
{
	for (unsigned int i = 0; i < MIGRATE_TYPES - 1; i++)
		if (!list_empty(&z->free_area[k].free_list[fallbacks[mt][i]]))
			return fallbacks[mt][i];
	return -1;
}

/* Move every free block of the pageblock holding pfn to type mt's lists; count its free frames
 * and its allocated movable ones (Linux's move_freepages_block). false when the pageblock
 * crosses the zone span. */
static bool move_freepages_block(struct zone *z, unsigned long pfn, unsigned int mt,
				 unsigned long *free, unsigned long *movable)
{
	unsigned long start = pfn & ~(pageblock_nr_pages - 1), end = start + pageblock_nr_pages;

	*free = *movable = 0;
	if (start < z->start_pfn || end > z->end_pfn)
		return false;
	for (pfn = start; pfn < end;) {
		struct page *p = node_pfn_to_page_raw(z->node, pfn);
		if (PageBuddy(p)) {
			unsigned int k = p->order;
			list_move(&p->lru, &z->free_area[k].free_list[mt]);
			*free += 1UL << k;
			pfn += 1UL << k;
			continue;
		}
		if (PageMovable(p)) {	/* its frames are movable (a racy look, a heuristic) */
			*movable += 1UL << MIN(p->order, MAX_PAGE_ORDER);
			pfn += 1UL << MIN(p->order, MAX_PAGE_ORDER);
			continue;
		}
		pfn++;
	}
	return true;
}

/* Linux's steal_suitable_fallback: page (order k, on a list of another type) is taken for a
 * request of type mt; take its pageblock too when allowed and worth it. */
static void steal_fallback(struct zone *z, struct page *page, unsigned int k, unsigned int mt,
			   bool whole_block)
{
	struct mm_node *n = z->node;
	unsigned long pfn = node_page_to_pfn(n, page), free, movable;
	unsigned int old = node_pageblock_migratetype(n, pfn);

	if (k >= pageblock_order) {		/* whole pageblocks: all of them change */
		for (unsigned long b = 0; b < (1UL << k); b += pageblock_nr_pages)
			node_set_pageblock_migratetype(n, pfn + b, mt);
		list_move(&page->lru, &z->free_area[k].free_list[mt]);
		return;
	}
	if (!whole_block || !move_freepages_block(z, pfn, mt, &free, &movable)) {
		list_move(&page->lru, &z->free_area[k].free_list[mt]);
		return;
	}
	unsigned long alike = mt == MIGRATE_MOVABLE ? movable :
		old == MIGRATE_MOVABLE ? pageblock_nr_pages - (free + movable) : 0;
	if (free + alike >= pageblock_nr_pages / 2 || n->group_by_mobility_disabled)
		node_set_pageblock_migratetype(n, pfn, mt);
}

/* Linux's __rmqueue_fallback: move a block of another type to mt's lists. false if none. */
static bool rmqueue_fallback(struct zone *z, unsigned int order, unsigned int mt)
{
	int k, fmt = -1;
	bool steal = false;

	for (k = MAX_PAGE_ORDER; k >= (int)order; k--) {
		fmt = find_fallback(z, (unsigned int)k, mt);
		if (fmt < 0)
			continue;
		steal = can_steal_fallback(z, (unsigned int)k, mt);
		break;
	}
	if (fmt < 0)
		return false;
	if (!steal && mt == MIGRATE_MOVABLE && k > (int)order) {
		for (k = (int)order; (fmt = find_fallback(z, (unsigned int)k, mt)) < 0; k++)
			VM_BUG_ON(k == MAX_PAGE_ORDER);
		steal = can_steal_fallback(z, (unsigned int)k, mt);
	}
	struct page *page = list_first_entry(&z->free_area[k].free_list[fmt], struct page, lru);
	steal_fallback(z, page, (unsigned int)k, mt, steal);
	return true;
}

struct page *buddy_take_locked(struct zone *z, unsigned int order, unsigned int mt)
{
	struct page *page;

	VM_BUG_ON(mt >= MIGRATE_TYPES);
	while (!(page = rmqueue_smallest(z, order, mt)))
		if (!rmqueue_fallback(z, order, mt))
			return NULL;
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
	add_free(z, head, order, node_pageblock_migratetype(z->node, pfn));
}

unsigned int buddy_isolate_locked(struct zone *z, struct page *page)
{
	unsigned int k = page->order;

	VM_BUG_ON(!PageBuddy(page));
	del_free(z, page, k);
	z->free_pages -= 1UL << k;
	return k;
}
