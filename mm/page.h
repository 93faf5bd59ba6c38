/* mm/page.h - the page-frame descriptor: one 32-byte struct page per 4 KiB frame. */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "lib/types.h"
#include "lib/list.h"

/* Page states: the bits of page->flags (a u16). An enum, so that the debug information carries
 * the names and values (scripts/gdb/mmkern.py reads them from the ELF). */
enum pageflags {
	PG_reserved = 1u << 0,	/* not managed by the buddy: hole, kernel, boot data, metadata */
	PG_buddy    = 1u << 1,	/* head of a free block on a free list; page->order is its order */
	PG_slab     = 1u << 2,	/* owned by the slab allocator */
	PG_head     = 1u << 3,	/* head of a large kmalloc; page->private is its size in bytes */
	PG_tail     = 1u << 4,	/* other frame of a slab or large kmalloc; private = head page */
	PG_poison   = 1u << 5,	/* free frame filled with page_poison's 0xaa since its last free
				 * (private = the freeing caller): checked when next allocated */
	PG_movable  = 1u << 6,	/* allocated block its owner can move: mops = its callbacks
				 * (node_set_page_movable, mm/compaction.c) */
	PG_isolated = 1u << 7,	/* movable block taken by compaction, being migrated */
};
/* Bits 8-9 of flags: the migratetype of the CPU list an allocated block came from (Linux keeps
 * it in page->index: set_pcppage_migratetype); its free goes back to that list. */
#define PG_MT_SHIFT 8
#define PG_MT_MASK  (3u << PG_MT_SHIFT)
/* Any of these sends a free off the fast path (the first five make it a misuse; a movable
 * block is unregistered first, in the slow path). */
#define PG_ANY_OWNER_FLAGS (PG_reserved | PG_buddy | PG_slab | PG_head | PG_tail | \
			    PG_movable | PG_isolated)

/* A slab's state, one 32-bit word (struct page's counters). The fast free path reads the word
 * whole, through the SLAB_CTR_* masks below (their agreement with the bit-fields is asserted
 * here and tested by slab_test's counters_layout). */
struct slab_counters {
	u16 inuse : 15;		/* objects allocated (all of them while frozen, less those
				 * other CPUs freed since) */
	u16 frozen : 1;		/* some CPU's active slab */
	u16 freelist;		/* index of the first free object, SLAB_FREELIST_END if none */
};
#define SLAB_CTR_INUSE_MASK     0x7fffu		/* bits 0-14: inuse */
#define SLAB_CTR_FROZEN         0x8000u		/* bit 15: frozen */
#define SLAB_CTR_LOW_MASK       (SLAB_CTR_FROZEN | SLAB_CTR_INUSE_MASK)	/* frozen | inuse */
#define SLAB_CTR_FREELIST_SHIFT 16		/* bits 16-31: freelist */

/* The descriptor. Linux's is 64 bytes; ours is 32 (0.78% of RAM), asserted below.
 *   free block head:      PG_buddy, order = block order, lru on zone->free_area[order]
 *   allocated block head: refcount 1, order = allocation order, lru/private for the owner
 *   slab head:            PG_slab, private = its kmem_cache, lru on the cache's partial list,
 *                         slab.{inuse,frozen,freelist} instead of refcount: one 32-bit word
 *                         (counters) that CPUs change by compare-and-exchange (mm/slab.c)
 *   movable block head:   allocated, PG_movable, mops = the owner's callbacks, private the
 *                         owner's (compaction may move it: mm/compaction.c)
 *   any other frame:      refcount 0, not PG_buddy (tail of a free or allocated block)
 *   with page_poison on:  every frame freed since has PG_poison and private = its freeing
 *                         caller until it is allocated again (mm/page_poison.c) */
struct movable_operations;
struct page {
	union {
		struct list_head lru;	/* free-list link while PG_buddy; the owner's afterwards */
		const struct movable_operations *mops;	/* PG_movable: the owner's callbacks
							 * (private stays the owner's) */
	};
	unsigned long private;	/* the owner's (slab: its cache) */
	u16 flags;		/* PG_* */
	u8 order;		/* order of the free block or of the allocation this page heads */
	u8 zone;		/* zone index within the node (ZONE_DMA, ZONE_DMA32, ZONE_NORMAL) */
	union {
		s32 refcount;	/* users of an allocated block head; 0 when free or a tail */
		u32 counters;	/* slab: the three fields below as one word */
		struct slab_counters slab;
	};
};

#define SLAB_FREELIST_END 0xffffu
#define SLAB_MAX_OBJECTS  SLAB_CTR_INUSE_MASK	/* inuse has 15 bits */

_Static_assert(SLAB_CTR_FROZEN == SLAB_CTR_INUSE_MASK + 1 &&
	       SLAB_CTR_LOW_MASK >> SLAB_CTR_FREELIST_SHIFT == 0 &&
	       (0xffffffffu >> SLAB_CTR_FREELIST_SHIFT) == SLAB_FREELIST_END &&
	       sizeof(struct slab_counters) == 4,
	       "struct slab_counters: inuse in bits 0-14, frozen bit 15, freelist in bits 16-31");

_Static_assert(sizeof(struct page) == 32, "struct page must stay 32 bytes");

static inline bool PageBuddy(const struct page *p)    { return p->flags & PG_buddy; }
static inline bool PageReserved(const struct page *p) { return p->flags & PG_reserved; }
static inline bool PageSlab(const struct page *p)     { return p->flags & PG_slab; }
static inline bool PageMovable(const struct page *p)  { return p->flags & PG_movable; }

#endif
