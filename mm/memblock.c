/* mm/memblock.c - boot-time physical memory allocator.
 *
 * Invariants: each memblock_type array is sorted by base, its regions are page aligned,
 * disjoint and never touch (touching regions are merged). Reserved regions may lie outside
 * memory. Single-threaded: used only during boot, before the buddy allocator takes over.
 */
#include "mm/memblock.h"
#include "lib/kernel.h"
#include "lib/string.h"

void memblock_init(struct memblock *mb)
{
	memset(mb, 0, sizeof(*mb));
}

/* Insert [base, end) into type, merging with every region it overlaps or touches. */
static int type_add(struct memblock_type *t, phys_addr_t base, phys_addr_t end)
{
	int i = 0, j;

	if (base >= end)
		return 0;
	while (i < t->count && t->regions[i].end < base)
		i++;
	/* Regions i..j-1 overlap or touch [base, end): fold them in. */
	for (j = i; j < t->count && t->regions[j].base <= end; j++) {
		base = MIN(base, t->regions[j].base);
		end = MAX(end, t->regions[j].end);
	}
	if (j == i) {
		if (t->count >= MEMBLOCK_MAX_REGIONS) {
			if (t->dropped++ == 0)	/* one line; the caller can report the count */
				printk(KERN_WARNING "memblock: region table full (%d regions): [mem "
				       "%#llx-%#llx] and any later range dropped\n", MEMBLOCK_MAX_REGIONS,
				       (unsigned long long)base, (unsigned long long)end - 1);
			return -1;
		}
		memmove(&t->regions[i + 1], &t->regions[i],
			(size_t)(t->count - i) * sizeof(t->regions[0]));
		t->count++;
	} else if (j > i + 1) {
		memmove(&t->regions[i + 1], &t->regions[j],
			(size_t)(t->count - j) * sizeof(t->regions[0]));
		t->count -= j - i - 1;
	}
	t->regions[i].base = base;
	t->regions[i].end = end;
	return 0;
}

/* Cut [base, end) out of type, splitting a region when the hole falls inside it. With the
 * table full a split is impossible: then, with trim, the region loses everything from base up
 * (counted in t->dropped), else -1. */
static int type_remove(struct memblock_type *t, phys_addr_t base, phys_addr_t end, bool trim)
{
	for (int i = 0; i < t->count && base < end; i++) {
		struct memblock_region *r = &t->regions[i];
		if (r->end <= base || r->base >= end)
			continue;
		if (r->base < base && r->end > end) {		/* split in two */
			if (t->count >= MEMBLOCK_MAX_REGIONS) {
				if (!trim)
					return -1;
				t->dropped++;
				r->end = base;
				return 0;
			}
			memmove(&t->regions[i + 1], &t->regions[i],
				(size_t)(t->count - i) * sizeof(t->regions[0]));
			t->count++;
			t->regions[i].end = base;
			t->regions[i + 1].base = end;
			return 0;
		}
		if (r->base < base) {
			r->end = base;
		} else if (r->end > end) {
			r->base = end;
		} else {					/* fully covered */
			memmove(r, r + 1, (size_t)(t->count - i - 1) * sizeof(*r));
			t->count--;
			i--;
		}
	}
	return 0;
}

/* [base, base+size) shrunk inward (inward=true) or expanded outward to page boundaries,
 * saturating at the top of the address space. */
static void page_bounds(phys_addr_t base, phys_addr_t size, bool inward,
			phys_addr_t *b, phys_addr_t *e)
{
	phys_addr_t end = size > ~0ULL - base ? ~0ULL : base + size;

	if (inward) {
		*b = base > (~0ULL & PAGE_MASK) ? ~0ULL & PAGE_MASK : ALIGN_UP(base, PAGE_SIZE);
		*e = ALIGN_DOWN(end, PAGE_SIZE);
	} else {
		*b = ALIGN_DOWN(base, PAGE_SIZE);
		*e = end > (~0ULL & PAGE_MASK) ? ~0ULL & PAGE_MASK : ALIGN_UP(end, PAGE_SIZE);
	}
}

int memblock_add(struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t b, e;
	page_bounds(base, size, true, &b, &e);
	return b < e ? type_add(&mb->memory, b, e) : 0;
}

int memblock_remove(struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t b, e;
	page_bounds(base, size, false, &b, &e);
	return type_remove(&mb->memory, b, e, true);
}

int memblock_reserve(struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t b, e;
	page_bounds(base, size, false, &b, &e);
	return type_add(&mb->reserved, b, e);
}

int memblock_free(struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t b, e;
	page_bounds(base, size, false, &b, &e);
	return type_remove(&mb->reserved, b, e, false);
}

/* Walk free ranges (memory minus reserved) from the top down; stop when fn returns true. */
static bool walk_free_down(const struct memblock *mb,
			   bool (*fn)(phys_addr_t b, phys_addr_t e, void *arg), void *arg)
{
	const struct memblock_type *rs = &mb->reserved;

	for (int i = mb->memory.count - 1; i >= 0; i--) {
		phys_addr_t b = mb->memory.regions[i].base, e = mb->memory.regions[i].end;
		/* Reserved regions are sorted: scan those overlapping [b, e) from the top. */
		for (int r = rs->count - 1; r >= 0 && e > b; r--) {
			const struct memblock_region *res = &rs->regions[r];
			if (res->base >= e)
				continue;
			if (res->end <= b)
				break;
			if (res->end < e && fn(res->end, e, arg))
				return true;
			e = res->base > b ? res->base : b;
		}
		if (e > b && fn(b, e, arg))
			return true;
	}
	return false;
}

struct alloc_req {
	phys_addr_t size, align, limit, found;
};

static bool try_fit(phys_addr_t b, phys_addr_t e, void *arg)
{
	struct alloc_req *req = arg;

	if (req->limit && e > req->limit)
		e = req->limit;
	if (e <= b || e - b < req->size)
		return false;
	phys_addr_t base = ALIGN_DOWN(e - req->size, req->align);
	if (base < b || base == 0)	/* 0 means failure: never hand out page 0 */
		return false;
	req->found = base;
	return true;
}

phys_addr_t memblock_alloc(struct memblock *mb, phys_addr_t size, phys_addr_t align)
{
	struct alloc_req req = { ALIGN_UP(size, PAGE_SIZE), MAX(align, PAGE_SIZE), mb->alloc_limit, 0 };

	if (size == 0 || (align & (align - 1)))
		return 0;
	if (!walk_free_down(mb, try_fit, &req))
		return 0;
	if (memblock_reserve(mb, req.found, req.size) < 0)
		return 0;
	mb->allocated += req.size;
	return req.found;
}

struct free_check {
	phys_addr_t base, end;
	bool ok;
};

static bool covers(phys_addr_t b, phys_addr_t e, void *arg)
{
	struct free_check *c = arg;
	c->ok = b <= c->base && c->end <= e;
	return c->ok;
}

bool memblock_is_free(const struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	struct free_check c = { base, base + size, false };
	if (size == 0 || base + size < base)
		return false;
	walk_free_down(mb, covers, &c);
	return c.ok;
}

bool memblock_is_memory(const struct memblock *mb, phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;

	if (size == 0 || end < base)
		return false;
	for (int i = 0; i < mb->memory.count; i++)
		if (mb->memory.regions[i].base <= base && end <= mb->memory.regions[i].end)
			return true;
	return false;
}

phys_addr_t memblock_end(const struct memblock *mb)
{
	return mb->memory.count ? mb->memory.regions[mb->memory.count - 1].end : 0;
}

phys_addr_t memblock_phys_mem_size(const struct memblock *mb)
{
	phys_addr_t sum = 0;
	for (int i = 0; i < mb->memory.count; i++)
		sum += mb->memory.regions[i].end - mb->memory.regions[i].base;
	return sum;
}

void memblock_for_each_free(const struct memblock *mb,
			    void (*fn)(phys_addr_t base, phys_addr_t end, void *arg), void *arg)
{
	const struct memblock_type *rs = &mb->reserved;
	int r = 0;

	for (int i = 0; i < mb->memory.count; i++) {
		phys_addr_t b = mb->memory.regions[i].base, e = mb->memory.regions[i].end;
		while (r < rs->count && rs->regions[r].end <= b)
			r++;
		for (int k = r; k < rs->count && rs->regions[k].base < e; k++) {
			if (rs->regions[k].base > b)
				fn(b, rs->regions[k].base, arg);
			if (rs->regions[k].end > b)
				b = rs->regions[k].end;
		}
		if (b < e)
			fn(b, e, arg);
	}
}
