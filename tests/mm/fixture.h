/* tests/mm/fixture.h - build a private node over any buffer, as if the buffer were physical
 * memory starting at address 0. Used by the host runner (for contig_node, over malloc'd memory)
 * and by suites in both runners (private nodes over memory taken from the page allocator). */
#ifndef TESTS_MM_FIXTURE_H
#define TESTS_MM_FIXTURE_H

#include "mm/zone.h"
#include "mm/memmap.h"
#include "mm/memblock.h"

/* Build n over [buf, buf + size) (buf page aligned, size a multiple of 4 KiB): the raw map
 * (NULL = one usable range over the whole buffer) is sanitized, page 0 reserved, descriptors
 * and the section bitmap carved from the buffer itself through the boot allocator, and every
 * free frame handed to the buddy. zone_end[] gives the zone limits in frames.
 * Returns 0, or -1 with a diagnostic printed. */
int fixture_node_build(struct mm_node *n, void *buf, size_t size, const struct mem_raw *raw,
		       int nraw, const unsigned long zone_end[MAX_NR_ZONES]);

/* The same with NUMA nodes: numa's nr_nodes, node_end_pfn and distance (NULL: one node). */
int fixture_numa_build(struct mm_node *n, void *buf, size_t size, const struct mem_raw *raw,
		       int nraw, const unsigned long zone_end[MAX_NR_ZONES],
		       const struct node_layout *numa);

/* RAM a suite with big private buffers (4 MiB blocks, whole-zone exhaustion) needs: below it,
 * as at MEM=6M..16M, fixture_enough_ram() skips the case instead of failing it. */
#define FIXTURE_MIN_RAM (24UL << 20)

struct ktest;
/* Does the machine manage FIXTURE_MIN_RAM? false after marking t skipped with the reason. */
bool fixture_enough_ram(struct ktest *t);

/* A private node of frames frames, its descriptor and memory taken from the page allocator,
 * built over zones of 64/256/rest frames; with fill >= 0 the memory is filled with that byte
 * first. NULL after marking t skipped (too little RAM) or failed; *buf is its memory. */
struct mm_node *fixture_priv_node(struct ktest *t, unsigned long frames, int fill, void **buf);
/* Give back what fixture_priv_node() took (NULLs ignored). */
void fixture_priv_node_free(struct mm_node *n, void *buf, unsigned long frames);

/* A kmalloc context over a private node (the slab suites' private runs). */
struct fixture_slab {
	struct mm_node *node;
	struct kmalloc_ctx *ctx;
	void *buf;
	unsigned long frames;
	unsigned long free0;		/* the node's free frames before the context was made */
};
/* Build f: a node over frames frames taken from the page allocator, and a kmalloc context over
 * it. false after marking t skipped (too little RAM) or failed. */
bool fixture_slab_build(struct ktest *t, struct fixture_slab *f, unsigned long frames);
/* Destroy f's context (it must have no live object), check that every frame of the node came
 * back and that the node is consistent, and give the memory back. A context that refuses to
 * go is failed and left allocated (its caches stay listed: freeing them would dangle). */
void fixture_slab_destroy(struct ktest *t, struct fixture_slab *f);
/* Run body with *kc pointing at a fresh private context over a private node of frames frames,
 * then put *kc back and destroy both, checking every frame came back (the slab suites' priv_
 * cases). Skipped, as fixture_slab_build says, when the machine is too small. */
void fixture_slab_run(struct ktest *t, unsigned long frames, struct kmalloc_ctx **kc,
		      void (*body)(struct ktest *t));

/* The boot allocator the last fixture_node_build used (for inspection by tests). */
extern struct memblock fixture_memblock;

#endif
