/* tests/lib/cmdline_test.c - ktest suite "cmdline": kstrtou64, memparse, glob_match, the
 * ready-made setters and parse_args, including malformed, unknown and hostile input.
 * parse_args warnings are silenced (console_loglevel) so they do not clutter the KTAP output. */
#include "tests/ktest.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aULL

/* Expect kstrtou64(s, base) to succeed with want. */
#define EXPECT_STRTO(t, s, base, want) do { u64 _v = SENTINEL; \
	KT_EXPECT(t, kstrtou64(s, base, &_v)); KT_EXPECT_EQ(t, _v, want); } while (0)
/* Expect kstrtou64(s, base) to fail without touching the output. */
#define EXPECT_STRTO_BAD(t, s, base) do { u64 _v = SENTINEL; \
	KT_EXPECT(t, !kstrtou64(s, base, &_v)); KT_EXPECT_EQ(t, _v, SENTINEL); } while (0)
/* Expect memparse(s) to succeed with want. */
#define EXPECT_MEM(t, s, want) do { u64 _v = SENTINEL; \
	KT_EXPECT(t, memparse(s, &_v)); KT_EXPECT_EQ(t, _v, want); } while (0)
/* Expect memparse(s) to fail without touching the output. */
#define EXPECT_MEM_BAD(t, s) do { u64 _v = SENTINEL; \
	KT_EXPECT(t, !memparse(s, &_v)); KT_EXPECT_EQ(t, _v, SENTINEL); } while (0)

/* What the test parameters and the unknown() hook saw. */
static struct {
	u64 mem, num;
	bool debug;
	const char *name;
	int custom_calls;
	const char *custom_val;
	int unknown_calls;
	const char *unknown_key, *unknown_val;
	int unknown_ret;
} seen;

/* A setter that records every call and accepts anything. */
static int set_custom(const char *val, void *arg)
{
	(void)arg;
	seen.custom_calls++;
	seen.custom_val = val;
	return 0;
}

/* An unknown() hook that records the last key and value. */
static int record_unknown(const char *key, const char *val)
{
	seen.unknown_calls++;
	seen.unknown_key = key;
	seen.unknown_val = val;
	return seen.unknown_ret;
}

/* A setter that refuses every value with its own report (a positive return). */
static int set_refuses(const char *val, void *arg)
{
	(void)val;
	(void)arg;
	seen.custom_calls++;
	return 1;
}

static const struct kernel_param test_params[] = {
	{ "mem", param_set_size, &seen.mem },
	{ "num_pages", param_set_u64, &seen.num },
	{ "debug", param_set_bool, &seen.debug },
	{ "name", param_set_charp, &seen.name },
	{ "custom-opt", set_custom, NULL },
	{ "refuses", set_refuses, NULL },
};

/* Reset the recorded state. */
static void reset_seen(void)
{
	seen.mem = seen.num = 0;
	seen.debug = false;
	seen.name = NULL;
	seen.custom_calls = seen.unknown_calls = seen.unknown_ret = 0;
	seen.custom_val = seen.unknown_key = seen.unknown_val = NULL;
}

/* parse_args over the test table with warnings silenced; returns its problem count. */
static int quiet_parse(char *cmdline, int (*unknown)(const char *key, const char *val))
{
	int saved = console_loglevel, n;

	console_loglevel = LOGLEVEL_DEFAULT;	/* hide KERN_WARNING lines */
	n = parse_args(cmdline, test_params, ARRAY_SIZE(test_params), unknown);
	console_loglevel = saved;
	return n;
}

/* Decimal, hex, octal, binary and explicit bases. */
static void kstrtou64_bases(struct ktest *t)
{
	EXPECT_STRTO(t, "0", 0, 0);
	EXPECT_STRTO(t, "123", 0, 123);
	EXPECT_STRTO(t, "123", 10, 123);
	EXPECT_STRTO(t, "0x1f", 0, 31);
	EXPECT_STRTO(t, "0X1F", 0, 31);
	EXPECT_STRTO(t, "017", 0, 15);
	EXPECT_STRTO(t, "017", 10, 17);
	EXPECT_STRTO(t, "ff", 16, 255);
	EXPECT_STRTO(t, "0xff", 16, 255);
	EXPECT_STRTO(t, "101", 2, 5);
	EXPECT_STRTO(t, "zz", 36, 1295);
	EXPECT_STRTO(t, "+5", 0, 5);
	EXPECT_STRTO(t, "00", 0, 0);
}

/* Limits: the largest value parses, one more overflows. */
static void kstrtou64_limits(struct ktest *t)
{
	EXPECT_STRTO(t, "18446744073709551615", 0, UINT64_MAX);
	EXPECT_STRTO(t, "0xffffffffffffffff", 0, UINT64_MAX);
	EXPECT_STRTO(t, "01777777777777777777777", 0, UINT64_MAX);
	EXPECT_STRTO(t, "000000000000000000000000000000000001", 10, 1);
	EXPECT_STRTO_BAD(t, "18446744073709551616", 0);
	EXPECT_STRTO_BAD(t, "99999999999999999999", 10);
	EXPECT_STRTO_BAD(t, "0x10000000000000000", 0);
	EXPECT_STRTO_BAD(t, "02000000000000000000000", 0);
}

/* Anything that is not entirely a number fails. */
static void kstrtou64_garbage(struct ktest *t)
{
	EXPECT_STRTO_BAD(t, "", 0);
	EXPECT_STRTO_BAD(t, NULL, 0);
	EXPECT_STRTO_BAD(t, "12a", 10);
	EXPECT_STRTO_BAD(t, " 1", 0);
	EXPECT_STRTO_BAD(t, "1 ", 0);
	EXPECT_STRTO_BAD(t, "-1", 0);
	EXPECT_STRTO_BAD(t, "+", 0);
	EXPECT_STRTO_BAD(t, "++1", 0);
	EXPECT_STRTO_BAD(t, "0x", 0);
	EXPECT_STRTO_BAD(t, "0xg", 0);
	EXPECT_STRTO_BAD(t, "08", 0);
	EXPECT_STRTO_BAD(t, "2", 2);
	EXPECT_STRTO_BAD(t, "1", 1);
	EXPECT_STRTO_BAD(t, "1", 37);
	EXPECT_STRTO_BAD(t, "1\n", 0);
}

/* Plain numbers and every suffix, in both cases. */
static void memparse_suffixes(struct ktest *t)
{
	EXPECT_MEM(t, "0", 0);
	EXPECT_MEM(t, "4096", 4096);
	EXPECT_MEM(t, "4k", 4096);
	EXPECT_MEM(t, "4K", 4096);
	EXPECT_MEM(t, "128M", 128ULL << 20);
	EXPECT_MEM(t, "128m", 128ULL << 20);
	EXPECT_MEM(t, "2G", 2ULL << 30);
	EXPECT_MEM(t, "3t", 3ULL << 40);
	EXPECT_MEM(t, "5P", 5ULL << 50);
	EXPECT_MEM(t, "1e", 1ULL << 60);
	EXPECT_MEM(t, "0x10M", 16ULL << 20);
	EXPECT_MEM(t, "0x1E", 0x1e);		/* 'E' is a hex digit here, as in Linux */
	EXPECT_MEM(t, "010K", 8ULL << 10);	/* base 0: octal, as in Linux */
	EXPECT_MEM(t, "0K", 0);
}

/* Overflowing sizes fail instead of wrapping. */
static void memparse_overflow(struct ktest *t)
{
	EXPECT_MEM(t, "15E", 15ULL << 60);
	EXPECT_MEM(t, "18446744073709551615", UINT64_MAX);
	EXPECT_MEM(t, "17179869183G", 17179869183ULL << 30);
	EXPECT_MEM_BAD(t, "16E");
	EXPECT_MEM_BAD(t, "17179869184G");
	EXPECT_MEM_BAD(t, "18014398509481984K");
	EXPECT_MEM_BAD(t, "18446744073709551616");
}

/* Garbage, missing digits and trailing characters fail. */
static void memparse_garbage(struct ktest *t)
{
	EXPECT_MEM_BAD(t, "");
	EXPECT_MEM_BAD(t, NULL);
	EXPECT_MEM_BAD(t, "M");
	EXPECT_MEM_BAD(t, "12MB");
	EXPECT_MEM_BAD(t, "12KK");
	EXPECT_MEM_BAD(t, "1Z");
	EXPECT_MEM_BAD(t, "-1M");
	EXPECT_MEM_BAD(t, "1 M");
	EXPECT_MEM_BAD(t, "abc");
	EXPECT_MEM_BAD(t, "128M ");
}

/* '*' and '?' wildcards, anchoring at both ends. */
static void glob_basic(struct ktest *t)
{
	KT_EXPECT(t, glob_match("", ""));
	KT_EXPECT(t, !glob_match("", "a"));
	KT_EXPECT(t, glob_match("*", ""));
	KT_EXPECT(t, glob_match("*", "anything"));
	KT_EXPECT(t, glob_match("buddy", "buddy"));
	KT_EXPECT(t, !glob_match("bud", "buddy"));
	KT_EXPECT(t, !glob_match("buddy", "bud"));
	KT_EXPECT(t, glob_match("bud*", "buddy"));
	KT_EXPECT(t, glob_match("*dy", "buddy"));
	KT_EXPECT(t, glob_match("b*y", "buddy"));
	KT_EXPECT(t, !glob_match("b*x", "buddy"));
	KT_EXPECT(t, glob_match("a?c", "abc"));
	KT_EXPECT(t, !glob_match("a?c", "ac"));
	KT_EXPECT(t, glob_match("???", "abc"));
	KT_EXPECT(t, !glob_match("???", "ab"));
	KT_EXPECT(t, glob_match("a*b*c*d", "aXbYcZd"));
	KT_EXPECT(t, glob_match("a*b*c*d", "abcd"));
	KT_EXPECT(t, !glob_match("a*b*c*d", "abcdx"));
	KT_EXPECT(t, glob_match("**a**", "a"));
	KT_EXPECT(t, glob_match("*a", "aaa"));
	KT_EXPECT(t, glob_match("*ab", "aab"));
	KT_EXPECT(t, glob_match("*?", "x"));
	KT_EXPECT(t, !glob_match("*?", ""));
	KT_EXPECT(t, glob_match("mem=*/buddy.*", "mem=128M/buddy.alloc"));
	KT_EXPECT(t, !glob_match(NULL, "a"));
	KT_EXPECT(t, !glob_match("a", NULL));
}

/* A backtracking-hostile pattern finishes quickly (no exponential blow-up, no recursion). */
static void glob_pathological(struct ktest *t)
{
	static char s[2001];
	int i;

	for (i = 0; i < 2000; i++)
		s[i] = 'a';
	s[2000] = '\0';
	KT_EXPECT(t, !glob_match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s));
	KT_EXPECT(t, glob_match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", s));
	KT_EXPECT(t, glob_match("*a", s));
	KT_EXPECT(t, !glob_match("*b*", s));
}

/* The ready-made setters accept and reject what they document. */
static void setters(struct ktest *t)
{
	u64 v = 0;
	bool b = false;
	const char *p = NULL;

	KT_EXPECT_EQ(t, param_set_u64("0x10", &v), 0);
	KT_EXPECT_EQ(t, v, 16);
	KT_EXPECT(t, param_set_u64("x", &v) != 0);
	KT_EXPECT(t, param_set_u64(NULL, &v) != 0);
	KT_EXPECT_EQ(t, param_set_size("2M", &v), 0);
	KT_EXPECT_EQ(t, v, 2 << 20);
	KT_EXPECT(t, param_set_size(NULL, &v) != 0);
	KT_EXPECT(t, param_set_bool(NULL, &b) == 0 && b);
	KT_EXPECT(t, param_set_bool("OFF", &b) == 0 && !b);
	KT_EXPECT(t, param_set_bool("Yes", &b) == 0 && b);
	KT_EXPECT(t, param_set_bool("0", &b) == 0 && !b);
	KT_EXPECT(t, param_set_bool("true", &b) == 0 && b);
	KT_EXPECT(t, param_set_bool("maybe", &b) != 0);
	KT_EXPECT(t, param_set_bool("", &b) != 0);
	KT_EXPECT(t, param_set_bool("yess", &b) != 0);
	KT_EXPECT_EQ(t, param_set_charp("x", &p), 0);
	KT_EXPECT_STREQ(t, p, "x");
	KT_EXPECT(t, param_set_charp(NULL, &p) != 0);
}

/* key=value and bare keys reach their setters; any whitespace separates words. */
static void parse_values_and_bare_keys(struct ktest *t)
{
	char cmd[] = "  mem=128M debug\tnum_pages=0x20\nname=kernel custom-opt  ";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(cmd, NULL), 0);
	KT_EXPECT_EQ(t, seen.mem, 128ULL << 20);
	KT_EXPECT(t, seen.debug);
	KT_EXPECT_EQ(t, seen.num, 0x20);
	KT_EXPECT_STREQ(t, seen.name, "kernel");
	KT_EXPECT_EQ(t, seen.custom_calls, 1);
	KT_EXPECT(t, seen.custom_val == NULL);
}

/* Empty values, '=' inside values, later words overriding earlier ones. */
static void parse_value_edges(struct ktest *t)
{
	char cmd[] = "custom-opt= name=a=b=c mem=1M mem=2M debug=off";

	reset_seen();
	seen.debug = true;
	KT_EXPECT_EQ(t, quiet_parse(cmd, NULL), 0);
	KT_EXPECT_EQ(t, seen.custom_calls, 1);
	KT_EXPECT_STREQ(t, seen.custom_val, "");
	KT_EXPECT_STREQ(t, seen.name, "a=b=c");
	KT_EXPECT_EQ(t, seen.mem, 2ULL << 20);
	KT_EXPECT(t, !seen.debug);
}

/* Double quotes group words with spaces and are removed. */
static void parse_quotes(struct ktest *t)
{
	char cmd1[] = "name=\"a b  c\" mem=4K";
	char cmd2[] = "\"name=x y\" custom-opt=\"\"";
	char cmd3[] = "name=pre\"fix mid\"post";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(cmd1, NULL), 0);
	KT_EXPECT_STREQ(t, seen.name, "a b  c");
	KT_EXPECT_EQ(t, seen.mem, 4096);
	KT_EXPECT_EQ(t, quiet_parse(cmd2, NULL), 0);
	KT_EXPECT_STREQ(t, seen.name, "x y");
	KT_EXPECT_STREQ(t, seen.custom_val, "");
	KT_EXPECT_EQ(t, quiet_parse(cmd3, NULL), 0);
	KT_EXPECT_STREQ(t, seen.name, "prefix midpost");
}

/* An unterminated quote takes the rest of the line as the value and counts as a problem. */
static void parse_unterminated_quote(struct ktest *t)
{
	char cmd[] = "mem=1M name=\"hello world   debug";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(cmd, NULL), 1);
	KT_EXPECT_EQ(t, seen.mem, 1ULL << 20);
	KT_EXPECT_STREQ(t, seen.name, "hello world   debug");
	KT_EXPECT(t, !seen.debug);
}

/* '-' and '_' are interchangeable in names, in both directions; names are otherwise exact. */
static void parse_dash_underscore(struct ktest *t)
{
	char cmd[] = "num-pages=7 custom_opt=x Mem=1M mem_=1M";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(cmd, NULL), 2);	/* Mem and mem_ are unknown */
	KT_EXPECT_EQ(t, seen.num, 7);
	KT_EXPECT_EQ(t, seen.custom_calls, 1);
	KT_EXPECT_STREQ(t, seen.custom_val, "x");
	KT_EXPECT_EQ(t, seen.mem, 0);
}

/* Unknown keys go to unknown() when given (its nonzero return is a problem), else warn. */
static void parse_unknown_keys(struct ktest *t)
{
	char cmd1[] = "nope=1 mem=8K bare";
	char cmd2[] = "nope=1 mem=8K bare";
	char cmd3[] = "nope=1 mem=8K bare";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(cmd1, NULL), 2);
	KT_EXPECT_EQ(t, seen.mem, 8192);
	KT_EXPECT_EQ(t, quiet_parse(cmd2, record_unknown), 0);
	KT_EXPECT_EQ(t, seen.unknown_calls, 2);
	KT_EXPECT_STREQ(t, seen.unknown_key, "bare");
	KT_EXPECT(t, seen.unknown_val == NULL);
	seen.unknown_ret = -1;
	KT_EXPECT_EQ(t, quiet_parse(cmd3, record_unknown), 2);
	KT_EXPECT_EQ(t, seen.unknown_calls, 4);
}

/* A malformed value is reported and parsing continues with the next word. */
static void parse_malformed_values(struct ktest *t)
{
	char cmd[] = "mem=lots num_pages=12 debug=maybe name mem=64K num_pages";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(cmd, NULL), 4);	/* mem=lots debug=maybe name num_pages */
	KT_EXPECT_EQ(t, seen.num, 12);
	KT_EXPECT_EQ(t, seen.mem, 64 << 10);
	KT_EXPECT(t, !seen.debug);
	KT_EXPECT(t, seen.name == NULL);
}

/* A setter's own refusal (positive return) counts as one problem per word, and parsing goes
 * on; the words after it are still applied. */
static void parse_setter_refuses(struct ktest *t)
{
	char cmd[] = "refuses=x mem=2M refuses";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(cmd, NULL), 2);
	KT_EXPECT_EQ(t, seen.custom_calls, 2);
	KT_EXPECT_EQ(t, seen.mem, 2ULL << 20);
}

/* Empty and whitespace-only lines, NULL and an empty table are all fine. */
static void parse_empty(struct ktest *t)
{
	char empty[] = "";
	char spaces[] = " \t\n\r\v\f ";
	char one[] = "mem=1K";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(empty, NULL), 0);
	KT_EXPECT_EQ(t, quiet_parse(spaces, NULL), 0);
	KT_EXPECT_EQ(t, quiet_parse(NULL, NULL), 0);
	KT_EXPECT_EQ(t, parse_args(one, NULL, 0, record_unknown), 0);
	KT_EXPECT_STREQ(t, seen.unknown_key, "mem");
}

/* Hostile fragments never crash and each is counted as a problem. */
static void parse_hostile(struct ktest *t)
{
	char c1[] = "=";
	char c2[] = "=x";
	char c3[] = "==";
	char c4[] = "\"";
	char c5[] = "\"\"";
	char c6[] = " = \" = ";
	char c7[] = "mem=\"";
	char c8[] = "\"=\"\"=\"";

	reset_seen();
	KT_EXPECT_EQ(t, quiet_parse(c1, NULL), 1);
	KT_EXPECT_EQ(t, quiet_parse(c2, NULL), 1);
	KT_EXPECT_EQ(t, quiet_parse(c3, NULL), 1);
	KT_EXPECT_EQ(t, quiet_parse(c4, NULL), 2);	/* unterminated, then empty key */
	KT_EXPECT_EQ(t, quiet_parse(c5, NULL), 1);
	KT_EXPECT(t, quiet_parse(c6, NULL) >= 2);
	KT_EXPECT_EQ(t, quiet_parse(c7, NULL), 2);	/* unterminated, then bad size "" */
	KT_EXPECT(t, quiet_parse(c8, NULL) >= 1);
	KT_EXPECT_EQ(t, seen.mem, 0);
}

/* A huge line of long words, quotes and '=' runs is parsed to the end. */
static void parse_huge(struct ktest *t)
{
	static char cmd[8192];
	static const char piece[] = "x==\"=\" ";
	size_t i;

	for (i = 0; i + 1 < sizeof(cmd); i++)
		cmd[i] = (i < 3000) ? 'k' : piece[i % (sizeof(piece) - 1)];
	cmd[sizeof(cmd) - 1] = '\0';
	reset_seen();
	KT_EXPECT(t, quiet_parse(cmd, NULL) > 0);
	for (i = 0; i + 1 < sizeof(cmd); i++)
		cmd[i] = (i % 5 == 4) ? ' ' : 'm';	/* many short unknown words */
	cmd[sizeof(cmd) - 10] = '\0';
	KT_EXPECT(t, quiet_parse(cmd, NULL) > 1000);
}

static const struct ktest_case cmdline_cases[] = {
	KTEST_CASE(kstrtou64_bases),
	KTEST_CASE(kstrtou64_limits),
	KTEST_CASE(kstrtou64_garbage),
	KTEST_CASE(memparse_suffixes),
	KTEST_CASE(memparse_overflow),
	KTEST_CASE(memparse_garbage),
	KTEST_CASE(glob_basic),
	KTEST_CASE(glob_pathological),
	KTEST_CASE(setters),
	KTEST_CASE(parse_values_and_bare_keys),
	KTEST_CASE(parse_value_edges),
	KTEST_CASE(parse_quotes),
	KTEST_CASE(parse_unterminated_quote),
	KTEST_CASE(parse_dash_underscore),
	KTEST_CASE(parse_unknown_keys),
	KTEST_CASE(parse_malformed_values),
	KTEST_CASE(parse_setter_refuses),
	KTEST_CASE(parse_empty),
	KTEST_CASE(parse_hostile),
	KTEST_CASE(parse_huge),
	KTEST_END
};

const struct ktest_suite cmdline_suite = { "cmdline", cmdline_cases };
