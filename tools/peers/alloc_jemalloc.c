/* tools/peers/alloc_jemalloc.c - jemalloc (Debian libjemalloc, unprefixed: it replaces malloc
 * in this binary). Taken from the OS: stats.resident (bytes in physically resident data pages
 * the allocator maps, metadata included, dirty pages not yet purged included), read after an
 * "epoch" refresh. */
#include <stdint.h>
#include <stdlib.h>
#include <jemalloc/jemalloc.h>
#include "tools/peers/peers.h"
#include "tools/peers/peers_common.h"

const char pa_name[] = "jemalloc";

const char *pa_version(void)
{
	static const char *v;
	size_t len = sizeof(v);

	if (!v && mallctl("version", &v, &len, NULL, 0) != 0)
		v = "?";
	return v;
}

int pa_init(size_t mem, unsigned int nr_threads) { (void)mem; (void)nr_threads; return 0; }
void pa_thread_init(unsigned int cpu) { (void)cpu; }
void *pa_malloc(size_t size) { return malloc(size); }
void *pa_zalloc(size_t size) { return calloc(1, size); }
void *pa_realloc(void *p, size_t old, size_t size) { (void)old; return realloc(p, size); }
void pa_free(void *p, size_t size) { (void)size; free(p); }

size_t pa_taken(void)
{
	uint64_t epoch = 1;
	size_t v = 0, len = sizeof(epoch);

	mallctl("epoch", &epoch, &len, &epoch, len);
	len = sizeof(v);
	mallctl("stats.resident", &v, &len, NULL, 0);
	return v;
}

size_t pa_peak_taken(void) { return 0; }
int pa_check_empty(void) { return 0; }

PEERS_MALLOC_CACHES_AND_PAGES
