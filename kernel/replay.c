/* kernel/replay.c - replay allocation traces through the allocators (API in kernel/replay.h).
 *
 * A replay makes up to three passes over the trace:
 *   1. trace_scan(): operation count and the most handles a consistent trace can hold live,
 *      which sizes the handle table (open addressing, linear probing, at most half full,
 *      backward-shift deletion; 16-byte slots in pages from the page allocator);
 *   2. with pagemap_at_peak only: a dry pass over sizes alone that finds the operation after
 *      which the live requested bytes peak;
 *   3. the replay: each operation calls its allocator with rdtsc() around that call only
 *      (handle lookup, pattern fill and checks, accounting and progress stay outside), fills
 *      the object with its handle's pattern, and checks the pattern before every free and
 *      realloc. The first error stops the pass; everything still live is freed at the end
 *      (checked too when no error came first), the trace's caches destroyed, all caches
 *      shrunk, and the free-page count compared with the start.
 * Footprint: slab_pages() above its value at the start plus the pages of live large kmalloc
 * objects; slab_pages() walks every cache, so it is re-read only when nr_free_pages() moved. */
#include "kernel/replay.h"
#include "kernel/arch.h"
#include "kernel/pagemap.h"
#include "kernel/setup.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "lib/trace.h"
#include "mm/gfp.h"
#include "mm/slab.h"

#define GFP_REPLAY     (GFP_KERNEL | __GFP_NOWARN)	/* failures become one REPLAY line */
#define MAX_CACHES     64	/* caches a trace may create with c */
#define MAX_KCLASSES   128	/* kmalloc size classes tracked */
#define NAME_MAX       48	/* module names are printed up to this length */
#define TOKEN_MAX      24	/* a bad field is quoted up to this length */
#define CACHE_OBJ_MAX  (PAGE_SIZE << 3)	/* mm/slab.c: slabs of order <= SLUB_MAX_ORDER (3) */
#define GOLDEN         0x9e3779b97f4a7c15ULL

enum handle_kind { H_KMALLOC, H_CACHE, H_PAGES };

/* One live handle. size: requested bytes (H_PAGES: the order); cache: index in rp.caches. */
struct handle {
	void *ptr;			/* the object; NULL marks an empty slot */
	u32 id;
	u32 size : 23, kind : 2, cache : 7;
};

#define SLOTS_PER_PAGE (PAGE_SIZE / sizeof(struct handle))

_Static_assert(sizeof(struct handle) == 16, "handle slots are 16 bytes");
_Static_assert((PAGE_SIZE << MAX_PAGE_ORDER) < (1UL << 23), "sizes fit the size field");
_Static_assert(MAX_CACHES <= 128, "cache indexes fit the cache field");

/* Allocations counted in one size class. */
struct class_stat {
	unsigned long objs;
	u64 req, alloc;
};

/* A cache created by the trace; the kmem_cache keeps a pointer to name. */
struct replay_cache {
	struct kmem_cache *s;
	u64 size;
	char name[TRACE_NAME_MAX + 1];
};

/* The state of the replay in progress (one at a time). */
static struct {
	struct handle **dir;		/* table pages */
	unsigned long npages, mask, count;
	unsigned int bits;
	struct replay_cache caches[MAX_CACHES];
	unsigned int ncaches;
	unsigned int kclass[MAX_KCLASSES], nkclass;
	struct class_stat kstat[MAX_KCLASSES], large, pages, cstat[MAX_CACHES];
	unsigned long slab_base, slab_now, last_free;
	u64 large_live;			/* bytes of live large kmalloc objects (whole pages) */
	unsigned long total_ops;
	unsigned int next_mark;		/* next progress tenth to print */
	char name[NAME_MAX + 4];	/* sanitize() output */
	const struct replay_opts *o;
	struct replay_stats *st;
	u64 tsc_pair;			/* ticks of an empty rdtsc() pair (the timing's own cost) */
	u64 calls;			/* timed allocator calls */
} rp;

/* Close the timing of one allocator call opened by t0 = rdtsc(). */
static inline void timed(u64 t0)
{
	rp.st->ticks += rdtsc() - t0;
	rp.calls++;
}

/* The least of 16 empty rdtsc() pairs: what timed() counts beyond the call itself. */
static u64 tsc_pair_ticks(void)
{
	u64 best = ~0ULL;

	for (int i = 0; i < 16; i++) {
		u64 t0 = rdtsc();
		u64 t1 = rdtsc();
		best = MIN(best, t1 - t0);
	}
	return best;
}

static const struct trace_limits replay_limits = {
	.max_size = PAGE_SIZE << MAX_PAGE_ORDER,
	.max_cache_size = CACHE_OBJ_MAX,
	.max_order = MAX_PAGE_ORDER,
};

/* ---- errors and names ---- */

/* Record the first error of the replay (its line and formatted reason); returns -1. */
static __printf(2, 3) int fail(unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (rp.st->failed)
		return -1;
	va_start(ap, fmt);
	kvsnprintf(rp.st->err, sizeof(rp.st->err), fmt, ap);
	va_end(ap);
	rp.st->err_line = line;
	rp.st->failed = true;
	return -1;
}

/* Copy up to max bytes of s[0..n) into out (max + 4 bytes) as one printable word: blanks and
 * non-ASCII bytes become '?', a cut is marked "...". */
static void sanitize(char *out, const char *s, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++)
		out[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?';
	if (n > max)
		for (int k = 0; k < 3; k++)
			out[i++] = '.';
	out[i] = '\0';
}

/* Record the parser's error, quoting the field at fault; returns -1. */
static int fail_syntax(const struct trace_reader *r)
{
	char tok[TOKEN_MAX + 4];

	if (!r->tok_len)
		return fail(r->line, "%s", r->err);
	sanitize(tok, r->tok, r->tok_len, TOKEN_MAX);
	return fail(r->line, "%s \"%s\"", r->err, tok);
}

/* ---- patterns ---- */

/* The first pattern word of handle id; word w of the object is seed + w * GOLDEN. */
static u64 pattern_seed(u32 id)
{
	u64 x = ((u64)id + 1) * 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 31);
}

/* Fill p[0..n) with the pattern of handle id (little-endian words, the tail byte-wise). */
static void pattern_fill(void *p, size_t n, u32 id)
{
	char *c = p;
	u64 w = pattern_seed(id);
	size_t i = 0;

	for (; i + 8 <= n; i += 8, w += GOLDEN)
		__builtin_memcpy(c + i, &w, 8);
	for (; i < n; i++)
		c[i] = (char)(w >> (8 * (i & 7)));
}

/* Offset of the first byte of p[0..n) that differs from handle id's pattern, n if none. */
static size_t pattern_check(const void *p, size_t n, u32 id)
{
	const unsigned char *c = p;
	u64 w = pattern_seed(id), v;
	size_t i = 0;

	for (; i + 8 <= n; i += 8, w += GOLDEN) {
		__builtin_memcpy(&v, c + i, 8);
		if (v != w)
			break;
	}
	for (; i < n; i++)
		if (c[i] != (unsigned char)(w >> (8 * (i & 7))))
			return i;
	return n;
}

/* Offset of the first non-zero byte of p[0..n), n if none. */
static size_t zero_check(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return i;
	return n;
}

/* ---- the handle table ---- */

/* Slot i of the table. */
static struct handle *slot(unsigned long i)
{
	return &rp.dir[i / SLOTS_PER_PAGE][i % SLOTS_PER_PAGE];
}

/* Home slot of id (Fibonacci hashing). */
static unsigned long home(u32 id)
{
	return (unsigned long)(((u64)id * GOLDEN) >> (64 - rp.bits));
}

/* Give back the table's pages and directory. */
static void table_free(void)
{
	for (unsigned long i = 0; rp.dir && i < rp.npages; i++)
		free_pages((unsigned long)rp.dir[i], 0);
	kfree(rp.dir);
	rp.dir = NULL;
	rp.npages = 0;
}

/* Allocate an empty table of at least 2 * (peak + 1) slots; 0, or -1 when memory is short. */
static int table_alloc(unsigned long peak)
{
	rp.bits = 8;
	while (rp.bits < 40 && (1UL << rp.bits) < 2 * (peak + 1))
		rp.bits++;
	rp.mask = (1UL << rp.bits) - 1;
	rp.npages = (1UL << rp.bits) / SLOTS_PER_PAGE;
	rp.count = 0;
	rp.dir = kzalloc(rp.npages * sizeof(*rp.dir), GFP_REPLAY);
	if (!rp.dir)
		return -1;
	for (unsigned long i = 0; i < rp.npages; i++) {
		rp.dir[i] = (struct handle *)get_zeroed_page(GFP_REPLAY);
		if (!rp.dir[i]) {
			table_free();
			return -1;
		}
	}
	return 0;
}

/* Empty every slot. */
static void table_clear(void)
{
	for (unsigned long i = 0; i < rp.npages; i++)
		memset(rp.dir[i], 0, PAGE_SIZE);
	rp.count = 0;
}

/* Slot index of live handle id, or -1. */
static long table_index(u32 id)
{
	for (unsigned long i = home(id);; i = (i + 1) & rp.mask) {
		struct handle *h = slot(i);
		if (!h->ptr)
			return -1;
		if (h->id == id)
			return (long)i;
	}
}

/* Live handle id, or NULL. */
static struct handle *table_find(u32 id)
{
	long i = table_index(id);
	return i < 0 ? NULL : slot((unsigned long)i);
}

/* Does the table have room for one more handle (it stays at most half full)? */
static bool table_has_room(void)
{
	return rp.count < (rp.mask + 1) / 2;
}

/* Insert handle id (not live; table_has_room()) for ptr; returns its slot. */
static struct handle *table_insert(u32 id, void *ptr, u64 size, enum handle_kind kind,
				   unsigned int cache)
{
	unsigned long i = home(id);

	while (slot(i)->ptr)
		i = (i + 1) & rp.mask;
	*slot(i) = (struct handle){ .ptr = ptr, .id = id, .size = (u32)size, .kind = kind,
				    .cache = cache };
	rp.count++;
	return slot(i);
}

/* Remove live handle id, shifting back the entries after it that would otherwise be lost. */
static void table_remove(u32 id)
{
	unsigned long i = (unsigned long)table_index(id), j = i;

	for (;;) {
		j = (j + 1) & rp.mask;
		struct handle *h = slot(j);
		if (!h->ptr)
			break;
		unsigned long k = home(h->id);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			*slot(i) = *h;
			i = j;
		}
	}
	slot(i)->ptr = NULL;
	rp.count--;
}

/* ---- size classes and accounting ---- */

/* Collect the kmalloc size classes in ascending order. */
static void classes_init(void)
{
	rp.nkclass = 0;
	for (size_t sz = 8; sz <= KMALLOC_MAX_CACHE_SIZE && rp.nkclass < MAX_KCLASSES; sz += 8) {
		unsigned int c = kmalloc_class_size(sz);
		if (c && (!rp.nkclass || c != rp.kclass[rp.nkclass - 1]))
			rp.kclass[rp.nkclass++] = c;
	}
}

/* The statistics of the kmalloc class with usable size ks (large kmalloc above the classes). */
static struct class_stat *kmalloc_stat(u64 ks)
{
	unsigned int lo = 0, hi = rp.nkclass;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		if (rp.kclass[mid] < ks)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rp.nkclass && rp.kclass[lo] == ks ? &rp.kstat[lo] : &rp.large;
}

/* Requested bytes of a live handle (pages: the whole block). */
static u64 handle_req(const struct handle *h)
{
	return h->kind == H_PAGES ? PAGE_SIZE << h->size : h->size;
}

/* Usable bytes of a live handle: ksize(), or the whole block for pages. */
static u64 handle_ksize(const struct handle *h)
{
	return h->kind == H_PAGES ? PAGE_SIZE << h->size : ksize(h->ptr);
}

/* Is h a large kmalloc object of usable size ks (whole pages from the buddy)? */
static bool is_large(const struct handle *h, u64 ks)
{
	return h->kind == H_KMALLOC && ks > KMALLOC_MAX_CACHE_SIZE;
}

/* Count the new live object h (usable size ks) as an allocation in its class. */
static void account_alloc(const struct handle *h, u64 ks)
{
	struct replay_stats *st = rp.st;
	u64 req = handle_req(h);
	struct class_stat *cs = h->kind == H_PAGES ? &rp.pages :
				h->kind == H_CACHE ? &rp.cstat[h->cache] : kmalloc_stat(ks);

	st->live_objs++;
	st->req_live += req;
	st->alloc_live += ks;
	st->req_total += req;
	st->alloc_total += ks;
	cs->objs++;
	cs->req += req;
	cs->alloc += ks;
	if (is_large(h, ks))
		rp.large_live += ks;
}

/* Uncount the live object h (usable size ks) that is being freed. */
static void account_free(const struct handle *h, u64 ks)
{
	rp.st->live_objs--;
	rp.st->req_live -= handle_req(h);
	rp.st->alloc_live -= ks;
	if (is_large(h, ks))
		rp.large_live -= ks;
}

/* ---- operations ---- */

/* Fail unless the object of h holds its handle's pattern. */
static int check_object(unsigned long line, const struct handle *h)
{
	size_t n = handle_req(h), bad = pattern_check(h->ptr, n, h->id);

	if (bad < n)
		return fail(line, "handle %u corrupted: byte %zu of %zu differs from its pattern",
			    h->id, bad, n);
	return 0;
}

/* Fail unless handle id can be created now (not live, room in the table). */
static int check_new(unsigned long line, u32 id)
{
	if (table_find(id))
		return fail(line, "handle %u is already live", id);
	if (!table_has_room())
		return fail(line, "more live handles than the first pass counted");
	return 0;
}

/* Account the new object of h (usable size ks), check ksize, fill it with its pattern. */
static int new_object(unsigned long line, const struct handle *h, u64 ks)
{
	account_alloc(h, ks);
	if (ks < handle_req(h))
		return fail(line, "ksize %llu of handle %u is below the %llu bytes asked",
			    (unsigned long long)ks, h->id, (unsigned long long)handle_req(h));
	pattern_fill(h->ptr, handle_req(h), h->id);
	return 0;
}

/* a, z: kmalloc or kzalloc (whose object must come zeroed). */
static int op_kmalloc(const struct trace_op *op)
{
	bool zero = op->kind == TRACE_KZALLOC;

	if (check_new(op->line, op->id) < 0)
		return -1;
	u64 t0 = rdtsc();
	void *p = zero ? kzalloc(op->size, GFP_REPLAY) : kmalloc(op->size, GFP_REPLAY);
	timed(t0);
	if (!p)
		return fail(op->line, "out of memory: %s(%llu) failed", zero ? "kzalloc" : "kmalloc",
			    (unsigned long long)op->size);
	struct handle *h = table_insert(op->id, p, op->size, H_KMALLOC, 0);
	size_t nz = zero ? zero_check(p, op->size) : op->size;
	if (nz < op->size) {
		account_alloc(h, ksize(p));
		return fail(op->line, "kzalloc(%llu) for handle %u: byte %zu is not zero",
			    (unsigned long long)op->size, op->id, nz);
	}
	return new_object(op->line, h, ksize(p));
}

/* Index of the trace's cache named in op (created on first use), or -1 after fail(). */
static int cache_get(const struct trace_op *op)
{
	for (unsigned int i = 0; i < rp.ncaches; i++) {
		struct replay_cache *c = &rp.caches[i];
		if (strlen(c->name) != op->name_len || memcmp(c->name, op->name, op->name_len))
			continue;
		if (c->size != op->size)
			return fail(op->line, "cache %s has %llu-byte objects, not %llu", c->name,
				    (unsigned long long)c->size, (unsigned long long)op->size);
		return (int)i;
	}
	if (rp.ncaches == MAX_CACHES)
		return fail(op->line, "more than %d caches", MAX_CACHES);
	struct replay_cache *c = &rp.caches[rp.ncaches];
	memcpy(c->name, op->name, op->name_len);
	c->name[op->name_len] = '\0';
	c->size = op->size;
	c->s = kmem_cache_create(c->name, (unsigned int)op->size, 0, 0, NULL);
	if (!c->s)
		return fail(op->line, "cannot create cache %s of %llu-byte objects", c->name,
			    (unsigned long long)op->size);
	return (int)rp.ncaches++;
}

/* c: kmem_cache_alloc from the trace's cache (created on first use). */
static int op_cache(const struct trace_op *op)
{
	int ci;

	if (check_new(op->line, op->id) < 0 || (ci = cache_get(op)) < 0)
		return -1;
	u64 t0 = rdtsc();
	void *p = kmem_cache_alloc(rp.caches[ci].s, GFP_REPLAY);
	timed(t0);
	if (!p)
		return fail(op->line, "out of memory: kmem_cache_alloc(%s) failed", rp.caches[ci].name);
	struct handle *h = table_insert(op->id, p, op->size, H_CACHE, (unsigned int)ci);
	return new_object(op->line, h, ksize(p));
}

/* p: alloc_pages of the given order. */
static int op_pages(const struct trace_op *op)
{
	if (check_new(op->line, op->id) < 0)
		return -1;
	u64 t0 = rdtsc();
	struct page *page = alloc_pages(GFP_REPLAY, (unsigned int)op->size);
	timed(t0);
	if (!page)
		return fail(op->line, "out of memory: alloc_pages(order %llu) failed",
			    (unsigned long long)op->size);
	struct handle *h = table_insert(op->id, page_address(page), op->size, H_PAGES, 0);
	return new_object(op->line, h, PAGE_SIZE << op->size);
}

/* Free the object of live handle h with the allocator that made it; drop and uncount h.
 * Only the allocator call is timed, and only when measured. */
static void release(struct handle *h, bool measured)
{
	struct handle v = *h;
	u64 ks = handle_ksize(&v);
	struct page *page = v.kind == H_PAGES ? virt_to_page(v.ptr) : NULL;

	table_remove(v.id);
	u64 t0 = rdtsc();
	if (v.kind == H_PAGES)
		__free_pages(page, v.size);
	else if (v.kind == H_CACHE)
		kmem_cache_free(rp.caches[v.cache].s, v.ptr);
	else
		kfree(v.ptr);
	if (measured)
		timed(t0);
	account_free(&v, ks);
}

/* f, q: free a live handle (q for pages from p, f for everything else), checking it first. */
static int op_free(const struct trace_op *op)
{
	struct handle *h = table_find(op->id);
	bool pages = op->kind == TRACE_FREE_PAGES;

	if (!h)
		return fail(op->line, "%s of handle %u, which is not live", pages ? "q" : "f", op->id);
	if (pages && h->kind != H_PAGES)
		return fail(op->line, "q of handle %u, which did not come from p", op->id);
	if (!pages && h->kind == H_PAGES)
		return fail(op->line, "f of handle %u, which came from p (pages are freed with q)",
			    op->id);
	if (check_object(op->line, h) < 0)
		return -1;
	release(h, true);
	return 0;
}

/* Fail unless r may move handle id to newid (id live from kmalloc, newid free or id). */
static int check_realloc(const struct trace_op *op, const struct handle *h)
{
	if (!h)
		return fail(op->line, "r of handle %u, which is not live", op->id);
	if (h->kind != H_KMALLOC)
		return fail(op->line, "r of handle %u, which did not come from kmalloc", op->id);
	if (op->newid != op->id && table_find(op->newid))
		return fail(op->line, "handle %u is already live", op->newid);
	return check_object(op->line, h);
}

/* r: krealloc must keep the old content (checked); the object then takes newid's pattern. */
static int op_realloc(const struct trace_op *op)
{
	struct handle *h = table_find(op->id);

	if (check_realloc(op, h) < 0)
		return -1;
	struct handle old = *h;
	u64 old_ks = ksize(old.ptr);
	u64 t0 = rdtsc();
	void *p = krealloc(old.ptr, op->size, GFP_REPLAY);
	timed(t0);
	if (!p)
		return fail(op->line, "out of memory: krealloc(handle %u, %llu) failed", op->id,
			    (unsigned long long)op->size);
	table_remove(old.id);
	account_free(&old, old_ks);
	h = table_insert(op->newid, p, op->size, H_KMALLOC, 0);
	size_t keep = MIN((size_t)old.size, (size_t)op->size);
	size_t bad = pattern_check(p, keep, old.id);
	if (bad < keep) {
		account_alloc(h, ksize(p));
		return fail(op->line, "krealloc lost the content of handle %u at byte %zu of %zu",
			    op->id, bad, keep);
	}
	return new_object(op->line, h, ksize(p));
}

/* Replay one operation; 0, or -1 after fail(). */
static int exec(const struct trace_op *op)
{
	switch (op->kind) {
	case TRACE_KMALLOC:
	case TRACE_KZALLOC:
		return op_kmalloc(op);
	case TRACE_CACHE:
		return op_cache(op);
	case TRACE_REALLOC:
		return op_realloc(op);
	case TRACE_PAGES:
		return op_pages(op);
	default:
		return op_free(op);
	}
}

/* ---- the passes ---- */

/* One operation of the dry pass, on sizes only; -1 at the first inconsistency. */
static int dry_op(const struct trace_op *op, u64 *live)
{
	static char dry_object;
	struct handle *h = table_find(op->id);
	enum handle_kind kind = op->kind == TRACE_PAGES ? H_PAGES : H_KMALLOC;

	switch (op->kind) {
	case TRACE_FREE:
	case TRACE_FREE_PAGES:
		if (!h)
			return -1;
		*live -= handle_req(h);
		table_remove(op->id);
		return 0;
	case TRACE_REALLOC:
		if (!h || (op->newid != op->id && table_find(op->newid)))
			return -1;
		*live -= handle_req(h);
		table_remove(op->id);
		break;
	default:
		if (h || !table_has_room())
			return -1;
	}
	u32 id = op->kind == TRACE_REALLOC ? op->newid : op->id;
	*live += handle_req(table_insert(id, &dry_object, op->size, kind, 0));
	return 0;
}

/* Dry pass: the operation after which the live requested bytes peak (up to the first
 * inconsistency; 0 when none). Leaves the table empty. */
static unsigned long find_peak_op(const void *buf, size_t len)
{
	struct trace_reader r;
	struct trace_op op;
	u64 live = 0, peak = 0;
	unsigned long n = 0, at = 0;

	trace_reader_init(&r, buf, len, &replay_limits);
	while (trace_next(&r, &op) > 0 && dry_op(&op, &live) == 0) {
		n++;
		if (live > peak) {
			peak = live;
			at = n;
		}
	}
	table_clear();
	return at;
}

/* Print the progress line of each tenth of the operations just passed (the last one only). */
static void progress(void)
{
	unsigned long done = rp.st->ops;
	unsigned int mark = rp.next_mark;

	while (mark <= 10 && done * 10 >= mark * rp.total_ops)
		mark++;
	if (mark == rp.next_mark)
		return;
	rp.next_mark = mark;
	if (rp.o->verbose)
		printk(KERN_INFO "REPLAY %s progress %u%% (%lu/%lu ops)\n", rp.name, (mark - 1) * 10,
		       done, rp.total_ops);
}

/* After each operation: peaks, footprint, the pagemap at the peak, progress. */
static void after_op(const struct trace_op *op)
{
	struct replay_stats *st = rp.st;
	unsigned long f = nr_free_pages();

	if (f != rp.last_free || op->kind == TRACE_REALLOC) {
		rp.last_free = f;
		rp.slab_now = slab_pages();
	}
	unsigned long slab = rp.slab_now > rp.slab_base ? rp.slab_now - rp.slab_base : 0;
	u64 foot = ((u64)slab << PAGE_SHIFT) + rp.large_live;
	st->live_peak_objs = MAX(st->live_peak_objs, st->live_objs);
	st->req_peak_bytes = MAX(st->req_peak_bytes, st->req_live);
	st->alloc_peak_bytes = MAX(st->alloc_peak_bytes, st->alloc_live);
	st->slab_peak_pages = MAX(st->slab_peak_pages, slab);
	st->footprint_peak_bytes = MAX(st->footprint_peak_bytes, foot);
	if (rp.o->pagemap_at_peak && st->ops == st->peak_op) {
		char label[NAME_MAX + 32];
		ksnprintf(label, sizeof(label), "%s@op%lu", rp.name, st->ops);
		pagemap_print(label, NULL);
	}
	if (rp.o->on_op)
		rp.o->on_op(st->ops);
	progress();
}

/* The measured pass over every operation; returns the last line read. */
static unsigned long run(const void *buf, size_t len)
{
	struct trace_reader r;
	struct trace_op op;
	int ret;

	kmem_cache_shrink_all();
	rp.slab_base = rp.slab_now = slab_pages();
	rp.last_free = nr_free_pages();
	trace_reader_init(&r, buf, len, &replay_limits);
	while ((ret = trace_next(&r, &op)) > 0) {
		if (exec(&op) < 0)
			return r.line;
		rp.st->ops++;
		after_op(&op);
	}
	if (ret < 0)
		fail_syntax(&r);
	return r.line;
}

/* Free every live handle (checking each while no error came first), destroy the trace's
 * caches and the table, shrink all caches and read the free-page count. */
static void finish(unsigned long last_line)
{
	for (unsigned long i = 0; rp.dir && i <= rp.mask; i++) {
		while (slot(i)->ptr) {
			if (!rp.st->failed)
				check_object(last_line, slot(i));
			release(slot(i), false);
		}
	}
	for (unsigned int i = 0; i < rp.ncaches; i++)
		if (kmem_cache_destroy(rp.caches[i].s) < 0)
			fail(0, "cache %s still has objects after every handle was freed",
			     rp.caches[i].name);
	table_free();
	kmem_cache_shrink_all();
	rp.st->free_after = nr_free_pages();
}

/* ---- reporting ---- */

unsigned long replay_waste_permille(u64 req, u64 alloc)
{
	while (alloc > (1ULL << 50)) {
		alloc >>= 1;
		req >>= 1;
	}
	if (!alloc || req >= alloc)
		return 0;
	return (unsigned long)(((alloc - req) * 1000 + alloc / 2) / alloc);
}

/* One REPLAY-CLASS line for a class with allocations. */
static void print_class(const char *label, const struct class_stat *c)
{
	if (c->objs)
		printk(KERN_INFO "REPLAY-CLASS %s %s objs=%lu req_bytes=%llu alloc_bytes=%llu\n",
		       rp.name, label, c->objs, (unsigned long long)c->req,
		       (unsigned long long)c->alloc);
}

/* The per-class lines: kmalloc classes, large kmalloc, the trace's caches, pages. */
static void print_classes(void)
{
	char label[TRACE_NAME_MAX + 16];

	for (unsigned int i = 0; i < rp.nkclass; i++) {
		ksnprintf(label, sizeof(label), "kmalloc-%u", rp.kclass[i]);
		print_class(label, &rp.kstat[i]);
	}
	print_class("large", &rp.large);
	for (unsigned int i = 0; i < rp.ncaches; i++) {
		ksnprintf(label, sizeof(label), "cache:%s", rp.caches[i].name);
		print_class(label, &rp.cstat[i]);
	}
	print_class("pages", &rp.pages);
}

/* The summary line (or the error line), and the pages lost if any. */
static void print_result(void)
{
	const struct replay_stats *st = rp.st;
	unsigned long w = replay_waste_permille(st->req_total, st->alloc_total);
	bool back = st->free_after == st->free_before;

	if (st->failed) {
		printk(KERN_ERR "REPLAY %s error line %lu: %s\n", rp.name, st->err_line, st->err);
		if (!back)
			printk(KERN_ERR "REPLAY %s free pages not back: %lu before, %lu after\n",
			       rp.name, st->free_before, st->free_after);
		return;
	}
	print_classes();
	/* the calls' ticks less the timing's own, in tenths per operation */
	u64 own = rp.calls * rp.tsc_pair;
	u64 net10 = st->ops && st->ticks > own ? (st->ticks - own) * 10 / st->ops : 0;
	printk(KERN_INFO "REPLAY %s ops=%lu live_peak_objs=%lu req_peak_bytes=%llu "
	       "alloc_peak_bytes=%llu internal_waste_pct=%lu.%lu slab_peak_pages=%lu "
	       "footprint_peak_bytes=%llu ticks_per_op=%llu net_ticks_per_op=%llu.%llu "
	       "result=%s\n", rp.name, st->ops,
	       st->live_peak_objs, (unsigned long long)st->req_peak_bytes,
	       (unsigned long long)st->alloc_peak_bytes, w / 10, w % 10, st->slab_peak_pages,
	       (unsigned long long)st->footprint_peak_bytes,
	       (unsigned long long)(st->ops ? st->ticks / st->ops : 0),
	       (unsigned long long)(net10 / 10), (unsigned long long)(net10 % 10),
	       back ? "ok" : "fail");
	if (!back)
		printk(KERN_ERR "REPLAY %s free pages not back: %lu before, %lu after\n", rp.name,
		       st->free_before, st->free_after);
}

/* ---- entry points ---- */

/* Reset the state for a replay of module `name` reporting into st. */
static void begin(const char *name, const struct replay_opts *o, struct replay_stats *st)
{
	memset(&rp, 0, sizeof(rp));
	memset(st, 0, sizeof(*st));
	rp.o = o;
	rp.st = st;
	rp.next_mark = 1;
	sanitize(rp.name, name ? name : "-", name ? strnlen(name, NAME_MAX + 1) : 1, NAME_MAX);
	if (!rp.name[0])
		sanitize(rp.name, "-", 1, NAME_MAX);
	classes_init();
	kmem_cache_shrink_all();
	rp.tsc_pair = tsc_pair_ticks();
	st->free_before = nr_free_pages();
}

int replay_buffer(const char *name, const void *buf, size_t len, const struct replay_opts *o,
		  struct replay_stats *st)
{
	static const struct replay_opts quiet;
	struct trace_summary sum;
	unsigned long last_line = 0;

	begin(name, o ? o : &quiet, st);
	trace_scan(buf, len, &replay_limits, &sum);
	rp.total_ops = sum.ops;
	if (table_alloc(sum.peak_live) < 0) {
		fail(0, "out of memory for a table of %lu live handles", sum.peak_live);
	} else {
		if (rp.o->verbose)
			printk(KERN_INFO "REPLAY %s start: %zu bytes, %lu ops, up to %lu live handles "
			       "(table of %lu slots)\n", rp.name, len, sum.ops, sum.peak_live,
			       rp.mask + 1);
		if (rp.o->pagemap_at_peak)
			st->peak_op = find_peak_op(buf, len);
		last_line = run(buf, len);
	}
	finish(last_line);
	if (rp.o->verbose)
		print_result();
	return st->failed || st->free_after != st->free_before ? -1 : 0;
}

void *replay_object(u32 id)
{
	struct handle *h = rp.dir ? table_find(id) : NULL;
	return h ? h->ptr : NULL;
}

int replay_modules(const struct mb2_info *mb2, bool pagemap)
{
	static struct replay_stats st;
	const struct replay_opts o = { .verbose = true, .pagemap_at_peak = pagemap };
	unsigned int bad = 0;

	if (!mb2->nr_modules) {
		printk(KERN_ERR "REPLAY: no modules to replay (make run CMDLINE=replay "
		       "MODULES=\"trace ...\")\n");
		return -1;
	}
	for (u32 i = 0; i < mb2->nr_modules; i++) {
		const struct mb2_module *m = &mb2->modules[i];
		if (m->end > boot_params.max_phys) {
			printk(KERN_ERR "REPLAY module%u error line 0: outside the direct map\n", i);
			bad++;
			continue;
		}
		bad += replay_buffer(m->name, phys_to_virt(m->start), m->end - m->start, &o, &st) < 0;
	}
	printk(KERN_INFO "REPLAY: %u module%s, %u failed\n", mb2->nr_modules,
	       mb2->nr_modules == 1 ? "" : "s", bad);
	return bad ? -1 : 0;
}
