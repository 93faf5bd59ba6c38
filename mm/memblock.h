/* mm/memblock.h - the boot allocator: physical ranges of memory and reservations, used before
 * the buddy allocator exists (page tables, the frame descriptor array) and then retired. */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H

#include "lib/types.h"

#define MEMBLOCK_MAX_REGIONS 1024

struct memblock_region {
	phys_addr_t base;
	phys_addr_t end;	/* exclusive */
};

/* A sorted array of disjoint, non-touching regions. */
struct memblock_type {
	int count;
	int dropped;		/* regions lost (or cut short) because the array was full */
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

struct memblock {
	struct memblock_type memory;	/* usable RAM, page aligned */
	struct memblock_type reserved;	/* taken: kernel, boot data, allocations */
	phys_addr_t alloc_limit;	/* allocations stay below this (0 = no limit) */
	phys_addr_t allocated;		/* bytes handed out by memblock_alloc, for the boot report */
};

/* Start empty. */
void memblock_init(struct memblock *mb);
/* Add usable RAM [base, base+size), shrunk inward to page boundaries. Returns 0 or -1 (full). */
int memblock_add(struct memblock *mb, phys_addr_t base, phys_addr_t size);
/* Remove [base, base+size) from usable RAM (page-expanded outward). Never fails: when the
 * table is full and a region would have to be split, all of it from base up is removed and
 * counted in memory.dropped. Returns 0. */
int memblock_remove(struct memblock *mb, phys_addr_t base, phys_addr_t size);
/* Reserve [base, base+size), expanded outward to pages. Returns 0 or -1 (array full). */
int memblock_reserve(struct memblock *mb, phys_addr_t base, phys_addr_t size);
/* Release a reservation (page-expanded). Returns 0 or -1. */
int memblock_free(struct memblock *mb, phys_addr_t base, phys_addr_t size);
/* Allocate size bytes aligned to align (a power of two >= 4096), top-down below alloc_limit.
 * The memory is not zeroed. Returns the physical base, or 0 on failure. */
phys_addr_t memblock_alloc(struct memblock *mb, phys_addr_t size, phys_addr_t align);
/* Is [base, base+size) entirely usable RAM and not reserved? */
bool memblock_is_free(const struct memblock *mb, phys_addr_t base, phys_addr_t size);
/* Is [base, base+size) entirely usable RAM (reserved or not)? */
bool memblock_is_memory(const struct memblock *mb, phys_addr_t base, phys_addr_t size);
/* End of the highest usable region (0 when empty). */
phys_addr_t memblock_end(const struct memblock *mb);
/* Total bytes of usable RAM. */
phys_addr_t memblock_phys_mem_size(const struct memblock *mb);

/* Call fn(base, end, arg) for every free range (memory minus reserved), in address order. */
void memblock_for_each_free(const struct memblock *mb,
			    void (*fn)(phys_addr_t base, phys_addr_t end, void *arg), void *arg);

#endif
