/* mm/mb2.c - multiboot2 information parser.
 *
 * The block is untrusted: every length is checked against the block and against the tag before
 * anything is read, strings must be NUL-terminated inside their tag, and a bad tag is reported
 * in one line and skipped. Nothing here writes to the block.
 */
#include "mm/mb2.h"
#include "lib/kernel.h"
#include "lib/string.h"

#define MB2_TAG_HDR 8u

static u32 rd32(const u8 *p)
{
	u32 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* The string at p (len bytes available) if it is NUL-terminated within them, else NULL. */
static const char *tag_string(const u8 *p, u32 len)
{
	for (u32 i = 0; i < len; i++)
		if (p[i] == '\0')
			return (const char *)p;
	return NULL;
}

static int bad_tag(struct mb2_info *info, u32 type, u32 off, const char *why)
{
	printk(KERN_WARNING "mb2: tag %u at offset %u: %s; skipped\n", type, off, why);
	info->nr_bad++;
	return 1;
}

/* Decode one tag of known-good bounds (size >= 8, inside the block). Returns 1 if reported. */
static int parse_tag(struct mb2_info *info, const u8 *t, u32 type, u32 size, u32 off)
{
	const u8 *body = t + MB2_TAG_HDR;
	u32 blen = size - MB2_TAG_HDR;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_BOOTLOADER: {
		const char *s = tag_string(body, blen);
		if (!s)
			return bad_tag(info, type, off, "string not NUL-terminated");
		if (type == MB2_TAG_CMDLINE)
			info->cmdline = s;
		else
			info->bootloader = s;
		return 0;
	}
	case MB2_TAG_MODULE: {
		if (blen < 8 || !tag_string(body + 8, blen - 8))
			return bad_tag(info, type, off, "truncated module tag");
		u32 start = rd32(body), end = rd32(body + 4);
		if (end < start)
			return bad_tag(info, type, off, "module ends before it starts");
		if (info->nr_modules >= MB2_MAX_MODULES)
			return bad_tag(info, type, off, "too many modules");
		info->modules[info->nr_modules++] =
			(struct mb2_module){ start, end, (const char *)body + 8 };
		return 0;
	}
	case MB2_TAG_MEMINFO:
		if (blen < 8)
			return bad_tag(info, type, off, "truncated meminfo tag");
		info->has_meminfo = true;
		info->mem_lower_kb = rd32(body);
		info->mem_upper_kb = rd32(body + 4);
		return 0;
	case MB2_TAG_MMAP: {
		if (blen < 8)
			return bad_tag(info, type, off, "truncated memory map tag");
		u32 esize = rd32(body), ver = rd32(body + 4);
		if (esize < 24 || esize % 8)
			return bad_tag(info, type, off, "memory map entry_size not >= 24 and 8-aligned");
		if (ver != 0)
			printk(KERN_WARNING "mb2: memory map entry_version %u, reading as 0\n", ver);
		if (info->mmap)
			return bad_tag(info, type, off, "second memory map tag");
		info->mmap = body + 8;
		info->mmap_entry_size = esize;
		info->mmap_count = (blen - 8) / esize;
		return 0;
	}
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (blen < 20 || memcmp(body, "RSD PTR ", 8) != 0)
			return bad_tag(info, type, off, "bad ACPI RSDP copy");
		if (info->rsdp && info->rsdp_version == 2)
			return 0;	/* keep the newer one */
		info->rsdp = body;
		info->rsdp_len = blen;
		info->rsdp_version = type == MB2_TAG_ACPI_NEW ? 2 : 1;
		return 0;
	case MB2_TAG_ELF_SECTIONS:
		if (blen < 12)
			return bad_tag(info, type, off, "truncated ELF sections tag");
		info->has_elf_sections = true;
		info->elf_num = rd32(body);
		info->elf_entsize = rd32(body + 4);
		return 0;
	case MB2_TAG_LOAD_BASE:
		if (blen < 4)
			return bad_tag(info, type, off, "truncated load base tag");
		info->has_load_base = true;
		info->load_base = rd32(body);
		return 0;
	default:
		return 0;	/* framebuffer, boot device, EFI, ...: not needed here */
	}
}

int mb2_parse(const void *mbi, size_t avail, struct mb2_info *info)
{
	const u8 *b = mbi;
	int problems = 0;

	memset(info, 0, sizeof(*info));
	if (avail < 16) {
		printk(KERN_ERR "mb2: information block too small to read (%zu bytes)\n", avail);
		return -1;
	}
	u32 total = rd32(b);
	if (total < 16 || total > avail) {
		printk(KERN_ERR "mb2: total_size %u is not within [16, %zu]; ignoring the block\n",
		       total, avail);
		return -1;
	}
	info->total_size = total;

	u64 off = 8;		/* 64-bit: off + size never wraps, even for a 4 GiB block */
	bool ended = false;
	while (off + MB2_TAG_HDR <= total) {
		u32 type = rd32(b + off), size = rd32(b + off + 4);
		info->nr_tags++;
		if (size < MB2_TAG_HDR || size > total - off) {
			printk(KERN_WARNING "mb2: tag %u at offset %u: size %u runs past the block "
			       "(%u bytes); stopping\n", type, (u32)off, size, total);
			info->nr_bad++;
			problems++;
			break;
		}
		if (type == MB2_TAG_END) {
			ended = true;
			break;
		}
		problems += parse_tag(info, b + off, type, size, (u32)off);
		off += ALIGN_UP((u64)size, 8u);
	}
	if (!ended && info->nr_bad == 0) {
		printk(KERN_WARNING "mb2: no end tag within total_size %u\n", total);
		problems++;
	}
	return problems;
}

int mb2_read_mmap(const struct mb2_info *info, struct mem_raw *out, int cap)
{
	int n = 0;

	for (u32 i = 0; i < info->mmap_count; i++) {
		if (n >= cap) {
			printk(KERN_WARNING "mb2: memory map has %u entries, only the first %d used\n",
			       info->mmap_count, cap);
			break;
		}
		const u8 *e = info->mmap + (size_t)i * info->mmap_entry_size;
		out[n].base = rd64(e);
		out[n].len = rd64(e + 8);
		out[n].type = rd32(e + 16);
		n++;
	}
	return n;
}
