/* tools/peers/replay.c - the hosted trace replayer behind `make bench-peers`: one binary per
 * allocator (build/peers/replay-<name>, the allocator in tools/peers/alloc_<name>.c).
 *
 * Usage: replay-<name> [-f] TRACE
 * The trace (format: lib/trace.h, docs/replay.md) is read once into memory and turned into an
 * array of operations over dense slots (a handle's slot is reused once it is freed), with the
 * handles still live at the end freed by extra operations; then replay_loop() runs it through
 * the allocator. The loop writes a tag of its slot on every 4 KiB of each object and on its
 * last byte (a kzalloc object must arrive with its first and last byte zero), checks the first byte before every free
 * and realloc, and that realloc kept it. All the harness's memory is mmap'd, so the allocator
 * serves the trace's objects alone.
 * Output, one line:
 *   PEERRUN <trace> <allocator> ops=<n> peak_live_bytes=<b> [taken_peak=<b> footprint=<x.yy>]
 *   version=<v> result=ok
 * -f samples pa_taken() after every operation (footprint: the peak of it above its value before
 * the replay, over the peak of live requested bytes); without -f nothing else runs in the loop,
 * for callgrind (scripts/bench-peers.sh counts replay_loop's instructions alone). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/trace.h"
#include "tools/peers/peers.h"

enum { OP_A, OP_Z, OP_C, OP_R, OP_F, OP_P, OP_Q };

struct op {
	unsigned char kind;
	unsigned char cache;	/* OP_C and OP_F of a cache object: the cache index */
	unsigned short pad;
	unsigned int slot;
	unsigned int newslot;	/* OP_R */
	unsigned int size;	/* bytes; OP_P/OP_Q: the order */
};

struct slot {
	unsigned char *p;
	unsigned int size;
	unsigned char kind;	/* OP_A/OP_Z (kmalloc), OP_C, OP_P */
	unsigned char cache;
};

static const struct trace_limits limits = {
	.max_size = 4UL << 20, .max_cache_size = 32UL << 10, .max_order = 10,
};

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "replay-%s: %s%s%s\n", pa_name, msg, arg ? " " : "", arg ? arg : "");
	exit(2);
}

/* Harness memory: anonymous mappings, never the allocator under test. */
static void *hmem(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("out of memory", NULL);
	return p;
}

/* The prepared trace. */
static struct op *ops;
static size_t nops;
static struct slot *slots;
static unsigned int nslots;
static size_t peak_live;
size_t pa_trace_bytes;
static char cache_names[64][TRACE_NAME_MAX + 1];
static size_t cache_sizes[64];
static unsigned int ncaches;

/* id -> slot during preparation: open addressing over ids (power-of-two table). */
struct idmap {
	unsigned int *id, *slot;
	unsigned char *used;
	size_t mask;
};

/* Live slot of id, or -1. Deleted entries (used 2) are tombstones: the table is rebuilt
 * never, so it is sized for every allocation of the trace. */
static long id_get(struct idmap *m, unsigned int id)
{
	size_t i = (id * 0x9e3779b1u) & m->mask;

	while (m->used[i]) {
		if (m->used[i] == 1 && m->id[i] == id)
			return m->slot[i];
		i = (i + 1) & m->mask;
	}
	return -1;
}

static void id_del(struct idmap *m, unsigned int id)
{
	size_t i = (id * 0x9e3779b1u) & m->mask;

	while (m->used[i]) {
		if (m->used[i] == 1 && m->id[i] == id) {
			m->used[i] = 2;
			return;
		}
		i = (i + 1) & m->mask;
	}
}

static void id_put(struct idmap *m, unsigned int id, unsigned int slot)
{
	size_t i = (id * 0x9e3779b1u) & m->mask;

	while (m->used[i] == 1)
		i = (i + 1) & m->mask;
	m->used[i] = 1;
	m->id[i] = id;
	m->slot[i] = slot;
}

struct prep {
	struct idmap map;
	unsigned int *freeslots;	/* stack of free slots */
	unsigned int nfree;
	unsigned int *live_list;	/* slot -> 1 when live (for the final frees) */
	unsigned int *slot_size;
	unsigned char *slot_kind, *slot_cache;
	size_t live;
};

static unsigned int slot_get(struct prep *pr)
{
	return pr->nfree ? pr->freeslots[--pr->nfree] : nslots++;
}

static unsigned int cache_index(const struct trace_op *t)
{
	for (unsigned int i = 0; i < ncaches; i++)
		if (strlen(cache_names[i]) == t->name_len &&
		    !memcmp(cache_names[i], t->name, t->name_len)) {
			if (cache_sizes[i] != t->size)
				die("a cache name with two sizes:", cache_names[i]);
			return i;
		}
	if (ncaches == 64)
		die("more than 64 caches", NULL);
	memcpy(cache_names[ncaches], t->name, t->name_len);
	cache_sizes[ncaches] = t->size;
	return ncaches++;
}

static size_t op_bytes(unsigned char kind, size_t size)
{
	return kind == OP_P ? 4096UL << size : size;
}

/* One operation of the trace into ops[nops]. */
static void prep_op(struct prep *pr, const struct trace_op *t)
{
	struct op *o = &ops[nops++];
	long s;

	memset(o, 0, sizeof(*o));
	o->size = (unsigned int)t->size;
	switch (t->kind) {
	case TRACE_KMALLOC: case TRACE_KZALLOC: case TRACE_CACHE: case TRACE_PAGES:
		if (id_get(&pr->map, t->id) >= 0)
			die("reuse of a live handle", NULL);
		o->kind = t->kind == TRACE_KMALLOC ? OP_A : t->kind == TRACE_KZALLOC ? OP_Z :
			  t->kind == TRACE_CACHE ? OP_C : OP_P;
		if (o->kind == OP_C)
			o->cache = (unsigned char)cache_index(t);
		o->slot = slot_get(pr);
		id_put(&pr->map, t->id, o->slot);
		pr->slot_size[o->slot] = o->size;
		pr->slot_kind[o->slot] = o->kind;
		pr->slot_cache[o->slot] = o->cache;
		pr->live_list[o->slot] = 1;
		pr->live += op_bytes(o->kind, o->size);
		pa_trace_bytes += op_bytes(o->kind, o->size) + 4096;
		break;
	case TRACE_REALLOC:
		s = id_get(&pr->map, t->id);
		if (s < 0 || pr->slot_kind[s] > OP_Z || id_get(&pr->map, t->newid) >= 0)
			die("r of a handle that is not a live kmalloc object, or to a live one", NULL);
		o->kind = OP_R;
		o->slot = (unsigned int)s;
		id_del(&pr->map, t->id);
		o->newslot = (unsigned int)s;	/* the new handle takes the old one's slot */
		id_put(&pr->map, t->newid, o->newslot);
		pr->live += o->size;
		pa_trace_bytes += o->size + 4096;
		pr->live -= pr->slot_size[s];
		pr->slot_size[s] = o->size;
		pr->slot_kind[s] = OP_A;
		break;
	default:	/* f, q */
		s = id_get(&pr->map, t->id);
		if (s < 0)
			die("free of a handle that is not live", NULL);
		if ((t->kind == TRACE_FREE_PAGES) != (pr->slot_kind[s] == OP_P))
			die("f of pages or q of an object", NULL);
		o->kind = t->kind == TRACE_FREE ? OP_F : OP_Q;
		o->slot = (unsigned int)s;
		o->cache = pr->slot_cache[s];
		o->size = pr->slot_size[s];
		id_del(&pr->map, t->id);
		pr->live -= op_bytes(pr->slot_kind[s], pr->slot_size[s]);
		pr->live_list[s] = 0;
		pr->freeslots[pr->nfree++] = (unsigned int)s;
	}
	if (pr->live > peak_live)
		peak_live = pr->live;
}

static void prepare(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot open", path);
	const char *buf = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
				     : "";
	if (buf == MAP_FAILED)
		die("cannot map", path);
	close(fd);

	struct trace_summary sum;
	if (trace_scan(buf, (size_t)st.st_size, &limits, &sum) < 0) {
		fprintf(stderr, "replay-%s: %s line %lu: %s\n", pa_name, path, sum.err_line, sum.err);
		exit(2);
	}
	struct prep pr = { 0 };
	size_t cap = 16;
	while (cap < 2 * (sum.allocs + sum.reallocs + 8))
		cap <<= 1;
	pr.map.mask = cap - 1;
	pr.map.id = hmem(cap * sizeof(unsigned int));
	pr.map.slot = hmem(cap * sizeof(unsigned int));
	pr.map.used = hmem(cap);
	size_t maxslots = sum.peak_live + 1;
	pr.freeslots = hmem(maxslots * sizeof(unsigned int));
	pr.live_list = hmem(maxslots * sizeof(unsigned int));
	pr.slot_size = hmem(maxslots * sizeof(unsigned int));
	pr.slot_kind = hmem(maxslots);
	pr.slot_cache = hmem(maxslots);
	ops = hmem((sum.ops + sum.peak_live + 1) * sizeof(*ops));

	struct trace_reader r;
	struct trace_op t;
	int rc;
	trace_reader_init(&r, buf, (size_t)st.st_size, &limits);
	while ((rc = trace_next(&r, &t)) > 0)
		prep_op(&pr, &t);
	if (rc < 0)
		die("parse error", r.err);
	for (unsigned int s = 0; s < nslots; s++) {	/* free what is still live */
		if (!pr.live_list[s])
			continue;
		struct op *o = &ops[nops++];
		memset(o, 0, sizeof(*o));
		o->kind = pr.slot_kind[s] == OP_P ? OP_Q : OP_F;
		o->slot = s;
		o->cache = pr.slot_cache[s];
		o->size = pr.slot_size[s];
	}
	slots = hmem((nslots + 1) * sizeof(*slots));
	if (st.st_size)
		munmap((void *)buf, (size_t)st.st_size);
}

__attribute__((weak)) void pa_report_peak(const char *trace) { (void)trace; }

/* Taken from the backing store: the peak seen (main() keeps the value before the replay). */
static size_t taken_peak;

static inline unsigned char tag(unsigned int slot)
{
	return (unsigned char)(slot * 37u + 11u);
}

static void bad(const struct op *o, const char *what)
{
	fprintf(stderr, "replay-%s: operation %zu (slot %u): %s\n", pa_name,
		(size_t)(o - ops), o->slot, what);
	exit(1);
}

/* The tag on every 4 KiB of the object and on its last byte: a program uses what it asked
 * for, so every page an allocator hands out is touched (resident-memory measures see it). */
static inline void fill(struct slot *s, unsigned int slot)
{
	unsigned char t = tag(slot);
	size_t n = s->kind == OP_P ? 4096UL << s->size : s->size;

	for (size_t i = 0; i < n; i += 4096)
		s->p[i] = t;
	s->p[n - 1] = t;
}

/* The replay: every operation, and with sample the footprint after each one. */
static inline __attribute__((always_inline)) void replay_ops(int sample)
{
	for (size_t i = 0; i < nops; i++) {
		const struct op *o = &ops[i];
		struct slot *s = &slots[o->slot];

		switch (o->kind) {
		case OP_A: case OP_Z:
			s->p = o->kind == OP_A ? pa_malloc(o->size) : pa_zalloc(o->size);
			if (!s->p)
				bad(o, "allocation failed");
			if (o->kind == OP_Z && (s->p[0] | s->p[o->size - 1]))
				bad(o, "kzalloc object not zeroed");
			s->size = o->size;
			s->kind = OP_A;
			fill(s, o->slot);
			break;
		case OP_C:
			s->p = pa_cache_alloc(o->cache);
			if (!s->p)
				bad(o, "allocation failed");
			s->size = o->size;
			s->kind = OP_C;
			fill(s, o->slot);
			break;
		case OP_P:
			s->p = pa_pages(o->size);
			if (!s->p)
				bad(o, "allocation failed");
			s->size = o->size;
			s->kind = OP_P;
			fill(s, o->slot);
			break;
		case OP_R: {
			unsigned char *p = pa_realloc(s->p, s->size, o->size);
			if (!p)
				bad(o, "realloc failed");
			if (p[0] != tag(o->slot))
				bad(o, "realloc lost the object's bytes");
			s->p = p;
			s->size = o->size;
			fill(s, o->newslot);
			break;
		}
		case OP_F:
			if (s->p[0] != tag(o->slot))
				bad(o, "object overwritten before its free");
			if (o->kind == OP_F && s->kind == OP_C)
				pa_cache_free(o->cache, s->p);
			else
				pa_free(s->p, s->size);
			break;
		default:	/* OP_Q */
			if (s->p[0] != tag(o->slot))
				bad(o, "pages overwritten before their free");
			pa_free_pages(s->p, s->size);
		}
		if (sample) {
			size_t t = pa_taken();
			if (t > taken_peak)
				taken_peak = t;
		}
	}
}

/* callgrind --toggle-collect=replay_loop counts this function and what it calls. */
__attribute__((noinline)) void replay_loop(void)
{
	replay_ops(0);
}

__attribute__((noinline)) void replay_loop_sampled(void)
{
	replay_ops(1);
}

#ifndef PEERS_NO_MAIN
int main(int argc, char **argv)
{
	int sample = argc > 2 && !strcmp(argv[1], "-f");
	const char *path = argv[argc - 1];
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (argc < 2 || argc > 3 || (argc == 3 && !sample)) {
		fprintf(stderr, "usage: replay-%s [-f] TRACE\n", pa_name);
		return 2;
	}
	prepare(path);
	size_t mem = 4 * peak_live + (256UL << 20);
	if (pa_init(mem, 1) < 0)
		return 2;
	for (unsigned int i = 0; i < ncaches; i++)
		if (pa_cache_create(i, cache_names[i], cache_sizes[i]) < 0)
			die("cannot create cache", cache_names[i]);
	pa_free(pa_malloc(16), 16);	/* a peer sets itself up on its first call */
	size_t taken_base = taken_peak = pa_taken();
	if (sample)
		replay_loop_sampled();
	else
		replay_loop();
	if (pa_peak_taken() > taken_peak)
		taken_peak = pa_peak_taken();
	for (unsigned int i = 0; i < ncaches; i++)
		pa_cache_destroy(i);
	int ok = pa_check_empty() == 0;
	printf("PEERRUN %s %s ops=%zu peak_live_bytes=%zu", name, pa_name, nops, peak_live);
	if (sample)
		printf(" taken_peak=%zu footprint=%.2f", taken_peak - taken_base,
		       peak_live ? (double)(taken_peak - taken_base) / (double)peak_live : 0.0);
	printf(" version=%s result=%s\n", pa_version(), ok ? "ok" : "fail");
	if (sample)
		pa_report_peak(name);
	return ok ? 0 : 1;
}
#endif
