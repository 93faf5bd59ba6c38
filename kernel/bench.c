/* kernel/bench.c - deterministic allocator benchmarks.
 *
 * Under `qemu -accel tcg -icount shift=0` the TSC advances by one per guest instruction, so
 * rdtsc() around a loop counts instructions: the same on every run and every machine. The loops
 * are those of the Linux 6.1 anchor module (../shared/anchor/slabbench.c), one to one:
 * batch = N allocations in a row, then N frees (ticks of each loop / N); pair = N times an
 * allocation freed at once (ticks / N); minimum over 5 repetitions; N = 10000 objects, 1000 page
 * blocks (32 for order 9). The loops run with interrupts enabled, as the anchor's did: the
 * LAPIC timer (hz=, kernel/irq.h) may tick inside one, at deterministic instruction counts
 * under -icount; the ticks that landed in the measured loops are counted and said in one
 * "bench:" line (the minimum over the repetitions mostly keeps a loop without one).
 */
#include "kernel/bench.h"
#include "kernel/arch.h"
#include "kernel/irq.h"
#include "kernel/smp.h"
#include "lib/irqflags.h"
#include "lib/kernel.h"
#include "mm/gfp.h"
#include "mm/slab.h"
#include "mm/zone.h"

#define N    10000
#define REPS 5

static void **ptrs;
static u64 loop_ticks;		/* timer ticks that landed in the measured loops */

/* This CPU's timer ticks so far: read outside the measured windows. */
static inline u64 ticks_now(void)
{
	return __atomic_load_n(&this_cpu_area()->irq.ticks, __ATOMIC_RELAXED);
}

static inline u64 now(void)
{
	return rdtsc();
}

static void row(const char *op, unsigned long size, const char *pattern, u64 ticks)
{
	printk(KERN_INFO "BENCH %s %lu %s %llu\n", op, size, pattern, (unsigned long long)ticks);
}

/* best[0..2] = min over reps of alloc-batch, free-batch, pair. */
struct best {
	u64 a, f, p;
};

static void keep_min(struct best *b, u64 a, u64 f, u64 p)
{
	b->a = MIN(b->a, a);
	b->f = MIN(b->f, f);
	b->p = MIN(b->p, p);
}

static void bench_kmalloc(size_t size, gfp_t gfp, const char *op_a, const char *op_f,
			  const char *op_p, const char *suffix)
{
	struct best b = { ~0ULL, ~0ULL, ~0ULL };
	char pa[40], pf[40], pp[40];

	for (int rep = 0; rep < REPS; rep++) {
		u64 tk = ticks_now();
		u64 t0 = now();
		for (int i = 0; i < N; i++)
			ptrs[i] = kmalloc(size, gfp);
		u64 t1 = now();
		for (int i = 0; i < N; i++)
			kfree(ptrs[i]);
		u64 t2 = now();
		u64 a = (t1 - t0) / N, f = (t2 - t1) / N;
		t0 = now();
		for (int i = 0; i < N; i++)
			kfree(kmalloc(size, gfp));
		t1 = now();
		loop_ticks += ticks_now() - tk;
		keep_min(&b, a, f, (t1 - t0) / N);
	}
	ksnprintf(pa, sizeof(pa), "batch%s", suffix);
	ksnprintf(pf, sizeof(pf), "batch%s", suffix);
	ksnprintf(pp, sizeof(pp), "pair%s", suffix);
	if (op_a)
		row(op_a, size, pa, b.a);
	if (op_f)
		row(op_f, size, pf, b.f);
	row(op_p, size, pp, b.p);
}

static void bench_cache(size_t size)
{
	struct kmem_cache *c = kmem_cache_create("bench", (unsigned int)size, 0, 0, NULL);
	struct best b = { ~0ULL, ~0ULL, ~0ULL };

	if (!c)
		return;
	for (int rep = 0; rep < REPS; rep++) {
		u64 tk = ticks_now();
		u64 t0 = now();
		for (int i = 0; i < N; i++)
			ptrs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		u64 t1 = now();
		for (int i = 0; i < N; i++)
			kmem_cache_free(c, ptrs[i]);
		u64 t2 = now();
		u64 a = (t1 - t0) / N, f = (t2 - t1) / N;
		t0 = now();
		for (int i = 0; i < N; i++)
			kmem_cache_free(c, kmem_cache_alloc(c, GFP_KERNEL));
		t1 = now();
		loop_ticks += ticks_now() - tk;
		keep_min(&b, a, f, (t1 - t0) / N);
	}
	kmem_cache_destroy(c);
	row("kmem_cache_alloc", size, "batch", b.a);
	row("kmem_cache_free", size, "batch", b.f);
	row("kmem_cache_alloc+free", size, "pair", b.p);
}

/* Our own row: the bulk API on the same cache shape, per object. */
static void bench_bulk(size_t size)
{
	struct kmem_cache *c = kmem_cache_create("bench-bulk", (unsigned int)size, 0, 0, NULL);
	u64 best_a = ~0ULL, best_f = ~0ULL;

	if (!c)
		return;
	for (int rep = 0; rep < REPS; rep++) {
		u64 tk = ticks_now();
		u64 t0 = now();
		int got = kmem_cache_alloc_bulk(c, GFP_KERNEL, N, ptrs);
		u64 t1 = now();
		if (got)
			kmem_cache_free_bulk(c, N, ptrs);
		u64 t2 = now();
		loop_ticks += ticks_now() - tk;
		best_a = MIN(best_a, (t1 - t0) / N);
		best_f = MIN(best_f, (t2 - t1) / N);
	}
	kmem_cache_destroy(c);
	row("kmem_cache_alloc_bulk", size, "batch", best_a);
	row("kmem_cache_free_bulk", size, "batch", best_f);
}

static void bench_pages(unsigned int order)
{
	int np = order >= 9 ? 32 : 1000;
	struct best b = { ~0ULL, ~0ULL, ~0ULL };

	for (int rep = 0; rep < REPS; rep++) {
		u64 tk = ticks_now();
		u64 t0 = now();
		for (int i = 0; i < np; i++)
			ptrs[i] = alloc_pages(GFP_KERNEL, order);
		u64 t1 = now();
		for (int i = 0; i < np; i++)
			if (ptrs[i])
				__free_pages(ptrs[i], order);
		u64 t2 = now();
		u64 a = (t1 - t0) / (u64)np, f = (t2 - t1) / (u64)np;
		t0 = now();
		for (int i = 0; i < np; i++) {
			struct page *p = alloc_pages(GFP_KERNEL, order);
			if (p)
				__free_pages(p, order);
		}
		t1 = now();
		loop_ticks += ticks_now() - tk;
		keep_min(&b, a, f, (t1 - t0) / (u64)np);
	}
	row("alloc_pages", order, "batch", b.a);
	row("free_pages", order, "batch", b.f);
	row("alloc_pages+free_pages", order, "pair", b.p);
}

/* One line: how many timer ticks landed in the measured loops (interrupts were on). */
static void bench_ticks_note(void)
{
	if (!irq_timer_hz())
		printk(KERN_INFO "bench: timer off (hz=0): no tick landed in the measured loops\n");
	else if (!loop_ticks)
		printk(KERN_INFO "bench: the timer (%u Hz) was quiet in the measured loops\n",
		       irq_timer_hz());
	else
		printk(KERN_INFO "bench: %llu timer ticks (%u Hz) landed in the measured loops, "
		       "interrupts on\n", (unsigned long long)loop_ticks, irq_timer_hz());
}

/* Memory set-up cost, measured around mm_setup() at boot. */
static void init_rows(u64 setup_ticks)
{
	unsigned long frames = 0;
	for (unsigned int i = 0; i < contig_node.nr_zones; i++)
		frames += contig_node.zones[i].present_pages;
	unsigned long mib = frames >> (20 - PAGE_SHIFT);
	if (!frames)
		return;
	row("mm_init_per_frame", mib, "MiB", setup_ticks / frames);
	row("mm_init_per_GiB", mib, "MiB", setup_ticks * 262144 / frames);
	row("struct_page_bytes", PAGE_SIZE, "frame", sizeof(struct page));
}

int kernel_bench(bool init_only, u64 setup_ticks)
{
	static const size_t sizes[] = { 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096 };
	unsigned long before;

	init_rows(setup_ticks);
	if (init_only)
		return 0;
	if (irqs_disabled())
		printk(KERN_WARNING "bench: interrupts are off: the loops do not run as the "
		       "anchor's did\n");
	ptrs = alloc_pages_exact(N * sizeof(void *), GFP_KERNEL);
	if (!ptrs)
		return -1;
	kmem_cache_shrink_all();
	before = nr_free_pages();
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_kmalloc(sizes[i], GFP_KERNEL, "kmalloc", "kfree", "kmalloc+kfree", "");
	bench_cache(64);
	bench_cache(192);
	for (unsigned int order = 0; order <= 3; order++)
		bench_pages(order);
	bench_pages(9);
	/* Rows of our own. */
	bench_bulk(64);
	bench_kmalloc(64, GFP_KERNEL | __GFP_ZERO, NULL, NULL, "kzalloc+kfree", "");
	bench_kmalloc(1024, GFP_KERNEL | __GFP_ZERO, NULL, NULL, "kzalloc+kfree", "");
	bench_kmalloc(100, GFP_KERNEL, NULL, NULL, "kmalloc+kfree", "");
	bench_kmalloc(1000, GFP_KERNEL, NULL, NULL, "kmalloc+kfree", "");
	bench_kmalloc(12000, GFP_KERNEL, NULL, NULL, "kmalloc+kfree", "");
	kmem_cache_shrink_all();
	unsigned long after = nr_free_pages();
	free_pages_exact(ptrs, N * sizeof(void *));
	bench_ticks_note();
	printk(KERN_INFO "bench: free pages before %lu, after %lu\n", before, after);
	return before == after ? 0 : -1;
}
