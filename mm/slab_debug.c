/* mm/slab_debug.c - SLUB debugging, switched on per cache by flags or by slub_debug=:
 *   F  consistency checks: a freed object must not already be free (the whole freelist is
 *      searched, not just its head), free pointers must point at objects of the same slab;
 *   Z  red zones: 0xbb around a free object, 0xcc around an allocated one, checked each time;
 *      a kmalloc object also keeps its requested size, and the bytes from there to the class
 *      size are red zone (0xcc) until ksize() gives them to the caller (Linux 6.2);
 *   P  poison: a free object is filled with 0x6b ending in 0xa5, checked before reuse, so a
 *      write after free is seen;
 *   U  user tracking: the last allocating and freeing caller and the op count.
 * Each problem prints one report naming the cache, the object and what was wrong; a corrupted
 * object is isolated (kept out of circulation, listed for kmem_cache_release_isolated()), a bad
 * free is refused. Only an object known to be allocated (on no freelist) is ever isolated: a
 * report must not corrupt the bookkeeping it reports on. None of this runs for a cache without
 * debug flags (but freepointer_corrupt() serves every cache, and so do the misuse checks and
 * reports at the bottom: slab_misuse(), check_object_in(), kmalloc_fix_flags()).
 *
 * Dependencies: mm/slab.c and mm/kmalloc.c call the entry points declared at the bottom of
 * mm/slab_internal.h; this file calls back into neither (it uses only that header's inline
 * helpers), so the dependency is one way. kmem_cache_release_isolated() lives in mm/slab.c and
 * takes objects off the isolation table through debug_take_isolated().
 */
#include "mm/slab_internal.h"
#include "lib/cmdline.h"
#include "lib/string.h"

#define RED_INACTIVE 0xbb
#define RED_ACTIVE   0xcc
#define POISON_FREE  0x6b
#define POISON_END   0xa5
#define MAX_ISOLATED 64

static unsigned long slab_op_clock;	/* slab operations so far: the clock of struct slab_track */
unsigned long slab_last_bad_caller;
DEFINE_SPINLOCK(slab_debug_lock);
static struct slub_debug_opts debug_opts;	/* what slub_debug= asked for */

static struct {
	struct kmem_cache *s;
	void *obj;
} isolated[MAX_ISOLATED];

/* ---- slub_debug= ---- */

static unsigned int letters_to_flags(const char *p, const char *end, bool *ok)
{
	unsigned int f = 0;
	for (*ok = true; p < end; p++) {
		switch (*p | 0x20) {
		case 'f': f |= SLAB_CONSISTENCY_CHECKS; break;
		case 'z': f |= SLAB_RED_ZONE; break;
		case 'p': f |= SLAB_POISON; break;
		case 'u': f |= SLAB_STORE_USER; break;
		default:
			if (*p == '-')
				break;		/* "-": no debugging */
			*ok = false;
		}
	}
	return f;
}

int slub_debug_parse(const char *arg, struct slub_debug_opts *o)
{
	bool ok = true;

	memset(o, 0, sizeof(*o));
	if (!arg) {				/* bare "slub_debug": everything, every cache */
		o->flags = SLAB_DEBUG_FLAGS;
		return 0;
	}
	size_t len = strnlen(arg, sizeof(o->buf));
	if (len == sizeof(o->buf))
		return -1;
	memcpy(o->buf, arg, len + 1);
	char *comma = strchr(o->buf, ',');
	char *end = comma ? comma : o->buf + len;
	o->flags = end == o->buf ? SLAB_DEBUG_FLAGS : letters_to_flags(o->buf, end, &ok);
	int n = 0;
	while (comma && n < SLUB_DEBUG_MAX_NAMES) {
		*comma = '\0';
		o->names[n++] = comma + 1;
		comma = strchr(comma + 1, ',');
	}
	if (comma)
		ok = false;			/* too many names */
	return ok ? 0 : -1;
}

int slub_debug_setup(const char *arg)
{
	struct slub_debug_opts o;
	if (slub_debug_parse(arg, &o) < 0)
		return -1;
	debug_opts = o;
	for (int i = 0; i < SLUB_DEBUG_MAX_NAMES; i++)	/* re-point into our own copy */
		if (o.names[i])
			debug_opts.names[i] = debug_opts.buf + (o.names[i] - o.buf);
	return 0;
}

unsigned int slub_debug_flags_match(const struct slub_debug_opts *o, const char *name)
{
	if (!o->flags || !o->names[0])
		return o->flags;
	for (int i = 0; i < SLUB_DEBUG_MAX_NAMES && o->names[i]; i++)
		if (glob_match(o->names[i], name))
			return o->flags;
	return 0;
}

unsigned int slub_debug_flags_for(const char *name)
{
	return slub_debug_flags_match(&debug_opts, name);
}

/* ---- object bytes ---- */

static struct slab_track *tracks(const struct kmem_cache *s, void *obj)
{
	return (struct slab_track *)((char *)obj + s->track_offset);
}

static void set_track(struct kmem_cache *s, void *obj, int which, unsigned long caller)
{
	if (s->flags & SLAB_STORE_USER) {
		tracks(s, obj)[which].addr = caller;
		tracks(s, obj)[which].when = ++slab_op_clock;
	}
}

static void set_redzones(struct kmem_cache *s, void *obj, u8 val)
{
	if (s->flags & SLAB_RED_ZONE) {
		memset((char *)obj - s->red_left_pad, val, s->red_left_pad);
		memset((char *)obj + s->object_size, val, s->inuse - s->object_size);
	}
}

static void poison(struct kmem_cache *s, void *obj)
{
	if (s->flags & SLAB_POISON) {
		memset(obj, POISON_FREE, s->object_size - 1);
		((u8 *)obj)[s->object_size - 1] = POISON_END;
	}
}

/* First byte of [p, p + n) that is not val, or -1. */
static long first_bad(const u8 *p, size_t n, u8 val)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != val)
			return (long)i;
	return -1;
}

void debug_init_object(struct kmem_cache *s, void *obj)
{
	set_redzones(s, obj, RED_INACTIVE);
	poison(s, obj);
	if (s->flags & SLAB_STORE_USER)
		memset(tracks(s, obj), 0, 2 * sizeof(struct slab_track));
}

/* ---- reports ---- */

static void report(struct kmem_cache *s, struct page *slab, void *obj, const char *what,
		   unsigned long caller)
{
	__atomic_fetch_add(&s->nr_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->node->nr_bad, 1, __ATOMIC_RELAXED);
	slab_last_bad_caller = caller;
	printk(KERN_ERR "=============================================================================\n");
	printk(KERN_ERR "BUG %s: %s\n", s->name, what);
	printk(KERN_ERR "  object %p (index %u of the slab at pfn %#lx, %u objects), caller %#lx\n",
	       obj, obj ? obj_to_idx(s, slab, obj) : 0, node_page_to_pfn(s->node, slab),
	       s->objects, caller);
	if (obj && (s->flags & SLAB_STORE_USER)) {
		struct slab_track *t = tracks(s, obj);
		printk(KERN_ERR "  last allocated by %#lx (op %lu), last freed by %#lx (op %lu)\n",
		       t[0].addr, t[0].when, t[1].addr, t[1].when);
	}
}

/* Report bytes of obj's region [off, off + n) that should all be val. */
static bool check_bytes(struct kmem_cache *s, struct page *slab, void *obj, long off, size_t n,
			u8 val, const char *what, unsigned long caller)
{
	long bad = first_bad((u8 *)obj + off, n, val);
	if (bad < 0)
		return true;
	report(s, slab, obj, what, caller);
	printk(KERN_ERR "  first bad byte at offset %ld of the object: 0x%02x instead of 0x%02x\n",
	       off + bad, ((u8 *)obj)[off + bad], val);
	return false;
}

static bool redzones_ok(struct kmem_cache *s, struct page *slab, void *obj, u8 val,
			unsigned long caller)
{
	if (!(s->flags & SLAB_RED_ZONE))
		return true;
	return check_bytes(s, slab, obj, -(long)s->red_left_pad, s->red_left_pad, val,
			   "Left Redzone overwritten", caller) &&
	       check_bytes(s, slab, obj, (long)s->object_size, s->inuse - s->object_size, val,
			   "Right Redzone overwritten", caller);
}

static bool poison_ok(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller)
{
	if (!(s->flags & SLAB_POISON))
		return true;
	return check_bytes(s, slab, obj, 0, s->object_size - 1, POISON_FREE,
			   "Poison overwritten (use after free)", caller) &&
	       check_bytes(s, slab, obj, (long)s->object_size - 1, 1, POISON_END,
			   "Poison overwritten (use after free)", caller);
}

/* Under slab_debug_lock: keep obj out of circulation; remember it for
 * kmem_cache_release_isolated(). */
static void isolate_locked(struct kmem_cache *s, void *obj)
{
	s->nr_isolated++;
	for (int i = 0; i < MAX_ISOLATED; i++) {
		if (!isolated[i].obj) {
			isolated[i].s = s;
			isolated[i].obj = obj;
			break;
		}
	}
	printk(KERN_ERR "  object isolated: it will not be handed out again\n");
}

/* ---- the hooks ---- */

void freepointer_corrupt(struct kmem_cache *s, struct page *slab, void *obj, void *next,
			 unsigned long caller)
{
	report(s, slab, obj, "Freepointer corrupt", caller);
	printk(KERN_ERR "  next free object would be %p, not an object of the slab: the rest of "
	       "this freelist is dropped (its objects are leaked)\n", next);
}

bool debug_alloc_locked(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller)
{
	if (!redzones_ok(s, slab, obj, RED_INACTIVE, caller) || !poison_ok(s, slab, obj, caller)) {
		isolate_locked(s, obj);		/* just taken off the freelist */
		return false;
	}
	set_redzones(s, obj, RED_ACTIVE);
	set_track(s, obj, 0, caller);
	if (kmalloc_redzone(s))
		*kmalloc_meta(s, obj) = (struct kmalloc_meta){ s->object_size, 0 };
	return true;
}

/* Is obj on one of the freelists of slab (its own, or a CPU's when it is that CPU's active
 * slab)? slab_debug_lock keeps every CPU freelist of a debug cache still. */
static bool already_free_locked(struct kmem_cache *s, struct page *slab, void *obj)
{
	unsigned int limit = s->objects;
	void *p;

	for (unsigned int i = 0; i < cache_nr_slots(s); i++) {
		if (s->cpu[i].slab != slab)
			continue;
		p = s->cpu[i].freelist;
		for (unsigned int n = 0; p && n < limit; n++, p = next_free_or_null(s, slab, p))
			if (p == obj)
				return true;
	}
	p = slab->slab.freelist == SLAB_FREELIST_END ? NULL : idx_to_obj(s, slab, slab->slab.freelist);
	for (unsigned int n = 0; p && n < limit; n++, p = next_free_or_null(s, slab, p))
		if (p == obj)
			return true;
	return false;
}

bool debug_object_free_locked(struct kmem_cache *s, struct page *slab, const void *obj)
{
	return already_free_locked(s, slab, (void *)obj);
}

/* Do both red zones of obj hold the free pattern (what a double free finds)? */
static bool redzones_say_free(struct kmem_cache *s, void *obj)
{
	return (s->flags & SLAB_RED_ZONE) &&
	       first_bad((u8 *)obj - s->red_left_pad, s->red_left_pad, RED_INACTIVE) < 0 &&
	       first_bad((u8 *)obj + s->object_size, s->inuse - s->object_size, RED_INACTIVE) < 0;
}

/* The kmalloc red zone of a live object: [requested size, object_size) untouched? */
static bool kmalloc_redzone_ok(struct kmem_cache *s, struct page *slab, void *obj,
			       unsigned long caller)
{
	struct kmalloc_meta *m = kmalloc_meta(s, obj);
	size_t size = MIN((size_t)m->size, (size_t)s->object_size);
	long bad = first_bad((u8 *)obj + size, s->object_size - size, RED_ACTIVE);

	if (bad < 0)
		return true;
	report(s, slab, obj, "kmalloc Redzone overwritten", caller);
	printk(KERN_ERR "  %zu bytes requested of %u: first bad byte at offset %zu: 0x%02x instead "
	       "of 0x%02x\n", size, s->object_size, size + (size_t)bad,
	       ((u8 *)obj)[size + (size_t)bad], RED_ACTIVE);
	return false;
}

size_t debug_kmalloc_size(struct kmem_cache *s, void *obj, unsigned long caller, size_t size,
			  gfp_t gfp)
{
	unsigned long irqflags = 0;
	struct kmalloc_meta *m = kmalloc_meta(s, obj);
	size_t old = caller ? MIN((size_t)m->size, (size_t)s->object_size) : s->object_size;

	if (caller) {
		spin_lock_irqsave(&slab_debug_lock, irqflags);
		kmalloc_redzone_ok(s, head_page(s->node, obj), obj, caller);
		spin_unlock_irqrestore(&slab_debug_lock, irqflags);
		gfp |= m->zeroed ? __GFP_ZERO : 0;
	} else {
		m->zeroed = (gfp & __GFP_ZERO) != 0;
	}
	if (size < old)
		memset((char *)obj + size, RED_ACTIVE, old - size);
	else if (size > old && (gfp & __GFP_ZERO))
		memset((char *)obj + old, 0, size - old);
	m->size = (u32)size;
	return old;
}

/* A free of obj that finds it free already. On a freelist: refused, left where it is. Off
 * every freelist (dropped when a corrupt freelist was cut): it is counted allocated, so the
 * free is taken (refusing it would leak it). */
static bool double_free(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller)
{
	bool listed = already_free_locked(s, slab, obj);

	report(s, slab, obj, "Object already free (double free)", caller);
	printk(KERN_ERR "  %s\n", listed ? "free refused" : "it was on no freelist: freed");
	return !listed;
}

bool debug_free_locked(struct kmem_cache *s, struct page *slab, void *obj, unsigned long caller)
{
	for (int i = 0; i < MAX_ISOLATED; i++) {
		if (isolated[i].obj == obj) {
			report(s, slab, obj, "Free of an isolated (corrupted) object", caller);
			printk(KERN_ERR "  free refused\n");
			return false;
		}
	}
	if (((s->flags & SLAB_CONSISTENCY_CHECKS) && already_free_locked(s, slab, obj)) ||
	    redzones_say_free(s, obj)) {
		if (!double_free(s, slab, obj, caller))
			return false;
		goto freed;
	}
	if (!redzones_ok(s, slab, obj, RED_ACTIVE, caller) ||
	    (kmalloc_redzone(s) && !kmalloc_redzone_ok(s, slab, obj, caller))) {
		if (!already_free_locked(s, slab, obj))	/* known allocated: safe to isolate */
			isolate_locked(s, obj);
		return false;
	}
freed:
	set_track(s, obj, 1, caller);
	set_redzones(s, obj, RED_INACTIVE);
	poison(s, obj);
	return true;
}

void *debug_take_isolated(struct kmem_cache *s)
{
	unsigned long irqflags = 0;
	void *obj = NULL;

	spin_lock_irqsave(&slab_debug_lock, irqflags);
	for (int i = 0; i < MAX_ISOLATED && !obj; i++) {
		if (isolated[i].s != s || !isolated[i].obj)
			continue;
		obj = isolated[i].obj;
		isolated[i].obj = NULL;
		set_redzones(s, obj, RED_ACTIVE);	/* as if allocated, then freed */
		if (kmalloc_redzone(s))
			kmalloc_meta(s, obj)->size = s->object_size;
		s->nr_isolated--;
	}
	spin_unlock_irqrestore(&slab_debug_lock, irqflags);
	return obj;
}

/* Is obj (an object start of slab, a slab of s) on a freelist already? Exact for a debug cache
 * (every freelist is walked under slab_debug_lock); otherwise the heads that kfree() tests:
 * this CPU's freelist and the slab's own. */
bool object_is_free(struct kmem_cache *s, struct page *slab, const void *obj)
{
	unsigned long irqflags = 0;
	if (kmem_cache_debug(s)) {
		spin_lock_irqsave(&slab_debug_lock, irqflags);
		bool free = debug_object_free_locked(s, slab, obj);
		spin_unlock_irqrestore(&slab_debug_lock, irqflags);
		return free;
	}
	return object_at_head(s, slab, obj);
}

/* ---- misuse reports of the slab layer (mm/slab.c, mm/kmalloc.c) ---- */

/* The object is not freed. */
void slab_misuse(struct mm_node *n, struct kmem_cache *s, const void *obj, const char *what,
		 unsigned long caller)
{
	if (s)
		__atomic_fetch_add(&s->nr_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&n->nr_bad, 1, __ATOMIC_RELAXED);
	slab_last_bad_caller = caller;
	printk(KERN_ERR "BUG %s: %s: object %p (caller %#lx)\n", s ? s->name : "kmalloc", what,
	       obj, caller);
}

/* The slab of obj if obj is an object start of cache s (NULL after a report otherwise). */
struct page *check_object_in(struct kmem_cache *s, struct page *slab, const void *obj,
			     unsigned long caller)
{
	if (!slab || !PageSlab(slab)) {
		slab_misuse(s->node, s, obj, "free of a pointer that is not a slab object", caller);
		return NULL;
	}
	if ((struct kmem_cache *)slab->private != s) {
		slab_misuse(s->node, s, obj, "free to the wrong cache", caller);
		return NULL;
	}
	if (!is_object_start(s, slab, obj)) {
		slab_misuse(s->node, s, obj, "free of a pointer not at an object start", caller);
		return NULL;
	}
	return slab;
}

/* Linux's kmalloc_fix_flags(): __GFP_DMA32 is not a zone slabs are made for (a slab of it
 * would then serve every caller). The first one is printed with its caller, every one is
 * counted in nr_bad; the flag is dropped (GFP_DMA has its own dma-kmalloc caches). */
gfp_t kmalloc_fix_flags(struct mm_node *n, gfp_t gfp, unsigned long caller)
{
	static int warned;

	__atomic_fetch_add(&n->nr_bad, 1, __ATOMIC_RELAXED);
	slab_last_bad_caller = caller;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		printk(KERN_WARNING "SLUB: unexpected gfp %#x (__GFP_DMA32), fixed up to %#x: fix "
		       "your code! (caller %#lx; printed once, all counted)\n", gfp,
		       gfp & ~__GFP_DMA32, caller);
	return gfp & ~__GFP_DMA32;
}
