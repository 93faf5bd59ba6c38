/* kernel/acpi.h - the few ACPI tables the kernel reads: the MADT (which CPUs exist and where
 * the local APIC is), and SRAT/SLIT (NUMA: which memory and CPUs belong to which proximity
 * domain, and how far domains are from each other).
 *
 * Every table is untrusted input: signatures, lengths and checksums are checked, every field
 * is read inside its table's bounds, and a bad table or entry gets one "ACPI: ..." line and is
 * skipped. What was found is kept in acpi_info (filled once by acpi_init(), read-only after)
 * as raw parsed content: turning proximity domains into nodes is the NUMA code's job. */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include "lib/types.h"
#include "mm/mb2.h"

#define ACPI_MAX_CPUS		256	/* MADT processor entries kept */
#define ACPI_MAX_MEM_AFFINITY	64	/* SRAT memory ranges kept */
#define ACPI_MAX_CPU_AFFINITY	256	/* SRAT processor entries kept */
#define ACPI_MAX_LOCALITIES	64	/* SLIT matrix kept up to 64 x 64 */
#define ACPI_MAX_TABLE_LEN	(1U << 20)	/* a larger table is not believed */

#define ACPI_DISTANCE_LOCAL	10	/* SLIT: a domain's distance to itself */
#define ACPI_DISTANCE_REMOTE	20	/* assumed between two domains when there is no SLIT */

/* A processor from the MADT (type 0 local APIC or type 9 local x2APIC). */
struct acpi_cpu {
	u32 apic_id;
	u32 acpi_uid;		/* ACPI processor UID (type 0: the 8-bit processor id) */
	bool enabled;		/* usable now; a disabled one may only be "online capable" */
	bool x2apic;		/* listed by a type 9 entry */
};

/* SRAT memory affinity (type 1): [base, base + length) belongs to domain. */
struct acpi_mem_affinity {
	u64 base, length;
	u32 domain;
	u32 flags;		/* ACPI_MEM_* */
};
#define ACPI_MEM_ENABLED	(1U << 0)
#define ACPI_MEM_HOTPLUG	(1U << 1)

/* SRAT processor affinity (type 0 local APIC, type 2 x2APIC): apic_id belongs to domain. */
struct acpi_cpu_affinity {
	u32 apic_id;
	u32 domain;
	bool x2apic;
};

struct acpi_info {
	bool rsdp_valid;
	u8 rsdp_revision;
	bool xsdt;			/* the root table used was the XSDT (else the RSDT) */
	unsigned int nr_tables;		/* entries of the root table that were valid tables */
	unsigned int nr_bad;		/* tables and entries reported and skipped */

	/* MADT ("APIC") */
	bool has_madt;
	u64 lapic_phys;			/* local APIC registers (type 5 override applied) */
	bool lapic_override;		/* a type 5 entry gave the address */
	u32 madt_flags;			/* bit 0: PC-AT compatible dual 8259 PICs present */
	unsigned int nr_cpus;		/* entries in cpus[] (enabled and disabled) */
	unsigned int nr_cpus_enabled;
	unsigned int nr_cpus_dropped;	/* beyond ACPI_MAX_CPUS: not kept */
	unsigned int nr_ioapics;	/* type 1 entries (counted only) */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];	/* in MADT order */

	/* SRAT */
	bool has_srat;
	u8 srat_revision;
	unsigned int nr_mem_affinity, nr_cpu_affinity;
	unsigned int nr_affinity_dropped;	/* disabled entries are not kept; overflow counted */
	struct acpi_mem_affinity mem_affinity[ACPI_MAX_MEM_AFFINITY];
	struct acpi_cpu_affinity cpu_affinity[ACPI_MAX_CPU_AFFINITY];

	/* SLIT: distance[i * slit_localities + j] from locality i to j (10 = local) */
	bool has_slit;
	u32 slit_localities;
	u8 slit[ACPI_MAX_LOCALITIES * ACPI_MAX_LOCALITIES];
};

/* What the kernel found at boot (all zero before acpi_init(), or without ACPI). */
extern struct acpi_info acpi_info;

/* Read the tables from the RSDP copy of the multiboot2 information, through the direct map
 * (mm_setup() calls it once the direct map exists, before the zones are built: the SRAT
 * decides the NUMA nodes). Prints one summary line per table of interest. Returns 0 when a
 * MADT was found, -1 otherwise (then: one CPU, one node). */
int acpi_init(const struct mb2_info *mb2);

/* Where acpi_parse() reads "physical memory": a pointer to len readable bytes at phys, or
 * NULL when [phys, phys + len) cannot be read. */
typedef const void *(*acpi_map_fn)(u64 phys, u64 len, void *ctx);

/* The parser behind acpi_init(), on any memory (the tests feed it hostile tables): validate
 * the RSDP (rsdp_len bytes at rsdp), walk the RSDT/XSDT and fill *out from MADT, SRAT, SLIT.
 * Problems are printed ("ACPI: ...") when report is true, and counted in out->nr_bad.
 * Returns 0 with a MADT, -1 without. */
int acpi_parse(const void *rsdp, u32 rsdp_len, acpi_map_fn map, void *ctx, bool report,
	       struct acpi_info *out);

/* Proximity domain of the CPU with this APIC id from the SRAT, or -1 when it has none. */
long acpi_cpu_domain(const struct acpi_info *info, u32 apic_id);

/* SLIT distance between two proximity domains: the table's value when both are in the
 * matrix, else ACPI_DISTANCE_LOCAL for from == to and ACPI_DISTANCE_REMOTE otherwise. */
unsigned int acpi_distance(const struct acpi_info *info, u32 from, u32 to);

#endif
