/* lib/cmdline.h - Linux-style kernel command-line parsing: numbers, memory sizes, globs and a
 * key[=value] parameter table. Pure C over caller-owned strings: same behaviour on the host. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include "lib/types.h"

/* Parse all of s as an unsigned number in base 2..36, or base 0 = auto ("0x" hex, "0" octal,
 * else decimal; base 16 also accepts "0x"). One leading '+' is allowed. False on an empty or
 * partly numeric string or on overflow; *out is written only on success. */
bool kstrtou64(const char *s, unsigned int base, u64 *out);

/* Parse all of s as a size: a number (base 0, as kstrtou64) with an optional suffix
 * K M G T P E (either case; powers of 1024), as Linux's memparse. False on garbage or overflow. */
bool memparse(const char *s, u64 *out);

/* Does str match pattern? '*' matches any run (also empty), '?' any one character, everything
 * else itself. Iterative (at worst O(len(pattern) * len(str))), no recursion. */
bool glob_match(const char *pattern, const char *str);

/* A command-line parameter: set() parses val (NULL for a bare "key") into arg and returns 0,
 * a negative value when the value is malformed (parse_args reports it), or a positive value
 * for a problem set() has reported itself in one line (a value refused for another reason). */
struct kernel_param {
	const char *name;
	int (*set)(const char *val, void *arg);
	void *arg;
};

/* Parse cmdline in place (it is modified): whitespace-separated key[=value] words, where double
 * quotes group (and are removed), e.g. key="a b". '-' and '_' are equal in names. Each key calls
 * the matching params[i].set(val, arg). A malformed value, an unterminated quote, and an unknown
 * key (when unknown is NULL, or when unknown(key, val) returns nonzero) and a value set() refuses
 * are each one problem and print a KERN_WARNING line (unknown() and a set() returning a positive
 * value report their own); parsing always goes on to the end.
 * Returns the number of problems (0 = clean). cmdline may be NULL. */
int parse_args(char *cmdline, const struct kernel_param *params, size_t nparams,
	       int (*unknown)(const char *key, const char *val));

/* Ready-made setters for struct kernel_param (arg points to the named type).
 * u64: kstrtou64 base 0; size: memparse; bool: a bare key means true, else 1/0, y/n, yes/no,
 * on/off, true/false (either case); charp: stores val in a const char * (it points into cmdline).
 * All but bool reject a bare key (val == NULL). */
int param_set_u64(const char *val, void *arg);
int param_set_size(const char *val, void *arg);
int param_set_bool(const char *val, void *arg);
int param_set_charp(const char *val, void *arg);

#endif
