/* mm/mm_check.c - the heavy invariant checker for the buddy allocator (see mm/buddy.c's list).
 * Read-only and allocation-free, so it may run from a test, a debugger or a panic. It takes no
 * lock (a panic may come with one held): its verdict is exact only while no other CPU allocates
 * from the node. Layers: reads the zones' structures; calls nothing of mm/. */
#include "mm/internal.h"

#define CHECK(cond, ...) do { if (!(cond)) { problems++; \
	printk(KERN_ERR "mm_check: " __VA_ARGS__); } } while (0)

/* One block on a free list of order k. */
static int check_free_block(const struct zone *z, const struct page *p, unsigned long pfn,
			    unsigned int k, const struct list_head *pos)
{
	int problems = 0;

	CHECK(pfn >= z->start_pfn && pfn + (1UL << k) <= z->end_pfn,
	      "zone %s order %u: block pfn %#lx outside the zone\n", z->name, k, pfn);
	CHECK(!(pfn & ((1UL << k) - 1)),
	      "zone %s order %u: block pfn %#lx misaligned\n", z->name, k, pfn);
	CHECK(PageBuddy(p) && p->order == k && !PageReserved(p) && p->refcount == 0,
	      "zone %s order %u: pfn %#lx flags %#x order %u refcount %d\n",
	      z->name, k, pfn, p->flags, p->order, p->refcount);
	CHECK(pos->next->prev == pos, "zone %s order %u: broken link at pfn %#lx\n",
	      z->name, k, pfn);
	return problems;
}

/* Walk the free lists of z: alignment, flags, order, span, counts. */
static int check_free_lists(const struct zone *z, unsigned long *heads)
{
	const struct mm_node *n = z->node;
	unsigned long free = 0;
	int problems = 0;

	for (unsigned int k = 0; k < NR_PAGE_ORDERS; k++) {
		unsigned long count = 0, limit = z->end_pfn - z->start_pfn + 1;
		for (unsigned int t = 0; t < MIGRATE_TYPES; t++) {
			const struct list_head *head = &z->free_area[k].free_list[t], *pos;
			for (pos = head->next; pos != head && count <= limit; pos = pos->next) {
				const struct page *p = list_entry(pos, struct page, lru);
				unsigned long pfn = node_page_to_pfn(n, p);
				count++;
				problems += check_free_block(z, p, pfn, k, pos);
			}
		}
		CHECK(count == z->free_area[k].nr_free, "zone %s order %u: %lu blocks listed, "
		      "nr_free says %lu\n", z->name, k, count, z->free_area[k].nr_free);
		free += count << k;
		*heads += count;
	}
	CHECK(free == z->free_pages, "zone %s: %lu frames on the lists, free_pages says %lu\n",
	      z->name, free, z->free_pages);
	return problems;
}

/* Walk every descriptor of z: PG_buddy heads match the lists, no free block hides a head,
 * no unmerged free buddies. */
static int check_descriptors(const struct zone *z, unsigned long heads)
{
	const struct mm_node *n = z->node;
	unsigned long seen = 0, managed = 0;
	int problems = 0;

	for (unsigned long pfn = z->start_pfn; pfn < z->end_pfn; pfn++) {
		if (!node_pfn_valid(n, pfn)) {
			pfn |= PAGES_PER_SECTION - 1;
			continue;
		}
		const struct page *p = node_pfn_to_page_raw(n, pfn);
		CHECK(p->zone == z - n->zones, "pfn %#lx: zone %u in zone %s\n", pfn, p->zone, z->name);
		if (!PageReserved(p))
			managed++;
		if (!PageBuddy(p))
			continue;
		seen++;
		unsigned long size = 1UL << p->order;
		for (unsigned long i = 1; i < size && pfn + i < z->end_pfn; i++)
			CHECK(!PageBuddy(p + i) && !PageReserved(p + i) && p[i].refcount == 0,
			      "pfn %#lx: inside the free order-%u block at %#lx\n", pfn + i, p->order, pfn);
		unsigned long buddy = pfn ^ size;
		if (p->order < MAX_PAGE_ORDER && buddy >= z->start_pfn && buddy < z->end_pfn &&
		    node_pfn_valid(n, buddy)) {
			const struct page *b = node_pfn_to_page_raw(n, buddy);
			CHECK(!(PageBuddy(b) && b->order == p->order),
			      "pfn %#lx and %#lx: free buddies of order %u not merged\n", pfn, buddy, p->order);
		}
	}
	CHECK(seen == heads, "zone %s: %lu PG_buddy heads, %lu listed\n", z->name, seen, heads);
	CHECK(managed == z->managed_pages, "zone %s: %lu unreserved frames, managed_pages %lu\n",
	      z->name, managed, z->managed_pages);
	return problems;
}

/* Walk the per-CPU lists of z: frames of the zone, not on a buddy list, counts right. */
static int check_pcp(const struct zone *z)
{
	const struct mm_node *n = z->node;
	int problems = 0;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct per_cpu_pages *pcp = &z->pcp[cpu];
		unsigned long frames = 0, limit = z->end_pfn - z->start_pfn + 1;
		for (unsigned int i = 0; i < NR_PCP_LISTS; i++) {
			unsigned int k = i / NR_PCP_TYPES;
			const struct list_head *head = &pcp->lists[i], *pos;
			unsigned long count = 0;
			for (pos = head->next; pos != head && count <= limit; pos = pos->next, count++) {
				const struct page *p = list_entry(pos, struct page, lru);
				unsigned long pfn = node_page_to_pfn(n, p);
				CHECK(pfn >= z->start_pfn && pfn + (1UL << k) <= z->end_pfn &&
				      !(pfn & ((1UL << k) - 1)) && p->order == k && p->refcount == 0 &&
				      !(p->flags & PG_ANY_OWNER_FLAGS) &&
				      (p->flags & PG_MT_MASK) >> PG_MT_SHIFT == i % NR_PCP_TYPES,
				      "zone %s cpu %u pcp order %u: pfn %#lx flags %#x order %u refcount %d\n",
				      z->name, cpu, k, pfn, p->flags, p->order, p->refcount);
			}
			frames += count << k;
		}
		CHECK(frames == pcp->count, "zone %s cpu %u: %lu frames on pcp lists, count says %u\n",
		      z->name, cpu, frames, pcp->count);
	}
	return problems;
}

int node_check(const struct mm_node *n, bool full)
{
	int problems = 0;

	for (unsigned int i = 0; i < n->nr_zones; i++) {
		const struct zone *z = &n->zones[i];
		unsigned long heads = 0;
		problems += check_free_lists(z, &heads);
		problems += check_pcp(z);
		if (full)
			problems += check_descriptors(z, heads);
	}
	return problems;
}
