/* tools/mb2sim.h - what the kernel's boot would make of a multiboot2 information block, on the
 * host and without touching any physical address: mb2_parse, the memory map read, sanitized,
 * printed and capped as kernel/setup.c does, the reservations, the boot allocator's own
 * allocations (page tables, section map, frame descriptors: memblock bookkeeping only), and the
 * zones' spans, present/managed/free counts, watermarks and initial buddyinfo, computed from
 * memblock without a descriptor array. Everything is printed through printk in the kernel's own
 * formats; what only this tool says starts with "mb2dump:".
 *
 * Memory use is fixed: usable RAM is capped at 2^MB2SIM_PHYS_BITS (64 TiB) as the kernel caps
 * it, so the section bitmap (the only array sized by addresses) is at most 64 KiB.
 * Used by tools/mb2dump.c and by the libFuzzer target tests/fuzz/fuzz_mb2.c. */
#ifndef TOOLS_MB2SIM_H
#define TOOLS_MB2SIM_H

#include "lib/types.h"
#include "mm/mb2.h"
#include "mm/memmap.h"
#include "mm/memblock.h"
#include "mm/zone.h"
#include "mm/numa.h"

#define MB2SIM_MBI_MAX     (16UL << 20)	/* kernel/main.c MBI_MAX: a larger block is not believed */
#define MB2SIM_CMDLINE_MAX 1024		/* kernel/main.c CMDLINE_MAX */
#define MB2SIM_MAX_RAW     4096		/* kernel/setup.c MAX_RAW_ENTRIES */
#define MB2SIM_PHYS_BITS   46		/* kernel/arch.h MAX_PHYS_BITS: reach of the direct map */
#define MB2SIM_PT_POOL     16		/* kernel/setup.c PT_POOL_PAGES: page tables in the image */
#define MB2SIM_TRAMPOLINE  0x8000	/* kernel/smp.h SMP_TRAMPOLINE_PHYS: reserved page */

struct mb2sim_opts {
	u64 image_base, image_end;	/* kernel image [base, end); both 0 = not known */
	u64 initmem_base, initmem_end;	/* its init section, freed after set-up; 0 = not known */
	u64 mbi_phys;			/* where the block was; used when mbi_phys_known */
	bool mbi_phys_known;
	bool no_gbpages;		/* direct map with 2 MiB pages (CPU without pdpe1gb) */
	unsigned int phys_bits;		/* cap usable RAM at 2^phys_bits, below the kernel's
					 * MB2SIM_PHYS_BITS (0 = that); the fuzz target's speed */
	const struct numa_range *numa;	/* the SRAT's memory ranges the kernel would find (the
					 * block holds no ACPI tables); nr_numa 0: no SRAT */
	unsigned int nr_numa;
};

struct mb2sim_result {
	int mb2_problems;		/* mb2_parse(): 0 clean, > 0 problems, -1 header unusable */
	const char *fatal;		/* the kernel's error line when it would stop, else NULL */
	int warnings;			/* "mb2dump: warning:" lines printed */
	int nraw, nmap, clamped;	/* raw entries read, sanitized entries (after caps) */
	int nfirmware, nuser;		/* raw entries from the block and from memmap= */
	bool exactmap;			/* memmap=exactmap honoured: the block's map gave only
					 * where RAM is, not the types */
	struct memmap_dropped dropped;	/* memmap= usable ranges without RAM behind them */
	unsigned long lost_sections;	/* sections dropped: no memory for their descriptors */
	u64 mem_limit;			/* mem= from the block's command line (0 = none) */
	u64 usable_bytes, max_phys;
	u64 memmap_bytes, pgtable_bytes, section_bytes, init_bytes;
	unsigned long sections;
	/* The simulation's own state, valid until the next call (read-only for callers). */
	const struct mb2_info *info;
	const struct mem_raw *raw;
	const struct mem_range *map;
	const struct memblock *mb;
	const struct mm_node *node;	/* spans, counts and nr_free only: no descriptors */
	bool node_built;
};

/* Simulate the boot over the block blk[0..len) (at most MB2SIM_MBI_MAX bytes are read).
 * Returns 0 when the kernel would go on to boot with it, 1 when mb2_parse found problems or
 * the kernel would stop (r->fatal says why). Never reads outside blk, never allocates. */
int mb2sim_run(const void *blk, size_t len, const struct mb2sim_opts *o, struct mb2sim_result *r);

#endif
