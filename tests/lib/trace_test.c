/* tests/lib/trace_test.c - ktest suite "trace": the allocation-trace parser (lib/trace.c) on
 * well-formed input, on every malformed case (each gives its line and reason), on buffers that
 * are not NUL-terminated, on random garbage and on a million lines. Runs in the kernel and on
 * the host (ASan/UBSan catch any read outside the buffer). */
#include "tests/ktest.h"
#include "lib/trace.h"
#include "lib/prandom.h"
#include "mm/slab.h"

/* The kernel's limits: kmalloc up to 4 MiB, cache objects up to 32 KiB, orders up to 10. */
static const struct trace_limits lim = { 4UL << 20, 32UL << 10, 10 };

/* Parse s[0..len); expect an error on line `line` with reason `why`. */
static void expect_error(struct ktest *t, int at, const char *s, size_t len, unsigned long line,
			 const char *why)
{
	struct trace_reader r;
	struct trace_op op;
	int ret;

	trace_reader_init(&r, s, len, &lim);
	while ((ret = trace_next(&r, &op)) > 0)
		;
	if (ret != -1 || r.line != line || !r.err || strcmp(r.err, why))
		ktest_fail(t, __FILE__, at, "input \"%s\": got ret %d line %lu \"%s\", want line %lu "
			   "\"%s\"", s, ret, r.line, r.err ? r.err : "(none)", line, why);
}

/* s is a string literal: its bytes up to (not including) the final NUL are the input. */
#define EXPECT_ERROR(t, s, line, why) expect_error(t, __LINE__, s, sizeof(s) - 1, line, why)

/* Every operation with its fields. */
static void every_op(struct ktest *t)
{
	static const char s[] = "a 1 8\nz 2 16\nc 3 24 my_cache\nr 1 4 100\nf 2\np 5 3\nq 5\n";
	struct trace_reader r;
	struct trace_op op;

	trace_reader_init(&r, s, sizeof(s) - 1, &lim);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.kind, 'a');
	KT_EXPECT_EQ(t, op.id, 1);
	KT_EXPECT_EQ(t, op.size, 8);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.kind, 'z');
	KT_EXPECT_EQ(t, op.size, 16);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.kind, 'c');
	KT_EXPECT_EQ(t, op.size, 24);
	KT_ASSERT_EQ(t, op.name_len, 8);
	KT_EXPECT(t, !memcmp(op.name, "my_cache", 8));
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.kind, 'r');
	KT_EXPECT_EQ(t, op.id, 1);
	KT_EXPECT_EQ(t, op.newid, 4);
	KT_EXPECT_EQ(t, op.size, 100);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.kind, 'f');
	KT_EXPECT_EQ(t, op.id, 2);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.kind, 'p');
	KT_EXPECT_EQ(t, op.size, 3);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.kind, 'q');
	KT_EXPECT_EQ(t, op.line, 7);
	KT_EXPECT_EQ(t, trace_next(&r, &op), 0);
	KT_EXPECT_EQ(t, trace_next(&r, &op), 0);	/* the end stays the end */
}

/* Comments, blank lines, tabs, "\r\n", no final newline; line numbers count every line. */
static void layout(struct ktest *t)
{
	static const char s[] = "# header\r\n\r\n  \t\na\t7 \t 9 # trailing comment\r\n#\n"
				"f 7#glued comment\r\n\n   f    8";
	struct trace_reader r;
	struct trace_op op;

	trace_reader_init(&r, s, sizeof(s) - 1, &lim);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.line, 4);
	KT_EXPECT_EQ(t, op.id, 7);
	KT_EXPECT_EQ(t, op.size, 9);
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.line, 6);
	KT_EXPECT_EQ(t, op.kind, 'f');
	KT_ASSERT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, op.line, 8);
	KT_EXPECT_EQ(t, op.id, 8);
	KT_EXPECT_EQ(t, trace_next(&r, &op), 0);
}

/* Empty input, a NULL buffer and comment-only input hold no operation. */
static void empty(struct ktest *t)
{
	struct trace_reader r;
	struct trace_op op;
	struct trace_summary sum;

	trace_reader_init(&r, "", 0, &lim);
	KT_EXPECT_EQ(t, trace_next(&r, &op), 0);
	trace_reader_init(&r, NULL, 100, &lim);
	KT_EXPECT_EQ(t, trace_next(&r, &op), 0);
	KT_EXPECT_EQ(t, trace_scan("# only\n\n#\r\n", 11, &lim, &sum), 0);
	KT_EXPECT_EQ(t, sum.ops, 0);
	KT_EXPECT_EQ(t, sum.peak_live, 0);
}

/* Malformed operations, each with its line and reason. */
static void bad_ops(struct ktest *t)
{
	EXPECT_ERROR(t, "x 1 2\n", 1, "unknown operation");
	EXPECT_ERROR(t, "a 1 2\naa 1 2\n", 2, "unknown operation");
	EXPECT_ERROR(t, "A 1 2", 1, "unknown operation");
	EXPECT_ERROR(t, "\n\n\xff\xfe garbage", 3, "unknown operation");
	EXPECT_ERROR(t, "f\n", 1, "missing handle");
	EXPECT_ERROR(t, "a 1\r\n", 1, "missing size");
	EXPECT_ERROR(t, "a 1 # size in a comment\n", 1, "missing size");
	EXPECT_ERROR(t, "c 1 16\n", 1, "missing cache name");
	EXPECT_ERROR(t, "r 1\n", 1, "missing new handle");
	EXPECT_ERROR(t, "r 1 2\n", 1, "missing size");
	EXPECT_ERROR(t, "p 1\n", 1, "missing order");
	EXPECT_ERROR(t, "f 1 2\n", 1, "unexpected field after the operation");
	EXPECT_ERROR(t, "c 1 8 name extra\n", 1, "unexpected field after the operation");
}

/* Malformed and out-of-range numbers. */
static void bad_numbers(struct ktest *t)
{
	EXPECT_ERROR(t, "a 1 12x\n", 1, "not a decimal number");
	EXPECT_ERROR(t, "a -1 5\n", 1, "not a decimal number");
	EXPECT_ERROR(t, "a +1 5\n", 1, "not a decimal number");
	EXPECT_ERROR(t, "a 0x10 5\n", 1, "not a decimal number");
	EXPECT_ERROR(t, "f 4294967296\n", 1, "handle above 4294967295");
	EXPECT_ERROR(t, "f 99999999999999999999999999999999\n", 1, "handle above 4294967295");
	EXPECT_ERROR(t, "a 1 0\n", 1, "size 0");
	EXPECT_ERROR(t, "a 1 000\n", 1, "size 0");
	EXPECT_ERROR(t, "z 1 4194305\n", 1, "size beyond what kmalloc can serve");
	EXPECT_ERROR(t, "r 1 2 18446744073709551616\n", 1, "size beyond what kmalloc can serve");
	EXPECT_ERROR(t, "c 1 32769 big\n", 1, "object size beyond what a cache can serve");
	EXPECT_ERROR(t, "p 1 11\n", 1, "order beyond the largest block");
	EXPECT_ERROR(t, "a 1 1\0 2\n", 1, "not a decimal number");
}

/* The largest accepted values. */
static void limits(struct ktest *t)
{
	static const char s[] = "a 4294967295 4194304\nc 0 32768 x\np 7 10\nf 0004294967295";
	struct trace_summary sum;

	KT_EXPECT_EQ(t, trace_scan(s, sizeof(s) - 1, &lim, &sum), 0);
	KT_EXPECT_EQ(t, sum.ops, 4);
	KT_EXPECT(t, !sum.err);
}

/* Cache names: printable, at most 31 characters. */
static void bad_names(struct ktest *t)
{
	EXPECT_ERROR(t, "c 1 8 abcdefghijklmnopqrstuvwxyz123456\n", 1,
		     "cache name longer than 31 characters");
	EXPECT_ERROR(t, "c 1 8 bad\x01name\n", 1, "cache name with a non-printable character");
	EXPECT_ERROR(t, "c 1 8 \xc3\xa9t\xc3\xa9\n", 1, "cache name with a non-printable character");
	EXPECT_ERROR(t, "c 1 8 ok\0name\n", 1, "cache name with a non-printable character");
}

/* After an error the reader stays stopped, and the bad field is reported. */
static void error_sticks(struct ktest *t)
{
	static const char s[] = "a 1 8\na 2 8x\na 3 8\n";
	struct trace_reader r;
	struct trace_op op;

	trace_reader_init(&r, s, sizeof(s) - 1, &lim);
	KT_EXPECT_EQ(t, trace_next(&r, &op), 1);
	KT_EXPECT_EQ(t, trace_next(&r, &op), -1);
	KT_EXPECT_EQ(t, trace_next(&r, &op), -1);
	KT_EXPECT_EQ(t, r.line, 2);
	KT_ASSERT_EQ(t, r.tok_len, 2);
	KT_EXPECT(t, !memcmp(r.tok, "8x", 2));
}

/* The last byte of the buffer ends a number, a name or an operation: nothing reads past it
 * (the arrays have no terminating NUL; ASan would catch an overread on the host). */
static void unterminated(struct ktest *t)
{
	static const char num[5] = { 'f', ' ', '1', '2', '3' };
	static const char name[8] = { 'c', ' ', '1', ' ', '8', ' ', 'a', 'b' };
	static const char op[1] = { 'q' };
	static const char cr[4] = { 'f', ' ', '1', '\r' };
	struct trace_reader r;
	struct trace_op o;

	trace_reader_init(&r, num, sizeof(num), &lim);
	KT_EXPECT_EQ(t, trace_next(&r, &o), 1);
	KT_EXPECT_EQ(t, o.id, 123);
	trace_reader_init(&r, name, sizeof(name), &lim);
	KT_EXPECT_EQ(t, trace_next(&r, &o), 1);
	KT_EXPECT_EQ(t, o.name_len, 2);
	trace_reader_init(&r, op, sizeof(op), &lim);
	KT_EXPECT_EQ(t, trace_next(&r, &o), -1);
	KT_EXPECT_STREQ(t, r.err, "missing handle");
	trace_reader_init(&r, cr, sizeof(cr), &lim);
	KT_EXPECT_EQ(t, trace_next(&r, &o), 1);
	KT_EXPECT_EQ(t, trace_next(&r, &o), 0);
}

/* The first pass: counts, peak live handles, and the error line of a broken trace. */
static void scan(struct ktest *t)
{
	static const char ok[] = "a 1 8\nc 2 8 c\np 3 0\nr 1 4 9\nf 2\nq 3\nz 5 1\nf 4\nf 5\n";
	static const char bad[] = "a 1 8\na 2 8\n\nf 1\nwhat\na 3 8\n";
	struct trace_summary s;

	KT_EXPECT_EQ(t, trace_scan(ok, sizeof(ok) - 1, &lim, &s), 0);
	KT_EXPECT_EQ(t, s.ops, 9);
	KT_EXPECT_EQ(t, s.allocs, 4);
	KT_EXPECT_EQ(t, s.frees, 4);
	KT_EXPECT_EQ(t, s.reallocs, 1);
	KT_EXPECT_EQ(t, s.peak_live, 3);
	KT_EXPECT_EQ(t, s.err_line, 0);
	KT_EXPECT_EQ(t, trace_scan(bad, sizeof(bad) - 1, &lim, &s), -1);
	KT_EXPECT_EQ(t, s.ops, 3);
	KT_EXPECT_EQ(t, s.peak_live, 2);
	KT_EXPECT_EQ(t, s.err_line, 5);
	KT_EXPECT_STREQ(t, s.err, "unknown operation");
	/* Frees of handles never allocated cannot drive the live count below zero. */
	KT_EXPECT_EQ(t, trace_scan("f 1\nf 2\na 3 8\n", 14, &lim, &s), 0);
	KT_EXPECT_EQ(t, s.peak_live, 1);
}

/* Parse buf[0..len) to the end, asserting what every returned operation must satisfy: lines
 * only grow, and the fields are within the limits. Returns trace_next's last result. */
static int parse_all(struct ktest *t, const char *buf, size_t len)
{
	struct trace_reader r;
	struct trace_op op;
	unsigned long last = 0;
	int ret;

	trace_reader_init(&r, buf, len, &lim);
	while ((ret = trace_next(&r, &op)) > 0) {
		KT_EXPECT(t, op.line > last && op.line <= len);
		KT_EXPECT(t, op.kind != 'p' || op.size <= 10);
		KT_EXPECT(t, op.kind == 'p' || op.kind == 'f' || op.kind == 'q' ||
			     (op.size >= 1 && op.size <= (4UL << 20)));
		last = op.line;
	}
	KT_EXPECT(t, ret == 0 || (ret == -1 && r.err && r.line >= last && r.line <= len));
	return ret;
}

/* Random bytes, random text from the format's alphabet, and one-byte edits of a valid trace:
 * every run ends with a result or an error. */
static void garbage(struct ktest *t)
{
	static const char alphabet[] = "azcrfpq0123456789 \t\r\n#x\xff";
	static const char valid[] = "a 1 8\nz 2 16\nc 3 24 my_cache\nr 1 4 100\nf 2\np 5 3\nq 5\n"
				    "# comment\r\nf 4\nf 3";
	static char buf[4096];
	struct prandom rnd;
	unsigned long clean = 0, rounds = 0;

	prandom_seed(&rnd, 42);
	for (int round = 0; round < 300; round++, rounds++) {
		size_t len = (size_t)prandom_below(&rnd, sizeof(buf) + 1);
		for (size_t i = 0; i < len; i++)
			buf[i] = (round & 1) ? (char)prandom_u64(&rnd) :
				 alphabet[prandom_below(&rnd, sizeof(alphabet) - 1)];
		clean += parse_all(t, buf, len) == 0;
	}
	for (int round = 0; round < 1000; round++, rounds++) {
		memcpy(buf, valid, sizeof(valid) - 1);
		buf[prandom_below(&rnd, sizeof(valid) - 1)] =
			(round & 1) ? (char)prandom_u64(&rnd) :
			alphabet[prandom_below(&rnd, sizeof(alphabet) - 1)];
		clean += parse_all(t, buf, sizeof(valid) - 1) == 0;
	}
	ktest_log(t, "%lu random inputs: %lu parsed to the end, %lu stopped at an error", rounds,
		  clean, rounds - clean);
}

/* A million lines (comments, blank, "\r\n", the last without a newline) in one linear pass. */
static void million_lines(struct ktest *t)
{
	static const char group[] = "a 1 8\n\nf 1\r\n#\n";	/* 4 lines, 2 operations */
	const size_t glen = sizeof(group) - 1, groups = 250000, len = groups * glen - 1;
	char *buf = kmalloc(len, GFP_KERNEL | __GFP_NOWARN);
	struct trace_summary s;

	if (!buf) {
		ktest_skip(t, "no 3.5 MB buffer");
		return;
	}
	for (size_t i = 0; i < groups; i++)
		memcpy(buf + i * glen, group, i + 1 < groups ? glen : glen - 1);
	buf[len - 1] = 'x';			/* line 1000000: "x", no newline */
	KT_EXPECT_EQ(t, trace_scan(buf, len, &lim, &s), -1);
	KT_EXPECT_EQ(t, s.err_line, 1000000);
	KT_EXPECT_STREQ(t, s.err, "unknown operation");
	KT_EXPECT_EQ(t, s.ops, 500000);
	KT_EXPECT_EQ(t, s.allocs, 250000);
	KT_EXPECT_EQ(t, s.peak_live, 1);
	buf[len - 1] = '#';
	KT_EXPECT_EQ(t, trace_scan(buf, len, &lim, &s), 0);
	KT_EXPECT_EQ(t, s.frees, 250000);
	kfree(buf);
}

static const struct ktest_case trace_cases[] = {
	KTEST_CASE(every_op),
	KTEST_CASE(layout),
	KTEST_CASE(empty),
	KTEST_CASE(bad_ops),
	KTEST_CASE(bad_numbers),
	KTEST_CASE(limits),
	KTEST_CASE(bad_names),
	KTEST_CASE(error_sticks),
	KTEST_CASE(unterminated),
	KTEST_CASE(scan),
	KTEST_CASE(garbage),
	KTEST_CASE(million_lines),
	KTEST_END,
};

const struct ktest_suite trace_suite = { "trace", trace_cases };
