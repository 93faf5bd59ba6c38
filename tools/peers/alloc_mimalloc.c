/* tools/peers/alloc_mimalloc.c - mimalloc (Debian libmimalloc, called as mi_malloc and
 * friends). Taken from the OS: the process's resident memory (/proc/self/statm), since this
 * build keeps no commit statistics (mi_process_info()'s commit figures stay 0); the harness's
 * own memory is mapped and touched before the replay, so the replay's growth is mimalloc's
 * (the harness touches every page of every object). */
#include <stdio.h>
#include <mimalloc.h>
#include "tools/peers/peers.h"
#define PA_ALIGNED(align, size) mi_malloc_aligned(size, align)
#define PA_ALIGNED_FREE(p) mi_free(p)
#include "tools/peers/peers_common.h"

const char pa_name[] = "mimalloc";

const char *pa_version(void)
{
	static char v[16];
	int n = mi_version();

	snprintf(v, sizeof(v), "%d.%d.%d", n / 100, n / 10 % 10, n % 10);
	return v;
}

int pa_init(size_t mem, unsigned int nr_threads) { (void)mem; (void)nr_threads; return 0; }
void pa_thread_init(unsigned int cpu) { (void)cpu; }
void *pa_malloc(size_t size) { return mi_malloc(size); }
void *pa_zalloc(size_t size) { return mi_zalloc(size); }
void *pa_realloc(void *p, size_t old, size_t size) { (void)old; return mi_realloc(p, size); }
void pa_free(void *p, size_t size) { (void)size; mi_free(p); }

size_t pa_taken(void) { return peers_rss(); }

size_t pa_peak_taken(void) { return 0; }
int pa_check_empty(void) { return 0; }

PEERS_MALLOC_CACHES_AND_PAGES
