/* tests/mm/churn_test.c - stress-highalloc in the style of mmtests, on the machine's node: fill
 * most of memory (85% of the free frames, at most 768 MiB; skipped below 24 MiB) with
 * interleaved movable and unmovable blocks of orders 0..3, free a random
 * half, then a burst of order-9 requests; three times: without mobility grouping, with it, and
 * with grouping and compaction. Each run prints its FRAG lines (after the churn, and after
 * compaction) and one line
 *   CHURN <mode> frames=<used> capacity=<c> loose=<l> burst=<b> rate=<b/c %>
 * (capacity: node_highalloc_capacity). Targets, checked for the compaction run: unusable index
 * at order 9 <= 0.100 after compaction in every zone of 128 MiB or more, and the burst >= 90%
 * of the capacity. Every movable block's contents are checked after the runs (compaction moved
 * them), and every frame comes back. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "mm/gfp.h"
#include "mm/zone.h"
#include "mm/compaction.h"
#include "lib/prandom.h"
#include "lib/string.h"
#include "lib/kernel.h"

#define CHURN_MAX_HANDLES (64UL << 10)
#define CHURN_MAX_FRAMES (192UL << 10)	/* fill at most 768 MiB (big machines: time) */
#define CHURN_FILL_PCT 85		/* of the free frames */
#define CHURN_UNMOVABLE_IN 20		/* one request in 20 is unmovable */
/* Zones whose unusable index is held to the target: 64 pageblocks (128 MiB) or more, where the
 * one pageblock left part-filled where the scanners met is under 2% of the zone. */
#define CHURN_TARGET_ZONE (64 * pageblock_nr_pages)

/* In this order: grouping off retypes every pageblock it touches unmovable, which the others
 * would inherit. */
enum churn_mode { CHURN_COMPACT, CHURN_GROUP, CHURN_NOGROUP };
static const char *const churn_mode_names[] = { "compact", "group", "nogroup" };

/* Called (when set: the kernel's CMDLINE="ktest=churn* pagemap") just before and after the
 * compaction run's compaction, to print the frame map. */
void (*churn_pagemap_hook)(const char *when);

static struct {
	struct mm_node *n;
	struct page **h;		/* handle i: its block, NULL when free */
	u8 *order;
	u8 *movable;
	unsigned long nr, moves, bad;
} ch;

static u64 churn_pattern(unsigned long i, unsigned long frame)
{
	return 0xd6e8feb86659fd93ULL * (i + 1) ^ (frame << 48);
}

static void churn_fill(unsigned long i)
{
	for (unsigned long f = 0; f < (1UL << ch.order[i]); f++) {
		u64 *w = (u64 *)((char *)node_page_address(ch.n, ch.h[i]) + (f << PAGE_SHIFT));
		w[0] = w[PAGE_SIZE / 8 - 1] = churn_pattern(i, f);
	}
}

static bool churn_intact(unsigned long i)
{
	for (unsigned long f = 0; f < (1UL << ch.order[i]); f++) {
		const u64 *w = (const u64 *)((char *)node_page_address(ch.n, ch.h[i]) + (f << PAGE_SHIFT));
		if (w[0] != churn_pattern(i, f) || w[PAGE_SIZE / 8 - 1] != churn_pattern(i, f))
			return false;
	}
	return true;
}

/* The owner's callback: copy, and point handle src->private at dst. */
static int churn_migrate(struct page *dst, struct page *src, unsigned int order)
{
	unsigned long i = src->private;

	if (i >= ch.nr || ch.h[i] != src || ch.order[i] != order) {
		ch.bad++;
		return -1;
	}
	memcpy(node_page_address(ch.n, dst), node_page_address(ch.n, src), PAGE_SIZE << order);
	ch.h[i] = dst;
	ch.moves++;
	return 0;
}

static const struct movable_operations churn_mops = { .migrate_page = churn_migrate };

/* Fill: interleaved requests until `target` frames are used or the allocator refuses. */
static unsigned long churn_fill_memory(struct prandom *r, unsigned long target, unsigned long max)
{
	unsigned long used = 0;

	for (ch.nr = 0; ch.nr < max && used < target; ch.nr++) {
		unsigned long i = ch.nr;
		bool movable = prandom_below(r, CHURN_UNMOVABLE_IN) != 0;
		unsigned int order = (unsigned int)prandom_below(r, 4);
		gfp_t gfp = (movable ? GFP_KERNEL_MOVABLE : GFP_KERNEL) | __GFP_NOWARN;
		ch.h[i] = node_alloc_pages(ch.n, gfp, order);
		if (!ch.h[i])
			break;
		ch.order[i] = (u8)order;
		ch.movable[i] = movable;
		churn_fill(i);
		ch.h[i]->private = i;
		if (movable && node_set_page_movable(ch.n, ch.h[i], &churn_mops) < 0)
			ch.bad++;
		used += 1UL << order;
	}
	return used;
}

static void churn_free_all(struct ktest *t)
{
	for (unsigned long i = 0; i < ch.nr; i++)
		if (ch.h[i]) {
			KT_EXPECT(t, churn_intact(i));
			node_free_pages(ch.n, ch.h[i], ch.order[i]);
			ch.h[i] = NULL;
		}
}

/* Is the unusable free space index at order 9 of every zone with capacity at most 0.100? */
static bool churn_unusable_ok(struct mm_node *n)
{
	bool ok = true;

	for (unsigned int z = 0; z < n->nr_zones; z++)
		if (n->zones[z].managed_pages >= CHURN_TARGET_ZONE)
			ok &= zone_frag_index(&n->zones[z], 9).unusable <= 100;
	return ok;
}

static void churn_run(struct ktest *t, enum churn_mode mode, unsigned long max)
{
	struct mm_node *n = ch.n;
	const char *name = churn_mode_names[mode];
	struct prandom r;
	char when[32];

	prandom_seed(&r, 42);
	node_drain_pages(n);
	unsigned long free0 = node_nr_free_pages(n);
	node_set_group_by_mobility(n, mode != CHURN_NOGROUP);
	unsigned long used = churn_fill_memory(&r, MIN(free0 / 100 * CHURN_FILL_PCT, CHURN_MAX_FRAMES),
					       max);
	for (unsigned long i = 0; i < ch.nr; i++)
		if (ch.h[i] && prandom_below(&r, 2)) {
			node_free_pages(n, ch.h[i], ch.order[i]);
			ch.h[i] = NULL;
		}
	node_drain_pages(n);
	ksnprintf(when, sizeof(when), "%s-after-churn", name);
	node_print_frag(n, when);
	if (mode == CHURN_COMPACT) {
		unsigned long before = node_nr_free_pages(n);
		struct compact_result res = { 0, 0 };
		if (churn_pagemap_hook)
			churn_pagemap_hook("churn-before-compact");
		node_compact_memory(n, &res);
		if (churn_pagemap_hook)
			churn_pagemap_hook("churn-after-compact");
		node_drain_pages(n);
		KT_EXPECT_EQ(t, node_nr_free_pages(n), before);	/* every frame accounted for */
		KT_EXPECT_EQ(t, node_check(n, true), 0);
		ksnprintf(when, sizeof(when), "%s-after-compact", name);
		node_print_frag(n, when);
		KT_EXPECT(t, churn_unusable_ok(n));
		ktest_log(t, "compaction: %lu blocks moved, %lu refused", res.migrated, res.failed);
	}
	unsigned long loose, cap = node_highalloc_capacity(n, &loose);
	gfp_t gfp = mode == CHURN_COMPACT ? GFP_KERNEL_MOVABLE : __GFP_MOVABLE | __GFP_KSWAPD_RECLAIM;
	unsigned long burst = node_highalloc_burst(n, gfp, cap + 16);
	printk(KERN_INFO "CHURN %s frames=%lu capacity=%lu loose=%lu burst=%lu rate=%lu%%\n", name,
	       used, cap, loose, burst, cap ? burst * 100 / cap : 0);
	if (mode == CHURN_COMPACT) {
		KT_EXPECT(t, burst * 10 >= cap * 9);
		if (free0 >= CHURN_TARGET_ZONE)		/* room for order-9 blocks at all */
			KT_EXPECT(t, cap > 0);
	}
	churn_free_all(t);
	node_drain_pages(n);
	KT_EXPECT_EQ(t, node_nr_free_pages(n), free0);
	node_set_group_by_mobility(n, true);
}

/* The three runs on the machine's node, their contents checked and every frame back. */
static void churn_highalloc(struct ktest *t)
{
	unsigned long max = MIN(node_nr_free_pages(&contig_node), CHURN_MAX_HANDLES);

	if (!fixture_enough_ram(t))
		return;
	memset(&ch, 0, sizeof(ch));
	ch.n = &contig_node;
	ch.h = alloc_pages_exact(max * sizeof(*ch.h), GFP_KERNEL);
	ch.order = alloc_pages_exact(max, GFP_KERNEL);
	ch.movable = alloc_pages_exact(max, GFP_KERNEL);
	KT_ASSERT(t, ch.h && ch.order && ch.movable);
	unsigned long free0 = node_nr_free_pages(ch.n);
	for (int mode = CHURN_COMPACT; mode <= CHURN_NOGROUP; mode++)
		churn_run(t, (enum churn_mode)mode, max);
	KT_EXPECT_EQ(t, ch.bad, 0);
	ktest_log(t, "%lu blocks moved by compaction, contents checked", ch.moves);
	node_drain_pages(ch.n);
	KT_EXPECT_EQ(t, node_nr_free_pages(ch.n), free0);
	free_pages_exact(ch.movable, max);
	free_pages_exact(ch.order, max);
	free_pages_exact(ch.h, max * sizeof(*ch.h));
}

static const struct ktest_case churn_cases[] = {
	KTEST_CASE(churn_highalloc),
	KTEST_END
};
const struct ktest_suite churn_suite = { "churn", churn_cases };
