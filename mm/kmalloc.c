/* mm/kmalloc.c - kmalloc over the slab caches: size classes, large kmalloc, kfree, krealloc,
 * ksize, and the kmalloc context that holds them.
 *
 * A struct kmalloc_ctx (mm/slab.h) is one kmalloc instance over one node: the size-class table,
 * a normal and a dma cache per class, the per-CPU owner tables (below), and the cache of
 * struct kmem_cache from which kmem_cache_create_in() takes the caches made in it. The kernel's
 * kmalloc(), kfree(), kmem_cache_create() and the rest of the Linux-style API are thin wrappers
 * over kmalloc_default, at the end of this file; kmalloc_in() and friends take a context (a test
 * builds one over a private node and destroys it, checking that every page came back).
 *
 * Size classes: every 8 bytes up to 64, then 8 classes per power of two up to
 * KMALLOC_MAX_CACHE_SIZE (no object wastes more than 1/8 of itself); larger requests are whole
 * pages (PG_head, the size in page->private). kfree() finds its way by address: first the
 * CPU's owner table (struct kmalloc_owner: for each of the last pages whose slab this CPU
 * activated, by pfn modulo 1024, its class), whose class's active slab holds the object when
 * the range test of free_fast() passes, with no struct page read at all; else the struct page
 * under the pointer (a slab: its cache; PG_head: a large kmalloc; else misuse, reported). That lookup
 * is one subtraction, shift and comparison below the node's first section without descriptors
 * (ctx->map.dense_pfns, usually the whole node); only above it is the sections bitmap read.
 * krealloc() looks the struct page up once and moves an object by the kmalloc and kfree fast
 * paths.
 *
 * Calls go one way: this file -> mm/slab.c -> mm/slab_debug.c (mm/slab_internal.h). The fast
 * paths (kmalloc_fast, kfree_fast) are always_inline and call nothing but a tail call to memset.
 */
#include "mm/slab_internal.h"
#include "lib/bitops.h"
#include "lib/string.h"

struct kmalloc_ctx kmalloc_default;

_Static_assert(sizeof(struct kmalloc_owner) == KMALLOC_OWNER_SLOTS && NR_KMALLOC <= 256 &&
	       KMALLOC_OWNER_LINES % PERCPU_CTX_LINES == 0, "owner_table(); a class fits a u8");

/* This CPU's owner table, from the context offset kfree() reads anyway (one %gs load, not
 * two): ctx_off * 8 is cpu * 1024 in process context, the only one that writes it. In hardirq
 * context it is 512 bytes further, a view over this CPU's and the next one's tables (hence
 * owner[NR_CPUS + 1]) that is only read: every byte is a class, and a hardirq entry's limit 0
 * fails free_fast() whatever it names. */
static __attribute__((always_inline)) inline struct kmalloc_owner *owner_table(struct kmalloc_ctx *ctx)
{
	return (struct kmalloc_owner *)((char *)ctx->owner +
					this_ctx_off() * (KMALLOC_OWNER_LINES / PERCPU_CTX_LINES));
}

/* ---- size classes ---- */

/* Every 8 bytes up to 64 (waste under 8 bytes), then 8 classes per power of two
 * (2^k + i * 2^k/8, i = 1..8) up to 8192, so no object wastes more than 1/8 of itself: 64
 * classes. Powers of two are classes, and objects sit at multiples of their size in page-aligned
 * slabs, so power-of-two requests are naturally aligned. */
static void kmalloc_init_sizes(struct kmalloc_ctx *ctx)
{
	unsigned int n = 0;

	for (unsigned int c = 8; c <= 64; c += 8)
		ctx->sizes[n++] = c;
	for (unsigned int base = 64; base < KMALLOC_MAX_CACHE_SIZE; base *= 2)
		for (unsigned int i = 1; i <= 8; i++)
			ctx->sizes[n++] = base + i * (base / 8);
	BUG_ON(n != NR_KMALLOC);
	for (unsigned int i = 0, c = 0; i < ARRAY_SIZE(ctx->size_index); i++) {
		while (ctx->sizes[c] < (i + 1) * 8)
			c++;
		ctx->size_index[i] = (u8)c;
	}
}

unsigned int kmalloc_class_size(size_t size)
{
	if (size == 0 || size > KMALLOC_MAX_CACHE_SIZE)
		return 0;
	return kmalloc_default.sizes[kmalloc_default.size_index[(size - 1) / 8]];
}

static struct kmem_cache *kmalloc_cache(struct kmalloc_ctx *ctx, size_t size, gfp_t gfp)
{
	unsigned int idx = ctx->size_index[(size - 1) / 8];
	return (gfp & __GFP_DMA) ? ctx->dma_caches[idx] : ctx->caches[idx];
}

/* ---- large kmalloc ---- */

/* Above the classes: whole pages from the buddy, the unused tail of the 2^order block given
 * back at once (and not zeroed for __GFP_ZERO); the first frame is PG_head with the size, the
 * others PG_tail. */
static void *kmalloc_large(struct mm_node *n, size_t size, gfp_t gfp, unsigned long caller)
{
	unsigned long pages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	unsigned int order = get_order(size);

	if (order > MAX_PAGE_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			printk(KERN_WARNING "kmalloc: %zu bytes is too large (caller %#lx)\n", size, caller);
		return NULL;
	}
	struct page *head = node_alloc_pages(n, (gfp & ~__GFP_ZERO) | __GFP_NOWARN, order);
	if (!head) {
		if (!(gfp & __GFP_NOWARN) && !fault_inject_active)
			printk(KERN_WARNING "kmalloc: out of memory for %zu bytes (caller %#lx)\n",
			       size, caller);
		return NULL;
	}
	node_split_page(n, head, order);
	node_free_run_to_buddy(n, head + pages, (1UL << order) - pages);
	for (unsigned long i = 1; i < pages; i++) {
		head[i].flags |= PG_tail;
		head[i].private = (unsigned long)head;
	}
	head->flags |= PG_head;
	head->private = size;
	void *p = node_page_address(n, head);
	/* Zero what is kept (ksize()'s pages), not the whole 2^order block. */
	return unlikely(gfp & __GFP_ZERO) ? memset(p, 0, pages << PAGE_SHIFT) : p;
}

static void kfree_large(struct mm_node *n, struct page *head)
{
	unsigned long pages = ALIGN_UP(head->private, PAGE_SIZE) >> PAGE_SHIFT;

	for (unsigned long i = 0; i < pages; i++) {
		head[i].flags &= (u16)~(PG_head | PG_tail);
		head[i].private = 0;
	}
	node_free_run_to_buddy(n, head, pages);
}

/* Is page, the head page under p on node n, a large kmalloc that p is the start of? */
static bool is_large(struct mm_node *n, const struct page *page, const void *p)
{
	return page && (page->flags & PG_head) && p == node_page_address(n, page);
}

/* ---- kmalloc ---- */

/* Note in this CPU's owner table that the pages of its active slab of s (class cls, a normal
 * cache) are class cls's; nothing without an active slab or in hardirq context (limit 0). */
static void owner_note(struct kmalloc_ctx *ctx, struct kmem_cache *s, unsigned int cls)
{
	const struct kmem_cache_cpu *c = this_cpu(s);
	struct kmalloc_owner *o = owner_table(ctx);

	if (!c->limit)
		return;
	unsigned long pfn = ((uintptr_t)c->base & ~s->slab_mask) >> PAGE_SHIFT;
	for (unsigned long i = 0; i < (1UL << s->order); i++)
		o->cls[(pfn + i) % KMALLOC_OWNER_SLOTS] = (u8)cls;
}

/* kmalloc's general path (everything kmalloc_fast() does not serve). */
static void *kmalloc_caller(size_t size, gfp_t gfp, unsigned long caller, struct kmalloc_ctx *ctx)
{
	if (unlikely(gfp & __GFP_DMA32))
		gfp = kmalloc_fix_flags(ctx->node, gfp, caller);
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(ctx->node, size, gfp, caller);
	if (size == 0)
		return NULL;	/* Linux returns ZERO_SIZE_PTR; NULL is as safe to kfree */
	struct kmem_cache *s = kmalloc_cache(ctx, size, gfp);
	void *p = slab_alloc(s, gfp, caller);
	if (likely(p) && !(gfp & __GFP_DMA))
		owner_note(ctx, s, ctx->size_index[(size - 1) / 8]);
	if (!p && !(gfp & __GFP_NOWARN) && !fault_inject_active)
		printk(KERN_WARNING "kmalloc: out of memory for %zu bytes (caller %#lx)\n", size, caller);
	if (p && kmalloc_redzone(s))
		debug_kmalloc_size(s, p, 0, size, gfp);
	return p;
}

/* kmalloc's fast path: a pop of the CPU freelist of the size's cache,
 * calling nothing but a tail call to memset for __GFP_ZERO (so no stack frame). */
static __attribute__((always_inline)) inline void *kmalloc_fast(struct kmalloc_ctx *ctx, size_t size,
								gfp_t gfp, unsigned long caller)
{
	if (likely(size - 1 < KMALLOC_MAX_CACHE_SIZE && !(gfp & (__GFP_DMA | __GFP_DMA32)))) {
		struct kmem_cache *s = ctx->caches[ctx->size_index[(size - 1) / 8]];
		void *obj = alloc_fast(s);
		if (likely(obj))
			return unlikely(gfp & __GFP_ZERO) ? memset(obj, 0, s->object_size) : obj;
	}
	return kmalloc_caller(size, gfp, caller, ctx);
}

/* ---- kfree, ksize, krealloc ---- */

/* Usable size of p for the caller, 0 after a report when p is not a kmalloc pointer; *sp is
 * its cache (NULL for a large kmalloc), *pagep its head page. */
static size_t kmalloc_usable(struct kmalloc_ctx *ctx, const void *p, struct kmem_cache **sp,
			     struct page **pagep, unsigned long caller)
{
	struct page *page = head_page_map(&ctx->map, p);

	*sp = NULL;
	*pagep = page;
	if (likely(page && PageSlab(page))) {
		struct kmem_cache *s = (struct kmem_cache *)page->private;
		u64 prod;
		*sp = s;
		if (likely(object_start_fast(s, p, &prod)))	/* else debugging or misuse */
			return s->object_size;
		return check_object_in(s, page, p, caller) ? s->object_size : 0;
	}
	if (is_large(ctx->node, page, p))
		return ALIGN_UP(page->private, PAGE_SIZE);
	slab_misuse(ctx->node, NULL, p, "not a pointer kmalloc returned", caller);
	return 0;
}

/* The caller may use all ksize() bytes (Linux 6.2's skip_orig_size_check()): the kmalloc red
 * zone between the requested and the class size is checked a last time, then given up. */
static size_t ksize_caller(struct kmalloc_ctx *ctx, const void *p, unsigned long caller)
{
	struct kmem_cache *s;
	struct page *page;
	size_t size = p ? kmalloc_usable(ctx, p, &s, &page, caller) : 0;

	if (size && s && kmalloc_redzone(s))
		debug_kmalloc_size(s, (void *)p, caller, size, 0);
	return size;
}

/* kfree (of a kmalloc context over node n) of anything but an object of its cache's active
 * slab: other slabs, large kmalloc, NULL, misuse. page: head_page(n, p). */
static __attribute__((noinline)) void kfree_slow(const void *p, struct page *page,
						 unsigned long caller, struct mm_node *n)
{
	if (!p)
		return;
	if (page && PageSlab(page)) {
		struct kmem_cache *s = (struct kmem_cache *)page->private;
		if (check_object_in(s, page, p, caller))
			slab_free(s, page, (void *)p, caller);
		return;
	}
	if (is_large(n, page, p)) {
		kfree_large(n, page);
		return;
	}
	slab_misuse(n, NULL, p, "kfree of a pointer kmalloc did not return", caller);
}

/* Free p, an object (not yet validated) of slab page, by the lock-free paths: the CPU's active
 * slab of its cache, else free_other_fast(). false: only kfree_slow() can decide. */
static __attribute__((always_inline)) inline bool kfree_slab_fast(struct page *page, const void *p)
{
	struct kmem_cache *s = (struct kmem_cache *)page->private;

	return page == this_cpu(s)->slab ? free_fast(s, p) : free_other_fast(s, page, (void *)p);
}

/* kfree's fast path: the active slab of the class this CPU's owner table names for p's page,
 * else the slab under p by the lock-free paths. false: kfree_slow(p, *pagep, ...) decides
 * (large, NULL, misuse, debugging). The caller's address is taken only on that path, so the
 * fast one needs no stack frame. */
static __attribute__((always_inline)) inline bool kfree_fast(struct kmalloc_ctx *ctx, const void *p,
							     struct page **pagep)
{
	unsigned int slot = (unsigned int)((uintptr_t)p >> PAGE_SHIFT) % KMALLOC_OWNER_SLOTS;
	u8 cls = owner_table(ctx)->cls[slot];

	if (likely(free_fast(ctx->caches[cls], p)))
		return true;
	struct page *page = head_page_map(&ctx->map, p);
	*pagep = page;
	return likely(page && PageSlab(page)) && kfree_slab_fast(page, p);
}

/* krealloc: a larger size is copied to a new object, taken and freed by kmalloc's and kfree's
 * fast paths (the struct page of p looked up once). A size that still fits keeps the object
 * where it is (Linux 6.1) while it uses at least half of ksize(); a shrink below half moves to
 * the smaller object (mimalloc's rule: python3's json trace shrinks 18,600 buffers to a third,
 * 1.8 MB of 15 MB live kept idle in place), and falls back to staying in place when that
 * allocation fails, so a shrink still never fails. Misuse is reported with the caller of
 * krealloc. */
static void *krealloc_caller(struct kmalloc_ctx *ctx, const void *p, size_t size, gfp_t gfp,
			     unsigned long caller)
{
	struct kmem_cache *s;
	struct page *page;

	if (!p)
		return kmalloc_caller(size, gfp, caller, ctx);
	if (size == 0) {
		kfree_slow(p, head_page(ctx->node, p), caller, ctx->node);
		return NULL;
	}
	size_t ks = kmalloc_usable(ctx, p, &s, &page, caller), keep = ks;
	if (!ks)
		return NULL;
	if (s && (kmem_cache_debug(s) ? object_is_free(s, page, p)
				      : object_at_head(s, page, p))) {
		slab_misuse(ctx->node, s, p, "krealloc of a freed object", caller);
		return NULL;
	}
	if (s && kmalloc_redzone(s))
		keep = debug_kmalloc_size(s, (void *)p, caller, size <= ks ? size : ks, gfp);
	bool shrink = size <= ks;
	if (shrink && size >= ks / 2)
		return (void *)p;
	void *n = kmalloc_fast(ctx, size, (gfp & ~__GFP_ZERO) | (shrink ? __GFP_NOWARN : 0), caller);
	if (!n)
		return shrink ? (void *)p : NULL;
	keep = MIN(keep, size);
	memcpy(n, p, keep);
	if ((gfp & __GFP_ZERO) && size > keep)
		memset((char *)n + keep, 0, size - keep);
	if (!s || !kfree_slab_fast(page, p))
		kfree_slow(p, page, caller, ctx->node);
	return n;
}

/* ---- caches of a context ---- */

/* A cache of ctx called name (storage that outlives the cache); NULL on failure (after a
 * message when the geometry cannot be served; a panic with SLAB_PANIC). */
static struct kmem_cache *create_cache(struct kmalloc_ctx *ctx, const char *name, unsigned int size,
				       unsigned int align, unsigned int flags, void (*ctor)(void *),
				       unsigned long caller)
{
	struct kmem_cache *kc = &ctx->kmem_cache.s;
	struct kmem_cache *s = slab_alloc(kc, GFP_KERNEL, caller);

	if (s && !cache_setup(s, ctx->node, name, size, align, flags, ctor)) {
		printk(KERN_ERR "kmem_cache_create(%s): size %u align %u cannot be served\n",
		       name, size, align);
		slab_free(kc, head_page(ctx->node, s), s, caller);
		s = NULL;
	}
	if (!s && (flags & SLAB_PANIC))
		panic("kmem_cache_create: cannot create cache %s", name);
	if (s)
		s->ctx = ctx;
	return s;
}

/* The cache keeps a copy of the name (Linux's kstrdup_const, always copying), freed by
 * kmem_cache_destroy(): the caller's buffer may go away. */
static struct kmem_cache *cache_create_caller(struct kmalloc_ctx *ctx, const char *name,
					      unsigned int size, unsigned int align,
					      unsigned int flags, void (*ctor)(void *),
					      unsigned long caller)
{
	size_t len = name ? strlen(name) + 1 : 0;
	char *copy = name ? kmalloc_caller(len, GFP_KERNEL, caller, ctx) : NULL;

	if (!copy) {
		printk(KERN_ERR "kmem_cache_create(%s): %s (caller %#lx)\n", name ? name : "NULL",
		       name ? "no memory for the name" : "no name", caller);
		if (flags & SLAB_PANIC)
			panic("kmem_cache_create: cannot create cache %s", name ? name : "NULL");
		return NULL;
	}
	memcpy(copy, name, len);
	struct kmem_cache *s = create_cache(ctx, copy, size, align, flags & ~SLAB_KMALLOC, ctor,
					    caller);
	if (!s)
		kfree_slow(copy, head_page(ctx->node, copy), caller, ctx->node);
	return s;
}

int kmem_cache_destroy(struct kmem_cache *s)
{
	struct kmalloc_ctx *ctx = s ? s->ctx : NULL;

	if (!s)
		return 0;
	if (!ctx || (s->flags & SLAB_KMALLOC)) {	/* the context's own caches */
		slab_misuse(s->node, s, s, "kmem_cache_destroy of a cache kmem_cache_create did "
			    "not make", _RET_IP_);
		return -1;
	}
	if (cache_release(s, _RET_IP_) < 0)
		return -1;
	kfree_slow(s->name, head_page(ctx->node, s->name), _RET_IP_, ctx->node);	/* kmem_cache_create()'s copy */
	kmem_cache_free(&ctx->kmem_cache.s, s);
	return 0;
}

/* ---- contexts ---- */

int kmalloc_ctx_destroy(struct kmalloc_ctx *ctx)
{
	struct kmem_cache **sets[2] = { ctx->caches, ctx->dma_caches };

	for (int k = 0; k < 2; k++)		/* all or nothing: a refusal leaves ctx whole */
		for (unsigned int i = 0; i < NR_KMALLOC; i++)
			if (sets[k][i] && cache_drain(sets[k][i])) {
				__atomic_fetch_add(&ctx->node->nr_bad, 1, __ATOMIC_RELAXED);
				slab_last_bad_caller = _RET_IP_;
				printk(KERN_ERR "kmalloc_ctx_destroy: %s still has objects, context "
				       "not destroyed (caller %#lx)\n", sets[k][i]->name, _RET_IP_);
				return -1;
			}
	for (int k = 0; k < 2; k++)
		for (unsigned int i = 0; i < NR_KMALLOC; i++) {
			struct kmem_cache *s = sets[k][i];
			if (!s)
				continue;
			BUG_ON(cache_release(s, _RET_IP_) < 0);
			kmem_cache_free(&ctx->kmem_cache.s, s);
			sets[k][i] = NULL;
		}
	return cache_release(&ctx->kmem_cache.s, _RET_IP_);
}

/* The pfns of n from 0 up to its first section without descriptors (or max_pfn). */
static unsigned long dense_pfns(const struct mm_node *n)
{
	unsigned long pfn = 0;

	while (pfn < n->max_pfn && node_pfn_valid(n, pfn))
		pfn += PAGES_PER_SECTION;
	return MIN(pfn, n->max_pfn);
}

/* ctx over node n; extra is SLAB_PANIC for the default context. */
static int ctx_init(struct kmalloc_ctx *ctx, struct mm_node *n, unsigned int extra)
{
	struct kmem_cache *kc = &ctx->kmem_cache.s;

	memset(ctx, 0, sizeof(*ctx));
	ctx->node = n;
	ctx->map = (struct kmalloc_node_map){ n->vmemmap, n->virt_base, n->max_pfn, n->sections,
					      dense_pfns(n) };
	kmalloc_init_sizes(ctx);
	BUG_ON(!cache_setup(kc, n, "kmem_cache", kmem_cache_bytes(), 0, SLAB_HWCACHE_ALIGN, NULL));
	for (unsigned int i = 0; i < NR_KMALLOC; i++) {
		unsigned int size = ctx->sizes[i];
		unsigned int align = is_power_of_2(size) ? size : 8;	/* natural, even when debugging */
		ksnprintf(ctx->names[0][i], sizeof(ctx->names[0][i]), "kmalloc-%u", size);
		ksnprintf(ctx->names[1][i], sizeof(ctx->names[1][i]), "dma-kmalloc-%u", size);
		ctx->caches[i] = create_cache(ctx, ctx->names[0][i], size, align,
					      extra | SLAB_KMALLOC, NULL, _RET_IP_);
		ctx->dma_caches[i] = create_cache(ctx, ctx->names[1][i], size, align,
						  extra | SLAB_CACHE_DMA | SLAB_KMALLOC, NULL,
						  _RET_IP_);
		if (!ctx->caches[i] || !ctx->dma_caches[i]) {
			printk(KERN_ERR "kmalloc_ctx_init: no memory for the kmalloc caches\n");
			kmalloc_ctx_destroy(ctx);
			return -1;
		}
	}
	return 0;
}

int kmalloc_ctx_init(struct kmalloc_ctx *ctx, struct mm_node *n)
{
	return ctx_init(ctx, n, 0);
}

void kmem_cache_init(struct mm_node *n, u64 seed, unsigned int nr_cpus)
{
	slab_core_init(seed, nr_cpus);
	ctx_init(&kmalloc_default, n, SLAB_PANIC);
}

/* ---- the Linux-style API: kmalloc_default ---- */

__hot void *kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc_fast(&kmalloc_default, size, gfp, _RET_IP_);
}

__hot void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc_fast(&kmalloc_default, size, gfp | __GFP_ZERO, _RET_IP_);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc_fast(&kmalloc_default, bytes, gfp | __GFP_ZERO, _RET_IP_);
}

__hot void kfree(const void *p)
{
	struct page *page;

	if (unlikely(!kfree_fast(&kmalloc_default, p, &page)))
		kfree_slow(p, page, _RET_IP_, kmalloc_default.node);
}

void *krealloc(const void *p, size_t size, gfp_t gfp)
{
	return krealloc_caller(&kmalloc_default, p, size, gfp, _RET_IP_);
}

size_t ksize(const void *p)
{
	return ksize_caller(&kmalloc_default, p, _RET_IP_);
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned int flags, void (*ctor)(void *))
{
	return cache_create_caller(&kmalloc_default, name, size, align, flags, ctor, _RET_IP_);
}

/* ---- the same on any context ---- */

void *kmalloc_in(struct kmalloc_ctx *ctx, size_t size, gfp_t gfp)
{
	return kmalloc_fast(ctx, size, gfp, _RET_IP_);
}

void kfree_in(struct kmalloc_ctx *ctx, const void *p)
{
	struct page *page;

	if (unlikely(!kfree_fast(ctx, p, &page)))
		kfree_slow(p, page, _RET_IP_, ctx->node);
}

void *krealloc_in(struct kmalloc_ctx *ctx, const void *p, size_t size, gfp_t gfp)
{
	return krealloc_caller(ctx, p, size, gfp, _RET_IP_);
}

size_t ksize_in(struct kmalloc_ctx *ctx, const void *p)
{
	return ksize_caller(ctx, p, _RET_IP_);
}

struct kmem_cache *kmem_cache_create_in(struct kmalloc_ctx *ctx, const char *name,
					unsigned int size, unsigned int align, unsigned int flags,
					void (*ctor)(void *))
{
	return cache_create_caller(ctx, name, size, align, flags, ctor, _RET_IP_);
}
