/* tools/peers/peers_common.h - caches and page blocks for the peers, which have neither:
 * a cache object is malloc(size) and a block of 2^order pages aligned_alloc(4096 << order),
 * through the peer's own functions (PA_ALIGNED: its aligned allocation). */
#ifndef TOOLS_PEERS_PEERS_COMMON_H
#define TOOLS_PEERS_PEERS_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* The process's resident bytes (/proc/self/statm). The harness's own memory is mapped and
 * touched before the replay and the harness writes every page of every object, so the growth
 * over the replay is the allocator's: its data pages, free pages it has not given back, and
 * its metadata. */
static inline size_t peers_rss(void)
{
	static int fd = -1;
	char buf[128];
	unsigned long size, rss;

	if (fd < 0)
		fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%lu %lu", &size, &rss) != 2)
		return 0;
	return rss * 4096;
}

#ifndef PA_ALIGNED
#define PA_ALIGNED(align, size) aligned_alloc(align, size)
#define PA_ALIGNED_FREE(p) free(p)
#endif

#define PEERS_MALLOC_CACHES_AND_PAGES \
static size_t cache_size[64]; \
int pa_cache_create(unsigned int idx, const char *name, size_t size) \
{ (void)name; cache_size[idx] = size; return 0; } \
void *pa_cache_alloc(unsigned int idx) { return pa_malloc(cache_size[idx]); } \
void pa_cache_free(unsigned int idx, void *p) { pa_free(p, cache_size[idx]); } \
void pa_cache_destroy(unsigned int idx) { (void)idx; } \
void *pa_pages(unsigned int order) { return PA_ALIGNED(4096UL << order, 4096UL << order); } \
void pa_free_pages(void *p, unsigned int order) { (void)order; PA_ALIGNED_FREE(p); }

#endif
