/* mm/compaction.h - movable blocks and compaction: an owner registers the blocks it can move,
 * and the compactor moves them to rebuild large free blocks (mm/compaction.c). */
#ifndef MM_COMPACTION_H
#define MM_COMPACTION_H

#include "mm/zone.h"

/* An owner's callbacks for its movable blocks (Linux's struct movable_operations). */
struct movable_operations {
	/* Copy the 2^order frames of src to dst and point the owner's reference at dst
	 * (dst->private already holds src's). Returns 0, or nonzero to keep src where it is.
	 * Called with no lock of the allocator held, never from interrupt context. */
	int (*migrate_page)(struct page *dst, struct page *src, unsigned int order);
};

/* What compaction passes did. */
struct compact_result {
	unsigned long migrated;		/* blocks moved */
	unsigned long failed;		/* blocks whose owner refused */
};

/* Make page, the head of an allocated block of n, movable by mops (its owner keeps private).
 * Freeing the block unregisters it. Returns 0; -1 (reported) for a page that is not a plain
 * allocated block or NULL mops. */
int node_set_page_movable(struct mm_node *n, struct page *page,
			  const struct movable_operations *mops);

/* Compact every zone of n whole (Linux's /proc/sys/vm/compact_memory), after draining the
 * per-CPU lists. Adds what it did to *res (may be NULL). Not from interrupt context. */
void node_compact_memory(struct mm_node *n, struct compact_result *res);

/* Linux's fragmentation measures of zone z for order k (mm/vmstat.c's formulas), in
 * thousandths: the unusable free space index (0..1000) and the extfrag index (-1000 when a
 * block of order k is free, else 0..1000: near 0 the failure is a lack of memory, near 1000
 * fragmentation). */
struct frag_index {
	int unusable;
	int extfrag;
};
struct frag_index zone_frag_index(const struct zone *z, unsigned int order);

/* Print one "FRAG <when> node=<n> zone=<Z> order=<k> unusable=<u> extfrag=<e>" line per
 * populated zone and order 3, 6, 9 (mm/show.c). */
void node_print_frag(const struct mm_node *n, const char *when);
/* Print /proc/pagetypeinfo (Linux's format): free blocks per order per migratetype, and
 * pageblocks per migratetype, of every populated zone (mm/show.c). */
void node_print_pagetypeinfo(struct mm_node *n);
/* Pageblocks of zone z by migratetype (each pageblock whose first frame is in z). */
void node_pageblock_counts(const struct zone *z, unsigned long count[MIGRATE_TYPES]);

/* (mm/highalloc.c) Order-9 blocks n could hold: each zone's free frames in pageblocks made
 * only of free frames and movable blocks, in pageblocks, at most its free frames above min (the
 * per-CPU lists drained first). *loose (may be NULL): the same counting the movable frames too
 * (what free plus movable memory would make, were the movable blocks elsewhere). */
unsigned long node_highalloc_capacity(struct mm_node *n, unsigned long *loose);
/* Order-9 requests with gfp, one after another, until one fails or max succeeded; all freed
 * again. Returns how many succeeded. */
unsigned long node_highalloc_burst(struct mm_node *n, gfp_t gfp, unsigned long max);

#endif
