/* kernel/smp.c - per-CPU areas, bring-up of the application processors (APs), and a small
 * "run this on CPU n" mechanism.
 *
 * Bring-up (Intel SDM vol. 3, 8.4 "Multiple-processor initialization"; Linux's
 * do_boot_cpu()): the BSP maps its local APIC uncached, copies boot/trampoline.asm's blob to
 * the reserved page SMP_TRAMPOLINE_PHYS, then for each AP of the MADT in turn: allocates its
 * stacks, publishes a slot {APIC id, stack, per-CPU area} the AP finds itself in, sends INIT,
 * waits 10 ms, sends STARTUP (twice if the AP has not shown up after 200 us), and waits up to
 * AP_START_TIMEOUT_MS for the AP to mark itself online. Who wins the AP's state (the AP going
 * STARTING -> ONLINE, or the BSP giving up STARTING -> FAILED) is decided by one
 * compare-and-exchange, so an AP that arrives late parks itself and is never counted.
 *
 * After that each AP loads its own GDT/TSS and the shared IDT, sets its GS base, enables its
 * local APIC and idles in hlt, where the wake-up IPI of smp_call_on()/smp_call_all() (or a
 * timer tick) gets it out (a halted vCPU costs the host nothing). It runs each call in process
 * context with interrupts on; interrupts are off only between the idle loop's check for a call
 * and its sti;hlt, which makes the pair race-free.
 *
 * The local APIC is mapped and enabled on every machine that has one, with one CPU too: the
 * timer and the IPIs of kernel/irq.c need it. Delays use the TSC, calibrated against PIT
 * channel 2 at every boot. */
#include "kernel/smp.h"
#include "kernel/acpi.h"
#include "kernel/irq.h"
#include "kernel/arch.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "mm/gfp.h"

/* Local APIC registers (xAPIC, memory-mapped), offsets from its base. */
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0
#define LAPIC_ESR		0x280
#define LAPIC_ICR_LOW		0x300
#define LAPIC_ICR_HIGH		0x310
#define SVR_ENABLE		(1U << 8)
#define ICR_FIXED		0x000
#define ICR_INIT		0x500
#define ICR_STARTUP		0x600
#define ICR_PENDING		(1U << 12)	/* delivery status: send pending */
#define ICR_ASSERT		(1U << 14)
#define ICR_LEVEL		(1U << 15)
#define ICR_DEST_SHIFT		24
#define XAPIC_MAX_ID		0xfe		/* 0xff is broadcast */

#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_X2APIC	(1ULL << 10)
#define APIC_BASE_ENABLE	(1ULL << 11)
#define APIC_BASE_ADDR		0x000ffffffffff000ULL
#define CPUID_1_EDX_APIC	(1U << 9)
#define EFER_LME		(1ULL << 8)
#define EFER_NXE		(1ULL << 11)


#define AP_STACK_ORDER		2		/* 16 KiB kernel stack per AP */
#define AP_IST_ORDER		1		/* 4 KiB #DF + 4 KiB NMI stack per AP */
#define AP_START_TIMEOUT_MS	2000
#define ICR_IDLE_TIMEOUT_MS	100

/* PIT channel 2, gated through port 0x61, for the TSC calibration. */
#define PIT_HZ			1193182
#define PIT_CH2			0x42
#define PIT_CMD			0x43
#define PIT_GATE_PORT		0x61
#define PIT_GATE		0x01
#define PIT_SPEAKER		0x02
#define PIT_OUT2		0x20
#define PIT_CH2_MODE0		0xb0		/* channel 2, lobyte/hibyte, mode 0, binary */
#define CALIBRATE_MS		10
#define CALIBRATE_MAX_POLLS	5000000

/* Page-table flags of the trampoline's identity map. */
#define PTE_P			(1ULL << 0)
#define PTE_W			(1ULL << 1)
#define PTE_PS			(1ULL << 7)
#define PTE_ADDR_MASK		0x000ffffffffff000ULL

/* The trampoline blob (boot/trampoline.asm) and its parameter block, patched after the copy.
 * Every field is naturally aligned (the lgdt operand's 32-bit base is split in two halves). */
struct trampoline_params {
	u32 pm32_off;		/* +0  far pointer to the 32-bit code */
	u16 pm32_sel;
	u16 pad0;
	u32 lm64_off;		/* +8  far pointer to the 64-bit code */
	u16 lm64_sel;
	u16 pad1;
	u16 gdt_limit;		/* +16 lgdt operand: limit, base */
	u16 gdt_base_lo;
	u16 gdt_base_hi;
	u16 pad2;
	u32 cr3;		/* +24 trampoline PML4 */
	u32 efer_set;		/* +28 EFER bits the AP sets */
	u64 entry64;		/* +32 smp_ap_entry64 */
	u32 alive;		/* +40 APs that reached the first instruction */
	u32 pad3;
};
_Static_assert((PAGE_SIZE << AP_STACK_ORDER) == SMP_AP_STACK_SIZE, "kernel/smp.h");
_Static_assert(sizeof(struct trampoline_params) == 48, "boot/trampoline.asm parameter block");
_Static_assert(__builtin_offsetof(struct trampoline_params, gdt_limit) == 16, "tp_gdtr");
_Static_assert(__builtin_offsetof(struct trampoline_params, cr3) == 24, "tp_cr3");
_Static_assert(__builtin_offsetof(struct trampoline_params, entry64) == 32, "tp_entry64");
_Static_assert(__builtin_offsetof(struct trampoline_params, alive) == 40, "tp_alive");

extern const u8 smp_trampoline_start[], smp_trampoline_end[];
extern const u8 smp_trampoline_pm32[], smp_trampoline_lm64[], smp_trampoline_gdt[];
extern const u8 smp_trampoline_params[], smp_trampoline_params_end[];
void smp_ap_entry64(void);

/* Where a starting AP finds itself (by APIC id) from boot/trampoline.asm; stack_top != 0
 * marks a used slot. Slots are never reused: a late AP must only ever find its own. */
struct ap_boot_slot {
	u64 apic_id;
	u64 stack_top;
	struct percpu *percpu;
	u64 reserved;
};
_Static_assert(sizeof(struct ap_boot_slot) == 32, "SLOT_SIZE in boot/trampoline.asm");
_Static_assert(__builtin_offsetof(struct ap_boot_slot, stack_top) == 8, "SLOT_STACK_TOP");
_Static_assert(__builtin_offsetof(struct ap_boot_slot, percpu) == 16, "SLOT_PERCPU");
_Static_assert(SMP_MAX_CPUS == 64, "SMP_MAX_CPUS in boot/trampoline.asm");
_Static_assert(__builtin_offsetof(struct percpu, self) == 0, "this_cpu_area() reads %gs:0");

/* Shared with boot/trampoline.asm. */
struct ap_boot_slot smp_ap_slots[SMP_MAX_CPUS];
u64 smp_kernel_cr3;			/* the kernel's page tables, loaded by each AP */
bool smp_trampoline_ram;

static struct percpu percpu_areas[SMP_MAX_CPUS];
static unsigned int nr_ids = 1;		/* ids handed out: CPU 0 and every AP tried */
static unsigned int nr_online = 1;
static volatile u8 *lapic;		/* uncached mapping of the local APIC (shared by all CPUs:
					 * each CPU sees its own APIC at the same address) */
static u64 bsp_cr4;			/* CR4 the APs copy */
static u64 tsc_per_ms = 1000000;	/* 1 GHz until calibrated */
static bool lapic_ok;			/* mapped and enabled on CPU 0 */

/* Identity map of the low 2 MiB (where the trampoline page is) plus the kernel's half, for
 * the AP's switch to long mode; in the image, hence below 4 GiB as a 32-bit CR3 needs. */
static u64 tramp_pml4[512] __attribute__((aligned(PAGE_SIZE)));
static u64 tramp_pdpt[512] __attribute__((aligned(PAGE_SIZE)));
static u64 tramp_pd[512] __attribute__((aligned(PAGE_SIZE)));

/* ---- time ---- */

static u64 deadline_after_ms(unsigned int ms) { return rdtsc() + (u64)ms * tsc_per_ms; }
static bool time_after(u64 deadline) { return (s64)(rdtsc() - deadline) >= 0; }

static void udelay(unsigned int us)
{
	u64 end = rdtsc() + (u64)us * tsc_per_ms / 1000;

	while (!time_after(end))
		cpu_relax();
}

/* Measure TSC ticks per millisecond over CALIBRATE_MS of PIT channel 2 (mode 0: its output
 * goes high when the count reaches zero), as Linux's pit_calibrate_tsc() does. */
static void calibrate_tsc(void)
{
	u16 latch = PIT_HZ / (1000 / CALIBRATE_MS);
	u8 gate = inb(PIT_GATE_PORT);
	unsigned long polls = 0;
	u64 t0, t1, per_ms;

	outb(PIT_GATE_PORT, (gate & ~PIT_SPEAKER) | PIT_GATE);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
	t0 = rdtsc();
	while (!(inb(PIT_GATE_PORT) & PIT_OUT2) && polls < CALIBRATE_MAX_POLLS)
		polls++;
	t1 = rdtsc();
	outb(PIT_GATE_PORT, gate);
	per_ms = (t1 - t0) / CALIBRATE_MS;
	if (polls >= CALIBRATE_MAX_POLLS || per_ms < 10000 || per_ms > 100000000) {
		printk(KERN_WARNING "smp: TSC calibration against the PIT failed, assuming 1 GHz\n");
		return;
	}
	tsc_per_ms = per_ms;
}

/* ---- local APIC ---- */

static u32 lapic_read(u32 reg) { return *(volatile u32 *)(lapic + reg); }
static void lapic_write(u32 reg, u32 v) { *(volatile u32 *)(lapic + reg) = v; }

bool smp_lapic_ok(void) { return lapic_ok; }
u32 apic_read(u32 reg) { return lapic_read(reg); }
void apic_write(u32 reg, u32 v) { lapic_write(reg, v); }
void apic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

/* Wait until the previous IPI has left; false after ICR_IDLE_TIMEOUT_MS. */
static bool lapic_icr_idle(void)
{
	u64 end = deadline_after_ms(ICR_IDLE_TIMEOUT_MS);

	while (lapic_read(LAPIC_ICR_LOW) & ICR_PENDING) {
		if (time_after(end))
			return false;
		cpu_relax();
	}
	return true;
}

/* Send an IPI (icr: delivery mode, level, vector) to the CPU with this APIC id. Every store
 * before it is globally visible first. False when the ICR stays busy. */
static bool lapic_send_ipi(u32 apic_id, u32 icr)
{
	__asm__ volatile("mfence" : : : "memory");
	if (!lapic_icr_idle())
		return false;
	lapic_write(LAPIC_ICR_HIGH, apic_id << ICR_DEST_SHIFT);
	lapic_write(LAPIC_ICR_LOW, icr);
	return lapic_icr_idle();
}

/* Software-enable this CPU's local APIC with the spurious vector (needed to take IPIs). */
static void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_APIC_VECTOR);
}

/* pt_alloc_fn over the page allocator, for the local APIC's page-table pages. */
static phys_addr_t pt_alloc_page(void *ctx)
{
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);

	(void)ctx;
	return p ? (phys_addr_t)page_to_pfn(p) << PAGE_SHIFT : 0;
}

/* Check that the xAPIC can be used and map it; NULL reason on success. */
static const char *lapic_setup(void)
{
	u32 a, b, c, d;
	u64 base_msr, phys;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_APIC))
		return "this CPU has no local APIC";
	base_msr = rdmsr(MSR_APIC_BASE);
	if (!(base_msr & APIC_BASE_ENABLE))
		return "the local APIC is disabled (IA32_APIC_BASE)";
	if (base_msr & APIC_BASE_X2APIC)
		return "the firmware left the local APIC in x2APIC mode (not supported)";
	if (!(base_msr & APIC_BASE_BSP))
		return "smp_init() is not running on the boot CPU";
	phys = base_msr & APIC_BASE_ADDR;
	if (acpi_info.has_madt && phys != acpi_info.lapic_phys)
		printk(KERN_WARNING "smp: MADT says LAPIC at %#llx, IA32_APIC_BASE %#llx: using "
		       "the latter\n", (unsigned long long)acpi_info.lapic_phys,
		       (unsigned long long)phys);
	lapic = ioremap_uc(phys, PAGE_SIZE, pt_alloc_page, NULL);
	if (!lapic)
		return "cannot map the local APIC (out of memory for page tables)";
	return NULL;
}

/* ---- the trampoline ---- */

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Copy and patch the trampoline, build its page tables; NULL reason on success. */
static const char *trampoline_setup(const struct mb2_info *mb2, u64 mbi_phys)
{
	size_t size = (size_t)(smp_trampoline_end - smp_trampoline_start);
	size_t params = (size_t)(smp_trampoline_params - smp_trampoline_start);
	u8 *page = phys_to_virt(SMP_TRAMPOLINE_PHYS);
	u64 *kernel_pml4 = phys_to_virt(smp_kernel_cr3 & PTE_ADDR_MASK);
	struct trampoline_params *tp;
	u32 gdt;

	if (size > PAGE_SIZE || smp_trampoline_params_end - smp_trampoline_params != sizeof(*tp))
		return "the trampoline blob does not match struct trampoline_params";
	if (!smp_trampoline_ram)
		return "the trampoline page is not usable RAM in the memory map";
	if (ranges_overlap(SMP_TRAMPOLINE_PHYS, PAGE_SIZE, mbi_phys, mb2->total_size))
		return "the trampoline page overlaps the multiboot2 information";
	for (u32 i = 0; i < mb2->nr_modules; i++)
		if (ranges_overlap(SMP_TRAMPOLINE_PHYS, PAGE_SIZE, mb2->modules[i].start,
				   mb2->modules[i].end - mb2->modules[i].start))
			return "the trampoline page overlaps a boot module";
	if (virt_to_phys(tramp_pml4) >= (4ULL << 30) || smp_kernel_cr3 >= (4ULL << 30))
		return "page tables above 4 GiB";

	tramp_pd[0] = 0 | PTE_P | PTE_W | PTE_PS;	/* 0-2 MiB, executable */
	tramp_pdpt[0] = virt_to_phys(tramp_pd) | PTE_P | PTE_W;
	tramp_pml4[0] = virt_to_phys(tramp_pdpt) | PTE_P | PTE_W;
	memcpy(&tramp_pml4[256], &kernel_pml4[256], 256 * sizeof(u64));

	memcpy(page, smp_trampoline_start, size);
	if (memcmp(page, smp_trampoline_start, size) != 0)
		return "the trampoline page is not RAM";
	tp = (struct trampoline_params *)(page + params);
	tp->pm32_off = SMP_TRAMPOLINE_PHYS + (u32)(smp_trampoline_pm32 - smp_trampoline_start);
	tp->lm64_off = SMP_TRAMPOLINE_PHYS + (u32)(smp_trampoline_lm64 - smp_trampoline_start);
	gdt = SMP_TRAMPOLINE_PHYS + (u32)(smp_trampoline_gdt - smp_trampoline_start);
	tp->gdt_base_lo = (u16)gdt;
	tp->gdt_base_hi = (u16)(gdt >> 16);
	tp->cr3 = (u32)virt_to_phys(tramp_pml4);
	tp->efer_set = (u32)(EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE));
	tp->entry64 = (u64)(uintptr_t)smp_ap_entry64;
	tp->alive = 0;
	return NULL;
}

static struct trampoline_params *trampoline_params(void)
{
	return (struct trampoline_params *)((u8 *)phys_to_virt(SMP_TRAMPOLINE_PHYS) +
					    (smp_trampoline_params - smp_trampoline_start));
}

/* ---- the APs ---- */

static __noreturn void park(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Run calls until the end of time, each with interrupts on; halt when there is none. The
 * check runs with interrupts off: the IPI that follows a new call either wakes the hlt or,
 * when it arrives between cli and sti, is taken right after sti;hlt (sti's one-instruction
 * shadow makes the pair atomic), so a call is never left waiting for the next interrupt. */
static __noreturn void ap_idle(struct percpu *pc)
{
	for (;;) {
		__asm__ volatile("cli" : : : "memory");
		u64 seq = __atomic_load_n(&pc->call_seq, __ATOMIC_ACQUIRE);

		if (seq != pc->call_done) {
			if (irq_started())
				__asm__ volatile("sti" : : : "memory");
			pc->call_fn(pc->call_arg);
			pc->calls_run++;
			__atomic_store_n(&pc->call_done, seq, __ATOMIC_RELEASE);
			continue;
		}
		__asm__ volatile("sti; hlt" : : : "memory");
	}
}

/* C entry of an AP, on its own stack (boot/trampoline.asm), interrupts off. */
__noreturn void smp_ap_start(struct percpu *pc);
__noreturn void smp_ap_start(struct percpu *pc)
{
	int expected = CPU_STARTING;

	traps_init_cpu(&pc->tables, pc->ist_df_top, pc->ist_nmi_top);
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)pc);	/* after traps_init_cpu: it zeroes GS */
	write_cr4(bsp_cr4);
	lapic_enable();
	if (!__atomic_compare_exchange_n(&pc->state, &expected, CPU_ONLINE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		park();			/* too late: the BSP has given up on this CPU */
	ap_idle(pc);
}

/* Give an AP its stacks; false (reported) when memory is short. */
static bool ap_alloc_stacks(struct percpu *pc)
{
	struct page *stack = alloc_pages(GFP_KERNEL, AP_STACK_ORDER);
	struct page *ist = alloc_pages(GFP_KERNEL, AP_IST_ORDER);

	if (!stack || !ist) {
		if (stack)
			__free_pages(stack, AP_STACK_ORDER);
		if (ist)
			__free_pages(ist, AP_IST_ORDER);
		return false;
	}
	pc->stack_top = (uintptr_t)page_address(stack) + (PAGE_SIZE << AP_STACK_ORDER);
	pc->ist_df_top = (uintptr_t)page_address(ist) + PAGE_SIZE;
	pc->ist_nmi_top = (uintptr_t)page_address(ist) + 2 * PAGE_SIZE;
	return true;
}

/* INIT-SIPI-SIPI one AP and wait for it; NULL when it came online, else why not. */
static const char *ap_boot(struct percpu *pc)
{
	struct trampoline_params *tp = trampoline_params();
	u32 vector = SMP_TRAMPOLINE_PHYS >> PAGE_SHIFT;
	int expected = CPU_STARTING;
	u64 end;

	__atomic_store_n(&tp->alive, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&pc->state, CPU_STARTING, __ATOMIC_RELEASE);
	smp_ap_slots[pc->cpu] = (struct ap_boot_slot){
		.apic_id = pc->apic_id, .stack_top = pc->stack_top, .percpu = pc,
	};
	lapic_write(LAPIC_ESR, 0);
	if (!lapic_send_ipi(pc->apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT) ||
	    !lapic_send_ipi(pc->apic_id, ICR_INIT | ICR_LEVEL))
		return "the INIT IPI could not be sent";
	udelay(10000);
	for (int i = 0; i < 2 && !__atomic_load_n(&tp->alive, __ATOMIC_ACQUIRE); i++) {
		if (!lapic_send_ipi(pc->apic_id, ICR_STARTUP | vector))
			return "the STARTUP IPI could not be sent";
		udelay(200);
	}
	end = deadline_after_ms(AP_START_TIMEOUT_MS);
	while (__atomic_load_n(&pc->state, __ATOMIC_ACQUIRE) == CPU_STARTING && !time_after(end))
		cpu_relax();
	if (__atomic_compare_exchange_n(&pc->state, &expected, CPU_FAILED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return __atomic_load_n(&tp->alive, __ATOMIC_ACQUIRE)
			? "it ran the trampoline but did not come online in time"
			: "no answer to INIT-SIPI-SIPI";
	return NULL;
}

/* The MADT's usable processors that are not this one, each in a new per-CPU area, started
 * in MADT order. */
static void start_aps(u32 bsp_apic_id)
{
	const struct acpi_info *ai = &acpi_info;
	unsigned int skipped = 0;

	for (unsigned int i = 0; i < ai->nr_cpus; i++) {
		const struct acpi_cpu *c = &ai->cpus[i];
		const char *why;

		if (!c->enabled || c->apic_id == bsp_apic_id)
			continue;
		if (c->apic_id > XAPIC_MAX_ID) {
			printk(KERN_WARNING "smp: APIC id %u needs x2APIC mode: not started\n",
			       c->apic_id);
			continue;
		}
		if (nr_ids >= SMP_MAX_CPUS) {
			skipped++;
			continue;
		}
		struct percpu *pc = &percpu_areas[nr_ids];

		pc->self = pc;
		pc->cpu = nr_ids++;
		pc->line_off = (unsigned long)pc->cpu * PERCPU_LINE;
		pc->ctx_off = (unsigned long)ctx_index(pc->cpu, false) * PERCPU_LINE;
		pc->apic_id = c->apic_id;
		if (!ap_alloc_stacks(pc))
			why = "out of memory for its stacks";
		else
			why = ap_boot(pc);
		if (why) {
			printk(KERN_WARNING "smp: CPU %u (APIC id %u) did not come up: %s\n", pc->cpu,
			       pc->apic_id, why);
			continue;	/* its stacks stay allocated: it may still arrive late */
		}
		nr_online++;
	}
	if (skipped)
		printk(KERN_WARNING "smp: %u more CPUs beyond SMP_MAX_CPUS=%u not started\n", skipped,
		       SMP_MAX_CPUS);
}

void smp_early_init(void)
{
	struct percpu *pc = &percpu_areas[0];

	pc->self = pc;
	pc->cpu = 0;
	pc->line_off = 0;
	pc->ctx_off = 0;
	pc->apic_id = cpu_initial_apic_id();
	pc->state = CPU_ONLINE;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)pc);
}

unsigned int smp_init(const struct mb2_info *mb2, u64 mbi_phys)
{
	const struct acpi_info *ai = &acpi_info;
	u32 bsp_apic_id = percpu_areas[0].apic_id;
	unsigned int others = 0;
	const char *why;
	bool listed = false;

	for (unsigned int i = 0; i < ai->nr_cpus; i++) {
		if (!ai->cpus[i].enabled)
			continue;
		if (ai->cpus[i].apic_id == bsp_apic_id)
			listed = true;
		else
			others++;
	}
	if (ai->has_madt && !listed)
		printk(KERN_WARNING "smp: the boot CPU (APIC id %u) is not in the MADT\n",
		       bsp_apic_id);
	calibrate_tsc();
	irq_init_vectors();	/* gates first: the APIC may deliver from lapic_enable() on */
	why = lapic_setup();
	if (why) {
		printk(KERN_WARNING "smp: no local APIC (%s): no timer, no IPIs%s\n", why,
		       others ? ", other CPUs not started" : "");
	} else {
		lapic_ok = true;
		lapic_enable();
	}
	if (others && lapic_ok) {
		smp_kernel_cr3 = read_cr3();
		bsp_cr4 = read_cr4();
		why = trampoline_setup(mb2, mbi_phys);
		if (why)
			printk(KERN_WARNING "smp: other CPUs not started: %s\n", why);
		else
			start_aps(bsp_apic_id);
	}
	printk(KERN_INFO "smp: %u CPU%s online\n", nr_online, nr_online == 1 ? "" : "s");
	return nr_online;
}

/* ---- queries ---- */

u64 smp_tsc_per_ms(void) { return tsc_per_ms; }
unsigned int num_online_cpus(void) { return nr_online; }
unsigned int nr_cpu_ids(void) { return nr_ids; }

bool cpu_online(unsigned int cpu)
{
	return cpu < nr_ids && __atomic_load_n(&percpu_areas[cpu].state, __ATOMIC_ACQUIRE) ==
				       CPU_ONLINE;
}

struct percpu *per_cpu_area(unsigned int cpu)
{
	return cpu < nr_ids ? &percpu_areas[cpu] : NULL;
}

/* ---- smp_call ---- */

static bool call_idle(const struct percpu *pc)
{
	return __atomic_load_n(&pc->call_done, __ATOMIC_ACQUIRE) == pc->call_seq;
}

/* Send a fixed IPI; the ICR is written with interrupts off (a handler may send one too). */
bool smp_send_ipi(unsigned int cpu, unsigned int vector)
{
	unsigned long flags;
	bool sent;

	if (!lapic_ok || cpu >= nr_ids)
		return false;
	local_irq_save(flags);
	sent = lapic_send_ipi(percpu_areas[cpu].apic_id, ICR_FIXED | ICR_ASSERT | vector);
	local_irq_restore(flags);
	if (!sent)
		printk(KERN_WARNING "smp: IPI %#x to CPU %u not sent\n", vector, cpu);
	return sent;
}

/* Hand fn(arg) to the AP pc and wake it. */
static int call_post(struct percpu *pc, smp_call_fn fn, void *arg)
{
	if (!call_idle(pc))
		return SMP_EBUSY;
	pc->call_fn = fn;
	pc->call_arg = arg;
	__atomic_store_n(&pc->call_seq, pc->call_seq + 1, __ATOMIC_RELEASE);
	smp_send_ipi(pc->cpu, WAKEUP_VECTOR);
	return 0;
}

/* Wait until pc's current call is done, or the deadline. */
static int call_wait(struct percpu *pc, u64 deadline)
{
	while (!call_idle(pc)) {
		if (time_after(deadline))
			return SMP_ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

static void report_timeout(const struct percpu *pc, smp_call_fn fn, unsigned int ms)
{
	printk(KERN_WARNING "smp: CPU %u did not finish the call of %p within %u ms\n", pc->cpu,
	       (void *)(uintptr_t)fn, ms);
}

int smp_call_on_timeout(unsigned int cpu, smp_call_fn fn, void *arg, unsigned int timeout_ms)
{
	struct percpu *pc;
	int ret;

	if (smp_processor_id() != 0)
		return SMP_EPERM;
	if (!cpu_online(cpu))
		return SMP_EINVAL;
	if (cpu == 0) {
		fn(arg);
		return 0;
	}
	pc = &percpu_areas[cpu];
	ret = call_post(pc, fn, arg);
	if (ret == 0) {
		ret = call_wait(pc, deadline_after_ms(timeout_ms));
		if (ret)
			report_timeout(pc, fn, timeout_ms);
	}
	return ret;
}

int smp_call_on(unsigned int cpu, smp_call_fn fn, void *arg)
{
	return smp_call_on_timeout(cpu, fn, arg, SMP_CALL_TIMEOUT_MS);
}

int smp_call_all_timeout(smp_call_fn fn, void *arg, unsigned int timeout_ms)
{
	bool posted[SMP_MAX_CPUS] = { false };
	u64 deadline = deadline_after_ms(timeout_ms);
	unsigned int cpu;
	int ret = 0;

	if (smp_processor_id() != 0)
		return SMP_EPERM;
	for (cpu = 1; cpu < nr_ids; cpu++) {
		if (!cpu_online(cpu))
			continue;
		int r = call_post(&percpu_areas[cpu], fn, arg);

		posted[cpu] = r == 0;
		if (r && !ret)
			ret = r;
	}
	fn(arg);
	for (cpu = 1; cpu < nr_ids; cpu++) {
		if (!posted[cpu])
			continue;
		int r = call_wait(&percpu_areas[cpu], deadline);

		if (r) {
			report_timeout(&percpu_areas[cpu], fn, timeout_ms);
			if (!ret)
				ret = r;
		}
	}
	return ret;
}

int smp_call_all(smp_call_fn fn, void *arg)
{
	return smp_call_all_timeout(fn, arg, SMP_CALL_TIMEOUT_MS);
}

int smp_call_wait(unsigned int cpu, unsigned int timeout_ms)
{
	if (cpu >= nr_ids)
		return SMP_EINVAL;
	return call_wait(&percpu_areas[cpu], deadline_after_ms(timeout_ms));
}
