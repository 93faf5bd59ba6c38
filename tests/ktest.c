/* tests/ktest.c - the ktest runner: selects cases by glob, runs them and prints one KTAP
 * version 1 document in KUnit's nested layout (see tests/ktest.h). Uses no heap; all output
 * goes through printk, so it works the same over serial in the kernel and on host stdout. */
#include "tests/ktest.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"

#define KTEST_GLOB_MAX 128	/* longest filter glob accepted */
#define KTEST_MSG_MAX 512	/* longest diagnostic; longer ones are cut */

/* The parsed filter: a suite glob and a case glob (NULL = every case). */
struct ktest_filter {
	char suite[KTEST_GLOB_MAX];
	const char *cases;
	bool valid;
};

static u64 (*leak_count)(void);
static const char *leak_what;

/* Install (or with NULL remove) the counter compared before and after every case. */
void ktest_set_leak_counter(u64 (*count)(void), const char *what)
{
	leak_count = count;
	leak_what = what ? what : "counter";
}

/* Print text as diagnostic lines "    # <prefix><line>", one per '\n'-separated line. */
static void ktest_print_diag(const char *prefix, const char *text)
{
	const char *line = text;

	for (;;) {
		const char *e = line;

		while (*e && *e != '\n')
			e++;
		printk("    # %s%.*s\n", prefix, (int)(e - line), line);
		if (!*e || !e[1])
			return;
		line = e + 1;
	}
}

/* Record a failed expectation: a location line, then the formatted explanation. */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	char msg[KTEST_MSG_MAX];
	va_list ap;

	t->failed++;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("    # %s: EXPECTATION FAILED at %s:%d\n", t->name, file, line);
	ktest_print_diag("    ", msg);
}

/* Print a free-form diagnostic inside the current suite. */
void ktest_log(struct ktest *t, const char *fmt, ...)
{
	char msg[KTEST_MSG_MAX];
	va_list ap;

	(void)t;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ktest_print_diag("", msg);
}

/* Mark the current case skipped (the case should return afterwards). */
void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	t->skip_reason = reason ? reason : "";
}

/* Split glob into f: "suite.case" globs cases too; NULL or "" selects everything. */
static void ktest_parse_filter(struct ktest_filter *f, const char *glob)
{
	size_t i;

	f->cases = NULL;
	f->valid = true;
	if (!glob || !*glob)
		glob = "*";
	for (i = 0; glob[i] && glob[i] != '.'; i++) {
		if (i + 1 >= sizeof(f->suite)) {
			f->valid = false;
			return;
		}
		f->suite[i] = glob[i];
	}
	f->suite[i] = '\0';
	if (glob[i] == '.')
		f->cases = glob + i + 1;
}

/* Is case c of suite s selected by f? */
static bool ktest_case_selected(const struct ktest_filter *f, const struct ktest_suite *s,
				const struct ktest_case *c)
{
	if (!f->valid || !glob_match(f->suite, s->name))
		return false;
	return !f->cases || glob_match(f->cases, c->name ? c->name : "");
}

/* Number of selected cases of suite s. */
static unsigned int ktest_count_cases(const struct ktest_filter *f, const struct ktest_suite *s)
{
	const struct ktest_case *c;
	unsigned int n = 0;

	for (c = s->cases; c && c->run; c++)
		n += ktest_case_selected(f, s, c);
	return n;
}

/* Number of suites in lists with at least one selected case. */
static unsigned int ktest_count_suites(const struct ktest_filter *f,
				       const struct ktest_suite *const *const *lists)
{
	const struct ktest_suite *const *const *l;
	const struct ktest_suite *const *s;
	unsigned int n = 0;

	for (l = lists; l && *l; l++)
		for (s = *l; *s; s++)
			n += ktest_count_cases(f, *s) > 0;
	return n;
}

/* Run one case, with the leak check around it; returns 0 pass, 1 fail, 2 skip. */
static int ktest_run_case(const struct ktest_suite *s, const struct ktest_case *c, unsigned int nr)
{
	struct ktest t = { s->name, c->name ? c->name : "(unnamed)", 0, false, NULL };
	u64 before = leak_count ? leak_count() : 0, after;

	c->run(&t);
	if (leak_count && (after = leak_count()) != before) {
		printk("    # %s: leak check: %s before=%llu after=%llu\n", t.name, leak_what,
		       (unsigned long long)before, (unsigned long long)after);
		t.failed++;
	}
	if (t.failed) {
		printk("    not ok %u %s\n", nr, t.name);
		return 1;
	}
	if (t.skipped) {
		printk("    ok %u %s # SKIP %s\n", nr, t.name, t.skip_reason);
		return 2;
	}
	printk("    ok %u %s\n", nr, t.name);
	return 0;
}

/* Run the selected cases of suite s as subtest nr; adds to *ncases, returns failed cases. */
static unsigned int ktest_run_suite(const struct ktest_filter *f, const struct ktest_suite *s,
				    unsigned int nr, unsigned int *ncases)
{
	unsigned int total = ktest_count_cases(f, s), count[3] = { 0, 0, 0 }, i = 0;
	const struct ktest_case *c;

	printk("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->name, total);
	for (c = s->cases; c && c->run; c++)
		if (ktest_case_selected(f, s, c))
			count[ktest_run_case(s, c, ++i)]++;
	printk("# %s: pass:%u fail:%u skip:%u total:%u\n", s->name, count[0], count[1], count[2],
	       total);
	if (count[1])
		printk("not ok %u %s\n", nr, s->name);
	else if (count[2] == total)
		printk("ok %u %s # SKIP\n", nr, s->name);
	else
		printk("ok %u %s\n", nr, s->name);
	*ncases += total;
	return count[1];
}

/* Run every selected case of every suite in lists; returns the number of failed cases. */
int ktest_run(const struct ktest_suite *const *const *lists, const char *glob)
{
	const struct ktest_suite *const *const *l;
	const struct ktest_suite *const *s;
	struct ktest_filter f;
	unsigned int nr = 0, ncases = 0, failed = 0;

	ktest_parse_filter(&f, glob);
	nr = ktest_count_suites(&f, lists);
	printk("KTAP version 1\n1..%u\n", nr);
	if (nr == 0) {		/* a typo must not pass as "nothing failed" (kunit.py: no tests run) */
		if (!f.valid)
			printk(KERN_ERR "ktest: suite glob longer than %d characters: 0 tests run\n",
			       KTEST_GLOB_MAX - 1);
		else
			printk(KERN_ERR "ktest: no test suite or case matches '%s': 0 tests run\n",
			       glob && *glob ? glob : "*");
		return -1;
	}
	nr = 0;
	for (l = lists; l && *l; l++)
		for (s = *l; *s; s++)
			if (ktest_count_cases(&f, *s))
				failed += ktest_run_suite(&f, *s, ++nr, &ncases);
	printk("# ktest: %u cases, %u failed\n", ncases, failed);
	return (int)failed;
}
