/* tests/fuzz/fuzz_cmdline.c - libFuzzer target: the kernel command line through parse_args()
 * with a parameter table like kernel/main.c's (mem=, loglevel=, ktest[=glob], halt, slub_debug=,
 * page_poison=, init_on_free=, bench[=init|smp], replay, pagemap, dump-mbi, fail_page_alloc=, failslab=, memmap=), and the
 * parsers behind it (kstrtou64, memparse, glob_match, slub_debug_parse, setup_fault_attr,
 * memmap_parse_param, memmap_user_param, memmap_mem_param).
 *
 * The input is the command line (up to its first NUL). Checks beyond the sanitizers:
 *  - words: a second parse with an empty table and a catch-all unknown() must see exactly the
 *    (key, value) words of an independent reading of the documented syntax (whitespace
 *    separates, double quotes group and are removed, the first '=' splits);
 *  - every value a setter gets is NULL or a NUL-terminated string inside the command line;
 *  - the return value is the number of "cmdline:" warning lines printed (no unknown());
 *  - kstrtou64 (bases 0, 8, 10, 16), memparse and glob_match agree with reference models on
 *    every value (and on the pairs of values for glob_match). */
#include <stdlib.h>
#include <string.h>
#include "lib/cmdline.h"
#include "lib/kernel.h"
#include "mm/fault_inject.h"
#include "mm/memmap.h"
#include "mm/slab.h"
#include "tests/fuzz/fuzz_common.h"

#define LINE_MAX_BYTES 4096
#define MAX_WORDS      (LINE_MAX_BYTES / 2 + 1)

static char *line_lo, *line_hi;			/* the command line being parsed */
static const char *vals[MAX_WORDS];		/* values given to setters, for the cross checks */
static int nvals;

/* ---- reference models ---- */

static int ref_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* The longest number at s in base (0: 0x -> 16, 0 -> 8, else 10; 16 takes an optional 0x when a
 * hex digit follows); *end after it. False without digits or on overflow. */
static bool ref_number(const char *s, unsigned int base, u64 *out, const char **end)
{
	if (*s == '+')
		s++;
	bool hexprefix = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && ref_digit(s[2]) < 16;
	if ((base == 0 || base == 16) && hexprefix) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	unsigned __int128 v = 0;
	const char *p = s;
	while (ref_digit(*p) < (int)base) {
		v = v * base + (unsigned)ref_digit(*p);
		if (v > UINT64_MAX)
			return false;
		p++;
	}
	if (p == s)
		return false;
	*out = (u64)v;
	*end = p;
	return true;
}

static bool ref_kstrtou64(const char *s, unsigned int base, u64 *out)
{
	const char *end;
	return ref_number(s, base, out, &end) && *end == '\0';
}

static bool ref_memparse(const char *s, u64 *out)
{
	const char *end;
	u64 v;
	if (!ref_number(s, 0, &v, &end))
		return false;
	const char *suffixes = "kKmMgGtTpPeE";
	const char *k = *end ? strchr(suffixes, *end) : NULL;
	if (k) {
		unsigned int shift = 10 * (unsigned int)((k - suffixes) / 2 + 1);
		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
		end++;
	}
	if (*end)
		return false;
	*out = v;
	return true;
}

/* Glob by dynamic programming over (pattern position, string position). */
static bool ref_glob(const char *p, const char *s)
{
	size_t np = strlen(p), ns = strlen(s);
	if (np > 64 || ns > 64)
		return glob_match(p, s);	/* not modelled: keep the model cheap */
	bool m[65][65];
	memset(m, 0, sizeof(m));
	m[np][ns] = true;
	for (size_t i = np + 1; i-- > 0;) {
		for (size_t j = ns + 1; j-- > 0;) {
			if (i == np) {
				m[i][j] = j == ns;
			} else if (p[i] == '*') {
				m[i][j] = m[i + 1][j] || (j < ns && m[i][j + 1]);
			} else {
				m[i][j] = j < ns && (p[i] == '?' || p[i] == s[j]) && m[i + 1][j + 1];
			}
		}
	}
	return m[0][0];
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- the parse as words ---- */

struct word {
	const char *key, *val;	/* in wbuf; val NULL for a bare key */
};

static struct word want[MAX_WORDS];
static char wbuf[2 * LINE_MAX_BYTES + 2];
static int nwant, nseen;

/* Split src the documented way into want[]. */
static void ref_words(const char *src)
{
	const char *r = src;
	char *o = wbuf;

	nwant = 0;
	for (;;) {
		while (is_ws(*r))
			r++;
		if (!*r)
			return;
		struct word *w = &want[nwant++];
		char *start = o;
		bool quoted = false;
		for (; *r && (quoted || !is_ws(*r)); r++)
			if (*r == '"')
				quoted = !quoted;
			else
				*o++ = *r;
		*o++ = '\0';
		char *eq = strchr(start, '=');
		w->key = start;
		w->val = NULL;
		if (eq) {
			*eq = '\0';
			w->val = eq + 1;
		}
	}
}

static void note_val(const char *val);

static void check_in_line(const char *s, const char *what)
{
	FUZZ_CHECK(s >= line_lo && s < line_hi, "%s %p outside the command line", what, (void *)s);
	FUZZ_CHECK(memchr(s, '\0', (size_t)(line_hi - s)), "%s not NUL-terminated", what);
}

static int see_word(const char *key, const char *val)
{
	check_in_line(key, "key");
	if (val)
		check_in_line(val, "value");
	FUZZ_CHECK(nseen < nwant, "parse_args found more than the %d words", nwant);
	const struct word *w = &want[nseen++];
	FUZZ_CHECK(strcmp(w->key, key) == 0, "word %d: key '%s', expected '%s'", nseen, key, w->key);
	FUZZ_CHECK(!w->val == !val && (!val || strcmp(w->val, val) == 0),
		   "word %d: value '%s', expected '%s'", nseen, val ? val : "(none)",
		   w->val ? w->val : "(none)");
	note_val(key);
	note_val(val);
	return 0;
}

/* ---- the kernel's table ---- */

static u64 mem_limit;
static bool ktest, halt, bench, bench_init, bench_smp, replay, pagemap, dump_mbi;
static bool page_poison, init_on_free;
static const char *ktest_glob;
static struct slub_debug_opts slub;
static struct fault_attr fail_pages = { "fail_page_alloc", 0, -1, 0, 0 };
static struct fault_attr fail_slab = { "failslab", 0, -1, 0, 0 };

static void note_val(const char *val)
{
	if (!val)
		return;
	check_in_line(val, "value");
	if (nvals < MAX_WORDS)
		vals[nvals++] = val;
}

/* kernel/main.c set_mem(): memmap_mem_param(), which refuses mem= below its minimum itself. */
static int set_mem(const char *val, void *arg)
{
	u64 before = *(u64 *)arg, v;
	note_val(val);
	int rc = memmap_mem_param(val, arg);
	FUZZ_CHECK(rc >= -1 && rc <= 1, "memmap_mem_param returned %d", rc);
	FUZZ_CHECK(rc == 0 ? *(u64 *)arg >= MEMMAP_MEM_MIN : *(u64 *)arg == before,
		   "mem=%s: rc %d, limit %llu", val, rc, (unsigned long long)*(u64 *)arg);
	FUZZ_CHECK((rc >= 0) == (val && memparse(val, &v)), "mem=%s: rc %d", val, rc);
	return rc;
}

static int set_loglevel(const char *val, void *arg)
{
	u64 v;
	(void)arg;
	note_val(val);
	return val && kstrtou64(val, 10, &v) && v <= 8 ? 0 : -1;
}

static int set_ktest(const char *val, void *arg)
{
	(void)arg;
	note_val(val);
	ktest = true;
	ktest_glob = val;
	return 0;
}

static int set_bool(const char *val, void *arg)
{
	note_val(val);
	return param_set_bool(val, arg);
}

static int set_bench(const char *val, void *arg)
{
	(void)arg;
	note_val(val);
	bench = true;
	if (!val)
		return 0;
	bench_init = strcmp(val, "init") == 0;
	bench_smp = strcmp(val, "smp") == 0;
	if (bench_init || bench_smp)
		return 0;
	printk(KERN_ERR "cmdline: bench=%s: no such benchmark (accepted: bench, bench=init, "
	       "bench=smp): nothing is run\n", val);	/* as kernel/main.c set_bench() */
	return 1;
}

static int set_slub(const char *val, void *arg)
{
	(void)arg;
	note_val(val);
	int rc = slub_debug_parse(val, &slub);
	if (rc == 0) {
		FUZZ_CHECK(!(slub.flags & ~SLAB_DEBUG_FLAGS), "slub_debug flags %#x", slub.flags);
		for (int i = 0; i < SLUB_DEBUG_MAX_NAMES && slub.names[i]; i++)
			FUZZ_CHECK(slub.names[i] >= slub.buf &&
				   slub.names[i] < slub.buf + sizeof(slub.buf) &&
				   memchr(slub.names[i], '\0', (size_t)(slub.buf + sizeof(slub.buf) - slub.names[i])),
				   "slub_debug name %d outside its buffer", i);
		(void)slub_debug_flags_match(&slub, "kmalloc-64");
		(void)slub_debug_flags_match(&slub, "dma-kmalloc-1024");
	}
	return rc;
}

static int set_fault(const char *val, void *arg)
{
	note_val(val);
	struct fault_attr *a = arg, before = *a;
	int rc = setup_fault_attr(a, val);
	if (rc == 0)
		FUZZ_CHECK(a->interval > 0 && a->calls == 0 && a->failures == 0,
			   "fault attr interval %lu", a->interval);
	else
		FUZZ_CHECK(memcmp(&before, a, sizeof(before)) == 0, "a refused value changed the attr");
	return rc;
}

static struct memmap_user user_map;

/* kernel/setup.c setup_memmap_param(): memmap_user_param(), which reports a full table itself. */
static int set_memmap(const char *val, void *arg)
{
	struct mem_raw r = { 0, 0, 0 };
	(void)arg;
	note_val(val);
	int got = memmap_parse_param(val, &r);
	FUZZ_CHECK(got >= -1 && got <= 1, "memmap_parse_param returned %d", got);
	FUZZ_CHECK(got != 0 || strcmp(val, "exactmap") == 0, "memmap=%s taken as exactmap", val);
	if (got == 1)
		FUZZ_CHECK(r.len > 0 && (r.type == E820_USABLE || r.type == E820_RESERVED ||
					 r.type == E820_ACPI || r.type == E820_PMEM),
			   "memmap=%s: length %llu type %u", val, (unsigned long long)r.len, r.type);
	int before = user_map.n;
	int rc = memmap_user_param(&user_map, val);
	FUZZ_CHECK(rc == (got < 0 ? -1 : got == 1 && before == MEMMAP_USER_MAX ? 1 : 0),
		   "memmap=%s: memmap_user_param %d, parse %d, %d entries", val, rc, got, before);
	FUZZ_CHECK(user_map.n == before + (rc == 0 && got == 1), "memmap=%s: %d entries, then %d",
		   val, before, user_map.n);
	if (rc == 0 && got == 1)
		FUZZ_CHECK(user_map.map[before].base == r.base && user_map.map[before].len == r.len &&
			   user_map.map[before].type == r.type, "memmap=%s stored differently", val);
	return rc;
}

static const struct kernel_param params[] = {
	{ "mem", set_mem, &mem_limit },
	{ "loglevel", set_loglevel, NULL },
	{ "ktest", set_ktest, NULL },
	{ "halt", set_bool, &halt },
	{ "slub_debug", set_slub, NULL },
	{ "page_poison", set_bool, &page_poison },
	{ "init_on_free", set_bool, &init_on_free },
	{ "bench", set_bench, NULL },
	{ "replay", set_bool, &replay },
	{ "pagemap", set_bool, &pagemap },
	{ "dump-mbi", set_bool, &dump_mbi },
	{ "fail_page_alloc", set_fault, &fail_pages },
	{ "failslab", set_fault, &fail_slab },
	{ "memmap", set_memmap, NULL },
};

static int warning_lines;

static void count_warnings(const char *s, size_t len)
{
	if (len >= 8 && memcmp(s, "cmdline:", 8) == 0)
		warning_lines++;
}

/* Parse a copy of src in place with the kernel's table; returns the problems. */
static int parse_copy(const char *src, size_t len, const struct kernel_param *tab, size_t n,
		      int (*unknown)(const char *, const char *))
{
	char *copy = malloc(len + 1);	/* exactly sized: a read past the end is an ASan report */
	memcpy(copy, src, len + 1);
	line_lo = copy;
	line_hi = copy + len + 1;
	int problems = parse_args(copy, tab, n, unknown);
	/* values point into the copy: cross-check the parsers before it goes */
	for (int i = 0; i < nvals; i++) {
		u64 a = 0, b = 0;
		static const unsigned int bases[] = { 0, 8, 10, 16 };
		for (unsigned int k = 0; k < ARRAY_SIZE(bases); k++) {
			bool ra = kstrtou64(vals[i], bases[k], &a), rb = ref_kstrtou64(vals[i], bases[k], &b);
			FUZZ_CHECK(ra == rb && (!ra || a == b), "kstrtou64('%s', %u): %d %llu, model %d %llu",
				   vals[i], bases[k], ra, (unsigned long long)a, rb, (unsigned long long)b);
		}
		bool ra = memparse(vals[i], &a), rb = ref_memparse(vals[i], &b);
		FUZZ_CHECK(ra == rb && (!ra || a == b), "memparse('%s'): %d %llu, model %d %llu", vals[i],
			   ra, (unsigned long long)a, rb, (unsigned long long)b);
		const char *other = vals[(i + 1) % nvals];
		FUZZ_CHECK(glob_match(vals[i], other) == ref_glob(vals[i], other),
			   "glob_match('%s', '%s') disagrees with the model", vals[i], other);
		FUZZ_CHECK(glob_match(vals[i], vals[i]) || strpbrk(vals[i], "*?"),
			   "'%s' does not match itself", vals[i]);
	}
	nvals = 0;
	free(copy);
	return problems;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char src[LINE_MAX_BYTES + 1];
	size_t len = size > LINE_MAX_BYTES ? LINE_MAX_BYTES : size;

	fuzz_console_reset();
	memcpy(src, data, len);
	src[len] = '\0';
	len = strlen(src);

	/* 1. The kernel's table, no unknown(): problems == warning lines. */
	warning_lines = 0;
	mem_limit = 0;
	memset(&user_map, 0, sizeof(user_map));
	fuzz_console_hook = count_warnings;
	int problems = parse_copy(src, len, params, ARRAY_SIZE(params), NULL);
	fuzz_console_hook = NULL;
	FUZZ_CHECK(problems == warning_lines, "parse_args returned %d, printed %d warnings",
		   problems, warning_lines);

	/* 2. No table, every word to unknown(): the words of the reference reading. */
	ref_words(src);
	nseen = 0;
	problems = parse_copy(src, len, NULL, 0, see_word);
	FUZZ_CHECK(nseen == nwant, "parse_args gave %d words, the model %d", nseen, nwant);
	int unterminated = 0;
	for (const char *p = src; *p; p++)
		unterminated ^= *p == '"';
	FUZZ_CHECK(problems == unterminated, "%d problems, %d open quotes", problems, unterminated);
	return 0;
}
