/* tools/mb2sim.c - the kernel's boot-time view of a multiboot2 block, simulated on the host
 * (see tools/mb2sim.h). The steps follow kernel/main.c (mb2_parse, the command line's mem=) and
 * kernel/setup.c (read_e820, reserve_boot_data, the direct map's page tables, the section map,
 * the vmemmap, node_init, node_free_memblock, free_initmem) in the same order. The steps that
 * only do bookkeeping are the kernel's own code: mm/boot_mem.c's boot_populate_vmemmap (which
 * sections get descriptors, which are dropped, the line that says so), node_init, and zone.c's
 * node_count_free_memblock (node_free_memblock's blocks, counted per node and zone). Where the
 * kernel writes memory only sizes and counts are computed:
 *  - page tables: one page per table the kernel's direct_map_init()/map_pages() would allocate
 *    (boot/entry.asm leaves PML4[273] -> a PDPT with page directories for 0..4 GiB);
 *  - node_init() runs on a private node whose section bitmap is all zero, so it sizes the zones
 *    and counts present frames without writing a single descriptor.
 * NUMA: the block holds no SRAT (the ACPI tables stay in the machine's memory), so the
 * caller says which ranges the SRAT would give (mb2dump --numa), and the kernel's
 * numa_boot_layout makes the nodes of them; without, one node, as the kernel without an SRAT.
 */
#include "tools/mb2sim.h"
#include "mm/boot_mem.h"
#include "lib/bitops.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"
#include "lib/string.h"

#define SZ_4G           (4ULL << 30)
#define SZ_1G           (1ULL << 30)
#define SZ_512G         (512ULL << 30)
#define SIM_PAGE_OFFSET 0xffff888000000000ULL	/* kernel/arch.h PAGE_OFFSET */
#define SIM_VMEMMAP     0xffffea0000000000ULL	/* kernel/arch.h VMEMMAP_START */
#define PHYS_LIMIT      (1ULL << MB2SIM_PHYS_BITS)
#define MAX_PFN_LIMIT   (PHYS_LIMIT >> PAGE_SHIFT)
#define SECTION_WORDS   ((MAX_PFN_LIMIT / PAGES_PER_SECTION + 63) / 64)	/* 8192: 64 KiB */

static struct mb2_info info;
static char cmdline[MB2SIM_CMDLINE_MAX];
static struct mem_raw raw_map[MB2SIM_MAX_RAW];
static struct mem_range e820[2 * MB2SIM_MAX_RAW + 1];
static struct mem_range e820_scratch[2 * MB2SIM_MAX_RAW];
static struct mem_range sorted_raw[MB2SIM_MAX_RAW];	/* for the overlap report */
static struct memblock mb;
static u64 sections[SECTION_WORDS];		/* present sections, as the kernel marks them */
static const u64 no_sections[SECTION_WORDS];	/* what the private node sees: no descriptors */
static struct mm_node node;
static u64 mem_limit;
static struct memmap_user user_map;	/* memmap= (kernel/setup.c setup_memmap_param()) */
static unsigned int pt_pool_used;	/* pages of the kernel's built-in page-table pool */

static struct mb2sim_result *res;

/* "mb2dump: warning: ..." (counted). */
#define warn(fmt, ...) do { res->warnings++; \
	printk(KERN_WARNING "mb2dump: warning: " fmt, ##__VA_ARGS__); } while (0)
#define note(fmt, ...) printk(KERN_INFO "mb2dump: " fmt, ##__VA_ARGS__)

/* The kernel would stop here with this line. */
static int fatal(const char *line)
{
	printk(KERN_ERR "%s\n", line);
	res->fatal = line;
	return 1;
}

/* ---- the tags ---- */

static void print_tags(size_t len)
{
	note("block of %u bytes (file %zu bytes), %u tags, %u reported and skipped\n",
	     info.total_size, len, info.nr_tags, info.nr_bad);
	if (len > info.total_size)
		note("%zu bytes after total_size are not part of the block\n",
		     len - (size_t)info.total_size);
	if (info.has_meminfo)
		note("basic meminfo: lower %u KiB, upper %u KiB\n", info.mem_lower_kb,
		     info.mem_upper_kb);
	if (info.mmap)
		note("memory map tag: entry_size %u, %u entries\n", info.mmap_entry_size,
		     info.mmap_count);
	for (u32 i = 0; i < info.nr_modules; i++)
		note("module [mem 0x%016llx-0x%016llx] '%.64s'\n",
		     (unsigned long long)info.modules[i].start,
		     (unsigned long long)info.modules[i].end - (info.modules[i].end ? 1 : 0),
		     info.modules[i].name);
	if (info.rsdp)
		note("ACPI RSDP copy, version %d, %u bytes\n", info.rsdp_version, info.rsdp_len);
	if (info.has_elf_sections)
		note("ELF sections: %u entries of %u bytes\n", info.elf_num, info.elf_entsize);
	if (info.has_load_base)
		note("image load base %#x\n", info.load_base);
}

/* kernel/setup.c setup_memmap_param(). */
static int set_memmap(const char *val, void *arg)
{
	(void)arg;
	return memmap_user_param(&user_map, val);
}

/* kernel/main.c set_mem(). */
static int set_mem(const char *val, void *arg)
{
	return memmap_mem_param(val, arg);
}

/* kernel/main.c parse_cmdline(), for mem= and memmap= only (other keys are the kernel's
 * business). */
static int ignore_key(const char *key, const char *val)
{
	(void)key;
	(void)val;
	return 0;
}

static void apply_cmdline(void)
{
	static const struct kernel_param params[] = {
		{ "mem", set_mem, &mem_limit },
		{ "memmap", set_memmap, NULL },
	};
	const char *src = info.cmdline;
	size_t len = src ? strnlen(src, MB2SIM_CMDLINE_MAX) : 0;

	if (info.bootloader)
		printk(KERN_INFO "Boot loader: %s\n", info.bootloader);
	if (len == MB2SIM_CMDLINE_MAX) {
		printk(KERN_WARNING "cmdline: longer than %d bytes, truncated\n",
		       MB2SIM_CMDLINE_MAX - 1);
		len = MB2SIM_CMDLINE_MAX - 1;
		res->warnings++;
	}
	memcpy(cmdline, src ? src : "", len);
	cmdline[len] = '\0';
	printk(KERN_INFO "Command line: %s\n", cmdline);
	mem_limit = 0;
	memset(&user_map, 0, sizeof(user_map));
	res->warnings += parse_args(cmdline, params, ARRAY_SIZE(params), ignore_key);
	res->mem_limit = mem_limit;
}

/* ---- the memory map ---- */

static int range_cmp_base(const struct mem_range *a, const struct mem_range *b)
{
	return a->base < b->base ? -1 : a->base > b->base;
}

/* Insertion into a max-heap would do; a plain heapsort keeps this allocation-free. */
static void sift(struct mem_range *a, int root, int n)
{
	for (;;) {
		int c = 2 * root + 1;
		if (c >= n)
			return;
		if (c + 1 < n && range_cmp_base(&a[c], &a[c + 1]) < 0)
			c++;
		if (range_cmp_base(&a[root], &a[c]) >= 0)
			return;
		struct mem_range t = a[root];
		a[root] = a[c];
		a[c] = t;
		root = c;
	}
}

static void sort_ranges(struct mem_range *a, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift(a, i, n);
	for (int end = n - 1; end > 0; end--) {
		struct mem_range t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, 0, end);
	}
}

/* What only this tool says about the raw entries: overlaps, nesting, odd types, zero lengths. */
static void report_raw(int nraw)
{
	int zero = 0, odd_type = 0, n = 0, overlap = 0, nested = 0, tiny = 0;

	for (int i = 0; i < nraw; i++) {
		const struct mem_raw *r = &raw_map[i];
		if (r->len == 0) {
			zero++;
			continue;
		}
		if (r->type == 0 || r->type > E820_UNUSABLE)
			odd_type++;
		u64 end = r->len > ~0ULL - r->base ? ~0ULL : r->base + r->len;
		if (r->type == E820_USABLE && ALIGN_DOWN(end, PAGE_SIZE) <= ALIGN_UP(r->base, PAGE_SIZE))
			tiny++;
		sorted_raw[n++] = (struct mem_range){ r->base, end, r->type };
	}
	sort_ranges(sorted_raw, n);
	u64 reach = 0;
	for (int i = 0; i < n; i++) {
		if (i > 0 && sorted_raw[i].base < reach) {
			overlap++;
			if (sorted_raw[i].end <= reach)
				nested++;
		}
		reach = MAX(reach, sorted_raw[i].end);
	}
	if (overlap)
		warn("%d raw entries overlap an earlier one (%d nested inside it); where they "
		     "overlap the larger type wins\n", overlap, nested);
	if (zero)
		note("%d zero-length raw entries dropped\n", zero);
	if (odd_type)
		note("%d raw entries of type 0 or above 5 (type 0 counts as a hole, others as "
		     "reserved)\n", odd_type);
	if (tiny)
		note("%d usable raw entries hold no whole page\n", tiny);
}

/* boot_read_map's hook, once the table is built: this tool's own report on the raw entries. */
static void map_built(const struct boot_map *m, int n)
{
	(void)n;
	report_raw(m->nfw + user_map.n);
}

/* kernel/setup.c read_e820(): the same code (boot_read_map), the counts kept for the caller.
 * Returns the entry count, or -1 after fatal(). */
static int read_e820(const struct mb2sim_opts *o)
{
	unsigned int bits = o->phys_bits && o->phys_bits < MB2SIM_PHYS_BITS ? o->phys_bits
									     : MB2SIM_PHYS_BITS;
	struct boot_map m = {
		.raw = raw_map, .raw_cap = MB2SIM_MAX_RAW,
		.map = e820, .scratch = e820_scratch, .map_cap = (int)ARRAY_SIZE(e820),
		.user = &user_map, .mem_limit = mem_limit, .phys_bits = bits, .built = map_built,
	};
	int n = boot_read_map(&info, &m);

	if (info.mmap_count > MB2SIM_MAX_RAW - MEMMAP_USER_MAX)
		res->warnings++;		/* mb2_read_mmap() said so */
	res->nfirmware = m.nfw;
	res->nuser = user_map.n;
	res->nraw = m.nfw + user_map.n;
	if (n < 0) {		/* memmap_build() printed the kernel's line */
		res->fatal = m.nfw ? "setup: memory map too complex to sanitize"
				   : "setup: no memory map from the boot loader";
		return -1;
	}
	res->exactmap = m.result.exactmap;
	res->clamped = m.result.clamped;
	res->dropped = m.result.dropped;
	res->warnings += (m.result.clamped > 0) + (m.result.dropped.ranges > 0) +
			 (user_map.exactmap && !m.result.exactmap) + m.beyond;
	if (m.beyond && bits < MB2SIM_PHYS_BITS)
		warn("usable RAM at and above 2^%u removed (a cap of this run, not the kernel's)\n",
		     bits);
	else if (m.beyond)
		note("warning: usable RAM at and above 64 TiB (2^%u) is beyond the direct map: "
		     "the kernel ignores it (its line above)\n", bits);
	return n;
}

/* ---- reservations ---- */

/* Is [base, end) inside the usable memory memblock holds? */
static bool in_memory(u64 base, u64 end)
{
	for (int i = 0; i < mb.memory.count; i++)
		if (mb.memory.regions[i].base <= base && end <= mb.memory.regions[i].end)
			return true;
	return false;
}

/* kernel/setup.c reserve(): the same code. */
static void reserve(u64 base, u64 size, const char *what)
{
	boot_reserve(&mb, base, size, what);
}

static void reserve_boot_data(const struct mb2sim_opts *o)
{
	u64 ib = o->image_base, ie = o->image_end;

	reserve(0, PAGE_SIZE, "first page (real-mode IVT/BDA)");
	reserve(MB2SIM_TRAMPOLINE, PAGE_SIZE, "AP trampoline (SMP start-up code)");
	if (ie > ib) {
		if (!in_memory(ALIGN_DOWN(ib, PAGE_SIZE), ALIGN_UP(ie, PAGE_SIZE)))
			warn("the kernel image [mem %#llx-%#llx] is not all usable RAM in this map "
			     "(the kernel reserves it all the same)\n", (unsigned long long)ib,
			     (unsigned long long)ie - 1);
		reserve(ib, ie - ib, "kernel image");
	} else {
		note("kernel image: its physical extent is not in the block (the kernel reserves "
		     "where GRUB loaded it; mb2dump --image=BASE-END says where)\n");
	}
	if (o->mbi_phys_known)
		reserve(o->mbi_phys, info.total_size, "multiboot2 information");
	else
		note("multiboot2 information: %u bytes at an address the block does not record "
		     "(not reserved here; mb2dump --mbi-at=ADDR)\n", info.total_size);
	for (u32 i = 0; i < info.nr_modules; i++) {
		u64 s = info.modules[i].start, e = info.modules[i].end;
		if (ie > ib && s < ie && ib < e)
			warn("module %u [mem %#llx-%#llx] overlaps the kernel image\n", i,
			     (unsigned long long)s, (unsigned long long)e - 1);
		for (u32 j = 0; j < i; j++)
			if (s < info.modules[j].end && info.modules[j].start < e)
				warn("modules %u and %u overlap\n", j, i);
		reserve(s, e - s, "module");
	}
}

/* ---- the boot allocator's own allocations ---- */

/* pt_alloc: one page-table page from memblock, else from the kernel's built-in pool of
 * MB2SIM_PT_POOL pages in its image (bookkeeping only). */
static bool pt_page(void)
{
	if (!memblock_alloc(&mb, PAGE_SIZE, PAGE_SIZE)) {
		if (pt_pool_used >= MB2SIM_PT_POOL)
			return false;
		pt_pool_used++;
	}
	res->pgtable_bytes += PAGE_SIZE;
	return true;
}

/* kernel/pgtable.c direct_map_init(): tables beyond boot/entry.asm's PML4[273] -> PDPT_low
 * (0..512 GiB) and its four page directories (0..4 GiB). */
static bool direct_map_tables(u64 end, bool gbpages)
{
	for (u64 pa = 0; pa < end; pa += SZ_1G) {
		if (pa >= SZ_512G && pa % SZ_512G == 0 && !pt_page())
			return false;			/* a new PDPT for this PML4 slot */
		if (!gbpages && pa >= SZ_4G && !pt_page())
			return false;			/* a page directory for this GiB */
	}
	return true;
}

/* The tables map_pages() allocates for the vmemmap: the ranges come in increasing address
 * order, so a table is new exactly when its index is above the highest one seen. */
struct pt_cursor {
	bool have[3];
	u64 last[3];		/* highest PDPT, PD, PT index already allocated */
};

static bool vmemmap_tables(u64 va, u64 bytes, struct pt_cursor *c)
{
	static const unsigned int shift[3] = { 39, 30, 21 };	/* PDPT, PD, PT */

	for (int l = 0; l < 3; l++) {
		u64 lo = va >> shift[l], hi = (va + bytes - 1) >> shift[l];
		if (c->have[l] && lo <= c->last[l])
			lo = c->last[l] + 1;
		for (u64 i = lo; i <= hi; i++)
			if (!pt_page())
				return false;
		if (!c->have[l] || hi > c->last[l])
			c->last[l] = hi;
		c->have[l] = true;
	}
	return true;
}

/* boot_populate_vmemmap's map: only the page tables map_pages() would allocate. */
static int vmemmap_count(void *arg, unsigned long first, phys_addr_t phys, size_t bytes)
{
	(void)phys;
	return vmemmap_tables(SIM_VMEMMAP + (u64)first * sizeof(struct page), bytes, arg) ? 0 : -1;
}

/* kernel/setup.c's boot_populate_vmemmap(), the same code, with the page tables counted. */
static void populate_vmemmap(unsigned long max_pfn)
{
	struct pt_cursor cur = { { false, false, false }, { 0, 0, 0 } };
	struct boot_vmemmap_ops ops = { vmemmap_count, &cur };
	struct boot_vmemmap_result vr;

	boot_populate_vmemmap(&mb, max_pfn, sections, &ops, &vr);
	res->memmap_bytes += vr.bytes;
	res->sections += vr.sections;
	res->lost_sections = vr.lost_sections;
	res->warnings += vr.lost_sections > 0;
}

/* ---- zones ---- */

static void count_low_free(phys_addr_t b, phys_addr_t e, void *arg)
{
	u64 *low = arg;
	if (b < SZ_4G)
		*low += MIN(e, SZ_4G) - b;
}

/* kernel/setup.c print_summary(): the same code. */
static void print_summary(const struct mb2sim_opts *o)
{
	u64 kernel = o->image_end > o->image_base ? o->image_end - o->image_base : 0;
	const struct boot_mem_stats st = {
		.usable = res->usable_bytes,
		.kernel = kernel - MIN(kernel, res->init_bytes),	/* boot_params.kernel_bytes */
		.memmap = res->memmap_bytes, .pgtables = res->pgtable_bytes,
		.sections = res->sections, .boot_alloc = mb.allocated,
	};

	boot_print_summary(&node, &st);
	note("before the kernel's own allocations (slab caches, per-CPU data):\n");
	node_print_meminfo(&node);
	node_print_buddyinfo(&node);
}

/* kernel/setup.c mm_setup() up to the direct map's page tables. 0, or 1 after fatal(). */
static int setup_memblock(const struct mb2sim_opts *o)
{
	int n = read_e820(o);

	if (n < 0)
		return 1;
	res->nmap = n;
	res->usable_bytes = boot_memblock_init(&mb, e820, n);
	if (mb.memory.dropped)		/* after the kernel's line */
		warn("%d usable ranges were lost: the boot allocator holds %d regions\n",
		     mb.memory.dropped, MEMBLOCK_MAX_REGIONS);
	res->max_phys = memblock_end(&mb);
	reserve_boot_data(o);
	if (!res->usable_bytes)
		return fatal("setup: no usable RAM in the memory map");

	u64 low = 0;
	memblock_for_each_free(&mb, count_low_free, &low);
	if (!low)
		warn("no free RAM below 4 GiB: ZONE_DMA and ZONE_DMA32 are empty, so GFP_DMA and "
		     "GFP_DMA32 requests fail; the direct map's page tables come from the kernel's "
		     "pool of %d pages\n", MB2SIM_PT_POOL);
	mb.alloc_limit = SZ_4G;
	pt_pool_used = 0;
	if (!direct_map_tables(res->max_phys, !o->no_gbpages))
		return fatal("setup: out of page-table pages for the direct map (no usable RAM "
			     "below 4 GiB and the built-in pool spent)");
	mb.alloc_limit = 0;
	return 0;
}

/* The section map and the vmemmap (mm_setup()'s next steps). 0, or 1 after fatal(). */
static int setup_sections(unsigned long max_pfn)
{
	size_t words = section_bitmap_words(max_pfn);

	if (words > SECTION_WORDS)		/* read_e820() caps usable RAM at PHYS_LIMIT */
		return fatal("mb2dump: internal error: usable RAM beyond the cap");
	res->section_bytes = words * sizeof(u64);
	if (!memblock_alloc(&mb, words * sizeof(u64), PAGE_SIZE))
		return fatal("setup: out of memory for the section map");
	node_mark_sections(&mb, max_pfn, sections);
	/* the pageblock migratetype bitmap (kept here only as the boot allocator's bytes: the
	 * private node this tool builds does not group by mobility) */
	if (!memblock_alloc(&mb, pageblock_bitmap_words(max_pfn) * sizeof(u64), 8))
		return fatal("setup: out of memory for the pageblock bitmap");
	populate_vmemmap(max_pfn);
	res->usable_bytes = memblock_phys_mem_size(&mb);	/* less what had no descriptors */
	if (!res->usable_bytes)
		return fatal("setup: no usable RAM has frame descriptors");
	return 0;
}

/* free_initmem() gives the init section's frames that are usable RAM to the buddy after
 * node_free_memblock(); the buddy then holds exactly the blocks it would hold had they been
 * free from the start (full coalescing leaves one decomposition per set of free frames), so
 * they are released from memblock here, before the zones are counted. Returns the frames the
 * section spans; *freed those given back. */
static unsigned long release_initmem(const struct mb2sim_opts *o, unsigned long *freed)
{
	unsigned long count = 0;

	*freed = 0;
	if (o->initmem_end > o->initmem_base) {
		unsigned long first = o->initmem_base >> PAGE_SHIFT;
		count = (unsigned long)((o->initmem_end - o->initmem_base) >> PAGE_SHIFT);
		for (unsigned long pfn = first; pfn < first + count; pfn++) {
			if (!memblock_is_memory(&mb, (phys_addr_t)pfn << PAGE_SHIFT, PAGE_SIZE))
				continue;
			memblock_free(&mb, (phys_addr_t)pfn << PAGE_SHIFT, PAGE_SIZE);
			(*freed)++;
		}
	}
	return count;
}

/* node_init and node_free_memblock (counted), then the lines the kernel prints after them. */
static void setup_zones(const struct mb2sim_opts *o, unsigned long max_pfn)
{
	unsigned long init_freed, init_count = release_initmem(o, &init_freed);
	struct node_layout lay = {
		.vmemmap = NULL,		/* no section present: node_init writes nothing */
		.virt_base = 0,
		.max_pfn = max_pfn,
		.sections = no_sections,
		.zone_end_pfn = { DMA_END_PFN, DMA32_END_PFN, ~0UL },
	};

	u32 domains[MAX_NUMNODES];

	if (o->nr_numa)		/* kernel/setup.c numa_setup(), without a SLIT */
		numa_boot_layout(o->numa, o->nr_numa, &lay, domains, NULL, NULL);
	node_init(&node, &lay, &mb);
	node_count_free_memblock(&node, &mb);
	res->node_built = true;
	printk(KERN_INFO "direct map: [mem 0x0-%#llx] at %#llx with %s pages\n",
	       (unsigned long long)res->max_phys - 1, SIM_PAGE_OFFSET,
	       o->no_gbpages ? "2 MiB" : "1 GiB");
	if (init_count) {
		printk(KERN_INFO "Freeing unused kernel image (initmem) memory: %luK\n", init_freed * 4);
		if (init_freed < init_count)
			printk(KERN_INFO "initmem: %luK not given back: not usable RAM in the memory "
			       "map\n", (init_count - init_freed) * 4);
	} else {
		note("initmem: where the kernel's init section is, is not in the block (the kernel "
		     "frees it here; mb2dump --initmem=BASE-END)\n");
	}
	res->init_bytes = (u64)init_count << PAGE_SHIFT;
	print_summary(o);
}

int mb2sim_run(const void *blk, size_t len, const struct mb2sim_opts *o, struct mb2sim_result *r)
{
	memset(r, 0, sizeof(*r));
	res = r;
	r->info = &info;
	r->raw = raw_map;
	r->map = e820;
	r->mb = &mb;
	r->node = &node;
	memblock_init(&mb);
	memset(&node, 0, sizeof(node));

	r->mb2_problems = mb2_parse(blk, MIN(len, (size_t)MB2SIM_MBI_MAX), &info);
	if (r->mb2_problems < 0)
		return fatal("mb2dump: the block header is unusable: the kernel stops here "
			     "(\"mmkern: FAILED, exiting\")");
	print_tags(len);
	apply_cmdline();
	if (setup_memblock(o) || setup_sections(r->max_phys >> PAGE_SHIFT))
		return 1;
	setup_zones(o, r->max_phys >> PAGE_SHIFT);

	unsigned long managed = node_managed_pages(&node, -1);
	if (!managed)
		return fatal("mb2dump: no free frame is left after set-up: the kernel would panic in "
			     "kmem_cache_init (\"kmem_cache_create: cannot create cache\")");
	if (managed < 256)
		warn("only %lu free frames after set-up: the slab caches may not fit\n", managed);
	return r->mb2_problems > 0;
}
