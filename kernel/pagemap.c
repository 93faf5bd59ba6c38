/* kernel/pagemap.c - the frame map: every frame of contig_node classified from its struct page
 * and printed as run-length lines, one per stretch of consecutive frames in the same state.
 *
 * Line format (fields separated by one space; numbers in hex always carry "0x", even 0x0):
 *   PAGEMAP begin <label> max_pfn=<hex> page_size=4096
 *   PAGEMAP zone <name> <start_pfn hex> <end_pfn hex>      one per zone with a non-empty span
 *   PAGEMAP <start_pfn hex> <frames decimal> <state> [<arg>]
 *   PAGEMAP pageblock <start_pfn hex> <pageblocks decimal> <migratetype>   after the runs:
 *                    consecutive pageblocks (of frames with descriptors) of one type
 *   PAGEMAP end <label> runs=<n> hole=<n> reserved=<n> free=<n> pcp=<n> slab=<n> large=<n>
 *               pages=<n> unknown=<n>                        (one line; frames in each state)
 * The runs cover [0, max_pfn) in order, without gaps. States and their argument:
 *   hole             no descriptor: a 128 MiB section without RAM
 *   reserved         kept from the buddy: firmware holes, kernel, boot data, memmap, modules
 *   free <order>     in free blocks of that order on the buddy free lists
 *   pcp <order>      in free blocks of that order on a per-CPU list (free, not in the buddy)
 *   slab <cache>     in slabs of that cache
 *   large            large kmalloc objects (whole pages)
 *   pages            blocks from alloc_pages() (anyone's)
 *   unknown          a descriptor in none of these states (an allocator bug)
 * Consecutive free blocks of one order, and consecutive slabs of one cache, make one run.
 * A frame is classified from its descriptor alone: PG_reserved, PG_buddy (head of a free
 * block), PG_slab / PG_head (head of a slab / large kmalloc object), PG_tail (points at its
 * head), refcount > 0 (head of an allocated block); a head with none of these is a free block
 * on a per-CPU list (the tails of every block are skipped with their head). */
#include "kernel/pagemap.h"
#include "lib/kernel.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm/zone.h"

enum pm_state {
	PM_HOLE, PM_RESERVED, PM_FREE, PM_PCP, PM_SLAB, PM_LARGE, PM_PAGES, PM_UNKNOWN, PM_NR
};

static const char *const pm_names[PM_NR] = {
	"hole", "reserved", "free", "pcp", "slab", "large", "pages", "unknown"
};

/* A run being built: frames [start, start + count) in state with argument arg. */
struct pm_run {
	unsigned long start, count, arg;
	enum pm_state state;
};

/* State and argument of the unit (block, slab, object) that frame pfn starts; returns the
 * number of frames of that unit from pfn on (1 for a lone frame). */
static unsigned long classify(const struct mm_node *n, unsigned long pfn, enum pm_state *state,
			      unsigned long *arg)
{
	*arg = 0;
	if (!node_pfn_valid(n, pfn)) {
		*state = PM_HOLE;
		return PAGES_PER_SECTION - (pfn & (PAGES_PER_SECTION - 1));
	}
	const struct page *p = &n->vmemmap[pfn];
	if (PageReserved(p)) {
		*state = PM_RESERVED;
		return 1;
	}
	if (PageBuddy(p)) {
		*state = PM_FREE;
		*arg = p->order;
		return 1UL << p->order;
	}
	if (PageSlab(p)) {
		*state = PM_SLAB;
		*arg = p->private;
		return 1UL << ((const struct kmem_cache *)p->private)->order;
	}
	if (p->flags & PG_head) {
		*state = PM_LARGE;
		return ALIGN_UP(p->private, PAGE_SIZE) >> PAGE_SHIFT;
	}
	if (p->flags & PG_tail) {
		const struct page *head = (const struct page *)p->private;
		*state = head && PageSlab(head) ? PM_SLAB : PM_LARGE;
		*arg = *state == PM_SLAB ? head->private : 0;
		return 1;
	}
	if (p->order > MAX_PAGE_ORDER || p->refcount < 0) {
		*state = PM_UNKNOWN;
		return 1;
	}
	*state = p->refcount > 0 ? PM_PAGES : PM_PCP;
	*arg = *state == PM_PCP ? p->order : 0;
	return 1UL << p->order;
}

/* Print one run and count its frames. */
static void emit(const struct pm_run *r, unsigned long *frames)
{
	if (r->state == PM_FREE || r->state == PM_PCP)
		printk(KERN_INFO "PAGEMAP 0x%lx %lu %s %lu\n", r->start, r->count, pm_names[r->state],
		       r->arg);
	else if (r->state == PM_SLAB)
		printk(KERN_INFO "PAGEMAP 0x%lx %lu slab %s\n", r->start, r->count,
		       ((const struct kmem_cache *)r->arg)->name);
	else
		printk(KERN_INFO "PAGEMAP 0x%lx %lu %s\n", r->start, r->count, pm_names[r->state]);
	frames[r->state] += r->count;
	frames[PM_NR]++;
}

/* The begin line and one line per zone with a span. */
static void print_header(const struct mm_node *n, const char *label)
{
	printk(KERN_INFO "PAGEMAP begin %s max_pfn=0x%lx page_size=%lu\n", label, n->max_pfn,
	       PAGE_SIZE);
	for (unsigned int i = 0; i < n->nr_zones; i++) {
		const struct zone *z = &n->zones[i];
		if (z->end_pfn > z->start_pfn)
			printk(KERN_INFO "PAGEMAP zone %s 0x%lx 0x%lx\n", z->name, z->start_pfn,
			       z->end_pfn);
	}
}

/* The pageblocks' migratetypes, run-length (Unmovable, Movable, Reclaimable). */
static void print_pageblocks(const struct mm_node *n)
{
	unsigned long start = 0, count = 0;
	unsigned int type = 0;

	for (unsigned long pfn = 0; pfn < n->max_pfn; pfn += pageblock_nr_pages) {
		bool valid = node_pfn_valid(n, pfn);
		unsigned int t = valid ? node_pageblock_migratetype(n, pfn) : 0;
		if (count && (!valid || t != type)) {
			printk(KERN_INFO "PAGEMAP pageblock 0x%lx %lu %s\n", start, count,
			       migratetype_names[type]);
			count = 0;
		}
		if (!valid)
			continue;
		if (!count) {
			start = pfn;
			type = t;
		}
		count++;
	}
	if (count)
		printk(KERN_INFO "PAGEMAP pageblock 0x%lx %lu %s\n", start, count, migratetype_names[type]);
}

void pagemap_print(const char *label, struct pagemap_counts *counts)
{
	const struct mm_node *n = &contig_node;
	unsigned long frames[PM_NR + 1] = { 0 };	/* per state, then the number of runs */
	struct pm_run run = { 0 };

	print_header(n, label);
	for (unsigned long pfn = 0; pfn < n->max_pfn;) {
		enum pm_state state;
		unsigned long arg, span = classify(n, pfn, &state, &arg);
		span = MIN(MAX(span, 1UL), n->max_pfn - pfn);
		if (run.count && (run.state != state || run.arg != arg)) {
			emit(&run, frames);
			run.count = 0;
		}
		if (!run.count)
			run = (struct pm_run){ .start = pfn, .state = state, .arg = arg };
		run.count += span;
		pfn += span;
	}
	if (run.count)
		emit(&run, frames);
	if (n->pageblock_flags)
		print_pageblocks(n);
	printk(KERN_INFO "PAGEMAP end %s runs=%lu hole=%lu reserved=%lu free=%lu pcp=%lu slab=%lu "
	       "large=%lu pages=%lu unknown=%lu\n", label, frames[PM_NR], frames[PM_HOLE],
	       frames[PM_RESERVED], frames[PM_FREE], frames[PM_PCP], frames[PM_SLAB],
	       frames[PM_LARGE], frames[PM_PAGES], frames[PM_UNKNOWN]);
	if (counts)
		*counts = (struct pagemap_counts){ frames[PM_NR], frames[PM_HOLE],
			frames[PM_RESERVED], frames[PM_FREE], frames[PM_PCP], frames[PM_SLAB],
			frames[PM_LARGE], frames[PM_PAGES], frames[PM_UNKNOWN] };
}
