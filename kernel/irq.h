/* kernel/irq.h - interrupts: the entry of device and IPI vectors, the local APIC timer, and
 * cross-CPU function calls (on_each_cpu(), smp_call_function_single(): lib/cpu.h).
 *
 * Model. Every CPU runs the kernel with interrupts ON from irq_start() on (CPU 0: at the end of
 * set-up, before the tests, benchmarks or replay; the APs: in their idle loop and while they run
 * smp_call_on()/smp_call_all() calls). Handlers run through interrupt gates (IF=0: handlers
 * never nest) between hardirq_enter() and hardirq_exit() (lib/percpu.h), so in_interrupt() is
 * true in them and the slab allocator uses its hardirq freelists there. Vectors, as Linux x86:
 *
 *   0xec  LOCAL_TIMER_VECTOR         the local APIC timer, periodic at hz= (default 100)
 *   0xf0  WAKEUP_VECTOR              wakes an idle AP for smp_call_on()/smp_call_all()
 *   0xfb  CALL_FUNCTION_SINGLE_VECTOR runs the on_each_cpu()/smp_call_function_single() calls
 *   0xfc  CALL_FUNCTION_VECTOR       queued for this CPU (both vectors run the same queue)
 *   0xff  SPURIOUS_APIC_VECTOR       the APIC's spurious interrupt: counted, no EOI
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "lib/types.h"
#include "lib/cpu.h"

#define LOCAL_TIMER_VECTOR		0xec
#define WAKEUP_VECTOR			0xf0
#define CALL_FUNCTION_SINGLE_VECTOR	0xfb
#define CALL_FUNCTION_VECTOR		0xfc
#define SPURIOUS_APIC_VECTOR		0xff

#define IRQ_HZ_DEFAULT	100		/* LAPIC timer rate without hz= */
#define IRQ_HZ_MAX	1000		/* hz= accepts 0 (timer off) to this */
#define SMP_CALL_TIMEOUT_DEFAULT_MS 10000 /* bounded wait of on_each_cpu(..., wait) */

#define IRQ_EBUSY	(-2)		/* timer_tick_hook_set(): another hook is set */
#define SMP_CALL_EIRQSOFF (-4)		/* on_each_cpu() & co. called with interrupts off while
					 * other CPUs are online (misuse, reported once): only the
					 * local part ran */

/* Saved by boot/irq.asm on the interrupted stack: the 15 GPRs (r15 pushed last), the vector,
 * a zero error code, then the CPU's interrupt frame. Same layout as kernel/traps.c's frame. */
struct irq_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/* Per-CPU interrupt counts (since boot). */
struct irq_stats {
	u64 ticks;		/* LAPIC timer interrupts */
	u64 ipis;		/* call-function and wake-up IPIs taken */
	u64 calls;		/* on_each_cpu()/smp_call_function_single() calls run from an IPI */
	u64 spurious;		/* spurious APIC interrupts */
};

/* The interrupt gates of the vectors above, on the shared IDT. Call once on CPU 0 before any
 * local APIC is enabled (smp_init() does). */
void irq_init_vectors(void);

/* Parse hz= (kernel/main.c): a bad or out-of-range value is said in one line and the default
 * kept; hz=0 turns the timer off. Returns 0, or 1 after such a line. */
int irq_hz_param(const char *val);

/* CPU 0, once every CPU is online: start the LAPIC timer on every CPU, enable interrupts on
 * CPU 0 (for good) and print "irq: interrupts on, LAPIC timer <hz> Hz on <n> CPUs (vector
 * 0xec)". Returns the number of CPUs whose timer runs. */
unsigned int irq_start(void);

/* Timer rate in Hz (0: off or no local APIC), and whether irq_start() has run. */
unsigned int irq_timer_hz(void);
bool irq_started(void);

/* This CPU (called with interrupts off, in its own set-up): start its LAPIC timer at the
 * calibrated rate, when irq_start() asked for it. Used by kernel/smp.c. */
void irq_timer_start_this_cpu(void);

/* The counts of cpu (a copy; all zero for a CPU that is not online). */
struct irq_stats irq_stats(unsigned int cpu);

/* The tick hook: fn(cpu, arg) is called on every LAPIC timer tick on every CPU, in hardirq
 * context (interrupts off, in_interrupt() true), after the tick count of that CPU went up.
 * One hook at a time: IRQ_EBUSY when one is set, else 0. fn must be short and must not wait
 * for another CPU. timer_tick_hook_clear() removes it and returns only once no CPU runs fn any
 * more (it may be called with interrupts on or off, not from fn itself). */
int timer_tick_hook_set(void (*fn)(unsigned int cpu, void *arg), void *arg);
void timer_tick_hook_clear(void);

/* Is addr inside the allocator's code (mm/: the __hot fast paths and every mm/ object's text,
 * between __mm_text_start and __mm_text_end in linker.ld)? */
bool irq_addr_in_mm(unsigned long addr);

/* In a handler: the interrupted frame (NULL outside handlers). */
const struct irq_frame *irq_interrupted_frame(void);

/* C side of boot/irq.asm: one interrupt. */
void irq_dispatch(struct irq_frame *f);

/* The lib/cpu.h calls with a bounded wait of timeout_ms instead of the default. */
int on_each_cpu_timeout(smp_call_func_t fn, void *info, bool wait, unsigned int timeout_ms);
int smp_call_function_single_timeout(unsigned int cpu, smp_call_func_t fn, void *info,
				     bool wait, unsigned int timeout_ms);

#endif
