/* kernel/replay.h - replay recorded allocation traces (format in lib/trace.h) through kmalloc,
 * the slab caches and the page allocator: every object is filled with a pattern derived from
 * its handle and checked when freed or reallocated, and the run is measured (peaks, internal
 * waste, slab and buddy footprint, cycles per allocator call). */
#ifndef KERNEL_REPLAY_H
#define KERNEL_REPLAY_H

#include "lib/types.h"
#include "mm/mb2.h"

/* What one replay measured. Byte and page figures are over the objects of the trace;
 * slab and footprint figures are increases over what the slab layer held before the replay. */
struct replay_stats {
	unsigned long ops;		/* trace operations replayed */
	unsigned long live_objs, live_peak_objs;
	u64 req_live, req_peak_bytes;	/* sum of requested sizes over live objects */
	u64 alloc_live, alloc_peak_bytes;	/* sum of ksize over live objects */
	u64 req_total, alloc_total;	/* over every allocation (internal waste) */
	unsigned long slab_peak_pages;	/* slab_pages() above the start */
	u64 footprint_peak_bytes;	/* slab pages plus large-kmalloc pages above the start */
	u64 ticks;			/* TSC ticks inside the allocator calls of the trace */
	unsigned long peak_op;		/* operation after which req_live peaked */
	unsigned long free_before, free_after;	/* free pages around the whole replay */
	unsigned long pages_moved;	/* page handles compaction moved (contents checked) */
	unsigned long err_line;		/* line of the error (0: not tied to a line) */
	bool failed;			/* an error stopped the replay (reason in err) */
	char err[160];
};

struct replay_opts {
	bool verbose;		/* print the REPLAY lines (start, progress, classes, summary/error) */
	bool pagemap_at_peak;	/* print a pagemap (kernel/pagemap.h) after the peak operation */
	void (*on_op)(unsigned long ops);	/* called after each operation (tests), or NULL */
	bool frag;		/* end with FRAG lines, a compaction, FRAG lines, REPLAY-FRAG */
};

/* Replay the trace buf[0..len) under the name `name` (printed sanitized). Returns 0 when the
 * trace ran to its end, every byte checked out, and every page came back after the caches were
 * shrunk (result=ok); -1 otherwise. Not reentrant. */
int replay_buffer(const char *name, const void *buf, size_t len, const struct replay_opts *o,
		  struct replay_stats *st);

/* The object of live handle id of the replay in progress, or NULL (for on_op hooks). */
void *replay_object(u32 id);

/* Replay every multiboot2 module in turn (CMDLINE=replay). 0 when all gave result=ok. */
int replay_modules(const struct mb2_info *mb2, bool pagemap);

/* 100 * (alloc - req) / alloc in tenths of a percent, rounded (0 when alloc is 0). */
unsigned long replay_waste_permille(u64 req, u64 alloc);

#endif
