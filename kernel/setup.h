/* kernel/setup.h - boot-time memory set-up: firmware map -> memblock -> direct map and vmemmap
 * -> zones and buddy allocator of contig_node. */
#ifndef KERNEL_SETUP_H
#define KERNEL_SETUP_H

#include "lib/types.h"
#include "mm/mb2.h"

/* What boot found and decided; read by the tour and the kernel's own test suite. */
struct boot_params {
	u64 mem_limit;			/* mem= (0 = none) */
	u64 usable_bytes;		/* usable RAM in the sanitized map (after mem=) */
	u64 max_phys;			/* end of the highest usable range */
	u64 memmap_bytes;		/* struct page array */
	u64 pgtable_bytes;		/* page-table pages for the direct map and vmemmap */
	u64 kernel_bytes;		/* kernel image */
	u64 reserved_bytes;		/* frames kept from the buddy: image, boot data, metadata */
	unsigned long sections;		/* present 128 MiB sections */
	u64 init_ticks;			/* TSC ticks from the direct map to a populated buddy */
	bool gbpages;			/* direct map uses 1 GiB pages */
	struct mb2_info mb2;
};

extern struct boot_params boot_params;

/* Parse the memory map of mbi, build the direct map and the frame descriptors, and hand every
 * free frame to the buddy allocator, printing the map, reservations, zones and buddyinfo.
 * Returns 0, or -1 after a one-line error when the machine cannot be used. */
int mm_setup(const struct mb2_info *mb2, u64 mbi_phys);

/* Put every online CPU on its SRAT node (smp_init() first), one line per node. */
void numa_cpus_init(void);

/* memmap=<size>{@,$,#,!}<start> (usable, reserved, ACPI data, persistent) or memmap=exactmap,
 * as in Linux: laid over the firmware map before it is sanitized (mm/memmap.h
 * memmap_user_param): 0, -1 if malformed, 1 if beyond the table (reported here). */
int setup_memmap_param(const char *val);

#endif
