/* tools/peers/paths_mmkern.c - which paths our kmalloc/kfree/krealloc take on a trace: the
 * mmkern backend (alloc_mmkern.c, included) with each call classified first, from the state
 * the fast paths read (mm/slab_internal.h), and counted; build/peers/paths-mmkern TRACE prints
 * one PATHS line per path (for the analysis that decides kfree's next step; it changes
 * nothing in mm/). The classification mirrors kmalloc_fast() and kfree_fast():
 *   kmalloc: fast (the CPU freelist of the size's cache has an object), refill (it is empty:
 *            slab_alloc()), large (above 8 KiB)
 *   kfree:   hint (the object is in the active slab of the class this CPU's owner table
 *            names for its page; before that table, of this CPU's last kmalloc cache),
 *            lookup-active (hint miss, descriptor lookup, the object's cache's active slab),
 *            other (hint miss, lookup, a slab that is not the CPU's active one, lock-free),
 *            other-move (the same, but the slab must move lists: slab_free_other() under
 *            list_lock), large */
#define pa_malloc  pa_malloc_plain
#define pa_free    pa_free_plain
#define pa_realloc pa_realloc_plain
#define pa_zalloc  pa_zalloc_plain
#include "tools/peers/alloc_mmkern.c"
#undef pa_malloc
#undef pa_free
#undef pa_realloc
#undef pa_zalloc
#include "mm/page.h"
#include "mm/slab_internal.h"

enum { M_FAST, M_REFILL, M_LARGE, F_HINT, F_ACTIVE, F_OTHER, F_MOVE, F_LARGE, R_CALLS, NR_PATHS };
static const char *const path_name[] = {
	"kmalloc-fast", "kmalloc-refill", "kmalloc-large", "kfree-hint", "kfree-lookup-active",
	"kfree-other", "kfree-other-move", "kfree-large", "krealloc",
};
static unsigned long count[NR_PATHS];

static void classify_kmalloc(size_t size)
{
	if (size > KMALLOC_MAX_CACHE_SIZE) {
		count[M_LARGE]++;
		return;
	}
	struct kmem_cache *s = kmalloc_default.caches[kmalloc_default.size_index[(size - 1) / 8]];
	struct kmem_cache_cpu *c = this_cpu(s);
	count[(uintptr_t)c->freelist - (uintptr_t)c->base < c->limit ? M_FAST : M_REFILL]++;
}

static void classify_kfree(void *p)
{
	struct page *page = head_page(&contig_node, p);
	if (!page || !PageSlab(page)) {
		count[F_LARGE]++;
		return;
	}
	struct kmem_cache *s = (struct kmem_cache *)page->private;
	/* mm/kmalloc.c's owner_table() (the per-CPU "last kmalloc cache" hint it replaced) */
	const struct kmalloc_owner *o = (const void *)((char *)kmalloc_default.owner +
		this_ctx_off() * (KMALLOC_OWNER_LINES / PERCPU_CTX_LINES));
	u8 cls = o->cls[((uintptr_t)p >> PAGE_SHIFT) % KMALLOC_OWNER_SLOTS];
	if (page == this_cpu(s)->slab) {
		count[kmalloc_default.caches[cls] == s ? F_HINT : F_ACTIVE]++;
		return;
	}
	u32 ctr = page->counters, low = ctr & SLAB_CTR_LOW_MASK;
	bool moves = !(ctr & SLAB_CTR_FROZEN) &&
		     (low <= 1 || ctr >> SLAB_CTR_FREELIST_SHIFT == SLAB_FREELIST_END);
	count[moves ? F_MOVE : F_OTHER]++;
}

void *pa_malloc(size_t size)
{
	classify_kmalloc(size);
	return pa_malloc_plain(size);
}

void *pa_zalloc(size_t size)
{
	classify_kmalloc(size);
	return pa_zalloc_plain(size);
}

void pa_free(void *p, size_t size)
{
	classify_kfree(p);
	pa_free_plain(p, size);
}

void *pa_realloc(void *p, size_t old, size_t size)
{
	count[R_CALLS]++;
	return pa_realloc_plain(p, old, size);
}

__attribute__((destructor)) static void paths_print(void)
{
	unsigned long frees = count[F_HINT] + count[F_ACTIVE] + count[F_OTHER] + count[F_MOVE] +
			      count[F_LARGE];
	unsigned long mallocs = count[M_FAST] + count[M_REFILL] + count[M_LARGE];

	for (int i = 0; i < NR_PATHS; i++) {
		unsigned long all = i < F_HINT ? mallocs : i < R_CALLS ? frees : count[i];
		printf("PATHS %s %lu (%.1f%%)\n", path_name[i], count[i],
		       all ? 100.0 * (double)count[i] / (double)all : 0.0);
	}
}
