/* mm/zone.c - build a node's zones from the boot allocator and keep their statistics (the
 * printers that report on them are in mm/show.c).
 *
 * node_init() sizes the zones and writes every descriptor once: reserved, or free for the
 * frames the boot allocator did not keep; node_free_memblock() then hands those free ranges to
 * the buddy allocators in the largest aligned blocks that fit, so the buddy starts fully
 * coalesced and boot costs one 32-byte store per frame plus O(orders) per 4 MiB block. Watermarks follow Linux's formulas
 * (min_free_kbytes = sqrt(16 * lowmem kB), spread over zones by size; lowmem_reserve ratios
 * 256/256/32) so that ordinary allocations cannot drain DMA.
 *
 * Layers: zone.c sits between buddy.c (below: the free lists of one zone, which boot fills
 * through buddy_put_locked) and page_alloc.c (above: the API and the per-CPU lists). It owns the
 * node's statistics (free frames, buddy and per-CPU; managed frames), which page_alloc.c and the
 * printers read; it never calls up.
 */
#include "mm/internal.h"
#include "mm/memblock.h"
#include "lib/bitops.h"
#include "lib/string.h"

static const char *const zone_names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal" };
static const unsigned long lowmem_reserve_ratio[MAX_NR_ZONES] = { 256, 256, 32 };

void node_mark_sections(const struct memblock *mb, unsigned long max_pfn, u64 *sections)
{
	memset(sections, 0, section_bitmap_words(max_pfn) * sizeof(u64));
	for (int i = 0; i < mb->memory.count; i++) {
		unsigned long first = mb->memory.regions[i].base >> PAGE_SHIFT;
		unsigned long last = MIN(mb->memory.regions[i].end >> PAGE_SHIFT, max_pfn);
		for (unsigned long s = first >> SECTION_SHIFT; first < last &&
		     s <= (last - 1) >> SECTION_SHIFT; s++)
			set_bit(s, sections);
	}
}

int node_pfn_nid(const struct mm_node *n, unsigned long pfn)
{
	unsigned int nid = 0;
	while (nid + 1 < n->nr_nodes && pfn >= n->node_end_pfn[nid])
		nid++;
	return (int)nid;
}

/* Index in n->zones of the zone of pfn: its node's, then by the zone limits. */
static unsigned int pfn_zone(const struct mm_node *n, unsigned long pfn)
{
	unsigned int i = (unsigned int)node_pfn_nid(n, pfn) * MAX_NR_ZONES, last = i + MAX_NR_ZONES - 1;
	while (i < last && pfn >= n->zones[i].end_pfn)
		i++;
	return i;
}

/* Initialise the descriptors of [pfn, end) that exist (present sections) with flags, each in
 * its zone: one 32-byte store run per frame, the whole per-frame cost of boot. */
static void init_run(struct mm_node *n, unsigned long pfn, unsigned long end, u16 flags)
{
	end = MIN(end, n->max_pfn);
	while (pfn < end) {
		unsigned int zi = pfn_zone(n, pfn);
		unsigned long sec_end = ((pfn >> SECTION_SHIFT) + 1) << SECTION_SHIFT;
		unsigned long stop = MIN(MIN(end, n->zones[zi].end_pfn), sec_end);
		if (node_pfn_valid(n, pfn)) {
			const struct page t = { .flags = flags, .zone = (u8)zi };
			for (struct page *p = &n->vmemmap[pfn], *e = &n->vmemmap[stop]; p < e; p++)
				*p = t;
		}
		pfn = stop;
	}
}

struct init_cursor {
	struct mm_node *n;
	unsigned long next;	/* first pfn not yet initialised */
};

/* memblock_for_each_free callback: the gap before [b, e) is reserved, [b, e) is free. */
static void init_free_range(phys_addr_t b, phys_addr_t e, void *arg)
{
	struct init_cursor *c = arg;
	init_run(c->n, c->next, b >> PAGE_SHIFT, PG_reserved);
	init_run(c->n, b >> PAGE_SHIFT, e >> PAGE_SHIFT, 0);
	c->next = e >> PAGE_SHIFT;
}

/* The NUMA part of the layout: node spans (a partition of [0, max_pfn)) and distances. */
static void init_nodes(struct mm_node *n, const struct node_layout *lay)
{
	unsigned long start = 0;

	n->nr_nodes = lay->nr_nodes ? MIN(lay->nr_nodes, (unsigned int)MAX_NUMNODES) : 1;
	n->nr_zones = n->nr_nodes * MAX_NR_ZONES;
	for (unsigned int i = 0; i < n->nr_nodes; i++) {
		unsigned long end = i + 1 == n->nr_nodes ? n->max_pfn : MIN(lay->node_end_pfn[i], n->max_pfn);
		n->node_start_pfn[i] = start;
		n->node_end_pfn[i] = MAX(end, start);
		start = n->node_end_pfn[i];
		for (unsigned int j = 0; j < n->nr_nodes; j++) {
			u8 d = lay->distance[i][j];
			n->distance[i][j] = d ? d : i == j ? NODE_DISTANCE_LOCAL : NODE_DISTANCE_REMOTE;
		}
	}
}

void node_init(struct mm_node *n, const struct node_layout *lay, const struct memblock *mb)
{
	memset(n, 0, sizeof(*n));
	n->nr_cpus = 1;
	n->vmemmap = lay->vmemmap;
	n->virt_base = lay->virt_base;
	n->max_pfn = lay->max_pfn;
	n->sections = lay->sections;
	n->pageblock_flags = lay->pageblock_flags;
	if (n->pageblock_flags)		/* every pageblock movable (a nibble of 1s) */
		memset(n->pageblock_flags, 0x11, pageblock_bitmap_words(n->max_pfn) * sizeof(u64));
	_Static_assert(MIGRATE_MOVABLE == 1 && PB_BITS == 4, "0x11 is movable, movable");
	spin_lock_init(&n->movable_lock);
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		n->cpu[cpu].mt_mask = GFP_MOVABLE_MASK >> GFP_MOVABLE_SHIFT;
	init_nodes(n, lay);
	for (unsigned int i = 0; i < n->nr_zones; i++) {
		struct zone *z = &n->zones[i];
		unsigned int nid = i / MAX_NR_ZONES, t = i % MAX_NR_ZONES;
		unsigned long lo = t ? lay->zone_end_pfn[t - 1] : 0, hi = lay->zone_end_pfn[t];
		z->name = zone_names[t];
		z->node = n;
		z->nid = (int)nid;
		z->type = (enum zone_type)t;
		z->start_pfn = MIN(MAX(lo, n->node_start_pfn[nid]), n->node_end_pfn[nid]);
		z->end_pfn = MAX(MIN(hi, n->node_end_pfn[nid]), z->start_pfn);
		for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++)
			for (unsigned int t = 0; t < MIGRATE_TYPES; t++)
				INIT_LIST_HEAD(&z->free_area[k].free_list[t]);
		spin_lock_init(&z->lock);
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
			spin_lock_init(&z->pcp[cpu].lock);
			for (unsigned int k = 0; k < NR_PCP_LISTS; k++)
				INIT_LIST_HEAD(&z->pcp[cpu].lists[k]);
		}
	}
	for (int r = 0; r < mb->memory.count; r++) {
		unsigned long b = mb->memory.regions[r].base >> PAGE_SHIFT;
		unsigned long e = MIN(mb->memory.regions[r].end >> PAGE_SHIFT, n->max_pfn);
		for (unsigned int i = 0; i < n->nr_zones; i++) {
			struct zone *z = &n->zones[i];
			unsigned long lo = MAX(b, z->start_pfn), hi = MIN(e, z->end_pfn);
			if (hi > lo)
				z->present_pages += hi - lo;
		}
	}
	struct init_cursor c = { n, 0 };
	memblock_for_each_free(mb, init_free_range, &c);
	init_run(n, c.next, n->max_pfn, PG_reserved);
}

/* Order of the largest block that starts at pfn (aligned to its size) and ends by end. */
static unsigned int block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = MAX_PAGE_ORDER;

	if (pfn)
		order = MIN(order, __ffs64(pfn));
	while ((1UL << order) > end - pfn)
		order--;
	return order;
}

/* Hand [pfn, pfn + count), inside zone z and already unreserved, to z's buddy allocator in
 * the largest aligned blocks that fit. */
static void give_to_buddy(struct zone *z, unsigned long pfn, unsigned long count)
{
	unsigned long irqflags = 0;
	unsigned long end = pfn + count;

	spin_lock_irqsave(&z->lock, irqflags);
	z->managed_pages += count;
	while (pfn < end) {
		unsigned int order = block_order(pfn, end);
		buddy_put_locked(z, pfn, order);
		pfn += 1UL << order;
	}
	spin_unlock_irqrestore(&z->lock, irqflags);
}

/* give_to_buddy() without the buddy: the same blocks, only counted (a node without
 * descriptors; runs of largest blocks at once, so that 64 TiB cost no more than 4 MiB). */
static void count_for_buddy(struct zone *z, unsigned long pfn, unsigned long count)
{
	const unsigned long max_block = 1UL << MAX_PAGE_ORDER;
	unsigned long end = pfn + count;

	z->managed_pages += count;
	z->free_pages += count;
	while (pfn < end) {
		if (!(pfn & (max_block - 1)) && end - pfn >= max_block) {
			unsigned long k = (end - pfn) >> MAX_PAGE_ORDER;
			z->free_area[MAX_PAGE_ORDER].nr_free += k;
			pfn += k << MAX_PAGE_ORDER;
			continue;
		}
		unsigned int order = block_order(pfn, end);
		z->free_area[order].nr_free++;
		pfn += 1UL << order;
	}
}

void node_release_range(struct mm_node *n, unsigned long pfn, unsigned long count)
{
	if (count == 0)
		return;
	struct zone *z = &n->zones[pfn_zone(n, pfn)];
	VM_BUG_ON(pfn + count > z->end_pfn || pfn < z->start_pfn);
	for (unsigned long p = pfn; p < pfn + count; p++) {
		struct page *page = node_pfn_to_page_raw(n, p);
		VM_BUG_ON(!node_pfn_valid(n, p) || !PageReserved(page));
		page->flags &= (u16)~PG_reserved;
	}
	give_to_buddy(z, pfn, count);
}

struct release_walk {
	struct mm_node *n;
	void (*give)(struct zone *z, unsigned long pfn, unsigned long count);
};

/* memblock_for_each_free callback: give [b, e) (initialised free by node_init) to the buddy
 * allocators (or count it), split at zone limits. */
static void release_free_range(phys_addr_t b, phys_addr_t e, void *arg)
{
	const struct release_walk *w = arg;
	struct mm_node *n = w->n;
	unsigned long pfn = b >> PAGE_SHIFT, end = MIN(e >> PAGE_SHIFT, n->max_pfn);

	while (pfn < end) {
		struct zone *z = &n->zones[pfn_zone(n, pfn)];
		unsigned long stop = MIN(end, z->end_pfn);
		w->give(z, pfn, stop - pfn);
		pfn = stop;
	}
}

unsigned long node_free_memblock(struct mm_node *n, const struct memblock *mb)
{
	unsigned long before = node_nr_free_pages(n);
	struct release_walk w = { n, give_to_buddy };

	memblock_for_each_free(mb, release_free_range, &w);
	node_setup_watermarks(n);
	return node_nr_free_pages(n) - before;
}

unsigned long node_count_free_memblock(struct mm_node *n, const struct memblock *mb)
{
	unsigned long before = node_nr_free_pages(n);
	struct release_walk w = { n, count_for_buddy };

	memblock_for_each_free(mb, release_free_range, &w);
	node_setup_watermarks(n);
	return node_nr_free_pages(n) - before;
}

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;
	for (unsigned long bit = 1UL << 62; bit; bit >>= 2) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

/* Build each node's zonelist (nodes by distance, then id; each node's zones Normal down to
 * DMA; populated zones only) and point every CPU at its node's. */
static void build_zonelists(struct mm_node *n)
{
	for (unsigned int nid = 0; nid < n->nr_nodes; nid++) {
		bool used[MAX_NUMNODES] = { false };
		unsigned int k = 0;
		for (unsigned int round = 0; round < n->nr_nodes; round++) {
			int best = -1;
			for (unsigned int j = 0; j < n->nr_nodes; j++)
				if (!used[j] && (best < 0 || n->distance[nid][j] < n->distance[nid][best] ||
						 (j == nid && n->distance[nid][j] == n->distance[nid][best])))
					best = (int)j;
			used[best] = true;
			for (int t = MAX_NR_ZONES - 1; t >= 0; t--) {
				struct zone *z = &n->zones[best * MAX_NR_ZONES + t];
				if (z->managed_pages)
					n->zonelist[nid][k++] = z;
			}
		}
		n->zonelist[nid][k] = NULL;
	}
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		struct mm_cpu_zones *c = &n->cpu[cpu];
		c->zonelist = n->zonelist[c->nid];
		c->first = c->zonelist[0];
	}
}

int node_set_cpu_node(struct mm_node *n, unsigned int cpu, int nid)
{
	if (cpu >= NR_CPUS || nid < 0 || (unsigned int)nid >= n->nr_nodes)
		return -1;
	n->cpu[cpu].nid = nid;
	n->cpu[cpu].zonelist = n->zonelist[nid];
	n->cpu[cpu].first = n->zonelist[nid][0];
	return 0;
}

int numa_node_id(const struct mm_node *n)
{
	return n->cpu[smp_processor_id()].nid;
}

void node_setup_watermarks(struct mm_node *n)
{
	unsigned long total = node_managed_pages(n, -1);

	build_zonelists(n);
	if (total == 0)
		return;
	unsigned long min_kb = int_sqrt(total * (PAGE_SIZE / 1024) * 16);
	min_kb = MIN(MAX(min_kb, 128UL), 262144UL);
	unsigned long pages_min = min_kb / (PAGE_SIZE / 1024);

	for (unsigned int i = 0; i < n->nr_zones; i++) {
		struct zone *z = &n->zones[i];
		unsigned long min = pages_min * z->managed_pages / total;
		unsigned long gap = MAX(min / 4, z->managed_pages * 10 / 10000);
		z->watermark[WMARK_MIN] = min;
		z->watermark[WMARK_LOW] = min + gap;
		z->watermark[WMARK_HIGH] = min + 2 * gap;
		/* Per-CPU lists, Linux 6.1's sizes: batch = managed/4096 (2^k - 1, at most 63);
		 * high = the low watermark shared among the CPUs, at least 4 batches. */
		unsigned long batch = MIN(z->managed_pages >> 10, 256UL) / 4;
		batch = batch + batch / 2 > 1 ? (1UL << __fls64(batch + batch / 2)) - 1 : 1;
		unsigned long high = MAX(z->watermark[WMARK_LOW] / n->nr_cpus, 4 * batch);
		for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
			z->pcp[cpu].batch = (unsigned int)batch;
			z->pcp[cpu].high = (unsigned int)high;
		}
		/* Allocations that could have used zone j > t of the same node must leave this
		 * much of zone t (Linux's lowmem_reserve, per node). */
		unsigned long above = 0;
		unsigned int t = z->type, base = i - t;
		memset(z->lowmem_reserve, 0, sizeof(z->lowmem_reserve));
		for (unsigned int j = t + 1; j < MAX_NR_ZONES; j++) {
			above += n->zones[base + j].managed_pages;
			z->lowmem_reserve[j] = above / lowmem_reserve_ratio[t];
		}
	}
}

/* Statistics: the node's and zones' frame counts are summed here, and only here (page_alloc.c
 * and the printers call in; nothing here calls up). */

unsigned long zone_pcp_pages(const struct zone *z)
{
	unsigned long sum = 0;
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		sum += z->pcp[cpu].count;
	return sum;
}

unsigned long node_nr_free_pages(const struct mm_node *n)
{
	return node_free_pages_nid(n, -1);
}

unsigned long node_managed_pages(const struct mm_node *n, int nid)
{
	unsigned long sum = 0;
	for (unsigned int i = 0; i < n->nr_zones; i++)
		if (nid < 0 || n->zones[i].nid == nid)
			sum += n->zones[i].managed_pages;
	return sum;
}

unsigned long node_free_pages_nid(const struct mm_node *n, int nid)
{
	unsigned long sum = 0;
	for (unsigned int i = 0; i < n->nr_zones; i++)
		if (nid < 0 || n->zones[i].nid == nid)
			sum += n->zones[i].free_pages + zone_pcp_pages(&n->zones[i]);
	return sum;
}

void node_set_group_by_mobility(struct mm_node *n, bool on)
{
	n->group_by_mobility_disabled = !on;
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		n->cpu[cpu].mt_mask = on ? GFP_MOVABLE_MASK >> GFP_MOVABLE_SHIFT : 0;
}

void node_set_nr_cpus(struct mm_node *n, unsigned int nr_cpus)
{
	n->nr_cpus = MAX(MIN(nr_cpus, (unsigned int)NR_CPUS), 1u);
	node_setup_watermarks(n);
}

/* Linux's fill_contig_page_info, unusable_free_index and __fragmentation_index (mm/vmstat.c),
 * read without zone->lock (a snapshot). */
struct frag_index zone_frag_index(const struct zone *z, unsigned int order)
{
	unsigned long free_pages = 0, blocks_total = 0, blocks_suitable = 0;
	struct frag_index r;

	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++) {
		unsigned long nr = __atomic_load_n(&z->free_area[k].nr_free, __ATOMIC_RELAXED);
		blocks_total += nr;
		free_pages += nr << k;
		if (k >= order)
			blocks_suitable += nr << (k - order);
	}
	r.unusable = free_pages ? (int)((free_pages - (blocks_suitable << order)) * 1000 / free_pages)
				: 1000;
	if (!blocks_total)
		r.extfrag = 0;
	else if (blocks_suitable)
		r.extfrag = -1000;
	else
		r.extfrag = 1000 - (int)((1000 + free_pages * 1000 / (1UL << order)) / blocks_total);
	return r;
}
