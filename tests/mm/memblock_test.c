/* tests/mm/memblock_test.c - the boot allocator: merging, splitting, top-down aligned
 * allocation under a limit, and the free ranges handed to the buddy allocator. */
#include "tests/ktest.h"
#include "mm/memblock.h"

static struct memblock mb;	/* static: too large for a kernel stack */

/* Touching and overlapping adds merge; unaligned edges shrink inward. */
static void add_merges(struct ktest *t)
{
	memblock_init(&mb);
	memblock_add(&mb, 0x1000, 0x1000);
	memblock_add(&mb, 0x3000, 0x1000);
	memblock_add(&mb, 0x2000, 0x1000);		/* fills the gap: one region */
	memblock_add(&mb, 0x10800, 0x1000);		/* less than a page inward: nothing */
	KT_ASSERT_EQ(t, mb.memory.count, 1);
	KT_EXPECT_EQ(t, mb.memory.regions[0].base, 0x1000);
	KT_EXPECT_EQ(t, mb.memory.regions[0].end, 0x4000);
	KT_EXPECT_EQ(t, memblock_phys_mem_size(&mb), 0x3000);
}

/* Removing the middle of a region splits it. */
static void remove_splits(struct ktest *t)
{
	memblock_init(&mb);
	memblock_add(&mb, 0, 0x10000);
	memblock_remove(&mb, 0x4000, 0x2000);
	KT_ASSERT_EQ(t, mb.memory.count, 2);
	KT_EXPECT_EQ(t, mb.memory.regions[0].end, 0x4000);
	KT_EXPECT_EQ(t, mb.memory.regions[1].base, 0x6000);
	memblock_remove(&mb, 0, 0x100000);
	KT_EXPECT_EQ(t, mb.memory.count, 0);
}

/* Allocation is top-down, aligned, below the limit, never over a reservation. */
static void alloc_top_down(struct ktest *t)
{
	memblock_init(&mb);
	memblock_add(&mb, 0, 0x400000);
	memblock_reserve(&mb, 0x3ff000, 0x1000);
	KT_EXPECT_EQ(t, memblock_alloc(&mb, 0x1000, 0x1000), 0x3fe000);
	KT_EXPECT_EQ(t, memblock_alloc(&mb, 0x1000, 0x200000), 0x200000);
	mb.alloc_limit = 0x100000;
	KT_EXPECT_EQ(t, memblock_alloc(&mb, 0x2000, 0x1000), 0xfe000);
	KT_EXPECT_EQ(t, memblock_alloc(&mb, 0x200000, 0x1000), 0);	/* does not fit */
	KT_EXPECT(t, !memblock_is_free(&mb, 0xfe000, 0x1000));
	KT_EXPECT(t, memblock_is_free(&mb, 0x1000, 0x1000));
	KT_EXPECT_EQ(t, mb.allocated, 0x4000);
}

struct ranges {
	int n;
	phys_addr_t b[8], e[8];
};

static void collect(phys_addr_t b, phys_addr_t e, void *arg)
{
	struct ranges *r = arg;
	if (r->n < 8) {
		r->b[r->n] = b;
		r->e[r->n] = e;
	}
	r->n++;
}

/* Free ranges are memory minus reservations, in order; reservations outside memory ignored. */
static void free_ranges(struct ktest *t)
{
	struct ranges r = { 0 };
	memblock_init(&mb);
	memblock_add(&mb, 0, 0x10000);
	memblock_add(&mb, 0x20000, 0x10000);
	memblock_reserve(&mb, 0, 0x1000);
	memblock_reserve(&mb, 0x8000, 0x1800);		/* expands to 0x8000-0xa000 */
	memblock_reserve(&mb, 0x18000, 0x1000);		/* in the hole */
	memblock_reserve(&mb, 0x2f000, 0x10000);	/* past the end */
	memblock_for_each_free(&mb, collect, &r);
	KT_ASSERT_EQ(t, r.n, 3);
	KT_EXPECT_EQ(t, r.b[0], 0x1000);
	KT_EXPECT_EQ(t, r.e[0], 0x8000);
	KT_EXPECT_EQ(t, r.b[1], 0xa000);
	KT_EXPECT_EQ(t, r.e[1], 0x10000);
	KT_EXPECT_EQ(t, r.b[2], 0x20000);
	KT_EXPECT_EQ(t, r.e[2], 0x2f000);
	memblock_free(&mb, 0x8000, 0x2000);
	r.n = 0;
	memblock_for_each_free(&mb, collect, &r);
	KT_EXPECT_EQ(t, r.n, 2);
}

/* A full region table drops new regions with a report instead of overrunning. */
static void table_full(struct ktest *t)
{
	memblock_init(&mb);
	for (int i = 0; i <= MEMBLOCK_MAX_REGIONS; i++)
		memblock_add(&mb, (phys_addr_t)i * 0x2000, 0x1000);
	KT_EXPECT_EQ(t, mb.memory.count, MEMBLOCK_MAX_REGIONS);
	KT_EXPECT_EQ(t, mb.memory.dropped, 1);
}

/* With the table full, removing the middle of a region cannot split it: the region loses
 * everything from the hole up (counted), never more regions than the table holds. */
static void remove_table_full(struct ktest *t)
{
	memblock_init(&mb);
	for (int i = 0; i < MEMBLOCK_MAX_REGIONS; i++)
		memblock_add(&mb, (phys_addr_t)i * 0x10000, 0x8000);
	KT_ASSERT_EQ(t, mb.memory.count, MEMBLOCK_MAX_REGIONS);
	KT_EXPECT_EQ(t, memblock_remove(&mb, 0x52000, 0x2000), 0);	/* inside region 5 */
	KT_EXPECT_EQ(t, mb.memory.count, MEMBLOCK_MAX_REGIONS);
	KT_EXPECT_EQ(t, mb.memory.dropped, 1);
	KT_EXPECT_EQ(t, mb.memory.regions[5].base, 0x50000);
	KT_EXPECT_EQ(t, mb.memory.regions[5].end, 0x52000);
	KT_EXPECT(t, !memblock_is_memory(&mb, 0x54000, 0x1000));
	KT_EXPECT_EQ(t, mb.memory.regions[6].base, 0x60000);
}

static const struct ktest_case memblock_cases[] = {
	KTEST_CASE(add_merges),
	KTEST_CASE(remove_splits),
	KTEST_CASE(alloc_top_down),
	KTEST_CASE(free_ranges),
	KTEST_CASE(table_full),
	KTEST_CASE(remove_table_full),
	KTEST_END,
};

const struct ktest_suite memblock_suite = { "memblock", memblock_cases };
