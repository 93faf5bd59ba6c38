/* tests/mm/memmap_test.c - multiboot2 parsing and memory-map sanitizing on hostile input. */
#include "tests/ktest.h"
#include "mm/mb2.h"
#include "mm/memmap.h"
#include "lib/kernel.h"
#include "lib/string.h"

static struct mem_range out[64];
static struct mem_range scratch[64];

/* Sanitize raw[] into out[]; returns the count. */
static int sanitize(const struct mem_raw *raw, int n)
{
	return memmap_sanitize(raw, n, out, (int)ARRAY_SIZE(out), scratch, NULL);
}

#define EXPECT_RANGE(t, i, b, e, ty) do { KT_EXPECT_EQ(t, out[i].base, b); \
	KT_EXPECT_EQ(t, out[i].end, e); KT_EXPECT_EQ(t, out[i].type, ty); } while (0)

/* Unsorted entries come out sorted. */
static void sanitize_unsorted(struct ktest *t)
{
	const struct mem_raw raw[] = {
		{ 0x100000, 0x100000, 1 }, { 0x0, 0x9f000, 1 }, { 0xf0000, 0x10000, 2 },
	};
	KT_ASSERT_EQ(t, sanitize(raw, 3), 3);
	EXPECT_RANGE(t, 0, 0x0, 0x9f000, 1);
	EXPECT_RANGE(t, 1, 0xf0000, 0x100000, 2);
	EXPECT_RANGE(t, 2, 0x100000, 0x200000, 1);
}

/* Reserved wins over usable where they overlap, including nested entries. */
static void sanitize_overlap_reserved_wins(struct ktest *t)
{
	const struct mem_raw raw[] = {
		{ 0x0, 0x1000000, 1 }, { 0x400000, 0x1000, 2 }, { 0x800000, 0x1000000, 3 },
	};
	KT_ASSERT_EQ(t, sanitize(raw, 3), 4);
	EXPECT_RANGE(t, 0, 0x0, 0x400000, 1);
	EXPECT_RANGE(t, 1, 0x400000, 0x401000, 2);
	EXPECT_RANGE(t, 2, 0x401000, 0x800000, 1);
	EXPECT_RANGE(t, 3, 0x800000, 0x1800000, 3);	/* ACPI (3) beats usable */
}

/* Zero-length entries vanish; touching entries of one type merge; duplicates collapse. */
static void sanitize_zero_and_merge(struct ktest *t)
{
	const struct mem_raw raw[] = {
		{ 0x1000, 0, 2 }, { 0x0, 0x2000, 1 }, { 0x2000, 0x2000, 1 }, { 0x0, 0x4000, 1 },
	};
	KT_ASSERT_EQ(t, sanitize(raw, 4), 1);
	EXPECT_RANGE(t, 0, 0x0, 0x4000, 1);
}

/* Entries above 4 GiB, crossing 4 GiB, and wrapping past 2^64 (clamped, counted). */
static void sanitize_high_and_wrap(struct ktest *t)
{
	const struct mem_raw raw[] = {
		{ 0xc0000000, 0x80000000, 1 }, { 0xfffffffffffff000ULL, 0x2000, 2 },
		{ 0xffffffff00000000ULL, 0x200000000ULL, 1 },
	};
	int clamped = 0;
	int n = memmap_sanitize(raw, 3, out, (int)ARRAY_SIZE(out), scratch, &clamped);
	KT_ASSERT_EQ(t, n, 2);
	KT_EXPECT_EQ(t, clamped, 1);
	EXPECT_RANGE(t, 0, 0xc0000000, 0x140000000ULL, 1);
	EXPECT_RANGE(t, 1, 0xffffffff00000000ULL, 0xfffffffffffff000ULL, 1);
}

/* The usable total ignores partial pages at unaligned edges. */
static void usable_bytes_unaligned(struct ktest *t)
{
	const struct mem_raw raw[] = { { 0x800, 0x2000, 1 }, { 0x10000, 0x1800, 1 } };
	KT_ASSERT_EQ(t, sanitize(raw, 2), 2);
	KT_EXPECT_EQ(t, memmap_usable_bytes(out, 2), 0x1000 + 0x1000);
}

/* mem= removes usable RAM above the limit, keeps reserved ranges. */
static void cap_usable(struct ktest *t)
{
	const struct mem_raw raw[] = {
		{ 0x0, 0x80000000, 1 }, { 0x80000000, 0x1000, 2 }, { 0x100000000ULL, 0x40000000, 1 },
	};
	KT_ASSERT_EQ(t, sanitize(raw, 3), 3);
	int n = memmap_cap_usable(out, 3, 0x40000000);
	KT_ASSERT_EQ(t, n, 2);
	EXPECT_RANGE(t, 0, 0x0, 0x40000000, 1);
	EXPECT_RANGE(t, 1, 0x80000000, 0x80001000, 2);
}

/* Too small an output array is reported, not overrun. */
static void sanitize_output_full(struct ktest *t)
{
	const struct mem_raw raw[] = { { 0, 0x1000, 1 }, { 0x2000, 0x1000, 2 }, { 0x4000, 0x1000, 1 } };
	KT_EXPECT_EQ(t, memmap_sanitize(raw, 3, out, 2, scratch, NULL), (u64)-1);
}

/* memmap= values parse as Linux's: exactmap, size@start, size$start, size#start, size!start. */
static void memmap_param(struct ktest *t)
{
	struct mem_raw r;
	KT_EXPECT_EQ(t, memmap_parse_param("exactmap", &r), 0);
	KT_ASSERT_EQ(t, memmap_parse_param("4G$0", &r), 1);
	KT_EXPECT(t, r.base == 0 && r.len == 4ULL << 30 && r.type == E820_RESERVED);
	KT_ASSERT_EQ(t, memmap_parse_param("64M@0x1000000", &r), 1);
	KT_EXPECT(t, r.base == 0x1000000 && r.len == 64ULL << 20 && r.type == E820_USABLE);
	KT_ASSERT_EQ(t, memmap_parse_param("1M#2M", &r), 1);
	KT_EXPECT_EQ(t, r.type, E820_ACPI);
	KT_ASSERT_EQ(t, memmap_parse_param("1M!2M", &r), 1);
	KT_EXPECT_EQ(t, r.type, E820_PMEM);
	KT_EXPECT_EQ(t, memmap_parse_param("4G", &r), (u64)-1);
	KT_EXPECT_EQ(t, memmap_parse_param("0$4G", &r), (u64)-1);
	KT_EXPECT_EQ(t, memmap_parse_param("x$4G", &r), (u64)-1);
	KT_EXPECT_EQ(t, memmap_parse_param(NULL, &r), (u64)-1);
	KT_EXPECT_EQ(t, memmap_parse_param("1111111111111111111111111111111111111111111111111111111111111111111$0", &r), (u64)-1);
}

/* QEMU's 512 MiB map as GRUB passes it (firmware entries for the memmap= rule). */
static const struct mem_raw qemu512[] = {
	{ 0x0, 0x9fc00, E820_USABLE }, { 0x9fc00, 0x400, E820_RESERVED },
	{ 0xf0000, 0x10000, E820_RESERVED }, { 0x100000, 0x1fee0000, E820_USABLE },
	{ 0x1ffe0000, 0x20000, E820_RESERVED }, { 0xfffc0000, 0x40000, E820_RESERVED },
};

/* qemu512 followed by the memmap= entries user[0..nuser), in raw[]. */
static struct mem_raw raw_fw_user[16];

static int with_user(const struct mem_raw *user, int nuser)
{
	memcpy(raw_fw_user, qemu512, sizeof(qemu512));
	memcpy(raw_fw_user + ARRAY_SIZE(qemu512), user, (size_t)nuser * sizeof(*user));
	return (int)ARRAY_SIZE(qemu512);
}

/* memmap=100G@0 on 512 MiB: usable only where the firmware has usable RAM; every hole and
 * everything past the end of RAM dropped and accounted; reserved ranges stay reserved. */
static void user_usable_beyond_ram(struct ktest *t)
{
	const struct mem_raw user[] = { { 0, 100ULL << 30, E820_USABLE } };
	struct memmap_dropped d;
	int nfw = with_user(user, 1);
	int n = memmap_sanitize_user(raw_fw_user, nfw, 1, false, out, (int)ARRAY_SIZE(out), scratch,
				     NULL, &d);

	KT_ASSERT_EQ(t, n, 6);
	EXPECT_RANGE(t, 0, 0x0, 0x9fc00, E820_USABLE);
	EXPECT_RANGE(t, 1, 0x9fc00, 0xa0000, E820_RESERVED);
	EXPECT_RANGE(t, 2, 0xf0000, 0x100000, E820_RESERVED);
	EXPECT_RANGE(t, 3, 0x100000, 0x1ffe0000, E820_USABLE);
	EXPECT_RANGE(t, 4, 0x1ffe0000, 0x20000000, E820_RESERVED);
	EXPECT_RANGE(t, 5, 0xfffc0000, 0x100000000ULL, E820_RESERVED);
	KT_EXPECT_EQ(t, d.ranges, 3);	/* [a0000, f0000), [512M, fffc0000), [4G, 100G) */
	KT_EXPECT_EQ(t, d.first, 0xa0000);
	KT_EXPECT_EQ(t, d.end, 100ULL << 30);
	KT_EXPECT_EQ(t, d.bytes, 0x50000 + (0xfffc0000 - 0x20000000) + (96ULL << 30));
	KT_EXPECT_EQ(t, memmap_usable_bytes(out, n), 0x9f000 + 0x1fee0000);
}

/* With exactmap the memmap= entries give the types, the firmware only says where RAM is:
 * usable over firmware usable or ACPI stays; over reserved, a hole or past RAM it goes. */
static void user_exactmap_backing(struct ktest *t)
{
	const struct mem_raw user[] = {
		{ 0x100000, 0xf00000, E820_USABLE },		/* 1M..16M: RAM */
		{ 0x1ffd0000, 0x40000, E820_USABLE },		/* half RAM, half reserved, a hole */
		{ 0x200000000ULL, 64ULL << 20, E820_USABLE },	/* 8G: nothing there */
		{ 0x400000, 0x1000, E820_RESERVED },		/* types still come from memmap= */
	};
	struct mem_raw fw_acpi[] = { { 0x0, 0x1000000, E820_USABLE },
				     { 0x1000000, 0x1000000, E820_ACPI } };
	struct memmap_dropped d;
	int nfw = with_user(user, 4);
	int n = memmap_sanitize_user(raw_fw_user, nfw, 4, true, out, (int)ARRAY_SIZE(out), scratch,
				     NULL, &d);

	KT_ASSERT_EQ(t, n, 4);
	EXPECT_RANGE(t, 0, 0x100000, 0x400000, E820_USABLE);
	EXPECT_RANGE(t, 1, 0x400000, 0x401000, E820_RESERVED);
	EXPECT_RANGE(t, 2, 0x401000, 0x1000000, E820_USABLE);
	EXPECT_RANGE(t, 3, 0x1ffd0000, 0x1ffe0000, E820_USABLE);
	KT_EXPECT_EQ(t, d.ranges, 2);
	KT_EXPECT_EQ(t, d.first, 0x1ffe0000);
	KT_EXPECT_EQ(t, d.end, 0x204000000ULL);
	KT_EXPECT_EQ(t, d.bytes, 0x30000 + (64ULL << 20));

	/* ACPI data (reclaimable) is RAM: exactmap may make it usable. */
	const struct mem_raw acpi_user[] = { { 0x0, 0x2000000, E820_USABLE } };
	memcpy(raw_fw_user, fw_acpi, sizeof(fw_acpi));
	memcpy(raw_fw_user + 2, acpi_user, sizeof(acpi_user));
	n = memmap_sanitize_user(raw_fw_user, 2, 1, true, out, (int)ARRAY_SIZE(out), scratch, NULL,
				 &d);
	KT_ASSERT_EQ(t, n, 1);
	EXPECT_RANGE(t, 0, 0x0, 0x2000000, E820_USABLE);
	KT_EXPECT_EQ(t, d.ranges, 0);
}

/* Without memmap= entries the rule changes nothing: usable firmware RAM is its own backing. */
static void user_none_is_plain_sanitize(struct ktest *t)
{
	static struct mem_range plain[64];
	struct memmap_dropped d;
	int n = memmap_sanitize(qemu512, (int)ARRAY_SIZE(qemu512), plain, 64, scratch, NULL);
	int m = memmap_sanitize_user(qemu512, (int)ARRAY_SIZE(qemu512), 0, false, out,
				     (int)ARRAY_SIZE(out), scratch, NULL, &d);

	KT_ASSERT_EQ(t, n, m);
	KT_EXPECT(t, memcmp(plain, out, (size_t)n * sizeof(out[0])) == 0);
	KT_EXPECT_EQ(t, d.ranges, 0);
}

/* Parse with the warnings of a deliberately bad value hidden from the KTAP output. */
#define QUIET(expr) ({ int _saved = console_loglevel, _r; console_loglevel = LOGLEVEL_DEFAULT; \
	_r = (expr); console_loglevel = _saved; _r; })

/* The 17th memmap= entry is refused for the table limit (reported as such, not as malformed);
 * exactmap alone is recorded; malformed values are -1. */
static void user_param_table_full(struct ktest *t)
{
	static struct memmap_user u;

	memset(&u, 0, sizeof(u));
	KT_EXPECT_EQ(t, memmap_user_param(&u, "exactmap"), 0);
	KT_EXPECT(t, u.exactmap && u.n == 0);
	for (int i = 0; i < MEMMAP_USER_MAX; i++)
		KT_EXPECT_EQ(t, memmap_user_param(&u, "4K$0x100000"), 0);
	KT_EXPECT_EQ(t, QUIET(memmap_user_param(&u, "4K$0x200000")), 1);
	KT_EXPECT_EQ(t, u.n, MEMMAP_USER_MAX);
	KT_EXPECT_EQ(t, memmap_user_param(&u, "junk"), (u64)-1);
	KT_EXPECT_EQ(t, u.map[MEMMAP_USER_MAX - 1].base, 0x100000);
}

/* mem=0 and mem= below the 4 MiB minimum are refused with a line (1), the limit unchanged;
 * a good value is taken; garbage is malformed (-1). */
static void mem_param_minimum(struct ktest *t)
{
	u64 limit = 256ULL << 20;

	KT_EXPECT_EQ(t, QUIET(memmap_mem_param("0", &limit)), 1);
	KT_EXPECT_EQ(t, QUIET(memmap_mem_param("1K", &limit)), 1);
	KT_EXPECT_EQ(t, QUIET(memmap_mem_param("4095K", &limit)), 1);
	KT_EXPECT_EQ(t, limit, 256ULL << 20);
	KT_EXPECT_EQ(t, memmap_mem_param("4M", &limit), 0);
	KT_EXPECT_EQ(t, limit, 4ULL << 20);
	KT_EXPECT_EQ(t, memmap_mem_param("lots", &limit), (u64)-1);
	KT_EXPECT_EQ(t, memmap_mem_param(NULL, &limit), (u64)-1);
	KT_EXPECT_EQ(t, limit, 4ULL << 20);
}

/* memmap_build(): exactmap alone is ignored (the firmware map, not "no map"); exactmap whose
 * ranges are not RAM falls back to the firmware map plus the other memmap= entries; no
 * firmware map at all is an error whatever memmap= says. */
static void build_exactmap_fallbacks(struct ktest *t)
{
	static struct memmap_user u;
	struct memmap_built b;
	int n;

	memset(&u, 0, sizeof(u));
	memmap_user_param(&u, "exactmap");
	memcpy(raw_fw_user, qemu512, sizeof(qemu512));
	n = QUIET(memmap_build(raw_fw_user, 6, &u, out, (int)ARRAY_SIZE(out), scratch, &b));
	KT_ASSERT_EQ(t, n, 6);
	KT_EXPECT(t, !b.exactmap);
	KT_EXPECT_EQ(t, memmap_usable_bytes(out, n), 0x9f000 + 0x1fee0000);

	memmap_user_param(&u, "64M@8G");
	memmap_user_param(&u, "4K$0x200000");
	n = QUIET(memmap_build(raw_fw_user, 6, &u, out, (int)ARRAY_SIZE(out), scratch, &b));
	KT_ASSERT_EQ(t, n, 8);
	KT_EXPECT(t, !b.exactmap);
	KT_EXPECT_EQ(t, b.dropped.ranges, 1);
	EXPECT_RANGE(t, 4, 0x200000, 0x201000, E820_RESERVED);
	KT_EXPECT_EQ(t, memmap_usable_bytes(out, n), 0x9f000 + 0x1fee0000 - 0x1000);

	KT_EXPECT_EQ(t, QUIET(memmap_build(raw_fw_user, 0, &u, out, (int)ARRAY_SIZE(out), scratch,
					   &b)), (u64)-1);
}

/* A multiboot2 block under construction. */
struct mbi {
	u8 buf[1024] __attribute__((aligned(8)));
	u32 len;
};

static void mbi_start(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

static u8 *mbi_tag(struct mbi *m, u32 type, u32 size)
{
	u8 *t = m->buf + m->len;
	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	m->len += ALIGN_UP(size, 8u);
	return t + 8;
}

static void mbi_end(struct mbi *m)
{
	mbi_tag(m, 0, 8);
	memcpy(m->buf, &m->len, 4);
}

static struct mbi mbi;

/* A well-formed block: every tag found. */
static void mb2_well_formed(struct ktest *t)
{
	struct mb2_info info;
	mbi_start(&mbi);
	memcpy(mbi_tag(&mbi, MB2_TAG_CMDLINE, 8 + 10), "mem=1G x=", 10);
	memcpy(mbi_tag(&mbi, MB2_TAG_BOOTLOADER, 8 + 5), "GRUB", 5);
	u8 *mod = mbi_tag(&mbi, MB2_TAG_MODULE, 8 + 8 + 6);
	u32 ms = 0x200000, me = 0x201000;
	memcpy(mod, &ms, 4);
	memcpy(mod + 4, &me, 4);
	memcpy(mod + 8, "a.txt", 6);
	u8 *mm = mbi_tag(&mbi, MB2_TAG_MMAP, 16 + 2 * 24);
	u32 esz = 24, ever = 0;
	memcpy(mm, &esz, 4);
	memcpy(mm + 4, &ever, 4);
	u64 e0[3] = { 0, 0x9fc00, 1 }, e1[3] = { 0x100000, 0x7ee0000, 1 };
	memcpy(mm + 8, e0, 20);
	memcpy(mm + 32, e1, 20);
	mbi_end(&mbi);

	KT_ASSERT_EQ(t, mb2_parse(mbi.buf, sizeof(mbi.buf), &info), 0);
	KT_EXPECT_STREQ(t, info.cmdline, "mem=1G x=");
	KT_EXPECT_STREQ(t, info.bootloader, "GRUB");
	KT_ASSERT_EQ(t, info.nr_modules, 1);
	KT_EXPECT_EQ(t, info.modules[0].start, 0x200000);
	KT_EXPECT_STREQ(t, info.modules[0].name, "a.txt");
	struct mem_raw raw[4];
	KT_ASSERT_EQ(t, mb2_read_mmap(&info, raw, 4), 2);
	KT_EXPECT_EQ(t, raw[1].base, 0x100000);
	KT_EXPECT_EQ(t, raw[1].len, 0x7ee0000);
	KT_EXPECT_EQ(t, raw[1].type, 1);
	KT_EXPECT_EQ(t, mb2_read_mmap(&info, raw, 1), 1);	/* truncated, with a warning */
}

/* A tag running past total_size stops parsing with a report; earlier tags survive. */
static void mb2_truncated_tag(struct ktest *t)
{
	struct mb2_info info;
	mbi_start(&mbi);
	memcpy(mbi_tag(&mbi, MB2_TAG_CMDLINE, 8 + 4), "abc", 4);
	u8 *bl = mbi_tag(&mbi, MB2_TAG_BOOTLOADER, 8 + 4);
	memcpy(bl, "xyz", 4);
	mbi_end(&mbi);
	u32 huge = 4096;
	memcpy(bl - 4, &huge, 4);		/* the bootloader tag now claims 4096 bytes */
	KT_EXPECT(t, mb2_parse(mbi.buf, sizeof(mbi.buf), &info) > 0);
	KT_EXPECT_STREQ(t, info.cmdline, "abc");
	KT_EXPECT(t, info.bootloader == NULL);
	KT_EXPECT_EQ(t, info.nr_bad, 1);
}

/* Bad headers, unterminated strings, bad entry sizes, tiny tags: reported, never read past. */
static void mb2_malformed(struct ktest *t)
{
	struct mb2_info info;
	u32 v;

	mbi_start(&mbi);
	mbi_end(&mbi);
	KT_EXPECT_EQ(t, mb2_parse(mbi.buf, 8, &info), (u64)-1);		/* avail < 16 */
	v = 100000;
	memcpy(mbi.buf, &v, 4);
	KT_EXPECT_EQ(t, mb2_parse(mbi.buf, sizeof(mbi.buf), &info), (u64)-1);	/* too big */

	mbi_start(&mbi);
	memcpy(mbi_tag(&mbi, MB2_TAG_CMDLINE, 8 + 4), "abcd", 4);	/* no NUL */
	u8 *mm = mbi_tag(&mbi, MB2_TAG_MMAP, 16 + 20);
	v = 20;							/* entry_size < 24 */
	memcpy(mm, &v, 4);
	mbi_tag(&mbi, MB2_TAG_MODULE, 8 + 4);			/* truncated module */
	mbi_tag(&mbi, MB2_TAG_MEMINFO, 8 + 4);			/* truncated meminfo */
	mbi_end(&mbi);
	KT_EXPECT_EQ(t, mb2_parse(mbi.buf, sizeof(mbi.buf), &info), 4);
	KT_EXPECT(t, info.cmdline == NULL && info.mmap == NULL && info.nr_modules == 0);

	mbi_start(&mbi);
	mbi_tag(&mbi, 77, 4);					/* size < 8 */
	mbi_end(&mbi);
	KT_EXPECT_EQ(t, mb2_parse(mbi.buf, sizeof(mbi.buf), &info), 1);

	mbi_start(&mbi);					/* no end tag */
	memcpy(mbi_tag(&mbi, MB2_TAG_CMDLINE, 8 + 2), "a", 2);
	memcpy(mbi.buf, &mbi.len, 4);
	KT_EXPECT_EQ(t, mb2_parse(mbi.buf, sizeof(mbi.buf), &info), 1);
	KT_EXPECT_STREQ(t, info.cmdline, "a");
}

static const struct ktest_case memmap_cases[] = {
	KTEST_CASE(sanitize_unsorted),
	KTEST_CASE(sanitize_overlap_reserved_wins),
	KTEST_CASE(sanitize_zero_and_merge),
	KTEST_CASE(sanitize_high_and_wrap),
	KTEST_CASE(usable_bytes_unaligned),
	KTEST_CASE(cap_usable),
	KTEST_CASE(sanitize_output_full),
	KTEST_CASE(memmap_param),
	KTEST_CASE(user_usable_beyond_ram),
	KTEST_CASE(user_exactmap_backing),
	KTEST_CASE(user_none_is_plain_sanitize),
	KTEST_CASE(user_param_table_full),
	KTEST_CASE(mem_param_minimum),
	KTEST_CASE(build_exactmap_fallbacks),
	KTEST_CASE(mb2_well_formed),
	KTEST_CASE(mb2_truncated_tag),
	KTEST_CASE(mb2_malformed),
	KTEST_END,
};

const struct ktest_suite memmap_suite = { "memmap", memmap_cases };
