/* tests/kernel/acpi_test.c - the ACPI parser on the machine's own tables (and, with NUMA, their
 * agreement with the memory map and the CPUs online) and on synthetic ones in a fake physical
 * address space: a good RSDT and XSDT set (MADT with xAPIC, x2APIC,
 * disabled and override entries, SRAT, SLIT), then every kind of damage - bad RSDP, checksums,
 * lengths, signatures, unreadable addresses, entries that lie about their length, invalid
 * ids, out-of-range memory, bad SLIT matrices - and random corruption: each is reported,
 * skipped, and never read past its bounds. */
#include "tests/ktest.h"
#include "kernel/acpi.h"
#include "kernel/setup.h"
#include "kernel/smp.h"
#include "lib/prandom.h"
#include "lib/string.h"

#define FAKE_PHYS	0x40000000ULL	/* where the fake tables "are" */
#define FAKE_SIZE	4096
#define OFF_RSDT	0x000
#define OFF_XSDT	0x080
#define OFF_MADT	0x100
#define OFF_SRAT	0x300
#define OFF_SLIT	0x500
#define OFF_FACP	0x600
#define FUZZ_ROUNDS	3000
#define MAP_CAP		128	/* memory map entries read for the NUMA check */

/* The fake memory: tables at FAKE_PHYS + offset; anything else is unreadable. */
struct fake {
	u8 mem[FAKE_SIZE];
	u8 rsdp[36];
	u32 rsdp_len;
	u32 len[FAKE_SIZE / 0x80];	/* table length by offset / 0x80 (for the fuzzer) */
};

static const void *fake_map(u64 phys, u64 len, void *ctx)
{
	struct fake *f = ctx;

	if (phys < FAKE_PHYS || len > FAKE_SIZE || phys - FAKE_PHYS > FAKE_SIZE - len)
		return NULL;
	return f->mem + (phys - FAKE_PHYS);
}

static void put16(u8 *p, u16 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }
static void put32(u8 *p, u32 v) { put16(p, (u16)v); put16(p + 2, (u16)(v >> 16)); }
static void put64(u8 *p, u64 v) { put32(p, (u32)v); put32(p + 4, (u32)(v >> 32)); }

static u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return s;
}

/* Set the checksum byte at p[at] so that n bytes sum to 0. */
static void fix_sum(u8 *p, size_t n, size_t at)
{
	p[at] = 0;
	p[at] = (u8)(0 - sum(p, n));
}

/* Re-checksum the table at offset off (its length from its header). */
static void fix_table(struct fake *f, u32 off)
{
	u8 *t = f->mem + off;
	u32 len = t[4] | t[5] << 8 | t[6] << 16 | (u32)t[7] << 24;

	if (len <= FAKE_SIZE - off)
		fix_sum(t, len, 9);
}

/* A table header at offset off. */
static u8 *header(struct fake *f, u32 off, const char *sig, u32 len, u8 rev)
{
	u8 *t = f->mem + off;

	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "MMKERN", 6);
	f->len[off / 0x80] = len;
	return t;
}

static void fix_rsdp(struct fake *f)
{
	fix_sum(f->rsdp, 20, 8);
	if (f->rsdp_len >= 36)
		fix_sum(f->rsdp, 36, 32);
}

/* The good set: RSDP (revision 2 when xsdt), RSDT and XSDT naming FACP, MADT, SRAT, SLIT.
 * MADT: APIC ids 0, 1, 2 enabled, 3 disabled, x2APIC 300 enabled, one I/O APIC, an address
 * override. SRAT: 0-256 MiB domain 0, 256-512 MiB domain 1, one disabled range; APIC 0 and 2
 * in domain 0, APIC 1 and x2APIC 300 in domain 1. SLIT: 10 21 / 21 10. */
static void build(struct fake *f, bool xsdt)
{
	static const u32 tables[] = { OFF_FACP, OFF_MADT, OFF_SRAT, OFF_SLIT };
	u8 *t, *e;

	memset(f, 0, sizeof(*f));
	header(f, OFF_FACP, "FACP", 116, 6);

	t = header(f, OFF_RSDT, "RSDT", 36 + 4 * 4, 1);
	for (int i = 0; i < 4; i++)
		put32(t + 36 + 4 * i, (u32)(FAKE_PHYS + tables[i]));
	t = header(f, OFF_XSDT, "XSDT", 36 + 8 * 4, 1);
	for (int i = 0; i < 4; i++)
		put64(t + 36 + 8 * i, FAKE_PHYS + tables[i]);

	t = header(f, OFF_MADT, "APIC", 44 + 4 * 8 + 12 + 12 + 16, 4);
	put32(t + 36, 0xfee00000);
	put32(t + 40, 1);
	e = t + 44;
	for (int i = 0; i < 4; i++, e += 8) {
		e[0] = 0, e[1] = 8, e[2] = (u8)i, e[3] = (u8)i;
		put32(e + 4, i == 3 ? 0 : 1);
	}
	e[0] = 1, e[1] = 12, e[2] = 0;		/* I/O APIC */
	put32(e + 4, 0xfec00000);
	e += 12;
	e[0] = 5, e[1] = 12;			/* local APIC address override */
	put64(e + 4, 0xfee10000);
	e += 12;
	e[0] = 9, e[1] = 16;			/* x2APIC 300, uid 4 */
	put32(e + 4, 300);
	put32(e + 8, 1);
	put32(e + 12, 4);

	t = header(f, OFF_SRAT, "SRAT", 48 + 3 * 40 + 2 * 16 + 24 + 16, 3);
	e = t + 48;
	for (int i = 0; i < 3; i++, e += 40) {
		e[0] = 1, e[1] = 40;
		put32(e + 2, (u32)i);
		put64(e + 8, (u64)i << 28);
		put64(e + 16, 1ULL << 28);
		put32(e + 28, i == 2 ? 0 : 1);	/* the third is disabled */
	}
	for (int i = 0; i < 2; i++, e += 16) {	/* APIC 0 -> 0, APIC 1 -> 1 */
		e[0] = 0, e[1] = 16, e[2] = (u8)i, e[3] = (u8)i;
		put32(e + 4, 1);
	}
	e[0] = 2, e[1] = 24;			/* x2APIC 300 -> 1 */
	put32(e + 4, 1);
	put32(e + 8, 300);
	put32(e + 12, 1);
	e += 24;
	e[0] = 0, e[1] = 16, e[2] = 0, e[3] = 2;	/* APIC 2 -> 0, high domain bytes 0 */
	put32(e + 4, 1);

	t = header(f, OFF_SLIT, "SLIT", 44 + 4, 1);
	put64(t + 36, 2);
	t[44] = 10, t[45] = 21, t[46] = 21, t[47] = 10;

	for (u32 off = 0; off < FAKE_SIZE; off += 0x80)
		if (f->len[off / 0x80])
			fix_table(f, off);

	memcpy(f->rsdp, "RSD PTR ", 8);
	memcpy(f->rsdp + 9, "MMKERN", 6);
	put32(f->rsdp + 16, (u32)(FAKE_PHYS + OFF_RSDT));
	f->rsdp_len = 20;
	if (xsdt) {
		f->rsdp[15] = 2;
		put32(f->rsdp + 20, 36);
		put64(f->rsdp + 24, FAKE_PHYS + OFF_XSDT);
		f->rsdp_len = 36;
	}
	fix_rsdp(f);
}

static struct fake fk;
static struct acpi_info out;

static int parse(void)
{
	return acpi_parse(fk.rsdp, fk.rsdp_len, fake_map, &fk, false, &out);
}

/* Everything the good set says. */
static void expect_good(struct ktest *t)
{
	KT_EXPECT(t, out.rsdp_valid);
	KT_EXPECT_EQ(t, out.nr_tables, 4);
	KT_EXPECT(t, out.has_madt);
	KT_EXPECT_EQ(t, out.lapic_phys, 0xfee10000);
	KT_EXPECT(t, out.lapic_override);
	KT_EXPECT_EQ(t, out.madt_flags, 1);
	KT_EXPECT_EQ(t, out.nr_ioapics, 1);
	KT_ASSERT_EQ(t, out.nr_cpus, 5);
	KT_EXPECT_EQ(t, out.nr_cpus_enabled, 4);
	KT_EXPECT_EQ(t, out.cpus[1].apic_id, 1);
	KT_EXPECT(t, !out.cpus[3].enabled);
	KT_EXPECT_EQ(t, out.cpus[4].apic_id, 300);
	KT_EXPECT_EQ(t, out.cpus[4].acpi_uid, 4);
	KT_EXPECT(t, out.cpus[4].x2apic && out.cpus[4].enabled);
	KT_EXPECT(t, out.has_srat);
	KT_ASSERT_EQ(t, out.nr_mem_affinity, 2);
	KT_EXPECT_EQ(t, out.mem_affinity[1].base, 1ULL << 28);
	KT_EXPECT_EQ(t, out.mem_affinity[1].length, 1ULL << 28);
	KT_EXPECT_EQ(t, out.mem_affinity[1].domain, 1);
	KT_EXPECT_EQ(t, out.nr_cpu_affinity, 4);
	KT_EXPECT_EQ(t, acpi_cpu_domain(&out, 0), 0);
	KT_EXPECT_EQ(t, acpi_cpu_domain(&out, 1), 1);
	KT_EXPECT_EQ(t, acpi_cpu_domain(&out, 2), 0);
	KT_EXPECT_EQ(t, acpi_cpu_domain(&out, 300), 1);
	KT_EXPECT_EQ(t, acpi_cpu_domain(&out, 3), -1);
	KT_EXPECT(t, out.has_slit);
	KT_EXPECT_EQ(t, out.slit_localities, 2);
	KT_EXPECT_EQ(t, acpi_distance(&out, 0, 0), 10);
	KT_EXPECT_EQ(t, acpi_distance(&out, 0, 1), 21);
	KT_EXPECT_EQ(t, acpi_distance(&out, 1, 0), 21);
	KT_EXPECT_EQ(t, acpi_distance(&out, 2, 2), 10);	/* beyond the matrix */
	KT_EXPECT_EQ(t, acpi_distance(&out, 2, 0), 20);
	KT_EXPECT_EQ(t, out.nr_bad, 0);
}

/* The machine's own tables (QEMU's): a MADT listing the boot CPU, the usual LAPIC address. */
static void machine_tables(struct ktest *t)
{
	const struct acpi_info *ai = &acpi_info;
	bool listed = false;

	if (!ai->rsdp_valid) {
		ktest_skip(t, "no ACPI tables on this machine");
		return;
	}
	KT_EXPECT(t, ai->has_madt);
	KT_EXPECT_EQ(t, ai->nr_bad, 0);
	KT_EXPECT_EQ(t, ai->lapic_phys, 0xfee00000);
	KT_EXPECT(t, ai->nr_cpus_enabled >= 1 && ai->nr_cpus_enabled <= ai->nr_cpus);
	for (unsigned int i = 0; i < ai->nr_cpus; i++)
		listed |= ai->cpus[i].enabled && ai->cpus[i].apic_id == per_cpu_area(0)->apic_id;
	KT_EXPECT(t, listed);
	for (unsigned int i = 0; i < ai->nr_mem_affinity; i++) {
		const struct acpi_mem_affinity *m = &ai->mem_affinity[i];

		KT_EXPECT(t, m->length > 0);
		ktest_log(t, "SRAT: domain %u [mem %#llx-%#llx]%s", m->domain,
			  (unsigned long long)m->base, (unsigned long long)(m->base + m->length - 1),
			  m->flags & ACPI_MEM_HOTPLUG ? " hotpluggable" : "");
	}
	for (unsigned int i = 0; i < ai->nr_cpu_affinity; i++)
		ktest_log(t, "SRAT: APIC id %u -> domain %u", ai->cpu_affinity[i].apic_id,
			  ai->cpu_affinity[i].domain);
	ktest_log(t, "RSDP revision %u, %s, %u tables; %u CPUs; SRAT %s; SLIT %s",
		  ai->rsdp_revision, ai->xsdt ? "XSDT" : "RSDT", ai->nr_tables,
		  ai->nr_cpus_enabled, ai->has_srat ? "yes" : "no", ai->has_slit ? "yes" : "no");
}

/* Bytes of [base, end) covered by SRAT memory ranges of domain (all domains when domain < 0). */
static u64 srat_cover(const struct acpi_info *ai, u64 base, u64 end, long domain)
{
	u64 bytes = 0;

	for (unsigned int i = 0; i < ai->nr_mem_affinity; i++) {
		const struct acpi_mem_affinity *m = &ai->mem_affinity[i];
		u64 lo = MAX(base, m->base), hi = MIN(end, m->base + m->length);

		if ((domain < 0 || m->domain == (u32)domain) && lo < hi)
			bytes += hi - lo;
	}
	return bytes;
}

/* The domains named anywhere in the SRAT, each once, into domains[]; returns how many and
 * sets *top to the largest. */
static u32 srat_domains(const struct acpi_info *ai, u32 *domains, u32 *top)
{
	u32 nr_domains = 0;

	*top = 0;
	for (unsigned int i = 0; i < ai->nr_mem_affinity + ai->nr_cpu_affinity; i++) {
		u32 d = i < ai->nr_mem_affinity ? ai->mem_affinity[i].domain
						: ai->cpu_affinity[i - ai->nr_mem_affinity].domain;
		u32 k = 0;

		while (k < nr_domains && domains[k] != d)
			k++;
		if (k == nr_domains)
			domains[nr_domains++] = d;
		*top = MAX(*top, d);
	}
	return nr_domains;
}

static void srat_no_overlap(struct ktest *t, const struct acpi_info *ai)
{
	for (unsigned int i = 0; i < ai->nr_mem_affinity; i++)
		for (unsigned int j = i + 1; j < ai->nr_mem_affinity; j++) {
			const struct acpi_mem_affinity *a = &ai->mem_affinity[i];
			const struct acpi_mem_affinity *b = &ai->mem_affinity[j];

			if (a->base < b->base + b->length && b->base < a->base + a->length)
				ktest_fail(t, __FILE__, __LINE__,
					   "SRAT ranges %u (domain %u) and %u (domain %u) overlap",
					   i, a->domain, j, b->domain);
		}
}

/* Every usable page of the sanitized firmware map[n] lies in one domain; returns the usable
 * bytes. */
static u64 srat_covers_usable(struct ktest *t, const struct acpi_info *ai,
			      const struct mem_range *map, int n)
{
	u64 usable = 0, covered = 0;

	for (int i = 0; i < n; i++) {
		u64 base = ALIGN_UP(map[i].base, PAGE_SIZE);
		u64 end = ALIGN_DOWN(map[i].end, PAGE_SIZE);

		if (map[i].type != E820_USABLE || base >= end)
			continue;
		u64 c = srat_cover(ai, base, end, -1);

		if (c != end - base)
			ktest_fail(t, __FILE__, __LINE__,
				   "usable [mem %#llx-%#llx]: %llu of %llu bytes in the SRAT",
				   (unsigned long long)base, (unsigned long long)end - 1,
				   (unsigned long long)c, (unsigned long long)(end - base));
		usable += end - base;
		covered += c;
	}
	KT_EXPECT_EQ(t, covered, usable);
	return usable;
}

/* Per domain: usable RAM and CPUs, the sums equal to the whole; every online CPU has one. */
static void srat_per_domain(struct ktest *t, const struct acpi_info *ai,
			    const struct mem_range *map, int n, const u32 *domains,
			    u32 nr_domains, u64 usable)
{
	u64 sum = 0;
	unsigned int cpus_seen = 0, cpu;

	for (u32 k = 0; k < nr_domains; k++) {
		u64 bytes = 0;
		unsigned int nr = 0;

		for (int i = 0; i < n; i++)
			if (map[i].type == E820_USABLE)
				bytes += srat_cover(ai, ALIGN_UP(map[i].base, PAGE_SIZE),
						    ALIGN_DOWN(map[i].end, PAGE_SIZE), domains[k]);
		for_each_online_cpu(cpu)
			nr += acpi_cpu_domain(ai, per_cpu_area(cpu)->apic_id) == domains[k];
		ktest_log(t, "domain %u: %llu MiB usable RAM, %u of the CPUs online", domains[k],
			  (unsigned long long)(bytes >> 20), nr);
		sum += bytes;
		cpus_seen += nr;
	}
	KT_EXPECT_EQ(t, sum, usable);
	for_each_online_cpu(cpu) {
		u32 apic = per_cpu_area(cpu)->apic_id;

		if (acpi_cpu_domain(ai, apic) < 0)
			ktest_fail(t, __FILE__, __LINE__, "CPU %u (APIC id %u) has no SRAT domain",
				   cpu, apic);
	}
	KT_EXPECT_EQ(t, cpus_seen, num_online_cpus());
}

/* The SLIT, if any, covers every domain up to top, is symmetric and has 10 on its diagonal. */
static void slit_sane(struct ktest *t, const struct acpi_info *ai, u32 top)
{
	if (!ai->has_slit) {
		ktest_log(t, "no SLIT: distances %u local, %u remote", ACPI_DISTANCE_LOCAL,
			  ACPI_DISTANCE_REMOTE);
		return;
	}
	u32 nl = ai->slit_localities;

	KT_EXPECT(t, top < nl);
	for (u32 i = 0; i < nl; i++)
		for (u32 j = 0; j < nl; j++) {
			unsigned int d = ai->slit[i * nl + j], back = ai->slit[j * nl + i];
			bool ok = i == j ? d == ACPI_DISTANCE_LOCAL
					 : d > ACPI_DISTANCE_LOCAL && d == back;

			if (!ok)
				ktest_fail(t, __FILE__, __LINE__, "SLIT[%u][%u] = %u, back %u",
					   i, j, d, back);
		}
	ktest_log(t, "SLIT: %u localities, distance 0 -> %u: %u", nl, nl - 1,
		  acpi_distance(ai, 0, nl - 1));
}

/* With NUMA (QEMU -numa, make run NUMA=2): the SRAT memory ranges never overlap and put every
 * usable page of the boot loader's memory map in exactly one domain; every online CPU has a
 * domain; the SLIT, if any, covers every domain, is symmetric and has 10 on its diagonal. */
static void srat_matches_machine(struct ktest *t)
{
	static struct mem_raw raw[MAP_CAP];
	static struct mem_range map[MAP_CAP], scratch[2 * MAP_CAP];
	const struct acpi_info *ai = &acpi_info;
	u32 domains[ACPI_MAX_MEM_AFFINITY + ACPI_MAX_CPU_AFFINITY], nr_domains, top;

	if (!ai->has_srat) {
		ktest_skip(t, "no SRAT: one node (boot with NUMA=2 to check)");
		return;
	}
	nr_domains = srat_domains(ai, domains, &top);
	srat_no_overlap(t, ai);

	/* the firmware map, before mem= and memmap= */
	int nraw = mb2_read_mmap(&boot_params.mb2, raw, MAP_CAP);
	int n = memmap_sanitize(raw, nraw, map, MAP_CAP, scratch, NULL);

	KT_ASSERT(t, n > 0);
	u64 usable = srat_covers_usable(t, ai, map, n);

	srat_per_domain(t, ai, map, n, domains, nr_domains, usable);
	slit_sane(t, ai, top);
}

static void good_rsdt(struct ktest *t)
{
	build(&fk, false);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT(t, !out.xsdt);
	expect_good(t);
}

static void good_xsdt(struct ktest *t)
{
	build(&fk, true);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT(t, out.xsdt);
	expect_good(t);
}

/* A broken XSDT or a revision-2 RSDP that does not check out: the RSDT is used instead. */
static void xsdt_fallback(struct ktest *t)
{
	build(&fk, true);
	fk.mem[OFF_XSDT + 40] ^= 1;			/* XSDT checksum now wrong */
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT(t, !out.xsdt && out.has_madt && out.has_srat && out.has_slit);
	KT_EXPECT_EQ(t, out.nr_bad, 1);

	build(&fk, true);
	fk.rsdp[30] ^= 1;				/* extended checksum wrong */
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT(t, !out.xsdt && out.has_madt);
	KT_EXPECT_EQ(t, out.nr_bad, 1);

	build(&fk, true);
	put32(fk.rsdp + 20, 4000);			/* length beyond the copy */
	fix_rsdp(&fk);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT(t, !out.xsdt && out.has_madt);

	build(&fk, true);
	fk.rsdp_len = 24;				/* revision 2 but a v1-sized copy */
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT(t, !out.xsdt && out.has_madt);
}

/* The RSDP itself: missing, short, bad signature, bad checksum: no tables at all. */
static void rsdp_errors(struct ktest *t)
{
	build(&fk, false);
	KT_EXPECT_EQ(t, acpi_parse(NULL, 0, fake_map, &fk, false, &out), -1);
	KT_EXPECT(t, !out.rsdp_valid && out.nr_bad == 1);
	KT_EXPECT_EQ(t, acpi_parse(fk.rsdp, 19, fake_map, &fk, false, &out), -1);
	KT_EXPECT(t, !out.rsdp_valid);

	fk.rsdp[3] = 'X';
	fix_rsdp(&fk);
	KT_EXPECT_EQ(t, parse(), -1);
	KT_EXPECT(t, !out.rsdp_valid);

	build(&fk, false);
	fk.rsdp[16] ^= 0x40;				/* RSDT address, checksum not fixed */
	KT_EXPECT_EQ(t, parse(), -1);
	KT_EXPECT(t, !out.rsdp_valid);

	build(&fk, false);
	put32(fk.rsdp + 16, 0x1000);			/* valid RSDP, unreadable RSDT */
	fix_rsdp(&fk);
	KT_EXPECT_EQ(t, parse(), -1);
	KT_EXPECT(t, out.rsdp_valid && !out.has_madt && out.nr_bad == 1);
}

/* Bad tables are reported and skipped, one problem each; the rest is still read. */
static void table_errors(struct ktest *t)
{
	/* MADT checksum */
	build(&fk, false);
	fk.mem[OFF_MADT + 50] ^= 0xff;
	KT_EXPECT_EQ(t, parse(), -1);
	KT_EXPECT(t, !out.has_madt && out.has_srat && out.has_slit);
	KT_EXPECT_EQ(t, out.nr_bad, 1);

	/* lengths: shorter than a header, larger than believable, beyond readable memory */
	static const u32 lengths[] = { 0, 35, ACPI_MAX_TABLE_LEN + 1, 0xffffffff, FAKE_SIZE };
	for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
		build(&fk, false);
		put32(fk.mem + OFF_SRAT + 4, lengths[i]);
		KT_EXPECT_EQ(t, parse(), 0);
		KT_EXPECT(t, !out.has_srat && out.has_madt && out.has_slit);
		KT_EXPECT_EQ(t, out.nr_bad, 1);
	}

	/* a MADT shorter than its own fixed fields (but a valid header and checksum) */
	build(&fk, false);
	put32(fk.mem + OFF_MADT + 4, 40);
	fix_table(&fk, OFF_MADT);
	KT_EXPECT_EQ(t, parse(), -1);
	KT_EXPECT_EQ(t, out.nr_bad, 1);

	/* root entries: address 0 (the FACP's), unreadable (the MADT's) */
	build(&fk, false);
	put32(fk.mem + OFF_RSDT + 36, 0);
	put32(fk.mem + OFF_RSDT + 40, 0xfffff000);
	fix_table(&fk, OFF_RSDT);
	KT_EXPECT_EQ(t, parse(), -1);
	KT_EXPECT(t, !out.has_madt && out.has_srat);
	KT_EXPECT_EQ(t, out.nr_bad, 2);
	KT_EXPECT_EQ(t, out.nr_tables, 2);

	/* a root table whose length leaves half an entry */
	build(&fk, false);
	put32(fk.mem + OFF_RSDT + 4, 36 + 4 * 4 + 2);
	fix_table(&fk, OFF_RSDT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, out.nr_bad, 1);
	KT_EXPECT(t, out.has_madt && out.has_slit);

	/* the RSDT is not an RSDT */
	build(&fk, false);
	memcpy(fk.mem + OFF_RSDT, "XSDT", 4);
	fix_table(&fk, OFF_RSDT);
	KT_EXPECT_EQ(t, parse(), -1);
	KT_EXPECT(t, out.rsdp_valid && out.nr_tables == 0 && out.nr_bad == 1);
}

/* MADT entries that lie: the walk stops at an entry whose length cannot be right, skips one
 * that is merely too short for its type, and drops invalid or duplicate APIC ids. */
static void madt_entry_errors(struct ktest *t)
{
	u8 *madt = fk.mem + OFF_MADT;

	build(&fk, false);
	madt[44 + 2 * 8 + 1] = 0;			/* third CPU entry: length 0 */
	fix_table(&fk, OFF_MADT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, out.nr_cpus, 2);
	KT_EXPECT(t, !out.lapic_override);
	KT_EXPECT_EQ(t, out.nr_bad, 1);

	build(&fk, false);
	madt[44 + 3 * 8 + 1] = 200;			/* fourth: runs past the table */
	fix_table(&fk, OFF_MADT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, out.nr_cpus, 3);
	KT_EXPECT_EQ(t, out.nr_bad, 1);

	build(&fk, false);				/* truncated: one byte of an entry left */
	put32(madt + 4, 44 + 4 * 8 + 12 + 12 + 16 - 15);
	fix_table(&fk, OFF_MADT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, out.nr_cpus, 4);		/* the x2APIC entry is cut */
	KT_EXPECT_EQ(t, out.nr_bad, 1);

	build(&fk, false);				/* an I/O APIC entry too short (but walkable) */
	madt[44 + 4 * 8 + 1] = 6;
	madt[44 + 4 * 8 + 6] = 0, madt[44 + 4 * 8 + 7] = 6;	/* filler entry of type 0, len 6 */
	fix_table(&fk, OFF_MADT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, out.nr_ioapics, 0);
	KT_EXPECT_EQ(t, out.nr_cpus, 5);
	KT_EXPECT(t, out.lapic_override);
	KT_EXPECT_EQ(t, out.nr_bad, 2);

	build(&fk, false);
	madt[44 + 1 * 8 + 3] = 0;			/* APIC id 1 -> 0: a duplicate */
	madt[44 + 2 * 8 + 3] = 0xff;			/* APIC id 2 -> broadcast */
	fix_table(&fk, OFF_MADT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, out.nr_cpus, 3);
	KT_EXPECT_EQ(t, out.nr_cpus_enabled, 2);
	KT_EXPECT_EQ(t, out.nr_bad, 2);

	build(&fk, false);
	put32(madt + 36, 0xfee00123);			/* unaligned address, no override */
	madt[44 + 4 * 8 + 12] = 0x7f;			/* the override becomes an unknown type */
	fix_table(&fk, OFF_MADT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, out.lapic_phys, 0xfee00123);
	KT_EXPECT(t, !out.lapic_override);
	KT_EXPECT_EQ(t, out.nr_bad, 1);
}

/* SRAT and SLIT contents that cannot be used. */
static void srat_slit_errors(struct ktest *t)
{
	u8 *srat = fk.mem + OFF_SRAT, *slit = fk.mem + OFF_SLIT;
	u8 *cpu2 = srat + 48 + 3 * 40 + 2 * 16 + 24;	/* the APIC 2 entry */

	/* domain bits 8-31 of a processor entry count from SRAT revision 2 on */
	build(&fk, false);
	cpu2[9] = 0x01, cpu2[11] = 0x80;
	fix_table(&fk, OFF_SRAT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, acpi_cpu_domain(&out, 2), 0x80000100);
	srat[8] = 1;
	fix_table(&fk, OFF_SRAT);
	KT_EXPECT_EQ(t, parse(), 0);
	KT_EXPECT_EQ(t, acpi_cpu_domain(&out, 2), 0);

	/* a memory range that wraps, one beyond the direct map's reach, one empty */
	static const u64 bad[][2] = { { ~0ULL - 10, 100 }, { 1ULL << 46, 4096 }, { 4096, 0 } };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		build(&fk, false);
		put64(srat + 48 + 8, bad[i][0]);
		put64(srat + 48 + 16, bad[i][1]);
		fix_table(&fk, OFF_SRAT);
		KT_EXPECT_EQ(t, parse(), 0);
		KT_EXPECT_EQ(t, out.nr_mem_affinity, 1);
		KT_EXPECT_EQ(t, out.nr_bad, 1);
	}

	/* SLIT: bad diagonal, a local-or-closer remote distance, too many localities, a matrix
	 * larger than the table, no localities: all ignored, distances fall back */
	static const struct { u64 n; u8 d[4]; } slits[] = {
		{ 2, { 11, 21, 21, 10 } }, { 2, { 10, 10, 21, 10 } }, { 2, { 10, 21, 9, 10 } },
		{ 65, { 10, 21, 21, 10 } }, { 3, { 10, 21, 21, 10 } }, { 0, { 10, 21, 21, 10 } },
		{ 1ULL << 32, { 10, 21, 21, 10 } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(slits); i++) {
		build(&fk, false);
		put64(slit + 36, slits[i].n);
		memcpy(slit + 44, slits[i].d, 4);
		fix_table(&fk, OFF_SLIT);
		KT_EXPECT_EQ(t, parse(), 0);
		KT_EXPECT(t, !out.has_slit);
		KT_EXPECT_EQ(t, out.nr_bad, 1);
		KT_EXPECT_EQ(t, acpi_distance(&out, 0, 1), ACPI_DISTANCE_REMOTE);
		KT_EXPECT_EQ(t, acpi_distance(&out, 1, 1), ACPI_DISTANCE_LOCAL);
	}
}

/* Random damage to the good set, checksums fixed half of the time so that the damage gets
 * past the checksum: every parse ends, and what it keeps stays within its bounds. */
static void random_corruption(struct ktest *t)
{
	struct prandom r;
	unsigned long parsed_madt = 0, bad = 0;

	prandom_seed(&r, 0xac91);
	for (int round = 0; round < FUZZ_ROUNDS; round++) {
		build(&fk, round & 1);
		int flips = 1 + (int)prandom_below(&r, 8);

		for (int i = 0; i < flips; i++) {
			u64 where = prandom_below(&r, 0x700 + sizeof(fk.rsdp));
			u8 v = (u8)prandom_u64(&r);

			if (where < 0x700)
				fk.mem[where] = v;
			else
				fk.rsdp[where - 0x700] = v;
		}
		if (prandom_below(&r, 2)) {
			for (u32 off = 0; off < 0x700; off += 0x80)
				if (fk.len[off / 0x80])
					fix_table(&fk, off);
			fix_rsdp(&fk);
		}
		int ret = parse();

		KT_EXPECT(t, ret == (out.has_madt ? 0 : -1));
		KT_EXPECT(t, out.nr_cpus <= ACPI_MAX_CPUS);
		KT_EXPECT(t, out.nr_cpus_enabled <= out.nr_cpus);
		KT_EXPECT(t, out.nr_mem_affinity <= ACPI_MAX_MEM_AFFINITY);
		KT_EXPECT(t, out.nr_cpu_affinity <= ACPI_MAX_CPU_AFFINITY);
		KT_EXPECT(t, out.slit_localities <= ACPI_MAX_LOCALITIES);
		KT_EXPECT(t, out.has_slit || out.slit_localities == 0);
		for (unsigned int i = 0; i < out.nr_mem_affinity; i++)
			KT_EXPECT(t, out.mem_affinity[i].length &&
				     out.mem_affinity[i].base + out.mem_affinity[i].length >
				     out.mem_affinity[i].base);
		if (t->failed)
			return;
		parsed_madt += out.has_madt;
		bad += out.nr_bad;
	}
	ktest_log(t, "%d corrupted sets: %lu still had a usable MADT, %lu problems reported",
		  FUZZ_ROUNDS, parsed_madt, bad);
}

static const struct ktest_case acpi_cases[] = {
	KTEST_CASE(machine_tables),
	KTEST_CASE(srat_matches_machine),
	KTEST_CASE(good_rsdt),
	KTEST_CASE(good_xsdt),
	KTEST_CASE(xsdt_fallback),
	KTEST_CASE(rsdp_errors),
	KTEST_CASE(table_errors),
	KTEST_CASE(madt_entry_errors),
	KTEST_CASE(srat_slit_errors),
	KTEST_CASE(random_corruption),
	KTEST_END,
};

const struct ktest_suite acpi_suite = { "acpi", acpi_cases };
