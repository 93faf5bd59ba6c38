/* mm/zone.h - nodes and zones: the frames of a machine split by physical address into
 * NUMA nodes (contiguous ranges, from the firmware's SRAT; one node without it), and each
 * node's frames into DMA [0, 16 MiB), DMA32 [16 MiB, 4 GiB) and Normal [4 GiB, end), each
 * zone with its own buddy allocator, free lists, per-CPU lists and watermarks.
 * struct mm_node is the instance: all of a machine's memory, its NUMA nodes included. The
 * kernel has one (contig_node); a test can build a private one over any buffer. A CPU
 * allocates from its own node first and falls back to the others by distance (zonelists). */
#ifndef MM_ZONE_H
#define MM_ZONE_H

#include "lib/types.h"
#include "lib/list.h"
#include "mm/page.h"
#include "mm/gfp.h"
#include "lib/spinlock.h"
#include "lib/percpu.h"

enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, MAX_NR_ZONES };

#define MAX_NUMNODES 4			/* NUMA nodes an mm_node can hold */
#define MAX_ZONES (MAX_NUMNODES * MAX_NR_ZONES)	/* zone t of node i is zones[i * 3 + t] */
#define NODE_DISTANCE_LOCAL  10		/* SLIT's values */
#define NODE_DISTANCE_REMOTE 20
enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

/* Frames per sparse section (128 MiB): the vmemmap is populated, and pfn_valid answered,
 * one section at a time, as in Linux's SPARSEMEM_VMEMMAP. */
#define SECTION_SHIFT (27 - PAGE_SHIFT)
#define PAGES_PER_SECTION (1UL << SECTION_SHIFT)

/* Mobility grouping (Linux's, 6.1): memory is split into pageblocks of 2^pageblock_order
 * frames, each with a migratetype kept in 4 bits of the node's pageblock bitmap; a free block
 * sits on the list of its pageblock's type, and a request takes from its own type's lists
 * first, then falls back (stealing whole pageblocks when it can: mm/buddy.c). */
enum migratetype {
	MIGRATE_UNMOVABLE,	/* kernel memory: GFP_KERNEL, slab */
	MIGRATE_MOVABLE,	/* __GFP_MOVABLE: its owner can move it (compaction) */
	MIGRATE_RECLAIMABLE,	/* __GFP_RECLAIMABLE: SLAB_RECLAIM_ACCOUNT caches */
	MIGRATE_TYPES,
	MIGRATE_PCPTYPES = MIGRATE_TYPES,	/* types with per-CPU lists */
};
#define pageblock_order    9			/* 2 MiB, as on x86-64 */
#define pageblock_nr_pages (1UL << pageblock_order)
#define PB_BITS            4			/* bits per pageblock in the bitmap */
#define PB_MIGRATE_MASK    7			/* of which the migratetype */
#define PB_PER_WORD        (64 / PB_BITS)

extern const char *const migratetype_names[MIGRATE_TYPES];

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;		/* blocks on the free_lists, every type */
};

/* Orders 0..3 (up to PAGE_ALLOC_COSTLY_ORDER) are cached per CPU, as in Linux: an allocation
 * pops a block from the CPU's list, a free pushes it back, and the zone's buddy lists are only
 * touched batch frames at a time (refill when empty, drain above high). */
#define NR_PCP_ORDERS 4
/* A CPU's list of order k for migratetype t is lists[k * NR_PCP_TYPES + t]: four slots per
 * order, so that the index is (order << 2) | type; the fourth (both __GFP_MOVABLE and
 * __GFP_RECLAIMABLE, an invalid request) stays empty and sends it to the slow path. */
#define NR_PCP_TYPES 4
#define NR_PCP_LISTS (NR_PCP_ORDERS * NR_PCP_TYPES)

/* Its CPU takes the lock around every use (uncontended: one locked add); another CPU takes it
 * only to drain the lists when memory is short (Linux 6.1's pcp->lock). Six cache lines
 * (a multiple of two, so that CPUs never share a pair). */
struct per_cpu_pages {
	spinlock_t lock;
	unsigned int count;		/* frames on the lists */
	unsigned int high;		/* drain batch frames when count goes above */
	unsigned int batch;
	unsigned int low;		/* lowest count since the last refill: frames that sat
					 * unused all along (mm/page_alloc.c, "Trimming") */
	struct list_head lists[NR_PCP_LISTS];
} __attribute__((aligned(2 * PERCPU_LINE)));
#define PCP_LINES (sizeof(struct per_cpu_pages) / PERCPU_LINE)

/* One zone. zone->lock protects the buddy: free_area, free_pages and the PG_buddy/order of
 * every free block. Lock order: pcp->lock -> zone->lock (a CPU list refills and drains under
 * both). The other fields are set up at boot and only read afterwards. */
struct zone {
	const char *name;
	struct mm_node *node;
	int nid;				/* NUMA node */
	enum zone_type type;
	unsigned long start_pfn, end_pfn;	/* span [start, end); empty when equal */
	unsigned long present_pages;		/* RAM frames in the span */
	unsigned long managed_pages;		/* frames handed to the buddy allocator */
	spinlock_t lock;
	unsigned long free_pages;		/* frames on the buddy free lists (not the pcp lists) */
	unsigned long watermark[NR_WMARK];
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	struct free_area free_area[NR_PAGE_ORDERS];
	/* Direct compaction's deferral after a failure (Linux's compact_considered,
	 * compact_defer_shift, compact_order_failed; page_alloc.c): unlocked hints. */
	unsigned int compact_considered, compact_defer_shift, compact_order_failed;
	struct per_cpu_pages pcp[NR_CPUS];
};

/* Per CPU: where it allocates (one cache line each). */
struct mm_cpu_zones {
	struct zone *first;		/* its zonelist's head: the page fast path's zone */
	struct zone *const *zonelist;	/* its node's zonelist */
	int nid;			/* its node */
	u32 page_poison;		/* the node checks page poison: no allocation fast path
					 * (a word, to be or-ed with the fast path's other tests) */
	u32 mt_mask;			/* gfp's migratetype bits kept: 3, or 0 when the node
					 * does not group by mobility (all unmovable) */
} __attribute__((aligned(PERCPU_LINE)));

/* What freeing does to a node's frames (Linux's init_on_free=1 and page_poison=1). */
enum page_free_mode {
	PAGE_FREE_KEEP,		/* freed frames keep their contents (the default) */
	PAGE_FREE_ZERO,		/* init_on_free: freed frames are zeroed, never checked */
	PAGE_FREE_POISON,	/* page_poison: freed frames are filled with PAGE_POISON and
				 * checked when allocated again; writes after free are reported */
};
#define PAGE_POISON 0xaa	/* Linux's pattern */

/* What the last page_poison report of a node found (for tests and debuggers). */
struct page_poison_report {
	unsigned long pfn;		/* the first frame written after its free */
	unsigned long offset;		/* the first bad byte in it */
	u8 found;			/* that byte */
	unsigned long frames;		/* frames of the block found written */
	unsigned long alloc_caller;	/* the last owner: who allocated the frame (0: unknown) */
	unsigned long free_caller;	/* and who freed it */
	unsigned long caller;		/* the allocation that found it */
};

struct mm_node {
	unsigned int nr_nodes;		/* NUMA nodes, >= 1 */
	unsigned int nr_zones;		/* nr_nodes * MAX_NR_ZONES: zones[] entries in use */
	struct zone zones[MAX_ZONES];	/* page->zone indexes this */
	unsigned long node_start_pfn[MAX_NUMNODES], node_end_pfn[MAX_NUMNODES];
	u8 distance[MAX_NUMNODES][MAX_NUMNODES];	/* SLIT-style, 10 = local */
	/* Per node: its populated zones in fallback order, NULL-terminated: nodes by distance
	 * (itself first), each node's zones Normal down to DMA (Linux's node-ordered zonelist). */
	struct zone *zonelist[MAX_NUMNODES][MAX_ZONES + 1];
	struct mm_cpu_zones cpu[NR_CPUS];
	struct page *vmemmap;		/* descriptor of pfn p is vmemmap[p] (sparse) */
	uintptr_t virt_base;		/* virtual address of physical address 0 */
	unsigned long max_pfn;		/* one past the highest frame with a descriptor */
	const u64 *sections;		/* bitmap: section s has descriptors */
	unsigned int nr_cpus;		/* CPUs that allocate (pcp high is shared among them) */
	u8 free_mode;			/* enum page_free_mode: beside vmemmap, which the free
					 * fast path reads anyway */
	unsigned long nr_bad;		/* misuse reports (bad free, bad pointer, page poison) */
	unsigned long nr_alloc_fail;	/* failed allocations */
	unsigned long nr_drain_ipi;	/* CPU lists drained by their own CPU in an IPI
					 * (drain_all_pages) */
	u32 might_alloc_warned;		/* a sleeping allocation in interrupt context was reported */
	u32 draining;			/* a drain_all_pages() of this node is running */
	/* page_poison (mm/page_poison.c): per present section, each frame's last allocating
	 * caller (NULL: not tracked); reports made, and what the last one found. */
	unsigned long **page_owner;
	unsigned long nr_poison_bad;
	struct page_poison_report poison_last;
	/* Mobility grouping: PB_BITS per pageblock of [0, max_pfn) (NULL on a node without
	 * descriptors); every pageblock starts movable, as in Linux. */
	u64 *pageblock_flags;
	bool group_by_mobility_disabled;	/* Linux's page_group_by_mobility_disabled */
	/* Movable blocks (mm/compaction.c): their PG_movable, PG_isolated and mops change under
	 * movable_lock; compaction's counters. */
	spinlock_t movable_lock;
	unsigned long compact_stall, compact_success, compact_fail;
	unsigned long compact_migrated, compact_migrate_failed;
};

/* The migratetype of the pageblock holding pfn (n must have a pageblock bitmap). */
static inline unsigned int node_pageblock_migratetype(const struct mm_node *n, unsigned long pfn)
{
	unsigned long b = pfn >> pageblock_order;
	u64 w = __atomic_load_n(&n->pageblock_flags[b / PB_PER_WORD], __ATOMIC_RELAXED);
	return (unsigned int)(w >> (b % PB_PER_WORD * PB_BITS)) & PB_MIGRATE_MASK;
}
/* Words of the pageblock bitmap for frames [0, max_pfn). */
static inline size_t pageblock_bitmap_words(unsigned long max_pfn)
{
	unsigned long nb = (max_pfn + pageblock_nr_pages - 1) >> pageblock_order;
	return (nb + PB_PER_WORD - 1) / PB_PER_WORD;
}

/* Zone limits in frames (exclusive ends). The kernel uses the real ones below; a test may
 * scale them down to get all three zones in a small buffer. */
#define DMA_END_PFN   (16UL << (20 - PAGE_SHIFT))
#define DMA32_END_PFN (4UL << (30 - PAGE_SHIFT))

struct node_layout {
	struct page *vmemmap;		/* descriptors for every pfn of every present section */
	uintptr_t virt_base;
	unsigned long max_pfn;
	const u64 *sections;		/* at least section_bitmap_words(max_pfn) words */
	u64 *pageblock_flags;		/* pageblock_bitmap_words(max_pfn) words, or NULL for a
					 * node without descriptors */
	unsigned long zone_end_pfn[MAX_NR_ZONES];	/* DMA end, DMA32 end, Normal end (= ~0) */
	/* NUMA: node i spans [node_end_pfn[i - 1], node_end_pfn[i]) (node 0 from 0; the last
	 * one to max_pfn, whatever its entry says). nr_nodes 0 means one node. distance[i][j]
	 * 0 means the default (10 on the diagonal, 20 elsewhere). */
	unsigned int nr_nodes;
	unsigned long node_end_pfn[MAX_NUMNODES];
	u8 distance[MAX_NUMNODES][MAX_NUMNODES];
};

struct memblock;

/* Words of the section bitmap needed for frames [0, max_pfn). */
static inline size_t section_bitmap_words(unsigned long max_pfn)
{
	unsigned long nsec = (max_pfn + PAGES_PER_SECTION - 1) >> SECTION_SHIFT;
	return (nsec + 63) / 64;
}

/* Set the bits of every section holding usable RAM of mb below max_pfn. */
void node_mark_sections(const struct memblock *mb, unsigned long max_pfn, u64 *sections);

/* Does pfn have a descriptor in n? */
static inline bool node_pfn_valid(const struct mm_node *n, unsigned long pfn)
{
	unsigned long s = pfn >> SECTION_SHIFT;
	return pfn < n->max_pfn && ((n->sections[s / 64] >> (s % 64)) & 1);
}

/* The frame number of a descriptor of n. */
static inline unsigned long node_page_to_pfn(const struct mm_node *n, const struct page *p)
{
	return (unsigned long)(p - n->vmemmap);
}

/* Set up n's zones from the layout and mb's memory: spans, present pages, and every descriptor
 * of every present section written once: free for mb's free ranges (memory minus reserved),
 * reserved for everything else. The free lists stay empty until node_free_memblock(). */
void node_init(struct mm_node *n, const struct node_layout *lay, const struct memblock *mb);

/* Hand every free range of mb (memory minus reserved) to the buddy allocators, then compute
 * watermarks. Returns the number of frames freed. mb must not be used for allocation after. */
unsigned long node_free_memblock(struct mm_node *n, const struct memblock *mb);
/* node_free_memblock() on a node without descriptors (node_init with no section present):
 * the same blocks counted into managed_pages, free_pages and free_area[].nr_free, nothing
 * written or listed (mb2dump's view of a boot). Returns the number of frames counted. */
unsigned long node_count_free_memblock(struct mm_node *n, const struct memblock *mb);

/* Recompute watermarks and lowmem reserves from managed_pages (Linux's formulas). */
void node_setup_watermarks(struct mm_node *n);
/* nr_cpus CPUs (ids below NR_CPUS) allocate from n from now on: the per-CPU list limits are
 * recomputed for them (Linux shares the low watermark among the online CPUs). */
void node_set_nr_cpus(struct mm_node *n, unsigned int nr_cpus);

/* Group by mobility (the default) or not (Linux's page_group_by_mobility_disabled: every
 * request unmovable, every fallback steals its pageblock). Call it while no CPU allocates. */
void node_set_group_by_mobility(struct mm_node *n, bool on);

/* Give the frames [pfn, pfn + count) of n (reserved, inside one zone) to its buddy allocator. */
void node_release_range(struct mm_node *n, unsigned long pfn, unsigned long count);

/* Give every frame on the per-CPU lists of n back to the buddy allocators (Linux's
 * drain_all_pages). */
void node_drain_pages(struct mm_node *n);
/* Frames on the per-CPU lists of zone z. */
unsigned long zone_pcp_pages(const struct zone *z);

/* Make CPU cpu allocate from node nid first (a node without memory allocates from the nearest
 * one). Every CPU starts on node 0. Returns -1 for a bad cpu or nid. */
int node_set_cpu_node(struct mm_node *n, unsigned int cpu, int nid);
/* Node of the calling CPU. */
int numa_node_id(const struct mm_node *n);
/* Node of pfn (which must be below max_pfn). */
int node_pfn_nid(const struct mm_node *n, unsigned long pfn);
/* Frames managed by, and free in, node nid (nid < 0: all nodes). */
unsigned long node_managed_pages(const struct mm_node *n, int nid);
unsigned long node_free_pages_nid(const struct mm_node *n, int nid);

/* The printers (mm/show.c). */
/* Print one /proc/buddyinfo line per populated zone: "Node 0, zone      DMA      1 ...". */
void node_print_buddyinfo(const struct mm_node *n);
/* Print "MemTotal:" and "MemFree:" in /proc/meminfo format, and with several nodes each
 * node's ("Node 1 MemTotal: ...", as /sys/devices/system/node/node1/meminfo). */
void node_print_meminfo(const struct mm_node *n);
/* Print each node's span ("NUMA: node 1 [mem ...]") and distances (with several nodes). */
void node_print_numa(const struct mm_node *n);
/* Print Linux's "Zone ranges:" block. */
void node_print_zone_ranges(const struct mm_node *n);
/* Print one summary line per zone: span, present, managed, free, watermarks. */
void node_print_zones(const struct mm_node *n);

/* (mm/page_free_mode.c) Set what freeing does to n's frames from now on (see enum
 * page_free_mode); frames already free are left as they are (so never checked). Turning
 * PAGE_FREE_POISON on takes n's owner table from n itself; turning it off gives the table back and forgets every frame's poison.
 * Call it while no other CPU allocates from n. Returns 0; -1 for an unknown mode (nothing
 * changes), or when the owner table could not be had (poisoning is on all the same, its reports
 * name no allocating caller). */
int node_set_page_free_mode(struct mm_node *n, enum page_free_mode mode);

/* The command line's requests (page_poison=, init_on_free=), applied to a node by
 * mem_auto_init(), which prints Linux's "mem auto-init:" line when one is on. */
extern bool page_poison_param, init_on_free_param;
void mem_auto_init(struct mm_node *n);

/* Walk every free list (and with full=true every descriptor) of every zone of n and report each
 * broken invariant in one line. Returns the number of problems. Safe to call from a panic. */
int node_check(const struct mm_node *n, bool full);

#endif
