/* kernel/traps.c - GDT (with a TSS whose IST stacks catch #DF and NMI on a broken stack), IDT
 * for CPU exceptions 0-31, and the exception handler: it dumps the trap frame, CR2/CR3 and all
 * GPRs with its own tiny formatter (no printk dependency), then panics via qemu_exit.
 * Interrupt vectors (timer, IPIs, spurious) get their gates from kernel/irq.c through
 * traps_set_interrupt_gate(). The IDT is one table for every CPU; each CPU has its own GDT and TSS (struct cpu_tables):
 * the boot CPU's are static here, the others' live in their per-CPU areas (kernel/smp.c). */
#include "kernel/arch.h"
#include "lib/kernel.h"
#include "lib/string.h"

/* Saved by boot/isr.asm: GPRs (r15 pushed last), vector, error code, then the CPU frame. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	u16 offset_low;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
} __attribute__((packed));

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define TSS_SEL		0x18
#define NR_EXCEPTIONS	32
#define NR_VECTORS	256		/* 32-255: interrupts, gates added by traps_set_interrupt_gate */
#define GATE_INTR	0x8e		/* present, DPL 0, 64-bit interrupt gate */
#define IST_DF		1
#define IST_NMI		2
#define IST_STACK_SIZE	(16 * 1024)
#define VEC_NMI		2
#define VEC_DF		8
#define VEC_PF		14

extern const u64 isr_stub_table[NR_EXCEPTIONS];	/* boot/isr.asm */
void trap_handler(struct trap_frame *f);

static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));
static struct cpu_tables boot_tables;		/* the boot CPU's GDT and TSS */
static u8 ist_df_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
static u8 ist_nmi_stack[IST_STACK_SIZE] __attribute__((aligned(16)));

static const char *const exception_names[NR_EXCEPTIONS] = {
	"#DE Divide Error", "#DB Debug", "NMI", "#BP Breakpoint", "#OF Overflow",
	"#BR BOUND Range Exceeded", "#UD Invalid Opcode", "#NM Device Not Available",
	"#DF Double Fault", "Coprocessor Segment Overrun", "#TS Invalid TSS",
	"#NP Segment Not Present", "#SS Stack-Segment Fault", "#GP General Protection",
	"#PF Page Fault", "Reserved 15", "#MF x87 FP Error", "#AC Alignment Check",
	"#MC Machine Check", "#XM SIMD FP Exception", "#VE Virtualization Exception",
	"#CP Control Protection", "Reserved 22", "Reserved 23", "Reserved 24", "Reserved 25",
	"Reserved 26", "Reserved 27", "#HV Hypervisor Injection", "#VC VMM Communication",
	"#SX Security Exception", "Reserved 31",
};

/* Build the 16-byte TSS descriptor for t->tss in t->gdt[3..4]. */
static void gdt_set_tss(struct cpu_tables *t)
{
	u64 base = (u64)(uintptr_t)&t->tss;
	u64 limit = sizeof(t->tss) - 1;

	t->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[4] = base >> 32;
}

/* Load t's GDT and reload every segment register (CS via a far return), then the task
 * register. */
static void gdt_load(struct cpu_tables *t)
{
	struct desc_ptr p = { sizeof(t->gdt) - 1, (u64)(uintptr_t)t->gdt };

	__asm__ volatile("lgdt %0" : : "m"(p));
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %[ds], %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs"
			 : : [cs] "i"(KERNEL_CS), [ds] "i"(KERNEL_DS) : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL));
}

/* Point IDT gate vec at handler, running on IST stack ist (0 = current stack). */
static void idt_set_gate(unsigned int vec, u64 handler, u8 ist)
{
	struct idt_gate *g = &idt[vec];

	g->offset_low = handler & 0xffff;
	g->selector = KERNEL_CS;
	g->ist = ist;
	g->type_attr = GATE_INTR;
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_high = handler >> 32;
	g->reserved = 0;
}

/* Fill and load t: GDT + TSS (IST1 for #DF, IST2 for NMI), then the shared IDT. */
void traps_init_cpu(struct cpu_tables *t, uintptr_t df_stack_top, uintptr_t nmi_stack_top)
{
	memset(&t->tss, 0, sizeof(t->tss));
	t->tss.ist[IST_DF - 1] = df_stack_top;
	t->tss.ist[IST_NMI - 1] = nmi_stack_top;
	t->tss.iomap_base = sizeof(t->tss);

	t->gdt[0] = 0;
	t->gdt[1] = 0x00209b0000000000ULL;	/* code: P, DPL0, exec/read, accessed, L */
	t->gdt[2] = 0x0000930000000000ULL;	/* data: P, DPL0, read/write, accessed */
	gdt_set_tss(t);
	gdt_load(t);

	struct desc_ptr p = { sizeof(idt) - 1, (u64)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

/* Build the IDT for exceptions 0-31 (vectors 32-255 not present until a gate is set), then
 * load the boot CPU's tables. */
void traps_init(void)
{
	for (unsigned int v = 0; v < NR_EXCEPTIONS; v++) {
		u8 ist = v == VEC_DF ? IST_DF : v == VEC_NMI ? IST_NMI : 0;
		idt_set_gate(v, isr_stub_table[v], ist);
	}
	traps_init_cpu(&boot_tables, (uintptr_t)(ist_df_stack + IST_STACK_SIZE),
		       (uintptr_t)(ist_nmi_stack + IST_STACK_SIZE));
}

void traps_set_interrupt_gate(unsigned int vec, void (*handler)(void))
{
	if (vec < NR_EXCEPTIONS || vec >= NR_VECTORS)
		panic("traps: vector %u is not an interrupt vector", vec);
	idt_set_gate(vec, (u64)(uintptr_t)handler, 0);
}

/* ---- minimal formatting for the dump: works even when printk does not ---- */

struct line {
	char buf[192];
	size_t len;
};

/* Append the NUL-terminated string s to l (truncating at the buffer end). */
static void line_str(struct line *l, const char *s)
{
	while (*s && l->len < sizeof(l->buf))
		l->buf[l->len++] = *s++;
}

/* Append v as digits hexadecimal digits (zero padded) to l. */
static void line_hex(struct line *l, u64 v, int digits)
{
	for (int shift = (digits - 1) * 4; shift >= 0 && l->len < sizeof(l->buf); shift -= 4)
		l->buf[l->len++] = "0123456789abcdef"[(v >> shift) & 0xf];
}

/* Append v in decimal to l. */
static void line_dec(struct line *l, u64 v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0 && l->len < sizeof(l->buf))
		l->buf[l->len++] = tmp[--n];
}

/* Append "NAME: value" (16 hex digits), space-separated from what precedes it. */
static void line_reg(struct line *l, const char *name, u64 v)
{
	if (l->len)
		line_str(l, " ");
	line_str(l, name);
	line_str(l, ": ");
	line_hex(l, v, 16);
}

/* Terminate l with a newline, write it to the console and empty it. */
static void line_flush(struct line *l)
{
	line_str(l, "\n");
	console_write(l->buf, l->len);
	l->len = 0;
}

static u64 read_cr2(void)
{
	u64 v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Append the decoded #PF error code bits: P (protection vs not present), W, U, R, I. */
static void line_pf_bits(struct line *l, u64 err)
{
	line_str(l, " [");
	line_str(l, err & 1 ? "P=1 protection" : "P=0 not-present");
	line_str(l, err & 2 ? ", W=1 write" : ", W=0 read");
	line_str(l, err & 4 ? ", U=1 user" : ", U=0 kernel");
	if (err & 8)
		line_str(l, ", RSVD=1 reserved bit set");
	if (err & 16)
		line_str(l, ", I=1 instruction fetch");
	line_str(l, "]");
}

/* Print the header lines: exception name, vector, error code, RIP/CS/RFLAGS/RSP, CR2/CR3. */
static void dump_header(struct trap_frame *f)
{
	struct line l = { .len = 0 };

	line_str(&l, "CPU exception ");
	line_dec(&l, f->vector);
	line_str(&l, " (");
	line_str(&l, f->vector < NR_EXCEPTIONS ? exception_names[f->vector] : "?");
	line_str(&l, ") error code 0x");
	line_hex(&l, f->error, f->error >> 16 ? 16 : 4);
	if (f->vector == VEC_PF)
		line_pf_bits(&l, f->error);
	line_flush(&l);

	line_reg(&l, "RIP", f->rip);
	line_reg(&l, "CS", f->cs);
	line_reg(&l, "RFLAGS", f->rflags);
	line_flush(&l);
	line_reg(&l, "RSP", f->rsp);
	line_reg(&l, "SS", f->ss);
	line_flush(&l);
	line_reg(&l, "CR2", read_cr2());
	line_reg(&l, "CR3", read_cr3());
	line_str(&l, " APIC-ID: ");
	line_dec(&l, cpu_initial_apic_id());	/* which CPU */
	line_flush(&l);
}

/* Print the 15 general-purpose registers, three per line. */
static void dump_gprs(struct trap_frame *f)
{
	const struct { const char *name; u64 v; } regs[] = {
		{ "RAX", f->rax }, { "RBX", f->rbx }, { "RCX", f->rcx },
		{ "RDX", f->rdx }, { "RSI", f->rsi }, { "RDI", f->rdi },
		{ "RBP", f->rbp }, { "R8 ", f->r8 }, { "R9 ", f->r9 },
		{ "R10", f->r10 }, { "R11", f->r11 }, { "R12", f->r12 },
		{ "R13", f->r13 }, { "R14", f->r14 }, { "R15", f->r15 },
	};
	struct line l = { .len = 0 };

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		line_reg(&l, regs[i].name, regs[i].v);
		if (i % 3 == 2)
			line_flush(&l);
	}
}

/* C side of every exception stub: dump the state, print the panic line, exit with failure. */
void trap_handler(struct trap_frame *f)
{
	static volatile int depth;
	struct line l = { .len = 0 };

	if (depth++) {
		/* the dump itself faulted: report as little as possible and stop */
		line_str(&l, "Kernel panic - not syncing: nested CPU exception ");
		line_dec(&l, f->vector);
		line_flush(&l);
		qemu_exit(QEMU_EXIT_FAILURE);
	}
	dump_header(f);
	dump_gprs(f);
	line_str(&l, "Kernel panic - not syncing: CPU exception ");
	line_dec(&l, f->vector);
	line_flush(&l);
	qemu_exit(QEMU_EXIT_FAILURE);
}
