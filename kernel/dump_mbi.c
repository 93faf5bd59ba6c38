/* kernel/dump_mbi.c - the multiboot2 information block as hex lines (see dump_mbi.h). */
#include "kernel/dump_mbi.h"
#include "lib/kernel.h"

#define BYTES_PER_LINE 16
#define FNV_OFFSET     0x811c9dc5u
#define FNV_PRIME      0x01000193u

bool dump_mbi_enabled;

void dump_mbi(const void *mbi, u32 size, u64 phys)
{
	static const char hex[] = "0123456789abcdef";
	const u8 *b = mbi;
	u32 fnv = FNV_OFFSET;
	char line[BYTES_PER_LINE * 3 + 1];

	printk(KERN_INFO "MBI begin %u bytes at phys %#llx\n", size, (unsigned long long)phys);
	for (u32 off = 0; off < size; off += BYTES_PER_LINE) {
		u32 n = size - off < BYTES_PER_LINE ? size - off : BYTES_PER_LINE;
		char *p = line;
		for (u32 i = 0; i < n; i++) {
			u8 v = b[off + i];
			fnv = (fnv ^ v) * FNV_PRIME;
			*p++ = ' ';
			*p++ = hex[v >> 4];
			*p++ = hex[v & 15];
		}
		*p = '\0';
		printk(KERN_INFO "MBI %08x%s\n", off, line);
	}
	printk(KERN_INFO "MBI end %u bytes fnv1a32 %08x\n", size, fnv);
}
