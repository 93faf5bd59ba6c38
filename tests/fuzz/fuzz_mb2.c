/* tests/fuzz/fuzz_mb2.c - libFuzzer target: a multiboot2 information block through everything
 * the kernel does with it before touching memory: mb2_parse, mb2_read_mmap, memmap_sanitize,
 * mem= and memmap= from its command line (memmap_build, memmap_sanitize_user), memmap_cap_usable,
 * memblock (load, reservations, the boot
 * allocations) and the zone sizing, as build/host/mb2dump runs them (tools/mb2sim.c).
 *
 * The input is the raw block (tests/data/mbi files are seeds as they are). Beyond the
 * sanitizers, every result is checked against the documented contracts:
 *  - mb2_info: every pointer inside the block, strings NUL-terminated inside it, the map's
 *    entries inside it, modules start <= end, at most MB2_MAX_MODULES;
 *  - the sanitized map: sorted, disjoint, non-empty ranges of non-zero type, touching ranges of
 *    one type merged; and (up to 256 entries) the type at every entry's edges equals the
 *    largest type of the raw entries covering that address (a brute-force model);
 *  - memmap=: memmap_sanitize_user() (both with and without exactmap) against a brute-force model
 *    of its rule at every entry's edges, and memblock's memory all RAM by the firmware's own
 *    entries (memmap= cannot create RAM);
 *  - memblock: both arrays sorted, page aligned, disjoint, non-touching; memory inside the
 *    map's usable ranges;
 *  - zones: spans in order, present <= span, managed == free == the sum of the blocks counted in
 *    free_area, managed in all == the free frames memblock leaves, present in all == its RAM. */
#include <stdlib.h>
#include "lib/kernel.h"
#include "tests/fuzz/fuzz_common.h"
#include "tools/mb2sim.h"

#define ORACLE_MAX 256
#define RANGE_MAX_END (~0ULL & PAGE_MASK)	/* mm/memmap.c: end used for ranges reaching 2^64 */

static const u8 *blk_lo, *blk_hi;		/* the parsed block: [lo, lo + total_size) */

static bool inside(const void *p, size_t n)
{
	const u8 *q = p;
	return q >= blk_lo && q <= blk_hi && n <= (size_t)(blk_hi - q);
}

static void check_string(const char *s, const char *what)
{
	FUZZ_CHECK(inside(s, 1), "%s string outside the block", what);
	for (const char *p = s;; p++) {
		FUZZ_CHECK(inside(p, 1), "%s string not NUL-terminated inside the block", what);
		if (!*p)
			break;
	}
}

static void check_info(const struct mb2_info *in, size_t size)
{
	FUZZ_CHECK(in->total_size >= 16 && in->total_size <= size, "total_size %u of %zu bytes",
		   in->total_size, size);
	if (in->cmdline)
		check_string(in->cmdline, "command line");
	if (in->bootloader)
		check_string(in->bootloader, "boot loader");
	if (in->mmap) {
		FUZZ_CHECK(in->mmap_entry_size >= 24 && in->mmap_entry_size % 8 == 0,
			   "entry_size %u accepted", in->mmap_entry_size);
		FUZZ_CHECK(inside(in->mmap, (size_t)in->mmap_count * in->mmap_entry_size),
			   "memory map entries past the block");
	} else {
		FUZZ_CHECK(in->mmap_count == 0, "entries without a map");
	}
	FUZZ_CHECK(in->nr_modules <= MB2_MAX_MODULES, "%u modules", in->nr_modules);
	for (u32 i = 0; i < in->nr_modules; i++) {
		FUZZ_CHECK(in->modules[i].start <= in->modules[i].end, "module %u backwards", i);
		check_string(in->modules[i].name, "module name");
	}
	if (in->rsdp)
		FUZZ_CHECK(in->rsdp_len >= 20 && inside(in->rsdp, in->rsdp_len),
			   "RSDP copy of %u bytes outside the block", in->rsdp_len);
}

/* Sorted, disjoint, non-empty, typed, merged. */
static void check_map(const struct mem_range *m, int n, const char *what)
{
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(m[i].base < m[i].end, "%s entry %d empty or backwards", what, i);
		FUZZ_CHECK(m[i].end <= RANGE_MAX_END, "%s entry %d ends past the clamp", what, i);
		FUZZ_CHECK(m[i].type != 0, "%s entry %d of type 0", what, i);
		if (i > 0) {
			FUZZ_CHECK(m[i - 1].end <= m[i].base, "%s entries %d and %d overlap", what,
				   i - 1, i);
			FUZZ_CHECK(m[i - 1].end != m[i].base || m[i - 1].type != m[i].type,
				   "%s entries %d and %d touch with one type, not merged", what, i - 1, i);
		}
	}
}

/* The type the raw entries [lo, n) give addr: the largest among those covering it (0: none). */
static u32 model_type_from(const struct mem_raw *raw, int lo, int n, u64 addr)
{
	u32 t = 0;
	for (int i = lo; i < n; i++) {
		if (raw[i].len == 0 || raw[i].base >= RANGE_MAX_END)
			continue;
		u64 end = raw[i].len > RANGE_MAX_END - raw[i].base ? RANGE_MAX_END
								    : raw[i].base + raw[i].len;
		if (raw[i].base <= addr && addr < end && raw[i].type > t)
			t = raw[i].type;
	}
	return t;
}

static u32 model_type(const struct mem_raw *raw, int n, u64 addr)
{
	return model_type_from(raw, 0, n, addr);
}

/* The type memmap_sanitize_user() must give addr, by its contract: the winner of the entries
 * that give types (with exactmap the memmap= ones only), except that usable without firmware
 * RAM (memmap_type_is_ram of the firmware entries' winner) is nothing. */
static u32 model_user_type(const struct mem_raw *raw, int nfw, int n, bool exactmap, u64 addr)
{
	u32 fw = model_type_from(raw, 0, nfw, addr), user = model_type_from(raw, nfw, n, addr);
	u32 t = exactmap ? user : MAX(fw, user);
	bool ram = fw == E820_USABLE || fw == E820_ACPI || fw == E820_NVS || fw == E820_PMEM;
	return t == E820_USABLE && !ram ? 0 : t;
}

static u32 map_type(const struct mem_range *m, int n, u64 addr)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (m[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && m[lo].base <= addr ? m[lo].type : 0;
}

static void oracle(const struct mem_raw *raw, int n)
{
	static struct mem_range out[2 * ORACLE_MAX + 1], scratch[2 * ORACLE_MAX];
	int clamped = -1;
	int k = memmap_sanitize(raw, n, out, (int)ARRAY_SIZE(out), scratch, &clamped);

	FUZZ_CHECK(k >= 0, "sanitize failed with room for 2n+1 entries");
	FUZZ_CHECK(clamped >= 0 && clamped <= n, "clamped %d of %d", clamped, n);
	check_map(out, k, "sanitized");
	for (int i = 0; i < n; i++) {
		if (raw[i].len == 0 || raw[i].base >= RANGE_MAX_END)
			continue;
		u64 end = raw[i].len > RANGE_MAX_END - raw[i].base ? RANGE_MAX_END
								    : raw[i].base + raw[i].len;
		const u64 probes[4] = { raw[i].base, end - 1, end, raw[i].base / 2 + (end - 1) / 2 };
		for (int p = 0; p < 4; p++) {
			u32 want = model_type(raw, n, probes[p]), got = map_type(out, k, probes[p]);
			FUZZ_CHECK(want == got, "address %#llx: raw entries say type %u, the sanitized "
				   "map %u", (unsigned long long)probes[p], want, got);
		}
	}
}

/* memmap_sanitize_user() over the firmware's nfw entries and the memmap= ones, both ways
 * (exactmap or not), against model_user_type() at every entry's edges; and what it reports
 * dropped lies inside the reported span. */
static void oracle_user(const struct mem_raw *raw, int nfw, int n)
{
	static struct mem_range out[2 * ORACLE_MAX + 1], scratch[2 * ORACLE_MAX];

	for (int x = 0; x < 2; x++) {
		struct memmap_dropped d;
		int k = memmap_sanitize_user(raw, nfw, n - nfw, x, out, (int)ARRAY_SIZE(out), scratch,
					     NULL, &d);
		FUZZ_CHECK(k >= 0, "sanitize_user failed with room for 2n+1 entries");
		check_map(out, k, "sanitized with memmap=");
		FUZZ_CHECK(d.ranges >= 0 && (d.ranges == 0) == (d.bytes == 0) &&
			   (d.ranges == 0 || (d.first < d.end && d.bytes <= d.end - d.first)),
			   "dropped %d ranges, %llu bytes in [%#llx, %#llx)", d.ranges,
			   (unsigned long long)d.bytes, (unsigned long long)d.first,
			   (unsigned long long)d.end);
		for (int i = 0; i < n; i++) {
			if (raw[i].len == 0 || raw[i].base >= RANGE_MAX_END)
				continue;
			u64 end = raw[i].len > RANGE_MAX_END - raw[i].base ? RANGE_MAX_END
									    : raw[i].base + raw[i].len;
			const u64 probes[3] = { raw[i].base, end - 1, raw[i].base / 2 + (end - 1) / 2 };
			for (int p = 0; p < 3; p++) {
				u32 want = model_user_type(raw, nfw, n, x, probes[p]);
				u32 got = map_type(out, k, probes[p]);
				FUZZ_CHECK(want == got, "address %#llx (exactmap %d): the memmap= rule says "
					   "type %u, the sanitized map %u", (unsigned long long)probes[p],
					   x, want, got);
			}
		}
	}
}

/* Every byte of memblock's memory is RAM by the firmware's own entries (probed at each
 * region's edges): memmap= never makes usable what the machine does not have. */
static void check_memory_backed(const struct mb2sim_result *r)
{
	for (int i = 0; i < r->mb->memory.count; i++) {
		const u64 probes[2] = { r->mb->memory.regions[i].base, r->mb->memory.regions[i].end - 1 };
		for (int p = 0; p < 2; p++) {
			u32 fw = model_type(r->raw, r->nfirmware, probes[p]);
			FUZZ_CHECK(memmap_type_is_ram(fw), "memblock memory at %#llx: the firmware says "
				   "type %u", (unsigned long long)probes[p], fw);
		}
	}
}

static void check_memblock_type(const struct memblock_type *t, const char *what)
{
	FUZZ_CHECK(t->count >= 0 && t->count <= MEMBLOCK_MAX_REGIONS, "%s count %d", what, t->count);
	for (int i = 0; i < t->count; i++) {
		const struct memblock_region *r = &t->regions[i];
		FUZZ_CHECK(r->base < r->end, "%s region %d empty", what, i);
		FUZZ_CHECK(IS_ALIGNED(r->base, PAGE_SIZE) && IS_ALIGNED(r->end, PAGE_SIZE),
			   "%s region %d not page aligned", what, i);
		if (i > 0)
			FUZZ_CHECK(t->regions[i - 1].end < r->base, "%s regions %d, %d touch or overlap",
				   what, i - 1, i);
	}
}

struct free_count {
	unsigned long max_pfn, frames;
};

static void count_free(phys_addr_t b, phys_addr_t e, void *arg)
{
	struct free_count *c = arg;
	unsigned long pb = b >> PAGE_SHIFT, pe = MIN(e >> PAGE_SHIFT, c->max_pfn);
	FUZZ_CHECK(b < e, "memblock_for_each_free gave an empty range");
	if (pe > pb)
		c->frames += pe - pb;
}

static void check_zones(const struct mb2sim_result *r)
{
	const struct mm_node *n = r->node;
	unsigned long managed = 0, present = 0, ram = 0;

	for (unsigned int i = 0; i < MAX_NR_ZONES; i++) {
		const struct zone *z = &n->zones[i];
		FUZZ_CHECK(z->start_pfn <= z->end_pfn && z->end_pfn <= n->max_pfn,
			   "zone %u span %#lx-%#lx, max_pfn %#lx", i, z->start_pfn, z->end_pfn,
			   n->max_pfn);
		if (i > 0)
			FUZZ_CHECK(n->zones[i - 1].end_pfn <= z->start_pfn, "zones %u, %u overlap", i - 1, i);
		FUZZ_CHECK(z->present_pages <= z->end_pfn - z->start_pfn, "zone %u present %lu", i,
			   z->present_pages);
		FUZZ_CHECK(z->managed_pages <= z->present_pages, "zone %u managed %lu > present %lu",
			   i, z->managed_pages, z->present_pages);
		unsigned long blocks = 0;
		for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
			blocks += z->free_area[k].nr_free << k;
		FUZZ_CHECK(blocks == z->free_pages && z->free_pages == z->managed_pages,
			   "zone %u: blocks %lu free %lu managed %lu", i, blocks, z->free_pages,
			   z->managed_pages);
		managed += z->managed_pages;
		present += z->present_pages;
	}
	struct free_count c = { n->max_pfn, 0 };
	memblock_for_each_free(r->mb, count_free, &c);
	FUZZ_CHECK(managed == c.frames, "managed %lu, memblock leaves %lu free frames", managed,
		   c.frames);
	for (int i = 0; i < r->mb->memory.count; i++) {
		unsigned long b = r->mb->memory.regions[i].base >> PAGE_SHIFT;
		unsigned long e = MIN(r->mb->memory.regions[i].end >> PAGE_SHIFT, n->max_pfn);
		if (e > b)
			ram += e - b;
	}
	FUZZ_CHECK(present == ram, "present %lu, memblock RAM %lu frames", present, ram);
	FUZZ_CHECK(r->usable_bytes >> PAGE_SHIFT >= ram, "usable %llu bytes, %lu frames",
		   (unsigned long long)r->usable_bytes, ram);
}

/* memblock's memory must lie inside the map's usable ranges (both sorted: one pass). */
static void check_memory_in_map(const struct mb2sim_result *r)
{
	int k = 0;
	for (int i = 0; i < r->mb->memory.count; i++) {
		u64 b = r->mb->memory.regions[i].base, e = r->mb->memory.regions[i].end;
		while (k < r->nmap && r->map[k].end <= b)
			k++;
		u64 at = b;
		for (int j = k; j < r->nmap && at < e && r->map[j].type == E820_USABLE &&
		     r->map[j].base <= at; j++)
			at = r->map[j].end;
		FUZZ_CHECK(at >= e, "memblock memory [%#llx-%#llx) not all usable in the map",
			   (unsigned long long)b, (unsigned long long)e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb2sim_opts o = {
		.image_base = 0x100000, .image_end = 0x200000,
		.mbi_phys = 0x300000, .mbi_phys_known = size % 2 == 0,
		.no_gbpages = size % 3 == 0,
		.phys_bits = 40,	/* 1 TiB: 8192 sections at most, not 2^19 (speed only) */
	};
	struct mb2sim_result r;

	fuzz_console_reset();
	int rc = mb2sim_run(data, size, &o, &r);
	FUZZ_CHECK(rc == 0 || rc == 1, "mb2sim_run returned %d", rc);
	FUZZ_CHECK(rc == 1 || (!r.fatal && r.mb2_problems == 0), "return %d with problems", rc);
	if (r.mb2_problems < 0) {
		FUZZ_CHECK(r.fatal, "unusable header without a fatal line");
		return 0;
	}
	blk_lo = data;
	blk_hi = data + r.info->total_size;
	check_info(r.info, size);
	FUZZ_CHECK(r.nuser >= 0 && r.nuser <= MEMMAP_USER_MAX && r.nraw == r.nfirmware + r.nuser &&
		   (u32)r.nfirmware == MIN(r.info->mmap_count, (u32)(MB2SIM_MAX_RAW - MEMMAP_USER_MAX)),
		   "%d raw entries read (%d from the block, %d from memmap=) of %u", r.nraw,
		   r.nfirmware, r.nuser, r.info->mmap_count);
	if (r.nfirmware == 0)
		FUZZ_CHECK(r.fatal, "no firmware map, and no fatal line");
	if (r.nraw > 0 && r.nraw <= ORACLE_MAX && r.nfirmware > 0) {
		oracle(r.raw, r.nraw);
		oracle_user(r.raw, r.nfirmware, r.nraw);
	}
	if (r.nraw > 0 && r.nraw <= ORACLE_MAX && r.nfirmware > 0 && r.nmap > 0)
		check_memory_backed(&r);
	if (r.nmap > 0)
		check_map(r.map, r.nmap, "capped");
	check_memblock_type(&r.mb->memory, "memory");
	check_memblock_type(&r.mb->reserved, "reserved");
	if (r.nmap > 0)
		check_memory_in_map(&r);
	if (r.node_built)
		check_zones(&r);
	return 0;
}
