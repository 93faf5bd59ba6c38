/* tests/lib/printf_test.c - ktest suite "printf": kvsnprintf/ksnprintf conversions, modifiers,
 * flags, width and precision, extreme values, truncation and the return value.
 * Runs unchanged in the kernel and on the host (no libc: expectations are literal strings). */
#include "tests/ktest.h"
#include "lib/kernel.h"

#define BUF_SIZE 128

/* Format with ksnprintf and expect exactly want, with the return value equal to its length. */
#define CHECK(t, want, ...) check_fmt(t, __LINE__, want, __VA_ARGS__)
/* The same without compile-time format checking, for deliberately unusual formats. */
#define CHECK_RAW(t, want, ...) check_raw(t, __LINE__, want, __VA_ARGS__)

/* Shared body of CHECK and CHECK_RAW: compare output and return value of a va_list format. */
static void check_va(struct ktest *t, int line, const char *want, const char *fmt, va_list ap)
{
	char buf[BUF_SIZE];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	if (strcmp(buf, want) || n != (int)strlen(want))
		ktest_fail(t, __FILE__, line, "format \"%s\": got \"%s\" (ret %d), want \"%s\" (ret %d)",
			   fmt, buf, n, want, (int)strlen(want));
}

/* CHECK with compile-time format checking. */
static __printf(4, 5) void check_fmt(struct ktest *t, int line, const char *want,
				     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(t, line, want, fmt, ap);
	va_end(ap);
}

/* CHECK without format checking, for deliberately unusual formats. */
static void check_raw(struct ktest *t, int line, const char *want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(t, line, want, fmt, ap);
	va_end(ap);
}

/* Plain text and %% pass through unchanged. */
static void literal_text(struct ktest *t)
{
	CHECK(t, "", "%s", "");
	CHECK(t, "hello", "hello");
	CHECK(t, "%", "%%");
	CHECK(t, "100% sure", "100%% sure");
	CHECK(t, "a%%b", "a%%%%b");
}

/* %d and %i of int: zero, signs, extremes. */
static void signed_int(struct ktest *t)
{
	CHECK(t, "0", "%d", 0);
	CHECK(t, "42", "%d", 42);
	CHECK(t, "-42", "%i", -42);
	CHECK(t, "2147483647", "%d", 2147483647);
	CHECK(t, "-2147483648", "%d", (int)(-2147483647 - 1));
	CHECK(t, "1 -2 3", "%d %i %d", 1, -2, 3);
}

/* %u %x %X %o of unsigned int. */
static void unsigned_int(struct ktest *t)
{
	CHECK(t, "0", "%u", 0u);
	CHECK(t, "4294967295", "%u", 4294967295u);
	CHECK(t, "ff", "%x", 255u);
	CHECK(t, "FF", "%X", 255u);
	CHECK(t, "deadbeef", "%x", 0xdeadbeefu);
	CHECK(t, "DEADBEEF", "%X", 0xdeadbeefu);
	CHECK(t, "0", "%x", 0u);
	CHECK(t, "10", "%o", 8u);
	CHECK(t, "37777777777", "%o", 4294967295u);
}

/* hh and h truncate to char and short; l, ll, z, j, t take the wide types. */
static void length_modifiers(struct ktest *t)
{
	CHECK(t, "-56", "%hhd", (signed char)-56);
	CHECK(t, "200", "%hhu", (unsigned char)200);
	CHECK_RAW(t, "5", "%hhu", 261);		/* only the low byte counts */
	CHECK_RAW(t, "-1", "%hhd", 255);
	CHECK(t, "-25536", "%hd", (short)-25536);
	CHECK_RAW(t, "7", "%hu", 65543);		/* 65536 + 7 */
	CHECK_RAW(t, "ffff", "%hx", 0x1ffff);
	CHECK(t, "-1234567890123", "%ld", -1234567890123L);
	CHECK(t, "1234567890123", "%lu", 1234567890123UL);
	CHECK(t, "123456789abc", "%lx", 0x123456789abcUL);
	CHECK(t, "-1234567890123456789", "%lld", -1234567890123456789LL);
	CHECK(t, "1234567890123456789", "%llu", 1234567890123456789ULL);
	CHECK(t, "123456789ABCDEF0", "%llX", 0x123456789abcdef0ULL);
	CHECK(t, "4096", "%zu", (size_t)4096);
	CHECK(t, "1000", "%zx", (size_t)4096);
	CHECK(t, "-4096", "%zd", (ptrdiff_t)-4096);
	CHECK(t, "-7", "%jd", (intmax_t)-7);
	CHECK(t, "-8", "%td", (ptrdiff_t)-8);
	CHECK_RAW(t, "1 2 3", "%hhd %ld %zu", 1, 2L, (size_t)3);
}

/* 64-bit extremes: INT64_MIN has no positive counterpart. */
static void int64_extremes(struct ktest *t)
{
	CHECK(t, "-9223372036854775808", "%lld", (long long)INT64_MIN);
	CHECK(t, "-9223372036854775808", "%ld", (long)INT64_MIN);
	CHECK(t, "9223372036854775807", "%lld", (long long)INT64_MAX);
	CHECK(t, "18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	CHECK(t, "ffffffffffffffff", "%llx", (unsigned long long)UINT64_MAX);
	CHECK(t, "FFFFFFFFFFFFFFFF", "%lX", (unsigned long)UINT64_MAX);
	CHECK(t, "1777777777777777777777", "%llo", (unsigned long long)UINT64_MAX);
	CHECK(t, "8000000000000000", "%llx", (unsigned long long)INT64_MIN);
	CHECK(t, "-9223372036854775808", "%zd", (ptrdiff_t)INT64_MIN);
	CHECK(t, "18446744073709551615", "%zu", (size_t)UINT64_MAX);
	CHECK(t, "-9223372036854775808", "%+lld", (long long)INT64_MIN);
	CHECK(t, "  -9223372036854775808", "%22lld", (long long)INT64_MIN);
	CHECK(t, "-009223372036854775808", "%022lld", (long long)INT64_MIN);
}

/* Field width pads with spaces on the left, or on the right with '-'. */
static void width(struct ktest *t)
{
	CHECK(t, "   42", "%5d", 42);
	CHECK(t, "42   |", "%-5d|", 42);
	CHECK(t, "  -42", "%5d", -42);
	CHECK(t, "12345", "%2d", 12345);
	CHECK(t, "   ff", "%5x", 255u);
	CHECK(t, "|  abc|abc  |", "|%5s|%-5s|", "abc", "abc");
	CHECK(t, "    x", "%5c", 'x');
	CHECK(t, "x    |", "%-5c|", 'x');
	CHECK_RAW(t, "%", "%5%");
}

/* '*' takes the width from the arguments; a negative one means left-justify. */
static void star_width(struct ktest *t)
{
	CHECK(t, "   42", "%*d", 5, 42);
	CHECK(t, "42   |", "%-*d|", 5, 42);
	CHECK(t, "42   |", "%*d|", -5, 42);
	CHECK(t, "42", "%*d", 0, 42);
	CHECK(t, "  ab", "%*s", 4, "ab");
	CHECK(t, "  7 8", "%*d %d", 3, 7, 8);
}

/* '0' pads numbers with zeros after the sign and prefix; ignored with '-' or a precision. */
static void zero_pad(struct ktest *t)
{
	CHECK(t, "00042", "%05d", 42);
	CHECK(t, "-0042", "%05d", -42);
	CHECK(t, "+0042", "%+05d", 42);
	CHECK(t, "000ff", "%05x", 255u);
	CHECK(t, "0x00ff", "%#06x", 255u);
	CHECK(t, "0X00FF", "%#06X", 255u);
	CHECK_RAW(t, "42   ", "%-05d", 42);
	CHECK_RAW(t, "  042", "%05.3d", 42);
	CHECK(t, "00000", "%05d", 0);
	CHECK(t, "0000000000000000000000000000000000000001", "%040d", 1);
}

/* '+' and ' ' give non-negative signed numbers a sign or a space. */
static void sign_flags(struct ktest *t)
{
	CHECK(t, "+5", "%+d", 5);
	CHECK(t, "-5", "%+d", -5);
	CHECK(t, "+0", "%+d", 0);
	CHECK(t, " 5", "% d", 5);
	CHECK(t, "-5", "% d", -5);
	CHECK_RAW(t, "+5", "%+ d", 5);
	CHECK(t, "  +5", "%+4d", 5);
	CHECK(t, "+5  |", "%-+4d|", 5);
	CHECK_RAW(t, "5", "%+u", 5u);	/* no sign for unsigned conversions */
	CHECK_RAW(t, "ff", "% x", 255u);
}

/* '#' adds 0x/0X to non-zero hex and a leading 0 to octal. */
static void alt_form(struct ktest *t)
{
	CHECK(t, "0xff", "%#x", 255u);
	CHECK(t, "0XFF", "%#X", 255u);
	CHECK(t, "0", "%#x", 0u);
	CHECK(t, "010", "%#o", 8u);
	CHECK(t, "0", "%#o", 0u);
	CHECK(t, "0xffffffffffffffff", "%#llx", (unsigned long long)UINT64_MAX);
	CHECK(t, "  0x1f", "%#6x", 31u);
	CHECK(t, "0x1f  |", "%-#6x|", 31u);
	CHECK(t, "0x000000000000abcd", "%#018lx", 0xabcdUL);
}

/* Precision is a minimum digit count for integers (0 with value 0 prints nothing). */
static void int_precision(struct ktest *t)
{
	CHECK(t, "007", "%.3d", 7);
	CHECK(t, "-007", "%.3d", -7);
	CHECK(t, "12345", "%.3d", 12345);
	CHECK(t, "", "%.0d", 0);
	CHECK(t, "", "%.d", 0);
	CHECK(t, "    ", "%4.0d", 0);
	CHECK(t, "  007", "%5.3d", 7);
	CHECK(t, "007  |", "%-5.3d|", 7);
	CHECK(t, "0x00ff", "%#.4x", 255u);
	CHECK(t, "0", "%#.0o", 0u);
	CHECK(t, "00000000000000000000000000000001", "%.32u", 1u);
	CHECK(t, "007", "%.*d", 3, 7);
	CHECK(t, "7", "%.*d", -3, 7);		/* negative precision = none */
	CHECK(t, "+007", "%+.3d", 7);
}

/* %s: strings, width, precision (bounded reads), NULL. */
static void strings(struct ktest *t)
{
	static const char unterminated[3] = { 'a', 'b', 'c' };

	CHECK(t, "abc", "%s", "abc");
	CHECK(t, "ab", "%.2s", "abc");
	CHECK(t, "abc", "%.10s", "abc");
	CHECK(t, "", "%.0s", "abc");
	CHECK(t, "ab", "%.*s", 2, "abcdef");
	CHECK(t, "abc", "%.3s", unterminated);	/* must not read past 3 bytes */
	CHECK(t, "        ab", "%10.2s", "abc");
	CHECK(t, "ab        |", "%-10.2s|", "abc");
	CHECK_RAW(t, "(null)", "%s", (const char *)NULL);
	CHECK_RAW(t, "  (null)", "%8s", (const char *)NULL);
	CHECK(t, "a-b-c", "%s-%s-%s", "a", "b", "c");
}

/* %c, including the NUL character (written and counted). */
static void chars(struct ktest *t)
{
	char buf[8] = "xxxxxxx";

	CHECK(t, "x", "%c", 'x');
	CHECK(t, "ab", "%c%c", 'a', 'b');
	CHECK(t, "\xff", "%c", 0xff);
	KT_EXPECT_EQ(t, ksnprintf(buf, sizeof(buf), "a%cb", 0), 3);
	KT_EXPECT(t, buf[0] == 'a' && buf[1] == '\0' && buf[2] == 'b' && buf[3] == '\0');
}

/* %p: "0x" and exactly 16 lowercase hex digits, even for NULL. */
static void pointers(struct ktest *t)
{
	CHECK(t, "0x0000000000001234", "%p", (void *)(uintptr_t)0x1234);
	CHECK(t, "0x0000000000000000", "%p", (void *)NULL);
	CHECK(t, "0xffff888000000000", "%p", (void *)(uintptr_t)0xffff888000000000ULL);
	CHECK(t, "0xffffffffffffffff", "%p", (void *)(uintptr_t)UINT64_MAX);
	CHECK(t, "  0x0000000000000001", "%20p", (void *)(uintptr_t)1);
	CHECK(t, "0x0000000000000001  |", "%-20p|", (void *)(uintptr_t)1);
	CHECK(t, "[0x00000000000000ff]", "[%p]", (void *)(uintptr_t)0xff);
}

/* Unknown conversions and a trailing '%' are copied literally. */
static void unknown_conversions(struct ktest *t)
{
	CHECK_RAW(t, "%y", "%y");
	CHECK_RAW(t, "a%yb", "a%yb");
	CHECK_RAW(t, "%5y", "%5y");
	CHECK_RAW(t, "%ly 3", "%ly %d", 3);
	CHECK_RAW(t, "abc%", "abc%");
	CHECK_RAW(t, "%-08.3", "%-08.3");
	CHECK_RAW(t, "%", "%");
	CHECK_RAW(t, "%q7", "%q%d", 7);
}

/* Truncation keeps a NUL-terminated prefix and returns the full length; bytes past size stay. */
static void truncation(struct ktest *t)
{
	char buf[16];
	int i;

	for (i = 0; i < 16; i++)
		buf[i] = '#';
	KT_EXPECT_EQ(t, ksnprintf(buf, 5, "hello world"), 11);
	KT_EXPECT_STREQ(t, buf, "hell");
	KT_EXPECT(t, buf[5] == '#');
	KT_EXPECT_EQ(t, ksnprintf(buf, 6, "%d", -12345), 6);
	KT_EXPECT_STREQ(t, buf, "-1234");
	KT_EXPECT_EQ(t, ksnprintf(buf, 7, "%d", -12345), 6);	/* exact fit */
	KT_EXPECT_STREQ(t, buf, "-12345");
	KT_EXPECT_EQ(t, ksnprintf(buf, 1, "abc"), 3);
	KT_EXPECT(t, buf[0] == '\0');
	KT_EXPECT_EQ(t, ksnprintf(buf, 4, "%p", (void *)NULL), 18);
	KT_EXPECT_STREQ(t, buf, "0x0");
	KT_EXPECT_EQ(t, ksnprintf(buf, 8, "%-10s|", "ab"), 11);
	KT_EXPECT_STREQ(t, buf, "ab     ");
	KT_EXPECT(t, buf[8] == '#');
}

/* size 0 writes nothing at all (buf may be NULL) but still returns the full length. */
static void size_zero(struct ktest *t)
{
	char c = '#';

	KT_EXPECT_EQ(t, ksnprintf(NULL, 0, "hello %d", 42), 8);
	KT_EXPECT_EQ(t, ksnprintf(&c, 0, "abc"), 3);
	KT_EXPECT(t, c == '#');
	KT_EXPECT_EQ(t, ksnprintf(NULL, 0, "%s", ""), 0);
	KT_EXPECT_EQ(t, ksnprintf(NULL, 0, "%lld", (long long)INT64_MIN), 20);
}

/* Huge widths and precisions cost no time beyond the buffer and are counted exactly. */
static void huge_width(struct ktest *t)
{
	char buf[8];

	KT_EXPECT_EQ(t, ksnprintf(buf, sizeof(buf), "%300d", 1), 300);
	KT_EXPECT_STREQ(t, buf, "       ");
	KT_EXPECT_EQ(t, ksnprintf(buf, sizeof(buf), "%-300d", 1), 300);
	KT_EXPECT_STREQ(t, buf, "1      ");
	KT_EXPECT_EQ(t, ksnprintf(buf, sizeof(buf), "%.300d", 1), 300);
	KT_EXPECT_STREQ(t, buf, "0000000");
	KT_EXPECT_EQ(t, ksnprintf(buf, sizeof(buf), "%2000000000d", 1), 2000000000);
	KT_EXPECT_EQ(t, ksnprintf(NULL, 0, "%*d", 1000000, 1), 1000000);
	KT_EXPECT_EQ(t, ksnprintf(buf, sizeof(buf), "%*s", 100000, ""), 100000);
}

/* A long mixed format, as the kernel's log lines use. */
static void mixed(struct ktest *t)
{
	CHECK(t, "zone Normal: pfn 0x100-0x7fff (32511 pages), order 10, free 99%",
	      "zone %s: pfn %#lx-%#lx (%lu pages), order %u, free %d%%",
	      "Normal", 0x100UL, 0x7fffUL, 32511UL, 10u, 99);
	CHECK(t, "[    1] ok    -3 0x0000000000001000",
	      "[%5d] %-4s %3d %p", 1, "ok", -3, (void *)(uintptr_t)0x1000);
}

static const struct ktest_case printf_cases[] = {
	KTEST_CASE(literal_text),
	KTEST_CASE(signed_int),
	KTEST_CASE(unsigned_int),
	KTEST_CASE(length_modifiers),
	KTEST_CASE(int64_extremes),
	KTEST_CASE(width),
	KTEST_CASE(star_width),
	KTEST_CASE(zero_pad),
	KTEST_CASE(sign_flags),
	KTEST_CASE(alt_form),
	KTEST_CASE(int_precision),
	KTEST_CASE(strings),
	KTEST_CASE(chars),
	KTEST_CASE(pointers),
	KTEST_CASE(unknown_conversions),
	KTEST_CASE(truncation),
	KTEST_CASE(size_zero),
	KTEST_CASE(huge_width),
	KTEST_CASE(mixed),
	KTEST_END
};

const struct ktest_suite printf_suite = { "printf", printf_cases };
