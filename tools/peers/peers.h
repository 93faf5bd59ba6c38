/* tools/peers/peers.h - one allocator behind the hosted trace replayer (tools/peers/replay.c)
 * and the scaling harness (tools/peers/scale.c). Each allocator is one backend file
 * (alloc_<name>.c) linked into its own binary: build/peers/replay-<name>, scale-<name>.
 * The harness keeps its own memory out of the allocator under test (mmap), so the allocator's
 * statistics count the trace's objects alone. */
#ifndef TOOLS_PEERS_PEERS_H
#define TOOLS_PEERS_PEERS_H

#include <stddef.h>

extern const char pa_name[];
/* Set by the harness before pa_init: every byte the trace allocates, pages and reallocs
 * included (the null allocator maps that much). */
extern size_t pa_trace_bytes;		/* "mmkern", "glibc", ... */
/* The allocator's version, as the allocator itself reports it. */
const char *pa_version(void);
/* Set up for at most mem bytes live at once and nr_threads threads; 0 or -1 after a message. */
int pa_init(size_t mem, unsigned int nr_threads);
/* Thread number cpu (0..nr_threads-1) starts using the allocator (the scaling harness). */
void pa_thread_init(unsigned int cpu);
void *pa_malloc(size_t size);
void *pa_zalloc(size_t size);
/* Resize p (old bytes live) to size bytes keeping the smaller of the two. */
void *pa_realloc(void *p, size_t old, size_t size);
void pa_free(void *p, size_t size);
/* Caches: cache idx (0..63) of size-byte objects named name, made before the replay. */
int pa_cache_create(unsigned int idx, const char *name, size_t size);
void *pa_cache_alloc(unsigned int idx);
void pa_cache_free(unsigned int idx, void *p);
void pa_cache_destroy(unsigned int idx);
void *pa_pages(unsigned int order);
void pa_free_pages(void *p, unsigned int order);
/* Bytes the allocator holds from its backing store now (the README says which figure). */
size_t pa_taken(void);
/* The peak of pa_taken() since pa_init when the allocator tracks it itself, else 0. */
size_t pa_peak_taken(void);
/* With -f, after the replay: one "PEERFOOT <trace> <allocator> ..." line saying what held the
 * memory at the peak of pa_taken(), for an allocator that can tell (ours); a weak no-op in
 * tools/peers/replay.c for the others. */
void pa_report_peak(const char *trace);
/* After everything was freed: 0 when the allocator is back where it started (ours: every
 * frame came back), -1 after a message. */
int pa_check_empty(void);

#endif
