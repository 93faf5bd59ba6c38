/* tests/fuzz/fuzz_trace.c - libFuzzer target: the allocation-trace parser of lib/trace.h
 * (trace_reader_init, trace_next, trace_scan) over any bytes, under the kernel's replay limits
 * (kmalloc up to 4 MiB, cache objects up to 32 KiB, orders up to 10) and without limits.
 *
 * The input is the trace (tests/traces files are seeds as they are). Beyond the sanitizers
 * (the input is an exactly sized heap copy, so any read past it is a report):
 *  - every operation agrees with an independent line-by-line reading of the format in
 *    lib/trace.h: same kind, handles, size or order, name (a pointer into the buffer), line;
 *    and the first error is on the same line (the reason text is the parser's own);
 *  - after an error trace_next() keeps returning -1, after the end it keeps returning 0; the
 *    error's token lies inside the buffer;
 *  - trace_scan() counts the same operations, stops at the same line, and its counts add up. */
#include <stdlib.h>
#include <string.h>
#include "lib/kernel.h"
#include "lib/trace.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_REF_OPS 65536

struct ref_op {
	char kind;
	u32 id, newid;
	u64 size;
	const char *name;
	size_t name_len;
	unsigned long line;
};

static struct ref_op ref[MAX_REF_OPS];

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* One field of line [p, e): skips blanks; false at the line's (comment-stripped) end. */
static bool field(const char **p, const char *e, const char **f, size_t *n)
{
	while (*p < e && blank(**p))
		(*p)++;
	if (*p >= e)
		return false;
	*f = *p;
	while (*p < e && !blank(**p))
		(*p)++;
	*n = (size_t)(*p - *f);
	return true;
}

static bool number(const char *f, size_t n, u64 max, u64 *out)
{
	unsigned __int128 v = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return false;
		v = v * 10 + (unsigned)(f[i] - '0');
		if (v > max)
			return false;
	}
	*out = (u64)v;
	return true;
}

/* The format read the plain way: returns the operation count, *err_line 0 or the line of the
 * first error. */
static long ref_parse(const char *buf, size_t len, const struct trace_limits *lim,
		      unsigned long *err_line)
{
	long nops = 0;
	unsigned long line = 0;
	const char *p = buf, *end = buf + len;

	*err_line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *hash = memchr(p, '#', (size_t)(le - p));
		const char *e = hash ? hash : le, *c = p, *f;
		size_t n;
		line++;
		p = nl ? nl + 1 : end;
		if (!field(&c, e, &f, &n))
			continue;
		struct ref_op op = { .line = line };
		bool ok = n == 1 && strchr("azcrfpq", f[0]) && f[0];
		u64 v = 0;
		if (ok) {
			op.kind = f[0];
			ok = field(&c, e, &f, &n) && number(f, n, UINT32_MAX, &v);
			op.id = (u32)v;
		}
		if (ok && op.kind == 'r') {
			ok = field(&c, e, &f, &n) && number(f, n, UINT32_MAX, &v);
			op.newid = (u32)v;
		}
		if (ok && strchr("azcr", op.kind)) {
			u64 max = op.kind == 'c' ? lim->max_cache_size : lim->max_size;
			ok = field(&c, e, &f, &n) && number(f, n, max, &op.size) && op.size > 0;
		}
		if (ok && op.kind == 'p')
			ok = field(&c, e, &f, &n) && number(f, n, lim->max_order, &op.size);
		if (ok && op.kind == 'c') {
			ok = field(&c, e, &f, &n) && n <= TRACE_NAME_MAX;
			for (size_t i = 0; ok && i < n; i++)
				ok = (unsigned char)f[i] > ' ' && (unsigned char)f[i] < 0x7f;
			op.name = f;
			op.name_len = n;
		}
		if (ok)
			ok = !field(&c, e, &f, &n);
		if (!ok) {
			*err_line = line;
			return nops;
		}
		if (nops < MAX_REF_OPS)
			ref[nops] = op;
		nops++;
	}
	return nops;
}

static void run(const char *buf, size_t len, const struct trace_limits *lim)
{
	static const struct trace_limits none = { UINT64_MAX, UINT64_MAX, UINT32_MAX };
	const struct trace_limits *l = lim ? lim : &none;
	unsigned long err_line;
	long nref = ref_parse(buf, len, l, &err_line);

	struct trace_reader r;
	struct trace_op op;
	long n = 0;
	int rc;
	unsigned long last_line = 0;
	trace_reader_init(&r, buf, len, lim);
	while ((rc = trace_next(&r, &op)) > 0) {
		FUZZ_CHECK(n < nref, "operation %ld on line %lu: the model has only %ld", n + 1,
			   op.line, nref);
		FUZZ_CHECK(op.line > last_line, "line %lu after line %lu", op.line, last_line);
		last_line = op.line;
		if (n < MAX_REF_OPS) {
			const struct ref_op *m = &ref[n];
			FUZZ_CHECK(op.kind == m->kind && op.id == m->id && op.line == m->line,
				   "op %ld: '%c' %u line %lu, model '%c' %u line %lu", n + 1, op.kind,
				   op.id, op.line, m->kind, m->id, m->line);
			FUZZ_CHECK(op.kind != 'r' || op.newid == m->newid, "op %ld: newid %u, model %u",
				   n + 1, op.newid, m->newid);
			FUZZ_CHECK(!strchr("azcrp", op.kind) || op.size == m->size,
				   "op %ld: size %llu, model %llu", n + 1, (unsigned long long)op.size,
				   (unsigned long long)m->size);
			FUZZ_CHECK(op.kind != 'c' || (op.name == m->name && op.name_len == m->name_len),
				   "op %ld: name at +%td (%zu), model +%td (%zu)", n + 1, op.name - buf,
				   op.name_len, m->name - buf, m->name_len);
		}
		n++;
	}
	FUZZ_CHECK(n == nref, "%ld operations, the model %ld", n, nref);
	if (rc < 0) {
		FUZZ_CHECK(err_line && r.line == err_line, "error on line %lu (%s), the model says %lu",
			   r.line, r.err ? r.err : "?", err_line);
		FUZZ_CHECK(r.err != NULL, "error without a reason");
		FUZZ_CHECK(r.tok_len == 0 || (r.tok >= buf && r.tok + r.tok_len <= buf + len),
			   "error token outside the buffer");
		FUZZ_CHECK(trace_next(&r, &op) == -1, "trace_next after an error did not return -1");
	} else {
		FUZZ_CHECK(rc == 0 && err_line == 0, "end of input, the model has an error on line %lu",
			   err_line);
		FUZZ_CHECK(trace_next(&r, &op) == 0, "trace_next after the end did not return 0");
	}

	struct trace_summary s;
	int src = trace_scan(buf, len, lim, &s);
	FUZZ_CHECK((src < 0) == (rc < 0) && (long)s.ops == n, "trace_scan: %d, %lu ops; reader %d, %ld",
		   src, s.ops, rc, n);
	FUZZ_CHECK(s.allocs + s.frees + s.reallocs == s.ops && s.peak_live <= s.allocs,
		   "trace_scan counts do not add up");
	FUZZ_CHECK(rc >= 0 || (s.err_line == r.line && s.err), "trace_scan error line %lu", s.err_line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct trace_limits kernel = { 4UL << 20, 32768, 10 };	/* replay's limits */

	fuzz_console_reset();
	run((const char *)data, size, &kernel);
	run((const char *)data, size, NULL);
	return 0;
}
