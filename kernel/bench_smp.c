/* kernel/bench_smp.c - allocator throughput with several CPUs allocating at once (bench=smp).
 *
 * For k = 1, 2, 4, ... CPUs (up to those online; the last step is all of them), the first k
 * online CPUs run the same loop at the same time through smp_call_all() (the others return at
 * once). They meet at a barrier; the last to arrive sets the end of the run, RUN_MS later; each
 * then repeats its loop a chunk at a time until that end, timing itself with rdtsc and counting
 * its operations. A run is bounded in time, not in operations, so that a slow configuration
 * (a contended lock whose next owner's vCPU is not running) still finishes. Per row:
 *   cycles_per_op      the mean over the k CPUs of each one's own TSC cycles per operation
 *   ops_per_sec_total  operations of all k CPUs / wall-clock time from first start to last end
 *   per_cpu_vs_1       cycles_per_op at 1 CPU / at k CPUs: 1.00 means no slow-down per CPU
 *   total_vs_1         ops_per_sec_total at k CPUs / at 1 CPU: k means perfect scaling
 * from the run with the highest ops_per_sec_total of REPS (the CPU counts take turns).
 *
 * These are wall-clock TSC cycles, not instruction counts: -icount needs single-threaded TCG, so
 * this runs under multi-threaded TCG (one host thread per vCPU) or KVM, and the figures vary
 * from run to run and with the host. With more vCPUs than host cores, the extra vCPUs share
 * cores and cannot scale. The single-CPU, deterministic figures are kernel/bench.c's.
 *
 * Loops (one operation = one allocation and its free): first, for reference, "no-alloc": 32
 * register additions and no memory access, about a pair's worth of time, which shows how far
 * the host lets the vCPUs scale at that moment; then kmalloc(64)+kfree pairs; batches of BATCH
 * kmalloc(64) then BATCH kfree; order-0 alloc_pages+__free_pages pairs; kmem_cache_alloc+free
 * pairs on one cache shared by every CPU; and "cross": each CPU allocates kmalloc(64) objects,
 * stamps them and hands them through a single-producer single-consumer ring to the next CPU,
 * which checks the stamp and frees them, so that every free is of another CPU's object (with
 * 1 CPU the ring leads back to the same CPU); before it, "no-alloc cross" passes the stamps
 * alone through the same rings, the cost of the hand-over without the allocator. */
#include "kernel/bench.h"
#include "kernel/arch.h"
#include "kernel/smp.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "mm/gfp.h"
#include "mm/slab.h"

#define RUN_MS		100	/* length of one run */
#define REPS		5
#define CHUNK		256	/* pair loops: operations between two looks at the clock */
#define BATCH		1000	/* objects per batch (batch row) */
#define RING_SLOTS	256	/* cross row: objects in flight between two CPUs */
#define OBJ_SIZE	64
#define TOKEN		(1ULL << 63)	/* no-alloc cross: a stamp passed as a pointer */
#define STUCK_MS	(SMP_CALL_TIMEOUT_MS / 2)	/* cross row: idle this long, give up */

/* A single-producer single-consumer ring: head written by the producer only, tail by the
 * consumer only, each on its own cache line. The producer then publishes how many objects it
 * made in all (made, after done). */
struct ring {
	u64 head __attribute__((aligned(64)));
	u64 tail __attribute__((aligned(64)));
	u64 made;
	bool done;
	void *slot[RING_SLOTS] __attribute__((aligned(64)));
};

/* What one CPU measured in one run. */
struct cpu_result {
	u64 start, end;
	u64 ops;
	u64 bad;			/* cross row: objects that came back wrong */
	bool failed;			/* an allocation failed, or a neighbour fell silent */
} __attribute__((aligned(64)));

struct smp_run;
typedef u64 (*bench_loop)(struct smp_run *r, unsigned int rank);

/* One run: the loop on the first k online CPUs (rank 0..k-1; rank 0 is CPU 0). */
struct smp_run {
	bench_loop loop;
	unsigned int k;
	int rank_of[SMP_MAX_CPUS];	/* -1: not taking part */
	unsigned int arrived;		/* barrier (atomic) */
	u64 stop;			/* TSC when the loops stop; 0 until all arrived (atomic) */
	bool abort;			/* a CPU failed: the others stop (atomic) */
	struct kmem_cache *cache;
	void **ptrs[SMP_MAX_CPUS];	/* batch row: BATCH pointers per rank */
	struct ring *rings;		/* cross row: ring r goes from rank r to rank r + 1 */
	struct cpu_result res[SMP_MAX_CPUS];
	bool stuck;			/* a CPU did not finish: it may still use all of this */
};

static struct smp_run run;

static void fail(struct smp_run *r, unsigned int rank)
{
	r->res[rank].failed = true;
	__atomic_store_n(&r->abort, true, __ATOMIC_RELAXED);
}

static bool run_over(struct smp_run *r)
{
	return (s64)(rdtsc() - r->stop) >= 0 || __atomic_load_n(&r->abort, __ATOMIC_RELAXED);
}

static u64 loop_no_alloc(struct smp_run *r, unsigned int rank)
{
	u64 ops = 0, x = rank;

	do {
		for (int i = 0; i < CHUNK * 32; i++)
			__asm__ volatile("add $1, %0" : "+r"(x));
		ops += CHUNK;
	} while (!run_over(r));
	return ops;
}

static u64 loop_kmalloc_pair(struct smp_run *r, unsigned int rank)
{
	u64 ops = 0;

	do {
		for (int i = 0; i < CHUNK; i++) {
			void *p = kmalloc(OBJ_SIZE, GFP_KERNEL);

			if (!p) {
				fail(r, rank);
				return ops;
			}
			kfree(p);
		}
		ops += CHUNK;
	} while (!run_over(r));
	return ops;
}

static u64 loop_kmalloc_batch(struct smp_run *r, unsigned int rank)
{
	void **ptrs = r->ptrs[rank];
	u64 ops = 0;

	do {
		for (int i = 0; i < BATCH; i++)
			ptrs[i] = kmalloc(OBJ_SIZE, GFP_KERNEL);
		for (int i = 0; i < BATCH; i++) {
			if (!ptrs[i])
				fail(r, rank);
			kfree(ptrs[i]);
		}
		ops += BATCH;
	} while (!run_over(r));
	return ops;
}

static u64 loop_pages_pair(struct smp_run *r, unsigned int rank)
{
	u64 ops = 0;

	do {
		for (int i = 0; i < CHUNK; i++) {
			struct page *p = alloc_pages(GFP_KERNEL, 0);

			if (!p) {
				fail(r, rank);
				return ops;
			}
			__free_pages(p, 0);
		}
		ops += CHUNK;
	} while (!run_over(r));
	return ops;
}

static u64 loop_cache_pair(struct smp_run *r, unsigned int rank)
{
	u64 ops = 0;

	do {
		for (int i = 0; i < CHUNK; i++) {
			void *p = kmem_cache_alloc(r->cache, GFP_KERNEL);

			if (!p) {
				fail(r, rank);
				return ops;
			}
			kmem_cache_free(r->cache, p);
		}
		ops += CHUNK;
	} while (!run_over(r));
	return ops;
}

static bool ring_full(const struct ring *q)
{
	return q->head - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) == RING_SLOTS;
}

static void ring_push(struct ring *q, void *p)
{
	q->slot[q->head % RING_SLOTS] = p;
	__atomic_store_n(&q->head, q->head + 1, __ATOMIC_RELEASE);
}

static void *ring_pop(struct ring *q)
{
	u64 t = q->tail;

	if (__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) == t)
		return NULL;
	void *p = q->slot[t % RING_SLOTS];
	__atomic_store_n(&q->tail, t + 1, __ATOMIC_RELEASE);
	return p;
}

/* Each object carries (producer rank, sequence number): the consumer sees them in order. */
static u64 stamp(unsigned int rank, u64 seq)
{
	return (u64)rank << 48 | seq;
}

/* Make and pass on objects until the run is over, free what the previous CPU passes on until
 * it has said how many it made and all of them came. Without alloc, the stamps themselves go
 * round (tagged so as not to be NULL): the cost of the ring alone. */
static u64 cross(struct smp_run *r, unsigned int rank, bool alloc)
{
	unsigned int from = (rank + r->k - 1) % r->k;
	struct ring *out = &r->rings[rank], *in = &r->rings[from];
	u64 made = 0, freed = 0, idle_since = 0;
	bool making = true;

	for (unsigned int n = 0; !__atomic_load_n(&r->abort, __ATOMIC_RELAXED); n++) {
		bool idle = true;

		if (making && (n % CHUNK == 0 && run_over(r))) {
			out->made = made;
			__atomic_store_n(&out->done, true, __ATOMIC_RELEASE);
			making = false;
		}
		if (making && !ring_full(out)) {
			u64 *p = alloc ? kmalloc(OBJ_SIZE, GFP_KERNEL) : NULL;

			if (alloc && !p) {
				fail(r, rank);		/* the others see abort and stop */
				break;
			}
			if (p)
				*p = stamp(rank, made);
			ring_push(out, p ? p : (void *)(uintptr_t)(stamp(rank, made) | TOKEN));
			made++;
			idle = false;
		}
		u64 *p = ring_pop(in);

		if (p) {
			u64 got = alloc ? *p : (u64)(uintptr_t)p ^ TOKEN;

			r->res[rank].bad += got != stamp(from, freed++);
			if (alloc)
				kfree(p);
			idle = false;
		} else if (!making && __atomic_load_n(&in->done, __ATOMIC_ACQUIRE) &&
			   freed == in->made) {
			break;
		}
		if (!idle) {
			idle_since = 0;
		} else if (!idle_since) {
			idle_since = rdtsc();
		} else if (rdtsc() - idle_since > STUCK_MS * smp_tsc_per_ms()) {
			printk(KERN_ERR "bench smp: CPU %u waited %u ms for CPU rank %u "
			       "(made %llu, freed %llu)\n", smp_processor_id(), STUCK_MS, from,
			       (unsigned long long)made, (unsigned long long)freed);
			fail(r, rank);
			break;
		}
	}
	return (made + freed) / 2;
}

static u64 loop_cross(struct smp_run *r, unsigned int rank)
{
	return cross(r, rank, true);
}

static u64 loop_cross_no_alloc(struct smp_run *r, unsigned int rank)
{
	return cross(r, rank, false);
}

/* Runs on every online CPU at once; those without a rank return at once. */
static void bench_worker(void *arg)
{
	struct smp_run *r = arg;
	int rank = r->rank_of[smp_processor_id()];

	if (rank < 0)
		return;
	if (__atomic_add_fetch(&r->arrived, 1, __ATOMIC_ACQ_REL) == r->k)
		__atomic_store_n(&r->stop, rdtsc() + RUN_MS * smp_tsc_per_ms(), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		cpu_relax();
	r->res[rank].start = rdtsc();
	r->res[rank].ops = r->loop(r, (unsigned int)rank);
	r->res[rank].end = rdtsc();
}

static void shrink_worker(void *arg)
{
	(void)arg;
	kmem_cache_shrink_all();
}

/* Every CPU gives back its active slabs, one CPU after the other. */
static void shrink_all_cpus(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		smp_call_on(cpu, shrink_worker, NULL);
}

/* A row's figures: mean cycles per operation and total operations per second. */
struct figures {
	u64 cycles_per_op;
	u64 ops_per_sec;
};

/* Run loop once on k CPUs; *f gets its figures. Returns -1 when the run could not be done
 * (allocation failure, corruption, a CPU that did not answer). */
static int measure(bench_loop loop, unsigned int k, struct figures *f)
{
	u64 first = ~0ULL, last = 0, ops = 0, cpo = 0, bad = 0;
	bool failed = false;

	run.loop = loop;
	run.arrived = 0;
	run.stop = 0;
	run.abort = false;
	for (unsigned int i = 0; i < k; i++) {
		memset(&run.res[i], 0, sizeof(run.res[i]));
		memset(&run.rings[i], 0, sizeof(run.rings[i]));
	}
	int ret = smp_call_all(bench_worker, &run);

	if (ret) {
		printk(KERN_ERR "bench smp: smp_call_all failed (%d) with %u CPUs\n", ret, k);
		run.stuck = true;
		return -1;
	}
	for (unsigned int i = 0; i < k; i++) {
		const struct cpu_result *c = &run.res[i];

		first = MIN(first, c->start);
		last = MAX(last, c->end);
		ops += c->ops;
		cpo += (c->end - c->start) / MAX(c->ops, 1);
		bad += c->bad;
		failed |= c->failed;
	}
	if (failed || bad) {
		printk(KERN_ERR "bench smp: %s with %u CPUs (%llu objects changed)\n",
		       failed ? "a CPU failed" : "objects corrupted", k, (unsigned long long)bad);
		return -1;
	}
	f->ops_per_sec = ops * smp_tsc_per_ms() * 1000 / MAX(last - first, 1);
	f->cycles_per_op = cpo / k;
	return 0;
}

/* x / y with two decimals, as "1.23". */
static const char *ratio(char *buf, size_t len, u64 x, u64 y)
{
	u64 hundredths = y ? (x * 100 + y / 2) / y : 0;

	ksnprintf(buf, len, "%llu.%02llu", (unsigned long long)(hundredths / 100),
		  (unsigned long long)(hundredths % 100));
	return buf;
}

static const struct {
	const char *op;
	unsigned int size;
	const char *pattern;
	bench_loop loop;
} smp_rows[] = {
	{ "no-alloc", 0, "loop", loop_no_alloc },
	{ "kmalloc+kfree", OBJ_SIZE, "pair", loop_kmalloc_pair },
	{ "kmalloc+kfree", OBJ_SIZE, "batch", loop_kmalloc_batch },
	{ "alloc_pages+free_pages", 0, "pair", loop_pages_pair },
	{ "kmem_cache_alloc+free", OBJ_SIZE, "pair", loop_cache_pair },
	{ "no-alloc", 0, "cross", loop_cross_no_alloc },
	{ "kmalloc+kfree", OBJ_SIZE, "cross", loop_cross },
};

/* The CPU counts to measure: 1, 2, 4, ... and all of those online. */
static unsigned int cpu_steps(unsigned int online, unsigned int *steps)
{
	unsigned int n = 0, k;

	for (k = 1; k < online; k *= 2)
		steps[n++] = k;
	steps[n++] = online;
	return n;
}

/* One row: the loop with 1, 2, 4, ... CPUs, REPS times each, the CPU counts taking turns (so
 * that a moment of host activity does not spoil all the runs of one count); the run with the
 * highest total throughput of each count is kept. */
static int bench_row(unsigned int row, const unsigned int *steps, unsigned int nsteps)
{
	struct figures best[8] = { { 0, 0 } };
	unsigned int cpu;

	for (int rep = 0; rep < REPS; rep++) {
		for (unsigned int s = 0; s < nsteps; s++) {
			unsigned int k = steps[s], rank = 0;
			struct figures f;

			for_each_online_cpu(cpu)
				run.rank_of[cpu] = rank < k ? (int)rank++ : -1;
			run.k = k;
			if (measure(smp_rows[row].loop, k, &f) < 0)
				return -1;
			if (f.ops_per_sec > best[s].ops_per_sec)
				best[s] = f;
		}
	}
	for (unsigned int s = 0; s < nsteps; s++) {
		char a[24], b[24];

		printk(KERN_INFO "BENCH smp %s %u %s cpus=%u cycles_per_op=%llu "
		       "ops_per_sec_total=%llu per_cpu_vs_1=%s total_vs_1=%s\n", smp_rows[row].op,
		       smp_rows[row].size, smp_rows[row].pattern, steps[s],
		       (unsigned long long)best[s].cycles_per_op,
		       (unsigned long long)best[s].ops_per_sec,
		       ratio(a, sizeof(a), best[0].cycles_per_op, best[s].cycles_per_op),
		       ratio(b, sizeof(b), best[s].ops_per_sec, best[0].ops_per_sec));
	}
	return 0;
}

int kernel_bench_smp(void)
{
	unsigned int online = 0, cpu, steps[8], nsteps;
	int ret = 0;

	for (cpu = 0; cpu < SMP_MAX_CPUS; cpu++)
		run.rank_of[cpu] = -1;
	for_each_online_cpu(cpu)
		online++;
	nsteps = cpu_steps(online, steps);
	printk(KERN_INFO "bench smp: %u CPUs online, TSC %llu kHz%s; best of %d runs of %d ms "
	       "(batch: %d objects); figures are wall-clock TSC cycles\n", online,
	       (unsigned long long)smp_tsc_per_ms(),
	       online > 1 ? "" : " (assumed: not calibrated with one CPU)", REPS, RUN_MS, BATCH);

	run.cache = kmem_cache_create("bench-smp", OBJ_SIZE, 0, 0, NULL);
	run.rings = alloc_pages_exact(online * sizeof(struct ring), GFP_KERNEL);
	for (unsigned int i = 0; i < online; i++) {
		run.ptrs[i] = alloc_pages_exact(BATCH * sizeof(void *), GFP_KERNEL);
		if (!run.ptrs[i])
			ret = -1;
	}
	if (!run.cache || !run.rings || ret) {
		printk(KERN_ERR "bench smp: out of memory for the set-up\n");
		ret = -1;
		goto out;
	}
	shrink_all_cpus();
	unsigned long before = nr_free_pages();

	for (unsigned int row = 0; row < ARRAY_SIZE(smp_rows) && ret == 0; row++)
		ret = bench_row(row, steps, nsteps);
	if (run.stuck)
		return -1;	/* leave everything to the CPU still running */
	for_each_online_cpu(cpu)
		run.rank_of[cpu] = -1;
	shrink_all_cpus();
	unsigned long after = nr_free_pages();

	printk(KERN_INFO "bench smp: free pages before %lu, after %lu\n", before, after);
	if (before != after)
		ret = -1;
out:
	for (unsigned int i = 0; i < online; i++)
		if (run.ptrs[i])
			free_pages_exact(run.ptrs[i], BATCH * sizeof(void *));
	if (run.rings)
		free_pages_exact(run.rings, online * sizeof(struct ring));
	if (run.cache)
		kmem_cache_destroy(run.cache);
	return ret;
}
