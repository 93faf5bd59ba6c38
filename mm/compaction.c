/* mm/compaction.c - movable blocks and the zone compactor (Linux's mm/compaction.c and the
 * movable_operations half of mm/migrate.c).
 *
 * Movable blocks. An owner that can move one of its allocated blocks registers it with
 * node_set_page_movable(): the block gets PG_movable and page->mops, the owner's callbacks;
 * page->private stays the owner's (copied to the new block on migration). Migrating a block
 * means: compaction isolates it (PG_isolated, under n->movable_lock), hands the owner a free
 * block of the same order, and the owner's migrate_page() copies the contents and points its
 * reference at the new block (or refuses: -EAGAIN). Then the old block goes back to the buddy
 * and the new one is the movable one. A free of a movable block clears PG_movable, waiting
 * while compaction holds the block isolated (the owner's callback may refuse, so that wait
 * never needs the owner; an interrupt handler must not free a movable block, as it could wait
 * for the compaction it interrupted). Only PG_movable blocks are ever moved: anything else is
 * unmovable.
 *
 * The compactor (compact_zone) runs Linux's two scanners over one zone, a pageblock at a time:
 *   the migrate scanner walks up from the zone start; it looks at each chunk (2^order frames
 *     for a request of that order, a pageblock for a full compaction) and, when every frame of
 *     it is free or movable, isolates its movable blocks (Linux's skip-on-failure: a chunk with
 *     one unmovable frame cannot become free, so moving its neighbours would only waste space);
 *   the free scanner walks down from the zone end; it isolates the free blocks of movable
 *     pageblocks (Linux's suitable_migration_target) into the compactor's own lists, as few
 *     pageblocks as the isolated movable blocks need;
 *   each isolated movable block migrates to a free one (split to its order), and its old frames
 *     are freed to the buddy, where they merge. The scanners stop where they meet, or as soon
 *     as the zone has a free block of the requested order; unused free blocks go back.
 * Frames are never lost: every isolated free block is either the target of a migration (and
 * then the owner's) or given back, and every migrated block's old frames are freed; free pages
 * before == after a pass, which tests check.
 *
 * Locks: n->movable_lock -> zone->lock (the migrate scanner holds both while it reads a chunk,
 * so that free blocks and movable blocks hold still); the owner's callbacks run with none.
 * Never from interrupt context: page_alloc.c compacts only for requests that may sleep
 * (__GFP_DIRECT_RECLAIM: GFP_ATOMIC never does), as in Linux.
 *
 * Layers: above buddy.c (the free lists, under zone->lock), zone.c and page_poison.c (the hooks
 * for a block taken from or given to the buddy); page_alloc.c calls in (direct compaction, the
 * free of a movable block, compaction on demand); nothing here calls up.
 */
#include "mm/internal.h"
#include "lib/string.h"

#define COMPACT_CLUSTER_MAX 32		/* movable blocks isolated at a time (Linux's) */

struct compact_control {
	struct zone *z;
	int order;			/* the request's; -1: the whole zone */
	unsigned long chunk;		/* frames the migrate scanner judges at once */
	unsigned long migrate_pfn;	/* the migrate scanner's next frame */
	unsigned long chunk_ok_end;	/* [chunk start, this) found all free or movable */
	unsigned long free_pfn;		/* the lowest pageblock the free scanner has scanned */
	struct list_head freepages[NR_PAGE_ORDERS];	/* isolated free blocks, by order */
	unsigned long nr_free;		/* frames on them */
	unsigned long migrate[COMPACT_CLUSTER_MAX];	/* isolated movable blocks' pfns */
	unsigned int nr_migrate;
	unsigned long migrated, failed;	/* blocks */
};

int node_set_page_movable(struct mm_node *n, struct page *page,
			  const struct movable_operations *mops)
{
	unsigned long flags;
	int ret = -1;

	if (!mops || !mops->migrate_page)
		return -1;
	spin_lock_irqsave(&n->movable_lock, flags);
	if (page->refcount > 0 && !(page->flags & (PG_ANY_OWNER_FLAGS & ~PG_movable))) {
		page->mops = mops;
		page->flags |= PG_movable;
		ret = 0;
	}
	spin_unlock_irqrestore(&n->movable_lock, flags);
	if (ret) {		/* bad_page()'s report (page_alloc.c is above this file) */
		__atomic_fetch_add(&n->nr_bad, 1, __ATOMIC_RELAXED);
		printk(KERN_ERR "BUG: Bad page state: pfn:%#lx flags:%#x order:%u refcount:%d: "
		       "node_set_page_movable: not an allocated page block (caller %#lx)\n",
		       node_page_to_pfn(n, page), page->flags, page->order, page->refcount,
		       _RET_IP_);
	}
	return ret;
}

void page_movable_release(struct mm_node *n, struct page *page)
{
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&n->movable_lock, flags);
		if (!(page->flags & PG_isolated))
			break;
		spin_unlock_irqrestore(&n->movable_lock, flags);
		cpu_relax();
	}
	page->flags &= (u16)~PG_movable;
	page->mops = NULL;
	spin_unlock_irqrestore(&n->movable_lock, flags);
}

/* Is the pageblock at pfn (aligned) wholly inside z, with descriptors? */
static bool pageblock_in_zone(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->start_pfn && pfn + pageblock_nr_pages <= z->end_pfn &&
	       node_pfn_valid(z->node, pfn);
}

/* ---- the free scanner ---- */

/* Isolate the free blocks of the pageblock at pfn onto cc's lists (z->lock held), unless it
 * is not movable or is one free block already (Linux's suitable_migration_target). */
static void isolate_freepages_block(struct compact_control *cc, unsigned long pfn)
{
	struct zone *z = cc->z;
	struct mm_node *n = z->node;
	unsigned long end = pfn + pageblock_nr_pages;

	if (!n->group_by_mobility_disabled &&
	    node_pageblock_migratetype(n, pfn) != MIGRATE_MOVABLE)
		return;
	struct page *first = node_pfn_to_page_raw(n, pfn);
	if (PageBuddy(first) && first->order >= pageblock_order)
		return;
	while (pfn < end) {
		struct page *p = node_pfn_to_page_raw(n, pfn);
		if (!PageBuddy(p)) {
			pfn++;
			continue;
		}
		unsigned int k = buddy_isolate_locked(z, p);
		list_add_tail(&p->lru, &cc->freepages[k]);
		cc->nr_free += 1UL << k;
		pfn += 1UL << k;
	}
}

/* Scan pageblocks down from the free scanner's place, above the migrate scanner's pageblock,
 * until cc holds at least `need` free frames. */
static void isolate_freepages(struct compact_control *cc, unsigned long need)
{
	struct zone *z = cc->z;
	unsigned long low = cc->migrate_pfn & ~(pageblock_nr_pages - 1), flags;

	while (cc->nr_free < need && cc->free_pfn >= low + 2 * pageblock_nr_pages) {
		cc->free_pfn -= pageblock_nr_pages;
		if (!pageblock_in_zone(z, cc->free_pfn))
			continue;
		spin_lock_irqsave(&z->lock, flags);
		isolate_freepages_block(cc, cc->free_pfn);
		spin_unlock_irqrestore(&z->lock, flags);
	}
}

/* A free block of order k off cc's lists, split from a larger one if needed (the rest stays
 * on the lists); NULL if cc has none. */
static struct page *compaction_alloc(struct compact_control *cc, unsigned int k)
{
	struct mm_node *n = cc->z->node;
	unsigned int j = k;

	while (j <= MAX_PAGE_ORDER && list_empty(&cc->freepages[j]))
		j++;
	if (j > MAX_PAGE_ORDER)
		return NULL;
	struct page *page = list_first_entry(&cc->freepages[j], struct page, lru);
	unsigned long pfn = node_page_to_pfn(n, page);
	list_del(&page->lru);
	while (j > k) {
		j--;
		struct page *upper = node_pfn_to_page_raw(n, pfn + (1UL << j));
		upper->order = (u8)j;
		list_add(&upper->lru, &cc->freepages[j]);
	}
	cc->nr_free -= 1UL << k;
	page->order = (u8)k;
	return page;
}

/* Give every free block cc still holds back to the buddy. */
static void release_freepages(struct compact_control *cc)
{
	struct zone *z = cc->z;
	unsigned long flags;

	spin_lock_irqsave(&z->lock, flags);
	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
		while (!list_empty(&cc->freepages[k])) {
			struct page *p = list_first_entry(&cc->freepages[k], struct page, lru);
			list_del(&p->lru);
			buddy_put_locked(z, node_page_to_pfn(z->node, p), k);
		}
	spin_unlock_irqrestore(&z->lock, flags);
	cc->nr_free = 0;
}

/* ---- the migrate scanner ---- */

/* May every frame of [pfn, end) be freed by moving its movable blocks, and does it hold one?
 * (movable_lock and z->lock held) */
static bool chunk_movable(const struct zone *z, unsigned long pfn, unsigned long end)
{
	bool any = false;

	while (pfn < end) {
		const struct page *p = node_pfn_to_page_raw(z->node, pfn);
		if (PageBuddy(p)) {
			pfn += 1UL << p->order;
		} else if ((p->flags & (PG_movable | PG_isolated)) == PG_movable && p->refcount > 0 &&
			   p->order <= MAX_PAGE_ORDER) {
			any = true;
			pfn += 1UL << p->order;
		} else {
			return false;
		}
	}
	return any;
}

/* Isolate up to COMPACT_CLUSTER_MAX movable blocks from the migrate scanner's place on,
 * within its pageblock. */
static void isolate_migratepages(struct compact_control *cc)
{
	struct zone *z = cc->z;
	struct mm_node *n = z->node;
	unsigned long pfn = cc->migrate_pfn, block_end = (pfn | (pageblock_nr_pages - 1)) + 1;
	unsigned long mflags, zflags;

	if (!pageblock_in_zone(z, pfn & ~(pageblock_nr_pages - 1))) {
		cc->migrate_pfn = block_end;
		return;
	}
	spin_lock_irqsave(&n->movable_lock, mflags);
	spin_lock_irqsave(&z->lock, zflags);
	while (pfn < block_end && cc->nr_migrate < COMPACT_CLUSTER_MAX) {
		if (pfn >= cc->chunk_ok_end) {		/* a new chunk: judge it whole */
			unsigned long cend = pfn + cc->chunk;
			if (!chunk_movable(z, pfn, cend)) {
				pfn = cend;
				continue;
			}
			cc->chunk_ok_end = cend;
		}
		struct page *p = node_pfn_to_page_raw(n, pfn);
		if (PageBuddy(p)) {
			pfn += 1UL << p->order;
			continue;
		}
		if ((p->flags & (PG_movable | PG_isolated)) == PG_movable && p->refcount > 0) {
			p->flags |= PG_isolated;
			cc->migrate[cc->nr_migrate++] = pfn;
			pfn += 1UL << p->order;
			continue;
		}
		pfn++;		/* changed since the chunk was judged: leave it */
	}
	spin_unlock_irqrestore(&z->lock, zflags);
	spin_unlock_irqrestore(&n->movable_lock, mflags);
	cc->migrate_pfn = pfn;
}

/* The isolated block src is no longer compaction's: its owner may free it. */
static void putback_movable(struct mm_node *n, struct page *src)
{
	unsigned long flags;

	spin_lock_irqsave(&n->movable_lock, flags);
	src->flags &= (u16)~PG_isolated;
	spin_unlock_irqrestore(&n->movable_lock, flags);
}

/* Move the isolated block src (order k) to dst, a free block of cc's. Returns 0, or -1 (the
 * owner refused: src stays, dst is cc's again). */
static int migrate_one(struct compact_control *cc, struct page *src, struct page *dst,
		       unsigned int k)
{
	struct zone *z = cc->z;
	struct mm_node *n = z->node;
	unsigned long flags;

	if (unlikely(n->free_mode == PAGE_FREE_POISON))
		page_poison_check_alloc(n, dst, k, _RET_IP_);
	dst->refcount = 1;
	dst->order = (u8)k;
	dst->flags = (u16)((dst->flags & ~PG_MT_MASK) | (src->flags & PG_MT_MASK));
	dst->private = src->private;
	if (src->mops->migrate_page(dst, src, k) != 0) {
		dst->refcount = 0;
		dst->private = 0;
		list_add(&dst->lru, &cc->freepages[k]);
		cc->nr_free += 1UL << k;
		putback_movable(n, src);
		return -1;
	}
	spin_lock_irqsave(&n->movable_lock, flags);
	dst->mops = src->mops;
	dst->flags |= PG_movable;
	src->flags &= (u16)~(PG_movable | PG_isolated);
	src->mops = NULL;
	spin_unlock_irqrestore(&n->movable_lock, flags);
	/* src's frames are compaction's now (the owner let go of them): free them, unless its
	 * owner freed it meanwhile (its free, which waited for us, gives it back). */
	s32 one = 1;
	if (!__atomic_compare_exchange_n(&src->refcount, &one, 0, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return 0;
	src->private = 0;
	if (unlikely(n->free_mode != PAGE_FREE_KEEP))
		page_free_prepare(n, src, k, _RET_IP_);
	spin_lock_irqsave(&z->lock, flags);
	buddy_put_locked(z, node_page_to_pfn(n, src), k);
	spin_unlock_irqrestore(&z->lock, flags);
	return 0;
}

/* Migrate every isolated block; false when the free scanner ran out of targets. */
static bool migrate_pages(struct compact_control *cc)
{
	struct mm_node *n = cc->z->node;
	unsigned long need = 0;
	bool ok = true;

	for (unsigned int i = 0; i < cc->nr_migrate; i++)
		need += 1UL << node_pfn_to_page_raw(n, cc->migrate[i])->order;
	isolate_freepages(cc, need);
	for (unsigned int i = 0; i < cc->nr_migrate; i++) {
		struct page *src = node_pfn_to_page_raw(n, cc->migrate[i]);
		unsigned int k = src->order;
		struct page *dst = ok ? compaction_alloc(cc, k) : NULL;
		while (!dst && ok) {	/* no free block that large yet: scan another pageblock */
			unsigned long before = cc->free_pfn;
			isolate_freepages(cc, cc->nr_free + (1UL << k));
			if (cc->free_pfn == before)
				ok = false;
			else
				dst = compaction_alloc(cc, k);
		}
		if (!dst) {
			ok = false;
			putback_movable(n, src);
			continue;
		}
		if (migrate_one(cc, src, dst, k) == 0)
			cc->migrated++;
		else
			cc->failed++;
	}
	cc->nr_migrate = 0;
	return ok;
}

/* Has z a free block of cc's order (above the min watermark)? Never for a full compaction. */
static bool compact_finished(const struct compact_control *cc)
{
	const struct zone *z = cc->z;

	if (cc->order < 0)
		return false;
	if (__atomic_load_n(&z->free_pages, __ATOMIC_RELAXED) <
	    z->watermark[WMARK_MIN] + (1UL << cc->order))
		return false;
	for (unsigned int k = (unsigned int)cc->order; k <= MAX_PAGE_ORDER; k++)
		if (__atomic_load_n(&z->free_area[k].nr_free, __ATOMIC_RELAXED))
			return true;
	return false;
}

bool compact_zone(struct zone *z, int order, struct compact_result *res)
{
	struct compact_control cc = { .z = z, .order = order };
	bool done = false;

	if (!z->managed_pages || !z->node->pageblock_flags)
		return false;
	cc.chunk = 1UL << (order < 0 ? pageblock_order : MIN((unsigned int)order, pageblock_order));
	cc.migrate_pfn = ALIGN_UP(z->start_pfn, pageblock_nr_pages);
	cc.free_pfn = ALIGN_UP(z->end_pfn, pageblock_nr_pages);
	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
		INIT_LIST_HEAD(&cc.freepages[k]);
	while (!(done = compact_finished(&cc)) &&
	       (cc.migrate_pfn & ~(pageblock_nr_pages - 1)) + pageblock_nr_pages <= cc.free_pfn) {
		isolate_migratepages(&cc);
		if (cc.nr_migrate && !migrate_pages(&cc))
			break;
	}
	release_freepages(&cc);
	if (res) {
		res->migrated += cc.migrated;
		res->failed += cc.failed;
	}
	__atomic_fetch_add(&z->node->compact_migrated, cc.migrated, __ATOMIC_RELAXED);
	__atomic_fetch_add(&z->node->compact_migrate_failed, cc.failed, __ATOMIC_RELAXED);
	return done || compact_finished(&cc);
}
