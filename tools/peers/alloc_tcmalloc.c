/* tools/peers/alloc_tcmalloc.c - gperftools tcmalloc (Debian libgoogle-perftools, called as
 * tc_malloc and friends). Taken from the OS: generic.heap_size (bytes reserved from the
 * system) minus tcmalloc.pageheap_unmapped_bytes (given back with madvise), which tcmalloc's
 * own documentation names the physical memory in use; its metadata is not in it. */
#include <stdlib.h>
#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>
#include "tools/peers/peers.h"
#define PA_ALIGNED(align, size) tc_memalign(align, size)
#define PA_ALIGNED_FREE(p) tc_free(p)
#include "tools/peers/peers_common.h"

const char pa_name[] = "tcmalloc";

const char *pa_version(void)
{
	int a, b;
	const char *s;

	return tc_version(&a, &b, &s);
}

int pa_init(size_t mem, unsigned int nr_threads) { (void)mem; (void)nr_threads; return 0; }
void pa_thread_init(unsigned int cpu) { (void)cpu; }
void *pa_malloc(size_t size) { return tc_malloc(size); }
void *pa_zalloc(size_t size) { return tc_calloc(1, size); }
void *pa_realloc(void *p, size_t old, size_t size) { (void)old; return tc_realloc(p, size); }
void pa_free(void *p, size_t size) { (void)size; tc_free(p); }

size_t pa_taken(void)
{
	size_t heap = 0, unmapped = 0;

	MallocExtension_GetNumericProperty("generic.heap_size", &heap);
	MallocExtension_GetNumericProperty("tcmalloc.pageheap_unmapped_bytes", &unmapped);
	return heap - unmapped;
}

size_t pa_peak_taken(void) { return 0; }
int pa_check_empty(void) { return 0; }

PEERS_MALLOC_CACHES_AND_PAGES
