/* kernel/tour.h - the page-allocator tour that `make run` shows. */
#ifndef KERNEL_TOUR_H
#define KERNEL_TOUR_H

/* Run the tour, printing as it goes. Returns 0 when every frame came back, -1 otherwise. */
int kernel_tour(void);

/* The slab tour: a cache of our own, the kmalloc wastage table, slabinfo. 0 when every page
 * came back after shrinking the caches, -1 otherwise. */
int kernel_slab_tour(void);

#endif
