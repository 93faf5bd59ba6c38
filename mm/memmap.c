/* mm/memmap.c - sanitize the firmware memory map (e820 semantics).
 *
 * The input is untrusted: entries may be unsorted, overlapping, nested, zero-length, unaligned,
 * or wrap past 2^64. The output is sorted and disjoint; where entries overlap the larger type
 * wins, so usable (1) loses to every other type. Runs in O(n log n + n*k), k = overlap depth.
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

/* Largest type among the active entries, 0 when none. */
static u32 active_type(const struct mem_raw *raw, const u32 *active, int nactive)
{
	u32 t = 0;
	for (int i = 0; i < nactive; i++)
		if (raw[active[i]].type > t)
			t = raw[active[i]].type;
	return t;
}

int memmap_sanitize(const struct mem_raw *raw, int n, struct mem_range *out, int cap,
		    struct mem_range *scratch, int *clamped)
{
	/* scratch: 2n mem_range = 48n bytes; points take 32n, the active set 4n after them. */
	struct point *pts = (struct point *)scratch;
	u32 *active = (u32 *)(pts + 2 * n);
	int npts = 0, nout = 0, nactive = 0, nclamped = 0;

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
	for (int i = 0; i < npts; ) {
		u64 here = pts[i].addr;
		if (cur != 0 && here > prev) {
			nout = emit(out, nout, cap, prev, here, cur);
			if (nout < 0)
				return -1;
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
		cur = active_type(raw, active, nactive);
	}
	return nout;
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
