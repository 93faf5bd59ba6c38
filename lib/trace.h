/* lib/trace.h - parser for allocation traces (the replay format), pure C over a caller-owned
 * buffer: no allocation, no libc, the same on the host and in the kernel.
 *
 * Format: one operation per line, fields separated by spaces or tabs, '#' starts a comment
 * that runs to the end of the line, blank lines are ignored, lines may end with "\r\n" and the
 * last line needs no newline:
 *     a <id> <size>            kmalloc(size)            -> handle id
 *     z <id> <size>            kzalloc(size)            -> handle id
 *     c <id> <size> <name>     kmem_cache_alloc(<name>) -> handle id (cache of size-byte objects)
 *     r <id> <newid> <size>    krealloc(id, size)       -> handle newid
 *     f <id>                   kfree / kmem_cache_free of handle id
 *     p <id> <order>           alloc_pages(order)       -> handle id
 *     q <id>                   __free_pages of handle id
 * Numbers are unsigned decimal; ids are below 2^32; a name is 1..TRACE_NAME_MAX printable
 * ASCII characters. The input is untrusted: every malformed line gives an error with its line
 * number and a fixed reason string, and nothing is read outside [buf, buf + len).
 * The parser checks each line on its own; which handles are live is the replayer's business. */
#ifndef LIB_TRACE_H
#define LIB_TRACE_H

#include "lib/types.h"

#define TRACE_NAME_MAX 31	/* longest cache name */

enum trace_kind {
	TRACE_KMALLOC = 'a',
	TRACE_KZALLOC = 'z',
	TRACE_CACHE = 'c',
	TRACE_REALLOC = 'r',
	TRACE_FREE = 'f',
	TRACE_PAGES = 'p',
	TRACE_FREE_PAGES = 'q',
};

/* What the allocators can serve; a larger size or order is a parse error. */
struct trace_limits {
	u64 max_size;		/* a, z, r: largest kmalloc request */
	u64 max_cache_size;	/* c: largest cache object */
	unsigned int max_order;	/* p: largest page order */
};

/* One parsed operation. */
struct trace_op {
	char kind;		/* enum trace_kind */
	u32 id;
	u32 newid;		/* r only */
	u64 size;		/* a z c r: bytes; p: the order */
	const char *name;	/* c only: points into the buffer, name_len bytes, not terminated */
	size_t name_len;
	unsigned long line;	/* 1-based line number */
};

/* Parser state over one buffer. After an error, err is the reason and tok/tok_len the token
 * at fault (tok_len 0 when none); further calls keep returning the same error. */
struct trace_reader {
	const char *buf;
	size_t len, pos;
	unsigned long line;	/* line of the last operation or of the error */
	struct trace_limits lim;
	const char *err;
	const char *tok;
	size_t tok_len;
};

/* Start reading buf[0..len) under lim. */
void trace_reader_init(struct trace_reader *r, const void *buf, size_t len,
		       const struct trace_limits *lim);

/* Parse the next operation into *op: 1 = one operation, 0 = end of input, -1 = error
 * (r->err, r->line, r->tok). Linear in the bytes read. */
int trace_next(struct trace_reader *r, struct trace_op *op);

/* The first pass over a trace: counts, and the peak of live handles that a consistent trace
 * reaches (allocations minus frees; r counts as neither). Up to the first inconsistency the
 * replay can never hold more live handles than peak_live. */
struct trace_summary {
	unsigned long ops;		/* operations before the first error (all, when none) */
	unsigned long allocs;		/* a, z, c, p */
	unsigned long frees;		/* f, q */
	unsigned long reallocs;		/* r */
	unsigned long peak_live;
	unsigned long err_line;		/* 0 = no syntax error */
	const char *err;		/* reason, or NULL */
};

/* Scan the whole buffer; returns 0, or -1 at the first syntax error (then the counts cover the
 * operations before it). */
int trace_scan(const void *buf, size_t len, const struct trace_limits *lim,
	       struct trace_summary *out);

#endif
