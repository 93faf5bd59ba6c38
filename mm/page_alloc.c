/* mm/page_alloc.c - the page allocator API (Linux's shape) over a node's zone buddies.
 *
 * Zone choice: the GFP flags name the highest usable zone type (Normal; DMA32 with GFP_DMA32;
 * DMA with GFP_DMA); allocation walks the calling CPU's zonelist (its own node's zones, Normal
 * down to DMA, then the other nodes' by distance), skipping zones above that type: it falls
 * back downward and to farther nodes, never upward. A zone is used
 * only while its free frames stay above its min watermark plus the lowmem reserve it keeps
 * against allocations that could have been served higher up; __GFP_HIGH (GFP_ATOMIC) may dip
 * to half, atomic requests to three eighths of min, as in Linux. One rule, zone_watermark_ok(),
 * on every path: the buddy's, a CPU list's refill, and every take from a CPU list (the frames on
 * this CPU's lists counted as free), so that a refill for GFP_ATOMIC parks its reserve on a list
 * without GFP_KERNEL then taking it, and a DMA frame freed to a list keeps DMA's reserve.
 * Every free is validated first: a caller's mistake is reported and refused, never absorbed.
 *
 * Concurrency. Orders 0..3 go through the CPU's own per_cpu_pages (pcp) lists; the buddy
 * behind them is touched batch blocks at a time. The fast path's watermark check is one
 * unlocked comparison (the zone's free count against min, see alloc_fast()). Locks, in the
 * order they nest:
 *   pcp->lock   this CPU's lists (uncontended but for a CPU draining them when memory is short)
 *   zone->lock  the zone's buddy (free_area, free_pages, free blocks' descriptors)
 * An allocated block's descriptor belongs to its owner; the one free that may race with
 * another (a double free on two CPUs) is caught by taking refcount from 1 to 0 with a
 * compare-and-exchange. Statistics (nr_bad, nr_alloc_fail) are atomic counters; the free
 * page count (zone.c's, like every count of frames) is a sum of unlocked reads, exact whenever
 * no other CPU allocates.
 *
 * Trimming (the per-CPU lists give back what they do not need). A refill means this CPU must
 * go to the buddy for more; the frames that stayed on its lists all the time since its last
 * refill (pcp->low, the lowest count seen by the allocations in between) were not what it
 * needed: another order or type, or a surplus left by a burst of frees. Half of them go back to
 * the buddy at each refill (tcmalloc's thread-cache scavenging by low-water mark), so idle
 * frames decay geometrically while a list in use keeps its batch. A fast-path allocation pays
 * one comparison for it.
 *
 * Mobility: a request's migratetype comes from __GFP_MOVABLE / __GFP_RECLAIMABLE (unmovable
 * otherwise, or always when the node does not group); each CPU keeps a list per order and type,
 * refilled from that type's buddy lists (buddy.c falls back and steals), and a block's type is
 * kept in its flags (PG_MT_MASK) while it is allocated, so that its free goes back to the same
 * list without reading the pageblock bitmap. A request of order > 0 that may sleep compacts
 * (compaction.c) when even the drained lists cannot serve it; GFP_ATOMIC never does.
 *
 * Layers: this file is the top of the page side. It calls buddy.c (a zone's free lists, under
 * zone->lock: the *_locked functions), zone.c (statistics), page_poison.c (the hooks of the
 * slow paths) and compaction.c (direct compaction, movable blocks); none calls back. page_free_mode.c, which switches the modes and allocates
 * page_poison's owner table through this file's node API, sits above.
 */
#include "mm/internal.h"
#include "lib/string.h"
#include "lib/bitops.h"
#include "mm/fault_inject.h"
#include "lib/cpu.h"

struct mm_node contig_node;

_Static_assert(sizeof(struct per_cpu_pages) % (2 * PERCPU_LINE) == 0, "this_cpu_pcp() scales by lines");
_Static_assert(NR_PCP_TYPES == 4 && MIGRATE_PCPTYPES <= NR_PCP_TYPES, "alloc_fast(): order << 2 | type");
_Static_assert(sizeof(struct mm_cpu_zones) == PERCPU_LINE, "alloc_fast() scales by one line");

/* This CPU's lists in zone z. */
static inline struct per_cpu_pages *this_cpu_pcp(struct zone *z)
{
	return this_cpu_elem(z->pcp, PCP_LINES);
}

/* Highest zone the flags allow, or -1 for contradictory flags. */
static int gfp_zone(gfp_t gfp)
{
	if ((gfp & __GFP_DMA) && (gfp & __GFP_DMA32))
		return -1;
	if (gfp & __GFP_DMA)
		return ZONE_DMA;
	if (gfp & __GFP_DMA32)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

/* The CPU list of order `order` for migratetype mt (mt 3, an invalid request, has one that
 * stays empty). */
static inline struct list_head *pcp_list(struct per_cpu_pages *pcp, unsigned int order,
					 unsigned int mt)
{
	return &pcp->lists[order * NR_PCP_TYPES + mt];
}

/* The migratetype of a request (Linux's gfp_migratetype; unmovable for all when the node does
 * not group by mobility). Both __GFP_MOVABLE and __GFP_RECLAIMABLE: refused before. */
static inline unsigned int gfp_migratetype(const struct mm_node *n, gfp_t gfp)
{
	return n->group_by_mobility_disabled ? MIGRATE_UNMOVABLE
		: (gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT;
}

static unsigned long alloc_mark(const struct zone *z, gfp_t gfp)
{
	unsigned long mark = z->watermark[WMARK_MIN];

	if (gfp & __GFP_HIGH)
		mark -= mark / 2;
	if ((gfp & __GFP_HIGH) && !(gfp & __GFP_DIRECT_RECLAIM))
		mark -= mark / 4;
	return mark;
}

/* The one watermark rule: may a 2^order block go when free frames are free (the zone's, as
 * the caller counts them), leaving at least limit (alloc_mark + lowmem_reserve)? */
static inline bool zone_watermark_ok(unsigned long free, unsigned int order, unsigned long limit)
{
	return free >= limit + (1UL << order);
}

/* z's buddy free count, read without zone->lock (a snapshot, as Linux's zone_page_state). */
static inline unsigned long zone_free_read(const struct zone *z)
{
	return __atomic_load_n(&z->free_pages, __ATOMIC_RELAXED);
}

/* Give count frames (at least) from the CPU lists (pcp->lock held) back to the buddy, oldest
 * blocks first, largest orders first. */
static void pcp_drain_locked(struct zone *z, struct per_cpu_pages *pcp, unsigned int count)
{
	struct mm_node *n = z->node;

	spin_lock(&z->lock);
	for (int i = NR_PCP_LISTS - 1; i >= 0 && count; i--) {
		struct list_head *l = &pcp->lists[i];
		unsigned int k = (unsigned int)i / NR_PCP_TYPES;
		while (!list_empty(l) && count) {
			struct page *page = list_entry(l->prev, struct page, lru);
			list_del(&page->lru);
			pcp->count -= 1u << k;
			count = count > (1u << k) ? count - (1u << k) : 0;
			buddy_put_locked(z, node_page_to_pfn(n, page), k);
		}
	}
	spin_unlock(&z->lock);
	pcp->low = MIN(pcp->low, pcp->count);
}

/* Move up to batch frames of order-k blocks of type mt from z's buddy to the CPU list
 * (pcp->lock held), keeping the zone above limit free frames. Returns false when none could
 * be moved. */
static bool pcp_refill_locked(struct zone *z, struct per_cpu_pages *pcp, unsigned int order,
			      unsigned int mt, unsigned long limit)
{
	unsigned int n = MAX(pcp->batch >> order, 1u), moved = 0;

	if (pcp->low > 1)
		pcp_drain_locked(z, pcp, pcp->low / 2);		/* "Trimming" above */
	spin_lock(&z->lock);
	while (moved < n && zone_watermark_ok(z->free_pages, order, limit)) {
		struct page *page = buddy_take_locked(z, order, mt);
		if (!page)
			break;
		page->flags = (u16)((page->flags & ~PG_MT_MASK) | mt << PG_MT_SHIFT);
		list_add_tail(&page->lru, pcp_list(pcp, order, mt));
		pcp->count += 1u << order;
		moved++;
	}
	spin_unlock(&z->lock);
	pcp->low = pcp->count;
	return moved > 0;
}

/* Every CPU's lists, this one's included: each under its own lock, so it is safe while the
 * other CPUs allocate (Linux 6.1's drain_all_pages without the IPIs). */
void node_drain_pages(struct mm_node *n)
{
	unsigned long irqflags = 0;
	for (unsigned int i = 0; i < n->nr_zones; i++) {
		struct zone *z = &n->zones[i];
		if (!z->managed_pages)
			continue;
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
			struct per_cpu_pages *pcp = &z->pcp[cpu];
			if (!__atomic_load_n(&pcp->count, __ATOMIC_RELAXED))
				continue;
			spin_lock_irqsave(&pcp->lock, irqflags);
			pcp_drain_locked(z, pcp, ~0u);
			spin_unlock_irqrestore(&pcp->lock, irqflags);
		}
	}
}

/* This CPU's lists of every zone of n (info), under their locks: run by each CPU, in an IPI
 * (counted) or as the caller's own part of on_each_cpu(). */
static void drain_local_pages(void *info)
{
	struct mm_node *n = info;
	unsigned long irqflags = 0;

	for (unsigned int i = 0; i < n->nr_zones; i++) {
		struct zone *z = &n->zones[i];
		struct per_cpu_pages *pcp = this_cpu_pcp(z);
		if (!z->managed_pages || !__atomic_load_n(&pcp->count, __ATOMIC_RELAXED))
			continue;
		spin_lock_irqsave(&pcp->lock, irqflags);
		pcp_drain_locked(z, pcp, ~0u);
		spin_unlock_irqrestore(&pcp->lock, irqflags);
	}
	if (in_interrupt())
		__atomic_fetch_add(&n->nr_drain_ipi, 1, __ATOMIC_RELAXED);
}

/* Does cpu hold frames of n on its lists? (unlocked reads: a hint) */
static bool cpu_has_pcp_frames(const struct mm_node *n, unsigned int cpu)
{
	for (unsigned int i = 0; i < n->nr_zones; i++)
		if (__atomic_load_n(&n->zones[i].pcp[cpu].count, __ATOMIC_RELAXED))
			return true;
	return false;
}

/* One drain of n at a time (Linux's pcpu_drain_mutex): a CPU that finds one running waits for
 * it, with interrupts on so that its own IPI reaches it, and then retries its allocation. Each
 * CPU with frames on its lists drains them itself, by IPI (the caller directly); the sweep
 * after it takes what is left on the lists of CPUs no IPI reached. */
void drain_all_pages(struct mm_node *n)
{
	if (in_interrupt() || irqs_disabled()) {
		node_drain_pages(n);
		return;
	}
	if (__atomic_exchange_n(&n->draining, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&n->draining, __ATOMIC_ACQUIRE))
			cpu_relax();
		return;
	}
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		if (cpu_has_pcp_frames(n, cpu))
			smp_call_function_single(cpu, drain_local_pages, n, true);
	node_drain_pages(n);
	__atomic_store_n(&n->draining, 0, __ATOMIC_RELEASE);
}

void node_might_alloc_bad(struct mm_node *n, gfp_t gfp, unsigned long caller)
{
	__atomic_fetch_add(&n->nr_bad, 1, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&n->might_alloc_warned, 1, __ATOMIC_RELAXED))
		printk(KERN_ERR "BUG: sleeping allocation (gfp %#x) in interrupt context: use "
		       "GFP_ATOMIC (caller %#lx; printed once, all counted)\n", gfp, caller);
}

/* Take a 2^order block from zone z for a request that could use zones up to highest. */
static inline struct page *rmqueue(struct zone *z, unsigned int order, gfp_t gfp, int highest)
{
	unsigned long irqflags = 0;
	unsigned long limit = alloc_mark(z, gfp) + z->lowmem_reserve[highest];
	unsigned int mt = gfp_migratetype(z->node, gfp);
	struct page *page = NULL;

	if (order < NR_PCP_ORDERS) {
		struct per_cpu_pages *pcp = this_cpu_pcp(z);
		struct list_head *l = pcp_list(pcp, order, mt);
		spin_lock_irqsave(&pcp->lock, irqflags);
		/* The frames on this CPU's lists count as free: taking one must still leave
		 * the request's limit (the reserve a refill for GFP_ATOMIC parked here stays its). */
		if (zone_watermark_ok(zone_free_read(z) + pcp->count, order, limit) &&
		    (likely(!list_empty(l)) || pcp_refill_locked(z, pcp, order, mt, limit))) {
			page = list_first_entry(l, struct page, lru);
			list_del(&page->lru);
			pcp->count -= 1u << order;
			pcp->low = MIN(pcp->low, pcp->count);
		}
		spin_unlock_irqrestore(&pcp->lock, irqflags);
		return page;
	}
	spin_lock_irqsave(&z->lock, irqflags);
	if (zone_watermark_ok(z->free_pages, order, limit))
		page = buddy_take_locked(z, order, mt);
	spin_unlock_irqrestore(&z->lock, irqflags);
	if (page)
		page->flags = (u16)((page->flags & ~PG_MT_MASK) | mt << PG_MT_SHIFT);
	return page;
}

static struct page *alloc_failed(struct mm_node *n, gfp_t gfp, unsigned int order,
				 unsigned long caller, bool invalid)
{
	__atomic_fetch_add(&n->nr_alloc_fail, 1, __ATOMIC_RELAXED);
	if (invalid)
		printk(KERN_WARNING "page allocation: invalid request order:%u mode:%#x "
		       "(caller %#lx)\n", order, gfp, caller);
	else if (!(gfp & __GFP_NOWARN))
		printk(KERN_WARNING "page allocation failure: order:%u, mode:%#x, free:%lu "
		       "(caller %#lx)\n", order, gfp, node_nr_free_pages(n), caller);
	return NULL;
}

/* Try every allowed zone of the CPU's zonelist in order (never a zone type above highest). */
static struct page *get_page_from_zones(struct mm_node *n, gfp_t gfp, unsigned int order,
					int highest)
{
	for (struct zone *const *zl = n->cpu[smp_processor_id()].zonelist; *zl; zl++) {
		struct zone *z = *zl;
		if ((int)z->type > highest)
			continue;
		struct page *page = rmqueue(z, order, gfp, highest);
		if (page)
			return page;
	}
	return NULL;
}

/* Direct compaction (Linux's __alloc_pages_direct_compact): for a request of order > 0 that
 * may sleep (never GFP_ATOMIC, never in an interrupt), compact each allowed zone for it in
 * zonelist order and take the block as soon as one has it. */
#define COMPACT_MAX_DEFER_SHIFT 6	/* a failing zone is tried once in up to 64 requests */

/* Linux's compaction_deferred(): after z failed to compact for an order at most this one, skip
 * it for the next 2^defer_shift requests (each failure doubles that, up to 64), so that a
 * machine short of large blocks does not scan a whole zone for every request that fails. */
static bool compaction_deferred(struct zone *z, unsigned int order)
{
	if (order < z->compact_order_failed)
		return false;
	if (++z->compact_considered >= (1u << z->compact_defer_shift)) {
		z->compact_considered = 1u << z->compact_defer_shift;
		return false;
	}
	return true;
}

/* Linux's defer_compaction() and compaction_defer_reset(). */
static void compaction_outcome(struct zone *z, unsigned int order, bool success)
{
	if (success) {
		z->compact_considered = 0;
		z->compact_defer_shift = 0;
		if (order >= z->compact_order_failed)
			z->compact_order_failed = order + 1;
		return;
	}
	z->compact_considered = 0;
	if (z->compact_defer_shift < COMPACT_MAX_DEFER_SHIFT)
		z->compact_defer_shift++;
	if (order < z->compact_order_failed)
		z->compact_order_failed = order;
}

static struct page *alloc_pages_compact(struct mm_node *n, gfp_t gfp, unsigned int order,
					int highest)
{
	if (!order || !(gfp & __GFP_DIRECT_RECLAIM) || in_interrupt() || !n->pageblock_flags)
		return NULL;
	__atomic_fetch_add(&n->compact_stall, 1, __ATOMIC_RELAXED);
	for (struct zone *const *zl = n->cpu[smp_processor_id()].zonelist; *zl; zl++) {
		struct zone *z = *zl;
		if ((int)z->type > highest || compaction_deferred(z, order))
			continue;
		struct page *page = compact_zone(z, (int)order, NULL) ?
				    rmqueue(z, order, gfp, highest) : NULL;
		compaction_outcome(z, order, page != NULL);
		if (page) {
			__atomic_fetch_add(&n->compact_success, 1, __ATOMIC_RELAXED);
			return page;
		}
	}
	__atomic_fetch_add(&n->compact_fail, 1, __ATOMIC_RELAXED);
	return NULL;
}

void node_compact_memory(struct mm_node *n, struct compact_result *res)
{
	node_drain_pages(n);
	for (unsigned int i = 0; i < n->nr_zones; i++)
		compact_zone(&n->zones[i], -1, res);
}

static struct page *alloc_pages_caller(struct mm_node *n, gfp_t gfp, unsigned int order,
				       unsigned long caller)
{
	int highest = gfp_zone(gfp);

	if (unlikely(highest < 0 || order > MAX_PAGE_ORDER ||
		     (gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK))
		return alloc_failed(n, gfp, order, caller, highest < 0 || !(gfp & __GFP_NOWARN) ||
				    (gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK);
	if (unlikely(gfp_bad_in_context(gfp)))
		node_might_alloc_bad(n, gfp, caller);
	if (should_fail(&fail_page_alloc))
		return alloc_failed(n, gfp | __GFP_NOWARN, order, caller, false);
	struct page *page = get_page_from_zones(n, gfp, order, highest);
	if (unlikely(!page)) {
		drain_all_pages(n);		/* frames parked on any CPU's lists may merge */
		page = get_page_from_zones(n, gfp, order, highest);
		if (!page)
			page = alloc_pages_compact(n, gfp, order, highest);
		if (!page)
			return alloc_failed(n, gfp, order, caller, false);
	}
	if (unlikely(n->free_mode == PAGE_FREE_POISON))
		page_poison_check_alloc(n, page, order, caller);
	page->refcount = 1;
	page->order = (u8)order;
	if (unlikely(gfp & __GFP_ZERO))
		memset(node_page_address(n, page), 0, PAGE_SIZE << order);
	return page;
}

void bad_page(struct mm_node *n, const struct page *page, const char *reason, unsigned long caller)
{
	__atomic_fetch_add(&n->nr_bad, 1, __ATOMIC_RELAXED);
	if (page && PageSlab(page))
		printk(KERN_ERR "BUG: Bad page state: pfn:%#lx flags:%#x order:%u slab inuse:%u: %s "
		       "(caller %#lx)\n", node_page_to_pfn(n, page), page->flags, page->order,
		       page->slab.inuse, reason, caller);
	else if (page)
		printk(KERN_ERR "BUG: Bad page state: pfn:%#lx flags:%#x order:%u refcount:%d: %s "
		       "(caller %#lx)\n", node_page_to_pfn(n, page), page->flags, page->order,
		       page->refcount, reason, caller);
	else
		printk(KERN_ERR "BUG: Bad page: %s (caller %#lx)\n", reason, caller);
}

/* Is page a real descriptor of n? (in the array, at a descriptor boundary, with a frame) */
static bool page_in_node(const struct mm_node *n, const struct page *page)
{
	uintptr_t a = (uintptr_t)page, base = (uintptr_t)n->vmemmap;

	if (a < base || (a - base) % sizeof(struct page))
		return false;
	return node_pfn_valid(n, (a - base) / sizeof(struct page));
}

/* Validate a free of page/order; report and return false on misuse. */
static bool free_ok(struct mm_node *n, struct page *page, unsigned int order, unsigned long caller)
{
	char why[96];

	if (!page_in_node(n, page)) {
		ksnprintf(why, sizeof(why), "freeing %p, which is not a page descriptor", (void *)page);
		bad_page(n, NULL, why, caller);
		return false;
	}
	if (order > MAX_PAGE_ORDER) {
		bad_page(n, page, "freeing with an order above MAX_PAGE_ORDER", caller);
		return false;
	}
	if (PageReserved(page)) {
		bad_page(n, page, "freeing a reserved frame", caller);
		return false;
	}
	if (page->flags & (PG_slab | PG_tail | PG_head)) {
		bad_page(n, page, "freeing a slab or kmalloc page with __free_pages", caller);
		return false;
	}
	if (PageBuddy(page) || page->refcount == 0) {
		bad_page(n, page, PageBuddy(page) ? "double free: frame is already free"
			 : "freeing a frame that is not allocated (double free or tail page)", caller);
		return false;
	}
	if (page->order != order) {
		ksnprintf(why, sizeof(why), "order mismatch: allocated as order %u, freed as %u",
			  page->order, order);
		bad_page(n, page, why, caller);
		return false;
	}
	return true;
}

/* Push a block (refcount 0) back on the CPU list of z it came from (its type in its flags),
 * draining a batch when the lists grow above high. */
static __attribute__((always_inline)) inline void pcp_free(struct zone *z,
							    struct per_cpu_pages *pcp,
							    struct page *page, unsigned int order)
{
	unsigned long irqflags = 0;
	struct list_head *l = &pcp->lists[order * NR_PCP_TYPES +
					  ((page->flags & PG_MT_MASK) >> PG_MT_SHIFT)];
	spin_lock_irqsave(&pcp->lock, irqflags);
	list_add(&page->lru, l);
	pcp->count += 1u << order;
	if (unlikely(pcp->count > pcp->high))
		pcp_drain_locked(z, pcp, pcp->batch);
	spin_unlock_irqrestore(&pcp->lock, irqflags);
}

/* Return a validated block (refcount now 0) to its zone: small orders to the CPU list, unless
 * to_buddy. */
static inline void free_one(struct mm_node *n, struct page *page, unsigned int order,
			    bool to_buddy)
{
	unsigned long irqflags = 0;
	struct zone *z = &n->zones[page->zone];

	if (order < NR_PCP_ORDERS && !to_buddy) {
		pcp_free(z, this_cpu_pcp(z), page, order);
		return;
	}
	spin_lock_irqsave(&z->lock, irqflags);
	buddy_put_locked(z, node_page_to_pfn(n, page), order);
	spin_unlock_irqrestore(&z->lock, irqflags);
}

static void free_pages_caller(struct mm_node *n, struct page *page, unsigned int order,
			      unsigned long caller, bool to_buddy)
{
	if (!free_ok(n, page, order, caller))
		return;
	s32 old = __atomic_fetch_sub(&page->refcount, 1, __ATOMIC_ACQ_REL);
	if (old > 1)
		return;
	if (unlikely(old != 1)) {	/* another CPU freed it since free_ok() looked */
		__atomic_fetch_add(&page->refcount, 1, __ATOMIC_RELAXED);
		bad_page(n, page, "double free: frame freed by two CPUs at once", caller);
		return;
	}
	if (unlikely(page->flags & (PG_movable | PG_isolated)))
		page_movable_release(n, page);	/* waits for compaction to let go of it */
	if (unlikely(n->free_mode != PAGE_FREE_KEEP))	/* init_on_free, page_poison */
		page_free_prepare(n, page, order, caller);
	free_one(n, page, order, to_buddy);
}

/* Fast path: a small block for a plain request straight off the preferred zone's CPU list,
 * after one comparison that stands for rmqueue()'s check: z is a node's highest populated
 * zone, so no zone above keeps a reserve against it (lowmem_reserve[ZONE_NORMAL] is 0) and a
 * plain request's limit is at most min; with the list holding the block, free >= min leaves
 * free + count - 2^order >= limit. Below min, rmqueue() checks the request's own. Not while
 * the node checks page poison: allocations then go through alloc_pages_caller(). */
static __attribute__((always_inline)) inline struct page *alloc_fast(struct mm_node *n,
								     gfp_t gfp, unsigned int order)
{
	unsigned long irqflags = 0;
	const struct mm_cpu_zones *c = this_cpu_elem(n->cpu, 1);
	if (unlikely(order >= NR_PCP_ORDERS || ((gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_ZERO)) |
						 fault_inject_active | c->page_poison) ||
		     gfp_bad_in_context(gfp)))
		return NULL;
	struct zone *z = c->first;				/* its node's highest zone */
	if (unlikely(!z || zone_free_read(z) < z->watermark[WMARK_MIN]))
		return NULL;
	struct per_cpu_pages *pcp = this_cpu_pcp(z);
	struct list_head *l = &pcp->lists[order << 2 | ((gfp >> GFP_MOVABLE_SHIFT) & c->mt_mask)];
	struct page *page = NULL;
	spin_lock_irqsave(&pcp->lock, irqflags);
	if (likely(!list_empty(l))) {
		page = list_first_entry(l, struct page, lru);
		list_del(&page->lru);
		pcp->count -= 1u << order;
		pcp->low = MIN(pcp->low, pcp->count);
		page->refcount = 1;
	}
	spin_unlock_irqrestore(&pcp->lock, irqflags);
	return page;
}

/* Fast path: a small block that is plainly a live allocation of this order goes back on its
 * CPU list. false: let free_pages_caller() validate and report (and, with init_on_free or
 * page_poison on, prepare the frames). */
static __attribute__((always_inline)) inline bool free_fast(struct mm_node *n, struct page *page,
							    unsigned int order)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)n->vmemmap;
	unsigned long pfn = off / sizeof(struct page);

	s32 one = 1;

	if (unlikely(order >= NR_PCP_ORDERS || n->free_mode || pfn >= n->max_pfn ||
		     (off % sizeof(struct page)) ||
		     !node_pfn_valid(n, pfn) || page->order != order ||
		     (page->flags & PG_ANY_OWNER_FLAGS) ||
		     !__atomic_compare_exchange_n(&page->refcount, &one, 0, false, __ATOMIC_ACQ_REL,
						  __ATOMIC_RELAXED)))
		return false;
	struct zone *z = &n->zones[page->zone];
	pcp_free(z, this_cpu_pcp(z), page, order);
	return true;
}

__hot struct page *node_alloc_pages(struct mm_node *n, gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_fast(n, gfp, order);
	return likely(page) ? page : alloc_pages_caller(n, gfp, order, _RET_IP_);
}

__hot void node_free_pages(struct mm_node *n, struct page *page, unsigned int order)
{
	if (likely(free_fast(n, page, order)))
		return;
	free_pages_caller(n, page, order, _RET_IP_, false);
}

/* The frames of a run freed together (a large kmalloc, the tail of its block) are not the
 * small-block traffic the CPU lists amortize: on the order-0 lists they would wait for small
 * allocations while the next large one takes a new block from the buddy (the gcc trace's
 * footprint, docs/peers.md). Straight to the buddy, where they merge at once. */
void node_free_pages_to_buddy(struct mm_node *n, struct page *page, unsigned int order)
{
	free_pages_caller(n, page, order, _RET_IP_, true);
}

/* A run of order-0 pages (node_split_page()) is joined back into aligned blocks, each freed
 * once: the tails of a live block have refcount 0, its head the block's order. A 72 KiB large
 * kmalloc (18 frames) is two buddy operations, 16 + 2, not 18. */
void node_free_run_to_buddy(struct mm_node *n, struct page *page, unsigned long nr)
{
	unsigned long pfn = node_page_to_pfn(n, page);

	while (nr) {
		unsigned int order = MIN(__fls64(nr), (unsigned int)MAX_PAGE_ORDER);
		if (pfn)
			order = MIN(order, __ffs64(pfn));
		for (unsigned long i = 1; i < (1UL << order); i++)
			page[i].refcount = 0;
		page->order = (u8)order;
		free_pages_caller(n, page, order, _RET_IP_, true);
		page += 1UL << order;
		pfn += 1UL << order;
		nr -= 1UL << order;
	}
}

void *node_page_address(const struct mm_node *n, const struct page *page)
{
	return node_page_address_raw(n, page);
}

struct page *node_virt_to_page(const struct mm_node *n, const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	if (a < n->virt_base)
		return NULL;
	unsigned long pfn = (a - n->virt_base) >> PAGE_SHIFT;
	return node_pfn_valid(n, pfn) ? node_pfn_to_page_raw(n, pfn) : NULL;
}

void node_split_page(struct mm_node *n, struct page *page, unsigned int order)
{
	(void)n;
	for (unsigned long i = 1; i < (1UL << order); i++) {
		page[i].refcount = 1;
		page[i].order = 0;
		page[i].flags = (u16)((page[i].flags & ~PG_MT_MASK) | (page->flags & PG_MT_MASK));
	}
	page->order = 0;
}

/* The global node's API. */

__hot struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_fast(&contig_node, gfp, order);
	return likely(page) ? page : alloc_pages_caller(&contig_node, gfp, order, _RET_IP_);
}

__hot void __free_pages(struct page *page, unsigned int order)
{
	if (likely(free_fast(&contig_node, page, order)))
		return;
	free_pages_caller(&contig_node, page, order, _RET_IP_, false);
}

static unsigned long get_free_pages_caller(gfp_t gfp, unsigned int order, unsigned long caller)
{
	struct page *page = alloc_pages_caller(&contig_node, gfp, order, caller);
	return page ? (unsigned long)node_page_address(&contig_node, page) : 0;
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	return get_free_pages_caller(gfp, order, _RET_IP_);
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return get_free_pages_caller(gfp | __GFP_ZERO, 0, _RET_IP_);
}

/* Free by address with a caller for reports: the address must be a frame start in RAM. */
static void free_addr_caller(unsigned long addr, unsigned int order, unsigned long caller)
{
	struct page *page = node_virt_to_page(&contig_node, (void *)addr);
	char why[80];

	if (!page || (addr & (PAGE_SIZE - 1))) {
		ksnprintf(why, sizeof(why), "freeing address %#lx, which is not the start of a frame in RAM", addr);
		bad_page(&contig_node, NULL, why, caller);
		return;
	}
	free_pages_caller(&contig_node, page, order, caller, false);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		free_addr_caller(addr, order, _RET_IP_);
}

void *alloc_pages_exact(size_t size, gfp_t gfp)
{
	unsigned int order = get_order(size);
	unsigned long used = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;

	if (size == 0 || order > MAX_PAGE_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			printk(KERN_WARNING "alloc_pages_exact: invalid size %zu (caller %#lx)\n",
			       size, _RET_IP_);
		return NULL;
	}
	struct page *page = alloc_pages_caller(&contig_node, gfp, order, _RET_IP_);
	if (!page)
		return NULL;
	node_split_page(&contig_node, page, order);
	node_free_run_to_buddy(&contig_node, page + used, (1UL << order) - used);
	return node_page_address(&contig_node, page);
}

void free_pages_exact(void *addr, size_t size)
{
	unsigned long a = (unsigned long)addr, end = a + ALIGN_UP(size, PAGE_SIZE);

	for (; a < end; a += PAGE_SIZE)
		free_addr_caller(a, 0, _RET_IP_);
}

void *page_address(const struct page *page)
{
	return node_page_address(&contig_node, page);
}

struct page *virt_to_page(const void *addr)
{
	return node_virt_to_page(&contig_node, addr);
}

unsigned long page_to_pfn(const struct page *page)
{
	return node_page_to_pfn(&contig_node, page);
}

struct page *pfn_to_page(unsigned long pfn)
{
	return node_pfn_valid(&contig_node, pfn) ? node_pfn_to_page_raw(&contig_node, pfn) : NULL;
}

unsigned long nr_free_pages(void)
{
	return node_nr_free_pages(&contig_node);
}

unsigned long totalram_pages(void)
{
	return node_managed_pages(&contig_node, -1);
}
