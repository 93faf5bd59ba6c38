/* kernel/irq.c - interrupt entry and dispatch, the local APIC timer, and cross-CPU calls
 * (on_each_cpu(), smp_call_function_single(); API in kernel/irq.h and lib/cpu.h).
 *
 * Entry. boot/irq.asm saves the GPRs into a struct irq_frame and calls irq_dispatch() with
 * IF=0 (interrupt gates): hardirq_enter() (in_interrupt() true, the slab's hardirq freelists),
 * the interrupted frame in this CPU's area (irq_interrupted_outside_mm()), the handler, the
 * EOI (none for a spurious interrupt), then hardirq_exit(). Handlers never nest, and nothing
 * in one waits for another CPU. The legacy 8259 PICs are remapped to 0x20-0x2f and masked:
 * the only interrupt sources are the local APICs (timer, IPIs, spurious).
 *
 * Timer. The LAPIC timer is calibrated once against the TSC (itself calibrated against the
 * PIT by smp_init()) and runs periodic at hz= on every online CPU, at LOCAL_TIMER_VECTOR. A
 * tick counts in the CPU's struct irq_stats and calls the tick hook, if one is set. The hook
 * is a (fn, arg) pair published with a release store of fn (arg written first); a handler
 * sets its CPU's in_tick_hook, then (after a full fence) loads fn: timer_tick_hook_clear()
 * stores NULL, fences, and waits until every other CPU's in_tick_hook is 0, so once it
 * returns no CPU runs the old hook (the Dekker pair of fences makes the two orders exclusive).
 *
 * Cross-CPU calls. One slot per (target, source) pair of CPUs: call_slots[target][source].
 * Invariants:
 *  - only the source CPU writes fn, info and seq, and only from process context with
 *    interrupts on (so at most one call of a CPU is being posted at a time: there is no
 *    preemption), and only while the slot is idle (done == seq);
 *  - only the target writes done, in its CALL_FUNCTION handler, after fn(info) returned: the
 *    slot is busy (seq != done) exactly from the post to the return of fn;
 *  - the source publishes fn and info before seq (release) and sends the IPI after that
 *    (lapic_send_ipi() fences), so the handler that runs after the IPI sees the call; the
 *    handler scans every slot of its row, so IPIs that the APIC merged lose nothing, and an
 *    IPI that arrives while the handler runs is delivered again after its EOI;
 *  - a caller waits (for an idle slot, or for done == seq with wait) with interrupts ON, so
 *    two CPUs calling each other at once each run the other's call while they wait: no
 *    deadlock. Every wait is bounded (SMP_CALL_TIMEOUT_DEFAULT_MS): one line and
 *    SMP_CALL_ETIMEDOUT; the slot then stays busy until the target runs the call.
 * A call with interrupts off while other CPUs are online could deadlock (the other CPU may be
 * waiting for this one with its own call): reported once with the caller, the local part
 * still runs, SMP_CALL_EIRQSOFF. */
#include "kernel/irq.h"
#include "kernel/arch.h"
#include "kernel/smp.h"
#include "lib/cmdline.h"
#include "lib/irqflags.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"

/* Local APIC timer registers (xAPIC) and bits. */
#define APIC_LVTT		0x320
#define APIC_TMICT		0x380	/* initial count */
#define APIC_TMCCT		0x390	/* current count */
#define APIC_TDCR		0x3e0	/* divide configuration */
#define APIC_TDR_DIV_16		0x3
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_LVT_PERIODIC	(1U << 17)
#define TIMER_CALIBRATE_MS	10

/* The 8259 pair, remapped out of the exception vectors and masked. */
#define PIC1_CMD		0x20
#define PIC1_DATA		0x21
#define PIC2_CMD		0xa0
#define PIC2_DATA		0xa1
#define PIC_ICW1_INIT_ICW4	0x11
#define PIC1_BASE		0x20
#define PIC2_BASE		0x28
#define PIC_ICW4_8086		0x01
#define PIC_SPURIOUS_IRQ	7

void irq_entry_timer(void);
void irq_entry_wakeup(void);
void irq_entry_call_single(void);
void irq_entry_call(void);
void irq_entry_spurious(void);

extern char __mm_text_start[], __mm_text_end[];	/* linker.ld */

static unsigned int timer_hz = IRQ_HZ_DEFAULT;
static u32 timer_count;			/* LAPIC timer initial count per tick (0: no timer) */
static bool started;

static void (*tick_hook_fn)(unsigned int cpu, void *arg);
static void *tick_hook_arg;
static DEFINE_SPINLOCK(tick_hook_lock);	/* serializes set and clear */

struct call_slot {
	smp_call_func_t fn;
	void *info;
	u64 seq;			/* source: calls posted */
	u64 done;			/* target: calls run */
};
static struct call_slot call_slots[SMP_MAX_CPUS][SMP_MAX_CPUS];	/* [target][source] */

/* ---- time ---- */

static u64 deadline_after_ms(unsigned int ms) { return rdtsc() + (u64)ms * smp_tsc_per_ms(); }
static bool time_after(u64 deadline) { return (s64)(rdtsc() - deadline) >= 0; }

/* ---- counters ---- */

static void count(u64 *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);	/* one writer: this CPU */
}

struct irq_stats irq_stats(unsigned int cpu)
{
	struct irq_stats s = { 0, 0, 0, 0 };
	struct percpu *pc = per_cpu_area(cpu);

	if (!pc || !cpu_online(cpu))
		return s;
	s.ticks = __atomic_load_n(&pc->irq.ticks, __ATOMIC_RELAXED);
	s.ipis = __atomic_load_n(&pc->irq.ipis, __ATOMIC_RELAXED);
	s.calls = __atomic_load_n(&pc->irq.calls, __ATOMIC_RELAXED);
	s.spurious = __atomic_load_n(&pc->irq.spurious, __ATOMIC_RELAXED);
	return s;
}

unsigned int irq_timer_hz(void) { return timer_count ? timer_hz : 0; }
bool irq_started(void) { return __atomic_load_n(&started, __ATOMIC_ACQUIRE); }

/* ---- handlers ---- */

static void timer_interrupt(struct percpu *pc)
{
	void (*fn)(unsigned int cpu, void *arg);

	count(&pc->irq.ticks);
	__atomic_store_n(&pc->in_tick_hook, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	fn = __atomic_load_n(&tick_hook_fn, __ATOMIC_ACQUIRE);
	if (fn)
		fn(pc->cpu, __atomic_load_n(&tick_hook_arg, __ATOMIC_RELAXED));
	__atomic_store_n(&pc->in_tick_hook, 0, __ATOMIC_RELEASE);
}

/* Run every call posted to this CPU (the row of call_slots that is this CPU's). */
static void call_function_interrupt(struct percpu *pc)
{
	struct call_slot *row = call_slots[pc->cpu];

	count(&pc->irq.ipis);
	for (unsigned int src = 0; src < nr_cpu_ids(); src++) {
		struct call_slot *s = &row[src];
		u64 seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		if (seq == s->done)
			continue;
		s->fn(s->info);
		count(&pc->irq.calls);
		__atomic_store_n(&s->done, seq, __ATOMIC_RELEASE);
	}
}

void irq_dispatch(struct irq_frame *f)
{
	struct percpu *pc = this_cpu_area();

	hardirq_enter();
	pc->irq_regs = f;
	switch (f->vector) {
	case LOCAL_TIMER_VECTOR:
		timer_interrupt(pc);
		break;
	case CALL_FUNCTION_VECTOR:
	case CALL_FUNCTION_SINGLE_VECTOR:
		call_function_interrupt(pc);
		break;
	case WAKEUP_VECTOR:
		count(&pc->irq.ipis);	/* the idle loop finds the call itself */
		break;
	default:			/* SPURIOUS_APIC_VECTOR, and the PICs' spurious IRQ 7/15 */
		count(&pc->irq.spurious);
		break;
	}
	if (f->vector != SPURIOUS_APIC_VECTOR)
		apic_eoi();
	pc->irq_regs = NULL;
	hardirq_exit();
}

/* ---- where an interrupt landed ---- */

bool irq_addr_in_mm(unsigned long addr)
{
	return addr >= (unsigned long)__mm_text_start && addr < (unsigned long)__mm_text_end;
}

const struct irq_frame *irq_interrupted_frame(void)
{
	return in_interrupt() ? this_cpu_area()->irq_regs : NULL;
}

/* Outside handlers, and in a hardirq context entered by hand (a test standing for an
 * interrupt: no frame), the code "interrupted" is the caller's, outside mm/. */
bool irq_interrupted_outside_mm(void)
{
	const struct irq_frame *f = irq_interrupted_frame();

	return !f || !irq_addr_in_mm(f->rip);
}

/* ---- set-up ---- */

/* Remap the 8259s to 0x20-0x2f (out of the exception vectors) and mask every line. */
static void pic_mask_all(void)
{
	outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC1_BASE);
	outb(PIC2_DATA, PIC2_BASE);
	outb(PIC1_DATA, 4);		/* the slave on IRQ 2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_DATA, PIC_ICW4_8086);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void irq_init_vectors(void)
{
	pic_mask_all();
	traps_set_interrupt_gate(LOCAL_TIMER_VECTOR, irq_entry_timer);
	traps_set_interrupt_gate(WAKEUP_VECTOR, irq_entry_wakeup);
	traps_set_interrupt_gate(CALL_FUNCTION_SINGLE_VECTOR, irq_entry_call_single);
	traps_set_interrupt_gate(CALL_FUNCTION_VECTOR, irq_entry_call);
	traps_set_interrupt_gate(SPURIOUS_APIC_VECTOR, irq_entry_spurious);
	traps_set_interrupt_gate(PIC1_BASE + PIC_SPURIOUS_IRQ, irq_entry_spurious);
	traps_set_interrupt_gate(PIC2_BASE + PIC_SPURIOUS_IRQ, irq_entry_spurious);
}

int irq_hz_param(const char *val)
{
	u64 v;

	if (!val || !kstrtou64(val, 10, &v) || v > IRQ_HZ_MAX) {
		printk(KERN_ERR "cmdline: hz=%s: expected 0 (timer off) to %u: using %u\n",
		       val ? val : "", IRQ_HZ_MAX, IRQ_HZ_DEFAULT);
		timer_hz = IRQ_HZ_DEFAULT;
		return 1;
	}
	timer_hz = (unsigned int)v;
	return 0;
}

/* LAPIC timer counts (divided by 16) per millisecond, against the TSC; 0 when it does not
 * count. Interrupts off, timer masked. */
static u64 timer_calibrate(void)
{
	u64 end;
	u32 left;

	apic_write(APIC_TDCR, APIC_TDR_DIV_16);
	apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	apic_write(APIC_TMICT, 0xffffffffU);
	end = deadline_after_ms(TIMER_CALIBRATE_MS);
	while (!time_after(end))
		cpu_relax();
	left = apic_read(APIC_TMCCT);
	apic_write(APIC_TMICT, 0);
	return (0xffffffffULL - left) / TIMER_CALIBRATE_MS;
}

void irq_timer_start_this_cpu(void)
{
	unsigned long flags;

	if (!timer_count)
		return;
	local_irq_save(flags);
	apic_write(APIC_TDCR, APIC_TDR_DIV_16);
	apic_write(APIC_LVTT, APIC_LVT_PERIODIC | LOCAL_TIMER_VECTOR);
	apic_write(APIC_TMICT, timer_count);
	local_irq_restore(flags);
}

static void timer_start_call(void *arg)
{
	(void)arg;
	irq_timer_start_this_cpu();
}

/* The timer's count per tick from the calibration; 0 (said in a line) when there is none. */
static u32 timer_setup(void)
{
	u64 per_ms, c;

	if (!smp_lapic_ok())
		return 0;
	if (!timer_hz) {
		printk(KERN_INFO "irq: LAPIC timer off (hz=0)\n");
		return 0;
	}
	per_ms = timer_calibrate();
	c = per_ms * 1000 / timer_hz;
	if (per_ms == 0 || c == 0 || c > 0xffffffffULL) {
		printk(KERN_WARNING "irq: LAPIC timer calibration failed (%llu counts/ms): timer "
		       "off\n", (unsigned long long)per_ms);
		return 0;
	}
	return (u32)c;
}

unsigned int irq_start(void)
{
	unsigned int cpu, timers = 0;

	timer_count = timer_setup();
	if (timer_count) {
		irq_timer_start_this_cpu();
		timers = 1;
		for_each_online_cpu(cpu)
			if (cpu && smp_call_on(cpu, timer_start_call, NULL) == 0)
				timers++;
	}
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	local_irq_enable();
	if (timer_count)
		printk(KERN_INFO "irq: interrupts on, LAPIC timer %u Hz on %u CPU%s (vector %#x)\n",
		       timer_hz, timers, timers == 1 ? "" : "s", LOCAL_TIMER_VECTOR);
	else
		printk(KERN_INFO "irq: interrupts on, no timer, %u CPU%s\n", num_online_cpus(),
		       num_online_cpus() == 1 ? "" : "s");
	return timers;
}

/* ---- the tick hook ---- */

int timer_tick_hook_set(void (*fn)(unsigned int cpu, void *arg), void *arg)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&tick_hook_lock, flags);
	if (tick_hook_fn) {
		ret = IRQ_EBUSY;
	} else {
		__atomic_store_n(&tick_hook_arg, arg, __ATOMIC_RELAXED);
		__atomic_store_n(&tick_hook_fn, fn, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&tick_hook_lock, flags);
	return ret;
}

void timer_tick_hook_clear(void)
{
	unsigned int me = smp_processor_id(), cpu;
	unsigned long flags;

	spin_lock_irqsave(&tick_hook_lock, flags);
	__atomic_store_n(&tick_hook_fn, NULL, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for_each_online_cpu(cpu) {
		struct percpu *pc = per_cpu_area(cpu);

		if (cpu == me)		/* interrupts off: this CPU is not in its handler */
			continue;
		while (__atomic_load_n(&pc->in_tick_hook, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	spin_unlock_irqrestore(&tick_hook_lock, flags);
}

/* ---- cross-CPU calls ---- */

static void run_local(smp_call_func_t fn, void *info)
{
	unsigned long flags;

	local_irq_save(flags);
	fn(info);
	local_irq_restore(flags);
}

static bool slot_idle(const struct call_slot *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) == s->seq;
}

/* Wait (interrupts on) until s is idle; false after the deadline. */
static bool slot_wait(const struct call_slot *s, u64 deadline)
{
	while (!slot_idle(s)) {
		if (time_after(deadline))
			return false;
		cpu_relax();
	}
	return true;
}

static void report_timeout(unsigned int cpu, smp_call_func_t fn, unsigned int ms)
{
	printk(KERN_WARNING "smp: CPU %u did not run the call of %p from CPU %u within %u ms\n",
	       cpu, (void *)(uintptr_t)fn, smp_processor_id(), ms);
}

/* Post fn(info) to cpu's slot of this CPU and send the IPI. */
static int call_post(unsigned int cpu, smp_call_func_t fn, void *info, unsigned int vector,
		     u64 deadline, unsigned int ms)
{
	struct call_slot *s = &call_slots[cpu][smp_processor_id()];

	if (!slot_wait(s, deadline)) {	/* an earlier call without wait, or one timed out */
		report_timeout(cpu, s->fn, ms);
		return SMP_CALL_ETIMEDOUT;
	}
	s->fn = fn;
	s->info = info;
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
	smp_send_ipi(cpu, vector);
	return 0;
}

static int call_wait(unsigned int cpu, smp_call_func_t fn, u64 deadline, unsigned int ms)
{
	if (slot_wait(&call_slots[cpu][smp_processor_id()], deadline))
		return 0;
	report_timeout(cpu, fn, ms);
	return SMP_CALL_ETIMEDOUT;
}

/* Interrupts off while other CPUs are online: misuse, reported once (true). */
static bool irqs_off_misuse(void *caller)
{
	static bool reported;

	if (num_online_cpus() <= 1 || !irqs_disabled())
		return false;
	if (!__atomic_exchange_n(&reported, true, __ATOMIC_RELAXED))
		printk(KERN_ERR "smp: cross-CPU call from %p with interrupts off (CPU %u%s): could "
		       "deadlock, only the local part runs\n", caller, smp_processor_id(),
		       in_interrupt() ? ", in an interrupt handler" : "");
	return true;
}

static int __on_each_cpu(smp_call_func_t fn, void *info, bool wait, unsigned int ms,
			 void *caller)
{
	bool posted[SMP_MAX_CPUS] = { false };
	unsigned int me = smp_processor_id(), cpu;
	u64 deadline;
	int ret = 0;

	if (irqs_off_misuse(caller)) {
		run_local(fn, info);
		return SMP_CALL_EIRQSOFF;
	}
	deadline = deadline_after_ms(ms);
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		int r = call_post(cpu, fn, info, CALL_FUNCTION_VECTOR, deadline, ms);

		posted[cpu] = r == 0;
		if (r && !ret)
			ret = r;
	}
	run_local(fn, info);
	for (cpu = 0; wait && cpu < nr_cpu_ids(); cpu++) {
		int r = posted[cpu] ? call_wait(cpu, fn, deadline, ms) : 0;

		if (r && !ret)
			ret = r;
	}
	return ret;
}

int on_each_cpu_timeout(smp_call_func_t fn, void *info, bool wait, unsigned int timeout_ms)
{
	return __on_each_cpu(fn, info, wait, timeout_ms, __builtin_return_address(0));
}

int on_each_cpu(smp_call_func_t fn, void *info, bool wait)
{
	return __on_each_cpu(fn, info, wait, SMP_CALL_TIMEOUT_DEFAULT_MS,
			     __builtin_return_address(0));
}

static int __smp_call_function_single(unsigned int cpu, smp_call_func_t fn, void *info,
				      bool wait, unsigned int ms, void *caller)
{
	u64 deadline;
	int ret;

	if (!cpu_online(cpu))
		return SMP_CALL_EINVAL;
	if (cpu == smp_processor_id()) {
		run_local(fn, info);
		return 0;
	}
	if (irqs_off_misuse(caller))
		return SMP_CALL_EIRQSOFF;
	deadline = deadline_after_ms(ms);
	ret = call_post(cpu, fn, info, CALL_FUNCTION_SINGLE_VECTOR, deadline, ms);
	if (ret == 0 && wait)
		ret = call_wait(cpu, fn, deadline, ms);
	return ret;
}

int smp_call_function_single_timeout(unsigned int cpu, smp_call_func_t fn, void *info,
				     bool wait, unsigned int timeout_ms)
{
	return __smp_call_function_single(cpu, fn, info, wait, timeout_ms,
					  __builtin_return_address(0));
}

int smp_call_function_single(unsigned int cpu, smp_call_func_t fn, void *info, bool wait)
{
	return __smp_call_function_single(cpu, fn, info, wait, SMP_CALL_TIMEOUT_DEFAULT_MS,
					  __builtin_return_address(0));
}
