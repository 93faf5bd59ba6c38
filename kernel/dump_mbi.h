/* kernel/dump_mbi.h - CMDLINE=dump-mbi: print the raw multiboot2 information block as hex over
 * the serial console, so that scripts/capture-mbi.sh can turn a real boot's block into a file
 * for build/host/mb2dump and the fuzz corpus. */
#ifndef KERNEL_DUMP_MBI_H
#define KERNEL_DUMP_MBI_H

#include "lib/types.h"

/* Set by the "dump-mbi" command-line key (a bool parameter). */
extern bool dump_mbi_enabled;

/* Print size bytes of the block at mbi (physical address phys) as
 *     MBI begin <size> bytes at phys <phys>
 *     MBI <offset, 8 hex digits> <up to 16 bytes, two hex digits each, space separated>
 *     ...
 *     MBI end <size> bytes fnv1a32 <checksum, 8 hex digits>
 * at KERN_INFO; the checksum (FNV-1a, 32 bits) lets the capture detect a damaged log. */
void dump_mbi(const void *mbi, u32 size, u64 phys);

#endif
