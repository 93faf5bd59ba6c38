/* mm/gfp.h - the page allocator's public API, in Linux's shape. All calls act on the global
 * node (contig_node); node_* variants take any node instance. */
#ifndef MM_GFP_H
#define MM_GFP_H

#include "lib/types.h"
#include "lib/percpu.h"
#include "mm/page.h"

typedef unsigned int gfp_t;

#define __GFP_DMA            0x01u	/* only ZONE_DMA (below 16 MiB) */
#define __GFP_DMA32          0x04u	/* ZONE_DMA32 or below (below 4 GiB) */
#define __GFP_MOVABLE        0x08u	/* the owner can move it: registers it movable (see
					 * node_set_page_movable); grouped in movable pageblocks */
#define __GFP_RECLAIMABLE    0x10u	/* can be freed on demand (SLAB_RECLAIM_ACCOUNT caches) */
#define __GFP_HIGH           0x20u	/* may dip into the min watermark reserve */
#define __GFP_IO             0x40u
#define __GFP_FS             0x80u
#define __GFP_ZERO           0x100u	/* return zeroed memory */
#define __GFP_NOWARN         0x200u	/* no warning on failure */
#define __GFP_DIRECT_RECLAIM 0x400u	/* may sleep (no reclaim exists here) */
#define __GFP_KSWAPD_RECLAIM 0x800u

#define GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_MOVABLE_MASK  (__GFP_MOVABLE | __GFP_RECLAIMABLE)	/* both at once is invalid */
#define GFP_MOVABLE_SHIFT 3		/* (gfp & GFP_MOVABLE_MASK) >> 3 is the migratetype */
#define GFP_KERNEL_MOVABLE (GFP_KERNEL | __GFP_MOVABLE)	/* Linux's GFP_HIGHUSER_MOVABLE here */
#define GFP_DMA    __GFP_DMA
#define GFP_DMA32  __GFP_DMA32

#define MAX_PAGE_ORDER 10		/* largest block: 2^10 frames = 4 MiB */
#define NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1)

struct mm_node;
extern struct mm_node contig_node;	/* the machine's memory (one node) */

/* Allocate 2^order contiguous frames; returns the head page or NULL (warns unless NOWARN). */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
/* Free a block from alloc_pages with the same order; misuse is reported and refused. */
void __free_pages(struct page *page, unsigned int order);
/* As alloc_pages, returning the block's virtual address (0 on failure). */
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
/* One zeroed page's virtual address, or 0. */
unsigned long get_zeroed_page(gfp_t gfp);
/* Free by virtual address; addr 0 is a no-op. */
void free_pages(unsigned long addr, unsigned int order);
/* size bytes rounded up to whole pages (not to 2^order): the tail of the block goes back to
 * the buddy at once (node_free_run_to_buddy). Returns the virtual address or NULL. */
void *alloc_pages_exact(size_t size, gfp_t gfp);
/* Free what alloc_pages_exact(size) returned. */
void free_pages_exact(void *addr, size_t size);

/* Translations for the global node. */
void *page_address(const struct page *page);
struct page *virt_to_page(const void *addr);	/* NULL when addr is not in managed RAM */
unsigned long page_to_pfn(const struct page *page);
struct page *pfn_to_page(unsigned long pfn);	/* NULL when pfn has no descriptor */

/* Free frames in the global node, and frames the buddy allocator manages. */
unsigned long nr_free_pages(void);
unsigned long totalram_pages(void);

/* Linux's might_alloc(): a request that may sleep (__GFP_DIRECT_RECLAIM: GFP_KERNEL) is misuse
 * in interrupt context, where only GFP_ATOMIC is allowed. gfp_bad_in_context() tells;
 * node_might_alloc_bad() reports it (once per node, with the caller) and counts it in nr_bad.
 * The allocation itself still goes ahead (nothing here sleeps). */
static inline bool gfp_bad_in_context(gfp_t gfp)
{
	return (gfp & __GFP_DIRECT_RECLAIM) && in_interrupt();
}
void node_might_alloc_bad(struct mm_node *n, gfp_t gfp, unsigned long caller);

/* Drain every CPU's page lists of n back to the buddy: by IPI, each CPU with frames on them its
 * own (Linux's drain_all_pages()), then any list still holding frames directly under its lock
 * (a CPU the IPI did not reach; from interrupt context or with interrupts off, all of them
 * so). One at a time per node: a second caller waits for the running drain instead. */
void drain_all_pages(struct mm_node *n);

/* Instance versions of the above. */
struct page *node_alloc_pages(struct mm_node *n, gfp_t gfp, unsigned int order);
void node_free_pages(struct mm_node *n, struct page *page, unsigned int order);
/* node_free_pages() that bypasses the CPU lists: for frames freed as a run (large kmalloc). */
void node_free_pages_to_buddy(struct mm_node *n, struct page *page, unsigned int order);
/* Free nr frames from page, each a live order-0 page (as node_split_page() leaves them), to
 * the buddy in the largest aligned blocks the run holds: one buddy operation per block. */
void node_free_run_to_buddy(struct mm_node *n, struct page *page, unsigned long nr);
void *node_page_address(const struct mm_node *n, const struct page *page);
struct page *node_virt_to_page(const struct mm_node *n, const void *addr);
unsigned long node_nr_free_pages(const struct mm_node *n);
/* Turn an allocated 2^order block into 2^order allocated order-0 pages (Linux split_page). */
void node_split_page(struct mm_node *n, struct page *page, unsigned int order);

#endif
