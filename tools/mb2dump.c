/* tools/mb2dump.c - print what the kernel would make of a raw multiboot2 information block.
 *
 *   build/host/mb2dump [--image=BASE-END] [--initmem=BASE-END] [--mbi-at=ADDR] [--no-gbpages]
 *                      [--numa=BASE-END,BASE-END...] FILE
 *
 * FILE is the block as GRUB leaves it in memory (scripts/capture-mbi.sh captures one from a
 * real boot with CMDLINE=dump-mbi; tools/mkmbi.c writes hostile ones). The output is the
 * kernel's own lines (Boot loader, Command line, BIOS-e820, reserve, direct map, Zone ranges,
 * zone, struct page, Memory, MemTotal/MemFree, buddyinfo) computed by the same mm/ code
 * (tools/mb2sim.c), plus "mb2dump:" lines of its own, and a last line "mb2dump: result: ...".
 * The block does not say where the kernel image, its init section (freed after set-up) or the
 * block itself were: --image, --initmem and --mbi-at supply them (physical, hex or decimal;
 * scripts/capture-mbi.sh records them); without them those are left out. Nor does it hold the
 * ACPI SRAT: --numa gives its memory ranges, one proximity domain each (0, 1, ... in the order
 * given), as QEMU's -numa node,memdev= would.
 *
 * Exit status: 0 the kernel would boot with this block (warnings allowed), 1 malformed block or
 * a map the kernel would stop on, 2 usage or file error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cmdline.h"
#include "lib/kernel.h"
#include "tools/mb2sim.h"

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: mb2dump [--image=BASE-END] [--initmem=BASE-END] [--mbi-at=ADDR] "
		"[--no-gbpages] [--numa=BASE-END,...] FILE\n"
		"  print what the kernel would make of the multiboot2 information block in FILE\n"
		"  --image=BASE-END  the kernel image was loaded at physical [BASE, END)\n"
		"  --initmem=BASE-END  its init section (freed after set-up) was at [BASE, END)\n"
		"  --mbi-at=ADDR     the block was at physical ADDR\n"
		"  --no-gbpages      the CPU has no 1 GiB pages (direct map with 2 MiB pages)\n"
		"  --numa=BASE-END,...  the SRAT's memory ranges, domain 0, 1, ... in this order\n"
		"exit status: 0 usable, 1 malformed or unbootable, 2 usage or file error\n");
	return status;
}

/* Read at most MB2SIM_MBI_MAX bytes of path into a buffer of exactly that size (so that the
 * sanitizers see any read past it). Returns 0, or -1 after a one-line error. */
static int read_block(const char *path, unsigned char **out, size_t *len, bool *longer)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "mb2dump: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = MB2SIM_MBI_MAX + 1, n = 0;
	unsigned char *buf = malloc(cap);
	if (!buf) {
		fprintf(stderr, "mb2dump: out of memory\n");
		fclose(f);
		return -1;
	}
	while (n < cap) {
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	if (ferror(f)) {
		fprintf(stderr, "mb2dump: %s: %s\n", path, strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	*longer = n > MB2SIM_MBI_MAX;
	if (*longer)
		n = MB2SIM_MBI_MAX;
	unsigned char *exact = malloc(n ? n : 1);
	if (!exact) {
		fprintf(stderr, "mb2dump: out of memory\n");
		free(buf);
		return -1;
	}
	memcpy(exact, buf, n);
	free(buf);
	*out = exact;
	*len = n;
	return 0;
}

/* "BASE-END" into [*base, *end). */
static bool parse_range(const char *s, u64 *base, u64 *end)
{
	char tmp[64];
	size_t len = strlen(s);
	if (len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len + 1);
	char *dash = strchr(tmp, '-');
	if (!dash)
		return false;
	*dash = '\0';
	return kstrtou64(tmp, 0, base) && kstrtou64(dash + 1, 0, end) && *end > *base;
}

/* "BASE-END,BASE-END..." into ranges[], domain i for the i-th. Returns the count, or -1. */
static int parse_numa(const char *s, struct numa_range *ranges, unsigned int cap)
{
	unsigned int n = 0;

	while (*s) {
		char tmp[64];
		size_t len = strcspn(s, ",");
		u64 base, end;
		if (n == cap || len >= sizeof(tmp))
			return -1;
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		if (!parse_range(tmp, &base, &end))
			return -1;
		ranges[n] = (struct numa_range){ base, end - base, n };
		n++;
		s += len + (s[len] == ',');
	}
	return n ? (int)n : -1;
}

int main(int argc, char **argv)
{
	static struct numa_range numa[NUMA_MAX_RANGES];
	struct mb2sim_opts o = { 0 };
	const char *path = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage(stdout, 0);
		if (!strncmp(a, "--image=", 8)) {
			if (!parse_range(a + 8, &o.image_base, &o.image_end)) {
				fprintf(stderr, "mb2dump: bad --image value '%s' (BASE-END)\n", a + 8);
				return 2;
			}
		} else if (!strncmp(a, "--initmem=", 10)) {
			if (!parse_range(a + 10, &o.initmem_base, &o.initmem_end)) {
				fprintf(stderr, "mb2dump: bad --initmem value '%s' (BASE-END)\n", a + 10);
				return 2;
			}
		} else if (!strncmp(a, "--mbi-at=", 9)) {
			if (!kstrtou64(a + 9, 0, &o.mbi_phys)) {
				fprintf(stderr, "mb2dump: bad --mbi-at value '%s'\n", a + 9);
				return 2;
			}
			o.mbi_phys_known = true;
		} else if (!strncmp(a, "--numa=", 7)) {
			int n = parse_numa(a + 7, numa, NUMA_MAX_RANGES);
			if (n < 0) {
				fprintf(stderr, "mb2dump: bad --numa value '%s' (BASE-END,...)\n", a + 7);
				return 2;
			}
			o.numa = numa;
			o.nr_numa = (unsigned int)n;
		} else if (!strcmp(a, "--no-gbpages")) {
			o.no_gbpages = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "mb2dump: unknown option '%s'\n", a);
			return usage(stderr, 2);
		} else if (path) {
			fprintf(stderr, "mb2dump: one FILE only\n");
			return usage(stderr, 2);
		} else {
			path = a;
		}
	}
	if (!path)
		return usage(stderr, 2);

	unsigned char *blk;
	size_t len;
	bool longer;
	if (read_block(path, &blk, &len, &longer) < 0)
		return 2;
	printf("mb2dump: %s\n", path);
	if (longer)
		printf("mb2dump: warning: the file is larger than %lu MiB: only that much is read, "
		       "as the kernel believes no larger block\n", MB2SIM_MBI_MAX >> 20);

	struct mb2sim_result r;
	int rc = mb2sim_run(blk, len, &o, &r);
	int warnings = r.warnings + (longer ? 1 : 0);
	if (r.fatal)
		printf("mb2dump: result: the kernel would stop: %s\n",
		       strncmp(r.fatal, "mb2dump: ", 9) ? r.fatal : r.fatal + 9);
	else if (r.mb2_problems > 0)
		printf("mb2dump: result: malformed block (%d problems in the tags; the kernel skips "
		       "them and goes on), %d warnings\n", r.mb2_problems, warnings);
	else if (warnings)
		printf("mb2dump: result: usable, %d warnings\n", warnings);
	else
		printf("mb2dump: result: clean\n");
	free(blk);
	return rc ? 1 : 0;
}
