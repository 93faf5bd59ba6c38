/* kernel/acpi.c - find the MADT, SRAT and SLIT from the RSDP and keep what they say.
 *
 * Path: the RSDP (a copy in the multiboot2 information) gives the RSDT (32-bit table
 * addresses, ACPI 1.0) and, from revision 2, the XSDT (64-bit addresses), which is preferred
 * when it checks out. Each table starts with a 36-byte header: signature, length, revision,
 * checksum (all bytes of the table sum to 0 mod 256), OEM fields.
 *
 * All of it is firmware data and treated as hostile: the parser never reads a byte it has not
 * bounds-checked against the table's validated length, never trusts an entry length, caps
 * every count, and reports each problem in one line before going on with the next entry or
 * table. It reads memory only through an acpi_map_fn, so the tests can feed it anything. */
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "lib/kernel.h"
#include "lib/string.h"

#define RSDP_V1_LEN		20	/* signature .. RSDT address */
#define RSDP_V2_LEN		36	/* + length, XSDT address, extended checksum */
#define SDT_HEADER_LEN		36
#define MADT_ENTRIES_OFF	44	/* header + local APIC address + flags */
#define SRAT_ENTRIES_OFF	48	/* header + 4 reserved + 8 reserved */
#define SLIT_MATRIX_OFF		44	/* header + 8-byte locality count */
#define MAX_ROOT_ENTRIES	4096

/* MADT entry types and their minimum lengths. */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_LAPIC_OVERRIDE	5
#define MADT_X2APIC		9
#define MADT_LAPIC_LEN		8
#define MADT_IOAPIC_LEN		12
#define MADT_OVERRIDE_LEN	12
#define MADT_X2APIC_LEN		16
#define MADT_CPU_ENABLED	(1U << 0)

/* SRAT entry types and their minimum lengths. */
#define SRAT_CPU		0
#define SRAT_MEMORY		1
#define SRAT_X2APIC		2
#define SRAT_CPU_LEN		16
#define SRAT_MEMORY_LEN		40
#define SRAT_X2APIC_LEN		24
#define SRAT_ENABLED		(1U << 0)

#define INVALID_XAPIC_ID	0xffU		/* broadcast: no CPU has it */
#define INVALID_X2APIC_ID	0xffffffffU

struct acpi_info acpi_info;

/* One parse: where memory comes from, whether to print, where results go. */
struct parser {
	acpi_map_fn map;
	void *ctx;
	bool report;
	struct acpi_info *out;
};

/* Little-endian readers for unaligned fields (ACPI tables are packed). */
static u16 rd16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 rd32(const u8 *p) { return (u32)rd16(p) | (u32)rd16(p + 2) << 16; }
static u64 rd64(const u8 *p) { return (u64)rd32(p) | (u64)rd32(p + 4) << 32; }

/* Sum of n bytes mod 256: 0 for a valid ACPI structure. */
static u8 checksum(const u8 *p, size_t n)
{
	u8 sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (u8)(sum + p[i]);
	return sum;
}

/* A 4-byte signature as a printable string (anything odd shown as '?'). */
static void sig_str(char out[5], const u8 *p)
{
	for (int i = 0; i < 4; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[4] = '\0';
}

/* Count a problem and, when reporting, print it as one "ACPI: ..." line. */
static void __printf(2, 3) bad(struct parser *ps, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	ps->out->nr_bad++;
	if (!ps->report)
		return;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(KERN_WARNING "ACPI: %s\n", msg);
}

/* The table at phys, whose signature must be sig, with a valid length and checksum; its
 * length in *len. NULL after one reported line when anything is wrong. */
static const u8 *map_table(struct parser *ps, u64 phys, const char *sig, u32 *len)
{
	const u8 *t;
	char found[5];
	u32 n;

	t = phys ? ps->map(phys, SDT_HEADER_LEN, ps->ctx) : NULL;
	if (!t) {
		bad(ps, "%s at %#llx: not readable, ignored", sig, (unsigned long long)phys);
		return NULL;
	}
	if (memcmp(t, sig, 4) != 0) {
		sig_str(found, t);
		bad(ps, "%s at %#llx: signature is \"%s\", ignored", sig,
		    (unsigned long long)phys, found);
		return NULL;
	}
	n = rd32(t + 4);
	if (n < SDT_HEADER_LEN || n > ACPI_MAX_TABLE_LEN) {
		bad(ps, "%s at %#llx: length %u out of range [%u, %u], ignored", sig,
		    (unsigned long long)phys, n, SDT_HEADER_LEN, ACPI_MAX_TABLE_LEN);
		return NULL;
	}
	t = ps->map(phys, n, ps->ctx);
	if (!t) {
		bad(ps, "%s at %#llx: %u bytes not readable, ignored", sig,
		    (unsigned long long)phys, n);
		return NULL;
	}
	if (checksum(t, n) != 0) {
		bad(ps, "%s at %#llx: checksum error, ignored", sig, (unsigned long long)phys);
		return NULL;
	}
	*len = n;
	return t;
}

/* ---- MADT ---- */

/* Record one processor entry of the MADT. */
static void madt_add_cpu(struct parser *ps, u32 apic_id, u32 uid, u32 flags, bool x2apic)
{
	struct acpi_info *o = ps->out;

	if (apic_id == (x2apic ? INVALID_X2APIC_ID : INVALID_XAPIC_ID)) {
		bad(ps, "MADT: processor %u has the invalid APIC id %#x, ignored", uid, apic_id);
		return;
	}
	for (unsigned int i = 0; i < o->nr_cpus; i++) {
		if (o->cpus[i].apic_id == apic_id) {
			bad(ps, "MADT: APIC id %u listed twice, second entry ignored", apic_id);
			return;
		}
	}
	if (o->nr_cpus >= ACPI_MAX_CPUS) {
		o->nr_cpus_dropped++;
		return;
	}
	o->cpus[o->nr_cpus++] = (struct acpi_cpu){
		.apic_id = apic_id, .acpi_uid = uid,
		.enabled = flags & MADT_CPU_ENABLED, .x2apic = x2apic,
	};
	if (flags & MADT_CPU_ENABLED)
		o->nr_cpus_enabled++;
}

/* Is the entry of this type long enough? Reports it when not. */
static bool entry_fits(struct parser *ps, const char *table, u8 type, u8 len, u8 need)
{
	if (len >= need)
		return true;
	bad(ps, "%s: entry type %u has length %u, needs %u, ignored", table, type, len, need);
	return false;
}

/* The next entry header at *off of a table of len bytes: false (reported) when it does not
 * fit, which ends the walk since nothing after it can be located. */
static bool next_entry(struct parser *ps, const char *table, const u8 *t, u32 len, u32 off)
{
	if (len - off < 2) {
		bad(ps, "%s: truncated entry at offset %u of %u, rest ignored", table, off, len);
		return false;
	}
	if (t[off + 1] < 2 || t[off + 1] > len - off) {
		bad(ps, "%s: entry type %u at offset %u has length %u (table ends at %u), rest "
		    "ignored", table, t[off], off, t[off + 1], len);
		return false;
	}
	return true;
}

static void parse_madt(struct parser *ps, u64 phys, const u8 *t, u32 len)
{
	struct acpi_info *o = ps->out;

	if (len < MADT_ENTRIES_OFF) {
		bad(ps, "MADT at %#llx: %u bytes, shorter than its header, ignored",
		    (unsigned long long)phys, len);
		return;
	}
	o->has_madt = true;
	o->lapic_phys = rd32(t + 36);
	o->madt_flags = rd32(t + 40);
	for (u32 off = MADT_ENTRIES_OFF; off < len; off += t[off + 1]) {
		if (!next_entry(ps, "MADT", t, len, off))
			break;
		const u8 *e = t + off;
		u8 type = e[0], elen = e[1];

		switch (type) {
		case MADT_LAPIC:	/* uid (8 bits), APIC id (8 bits), flags */
			if (entry_fits(ps, "MADT", type, elen, MADT_LAPIC_LEN))
				madt_add_cpu(ps, e[3], e[2], rd32(e + 4), false);
			break;
		case MADT_IOAPIC:
			if (entry_fits(ps, "MADT", type, elen, MADT_IOAPIC_LEN))
				o->nr_ioapics++;
			break;
		case MADT_LAPIC_OVERRIDE:	/* 2 reserved, 64-bit address */
			if (entry_fits(ps, "MADT", type, elen, MADT_OVERRIDE_LEN)) {
				o->lapic_phys = rd64(e + 4);
				o->lapic_override = true;
			}
			break;
		case MADT_X2APIC:	/* 2 reserved, x2APIC id, flags, uid */
			if (entry_fits(ps, "MADT", type, elen, MADT_X2APIC_LEN))
				madt_add_cpu(ps, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
			break;
		default:		/* interrupt overrides, NMI sources, ...: not needed */
			break;
		}
	}
	if (o->nr_cpus_dropped)
		bad(ps, "MADT: %u processors beyond the %u kept, ignored", o->nr_cpus_dropped,
		    ACPI_MAX_CPUS);
	if (!o->lapic_phys || !IS_ALIGNED(o->lapic_phys, PAGE_SIZE) ||
	    o->lapic_phys >= (1ULL << MAX_PHYS_BITS))
		bad(ps, "MADT: local APIC address %#llx is not a valid page address",
		    (unsigned long long)o->lapic_phys);
}

/* ---- SRAT ---- */

static void srat_add_cpu(struct parser *ps, u32 apic_id, u32 domain, u32 flags, bool x2apic)
{
	struct acpi_info *o = ps->out;

	if (!(flags & SRAT_ENABLED))
		return;			/* an unused entry: firmware may list many */
	if (o->nr_cpu_affinity >= ACPI_MAX_CPU_AFFINITY) {
		o->nr_affinity_dropped++;
		return;
	}
	o->cpu_affinity[o->nr_cpu_affinity++] = (struct acpi_cpu_affinity){
		.apic_id = apic_id, .domain = domain, .x2apic = x2apic,
	};
}

static void srat_add_memory(struct parser *ps, const u8 *e)
{
	struct acpi_info *o = ps->out;
	u32 domain = rd32(e + 2), flags = rd32(e + 28);
	u64 base = rd64(e + 8), length = rd64(e + 16);

	if (!(flags & ACPI_MEM_ENABLED))
		return;
	if (length == 0 || base + length < base || base + length > (1ULL << MAX_PHYS_BITS)) {
		bad(ps, "SRAT: memory range %#llx+%#llx of domain %u is out of range, ignored",
		    (unsigned long long)base, (unsigned long long)length, domain);
		return;
	}
	if (o->nr_mem_affinity >= ACPI_MAX_MEM_AFFINITY) {
		o->nr_affinity_dropped++;
		return;
	}
	o->mem_affinity[o->nr_mem_affinity++] = (struct acpi_mem_affinity){
		.base = base, .length = length, .domain = domain, .flags = flags,
	};
}

static void parse_srat(struct parser *ps, u64 phys, const u8 *t, u32 len)
{
	struct acpi_info *o = ps->out;

	if (len < SRAT_ENTRIES_OFF) {
		bad(ps, "SRAT at %#llx: %u bytes, shorter than its header, ignored",
		    (unsigned long long)phys, len);
		return;
	}
	o->has_srat = true;
	o->srat_revision = t[8];
	for (u32 off = SRAT_ENTRIES_OFF; off < len; off += t[off + 1]) {
		if (!next_entry(ps, "SRAT", t, len, off))
			break;
		const u8 *e = t + off;
		u8 type = e[0], elen = e[1];
		u32 domain;

		switch (type) {
		case SRAT_CPU:
			if (!entry_fits(ps, "SRAT", type, elen, SRAT_CPU_LEN))
				break;
			/* domain bits 8-31 exist from SRAT revision 2 (ACPI 3.0) on */
			domain = e[2];
			if (o->srat_revision >= 2)
				domain |= (u32)e[9] << 8 | (u32)e[10] << 16 | (u32)e[11] << 24;
			srat_add_cpu(ps, e[3], domain, rd32(e + 4), false);
			break;
		case SRAT_MEMORY:
			if (entry_fits(ps, "SRAT", type, elen, SRAT_MEMORY_LEN))
				srat_add_memory(ps, e);
			break;
		case SRAT_X2APIC:
			if (entry_fits(ps, "SRAT", type, elen, SRAT_X2APIC_LEN))
				srat_add_cpu(ps, rd32(e + 8), rd32(e + 4), rd32(e + 12), true);
			break;
		default:		/* GICC, ITS, generic initiators: not for x86 here */
			break;
		}
	}
	if (o->nr_affinity_dropped)
		bad(ps, "SRAT: %u affinity entries beyond the %u/%u kept, ignored",
		    o->nr_affinity_dropped, ACPI_MAX_MEM_AFFINITY, ACPI_MAX_CPU_AFFINITY);
}

/* ---- SLIT ---- */

static void parse_slit(struct parser *ps, u64 phys, const u8 *t, u32 len)
{
	struct acpi_info *o = ps->out;
	u64 n;

	if (len < SLIT_MATRIX_OFF) {
		bad(ps, "SLIT at %#llx: %u bytes, shorter than its header, ignored",
		    (unsigned long long)phys, len);
		return;
	}
	n = rd64(t + 36);
	if (n == 0 || n > ACPI_MAX_LOCALITIES) {
		bad(ps, "SLIT: %llu localities (1 to %u supported), ignored", (unsigned long long)n,
		    ACPI_MAX_LOCALITIES);
		return;
	}
	if (n * n > len - SLIT_MATRIX_OFF) {
		bad(ps, "SLIT: a %llu x %llu matrix does not fit in %u bytes, ignored",
		    (unsigned long long)n, (unsigned long long)n, len);
		return;
	}
	const u8 *m = t + SLIT_MATRIX_OFF;
	for (u64 i = 0; i < n; i++) {
		for (u64 j = 0; j < n; j++) {
			u8 d = m[i * n + j];

			if (i == j ? d != ACPI_DISTANCE_LOCAL : d <= ACPI_DISTANCE_LOCAL) {
				bad(ps, "SLIT: distance %u from %llu to %llu is invalid, table ignored",
				    d, (unsigned long long)i, (unsigned long long)j);
				return;
			}
		}
	}
	o->has_slit = true;
	o->slit_localities = (u32)n;
	memcpy(o->slit, m, n * n);
}

/* ---- root ---- */

/* Validate the RSDP; choose the XSDT (8-byte entries) or the RSDT (4-byte entries). Returns
 * the root table or NULL, with its length and entry size. */
static const u8 *map_root(struct parser *ps, const u8 *rsdp, u32 rsdp_len, u32 *len,
			  u32 *entry_size)
{
	struct acpi_info *o = ps->out;
	const u8 *root = NULL;
	u64 xsdt = 0;

	if (!rsdp || rsdp_len < RSDP_V1_LEN) {
		bad(ps, "RSDP of %u bytes is too short, no tables", rsdp ? rsdp_len : 0);
		return NULL;
	}
	if (memcmp(rsdp, "RSD PTR ", 8) != 0 || checksum(rsdp, RSDP_V1_LEN) != 0) {
		bad(ps, "RSDP has a bad signature or checksum, no tables");
		return NULL;
	}
	o->rsdp_valid = true;
	o->rsdp_revision = rsdp[15];
	if (o->rsdp_revision >= 2) {
		u32 n = rsdp_len >= RSDP_V2_LEN ? rd32(rsdp + 20) : 0;

		if (n < RSDP_V2_LEN || n > rsdp_len)
			bad(ps, "RSDP revision %u: length %u (%u bytes given), using the RSDT",
			    o->rsdp_revision, n, rsdp_len);
		else if (checksum(rsdp, n) != 0)
			bad(ps, "RSDP: extended checksum error, using the RSDT");
		else
			xsdt = rd64(rsdp + 24);
	}
	if (xsdt) {
		root = map_table(ps, xsdt, "XSDT", len);
		*entry_size = 8;
		o->xsdt = root != NULL;
	}
	if (!root) {
		root = map_table(ps, rd32(rsdp + 16), "RSDT", len);
		*entry_size = 4;
	}
	return root;
}

int acpi_parse(const void *rsdp, u32 rsdp_len, acpi_map_fn map, void *ctx, bool report,
	       struct acpi_info *out)
{
	struct parser ps = { .map = map, .ctx = ctx, .report = report, .out = out };
	u32 len = 0, esz = 4;
	const u8 *root;
	u32 n;

	memset(out, 0, sizeof(*out));
	root = map_root(&ps, rsdp, rsdp_len, &len, &esz);
	if (!root)
		return -1;
	if ((len - SDT_HEADER_LEN) % esz)
		bad(&ps, "%s: length %u leaves a partial entry, ignored", esz == 8 ? "XSDT" : "RSDT",
		    len);
	n = (len - SDT_HEADER_LEN) / esz;
	if (n > MAX_ROOT_ENTRIES) {
		bad(&ps, "%s: %u entries, only the first %u read", esz == 8 ? "XSDT" : "RSDT", n,
		    MAX_ROOT_ENTRIES);
		n = MAX_ROOT_ENTRIES;
	}
	for (u32 i = 0; i < n; i++) {
		const u8 *e = root + SDT_HEADER_LEN + i * esz;
		u64 phys = esz == 8 ? rd64(e) : rd32(e);
		const u8 *h = phys ? map(phys, SDT_HEADER_LEN, ctx) : NULL;
		u32 tlen;
		const u8 *t;

		if (!h) {
			bad(&ps, "root entry %u: table at %#llx not readable, ignored", i,
			    (unsigned long long)phys);
			continue;
		}
		out->nr_tables++;
		if (memcmp(h, "APIC", 4) == 0 && !out->has_madt) {
			if ((t = map_table(&ps, phys, "APIC", &tlen)))
				parse_madt(&ps, phys, t, tlen);
		} else if (memcmp(h, "SRAT", 4) == 0 && !out->has_srat) {
			if ((t = map_table(&ps, phys, "SRAT", &tlen)))
				parse_srat(&ps, phys, t, tlen);
		} else if (memcmp(h, "SLIT", 4) == 0 && !out->has_slit) {
			if ((t = map_table(&ps, phys, "SLIT", &tlen)))
				parse_slit(&ps, phys, t, tlen);
		}
		/* other tables (and second copies of ours, as Linux does) are not read */
	}
	return out->has_madt ? 0 : -1;
}

long acpi_cpu_domain(const struct acpi_info *info, u32 apic_id)
{
	for (unsigned int i = 0; i < info->nr_cpu_affinity; i++)
		if (info->cpu_affinity[i].apic_id == apic_id)
			return info->cpu_affinity[i].domain;
	return -1;
}

unsigned int acpi_distance(const struct acpi_info *info, u32 from, u32 to)
{
	u32 n = info->slit_localities;

	if (info->has_slit && from < n && to < n)
		return info->slit[from * n + to];
	return from == to ? ACPI_DISTANCE_LOCAL : ACPI_DISTANCE_REMOTE;
}

/* ---- the kernel's tables ---- */

/* acpi_map_fn over the direct map (and the early map of the low 4 GiB): every page of the
 * range must be mapped. */
static const void *kernel_map(u64 phys, u64 len, void *ctx)
{
	(void)ctx;
	if (len == 0 || phys + len < phys || phys + len > (1ULL << MAX_PHYS_BITS))
		return NULL;
	for (u64 p = ALIGN_DOWN(phys, PAGE_SIZE); p < phys + len; p += PAGE_SIZE)
		if (!virt_is_mapped((uintptr_t)phys_to_virt(p)))
			return NULL;
	return phys_to_virt(phys);
}

/* Print the matrix inline when it is small: "10 21 / 21 10". */
static void print_slit(const struct acpi_info *o)
{
	char buf[160];
	size_t pos = 0;
	u32 n = o->slit_localities;

	buf[0] = '\0';
	for (u32 i = 0; n <= 4 && i < n; i++)
		for (u32 j = 0; j < n; j++)
			pos += (size_t)ksnprintf(buf + pos, sizeof(buf) - pos, "%s%u",
						 j ? " " : i ? " / " : ": ", o->slit[i * n + j]);
	printk(KERN_INFO "ACPI: SLIT: %u localit%s%s\n", n, n == 1 ? "y" : "ies", buf);
}

/* The number of distinct proximity domains named by the SRAT. */
static unsigned int srat_domains(const struct acpi_info *o)
{
	unsigned int count = 0;
	unsigned int total = o->nr_mem_affinity + o->nr_cpu_affinity;

	for (unsigned int i = 0; i < total; i++) {
		u32 d = i < o->nr_mem_affinity ? o->mem_affinity[i].domain
					       : o->cpu_affinity[i - o->nr_mem_affinity].domain;
		bool seen = false;

		for (unsigned int j = 0; j < i && !seen; j++)
			seen = d == (j < o->nr_mem_affinity ? o->mem_affinity[j].domain
					: o->cpu_affinity[j - o->nr_mem_affinity].domain);
		count += !seen;
	}
	return count;
}

int acpi_init(const struct mb2_info *mb2)
{
	struct acpi_info *o = &acpi_info;
	int ret;

	if (!mb2->rsdp) {
		printk(KERN_INFO "ACPI: no RSDP from the boot loader: one CPU, one node\n");
		return -1;
	}
	ret = acpi_parse(mb2->rsdp, mb2->rsdp_len, kernel_map, NULL, true, o);
	if (!o->rsdp_valid)
		return -1;
	if (o->has_madt) {
		unsigned int disabled = o->nr_cpus - o->nr_cpus_enabled;
		char extra[32] = "";

		if (disabled)
			ksnprintf(extra, sizeof(extra), " (+%u disabled)", disabled);
		printk(KERN_INFO "ACPI: MADT: %u CPU%s%s, LAPIC at %#llx%s\n", o->nr_cpus_enabled,
		       o->nr_cpus_enabled == 1 ? "" : "s", extra,
		       (unsigned long long)o->lapic_phys, o->lapic_override ? " (override)" : "");
	} else {
		printk(KERN_INFO "ACPI: no MADT: one CPU\n");
	}
	if (o->has_srat) {
		printk(KERN_INFO "ACPI: SRAT: %u memory range%s, %u CPU%s, %u proximity domain%s\n",
		       o->nr_mem_affinity, o->nr_mem_affinity == 1 ? "" : "s",
		       o->nr_cpu_affinity, o->nr_cpu_affinity == 1 ? "" : "s",
		       srat_domains(o), srat_domains(o) == 1 ? "" : "s");
	} else {
		printk(KERN_INFO "ACPI: no SRAT: one node\n");
	}
	if (o->has_slit)
		print_slit(o);
	return ret;
}
