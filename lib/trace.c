/* lib/trace.c - the allocation-trace parser (format in lib/trace.h). A single forward scan
 * with one byte of look-ahead: every byte is read at most twice, nothing is allocated, and an
 * error stops the reader for good, so any input ends in bounded time. */
#include "lib/trace.h"

/* Blank inside a line: a "\r\n" ending leaves its '\r' as trailing blank. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Skip blanks; true when a field starts at r->pos (not at a line end, '#' or the end). */
static bool at_field(struct trace_reader *r)
{
	while (r->pos < r->len && is_blank(r->buf[r->pos]))
		r->pos++;
	return r->pos < r->len && r->buf[r->pos] != '\n' && r->buf[r->pos] != '#';
}

/* Consume the field at r->pos (at_field() was true) into *s, *n. */
static void take_field(struct trace_reader *r, const char **s, size_t *n)
{
	size_t start = r->pos;

	while (r->pos < r->len) {
		char c = r->buf[r->pos];
		if (c == '\n' || c == '#' || is_blank(c))
			break;
		r->pos++;
	}
	*s = r->buf + start;
	*n = r->pos - start;
}

/* Move r->pos past the end of the current line (or to the end of the buffer). */
static void skip_line(struct trace_reader *r)
{
	while (r->pos < r->len && r->buf[r->pos] != '\n')
		r->pos++;
	if (r->pos < r->len)
		r->pos++;
}

/* Record an error on the current line (tok may be NULL) and stop the reader; returns -1. */
static int fail(struct trace_reader *r, const char *reason, const char *tok, size_t n)
{
	r->err = reason;
	r->tok = tok;
	r->tok_len = tok ? n : 0;
	r->pos = r->len;
	return -1;
}

/* Read the next field as a decimal number no larger than max; 0, or -1 after fail(). */
static int field_number(struct trace_reader *r, u64 *out, u64 max, const char *missing,
			const char *too_large)
{
	const char *s;
	size_t n;
	u64 v = 0;

	if (!at_field(r))
		return fail(r, missing, NULL, 0);
	take_field(r, &s, &n);
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return fail(r, "not a decimal number", s, n);
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');
		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return fail(r, too_large, s, n);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Read a handle (below 2^32) into *id; 0, or -1 after fail(). */
static int field_id(struct trace_reader *r, u32 *id, const char *missing)
{
	u64 v;

	if (field_number(r, &v, UINT32_MAX, missing, "handle above 4294967295") < 0)
		return -1;
	*id = (u32)v;
	return 0;
}

/* Read a byte count in [1, max] into *size; 0, or -1 after fail(). */
static int field_size(struct trace_reader *r, u64 *size, u64 max, const char *too_large)
{
	if (field_number(r, size, max, "missing size", too_large) < 0)
		return -1;
	if (*size == 0)
		return fail(r, "size 0", NULL, 0);
	return 0;
}

/* Read a cache name (1..TRACE_NAME_MAX printable characters) into op; 0, or -1 after fail(). */
static int field_name(struct trace_reader *r, struct trace_op *op)
{
	const char *s;
	size_t n;

	if (!at_field(r))
		return fail(r, "missing cache name", NULL, 0);
	take_field(r, &s, &n);
	if (n > TRACE_NAME_MAX)
		return fail(r, "cache name longer than 31 characters", s, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return fail(r, "cache name with a non-printable character", s, n);
	op->name = s;
	op->name_len = n;
	return 0;
}

/* Parse the fields that follow op->kind; 0, or -1 after fail(). */
static int parse_fields(struct trace_reader *r, struct trace_op *op)
{
	u64 order;

	if (field_id(r, &op->id, "missing handle") < 0)
		return -1;
	switch (op->kind) {
	case TRACE_KMALLOC:
	case TRACE_KZALLOC:
		return field_size(r, &op->size, r->lim.max_size, "size beyond what kmalloc can serve");
	case TRACE_CACHE:
		if (field_size(r, &op->size, r->lim.max_cache_size,
			       "object size beyond what a cache can serve") < 0)
			return -1;
		return field_name(r, op);
	case TRACE_REALLOC:
		if (field_id(r, &op->newid, "missing new handle") < 0)
			return -1;
		return field_size(r, &op->size, r->lim.max_size, "size beyond what kmalloc can serve");
	case TRACE_PAGES:
		if (field_number(r, &order, r->lim.max_order, "missing order",
				 "order beyond the largest block") < 0)
			return -1;
		op->size = order;
		return 0;
	default:
		return 0;	/* f, q: the handle only */
	}
}

/* Is c an operation letter? */
static bool is_kind(char c)
{
	return c == TRACE_KMALLOC || c == TRACE_KZALLOC || c == TRACE_CACHE || c == TRACE_REALLOC ||
	       c == TRACE_FREE || c == TRACE_PAGES || c == TRACE_FREE_PAGES;
}

/* Parse the line whose first field starts at r->pos; 1, or -1 after fail(). */
static int parse_line(struct trace_reader *r, struct trace_op *op)
{
	const char *s;
	size_t n;

	*op = (struct trace_op){ .line = r->line };
	take_field(r, &s, &n);
	if (n != 1 || !is_kind(s[0]))
		return fail(r, "unknown operation", s, n);
	op->kind = s[0];
	if (parse_fields(r, op) < 0)
		return -1;
	if (at_field(r)) {
		take_field(r, &s, &n);
		return fail(r, "unexpected field after the operation", s, n);
	}
	skip_line(r);
	return 1;
}

void trace_reader_init(struct trace_reader *r, const void *buf, size_t len,
		       const struct trace_limits *lim)
{
	*r = (struct trace_reader){ .buf = buf, .len = buf ? len : 0 };
	if (lim)
		r->lim = *lim;
	else
		r->lim = (struct trace_limits){ UINT64_MAX, UINT64_MAX, UINT32_MAX };
}

int trace_next(struct trace_reader *r, struct trace_op *op)
{
	if (r->err)
		return -1;
	while (r->pos < r->len) {
		r->line++;
		if (at_field(r))
			return parse_line(r, op);
		skip_line(r);
	}
	return 0;
}

int trace_scan(const void *buf, size_t len, const struct trace_limits *lim,
	       struct trace_summary *out)
{
	struct trace_reader r;
	struct trace_op op;
	unsigned long live = 0;
	int ret;

	*out = (struct trace_summary){ 0 };
	trace_reader_init(&r, buf, len, lim);
	while ((ret = trace_next(&r, &op)) > 0) {
		out->ops++;
		if (op.kind == TRACE_FREE || op.kind == TRACE_FREE_PAGES) {
			out->frees++;
			live -= live > 0;	/* below 0 only in an inconsistent trace */
		} else if (op.kind == TRACE_REALLOC) {
			out->reallocs++;
		} else {
			out->allocs++;
			live++;
			out->peak_live = MAX(out->peak_live, live);
		}
	}
	if (ret < 0) {
		out->err_line = r.line;
		out->err = r.err;
	}
	return ret < 0 ? -1 : 0;
}
