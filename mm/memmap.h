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

/* Is a range of this type RAM, so that memmap= may declare it usable: usable, ACPI data
 * (reclaimable), ACPI NVS, persistent memory. Reserved, unusable and unknown types are not. */
bool memmap_type_is_ram(u32 type);

/* Usable ranges of memmap= that memmap_sanitize_user() dropped: declared where the firmware's
 * own entries have no RAM. */
struct memmap_dropped {
	int ranges;		/* maximal runs dropped */
	u64 bytes;		/* their total size */
	u64 first, end;		/* lowest address dropped, end (exclusive) of the highest */
};

/* memmap_sanitize() of raw[0..nfw) (the firmware's entries) followed by nuser memmap= entries,
 * under the rule that only RAM the firmware knows can become usable: an address is usable in
 * out[] only when the firmware entries alone give it a memmap_type_is_ram() type. A usable
 * range of the memmap= entries anywhere else (a hole, reserved, past the end of RAM) is left out
 * of out[] and accounted in *dropped (may be NULL). With exactmap the types come from the
 * memmap= entries alone and the firmware entries only say what is RAM. scratch must hold
 * 2 * (nfw + nuser) elements. Returns the number of entries written, or -1 when out[] is too
 * small. With nuser == 0 and !exactmap it is exactly memmap_sanitize(). */
int memmap_sanitize_user(const struct mem_raw *raw, int nfw, int nuser, bool exactmap,
			 struct mem_range *out, int cap, struct mem_range *scratch, int *clamped,
			 struct memmap_dropped *dropped);

/* Parse one Linux memmap= value: "exactmap" (returns 0), or <size><kind><start> with kind '@'
 * usable, '$' reserved, '#' ACPI data, '!' persistent memory (returns 1, entry in *out).
 * Returns -1 when malformed. */
int memmap_parse_param(const char *val, struct mem_raw *out);

#define MEMMAP_USER_MAX 16	/* memmap= entries kept from a command line */

/* The memmap= entries of a command line (zero-initialised: none). */
struct memmap_user {
	struct mem_raw map[MEMMAP_USER_MAX];
	int n;
	bool exactmap;
};

/* Add one memmap= value to u (a kernel_param setter's contract): 0 when taken, -1 when
 * malformed (the caller reports it), 1 when the table is full: then one line says so here and
 * the entry is ignored. */
int memmap_user_param(struct memmap_user *u, const char *val);

#define MEMMAP_MEM_MIN (4ULL << 20)	/* the smallest mem= believed */

/* Parse Linux's mem=<size> into *limit: 0 when taken, -1 when malformed (the caller reports
 * it), 1 when below MEMMAP_MEM_MIN (mem=0 included): one line says so here, *limit is left
 * as it was. */
int memmap_mem_param(const char *val, u64 *limit);

/* What memmap_build() did. */
struct memmap_built {
	int nraw;			/* raw entries that gave the types */
	int clamped;			/* entries wrapped past 2^64 */
	bool exactmap;			/* memmap=exactmap honoured */
	struct memmap_dropped dropped;	/* usable memmap= ranges without RAM behind them */
};

/* The boot's e820 table: raw[0..nfw) are the firmware's entries; u's entries are appended to
 * raw (which must have room for u->n more) and laid over them by memmap_sanitize_user() into
 * out (cap entries, scratch of 2 * (nfw + u->n)), which is then printed as Linux does
 * ("BIOS-e820:" lines). One line each for: the memmap= entries used, usable ranges dropped,
 * exactmap without a range (ignored) or leaving no usable RAM (ignored: the firmware's map is
 * used), entries wrapped past 2^64. Returns the entry count, or -1 after a "setup:" error line
 * (no firmware map, or out too small). */
int memmap_build(struct mem_raw *raw, int nfw, const struct memmap_user *u,
		 struct mem_range *out, int cap, struct mem_range *scratch, struct memmap_built *b);

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
