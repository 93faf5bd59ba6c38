/* kernel/tour.h - the page-allocator tour that `make run` shows. */
#ifndef KERNEL_TOUR_H
#define KERNEL_TOUR_H

/* Run the tour, printing as it goes. Returns 0 when every frame came back, -1 otherwise. */
int kernel_tour(void);

#endif
