/* mm/page_poison.c - what freeing does to a frame's bytes, per node: Linux's init_on_free=1
 * (zeroed) and page_poison=1 (filled with PAGE_POISON, 0xaa, and checked when allocated again).
 *
 * page_poison. A block whose last reference goes is poisoned frame by frame before it reaches a
 * free list (a CPU's list or the buddy: a frame parked on a CPU list is free too), and each frame
 * gets PG_poison and, in page->private (unused while free), its freeing caller. An allocation,
 * whichever list it takes the block from, checks every PG_poison frame of the block, clears the
 * bit and records its caller as each frame's owner in the node's owner table (one word per
 * frame, taken from the node itself when poisoning is turned on: an allocated frame has no field
 * to spare, struct page stays 32 bytes). A frame written since its free is reported once per
 * block: the frame, the first bad offset and byte, and the last owner (who allocated the frame,
 * who freed it). The block is then handed out as usual (its bytes are the new owner's to
 * overwrite); nothing else is touched, so a report cannot corrupt the allocator's bookkeeping.
 * Reports are counted in nr_poison_bad (and nr_bad, with the other misuse reports).
 *
 * A bit per frame, not a check of every free frame. Linux poisons the memory it frees at boot;
 * under TCG writing all of RAM at boot costs seconds per GiB, so here frames not freed since
 * poisoning was turned on carry no bit and are not checked (Linux 4.x's PAGE_EXT_DEBUG_POISON
 * did the same). The buddy's merges and splits leave the bit alone, so the check stays exact
 * whatever block the frame is next allocated in.
 *
 * Cost when off: the allocation fast path tests a per-CPU flag in the cache line it reads
 * anyway, the free fast path a node byte beside the fields it reads; when a mode is on they
 * fall back to the slow paths, which call in here. page_poison takes precedence over
 * init_on_free, as in Linux.
 *
 * Layers: this file holds the hooks page_alloc.c calls and calls nothing above zone.c; the
 * switch between modes, which takes the owner table from the node's page allocator, is
 * mm/page_free_mode.c, above page_alloc.c.
 */
#include "mm/internal.h"
#include "lib/bitops.h"
#include "lib/string.h"

#define POISON_WORD (0x0101010101010101ULL * PAGE_POISON)

/* ---- the owner table (allocated by mm/page_free_mode.c) ---- */

/* The owner word of pfn, or NULL when the node keeps none. */
static unsigned long *owner_slot(const struct mm_node *n, unsigned long pfn)
{
	unsigned long *sec = n->page_owner ? n->page_owner[pfn >> SECTION_SHIFT] : NULL;
	return sec ? &sec[pfn & (PAGES_PER_SECTION - 1)] : NULL;
}

/* ---- the hooks ---- */

void page_free_prepare(struct mm_node *n, struct page *page, unsigned int order,
		       unsigned long caller)
{
	bool poison = n->free_mode == PAGE_FREE_POISON;

	memset(node_page_address_raw(n, page), poison ? PAGE_POISON : 0, PAGE_SIZE << order);
	for (unsigned long i = 0; poison && i < (1UL << order); i++) {
		page[i].flags |= PG_poison;
		page[i].private = caller;
	}
}

/* First byte of the frame at va that is not PAGE_POISON (compared a word at a time), or -1. */
static long first_unpoisoned(const u8 *va)
{
	const u64 *w = (const u64 *)va;
	unsigned long i = 0;

	while (i < PAGE_SIZE / 8 && w[i] == POISON_WORD)
		i++;
	if (i == PAGE_SIZE / 8)
		return -1;
	for (i *= 8; va[i] == PAGE_POISON; i++)
		;
	return (long)i;
}

/* Bytes of the frame at va from offset off on that are not PAGE_POISON (off is one). */
static unsigned long count_unpoisoned(const u8 *va, unsigned long off)
{
	unsigned long bad = 0;

	for (; off < PAGE_SIZE; off++)
		bad += va[off] != PAGE_POISON;
	return bad;
}

static void report(struct mm_node *n, const struct page_poison_report *r, unsigned long head_pfn,
		   unsigned int order, bool single_bit)
{
	__atomic_fetch_add(&n->nr_poison_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&n->nr_bad, 1, __ATOMIC_RELAXED);
	n->poison_last = *r;	/* a test's or a debugger's view: not kept consistent across CPUs */
	printk(KERN_ERR "pagealloc: %s at phys %#llx (pfn:%#lx offset %#lx): 0x%02x instead of "
	       "0x%02x (caller %#lx)\n", single_bit ? "single bit error" : "memory corruption",
	       ((unsigned long long)r->pfn << PAGE_SHIFT) + r->offset, r->pfn, r->offset, r->found,
	       PAGE_POISON, r->caller);
	if (r->alloc_caller)
		printk(KERN_ERR "  written after free: %lu of %lu frames of the order-%u block at "
		       "pfn:%#lx; last owner: allocated by %#lx, freed by %#lx\n", r->frames,
		       1UL << order, order, head_pfn, r->alloc_caller, r->free_caller);
	else
		printk(KERN_ERR "  written after free: %lu of %lu frames of the order-%u block at "
		       "pfn:%#lx; last owner: allocated by (unknown), freed by %#lx\n", r->frames,
		       1UL << order, order, head_pfn, r->free_caller);
}

void page_poison_check_alloc(struct mm_node *n, struct page *page, unsigned int order,
			     unsigned long caller)
{
	unsigned long pfn = node_page_to_pfn(n, page), bad_bytes = 0;
	struct page_poison_report r = { .caller = caller };
	const u8 *va = node_page_address_raw(n, page);

	for (unsigned long i = 0; i < (1UL << order); i++, va += PAGE_SIZE) {
		unsigned long *owner = owner_slot(n, pfn + i);
		struct page *p = page + i;
		if (p->flags & PG_poison) {
			long bad = first_unpoisoned(va);
			if (bad >= 0 && r.frames++ == 0) {
				r.pfn = pfn + i;
				r.offset = (unsigned long)bad;
				r.found = va[bad];
				r.alloc_caller = owner ? *owner : 0;
				r.free_caller = p->private;
				bad_bytes = count_unpoisoned(va, r.offset);
			}
			p->flags &= (u16)~PG_poison;
			p->private = 0;
		}
		if (owner)
			*owner = caller;
	}
	if (r.frames)
		report(n, &r, pfn, order, r.frames == 1 && bad_bytes == 1 &&
		       is_power_of_2((u8)(r.found ^ PAGE_POISON)));
}
