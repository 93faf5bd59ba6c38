/* kernel/arch.h - x86_64 address-space layout and low-level helpers (kernel only). */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include "lib/types.h"
#include "lib/spinlock.h"	/* cpu_relax() */

/* Virtual layout (as Linux x86_64 with 4-level paging):
 *   0xffff888000000000  direct map of all physical RAM (PAGE_OFFSET)
 *   0xffffc90000000000  ioremap_uc(): device registers (local APIC), uncached
 *   0xffffea0000000000  vmemmap: the struct page array, indexed by pfn, populated sparsely
 *   0xffffffff80000000  kernel image (KERNEL_VMA), loaded at physical 1 MiB */
#define PAGE_OFFSET   0xffff888000000000UL
#define VMEMMAP_START 0xffffea0000000000UL
#define KERNEL_VMA    0xffffffff80000000UL
#define IOREMAP_START 0xffffc90000000000UL	/* uncached device mappings (Linux's vmalloc base) */
#define IOREMAP_END   0xffffc90040000000UL	/* 1 GiB of them */
#define MAX_PHYS_BITS 46	/* direct map covers at most 64 TiB */

static inline void *phys_to_virt(phys_addr_t p) { return (void *)(uintptr_t)(p + PAGE_OFFSET); }

static inline phys_addr_t virt_to_phys(const void *v)
{
	uintptr_t a = (uintptr_t)v;
	if (a >= KERNEL_VMA)
		return a - KERNEL_VMA;
	return a - PAGE_OFFSET;
}

/* Linker-script symbols: the kernel image and its boot-only part (virtual addresses). */
extern char _kernel_start[], _kernel_end[], __init_begin[], __init_end[];

/* Boot-only zeroed data, given back to the page allocator after set-up (Linux's __initdata). */
#define __initbss __attribute__((section(".bss.init")))
static inline phys_addr_t kernel_phys_start(void) { return virt_to_phys(_kernel_start); }
static inline phys_addr_t kernel_phys_end(void) { return virt_to_phys(_kernel_end); }

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
/* The initial local APIC id of this CPU (CPUID 1, EBX[31:24]). */
static inline u32 cpu_initial_apic_id(void)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

#define MSR_APIC_BASE	0x0000001b
#define MSR_EFER	0xc0000080
#define MSR_GS_BASE	0xc0000101	/* the per-CPU area (kernel/smp.h) */
static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
static inline u64 read_cr3(void)
{
	u64 v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline u64 read_cr4(void)
{
	u64 v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr4(u64 v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

/* QEMU isa-debug-exit (iobase 0xf4): QEMU exits with status (code << 1) | 1.
 * The runner maps QEMU_EXIT_SUCCESS (status 33) to 0 and anything else to failure. */
#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11
void qemu_exit(u32 code) __noreturn;

/* kernel/console.c: COM1 16550 at 115200 8N1, polled. */
void serial_init(void);

/* kernel/traps.c: load our GDT (with TSS) and an IDT whose handlers for vectors 0-31 print
 * vector, error code, RIP, CR2 and all registers, then qemu_exit(QEMU_EXIT_FAILURE).
 * traps_init() runs once, on the boot CPU: it builds the IDT (shared by every CPU) and loads
 * the boot CPU's GDT and TSS (static). Every other CPU needs its own TSS (its own #DF and NMI
 * stacks, and the TSS busy bit is per descriptor), hence its own GDT: traps_init_cpu(). */
void traps_init(void);

/* 64-bit TSS: only the IST pointers are used (no ring 3, no I/O bitmap). */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

#define CPU_GDT_ENTRIES 5	/* null, kernel code 0x08, kernel data 0x10, TSS 0x18 (2 slots) */
struct cpu_tables {
	u64 gdt[CPU_GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
};
/* On the calling CPU: fill t (GDT with a TSS whose IST1 is df_stack_top for #DF and IST2
 * nmi_stack_top for NMI), load it, reload every segment register (FS/GS become 0 and with them
 * the GS base: set MSR_GS_BASE after this), load the task register and the shared IDT. */
void traps_init_cpu(struct cpu_tables *t, uintptr_t df_stack_top, uintptr_t nmi_stack_top);
/* Install handler (an assembly stub ending in iretq) as the interrupt gate of vector vec
 * (32-255) in the shared IDT; it runs on the current stack with interrupts off. */
void traps_set_interrupt_gate(unsigned int vec, void (*handler)(void));

/* kernel/pgtable.c: page tables.
 * pt_alloc_fn returns the physical address of a zeroed 4 KiB page that is already reachable
 * through the direct map, or 0 on failure. */
typedef phys_addr_t (*pt_alloc_fn)(void *ctx);
/* Map [0, end) at PAGE_OFFSET with 1 GiB pages when the CPU has them, else 2 MiB pages.
 * Returns 0, or -1 when a page-table page could not be allocated. */
int direct_map_init(phys_addr_t end, pt_alloc_fn alloc, void *ctx);
/* Map npages 4 KiB pages at virt (page aligned, in the kernel half) to phys, writable, NX.
 * Existing mappings are an error (-1). Returns 0 or -1. */
int map_pages(uintptr_t virt, phys_addr_t phys, size_t npages, pt_alloc_fn alloc, void *ctx);
/* Map [phys, phys + size) uncached (PCD|PWT, NX) in the I/O window above IOREMAP_START, for
 * device registers such as the local APIC; returns the virtual address of phys, or NULL.
 * Boot-time only (not thread-safe; mappings are never removed). */
void *ioremap_uc(phys_addr_t phys, size_t size, pt_alloc_fn alloc, void *ctx);
/* Is virt mapped (any page size)? */
bool virt_is_mapped(uintptr_t virt);
/* Remove the boot-time identity map of low memory, so that NULL and low addresses fault. */
void identity_unmap(void);
/* Does the CPU support 1 GiB pages? */
bool cpu_has_gbpages(void);

#endif
