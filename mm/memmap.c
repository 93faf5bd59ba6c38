/* mm/memmap.c - sanitize the firmware memory map (e820 semantics).
 *
 * The input is untrusted: entries may be unsorted, overlapping, nested, zero-length, unaligned,
 * or wrap past 2^64. The output is sorted and disjoint; where entries overlap the larger type
 * wins, so usable (1) loses to every other type. Runs in O(n log n + n*k), k = overlap depth.
 *
 * The command line's memmap= entries are laid over the firmware's (or, with exactmap, replace
 * them), but they cannot create RAM: a range they call usable stays usable only where the
 * firmware's own entries say there is RAM (usable, ACPI data or NVS, persistent memory). The
 * rest is dropped with one line, since the kernel would otherwise write frame descriptors and
 * page tables into addresses where nothing answers.
 */
#include "mm/memmap.h"
#include "lib/kernel.h"
#include "lib/cmdline.h"
#include "lib/string.h"

#define RANGE_MAX_END (~0ULL & PAGE_MASK)	/* exclusive end used for ranges reaching 2^64 */

/* Change points of the sweep: a start (kind 1) or an end (kind 0) of raw entry idx. */
struct point {
	u64 addr;
	u32 idx;
	u32 kind;
};

/* Order points by address; at equal addresses process ends before starts. */
static bool point_less(const struct point *a, const struct point *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr;
	return a->kind < b->kind;
}

/* Heapsort: in place, O(n log n), no recursion, no allocation. */
static void sift_down(struct point *p, int start, int n)
{
	int root = start;

	while (2 * root + 1 < n) {
		int child = 2 * root + 1;
		if (child + 1 < n && point_less(&p[child], &p[child + 1]))
			child++;
		if (!point_less(&p[root], &p[child]))
			return;
		struct point t = p[root];
		p[root] = p[child];
		p[child] = t;
		root = child;
	}
}

static void sort_points(struct point *p, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(p, i, n);
	for (int end = n - 1; end > 0; end--) {
		struct point t = p[0];
		p[0] = p[end];
		p[end] = t;
		sift_down(p, 0, end);
	}
}

/* Append [base, end) of type to out, merging with the previous entry when it touches. */
static int emit(struct mem_range *out, int n, int cap, u64 base, u64 end, u32 type)
{
	if (n > 0 && out[n - 1].end == base && out[n - 1].type == type) {
		out[n - 1].end = end;
		return n;
	}
	if (n >= cap)
		return -1;
	out[n].base = base;
	out[n].end = end;
	out[n].type = type;
	return n + 1;
}

/* Clamp a raw entry to [base, end); false when it is empty. Counts wraps in *clamped. */
static bool raw_bounds(const struct mem_raw *r, u64 *base, u64 *end, int *clamped)
{
	*base = r->base;
	if (r->len == 0 || r->base >= RANGE_MAX_END)
		return false;
	if (r->len > RANGE_MAX_END - r->base) {
		*end = RANGE_MAX_END;
		(*clamped)++;
	} else {
		*end = r->base + r->len;
	}
	return true;
}

/* Largest type among the active entries of index [lo, hi), 0 when none. */
static u32 active_type(const struct mem_raw *raw, const u32 *active, int nactive, u32 lo, u32 hi)
{
	u32 t = 0;
	for (int i = 0; i < nactive; i++)
		if (active[i] >= lo && active[i] < hi && raw[active[i]].type > t)
			t = raw[active[i]].type;
	return t;
}

bool memmap_type_is_ram(u32 type)
{
	return type == E820_USABLE || type == E820_ACPI || type == E820_NVS || type == E820_PMEM;
}

/* Account [base, end) as dropped, joining it to the previous run when they touch. */
static void note_dropped(struct memmap_dropped *d, u64 base, u64 end)
{
	if (!d->ranges || d->end != base) {
		if (!d->ranges)
			d->first = base;
		d->ranges++;
	}
	d->end = end;
	d->bytes += end - base;
}

/* The type the active set gives an address: the largest of the entries that give types (with
 * exactmap, the memmap= ones only); 0 with *lost when that is usable without firmware RAM. */
static u32 sweep_type(const struct mem_raw *raw, const u32 *active, int nactive, u32 nfw, u32 n,
		      bool exactmap, bool *lost)
{
	u32 fw = active_type(raw, active, nactive, 0, nfw);
	u32 user = active_type(raw, active, nactive, nfw, n);
	u32 t = exactmap ? user : MAX(fw, user);

	*lost = t == E820_USABLE && !memmap_type_is_ram(fw);
	return *lost ? 0 : t;
}

int memmap_sanitize_user(const struct mem_raw *raw, int nfw, int nuser, bool exactmap,
			 struct mem_range *out, int cap, struct mem_range *scratch, int *clamped,
			 struct memmap_dropped *dropped)
{
	/* scratch: 2n mem_range = 48n bytes; points take 32n, the active set 4n after them. */
	int n = nfw + nuser;
	struct point *pts = (struct point *)scratch;
	u32 *active = (u32 *)(pts + 2 * n);
	int npts = 0, nout = 0, nactive = 0, nclamped = 0;
	struct memmap_dropped d = { 0, 0, 0, 0 };

	for (int i = 0; i < n; i++) {
		u64 base, end;
		if (!raw_bounds(&raw[i], &base, &end, &nclamped))
			continue;
		pts[npts++] = (struct point){ base, (u32)i, 1 };
		pts[npts++] = (struct point){ end, (u32)i, 0 };
	}
	if (clamped)
		*clamped = nclamped;
	sort_points(pts, npts);

	/* Sweep the change points; between two of them the winner is the largest active type. */
	u64 prev = 0;
	u32 cur = 0;
	bool lost = false;
	for (int i = 0; i < npts; ) {
		u64 here = pts[i].addr;
		if (cur != 0 && here > prev) {
			nout = emit(out, nout, cap, prev, here, cur);
			if (nout < 0)
				return -1;
		} else if (lost && here > prev) {
			note_dropped(&d, prev, here);
		}
		for (; i < npts && pts[i].addr == here; i++) {
			if (pts[i].kind) {
				active[nactive++] = pts[i].idx;
				continue;
			}
			for (int j = 0; j < nactive; j++) {
				if (active[j] == pts[i].idx) {
					active[j] = active[--nactive];
					break;
				}
			}
		}
		prev = here;
		cur = sweep_type(raw, active, nactive, (u32)nfw, (u32)n, exactmap, &lost);
	}
	if (dropped)
		*dropped = d;
	return nout;
}

int memmap_sanitize(const struct mem_raw *raw, int n, struct mem_range *out, int cap,
		    struct mem_range *scratch, int *clamped)
{
	return memmap_sanitize_user(raw, n, 0, false, out, cap, scratch, clamped, NULL);
}

int memmap_parse_param(const char *val, struct mem_raw *out)
{
	char buf[64];
	size_t len = val ? strnlen(val, sizeof(buf)) : sizeof(buf);
	u64 size, start;

	if (len == sizeof(buf))
		return -1;
	if (strcmp(val, "exactmap") == 0)
		return 0;
	memcpy(buf, val, len + 1);
	char *sep = buf;
	while (*sep && !strchr("@$#!", *sep))
		sep++;
	if (!*sep)
		return -1;
	char kind = *sep;
	*sep = '\0';
	if (!memparse(buf, &size) || !memparse(sep + 1, &start) || size == 0)
		return -1;
	out->base = start;
	out->len = size;
	out->type = kind == '@' ? E820_USABLE : kind == '#' ? E820_ACPI
		  : kind == '!' ? E820_PMEM : E820_RESERVED;
	return 1;
}

int memmap_user_param(struct memmap_user *u, const char *val)
{
	struct mem_raw r;
	int got = memmap_parse_param(val, &r);

	if (got == 0)
		u->exactmap = true;
	if (got <= 0)
		return got;
	if (u->n >= MEMMAP_USER_MAX) {
		printk(KERN_WARNING "cmdline: memmap=%s ignored: too many memmap= entries (max %d)\n",
		       val, MEMMAP_USER_MAX);
		return 1;
	}
	u->map[u->n++] = r;
	return 0;
}

int memmap_mem_param(const char *val, u64 *limit)
{
	u64 v;

	if (!memparse(val, &v))
		return -1;
	if (v < MEMMAP_MEM_MIN) {
		printk(KERN_WARNING "cmdline: mem=%s is below %llu MiB, ignored\n", val,
		       MEMMAP_MEM_MIN >> 20);
		return 1;
	}
	*limit = v;
	return 0;
}

/* Does the map hold any usable range? */
static bool has_usable(const struct mem_range *map, int n)
{
	for (int i = 0; i < n; i++)
		if (map[i].type == E820_USABLE)
			return true;
	return false;
}

/* Say what memmap_sanitize_user() dropped, in one line. */
static void print_dropped(const struct memmap_dropped *d)
{
	printk(KERN_WARNING "e820: memmap= usable RAM the boot loader's map does not have, dropped: "
	       "[mem 0x%016llx-0x%016llx] (%d range%s, %lluK)\n", (unsigned long long)d->first,
	       (unsigned long long)d->end - 1, d->ranges, d->ranges == 1 ? "" : "s",
	       (unsigned long long)(d->bytes >> 10));
}

int memmap_build(struct mem_raw *raw, int nfw, const struct memmap_user *u,
		 struct mem_range *out, int cap, struct mem_range *scratch, struct memmap_built *b)
{
	bool exactmap = u->exactmap && u->n > 0;
	int n;

	if (u->exactmap && !u->n)
		printk(KERN_WARNING "e820: memmap=exactmap without a memmap= range: ignored, the boot "
		       "loader's map is used\n");
	if (u->n)
		printk(KERN_INFO "e820: %d memmap= entries from the command line%s\n", u->n,
		       exactmap ? " (exactmap: they replace the boot loader's map)" : "");
	memcpy(raw + nfw, u->map, (size_t)u->n * sizeof(*raw));
	if (nfw == 0) {		/* memmap= alone cannot say where RAM is */
		printk(KERN_ERR "setup: no memory map from the boot loader\n");
		return -1;
	}
	n = memmap_sanitize_user(raw, nfw, u->n, exactmap, out, cap, scratch, &b->clamped,
				 &b->dropped);
	if (b->dropped.ranges)
		print_dropped(&b->dropped);
	if (n >= 0 && exactmap && !has_usable(out, n)) {
		printk(KERN_WARNING "e820: memmap=exactmap leaves no usable RAM that the boot loader's "
		       "map has: exactmap ignored, the boot loader's map is used\n");
		exactmap = false;
		n = memmap_sanitize_user(raw, nfw, u->n, false, out, cap, scratch, &b->clamped, NULL);
	}
	if (n < 0) {
		printk(KERN_ERR "setup: memory map too complex to sanitize\n");
		return -1;
	}
	b->exactmap = exactmap;
	b->nraw = exactmap ? u->n : nfw + u->n;
	if (b->clamped)
		printk(KERN_WARNING "e820: %d entries wrapped past 2^64 and were clamped\n",
		       b->clamped);
	printk(KERN_INFO "BIOS-provided physical RAM map (%d entries, %d after sanitizing):\n",
	       b->nraw, n);
	memmap_print("BIOS-e820:", out, n);
	return n;
}

int memmap_cap_usable(struct mem_range *map, int n, u64 limit)
{
	int out = 0;

	/* Entries are disjoint and sorted: truncate or drop usable ones at/above limit. */
	for (int i = 0; i < n; i++) {
		struct mem_range r = map[i];
		if (r.type == E820_USABLE) {
			if (r.base >= limit)
				continue;
			if (r.end > limit)
				r.end = limit;
		}
		map[out++] = r;
	}
	return out;
}

const char *memmap_type_name(u32 type)
{
	switch (type) {
	case E820_USABLE:   return "usable";
	case E820_RESERVED: return "reserved";
	case E820_ACPI:     return "ACPI data";
	case E820_NVS:      return "ACPI NVS";
	case E820_UNUSABLE: return "unusable";
	default:            return "unknown";
	}
}

void memmap_print(const char *prefix, const struct mem_range *map, int n)
{
	for (int i = 0; i < n; i++) {
		char unknown[16];
		const char *name = memmap_type_name(map[i].type);
		if (map[i].type > E820_UNUSABLE) {
			ksnprintf(unknown, sizeof(unknown), "type %u", map[i].type);
			name = unknown;
		}
		printk(KERN_INFO "%s [mem 0x%016llx-0x%016llx] %s\n", prefix,
		       (unsigned long long)map[i].base, (unsigned long long)map[i].end - 1, name);
	}
}

u64 memmap_usable_bytes(const struct mem_range *map, int n)
{
	u64 sum = 0;
	for (int i = 0; i < n; i++) {
		if (map[i].type != E820_USABLE)
			continue;
		u64 b = ALIGN_UP(map[i].base, PAGE_SIZE), e = ALIGN_DOWN(map[i].end, PAGE_SIZE);
		if (e > b)
			sum += e - b;
	}
	return sum;
}
