/* tests/kernel/replay_test.c - ktest suite "replay" (kernel only): small in-memory traces
 * through the replay engine with figures known in advance, every inconsistency the replay
 * must stop at (with its line and reason, and every page back), corruption caught by the
 * pattern checks, and the frame map of kernel/pagemap.c. */
#include "tests/ktest.h"
#include "kernel/pagemap.h"
#include "kernel/replay.h"
#include "lib/kernel.h"
#include "mm/gfp.h"
#include "mm/slab.h"
#include "mm/zone.h"
#include "mm/compaction.h"

static struct replay_stats st;	/* static: keeps the kernel stack small */

/* Every operation once; handle 4 is still live at the end (the replay frees it). */
static const char every_op[] = "# every operation\r\n"
	"a 1 100\n"
	"z 2 5000\n"
	"c 3 40 replay_test\n"
	"r 1 4 300\n"
	"p 5 2\n"
	"f 2\n"
	"q 5\n"
	"f 3";

/* The figures of every_op, from the kmalloc classes (a cache object's ksize is its size). */
static void known_figures(struct ktest *t)
{
	u64 k100 = kmalloc_class_size(100), k300 = kmalloc_class_size(300);
	u64 k5000 = kmalloc_class_size(5000);

	KT_ASSERT_EQ(t, replay_buffer("every_op", every_op, sizeof(every_op) - 1, NULL, &st), 0);
	KT_EXPECT(t, !st.failed);
	KT_EXPECT_EQ(t, st.ops, 8);
	KT_EXPECT_EQ(t, st.live_peak_objs, 4);
	KT_EXPECT_EQ(t, st.req_peak_bytes, 300 + 5000 + 40 + 16384);
	KT_EXPECT_EQ(t, st.alloc_peak_bytes, k300 + k5000 + 40 + 16384);
	KT_EXPECT_EQ(t, st.req_total, 100 + 5000 + 40 + 300 + 16384);
	KT_EXPECT_EQ(t, st.alloc_total, k100 + k5000 + 40 + k300 + 16384);
	KT_EXPECT_EQ(t, st.live_objs, 0);
	KT_EXPECT_EQ(t, st.req_live, 0);
	KT_EXPECT(t, st.slab_peak_pages >= 1);		/* the new cache's first slab */
	KT_EXPECT(t, st.footprint_peak_bytes >= st.slab_peak_pages * PAGE_SIZE);
	KT_EXPECT_EQ(t, st.free_after, st.free_before);
}

/* Large kmalloc: ksize is whole pages, and they count in the footprint. */
static void large_objects(struct ktest *t)
{
	static const char trace[] = "a 1 8193\na 2 20000\nf 1\nr 2 3 40000\n";

	KT_ASSERT_EQ(t, replay_buffer("large", trace, sizeof(trace) - 1, NULL, &st), 0);
	KT_EXPECT_EQ(t, st.alloc_peak_bytes, 40960);
	KT_EXPECT_EQ(t, st.req_peak_bytes, 40000);
	KT_EXPECT_EQ(t, st.alloc_total, 12288 + 20480 + 40960);
	KT_EXPECT(t, st.footprint_peak_bytes >= 40960);
	KT_EXPECT_EQ(t, replay_waste_permille(st.req_total, st.alloc_total),
		     ((12288 + 20480 + 40960 - 68193) * 1000 + 73728 / 2) / 73728);
}

/* Empty and comment-only traces replay to ops=0, result ok. */
static void empty_traces(struct ktest *t)
{
	KT_EXPECT_EQ(t, replay_buffer("empty", "", 0, NULL, &st), 0);
	KT_EXPECT_EQ(t, st.ops, 0);
	KT_EXPECT_EQ(t, replay_buffer("comments", "# x\r\n\n#", 8, NULL, &st), 0);
	KT_EXPECT_EQ(t, st.ops, 0);
	KT_EXPECT_EQ(t, st.alloc_peak_bytes, 0);
}

/* The waste figure: rounded tenths of a percent, safe for huge sums. */
static void waste_figure(struct ktest *t)
{
	KT_EXPECT_EQ(t, replay_waste_permille(0, 0), 0);
	KT_EXPECT_EQ(t, replay_waste_permille(100, 200), 500);
	KT_EXPECT_EQ(t, replay_waste_permille(1, 3), 667);
	KT_EXPECT_EQ(t, replay_waste_permille(7, 7), 0);
	KT_EXPECT_EQ(t, replay_waste_permille(1ULL << 61, 1ULL << 62), 500);
}

struct bad_case {
	const char *trace;
	unsigned long line;
	const char *err;
};

static const struct bad_case bad_cases[] = {
	{ "a 1 8\nf 2\n", 2, "f of handle 2, which is not live" },
	{ "a 1 8\nf 1\nf 1\n", 3, "f of handle 1, which is not live" },
	{ "a 1 8\na 1 16\n", 2, "handle 1 is already live" },
	{ "p 1 0\nf 1\n", 2, "f of handle 1, which came from p (pages are freed with q)" },
	{ "a 1 8\nq 1\n", 2, "q of handle 1, which did not come from p" },
	{ "q 9\n", 1, "q of handle 9, which is not live" },
	{ "c 1 8 x\nr 1 2 16\n", 2, "r of handle 1, which did not come from kmalloc" },
	{ "r 1 2 16\n", 1, "r of handle 1, which is not live" },
	{ "a 1 8\na 2 8\nr 1 2 16\n", 3, "handle 2 is already live" },
	{ "c 1 8 x\nc 2 16 x\n", 2, "cache x has 8-byte objects, not 16" },
	{ "a 1 8\n\nbogus 1\n", 3, "unknown operation \"bogus\"" },
	{ "a 1 0\n", 1, "size 0" },
	{ "a 1 4194305\n", 1, "size beyond what kmalloc can serve \"4194305\"" },
	{ "p 1 11\n", 1, "order beyond the largest block \"11\"" },
	{ "a 1 8\n\x7f" "ELF\x02\x01 x\n", 2, "unknown operation \"?ELF??\"" },
	{ "a 1 8\nz 2 5000\np 3 3\nc 4 64 y\na 5 9000\nf 9\n", 6, "f of handle 9, which is not live" },
};

/* Each inconsistency stops the replay at its line with its reason; every page comes back. */
static void stops_at_errors(struct ktest *t)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		int ret = replay_buffer("bad", c->trace, strlen(c->trace), NULL, &st);
		if (ret != -1 || !st.failed || st.err_line != c->line || strcmp(st.err, c->err) ||
		    st.free_after != st.free_before)
			ktest_fail(t, __FILE__, __LINE__, "case %u: ret %d line %lu \"%s\" free pages "
				   "%lu -> %lu; want line %lu \"%s\"", i, ret, st.err_line, st.err,
				   st.free_before, st.free_after, c->line, c->err);
	}
}

/* A trace may create at most 64 caches. */
static void too_many_caches(struct ktest *t)
{
	static char trace[65 * 16];
	size_t len = 0;

	for (int i = 1; i <= 65; i++)
		len += (size_t)ksnprintf(trace + len, sizeof(trace) - len, "c %d 8 c%d\n", i, i);
	KT_EXPECT_EQ(t, replay_buffer("caches", trace, len, NULL, &st), -1);
	KT_EXPECT_EQ(t, st.err_line, 65);
	KT_EXPECT_STREQ(t, st.err, "more than 64 caches");
	KT_EXPECT_EQ(t, st.free_after, st.free_before);
}

static unsigned long corrupt_after;	/* operation after which corrupt() strikes */

/* on_op hook: flip a bit in byte 5 of handle 1 after operation corrupt_after. */
static void corrupt(unsigned long ops)
{
	char *p = replay_object(1);
	if (ops == corrupt_after && p)
		p[5] ^= 0x10;
}

/* Expect the replay of trace, with handle 1 corrupted after operation `after`, to stop on
 * line `line` with the corruption report. */
static void expect_corruption(struct ktest *t, const char *trace, unsigned long after,
			      unsigned long line)
{
	const struct replay_opts o = { .on_op = corrupt };

	corrupt_after = after;
	KT_EXPECT_EQ(t, replay_buffer("corrupt", trace, strlen(trace), &o, &st), -1);
	KT_EXPECT_EQ(t, st.err_line, line);
	KT_EXPECT_STREQ(t, st.err, "handle 1 corrupted: byte 5 of 100 differs from its pattern");
	KT_EXPECT_EQ(t, st.free_after, st.free_before);
}

/* A byte changed behind the allocator's back is caught at the next free, realloc, or the
 * final free of what the trace left live. */
static void catches_corruption(struct ktest *t)
{
	expect_corruption(t, "a 1 100\na 2 8\nf 2\nf 1\n", 2, 4);
	expect_corruption(t, "a 1 100\na 2 8\nr 1 3 200\n", 1, 3);
	expect_corruption(t, "a 1 100\na 2 8\n# the end\n", 2, 3);
}

/* The dry pass finds the operation after which the live requested bytes peak. */
static void peak_operation(struct ktest *t)
{
	const struct replay_opts o = { .pagemap_at_peak = true };
	int saved = console_loglevel;

	console_loglevel = 6;		/* the pagemap's KERN_INFO lines stay out of the KTAP */
	int ret = replay_buffer("peak", every_op, sizeof(every_op) - 1, &o, &st);
	console_loglevel = saved;
	KT_EXPECT_EQ(t, ret, 0);
	KT_EXPECT_EQ(t, st.peak_op, 5);
}

/* The frame map covers every frame once, agrees with the free count, and sees a slab, a large
 * kmalloc object and a page block. */
static void pagemap_counts(struct ktest *t)
{
	struct pagemap_counts c;
	int saved = console_loglevel;
	void *small = kmalloc(64, GFP_KERNEL), *large = kmalloc(20000, GFP_KERNEL);
	struct page *pages = alloc_pages(GFP_KERNEL, 2);

	KT_ASSERT(t, small && large && pages);
	console_loglevel = 6;
	pagemap_print("ktest", &c);
	console_loglevel = saved;
	KT_EXPECT_EQ(t, c.hole + c.reserved + c.free + c.pcp + c.slab + c.large + c.pages +
		     c.unknown, contig_node.max_pfn);
	KT_EXPECT_EQ(t, c.free + c.pcp, nr_free_pages());
	KT_EXPECT_EQ(t, c.unknown, 0);
	KT_EXPECT(t, c.slab >= slab_pages());
	KT_EXPECT(t, c.large >= 5);
	KT_EXPECT(t, c.pages >= 4);
	KT_EXPECT(t, c.reserved > 0);
	ktest_log(t, "%lu runs: %lu reserved, %lu free, %lu pcp, %lu slab, %lu large, %lu pages, "
		  "%lu hole", c.runs, c.reserved, c.free, c.pcp, c.slab, c.large, c.pages, c.hole);
	__free_pages(pages, 2);
	kfree(large);
	kfree(small);
}

/* Page handles are movable: a full compaction after half of up to 2000 page blocks (orders
 * 0-3, 3.75 frames each on average) were freed moves some of the rest (the handle table follows
 * them) and every pattern still checks out. A small machine gets fewer blocks (a quarter of
 * its free frames' worth), and below about four pageblocks of them the case is skipped. */
#define MOVE_PAGES 2000
#define MOVE_PAGES_MIN 512	/* about four pageblocks of them: something to compact */
static unsigned int move_pages;

static void compact_now(unsigned long ops)
{
	if (ops == move_pages + move_pages / 2)
		node_compact_memory(&contig_node, NULL);
}

static void pages_moved_by_compaction(struct ktest *t)
{
	size_t size = 16 * 2 * MOVE_PAGES, len = 0;
	const struct replay_opts o = { .on_op = compact_now };
	char *trace;

	move_pages = (unsigned int)MIN((unsigned long)MOVE_PAGES, nr_free_pages() / 4 * 4 / 15);
	move_pages &= ~1u;
	if (move_pages < MOVE_PAGES_MIN) {
		ktest_skip(t, "too little free memory for the page blocks");
		return;
	}
	trace = alloc_pages_exact(size, GFP_KERNEL);
	KT_ASSERT(t, trace != NULL);
	for (unsigned int i = 1; i <= move_pages; i++)
		len += (size_t)ksnprintf(trace + len, size - len, "p %u %u\n", i, i % 4);
	for (unsigned int i = 1; i <= move_pages; i += 2)
		len += (size_t)ksnprintf(trace + len, size - len, "q %u\n", i);
	for (unsigned int i = 2; i <= move_pages; i += 2)
		len += (size_t)ksnprintf(trace + len, size - len, "q %u\n", i);
	KT_EXPECT_EQ(t, replay_buffer("moved", trace, len, &o, &st), 0);
	KT_EXPECT(t, !st.failed);
	KT_EXPECT(t, st.pages_moved > 0);
	ktest_log(t, "%u page blocks, %lu handles moved by compaction, patterns intact",
		  move_pages, st.pages_moved);
	KT_EXPECT_EQ(t, st.free_after, st.free_before);
	free_pages_exact(trace, size);
}

static const struct ktest_case replay_cases[] = {
	KTEST_CASE(known_figures),
	KTEST_CASE(large_objects),
	KTEST_CASE(empty_traces),
	KTEST_CASE(waste_figure),
	KTEST_CASE(stops_at_errors),
	KTEST_CASE(too_many_caches),
	KTEST_CASE(catches_corruption),
	KTEST_CASE(peak_operation),
	KTEST_CASE(pagemap_counts),
	KTEST_CASE(pages_moved_by_compaction),
	KTEST_END,
};

const struct ktest_suite replay_suite = { "replay", replay_cases };
