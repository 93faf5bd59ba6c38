/* tests/host/main.c - the host runner: the kernel's suites against a node built over a
 * malloc'd buffer, under AddressSanitizer and UndefinedBehaviorSanitizer.
 * Usage: [MMKERN_SLUB_DEBUG=FZPU] [MMKERN_LOCKCHECK=1] ktest-host [glob]. Exit status 0 when
 * every case passed (and, with the lock checker on, it reported nothing). */
#include <stdio.h>
#include <stdlib.h>
#include "lib/kernel.h"
#include "mm/gfp.h"
#include "mm/zone.h"
#include "mm/slab.h"
#include "tests/ktest.h"
#include "tests/mm/fixture.h"

#define HOST_MEM (64UL << 20)
#define HOST_NR_CPUS 8

/* Free pages with every slab cache shrunk: what must come back after each case. */
static u64 free_pages_counter(void)
{
	kmem_cache_shrink_all();
	return nr_free_pages();
}

int main(int argc, char **argv)
{
	/* "Physical memory": 64 MiB with a legacy hole and a reserved range, zones scaled down
	 * (DMA below 4 MiB, DMA32 below 16 MiB) so that all three exist. */
	static const struct mem_raw map[] = {
		{ 0x0, 0x9fc00, E820_USABLE },
		{ 0x9fc00, 0x60400, E820_RESERVED },
		{ 0x100000, 0x2700000, E820_USABLE },
		{ 0x2800000, 0x100000, E820_RESERVED },
		{ 0x2900000, HOST_MEM - 0x2900000, E820_USABLE },
	};
	static const unsigned long zone_end[MAX_NR_ZONES] = { 1024, 4096, ~0UL };
	void *mem = aligned_alloc(4UL << 20, HOST_MEM);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mem || fixture_node_build(&contig_node, mem, HOST_MEM, map, (int)ARRAY_SIZE(map),
				       zone_end) < 0) {
		fprintf(stderr, "ktest-host: cannot build the test node\n");
		return 2;
	}
	/* MMKERN_SLUB_DEBUG=FZPU (or any slub_debug= value) runs the suites with slab debugging. */
	const char *dbg = getenv("MMKERN_SLUB_DEBUG");
	if (dbg && slub_debug_setup(*dbg ? dbg : NULL) < 0)
		fprintf(stderr, "ktest-host: bad MMKERN_SLUB_DEBUG value '%s'\n", dbg);
	/* MMKERN_LOCKCHECK=1: the lock checker (lib/lockcheck.c), as `lockcheck` in the kernel. */
	const char *lc = getenv("MMKERN_LOCKCHECK");
	lockcheck_enabled = lc && *lc && *lc != '0';
	/* CPU ids a host thread of this runner may take (percpu_host_init): each cache carries two
	 * lines per id, so NR_CPUS would make every struct kmem_cache 8 KiB and crowd the suites'
	 * 4 MiB private nodes. */
	kmem_cache_init(&contig_node, 0x1234abcdULL, HOST_NR_CPUS);
	printk("# host node: %lu frames managed, %lu free\n", totalram_pages(), nr_free_pages());
	ktest_set_leak_counter(free_pages_counter, "free pages");
	const struct ktest_suite *const *const lists[] = { ktest_common_suites, ktest_mm_suites, NULL };
	int failed = ktest_run(lists, argc > 1 ? argv[1] : NULL);
	if (lockcheck_enabled && lockcheck_reports) {
		printf("# lockcheck: %lu inconsistent lock acquisitions\n", lockcheck_reports);
		failed = failed ? failed : 1;
	}
	free(mem);
	return failed ? 1 : 0;
}
