/* tools/peers/alloc_null.c - the null allocator: the replay loop's own cost. A bump pointer
 * over a mapping as large as every byte the trace allocates (nothing is reused), so the harness
 * writes and checks the same bytes it does with a real allocator; realloc moves and copies
 * the kept bytes, as a real realloc that moves must. Its instructions are subtracted from
 * every allocator's. */
#include <string.h>
#include <sys/mman.h>
#include "tools/peers/peers.h"

const char pa_name[] = "null";

static char *ring;
static size_t pos;

const char *pa_version(void) { return "-"; }

int pa_init(size_t mem, unsigned int nr_threads)
{
	(void)nr_threads;
	ring = mmap(NULL, mem + pa_trace_bytes + (64UL << 20), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return ring == MAP_FAILED ? -1 : 0;
}

void pa_thread_init(unsigned int cpu) { (void)cpu; }

void *pa_malloc(size_t size)
{
	void *p = ring + pos;
	pos += (size + 15) & ~15UL;
	return p;
}

void *pa_zalloc(size_t size) { return pa_malloc(size); }

void *pa_realloc(void *p, size_t old, size_t size)
{
	void *q = pa_malloc(size);
	memcpy(q, p, old < size ? old : size);
	return q;
}

void pa_free(void *p, size_t size) { (void)p; (void)size; }
static size_t csize[64];
int pa_cache_create(unsigned int idx, const char *name, size_t size)
{ (void)name; csize[idx] = size; return 0; }
void *pa_cache_alloc(unsigned int idx) { return pa_malloc(csize[idx] ? csize[idx] : 64); }
void pa_cache_free(unsigned int idx, void *p) { (void)idx; (void)p; }
void pa_cache_destroy(unsigned int idx) { (void)idx; }
void *pa_pages(unsigned int order) { pos = (pos + 4095) & ~4095UL; return pa_malloc(4096UL << order); }
void pa_free_pages(void *p, unsigned int order) { (void)p; (void)order; }
size_t pa_taken(void) { return 0; }
size_t pa_peak_taken(void) { return 0; }
int pa_check_empty(void) { return 0; }
