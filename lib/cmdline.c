/* lib/cmdline.c - kernel command-line parsing: kstrtou64, memparse, glob_match, parse_args.
 * Everything works in place on caller-owned strings, with no allocation and no recursion, and
 * must survive any input (the command line comes from the boot loader). */
#include "lib/cmdline.h"
#include "lib/kernel.h"

/* Value of c as a digit in bases up to 36, or 36 when it is not a digit. */
static unsigned int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned int)(c - 'a') + 10;
	if (c >= 'A' && c <= 'Z')
		return (unsigned int)(c - 'A') + 10;
	return 36;
}

/* Resolve base 0 (and an optional "0x" for base 16) at *s, skipping a hex prefix. */
static unsigned int resolve_base(const char **s, unsigned int base)
{
	const char *p = *s;

	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		*s = p + 2;
		return 16;
	}
	if (base == 0)
		return p[0] == '0' ? 8 : 10;
	return base;
}

/* Parse the longest number at s into *out, setting *end after it. False: no digits, overflow. */
static bool parse_number(const char *s, unsigned int base, u64 *out, const char **end)
{
	u64 v = 0;
	unsigned int d;
	const char *start;

	if (base == 1 || base > 36)
		return false;
	if (*s == '+')
		s++;
	base = resolve_base(&s, base);
	for (start = s; (d = digit_value(*s)) < base; s++) {
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (s == start)
		return false;
	*out = v;
	*end = s;
	return true;
}

/* Parse all of s as a number in base (0 = auto); *out is written only on success. */
bool kstrtou64(const char *s, unsigned int base, u64 *out)
{
	const char *end;
	u64 v;

	if (!s || !parse_number(s, base, &v, &end) || *end)
		return false;
	*out = v;
	return true;
}

/* Shift for a K/M/G/T/P/E suffix (either case), or 0 when c is none of them. */
static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'K': case 'k': return 10;
	case 'M': case 'm': return 20;
	case 'G': case 'g': return 30;
	case 'T': case 't': return 40;
	case 'P': case 'p': return 50;
	case 'E': case 'e': return 60;
	default: return 0;
	}
}

/* Parse all of s as a size with an optional binary suffix; overflow-checked. */
bool memparse(const char *s, u64 *out)
{
	const char *end;
	unsigned int shift;
	u64 v;

	if (!s || !parse_number(s, 0, &v, &end))
		return false;
	shift = suffix_shift(*end);
	if (shift) {
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

/* Glob match with '*' and '?': on a mismatch, the last '*' absorbs one more character. */
bool glob_match(const char *pattern, const char *str)
{
	const char *p = pattern, *s = str, *star_p = NULL, *star_s = NULL;

	if (!p || !s)
		return false;
	while (*s) {
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
		} else if (*p && (*p == '?' || *p == *s)) {
			p++;
			s++;
		} else if (star_p) {
			p = star_p;
			s = ++star_s;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* One key[=value] word cut out of the command line. */
struct cmd_word {
	char *key;
	char *val;		/* NULL for a bare key */
	bool unterminated;	/* a double quote was left open */
};

/* Is c command-line whitespace? */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Cut the next word at *pos in place (quotes removed, split at the first '='), advancing *pos.
 * Returns false when only whitespace is left. */
static bool next_word(char **pos, struct cmd_word *w)
{
	char *r = *pos, *wr, *eq = NULL;
	bool quoted = false;

	while (is_space(*r))
		r++;
	if (!*r) {
		*pos = r;
		return false;
	}
	for (w->key = wr = r; *r && (quoted || !is_space(*r)); r++) {
		if (*r == '"') {
			quoted = !quoted;
			continue;
		}
		if (*r == '=' && !eq)
			eq = wr;
		*wr++ = *r;
	}
	*pos = *r ? r + 1 : r;	/* read *r before the terminator may overwrite it */
	*wr = '\0';
	w->val = NULL;
	if (eq) {
		*eq = '\0';
		w->val = eq + 1;
	}
	w->unterminated = quoted;
	return true;
}

/* Parameter names are equal, treating '-' and '_' as the same character. */
static bool param_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == '\0' && *b == '\0';
}

/* The first parameter named key, or NULL. */
static const struct kernel_param *find_param(const struct kernel_param *params, size_t n,
					     const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (params[i].name && param_name_eq(params[i].name, key))
			return &params[i];
	return NULL;
}

/* Apply one word; returns the number of problems it caused (0 or 1). */
static int apply_word(const struct cmd_word *w, const struct kernel_param *params, size_t n,
		      int (*unknown)(const char *key, const char *val))
{
	const struct kernel_param *p = find_param(params, n, w->key);

	if (!p) {
		if (unknown)
			return unknown(w->key, w->val) ? 1 : 0;
		printk(KERN_WARNING "cmdline: unknown parameter '%s' ignored\n", w->key);
		return 1;
	}
	int rc = p->set ? p->set(w->val, p->arg) : 0;
	if (rc < 0)
		printk(KERN_WARNING "cmdline: bad value for '%s': '%s'\n", w->key, w->val);
	return rc != 0;		/* rc > 0: a problem the setter reported itself */
}

/* Parse a whole command line in place against params; returns the number of problems. */
int parse_args(char *cmdline, const struct kernel_param *params, size_t nparams,
	       int (*unknown)(const char *key, const char *val))
{
	struct cmd_word w;
	char *pos = cmdline;
	int problems = 0;

	if (!cmdline)
		return 0;
	if (!params)
		nparams = 0;
	while (next_word(&pos, &w)) {
		if (w.unterminated) {
			printk(KERN_WARNING "cmdline: unterminated quote in '%s'\n", w.key);
			problems++;
		}
		problems += apply_word(&w, params, nparams, unknown);
	}
	return problems;
}

/* Setter: *(u64 *)arg = val parsed by kstrtou64 with base 0. */
int param_set_u64(const char *val, void *arg)
{
	return kstrtou64(val, 0, (u64 *)arg) ? 0 : -1;
}

/* Setter: *(u64 *)arg = val parsed by memparse. */
int param_set_size(const char *val, void *arg)
{
	return memparse(val, (u64 *)arg) ? 0 : -1;
}

/* a equals b ignoring ASCII case (b is lower case). */
static bool streq_lower(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char c = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;

		if (c != *b)
			return false;
	}
	return *a == '\0' && *b == '\0';
}

/* Setter: *(bool *)arg from a bare key (true) or a yes/no-like word. */
int param_set_bool(const char *val, void *arg)
{
	static const char *const yes[] = { "1", "y", "yes", "on", "true" };
	static const char *const no[] = { "0", "n", "no", "off", "false" };
	size_t i;

	if (!val) {
		*(bool *)arg = true;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (streq_lower(val, yes[i]) || streq_lower(val, no[i])) {
			*(bool *)arg = streq_lower(val, yes[i]);
			return 0;
		}
	}
	return -1;
}

/* Setter: *(const char **)arg = val (which must not be NULL). */
int param_set_charp(const char *val, void *arg)
{
	if (!val)
		return -1;
	*(const char **)arg = val;
	return 0;
}
