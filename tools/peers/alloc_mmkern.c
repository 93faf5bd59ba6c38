/* tools/peers/alloc_mm.c - our allocator, mm/ built for the host with the kernel's
 * optimisation flags (Makefile PEERS_MMFLAGS) and without sanitizers, hardening on (hardened
 * freelist pointers, the double-free check, object-start validation), over a node built with
 * the test fixture over an mmap'd buffer, as the host tests do: kmalloc/kzalloc/krealloc/kfree,
 * kmem_cache_*, alloc_pages/__free_pages.
 * Taken from the backing store: the frames not on the buddy free lists (slab pages, CPU slabs,
 * per-CPU page lists and large objects all count as used). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include "lib/kernel.h"
#include "mm/gfp.h"
#include "mm/slab.h"
#include "mm/zone.h"
#include "tests/host/percpu_host.h"
#include "tests/mm/fixture.h"
#include "tools/peers/peers.h"

#define GFP_PEERS (GFP_KERNEL | __GFP_NOWARN)

const char pa_name[] = "mmkern";

#ifndef MMKERN_VERSION
#define MMKERN_VERSION "?"
#endif
const char *pa_version(void) { return MMKERN_VERSION; }

static unsigned long free_start;
static struct kmem_cache *caches[64];
static char cache_names[64][32];

int pa_init(size_t mem, unsigned int nr_threads)
{
	static const unsigned long zone_end[MAX_NR_ZONES] = { 4096, 1UL << 20, ~0UL };

	const size_t align = 4UL << 20;	/* "physical" addresses 0.. at a MAX_ORDER-aligned start */

	mem = (mem + align - 1) & ~(align - 1);
	char *map = mmap(NULL, mem + align, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *buf = (void *)(((uintptr_t)map + align - 1) & ~(align - 1));
	if (map == MAP_FAILED ||
	    fixture_node_build(&contig_node, buf, mem, NULL, 0, zone_end) < 0) {
		fprintf(stderr, "mmkern: cannot build a node of %zu bytes\n", mem);
		return -1;
	}
	kmem_cache_init(&contig_node, 0x5eed1234abcdULL, nr_threads);
	free_start = nr_free_pages();
	return 0;
}

void pa_thread_init(unsigned int cpu) { percpu_host_init(cpu); }
void *pa_malloc(size_t size) { return kmalloc(size, GFP_PEERS); }
void *pa_zalloc(size_t size) { return kzalloc(size, GFP_PEERS); }
void *pa_realloc(void *p, size_t old, size_t size) { (void)old; return krealloc(p, size, GFP_PEERS); }
void pa_free(void *p, size_t size) { (void)size; kfree(p); }

int pa_cache_create(unsigned int idx, const char *name, size_t size)
{
	snprintf(cache_names[idx], sizeof(cache_names[idx]), "%s", name);
	caches[idx] = kmem_cache_create(cache_names[idx], (unsigned int)size, 0, 0, NULL);
	return caches[idx] ? 0 : -1;
}

void *pa_cache_alloc(unsigned int idx) { return kmem_cache_alloc(caches[idx], GFP_PEERS); }
void pa_cache_free(unsigned int idx, void *p) { kmem_cache_free(caches[idx], p); }
void pa_cache_destroy(unsigned int idx) { kmem_cache_destroy(caches[idx]); }

void *pa_pages(unsigned int order)
{
	return (void *)__get_free_pages(GFP_PEERS, order);
}

void pa_free_pages(void *p, unsigned int order) { free_pages((unsigned long)p, order); }

/* What held the frames at the peak of pa_taken() (pa_report_peak()), in pages. */
static struct {
	unsigned long held, cpu_lists, slabs, partial_free, empty;
} at_peak, at_base;

extern struct list_head slab_caches;

/* A partial slab of s (on its list or a CPU's): its free space, and its pages when empty. */
static void account_partial(const struct kmem_cache *s, const struct page *slab)
{
	at_peak.partial_free += (s->objects - slab->slab.inuse) * (unsigned long)s->size;
	at_peak.empty += slab->slab.inuse ? 0 : 1UL << s->order;
}

static void account(unsigned long held)
{
	struct list_head *pos, *q;

	at_peak.held = held;
	at_peak.cpu_lists = at_peak.slabs = at_peak.partial_free = at_peak.empty = 0;
	for (unsigned int i = 0; i < contig_node.nr_zones; i++)
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
			at_peak.cpu_lists += contig_node.zones[i].pcp[cpu].count;
	list_for_each(pos, &slab_caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		at_peak.slabs += s->nr_slabs << s->order;
		list_for_each(q, &s->partial)
			account_partial(s, list_entry(q, struct page, lru));
		for (unsigned int i = 0; i < s->nr_cpus * PERCPU_CTX_LINES; i++)	/* CPU partial lists */
			for (const struct page *slab = s->cpu[i].partial; slab;
			     slab = (const struct page *)slab->lru.next)
				account_partial(s, slab);
	}
	if (!at_base.held)		/* the first call: the harness's base, before the replay */
		at_base = at_peak;
}

size_t pa_taken(void)
{
	unsigned long held = 0;

	for (unsigned int i = 0; i < contig_node.nr_zones; i++)
		held += contig_node.zones[i].managed_pages - contig_node.zones[i].free_pages;
	if (held > at_peak.held)
		account(held);
	return held * PAGE_SIZE;
}

/* The frames taken above the base, at the peak: on the CPU page lists, in slabs (of which free
 * in partial slabs, and empty partial slabs: on the caches' lists and the CPUs'), and the rest
 * (large kmalloc, page blocks). The CPU's active slabs are in slabs: their free objects are not
 * counted apart. */
void pa_report_peak(const char *trace)
{
	unsigned long held = at_peak.held - at_base.held, slabs = at_peak.slabs - at_base.slabs;
	unsigned long lists = at_peak.cpu_lists - MIN(at_base.cpu_lists, at_peak.cpu_lists);

	printf("PEERFOOT %s mmkern pages_at_peak=%lu cpu_lists=%lu slabs=%lu partial_free=%lu "
	       "empty_slabs=%lu large_and_pages=%lu\n", trace, held, lists, slabs,
	       at_peak.partial_free / PAGE_SIZE, at_peak.empty, held - lists - slabs);
}

size_t pa_peak_taken(void) { return 0; }

int pa_check_empty(void)
{
	kmem_cache_shrink_all();
	node_drain_pages(&contig_node);
	if (nr_free_pages() != free_start) {
		fprintf(stderr, "mmkern: %lu free frames after the replay, %lu before\n",
			nr_free_pages(), free_start);
		return -1;
	}
	return 0;
}
