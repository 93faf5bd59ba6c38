/* mm/numa.c - a node layout from firmware affinity ranges (see mm/numa.h).
 *
 * Invariants of a layout this returns: 1 <= nr_nodes <= MAX_NUMNODES; node_end_pfn[] strictly
 * increasing and below max_pfn for every node but the last (which ends at max_pfn); every
 * node holds at least one frame of a range of its domain. */
#include "mm/numa.h"
#include "lib/kernel.h"

/* One clipped range in frames. */
struct span {
	unsigned long start, end;	/* [start, end) in frames, start < end */
	u32 domain;
};

unsigned int numa_layout(const struct numa_range *r, unsigned int n, unsigned long max_pfn,
			 struct node_layout *lay, u32 domains[MAX_NUMNODES], const char **why)
{
	struct span s[NUMA_MAX_RANGES];
	unsigned int count = 0, nodes = 0;

	*why = NULL;
	lay->nr_nodes = 1;
	domains[0] = 0;
	if (n > NUMA_MAX_RANGES) {
		*why = "more memory affinity ranges than NUMA_MAX_RANGES";
		return 1;
	}
	for (unsigned int i = 0; i < n; i++) {
		u64 end = r[i].base + r[i].length;
		if (end < r[i].base)			/* wraps past 2^64 */
			end = ~0ULL;
		unsigned long first = (unsigned long)((r[i].base + PAGE_SIZE - 1) >> PAGE_SHIFT);
		unsigned long last = (unsigned long)MIN(end >> PAGE_SHIFT, (u64)max_pfn);
		if (r[i].base > end - 1 || first >= last)
			continue;			/* empty, or entirely beyond RAM */
		/* insertion sort by start */
		unsigned int k = count++;
		while (k > 0 && s[k - 1].start > first) {
			s[k] = s[k - 1];
			k--;
		}
		s[k] = (struct span){ first, last, r[i].domain };
	}
	for (unsigned int i = 0; i < count; i++) {
		for (unsigned int j = 0; j < i; j++)
			if (s[i].start < s[j].end && s[i].domain != s[j].domain) {
				*why = "memory ranges of two proximity domains overlap";
				goto one;
			}
		if (nodes > 0 && s[i].domain == domains[nodes - 1])
			continue;
		for (unsigned int j = 0; j < nodes; j++)
			if (domains[j] == s[i].domain) {
				*why = "the memory of a proximity domain is interleaved with another's";
				goto one;
			}
		if (nodes == MAX_NUMNODES) {
			*why = "more proximity domains with memory than MAX_NUMNODES";
			goto one;
		}
		if (nodes > 0)
			lay->node_end_pfn[nodes - 1] = s[i].start;
		domains[nodes++] = s[i].domain;
	}
	if (nodes <= 1)
		goto one;
	lay->node_end_pfn[nodes - 1] = max_pfn;
	lay->nr_nodes = nodes;
	return nodes;
one:
	domains[0] = count ? s[0].domain : 0;
	lay->nr_nodes = 1;
	return 1;
}

unsigned int numa_boot_layout(const struct numa_range *r, unsigned int n, struct node_layout *lay,
			      u32 domains[MAX_NUMNODES],
			      unsigned int (*distance)(void *arg, u32 from, u32 to), void *arg)
{
	const char *why;
	unsigned int nodes = numa_layout(r, n, lay->max_pfn, lay, domains, &why);

	if (why)
		printk(KERN_WARNING "NUMA: SRAT not used (%s): one node\n", why);
	for (unsigned int i = 0; i < nodes; i++)
		for (unsigned int j = 0; j < nodes; j++) {
			unsigned int d = distance ? distance(arg, domains[i], domains[j]) : 0;
			/* a SLIT must say 10 for itself and more for others; else the defaults */
			if (i == j ? d != NODE_DISTANCE_LOCAL : d <= NODE_DISTANCE_LOCAL || d > 254)
				d = i == j ? NODE_DISTANCE_LOCAL : NODE_DISTANCE_REMOTE;
			lay->distance[i][j] = (u8)d;
		}
	return nodes;
}
