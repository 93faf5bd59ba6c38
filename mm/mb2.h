/* mm/mb2.h - parse the multiboot2 boot information block (untrusted input). */
#ifndef MM_MB2_H
#define MM_MB2_H

#include "lib/types.h"
#include "mm/memmap.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_MAX_MODULES      64

enum mb2_tag_type {
	MB2_TAG_END = 0, MB2_TAG_CMDLINE = 1, MB2_TAG_BOOTLOADER = 2, MB2_TAG_MODULE = 3,
	MB2_TAG_MEMINFO = 4, MB2_TAG_BOOTDEV = 5, MB2_TAG_MMAP = 6, MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9, MB2_TAG_APM = 10, MB2_TAG_ACPI_OLD = 14, MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_LOAD_BASE = 21,
};

struct mb2_module {
	u32 start, end;		/* physical [start, end) */
	const char *name;	/* the module's string (NUL-terminated inside the block) */
};

struct mb2_info {
	u32 total_size;			/* bytes of the block that were parsed */
	const char *cmdline;		/* NULL when absent */
	const char *bootloader;
	bool has_meminfo;
	u32 mem_lower_kb, mem_upper_kb;
	const u8 *mmap;			/* first raw entry, or NULL */
	u32 mmap_entry_size, mmap_count;
	struct mb2_module modules[MB2_MAX_MODULES];
	u32 nr_modules;
	const void *rsdp;		/* copy of the ACPI RSDP, or NULL */
	u32 rsdp_len;
	int rsdp_version;		/* 1 (old tag) or 2 (new tag) */
	bool has_elf_sections;
	u32 elf_num, elf_entsize;
	bool has_load_base;
	u32 load_base;
	u32 nr_tags;			/* tags seen, end tag included */
	u32 nr_bad;			/* tags reported and skipped */
};

/* Parse the block at mbi, of which at most avail bytes may be read. Every malformed tag gets a
 * one-line "mb2: ..." warning and is skipped. Returns 0 when clean, the number of problems
 * otherwise, or -1 when the block header itself is unusable (info then has no tags). */
int mb2_parse(const void *mbi, size_t avail, struct mb2_info *info);

/* Copy the memory map's entries into out (capacity cap). Returns the count copied; warns once
 * when the map had more entries than cap. */
int mb2_read_mmap(const struct mb2_info *info, struct mem_raw *out, int cap);

#endif
