/* mm/numa.h - NUMA nodes from firmware affinity ranges (ACPI SRAT memory affinity).
 * The ranges are untrusted input: anything that cannot be a partition of memory into at most
 * MAX_NUMNODES contiguous nodes gives one node and a one-line reason, never a broken layout. */
#ifndef MM_NUMA_H
#define MM_NUMA_H

#include "lib/types.h"
#include "mm/zone.h"

struct numa_range {
	u64 base, length;
	u32 domain;		/* proximity domain */
};

#define NUMA_MAX_RANGES 128	/* ranges looked at; more make the layout one node */

/* Fill lay->nr_nodes and lay->node_end_pfn from n ranges over frames [0, max_pfn): a node per
 * proximity domain that has memory below max_pfn, numbered in address order (the node of the
 * lowest memory is 0), node i spanning from its first range to the next node's first range
 * (holes go to the node below them). domains[i] receives node i's domain. Returns the number
 * of nodes; 1 with *why set when the ranges are unusable (interleaved or overlapping domains,
 * more than MAX_NUMNODES domains or NUMA_MAX_RANGES ranges), 1 with *why NULL when they
 * simply describe one node. Distances are left to the caller. */
unsigned int numa_layout(const struct numa_range *r, unsigned int n, unsigned long max_pfn,
			 struct node_layout *lay, u32 domains[MAX_NUMNODES], const char **why);

/* The boot's node layout over frames [0, lay->max_pfn): numa_layout() over the firmware's n
 * ranges, one line "NUMA: SRAT not used (<why>): one node" when they cannot be used, and
 * lay->distance[i][j] from distance(arg, domains[i], domains[j]) (the SLIT; NULL: none), each
 * checked: 10 from a node to itself, 11..254 to another, else the default (10, 20). The same
 * code for the kernel (kernel/setup.c, from ACPI) and mb2dump (--numa). Returns the node count. */
unsigned int numa_boot_layout(const struct numa_range *r, unsigned int n, struct node_layout *lay,
			      u32 domains[MAX_NUMNODES],
			      unsigned int (*distance)(void *arg, u32 from, u32 to), void *arg);

#endif
