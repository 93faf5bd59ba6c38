/* tools/peers/scale.c - the hosted pthreads scaling harness (build/peers/scale-<name>, one
 * binary per allocator as for the replayer; scripts/bench-peers.sh --scale runs it).
 *
 * Usage: scale-<name> [-r RUNS] [-t MAXTHREADS] TRACE
 * Patterns, each thread pinned to CPU (thread % online CPUs) and running its own loop:
 *   pair      PAIR_N times: a 64-byte object allocated, its first byte written, freed
 *   batch     BATCH_ROUNDS times: BATCH_N 64-byte objects allocated (each written), then freed
 *   trace     the trace (prepared once, tools/peers/replay.c) replayed by every thread over
 *             its own slots, TRACE_ROUNDS times
 *   xfree     producer -> consumer: with 2 threads thread 0 allocates XFREE_N objects of 64
 *             bytes into a single-producer ring and thread 1 frees them (cross-thread frees);
 *             with 1 thread the same thread does both, a ring's worth at a time (with more
 *             than 2 threads the others idle: the pattern is one pair)
 * A run of a pattern at T threads times T threads running the allocator's loop, and the same
 * loop over a per-thread bump "allocator" (the control: no allocator, the same memory writes)
 * at 1 and at T threads; the run is discarded when the control's T-thread throughput is not
 * within 10% of T times its 1-thread throughput (the machine was not giving T CPUs). Out of
 * RUNS runs, the kept ones give the median and the spread (least and greatest) of the
 * allocator's throughput, in million operations per second over all threads (an operation:
 * one allocation or one free):
 *   SCALE <allocator> <pattern> threads=<T> mops=<median> min=<x> max=<y> control=<median>
 *         kept=<k>/<RUNS>
 * (control: the control loop's own throughput at T threads, the ceiling of the harness).
 * xfree's control cannot scale (every object's cache line moves from the producer's CPU to
 * the consumer's), so its runs are checked with the pair pattern's control instead.
 * These are wall-clock figures of one machine at one moment: they show how an allocator's
 * throughput changes from 1 to T threads on this machine (contention, cross-thread frees),
 * not instruction counts, and not what happens beyond the CPUs the machine has. */
#define _GNU_SOURCE
#define PEERS_NO_MAIN
#include "tools/peers/replay.c"
#include <pthread.h>
#include <sched.h>
#include <time.h>

#define PAIR_N       4000000
#define BATCH_N      1000
#define BATCH_ROUNDS 2000
#define TRACE_ROUNDS 200
#define XFREE_N      4096000	/* a multiple of RING and XFREE_STEP */
#define RING         1024
#define XFREE_STEP   64	/* objects per publication of the ring's head or tail */
#define MAX_THREADS  8
#define OBJ          64

enum pattern { P_PAIR, P_BATCH, P_TRACE, P_XFREE, NR_PATTERNS };
static const char *const pattern_name[] = { "pair", "batch", "trace", "xfree" };

struct worker {
	pthread_t th;
	unsigned int id, nthreads;
	enum pattern pat;
	int control;		/* 1: the bump control, 0: the allocator */
	double seconds;
	unsigned long ops;
	struct slot *slots;	/* trace: this thread's handles */
	char *bump;		/* control: this thread's bump memory */
	size_t bump_pos, bump_size;
	void **batch;
};

/* The cross-thread ring: thread 0 puts, thread 1 takes. */
static void *ring[RING];
static volatile unsigned long ring_head, ring_tail;
static pthread_barrier_t start;
static int online;

static inline void *w_alloc(struct worker *w, size_t size)
{
	if (!w->control)
		return pa_malloc(size);
	if (w->bump_pos + size > w->bump_size)
		w->bump_pos = 0;
	void *p = w->bump + w->bump_pos;
	w->bump_pos += (size + 15) & ~15UL;
	return p;
}

static inline void w_free(struct worker *w, void *p, size_t size)
{
	if (!w->control)
		pa_free(p, size);
}

static unsigned long run_pair(struct worker *w)
{
	for (unsigned long i = 0; i < PAIR_N; i++) {
		char *p = w_alloc(w, OBJ);
		p[0] = (char)i;
		w_free(w, p, OBJ);
	}
	return 2UL * PAIR_N;
}

static unsigned long run_batch(struct worker *w)
{
	for (unsigned long r = 0; r < BATCH_ROUNDS; r++) {
		for (unsigned long i = 0; i < BATCH_N; i++) {
			char *p = w_alloc(w, OBJ);
			p[0] = (char)i;
			w->batch[i] = p;
		}
		for (unsigned long i = 0; i < BATCH_N; i++)
			w_free(w, w->batch[i], OBJ);
	}
	return 2UL * BATCH_N * BATCH_ROUNDS;
}

/* The trace over this thread's slots (realloc as allocate + copy + free; pages and caches
 * as allocations of their size). */
static unsigned long run_trace(struct worker *w)
{
	for (int r = 0; r < TRACE_ROUNDS; r++) {
		for (size_t i = 0; i < nops; i++) {
			const struct op *o = &ops[i];
			struct slot *s = &w->slots[o->slot];
			size_t n = op_bytes(o->kind == OP_Q ? OP_P : o->kind, o->size);

			if (o->kind == OP_F || o->kind == OP_Q) {
				w_free(w, s->p, s->size);
				continue;
			}
			unsigned char *p = w_alloc(w, n);
			if (!p) {
				fprintf(stderr, "scale-%s: allocation failed\n", pa_name);
				exit(1);
			}
			if (o->kind == OP_R) {
				memcpy(p, s->p, s->size < n ? s->size : n);
				w_free(w, s->p, s->size);
			}
			p[0] = (unsigned char)i;
			p[n - 1] = (unsigned char)i;
			s->p = p;
			s->size = n;
		}
	}
	return TRACE_ROUNDS * nops;
}

static unsigned long run_xfree(struct worker *w)
{
	if (w->nthreads == 1) {		/* both ends on one thread */
		for (unsigned long i = 0; i < XFREE_N; i += RING) {
			for (unsigned long j = 0; j < RING; j++) {
				char *p = w_alloc(w, OBJ);
				p[0] = (char)j;
				ring[j] = p;
			}
			for (unsigned long j = 0; j < RING; j++)
				w_free(w, ring[j], OBJ);
		}
		return 2UL * XFREE_N;
	}
	if (w->id == 0) {	/* the producer publishes its head every XFREE_STEP objects */
		for (unsigned long i = 0; i < XFREE_N; i += XFREE_STEP) {
			while (i + XFREE_STEP - __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) > RING)
				;
			for (unsigned long j = i; j < i + XFREE_STEP; j++) {
				char *p = w_alloc(w, OBJ);
				p[0] = (char)j;
				ring[j % RING] = p;
			}
			__atomic_store_n(&ring_head, i + XFREE_STEP, __ATOMIC_RELEASE);
		}
		return XFREE_N;
	}
	if (w->id == 1) {	/* the consumer frees what was published, then moves its tail */
		for (unsigned long i = 0; i < XFREE_N; i += XFREE_STEP) {
			while (__atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) < i + XFREE_STEP)
				;
			for (unsigned long j = i; j < i + XFREE_STEP; j++)
				w_free(w, ring[j % RING], OBJ);
			__atomic_store_n(&ring_tail, i + XFREE_STEP, __ATOMIC_RELEASE);
		}
		return XFREE_N;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->id % (unsigned int)online, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pa_thread_init(w->id);
	pthread_barrier_wait(&start);
	double t0 = now();
	switch (w->pat) {
	case P_PAIR: w->ops = run_pair(w); break;
	case P_BATCH: w->ops = run_batch(w); break;
	case P_TRACE: w->ops = run_trace(w); break;
	default: w->ops = run_xfree(w);
	}
	w->seconds = now() - t0;
	return NULL;
}

static struct worker workers[MAX_THREADS];

/* One timed round: million operations per second over all threads (ops over the slowest). */
static double round_mops(enum pattern pat, unsigned int nthreads, int control)
{
	unsigned long total = 0;
	double longest = 0;

	ring_head = ring_tail = 0;
	pthread_barrier_init(&start, NULL, nthreads);
	for (unsigned int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];
		w->id = i;
		w->nthreads = nthreads;
		w->pat = pat;
		w->control = control;
		w->bump_pos = 0;
		memset(w->slots, 0, (nslots + 1) * sizeof(*w->slots));
		if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
			fprintf(stderr, "scale-%s: pthread_create failed\n", pa_name);
			exit(2);
		}
	}
	for (unsigned int i = 0; i < nthreads; i++) {
		pthread_join(workers[i].th, NULL);
		total += workers[i].ops;
		if (workers[i].seconds > longest)
			longest = workers[i].seconds;
	}
	pthread_barrier_destroy(&start);
	return (double)total / longest / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void measure(enum pattern pat, unsigned int nthreads, int runs)
{
	double kept[64], ctl[64];
	int k = 0;
	/* the producer->consumer control moves every object's line between the two CPUs and
	 * cannot scale: the machine check of xfree is the pair control's */
	enum pattern check = pat == P_XFREE ? P_PAIR : pat;

	for (int r = 0; r < runs && r < 64; r++) {
		double c1 = round_mops(check, 1, 1);
		double mops = round_mops(pat, nthreads, 0);
		double ct = round_mops(check, nthreads, 1);
		double linear = c1 * nthreads;
		if (getenv("SCALE_DEBUG"))
			fprintf(stderr, "%s T=%u control 1: %.1f, T: %.1f Mops/s\n",
				pattern_name[pat], nthreads, c1, ct);
		if (ct < 0.9 * linear || ct > 1.1 * linear)
			continue;
		ctl[k] = round_mops(pat, nthreads, 1);
		kept[k++] = mops;
	}
	qsort(kept, (size_t)k, sizeof(kept[0]), cmp_double);
	qsort(ctl, (size_t)k, sizeof(ctl[0]), cmp_double);
	if (!k) {
		printf("SCALE %s %s threads=%u mops=- min=- max=- control=- kept=0/%d\n", pa_name,
		       pattern_name[pat], nthreads, runs);
		return;
	}
	printf("SCALE %s %s threads=%u mops=%.2f min=%.2f max=%.2f control=%.2f kept=%d/%d\n",
	       pa_name, pattern_name[pat], nthreads, median(kept, k), kept[0], kept[k - 1],
	       median(ctl, k), k, runs);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int runs = 11;
	unsigned int maxt = 2;
	int opt;

	while ((opt = getopt(argc, argv, "r:t:")) != -1) {
		if (opt == 'r')
			runs = atoi(optarg);
		else if (opt == 't')
			maxt = (unsigned int)atoi(optarg);
		else
			return 2;
	}
	if (optind != argc - 1 || runs < 1 || runs > 64 || maxt < 1 || maxt > MAX_THREADS) {
		fprintf(stderr, "usage: scale-%s [-r RUNS<=64] [-t MAXTHREADS<=%d] TRACE\n", pa_name,
			MAX_THREADS);
		return 2;
	}
	online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	prepare(argv[optind]);
	if (pa_init(2 * (size_t)maxt * (4 * peak_live + (64UL << 20)), maxt) < 0)
		return 2;
	for (unsigned int i = 0; i < maxt; i++) {
		workers[i].slots = hmem((nslots + 1) * sizeof(struct slot));
		workers[i].bump_size = 64UL << 20;
		workers[i].bump = hmem(workers[i].bump_size + (8UL << 20));
		workers[i].batch = hmem(BATCH_N * sizeof(void *));
	}
	pa_free(pa_malloc(16), 16);
	for (int p = 0; p < NR_PATTERNS; p++)
		for (unsigned int t = 1; t <= maxt; t++)
			measure((enum pattern)p, t, runs);
	return 0;
}
