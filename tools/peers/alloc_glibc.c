/* tools/peers/alloc_glibc.c - the C library's malloc (glibc ptmalloc2) for the peer replayer.
 * Taken from the OS: the resident memory (peers_rss()). mallinfo2()'s arena + hblkhd would be
 * the figure, but mallinfo2() walks every free chunk: sampled after each operation it makes a
 * replay with many free chunks quadratic. Freed chunks stay resident in glibc (only the top of
 * the heap is trimmed), so the two agree but for pages the program never touched. */
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdlib.h>
#include "tools/peers/peers.h"
#include "tools/peers/peers_common.h"

const char pa_name[] = "glibc";

const char *pa_version(void) { return gnu_get_libc_version(); }
int pa_init(size_t mem, unsigned int nr_threads) { (void)mem; (void)nr_threads; return 0; }
void pa_thread_init(unsigned int cpu) { (void)cpu; }
void *pa_malloc(size_t size) { return malloc(size); }
void *pa_zalloc(size_t size) { return calloc(1, size); }
void *pa_realloc(void *p, size_t old, size_t size) { (void)old; return realloc(p, size); }
void pa_free(void *p, size_t size) { (void)size; free(p); }

size_t pa_taken(void) { return peers_rss(); }

size_t pa_peak_taken(void) { return 0; }
int pa_check_empty(void) { return 0; }

PEERS_MALLOC_CACHES_AND_PAGES
