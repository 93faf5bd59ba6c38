/* mm/boot_mem.h - boot steps from the memory map to a node that the kernel (kernel/setup.c) and
 * the host's mb2dump (tools/mb2sim.c) run as the same code. What differs between them (mapping
 * descriptors into the kernel's vmemmap, or only counting the page tables that would take) is
 * a callback. */
#ifndef MM_BOOT_MEM_H
#define MM_BOOT_MEM_H

#include "lib/types.h"
#include "mm/memblock.h"
#include "mm/memmap.h"
#include "mm/mb2.h"
#include "mm/zone.h"

/* The memory map as the boot reads it (boot_read_map). */
struct boot_map {
	struct mem_raw *raw;		/* room for raw_cap entries: the block's, then memmap='s */
	int raw_cap;
	struct mem_range *map, *scratch;	/* the table (map_cap entries) and its scratch */
	int map_cap;
	const struct memmap_user *user;	/* memmap= from the command line */
	u64 mem_limit;			/* mem= (0: none) */
	unsigned int phys_bits;		/* usable RAM at and above 2^phys_bits is ignored (the
					 * direct map's reach) */
	/* Called once the table is built, before it is capped (mb2dump's own reports). */
	void (*built)(const struct boot_map *m, int n);
	/* out */
	int nfw;			/* entries read from the block */
	struct memmap_built result;	/* what memmap_build() did */
	bool beyond;			/* usable RAM at and above 2^phys_bits was ignored */
};

/* Read the block's memory map, lay memmap= over it and sanitize it (printed as Linux does),
 * then remove usable RAM at and above mem= (Linux's "e820: remove" line) and at and above
 * 2^phys_bits (one warning line); with mem=, print the result as Linux's "user-defined physical
 * RAM map". Returns the entry count, or -1 after memmap_build()'s error line. */
int boot_read_map(const struct mb2_info *mb2, struct boot_map *m);

/* Start mb (memblock_init) with the usable ranges of map[0..n); one line when its table cannot
 * hold them all. Returns the usable bytes mb holds. */
u64 boot_memblock_init(struct memblock *mb, const struct mem_range *map, int n);

/* Reserve [base, base + size) in mb, saying so in one line ("reserve [mem ...] what"). */
void boot_reserve(struct memblock *mb, u64 base, u64 size, const char *what);

/* What a caller does with a section's descriptors: back the descriptors of the frames
 * [first, first + frames) with bytes of memory at phys, just taken from memblock. Returns 0,
 * or -1 when it cannot (the section is then dropped; phys stays reserved). */
struct boot_vmemmap_ops {
	int (*map)(void *arg, unsigned long first, phys_addr_t phys, size_t bytes);
	void *arg;
};

/* What boot_populate_vmemmap() did. */
struct boot_vmemmap_result {
	unsigned long sections;		/* sections given descriptors */
	u64 bytes;			/* memory those descriptors take */
	unsigned long lost_sections;	/* sections dropped: no memory for their descriptors */
	u64 lost_bytes, lost_first, lost_end;	/* RAM removed; lowest address, highest end */
};

/* Give every section marked in sections (below max_pfn) its descriptors: memory from mb, then
 * ops->map. A section that gets none is dropped: its bit cleared and its RAM removed from mb,
 * so nothing ever looks up a frame of it; one warning line for all of them
 * ("setup: out of memory for the frame descriptors of ..."). */
void boot_populate_vmemmap(struct memblock *mb, unsigned long max_pfn, u64 *sections,
			   const struct boot_vmemmap_ops *ops, struct boot_vmemmap_result *r);

/* Where the usable RAM went at boot (bytes), for boot_print_summary(). */
struct boot_mem_stats {
	u64 usable;			/* usable RAM with descriptors */
	u64 kernel, memmap, pgtables;	/* kernel image (less its init section), descriptors,
					 * page tables of the direct map and vmemmap */
	unsigned long sections;		/* 128 MiB sections with descriptors */
	u64 boot_alloc;			/* what the boot allocator handed out */
};

/* Print the boot's memory summary: Linux's "Zone ranges:" block, each node's span (with
 * several), one line per zone, the struct page overhead and Linux's "Memory: ...K/...K
 * available" line. Returns the bytes of usable RAM the buddy does not manage. */
u64 boot_print_summary(const struct mm_node *n, const struct boot_mem_stats *st);

#endif
