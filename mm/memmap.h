/* mm/memmap.h - the firmware memory map: raw entries in, a sanitized e820-style table out. */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include "lib/types.h"

/* Multiboot2 / e820 range types. Any other value is an unknown reserved type. */
#define E820_USABLE       1
#define E820_RESERVED     2
#define E820_ACPI         3
#define E820_NVS          4
#define E820_UNUSABLE     5
#define E820_PMEM         12	/* persistent memory (Linux's memmap=...!...) */

/* One range [base, end) of a memory map. end is exclusive; end == 0 never occurs
 * (a range reaching 2^64 is clamped to end at 2^64 - 4096 by the sanitizer). */
struct mem_range {
	u64 base;
	u64 end;
	u32 type;
};

/* A raw firmware entry as multiboot2 gives it (base, length, type), not yet trusted. */
struct mem_raw {
	u64 base;
	u64 len;
	u32 type;
};

/* Sanitize n raw entries into out[] (capacity cap): sorted, non-overlapping, zero-length entries
 * dropped, touching entries of the same type merged, and where entries overlap the larger type
 * wins (so every reserved type beats usable, as Linux's e820 does). scratch must hold 2*n
 * elements. Entries wrapping past 2^64 are clamped and counted in *clamped (may be NULL).
 * Returns the number of entries written, or -1 when out[] is too small (out is then unusable). */
int memmap_sanitize(const struct mem_raw *raw, int n, struct mem_range *out, int cap,
		    struct mem_range *scratch, int *clamped);

/* Parse one Linux memmap= value: "exactmap" (returns 0), or <size><kind><start> with kind '@'
 * usable, '$' reserved, '#' ACPI data, '!' persistent memory (returns 1, entry in *out).
 * Returns -1 when malformed. */
int memmap_parse_param(const char *val, struct mem_raw *out);

/* Remove usable memory at and above limit (Linux's mem=). Returns the new count. */
int memmap_cap_usable(struct mem_range *map, int n, u64 limit);

/* Linux's name for a range type: "usable", "reserved", "ACPI data", "ACPI NVS", "unusable",
 * "unknown" for any other type. */
const char *memmap_type_name(u32 type);

/* Print the table, one "<prefix> [mem 0x...-0x...] <type>" line per entry. */
void memmap_print(const char *prefix, const struct mem_range *map, int n);

/* Sum of usable bytes, after shrinking each usable range inward to page boundaries. */
u64 memmap_usable_bytes(const struct mem_range *map, int n);

#endif
