/* mm/internal.h - private to mm/ page side: the buddy core (zone->lock held: *_locked), the
 * misuse report, the page poison hooks and the debug switch. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm/zone.h"
#include "mm/compaction.h"
#include "lib/kernel.h"

/* One switch for the allocator's cheap invariant assertions (Linux's CONFIG_DEBUG_VM).
 * Build with -DCONFIG_DEBUG_VM=0 to compile them out. */
#ifndef CONFIG_DEBUG_VM
#define CONFIG_DEBUG_VM 1
/* (mm/compaction.c) Compact zone z for a request of this order (-1: the whole zone), adding
 * what it did to *res (may be NULL). Returns true when z then has a free block of that order
 * above its min watermark. Not from interrupt context. */
bool compact_zone(struct zone *z, int order, struct compact_result *res);
/* A movable block is being freed (refcount now 0): unregister it, waiting while compaction
 * holds it isolated. */
void page_movable_release(struct mm_node *n, struct page *page);

#endif
#define VM_BUG_ON(cond) do { if (CONFIG_DEBUG_VM && unlikely(cond)) \
	panic("%s: VM_BUG_ON(%s) at %s:%d", __func__, #cond, __FILE__, __LINE__); } while (0)

static inline struct page *node_pfn_to_page_raw(const struct mm_node *n, unsigned long pfn)
{
	return n->vmemmap + pfn;
}

/* The direct-map address of a descriptor's frame (node_page_address, for the files below
 * page_alloc.c). */
static inline void *node_page_address_raw(const struct mm_node *n, const struct page *page)
{
	return (void *)(n->virt_base + (node_page_to_pfn(n, page) << PAGE_SHIFT));
}

/* z->lock held: take a 2^order block for a request of migratetype mt from z's free lists,
 * splitting a larger one if needed, falling back to other types' (and stealing their
 * pageblocks) as Linux 6.1 does. The head is returned with PG_buddy clear and refcount 0; NULL
 * when no block is large enough. O(orders), plus a pageblock's walk when stealing. */
struct page *buddy_take_locked(struct zone *z, unsigned int order, unsigned int mt);

/* z->lock held: put the 2^order block at pfn (aligned, inside z, not free) on z's free lists,
 * merging it with its buddy as long as the buddy is free and of the same order. O(orders). */
void buddy_put_locked(struct zone *z, unsigned long pfn, unsigned int order);

/* z->lock held: take the free block page heads (PG_buddy) off its list whole, for compaction.
 * Returns its order; z->free_pages no longer counts it. */
unsigned int buddy_isolate_locked(struct zone *z, struct page *page);

/* Set the migratetype of the pageblock holding pfn (under its zone's lock). */
void node_set_pageblock_migratetype(struct mm_node *n, unsigned long pfn, unsigned int mt);

/* Report caller misuse of the page allocator: one line, counted in n->nr_bad. */
void bad_page(struct mm_node *n, const struct page *page, const char *reason, unsigned long caller);

/* init_on_free or page_poison (n->free_mode): zero or poison the frames of a block freed by
 * caller, before it reaches any free list (mm/page_poison.c). */
void page_free_prepare(struct mm_node *n, struct page *page, unsigned int order,
		       unsigned long caller);

/* page_poison: check the frames of a block just taken off the free lists for writes made
 * since they were freed, report them (once per block, with the last owner), and record caller
 * as the block's owner. The block is handed out whatever was found. */
void page_poison_check_alloc(struct mm_node *n, struct page *page, unsigned int order,
			     unsigned long caller);

/* (mm/compaction.c) Compact zone z for a request of this order (-1: the whole zone), adding
 * what it did to *res (may be NULL). Returns true when z then has a free block of that order
 * above its min watermark. Not from interrupt context. */
bool compact_zone(struct zone *z, int order, struct compact_result *res);
/* A movable block is being freed (refcount now 0): unregister it, waiting while compaction
 * holds it isolated. */
void page_movable_release(struct mm_node *n, struct page *page);

#endif
