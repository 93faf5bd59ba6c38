/* mm/slab.h - the slab allocator: object caches (kmem_cache_*) and kmalloc, in Linux's shape.
 * A cache takes its slabs from the page allocator of its node (s->node); kmalloc is an instance
 * too (struct kmalloc_ctx over one node), and the Linux-style functions (kmalloc, kfree,
 * kmem_cache_create, ...) use the default one, kmalloc_default, which kmem_cache_init() sets
 * up over the node its caller names. */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "lib/types.h"
#include "lib/list.h"
#include "mm/gfp.h"
#include "lib/percpu.h"
#include "lib/spinlock.h"

struct mm_node;
struct kmalloc_ctx;

/* Cache flags (Linux's values): the bits of kmem_cache->flags. An enum, so that the debug
 * information carries the names and values (scripts/gdb/mmkern.py reads them from the ELF). The
 * four debug flags are also set by slub_debug=. */
enum slab_flags {
	SLAB_CONSISTENCY_CHECKS = 0x100u,	/* F: check every free (double free, bad pointers) */
	SLAB_RED_ZONE      = 0x400u,	/* Z: guard bytes around each object */
	SLAB_POISON        = 0x800u,	/* P: fill free objects, catch use after free */
	SLAB_KMALLOC       = 0x1000u,	/* a kmalloc cache (set by the slab layer only) */
	SLAB_HWCACHE_ALIGN = 0x2000u,	/* align objects to a 64-byte cache line */
	SLAB_CACHE_DMA     = 0x4000u,	/* slabs from ZONE_DMA (the dma-kmalloc caches) */
	SLAB_STORE_USER    = 0x10000u,	/* U: remember the last alloc and free caller */
	SLAB_RECLAIM_ACCOUNT = 0x20000u,	/* slabs in reclaimable pageblocks (__GFP_RECLAIMABLE) */
	SLAB_PANIC         = 0x40000u,	/* panic if kmem_cache_create fails */
};
#define SLAB_DEBUG_FLAGS   (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)

#define KMALLOC_MAX_CACHE_SIZE 8192	/* larger kmalloc goes straight to the page allocator */

/* A CPU (in one context) ends a sweep epoch each time it has taken this many pages for new
 * slabs, and gives back the slabs of caches it left idle for a whole epoch (mm/slab.c). */
#define SLAB_SWEEP_PAGES 64

/* Pages of slabs a CPU's partial list of a cache holds at most (at least one slab). */
#define SLAB_CPU_PARTIAL_PAGES 8

/* The per-CPU part of a cache: the active slab and its lock-free freelist. */
struct kmem_cache_cpu {
	void *freelist;			/* next free object of slab (hardened chain) */
	struct page *slab;		/* the active slab, or NULL */
	char *base;			/* address of the active slab's first object */
	unsigned long limit;		/* objects * size of the active slab; 0 without one */
	void *last;			/* the object popped last: the holder of a corrupt free
					 * pointer found on the freelist (reports only) */
	unsigned long stamp;		/* this CPU's sweep epoch at its last slow path here
					 * (mm/slab.c "Idle caches") */
	struct page *partial;		/* its partial slabs, frozen, linked by lru.next: a
					 * refill's second place (mm/slab.c "CPU partial lists") */
	unsigned long nr_partial;	/* slabs on it, at most the cache's cpu_partial */
} __attribute__((aligned(PERCPU_LINE)));	/* one cache line per CPU */

/* With SLAB_STORE_USER: who last allocated and freed an object (after its free pointer). */
struct slab_track {
	unsigned long addr;		/* caller's return address, 0 = never */
	unsigned long when;		/* value of slab_op_clock at the time */
};

/* Object layout in a slab (offsets from the object's address, which is what users get):
 *   [-red_left_pad, 0)        left red zone (SLAB_RED_ZONE)
 *   [0, object_size)          the object
 *   [object_size, inuse)      right red zone (SLAB_RED_ZONE; padding otherwise)
 *   offset                    free pointer: mid-object, or at inuse when it must not overlap
 *                             the object (constructor, poison, red zone)
 *   track_offset              struct slab_track[2]: alloc, free (SLAB_STORE_USER; 0 if none)
 *   after those               struct kmalloc_meta: the requested size (kmalloc caches with
 *                             SLAB_RED_ZONE: [size, object_size) is red zone too, as in 6.2)
 * size is the stride from one object to the next. */
struct kmem_cache {
	const char *name;
	unsigned int object_size;	/* what the user asked for */
	unsigned int size;		/* object plus metadata, aligned: the stride in a slab */
	unsigned int align;
	unsigned int inuse;		/* end of object and right red zone */
	unsigned int red_left_pad;	/* bytes of left red zone before each object */
	unsigned int track_offset;	/* struct slab_track[2], or 0 */
	unsigned int offset;		/* where the free pointer lives inside a free object */
	u32 reciprocal_size;		/* 2^32 / size + 1: object-start test without a division */
	unsigned int order;		/* slab order */
	unsigned int objects;		/* objects per slab */
	unsigned long span;		/* objects * size: bytes from the first object to the end */
	unsigned long slab_mask;	/* (PAGE_SIZE << order) - 1: slabs are naturally aligned
					 * blocks, so obj & slab_mask is obj's offset in its slab */
	unsigned long fast_span;	/* span, or 0 for a debug cache: free_other_fast's one
					 * range test stands for both */
	enum slab_flags flags;		/* SLAB_* */
	unsigned int nr_cpus;		/* CPU ids (kmem_cache_init's nr_cpus): cpu[] has
					 * nr_cpus * PERCPU_CTX_LINES entries */
	void (*ctor)(void *);
	struct mm_node *node;		/* slabs come from its page allocator */
	u64 random;			/* freelist-pointer hardening secret */
	unsigned long min_partial;	/* empty slabs kept on the partial list */
	unsigned long cpu_partial;	/* slabs a CPU's partial list holds; 0 for a debug cache */
	struct list_head list;		/* on the list of all caches */
	unsigned long nr_bad;		/* misuse and corruption reports for this cache */
	/* Above: read on every fast path, written almost never. Below, on lines of their own,
	 * what the slow paths write: a CPU taking list_lock must not take away the other CPUs'
	 * copies of flags, offset or random (false sharing). */
	spinlock_t list_lock __attribute__((aligned(PERCPU_LINE)));	/* partial, nr_partial, full;
							 * see mm/slab.c "Locking" */
	unsigned int nr_isolated;	/* corrupted objects kept out of circulation (under
					 * slab_debug_lock) */
	struct list_head partial;	/* slabs with free objects, not active on a CPU */
	unsigned long nr_partial;
	unsigned long nr_slabs;		/* slabs allocated (atomic) */
	struct list_head full;		/* full slabs, tracked only for debug caches */
	struct kmalloc_ctx *ctx;	/* the context whose cache of struct kmem_cache holds this
					 * one (NULL: that cache itself) */
	/* Per context (lib/percpu.h): entry ctx_index(cpu, false) is CPU cpu's process-context
	 * freelist, ctx_index(cpu, true) its hardirq-context one; one line each, for the CPU ids
	 * that can run slab code (nr_cpus, not NR_CPUS: a cache on a 1-CPU machine is 8 KiB
	 * smaller). */
	struct kmem_cache_cpu cpu[];
};

#define NR_KMALLOC 64		/* kmalloc size classes (mm/kmalloc.c) */

/* Per CPU: which kmalloc class's active slab holds each of the last pages its process context
 * activated, by pfn modulo KMALLOC_OWNER_SLOTS (a direct-mapped table, written by kmalloc's
 * slow path when it activates a slab). kfree() tries that class's active slab first: a stale
 * or colliding entry (or a read in hardirq context, whose entries have limit 0) only names a
 * slab whose range test then fails, and every entry is a valid class. 1024 slots: with 512, a
 * class that churns order-3 slabs (sqlite3's 4608-byte objects, a new slab every 7) wrapped
 * the table and overwrote the slots of the other classes' active slabs (a third of the frees
 * missed; 32.6 -> 28.3 instructions per operation on that trace). */
#define KMALLOC_OWNER_LINES 16
#define KMALLOC_OWNER_SLOTS (KMALLOC_OWNER_LINES * PERCPU_LINE)
struct kmalloc_owner {
	u8 cls[KMALLOC_OWNER_SLOTS];		/* class index into caches[] */
} __attribute__((aligned(PERCPU_LINE)));

/* A node's addressing fields (struct mm_node's, which never change after node_init()), copied
 * into a kmalloc context so that kfree() reads each with one load, as when the node was a
 * global. */
struct kmalloc_node_map {
	struct page *vmemmap;
	uintptr_t virt_base;
	unsigned long max_pfn;
	const u64 *sections;
	unsigned long dense_pfns;	/* every pfn below has a descriptor (up to the first
					 * section without one): kfree() tests the bitmap only
					 * above it */
};

/* A kmalloc instance: size classes, their caches (normal and dma) and the cache of struct
 * kmem_cache for the caches created in it, every slab and large kmalloc from one node.
 * Fields the fast paths read come first. */
struct kmalloc_ctx {
	struct kmem_cache *caches[NR_KMALLOC];		/* by class */
	u8 size_index[KMALLOC_MAX_CACHE_SIZE / 8];	/* (size - 1) / 8 -> class */
	struct mm_node *node;
	struct kmalloc_node_map map;			/* node's, for kfree() */
	struct kmem_cache *dma_caches[NR_KMALLOC];	/* GFP_DMA, by class */
	unsigned int sizes[NR_KMALLOC];			/* class -> object size */
	char names[2][NR_KMALLOC][20];			/* kmalloc-N, dma-kmalloc-N */
	struct kmalloc_owner owner[NR_CPUS + 1];	/* owner_table(); + 1: see there */
	/* The cache of struct kmem_cache, with room for the largest cpu[] (a struct with a
	 * flexible array member, given its room by a union: a GNU C extension). */
	union {
		struct kmem_cache s;
		char room[sizeof(struct kmem_cache) +
			  NR_CPUS * PERCPU_CTX_LINES * sizeof(struct kmem_cache_cpu)];
	} kmem_cache;
};

/* The context of kmalloc(), kfree(), kmem_cache_create() and the rest of the Linux-style API. */
extern struct kmalloc_ctx kmalloc_default;

/* Initialise the slab layer and kmalloc_default over node n (its page allocator set up); seed
 * hardens freelists. nr_cpus (1..NR_CPUS): every CPU id that will ever call the allocator is
 * below it. Panics when the kmalloc caches cannot be made. */
void kmem_cache_init(struct mm_node *n, u64 seed, unsigned int nr_cpus);
/* A private kmalloc context over node n (after kmem_cache_init()). Returns 0, or -1 after a
 * message with nothing left allocated. */
int kmalloc_ctx_init(struct kmalloc_ctx *ctx, struct mm_node *n);
/* Give every page of ctx back to its node; no CPU may use ctx any more. The caches created in
 * ctx must be destroyed first. Refused (reported, -1, ctx still usable) while a kmalloc object
 * of ctx is live. */
int kmalloc_ctx_destroy(struct kmalloc_ctx *ctx);
/* kmalloc(), kfree(), krealloc(), ksize() and kmem_cache_create() of context ctx. */
void *kmalloc_in(struct kmalloc_ctx *ctx, size_t size, gfp_t gfp);
void kfree_in(struct kmalloc_ctx *ctx, const void *p);
void *krealloc_in(struct kmalloc_ctx *ctx, const void *p, size_t size, gfp_t gfp);
size_t ksize_in(struct kmalloc_ctx *ctx, const void *p);
struct kmem_cache *kmem_cache_create_in(struct kmalloc_ctx *ctx, const char *name,
					unsigned int size, unsigned int align, unsigned int flags,
					void (*ctor)(void *));

/* A cache of objects of size bytes aligned to align (0 = 8); NULL on failure. The name is
 * copied (the caller's buffer may go); kmem_cache_destroy() frees the copy. */
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned int flags, void (*ctor)(void *));
/* One object, or NULL. */
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
/* One zeroed object, or NULL. */
void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp);
/* Return obj to s; a pointer not from s or a double free is reported and refused. */
void kmem_cache_free(struct kmem_cache *s, void *obj);
/* Give this CPU's active slab back and every empty slab to the page allocator. Returns pages
 * freed. Other CPUs' active slabs stay theirs (Linux flushes them by IPI; here each CPU
 * shrinks for itself, e.g. through smp_call_all()). */
unsigned long kmem_cache_shrink(struct kmem_cache *s);
/* Destroy s; refused (and reported, returning -1) while it has live objects. No CPU may use s
 * any more: every CPU's active slab of s is given back. */
int kmem_cache_destroy(struct kmem_cache *s);
/* Allocate n objects into p[]; returns n, or 0 (with nothing allocated) on failure. */
int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t n, void **p);
/* Free the n objects of p[] to s. */
void kmem_cache_free_bulk(struct kmem_cache *s, size_t n, void **p);

#define SLUB_DEBUG_MAX_NAMES 8
struct slub_debug_opts {
	unsigned int flags;			/* SLAB_* debug flags */
	const char *names[SLUB_DEBUG_MAX_NAMES];	/* cache-name globs; none = every cache */
	char buf[128];
};
/* Parse a slub_debug= value into o. Returns 0, or -1 when malformed. */
int slub_debug_parse(const char *arg, struct slub_debug_opts *o);
/* The debug flags o gives a cache called name. */
unsigned int slub_debug_flags_match(const struct slub_debug_opts *o, const char *name);
/* slub_debug=[FZPU-][,cache,cache...] from the command line (Linux syntax; a bare slub_debug
 * means FZPU on every cache). Returns 0, or -1 for a malformed value. Applies to caches created
 * after the call. */
int slub_debug_setup(const char *arg);
/* Return the objects a debug check isolated as corrupted to the free lists, re-initialised
 * (after a test, or once the cause is understood). Returns how many. */
unsigned long kmem_cache_release_isolated(struct kmem_cache *s);
/* The caller named by the last slab misuse or corruption report (0: none yet). */
extern unsigned long slab_last_bad_caller;

/* size bytes, at least 8-byte aligned (naturally for powers of two); NULL on failure. */
void *kmalloc(size_t size, gfp_t gfp);
void *kzalloc(size_t size, gfp_t gfp);
/* n * size bytes, zeroed; NULL on overflow. */
void *kcalloc(size_t n, size_t size, gfp_t gfp);
/* Resize p keeping its content (up to the smaller size); NULL on failure (p untouched). A size
 * that fits ksize(p) keeps p in place and cannot fail (Linux 6.1). */
void *krealloc(const void *p, size_t size, gfp_t gfp);
/* Free what kmalloc returned; NULL is a no-op; anything else is reported and refused. */
void kfree(const void *p);
/* Usable size of a kmalloc object (0 for a pointer kmalloc did not return); the caller may
 * use all of it (under slub_debug=Z the kmalloc red zone beyond the request is given up). */
size_t ksize(const void *p);

/* The kmalloc size class (ksize) a request of size bytes gets, 0 when above the classes. */
unsigned int kmalloc_class_size(size_t size);

/* Print /proc/slabinfo (version 2.1) for every cache of every context (mm/show.c). */
void slabinfo_print(void);
/* Pages held by all slab caches of every context. */
unsigned long slab_pages(void);
/* Shrink every cache (what a test calls before counting free pages). */
void kmem_cache_shrink_all(void);

#endif
