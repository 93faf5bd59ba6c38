/* kernel/pagemap.h - print the state of every physical frame as run-length lines
 * (CMDLINE=pagemap; tools/pagemap.py draws them). Line format in kernel/pagemap.c. */
#ifndef KERNEL_PAGEMAP_H
#define KERNEL_PAGEMAP_H

#include "lib/types.h"

/* Frames in each state, as counted by the last pagemap_print(). */
struct pagemap_counts {
	unsigned long runs, hole, reserved, free, pcp, slab, large, pages, unknown;
};

/* Print every frame of contig_node, between "PAGEMAP begin <label>" and "PAGEMAP end <label>"
 * lines (label: one word). Fills *counts when counts is not NULL. */
void pagemap_print(const char *label, struct pagemap_counts *counts);

#endif
