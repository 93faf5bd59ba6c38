/* tools/mkmbi.c - write hand-made hostile multiboot2 information blocks for mb2dump, the tests
 * and the fuzz corpus.
 *
 *   build/host/mkmbi DIR     writes DIR/hostile-<name>.mbi and DIR/hostile-<name>.expect
 *
 * Each block is built tag by tag as GRUB lays them out (8-byte header per tag, tags 8-aligned,
 * an end tag), then broken in one way the issue lists (or a few more). Its .expect file says
 * what mb2dump must do with it:
 *     # hostile-<name>.mbi: <what is wrong>
 *     # mb2dump-args: <options>                          (when it needs some)
 *     # mb2dump-exit: <status>
 *     <text that must appear in some output line>        (one per line, fixed strings)
 * The expected texts are the kernel's own messages (mm/mb2.c, kernel/setup.c, mm/memmap.c,
 * mm/memblock.c as mirrored by tools/mb2sim.c) and mb2dump's summary line. tests/data/mbi holds
 * the output; scripts/test.sh regenerates it and checks that nothing differs. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define E_USABLE   1u
#define E_RESERVED 2u
#define E_ACPI     3u

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)
#define KiB (1ULL << 10)

struct blk {
	u8 buf[1 << 20];
	size_t len;
};

static struct blk b;
static const char *outdir;
static char expect[8192];
static size_t expect_len;
static int written;
static const char *args;	/* mb2dump options for this block (the .expect header) */

static void put(const void *p, size_t n)
{
	if (b.len + n > sizeof(b.buf)) {
		fprintf(stderr, "mkmbi: block too large\n");
		exit(2);
	}
	memcpy(b.buf + b.len, p, n);
	b.len += n;
}

static void put32(u32 v) { put(&v, 4); }
static void put64(u64 v) { put(&v, 8); }

static void pad8(void)
{
	static const u8 zero[8];
	if (b.len % 8)
		put(zero, 8 - b.len % 8);
}

static void set32(size_t off, u32 v) { memcpy(b.buf + off, &v, 4); }

/* Start a block: total_size (patched by finish) and reserved. */
static void start(void)
{
	b.len = 0;
	put32(0);
	put32(0);
	expect_len = 0;
	expect[0] = '\0';
	args = NULL;
}

/* Open a tag; returns its offset. close_tag() sets its size and pads to 8. */
static size_t open_tag(u32 type)
{
	size_t off = b.len;
	put32(type);
	put32(0);
	return off;
}

static void close_tag(size_t off)
{
	set32(off + 4, (u32)(b.len - off));
	pad8();
}

static void tag_string(u32 type, const char *s)
{
	size_t off = open_tag(type);
	put(s, strlen(s) + 1);
	close_tag(off);
}

static void tag_meminfo(u32 lower, u32 upper)
{
	size_t off = open_tag(4);
	put32(lower);
	put32(upper);
	close_tag(off);
}

static void tag_module(u32 s, u32 e, const char *name)
{
	size_t off = open_tag(3);
	put32(s);
	put32(e);
	put(name, strlen(name) + 1);
	close_tag(off);
}

struct ent {
	u64 base, len;
	u32 type;
};

/* A memory map tag with entries of esize bytes (>= 24: the rest zero-filled). */
static size_t tag_mmap_es(const struct ent *e, size_t n, u32 esize)
{
	size_t off = open_tag(6);
	put32(esize);
	put32(0);
	for (size_t i = 0; i < n; i++) {
		u8 raw[64] = { 0 };
		memcpy(raw, &e[i].base, 8);
		memcpy(raw + 8, &e[i].len, 8);
		memcpy(raw + 16, &e[i].type, 4);
		put(raw, esize < sizeof(raw) ? esize : sizeof(raw));
	}
	close_tag(off);
	return off;
}

static size_t tag_mmap(const struct ent *e, size_t n)
{
	return tag_mmap_es(e, n, 24);
}

static void tag_end(void)
{
	put32(0);
	put32(8);
}

/* The usual head: boot loader name and command line. */
static void head(const char *cmdline)
{
	tag_string(2, "mkmbi hostile block");
	tag_string(1, cmdline);
	tag_meminfo(639, 523136);
}

/* QEMU's map for 512 MiB, as GRUB passes it. */
static const struct ent qemu512[] = {
	{ 0x0, 0x9fc00, E_USABLE }, { 0x9fc00, 0x400, E_RESERVED }, { 0xf0000, 0x10000, E_RESERVED },
	{ 0x100000, 0x1fee0000, E_USABLE }, { 0x1ffe0000, 0x20000, E_RESERVED },
	{ 0xfffc0000, 0x40000, E_RESERVED },
};

static void want(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(expect + expect_len, sizeof(expect) - expect_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(expect) - expect_len - 1) {
		fprintf(stderr, "mkmbi: expectations too long\n");
		exit(2);
	}
	expect_len += (size_t)n;
	expect[expect_len++] = '\n';
	expect[expect_len] = '\0';
}

static void write_file(const char *name, const char *ext, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/hostile-%s.%s", outdir, name, ext);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "mkmbi: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

/* Write the block (total_size = its length unless told) and its expectations. */
static void emit(const char *name, const char *what, int status, long total)
{
	set32(0, total < 0 ? (u32)b.len : (u32)total);
	char hdr[1024];
	int n = snprintf(hdr, sizeof(hdr), "# hostile-%s.mbi: %s\n%s%s%s# mb2dump-exit: %d\n", name,
			 what, args ? "# mb2dump-args: " : "", args ? args : "", args ? "\n" : "",
			 status);
	char all[sizeof(hdr) + sizeof(expect)];
	memcpy(all, hdr, (size_t)n);
	memcpy(all + n, expect, expect_len);
	write_file(name, "mbi", b.buf, b.len);
	write_file(name, "expect", all, (size_t)n + expect_len);
	written++;
}

/* ---- the cases: each builds one block after start() and lists the texts mb2dump must print;
 * it returns the total_size to write in the header, or SIZE_OF_BLOCK for the block's length. */
#define SIZE_OF_BLOCK (-1L)

/* Overlapping and nested entries: the sanitizer must come out sorted and disjoint. */
static long mk_overlap_nested(void)
{
	static const struct ent e[] = {
		{ 0x100000, 0x1fee0000, E_USABLE },	/* 1 MiB .. 512 MiB */
		{ 0x1000000, 0x100000, E_RESERVED },	/* nested in it */
		{ 0x1f000000, 0x2000000, E_ACPI },	/* overlaps its end */
		{ 0x0, 0xa0000, E_USABLE },
		{ 0x9f000, 0x2000, E_RESERVED },	/* overlaps low RAM's end */
		{ 0x100000, 0x1fee0000, E_USABLE },	/* a duplicate */
		{ 0x4000000, 0x1000, E_USABLE },	/* usable nested in usable */
	};
	head("overlap");
	tag_mmap(e, sizeof(e) / sizeof(e[0]));
	tag_end();
	want("BIOS-provided physical RAM map (7 entries, 6 after sanitizing):");
	want("BIOS-e820: [mem 0x0000000000000000-0x000000000009efff] usable");
	want("BIOS-e820: [mem 0x000000000009f000-0x00000000000a0fff] reserved");
	want("BIOS-e820: [mem 0x0000000000100000-0x0000000000ffffff] usable");
	want("BIOS-e820: [mem 0x0000000001000000-0x00000000010fffff] reserved");
	want("BIOS-e820: [mem 0x0000000001100000-0x000000001effffff] usable");
	want("BIOS-e820: [mem 0x000000001f000000-0x0000000020ffffff] ACPI data");
	want("mb2dump: warning: 5 raw entries overlap an earlier one (3 nested inside it)");
	want("mb2dump: result: usable, 1 warnings");
	return SIZE_OF_BLOCK;
}

/* Entries wrapping past 2^64 are clamped (and counted). */
static long mk_wrap_2p64(void)
{
	static const struct ent e[] = {
		{ 0x0, 0x9fc00, E_USABLE }, { 0x100000, 0x1000000, E_USABLE },
		{ 0xffffffff00000000ULL, 0x200000000ULL, E_USABLE },
		{ 0xfffffffffffff000ULL, 0x2000, E_RESERVED },
		{ ~0ULL, 1, E_RESERVED },
		{ 0x2000000, ~0ULL, E_RESERVED },
	};
	head("wrap");
	tag_mmap(e, sizeof(e) / sizeof(e[0]));
	tag_end();
	want("e820: 2 entries wrapped past 2^64 and were clamped");
	want("BIOS-e820: [mem 0x0000000002000000-0xffffffffffffefff] reserved");
	want("mb2dump: result: usable");
	return SIZE_OF_BLOCK;
}

/* entry_size smaller than an entry, and not a multiple of 8; larger (legal). */
static long mk_esize_small(void)
{
	head("small");
	size_t off = tag_mmap_es(qemu512, 6, 16);
	tag_end();
	want("mb2: tag 6 at offset %zu: memory map entry_size not >= 24 and 8-aligned; skipped", off);
	want("setup: no memory map from the boot loader");
	want("mb2dump: result: the kernel would stop");
	return SIZE_OF_BLOCK;
}

static long mk_esize_unaligned(void)
{
	head("unaligned");
	size_t off = tag_mmap_es(qemu512, 6, 28);
	tag_end();
	want("mb2: tag 6 at offset %zu: memory map entry_size not >= 24 and 8-aligned; skipped", off);
	want("setup: no memory map from the boot loader");
	return SIZE_OF_BLOCK;
}

static long mk_esize_32(void)
{
	head("big");
	tag_mmap_es(qemu512, 6, 32);	/* legal: larger entries, read at 32-byte steps */
	tag_end();
	want("mb2dump: memory map tag: entry_size 32, 6 entries");
	want("BIOS-e820: [mem 0x0000000000100000-0x000000001ffdffff] usable");
	want("mb2dump: result: clean");
	return SIZE_OF_BLOCK;
}

/* A tag running past the block's total size; a tag smaller than its header; no end tag. */
static long mk_tag_past_end(void)
{
	head("past");
	size_t off = tag_mmap(qemu512, 6);
	tag_end();
	set32(off + 4, (u32)(b.len - off + 64));
	want("mb2: tag 6 at offset %zu: size %u runs past the block", off, (u32)(b.len - off + 64));
	want("setup: no memory map from the boot loader");
	return SIZE_OF_BLOCK;
}

static long mk_tag_size_wrap(void)
{
	head("huge tag");
	size_t off = tag_mmap(qemu512, 6);
	tag_end();
	set32(off + 4, 0xfffffff8u);
	want("mb2: tag 6 at offset %zu: size 4294967288 runs past the block", off);
	return SIZE_OF_BLOCK;
}

static long mk_tag_size_small(void)
{
	head("tiny tag");
	size_t off = open_tag(4);
	close_tag(off);
	set32(off + 4, 4);
	tag_mmap(qemu512, 6);
	tag_end();
	want("mb2: tag 4 at offset %zu: size 4 runs past the block", off);
	return SIZE_OF_BLOCK;
}

static long mk_no_end_tag(void)
{
	head("no end");
	tag_mmap(qemu512, 6);
	want("mb2: no end tag within total_size");
	want("BIOS-e820: [mem 0x0000000000100000-0x000000001ffdffff] usable");
	return SIZE_OF_BLOCK;
}

/* The block header itself. */
static long mk_total_past_file(void)
{
	head("too big");
	tag_mmap(qemu512, 6);
	tag_end();
	want("mb2: total_size %zu is not within [16, %zu]", b.len + 4096, b.len);
	want("mb2dump: result: the kernel would stop");
	return (long)b.len + 4096;
}

static long mk_total_too_small(void)
{
	head("too small");
	tag_end();
	want("is not within [16,");
	return 8;
}

static long mk_truncated_header(void)
{
	put32(0);
	put32(0);
	b.len = 10;
	want("mb2: information block too small to read (10 bytes)");
	return 10;
}

static long mk_empty(void)
{
	b.len = 0;
	want("mb2: information block too small to read (0 bytes)");
	return 0;
}

/* Memory map tags that give nothing, or twice. */
static long mk_no_mmap(void)
{
	head("no map");
	tag_end();
	want("setup: no memory map from the boot loader");
	return SIZE_OF_BLOCK;
}

static long mk_mmap_empty(void)
{
	head("empty map");
	tag_mmap(qemu512, 0);
	tag_end();
	want("setup: no memory map from the boot loader");
	return SIZE_OF_BLOCK;
}

static long mk_two_mmaps(void)
{
	head("two maps");
	tag_mmap(qemu512, 6);
	size_t off = tag_mmap(qemu512, 2);
	tag_end();
	want("mb2: tag 6 at offset %zu: second memory map tag; skipped", off);
	want("BIOS-provided physical RAM map (6 entries, 6 after sanitizing):");
	return SIZE_OF_BLOCK;
}

static long mk_esize_huge(void)
{
	head("huge entry size");
	tag_mmap_es(qemu512, 0, 0x7ffffff8u);
	tag_end();
	want("mb2dump: memory map tag: entry_size 2147483640, 0 entries");
	want("setup: no memory map from the boot loader");
	return SIZE_OF_BLOCK;
}

/* No usable memory below 4 GiB, none at all, only the first page. */
static long mk_no_low_usable(void)
{
	static const struct ent high[] = {
		{ 0x0, 0x100000000ULL, E_RESERVED }, { 0x100000000ULL, 2 * GiB, E_USABLE },
	};
	head("high only");
	tag_mmap(high, 2);
	tag_end();
	want("mb2dump: warning: no free RAM below 4 GiB: ZONE_DMA and ZONE_DMA32 are empty");
	want("  DMA      empty");
	want("  DMA32    empty");
	want("  Normal   [mem 0x0000000100000000-0x000000017fffffff]");
	return SIZE_OF_BLOCK;
}

static long mk_no_low_usable_600g(void)
{
	static const struct ent far[] = {
		{ 0x0, 4 * GiB, E_RESERVED }, { 600 * GiB, 2 * GiB, E_USABLE },
	};
	head("far");
	tag_mmap(far, 2);
	tag_end();
	want("the direct map's page tables come from the kernel's pool of 16 pages");
	want("  Normal   [mem 0x0000000100000000-0x000000967fffffff]");
	want("page tables");
	return SIZE_OF_BLOCK;
}

static long mk_no_low_usable_60t(void)
{
	static const struct ent farther[] = {
		{ 0x0, 4 * GiB, E_RESERVED }, { 60ULL << 40, 2 * GiB, E_USABLE },
	};
	head("farther");
	tag_mmap(farther, 2);
	tag_end();
	want("setup: out of page-table pages for the direct map (no usable RAM below 4 GiB and "
	     "the built-in pool spent)");
	return SIZE_OF_BLOCK;
}

static long mk_no_usable(void)
{
	static const struct ent none[] = {
		{ 0x0, 0x9fc00, E_RESERVED }, { 0x100000, 0x1fee0000, 4 }, { 0x20000000, MiB, 5 },
	};
	head("none");
	tag_mmap(none, 3);
	tag_end();
	want("setup: no usable RAM in the memory map");
	return SIZE_OF_BLOCK;
}

static long mk_only_page0(void)
{
	static const struct ent page0[] = { { 0x0, 0x1000, E_USABLE } };
	head("page 0");
	tag_mmap(page0, 1);
	tag_end();
	want("setup: out of memory for the section map");
	return SIZE_OF_BLOCK;
}

/* Usable ranges covering the kernel image (mb2dump --image=0x100000-0x200000 in the test), a
 * module inside the image, modules overlapping, malformed module tags. */
static long mk_image_covered(void)
{
	static const struct ent all[] = { { 0x0, 512 * MiB, E_USABLE } };
	head("cover");
	args = "--image=0x100000-0x200000";
	tag_mmap(all, 1);
	tag_module(0x180000, 0x190000, "inside-the-image");
	tag_module(0x300000, 0x310000, "a");
	tag_module(0x308000, 0x320000, "b overlaps a");
	tag_end();
	want("reserve [mem 0x0000000000100000-0x00000000001fffff] kernel image");
	want("mb2dump: warning: module 0 [mem 0x180000-0x18ffff] overlaps the kernel image");
	want("mb2dump: warning: modules 1 and 2 overlap");
	want("reserve [mem 0x0000000000300000-0x000000000030ffff] module");
	return SIZE_OF_BLOCK;
}

static long mk_image_not_ram(void)
{
	static const struct ent holed[] = {
		{ 0x0, 0x9fc00, E_USABLE }, { 0x100000, 0x80000, E_RESERVED },
		{ 0x180000, 0x1fe80000, E_USABLE },
	};
	head("image not RAM");
	args = "--image=0x100000-0x200000";
	tag_mmap(holed, 3);
	tag_end();
	want("mb2dump: warning: the kernel image [mem 0x100000-0x1fffff] is not all usable RAM");
	return SIZE_OF_BLOCK;
}

static long mk_modules(void)
{
	head("bad modules");
	tag_mmap(qemu512, 6);
	size_t off = b.len;
	tag_module(0x400000, 0x300000, "backwards");
	size_t off2 = open_tag(3);
	put32(0x500000);
	close_tag(off2);
	for (int i = 0; i < 66; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", i);
		tag_module(0x600000 + (u32)i * 0x1000, 0x600800 + (u32)i * 0x1000, name);
	}
	tag_end();
	want("mb2: tag 3 at offset %zu: module ends before it starts; skipped", off);
	want("mb2: tag 3 at offset %zu: truncated module tag; skipped", off2);
	want("too many modules; skipped");
	want("reserve [mem 0x000000000063f000-0x000000000063f7ff] module");
	return SIZE_OF_BLOCK;
}

/* Strings: not NUL-terminated; a command line beyond the kernel's 1024 bytes; mem=. */
static long mk_unterminated_strings(void)
{
	size_t off = open_tag(1);
	put("mem=64M no-nul", 14);
	close_tag(off);
	size_t off2 = open_tag(2);
	put("GRUB", 4);
	close_tag(off2);
	tag_mmap(qemu512, 6);
	tag_end();
	want("mb2: tag 1 at offset %zu: string not NUL-terminated; skipped", off);
	want("mb2: tag 2 at offset %zu: string not NUL-terminated; skipped", off2);
	want("Command line: ");
	return SIZE_OF_BLOCK;
}

static long mk_long_cmdline(void)
{
	static char longline[3001];
	memset(longline, 'x', sizeof(longline) - 1);
	memcpy(longline, "mem=256M ", 9);
	tag_string(1, longline);
	tag_mmap(qemu512, 6);
	tag_end();
	want("cmdline: longer than 1023 bytes, truncated");
	want("user: [mem 0x0000000000100000-0x000000000fffffff] usable");
	return SIZE_OF_BLOCK;
}

static long mk_bad_mem(void)
{
	tag_string(1, "mem=256M mem=1k mem=0xZZ mem=\"12 G\" mem=0");
	tag_mmap(qemu512, 6);
	tag_end();
	want("cmdline: bad value for 'mem': '0xZZ'");
	want("cmdline: bad value for 'mem': '12 G'");
	want("cmdline: mem=1k is below 4 MiB, ignored");
	want("cmdline: mem=0 is below 4 MiB, ignored");
	want("user: [mem 0x0000000000100000-0x000000000fffffff] usable");	/* 256M kept */
	return SIZE_OF_BLOCK;
}

/* memmap= on the command line: exactmap, entries of each kind, malformed ones, too many. */
static long mk_memmap(void)
{
	tag_string(2, "mkmbi hostile block");
	tag_string(1, "memmap=exactmap memmap=0x9f000@0 memmap=63M@1M memmap=4K$0x200000 "
		      "memmap=1M#0x3000000 memmap=junk memmap=0@1M memmap=1M memmap="
		      "1@1 memmap=1@2 memmap=1@3 memmap=1@4 memmap=1@5 memmap=1@6 memmap=1@7 "
		      "memmap=1@8 memmap=1@9 memmap=1@10 memmap=1@11 memmap=1@12 memmap=1@13");
	tag_mmap(qemu512, 6);
	tag_end();
	want("e820: 16 memmap= entries from the command line (exactmap: they replace the boot "
	     "loader's map)");
	want("cmdline: bad value for 'memmap': 'junk'");
	want("cmdline: bad value for 'memmap': '0@1M'");
	want("cmdline: bad value for 'memmap': '1M'");
	want("cmdline: memmap=1@13 ignored: too many memmap= entries (max 16)");
	want("BIOS-e820: [mem 0x0000000000200000-0x0000000000200fff] reserved");
	want("BIOS-e820: [mem 0x0000000003000000-0x00000000030fffff] ACPI data");
	return SIZE_OF_BLOCK;
}

/* Usable RAM the machine does not have: only what the firmware calls RAM is kept. */
static long mk_memmap_beyond_ram(void)
{
	head("memmap=100G@0");
	tag_mmap(qemu512, 6);
	tag_end();
	want("e820: memmap= usable RAM the boot loader's map does not have, dropped: [mem "
	     "0x00000000000a0000-0x00000018ffffffff] (3 ranges, 104333376K)");
	want("BIOS-e820: [mem 0x0000000000100000-0x000000001ffdffff] usable");
	want("direct map: [mem 0x0-0x1ffdffff]");
	return SIZE_OF_BLOCK;
}

static long mk_memmap_exactmap_no_ram(void)
{
	head("memmap=exactmap memmap=64M@8G memmap=4K$0x200000");
	tag_mmap(qemu512, 6);
	tag_end();
	want("e820: memmap= usable RAM the boot loader's map does not have, dropped: [mem "
	     "0x0000000200000000-0x0000000203ffffff] (1 range, 65536K)");
	want("e820: memmap=exactmap leaves no usable RAM that the boot loader's map has: "
	     "exactmap ignored, the boot loader's map is used");
	want("BIOS-e820: [mem 0x0000000000200000-0x0000000000200fff] reserved");
	want("direct map: [mem 0x0-0x1ffdffff]");
	return SIZE_OF_BLOCK;
}

static long mk_memmap_exactmap_alone(void)
{
	head("memmap=exactmap");
	tag_mmap(qemu512, 6);
	tag_end();
	want("e820: memmap=exactmap without a memmap= range: ignored, the boot loader's map is "
	     "used");
	want("BIOS-e820: [mem 0x0000000000100000-0x000000001ffdffff] usable");
	return SIZE_OF_BLOCK;
}

/* Too little memory for every section's frame descriptors (1 MiB per 128 MiB section): the
 * sections left without them are dropped, the rest boots. */
static long mk_vmemmap_oom(void)
{
	static const struct ent e[] = {
		{ 0x100000, 0x400000, E_USABLE }, { 128 * MiB, 512 * KiB, E_USABLE },
		{ 256 * MiB, 512 * KiB, E_USABLE }, { 384 * MiB, 512 * KiB, E_USABLE },
	};
	head("vmemmap");
	tag_mmap(e, 4);
	tag_end();
	args = "--image=0x100000-0x242000 --mbi-at=0x330000";
	want("setup: out of memory for the frame descriptors of 2 sections in [mem "
	     "0x0000000008000000-0x0000000017ffffff]: their 1024K of RAM dropped");
	want("memmap 1028 KiB for 2 sections of 128 MiB");
	return SIZE_OF_BLOCK;
}

/* Odd entries: zero lengths, type 0 (a hole), unknown types, unaligned usable ranges. */
static long mk_odd_entries(void)
{
	static const struct ent e[] = {
		{ 0x0, 0x9fc00, E_USABLE }, { 0x50000, 0, E_RESERVED },
		{ 0x100000, 0x1fee0000, E_USABLE }, { 0x800000, 0x100000, 0 },
		{ 0x1000000, 0x1000, 0xffffffffu }, { 0x2000123, 0x2345, E_USABLE },
		{ 0x30000000, 0, E_USABLE }, { 0x40000000, 0x10000000, 7 },
	};
	head("odd");
	tag_mmap(e, sizeof(e) / sizeof(e[0]));
	tag_end();
	want("mb2dump: 2 zero-length raw entries dropped");
	want("mb2dump: 3 raw entries of type 0 or above 5");
	want("BIOS-e820: [mem 0x0000000001000000-0x0000000001000fff] type 4294967295");
	want("BIOS-e820: [mem 0x0000000040000000-0x000000004fffffff] type 7");
	return SIZE_OF_BLOCK;
}

/* RAM beyond the direct map's 64 TiB. */
static long mk_huge_ram(void)
{
	static const struct ent e[] = {
		{ 0x0, 0x9fc00, E_USABLE }, { 0x100000, 0x1fee0000, E_USABLE },
		{ 1ULL << 40, 1ULL << 62, E_USABLE },
	};
	head("huge");
	tag_mmap(e, 3);
	tag_end();
	want("mb2dump: warning: usable RAM at and above 64 TiB (2^46) is beyond the direct map");
	want("direct map: [mem 0x0-0x3fffffffffff]");
	want("for 516100 sections of 128 MiB");
	return SIZE_OF_BLOCK;
}

/* Thousands of tiny entries: beyond the kernel's 4096 raw entries. */
static long mk_tiny_entries(void)
{
	static struct ent e[5000];
	size_t n = 0;
	e[n++] = (struct ent){ 0x0, 0x9fc00, E_USABLE };
	e[n++] = (struct ent){ 0x100000, 0x3f00000, E_USABLE };
	for (u32 i = 0; n < 5000; i++)
		e[n++] = (struct ent){ 0x4000000 + (u64)i * 0x1000 + (i % 7) * 16,
				       1 + (i * 37) % 4000, 1 + i % 5 };
	head("tiny");
	tag_mmap(e, n);
	tag_end();
	want("mb2: memory map has 5000 entries, only the first 4080 used");	/* 16 kept for memmap= */
	want("BIOS-provided physical RAM map (4080 entries,");
	want("mb2dump: result: usable, 1 warnings");
	return SIZE_OF_BLOCK;
}

/* 3000 usable pages apart from each other: more regions than memblock's 1024. */
static long mk_many_regions(void)
{
	static struct ent e[3002];
	size_t n = 0;
	e[n++] = (struct ent){ 0x0, 0x9fc00, E_USABLE };
	e[n++] = (struct ent){ 0x100000, 0x3f00000, E_USABLE };
	for (u32 i = 0; i < 3000; i++)
		e[n++] = (struct ent){ 0x4000000 + (u64)i * 0x2000, 0x1000, E_USABLE };
	head("pages");
	tag_mmap(e, n);
	tag_end();
	want("memblock: region table full");
	want("mb2dump: warning: 1977 usable ranges were lost: the boot allocator holds 1024 regions");
	return SIZE_OF_BLOCK;
}

/* Broken ACPI and ELF tags, an unknown tag type. */
static long mk_bad_tags(void)
{
	head("acpi");
	tag_mmap(qemu512, 6);
	size_t off = open_tag(14);
	put("RSD PTX 01234567890", 20);
	close_tag(off);
	size_t off2 = open_tag(15);
	put("RSD PTR ", 8);
	close_tag(off2);
	size_t off3 = open_tag(9);
	put32(3);
	close_tag(off3);
	size_t off4 = open_tag(0x12345678u);
	put64(0);
	close_tag(off4);
	tag_end();
	want("mb2: tag 14 at offset %zu: bad ACPI RSDP copy; skipped", off);
	want("mb2: tag 15 at offset %zu: bad ACPI RSDP copy; skipped", off2);
	want("mb2: tag 9 at offset %zu: truncated ELF sections tag; skipped", off3);
	return SIZE_OF_BLOCK;
}

/* Every block: hostile-<name>.mbi, what is wrong with it, mb2dump's exit status. */
static const struct mkcase {
	const char *name;
	long (*build)(void);
	const char *what;
	int status;
} cases[] = {
	{ "overlap-nested", mk_overlap_nested, "overlapping, nested and duplicate entries", 0 },
	{ "wrap-2p64", mk_wrap_2p64, "entries wrapping past 2^64", 0 },
	{ "esize-small", mk_esize_small, "memory map entry_size 16, smaller than an entry", 1 },
	{ "esize-unaligned", mk_esize_unaligned, "memory map entry_size 28, not a multiple of 8",
	  1 },
	{ "esize-32", mk_esize_32, "memory map entry_size 32 (legal, larger than an entry)", 0 },
	{ "tag-past-end", mk_tag_past_end, "the memory map tag runs past total_size", 1 },
	{ "tag-size-wrap", mk_tag_size_wrap,
	  "a tag size of 0xfffffff8 (would wrap a 32-bit offset)", 1 },
	{ "tag-size-small", mk_tag_size_small, "a tag of size 4, smaller than a tag header", 1 },
	{ "no-end-tag", mk_no_end_tag, "no end tag (the map is still read)", 1 },
	{ "total-past-file", mk_total_past_file, "total_size larger than the block", 1 },
	{ "total-too-small", mk_total_too_small, "total_size 8", 1 },
	{ "truncated-header", mk_truncated_header, "a 10-byte file", 1 },
	{ "empty", mk_empty, "an empty file", 1 },
	{ "no-mmap", mk_no_mmap, "no memory map tag", 1 },
	{ "mmap-empty", mk_mmap_empty, "a memory map tag with no entry", 1 },
	{ "two-mmaps", mk_two_mmaps, "two memory map tags (the first one counts)", 1 },
	{ "esize-huge", mk_esize_huge, "entry_size 0x7ffffff8: no entry fits", 1 },
	{ "no-low-usable", mk_no_low_usable, "usable RAM only above 4 GiB", 0 },
	{ "no-low-usable-600g", mk_no_low_usable_600g, "usable RAM only at 600 GiB: the direct "
	  "map's first table comes from the kernel's built-in pool", 0 },
	{ "no-low-usable-60t", mk_no_low_usable_60t, "usable RAM only at 60 TiB: 119 direct-map "
	  "tables, more than the kernel's pool of 16", 1 },
	{ "no-usable", mk_no_usable, "no usable entry at all", 1 },
	{ "only-page0", mk_only_page0, "the only usable RAM is page 0 (always reserved)", 1 },
	{ "image-covered", mk_image_covered, "one usable range over everything, image included; "
	  "modules in the image and overlapping", 0 },
	{ "image-not-ram", mk_image_not_ram, "the map says half the kernel image is reserved", 0 },
	{ "modules", mk_modules, "a backwards module, a truncated module tag, 66 modules (64 kept)",
	  1 },
	{ "unterminated-strings", mk_unterminated_strings,
	  "command line and boot loader name without a NUL", 1 },
	{ "long-cmdline", mk_long_cmdline, "a 3000-byte command line (mem=256M first)", 0 },
	{ "bad-mem", mk_bad_mem, "mem= values: zero, too small, not a number, with a space, after "
	  "a good one", 0 },
	{ "memmap", mk_memmap, "memmap=exactmap and 21 memmap= values: 16 kept, malformed ones, one "
	  "too many", 0 },
	{ "memmap-beyond-ram", mk_memmap_beyond_ram,
	  "memmap=100G@0 on 512 MiB: all but the real RAM dropped", 0 },
	{ "memmap-exactmap-no-ram", mk_memmap_exactmap_no_ram, "memmap=exactmap whose only usable "
	  "range is not RAM: the firmware map (with the other memmap= entries)", 0 },
	{ "memmap-exactmap-alone", mk_memmap_exactmap_alone, "memmap=exactmap and nothing else",
	  0 },
	{ "vmemmap-oom", mk_vmemmap_oom, "RAM in four sections, memory for the descriptors of two",
	  0 },
	{ "odd-entries", mk_odd_entries, "zero lengths, type 0, unknown types, unaligned ranges",
	  0 },
	{ "huge-ram", mk_huge_ram, "usable RAM from 1 TiB to 2^62 (capped at 64 TiB)", 0 },
	{ "tiny-entries", mk_tiny_entries, "5000 entries, most of them a few bytes long", 0 },
	{ "many-regions", mk_many_regions,
	  "3000 single usable pages apart (memblock holds 1024 regions)", 0 },
	{ "bad-tags", mk_bad_tags,
	  "bad ACPI RSDP copies, a truncated ELF sections tag, an unknown tag", 1 },
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkmbi DIR\n");
		return 2;
	}
	outdir = argv[1];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start();
		long total = cases[i].build();
		emit(cases[i].name, cases[i].what, cases[i].status, total);
	}
	printf("mkmbi: wrote %d blocks to %s\n", written, outdir);
	return 0;
}
