/* tests/kernel/irq_test.c - interrupts (kernel/irq.h): the LAPIC timer ticks on every online
 * CPU and its hook runs in hardirq context; on_each_cpu() and smp_call_function_single() run
 * fn exactly once per CPU asked, remotely in hardirq context and locally in process context
 * with interrupts off, from any CPU, and every CPU calling on_each_cpu() at once completes;
 * their waits are bounded and calling them with interrupts off is refused;
 * irq_interrupted_outside_mm() tells an interrupt that landed in mm/ from one that did not.
 * Waits here are bounded by the TSC (a broken kernel fails, it does not hang); no result
 * depends on how long anything took. With hz=0 the timer cases are skipped. */
#include "tests/ktest.h"
#include "tests/mm/fixture.h"
#include "kernel/arch.h"
#include "kernel/irq.h"
#include "kernel/smp.h"
#include "lib/irqflags.h"
#include "lib/percpu.h"
#include "mm/slab.h"

#define WAIT_MS		5000		/* bound of every wait for ticks or calls */
#define SPIN_ITERS	200000		/* a remote fn's busy loop (wait semantics) */

static bool before(u64 deadline) { return (s64)(rdtsc() - deadline) < 0; }
static u64 ms_from_now(unsigned int ms) { return rdtsc() + ms * smp_tsc_per_ms(); }

static bool no_timer(struct ktest *t)
{
	if (irq_timer_hz())
		return false;
	ktest_skip(t, "no LAPIC timer (hz=0)");
	return true;
}

/* ---- the timer ---- */

/* Every online CPU's tick count goes up, CPU 0's while it works with interrupts on. */
static void timer_ticks_on_every_cpu(struct ktest *t)
{
	u64 start[SMP_MAX_CPUS] = { 0 };
	unsigned int cpu, waiting;
	u64 end = ms_from_now(WAIT_MS);

	if (no_timer(t))
		return;
	KT_EXPECT(t, !irqs_disabled());
	KT_EXPECT(t, !in_interrupt());
	for_each_online_cpu(cpu)
		start[cpu] = irq_stats(cpu).ticks;
	do {
		waiting = 0;
		for_each_online_cpu(cpu)
			waiting += irq_stats(cpu).ticks < start[cpu] + 2;
	} while (waiting && before(end));
	KT_EXPECT_EQ(t, waiting, 0);
	for_each_online_cpu(cpu)
		ktest_log(t, "CPU %u: %llu ticks, %llu IPIs, %llu calls, %llu spurious", cpu,
			  (unsigned long long)irq_stats(cpu).ticks,
			  (unsigned long long)irq_stats(cpu).ipis,
			  (unsigned long long)irq_stats(cpu).calls,
			  (unsigned long long)irq_stats(cpu).spurious);
}

struct hook_rec {
	u64 calls[SMP_MAX_CPUS];
	u64 not_hardirq;		/* calls with in_interrupt() false */
	u64 irqs_on;			/* calls with interrupts on */
	u64 wrong_cpu;			/* cpu argument != smp_processor_id() */
	u64 no_frame;			/* irq_interrupted_frame() NULL */
};

static void record_hook(unsigned int cpu, void *arg)
{
	struct hook_rec *r = arg;

	__atomic_fetch_add(&r->calls[cpu], 1, __ATOMIC_RELAXED);
	if (!in_interrupt())
		__atomic_fetch_add(&r->not_hardirq, 1, __ATOMIC_RELAXED);
	if (!irqs_disabled())
		__atomic_fetch_add(&r->irqs_on, 1, __ATOMIC_RELAXED);
	if (cpu != smp_processor_id())
		__atomic_fetch_add(&r->wrong_cpu, 1, __ATOMIC_RELAXED);
	if (!irq_interrupted_frame())
		__atomic_fetch_add(&r->no_frame, 1, __ATOMIC_RELAXED);
}

static void nop_hook(unsigned int cpu, void *arg) { (void)cpu; (void)arg; }

/* Wait until every online CPU's count in r is at least n. */
static bool hook_wait(struct hook_rec *r, u64 n)
{
	u64 end = ms_from_now(WAIT_MS);
	unsigned int cpu, waiting;

	do {
		waiting = 0;
		for_each_online_cpu(cpu)
			waiting += __atomic_load_n(&r->calls[cpu], __ATOMIC_RELAXED) < n;
	} while (waiting && before(end));
	return waiting == 0;
}

/* The hook runs on every CPU's ticks, in hardirq context with interrupts off, with the
 * interrupted frame; one hook at a time; once cleared it is not called any more. */
static void tick_hook_in_hardirq(struct ktest *t)
{
	static struct hook_rec r;
	u64 after[SMP_MAX_CPUS];
	unsigned int cpu;

	if (no_timer(t))
		return;
	r = (struct hook_rec){ .not_hardirq = 0 };
	KT_ASSERT_EQ(t, timer_tick_hook_set(record_hook, &r), 0);
	KT_EXPECT_EQ(t, timer_tick_hook_set(nop_hook, NULL), IRQ_EBUSY);
	KT_EXPECT(t, hook_wait(&r, 3));
	timer_tick_hook_clear();
	for_each_online_cpu(cpu)
		after[cpu] = __atomic_load_n(&r.calls[cpu], __ATOMIC_RELAXED);
	KT_EXPECT_EQ(t, r.not_hardirq, 0);
	KT_EXPECT_EQ(t, r.irqs_on, 0);
	KT_EXPECT_EQ(t, r.wrong_cpu, 0);
	KT_EXPECT_EQ(t, r.no_frame, 0);
	KT_EXPECT(t, !in_interrupt());		/* and back in process context */
	KT_EXPECT(t, irq_interrupted_frame() == NULL);

	/* cleared: more ticks come, the hook sees none of them */
	u64 ticks0 = irq_stats(0).ticks;
	u64 end = ms_from_now(WAIT_MS);

	while (irq_stats(0).ticks < ticks0 + 3 && before(end))
		cpu_relax();
	KT_EXPECT(t, irq_stats(0).ticks >= ticks0 + 3);
	for_each_online_cpu(cpu)
		KT_EXPECT_EQ(t, __atomic_load_n(&r.calls[cpu], __ATOMIC_RELAXED), after[cpu]);
	KT_EXPECT_EQ(t, timer_tick_hook_set(nop_hook, NULL), 0);	/* free again */
	timer_tick_hook_clear();
}

/* ---- cross-CPU calls ---- */

struct call_rec {
	u32 ran[SMP_MAX_CPUS];
	u32 hardirq[SMP_MAX_CPUS];	/* in_interrupt() in fn */
	u32 irqs_on[SMP_MAX_CPUS];	/* interrupts on in fn */
	u32 finished[SMP_MAX_CPUS];	/* set after a busy loop (spin_fn) */
};

static void record_call(void *arg)
{
	struct call_rec *r = arg;
	unsigned int cpu = smp_processor_id();

	__atomic_store_n(&r->hardirq[cpu], in_interrupt(), __ATOMIC_RELAXED);
	__atomic_store_n(&r->irqs_on[cpu], !irqs_disabled(), __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->ran[cpu], 1, __ATOMIC_RELEASE);
}

static void spin_fn(void *arg)
{
	struct call_rec *r = arg;
	unsigned int cpu = smp_processor_id();

	__atomic_fetch_add(&r->ran[cpu], 1, __ATOMIC_RELAXED);
	for (volatile unsigned int i = 0; i < SPIN_ITERS; i++)
		;
	__atomic_store_n(&r->finished[cpu], 1, __ATOMIC_RELEASE);
}

/* on_each_cpu(wait): fn ran exactly once on each online CPU before the return, in hardirq
 * context on the others, in process context with interrupts off on the caller. */
static void on_each_cpu_once_per_cpu(struct ktest *t)
{
	static struct call_rec r;
	unsigned int me = smp_processor_id(), cpu;

	r = (struct call_rec){ .ran = { 0 } };
	KT_EXPECT_EQ(t, on_each_cpu(record_call, &r, true), 0);
	for (cpu = 0; cpu < SMP_MAX_CPUS; cpu++) {
		KT_EXPECT_EQ(t, r.ran[cpu], cpu_online(cpu) ? 1 : 0);
		if (!cpu_online(cpu))
			continue;
		KT_EXPECT_EQ(t, r.hardirq[cpu], cpu != me);
		KT_EXPECT_EQ(t, r.irqs_on[cpu], 0);
	}
	KT_EXPECT(t, !irqs_disabled());		/* the caller's interrupts are back on */

	/* wait: every CPU has also returned from a longer fn */
	r = (struct call_rec){ .ran = { 0 } };
	KT_EXPECT_EQ(t, on_each_cpu(spin_fn, &r, true), 0);
	for_each_online_cpu(cpu) {
		KT_EXPECT_EQ(t, r.ran[cpu], 1);
		KT_EXPECT_EQ(t, __atomic_load_n(&r.finished[cpu], __ATOMIC_ACQUIRE), 1);
	}
}

/* on_each_cpu(no wait): the local call has run at the return; every other CPU runs fn exactly
 * once soon after. */
static void on_each_cpu_no_wait(struct ktest *t)
{
	static struct call_rec r;
	unsigned int me = smp_processor_id(), cpu, waiting;
	u64 end = ms_from_now(WAIT_MS);

	r = (struct call_rec){ .ran = { 0 } };
	KT_EXPECT_EQ(t, on_each_cpu(record_call, &r, false), 0);
	KT_EXPECT_EQ(t, r.ran[me], 1);
	do {
		waiting = 0;
		for_each_online_cpu(cpu)
			waiting += __atomic_load_n(&r.ran[cpu], __ATOMIC_ACQUIRE) == 0;
	} while (waiting && before(end));
	for (cpu = 0; cpu < SMP_MAX_CPUS; cpu++)
		KT_EXPECT_EQ(t, r.ran[cpu], cpu_online(cpu) ? 1 : 0);
	/* a second call on the same slots right away: waits for them to be free, runs once */
	r = (struct call_rec){ .ran = { 0 } };
	KT_EXPECT_EQ(t, on_each_cpu(record_call, &r, false), 0);
	KT_EXPECT_EQ(t, on_each_cpu(record_call, &r, true), 0);
	for (cpu = 0; cpu < SMP_MAX_CPUS; cpu++)
		KT_EXPECT_EQ(t, r.ran[cpu], cpu_online(cpu) ? 2 : 0);
}

struct storm {
	u32 counts[SMP_MAX_CPUS];	/* fn runs per CPU */
	int ret[SMP_MAX_CPUS];		/* on_each_cpu() of each caller */
	u32 called[SMP_MAX_CPUS];
};

/* Slow on purpose: while a caller runs it locally (interrupts off) the other callers' IPIs
 * become pending here, so each caller then waits while its own call is pending on a CPU that
 * waits too: only a wait with interrupts on gets both through. */
static void storm_count(void *arg)
{
	struct storm *s = arg;

	__atomic_fetch_add(&s->counts[smp_processor_id()], 1, __ATOMIC_RELAXED);
	for (volatile unsigned int i = 0; i < SPIN_ITERS / 10; i++)
		;
}

static void storm_caller(void *arg)
{
	struct storm *s = arg;
	unsigned int cpu = smp_processor_id();

	for (int i = 0; i < 20; i++) {
		int r = on_each_cpu(storm_count, s, true);

		if (r) {		/* a broken kernel: fail after one timeout, not 20 */
			s->ret[cpu] = r;
			break;
		}
	}
	s->called[cpu] = 1;
}

/* Every CPU calls on_each_cpu(wait) at once, 20 times, at every other: all complete, each CPU
 * ran fn 20 times per caller (a caller waits with interrupts on and serves the others). */
static void concurrent_on_each_cpu(struct ktest *t)
{
	static struct storm s;
	unsigned int cpu, n = num_online_cpus();

	s = (struct storm){ .counts = { 0 } };
	KT_EXPECT_EQ(t, smp_call_all(storm_caller, &s), 0);
	for_each_online_cpu(cpu) {
		KT_EXPECT_EQ(t, s.called[cpu], 1);
		KT_EXPECT_EQ(t, s.ret[cpu], 0);
		KT_EXPECT_EQ(t, s.counts[cpu], 20 * n);
	}
	ktest_log(t, "%u CPUs each called on_each_cpu() 20 times at once", n);
}

struct single {
	unsigned int cpu;
	int ran;
	bool hardirq;
};

static void record_single(void *arg)
{
	struct single *s = arg;

	s->cpu = smp_processor_id();
	s->hardirq = in_interrupt();
	__atomic_fetch_add(&s->ran, 1, __ATOMIC_RELEASE);
}

static struct single from_ap[SMP_MAX_CPUS];
static int from_ap_ret[SMP_MAX_CPUS];

/* On an AP: smp_call_function_single() to every CPU, CPU 0 included. */
static void single_from_ap(void *arg)
{
	unsigned int cpu;

	(void)arg;
	for_each_online_cpu(cpu)
		from_ap_ret[cpu] = smp_call_function_single(cpu, record_single, &from_ap[cpu], true);
}

/* smp_call_function_single() to each CPU, from CPU 0 and from an AP: fn runs once, on that
 * CPU, in hardirq context unless it is the caller; a CPU that is not online is refused. */
static void single_to_each_cpu(struct ktest *t)
{
	static struct single s;
	unsigned int cpu, ap = 0;

	for_each_online_cpu(cpu) {
		s = (struct single){ .ran = 0 };
		KT_EXPECT_EQ(t, smp_call_function_single(cpu, record_single, &s, true), 0);
		KT_EXPECT_EQ(t, s.ran, 1);
		KT_EXPECT_EQ(t, s.cpu, cpu);
		KT_EXPECT_EQ(t, s.hardirq, cpu != 0);
		if (cpu && !ap)
			ap = cpu;
	}
	s = (struct single){ .ran = 0 };
	KT_EXPECT_EQ(t, smp_call_function_single(nr_cpu_ids(), record_single, &s, true),
		     SMP_CALL_EINVAL);
	KT_EXPECT_EQ(t, smp_call_function_single(SMP_MAX_CPUS + 3, record_single, &s, true),
		     SMP_CALL_EINVAL);
	KT_EXPECT_EQ(t, s.ran, 0);
	if (!ap) {
		ktest_skip(t, "one CPU: no AP to call from");
		return;
	}
	for (cpu = 0; cpu < SMP_MAX_CPUS; cpu++)
		from_ap[cpu] = (struct single){ .ran = 0 };
	KT_EXPECT_EQ(t, smp_call_on(ap, single_from_ap, NULL), 0);
	for_each_online_cpu(cpu) {
		KT_EXPECT_EQ(t, from_ap_ret[cpu], 0);
		KT_EXPECT_EQ(t, from_ap[cpu].ran, 1);
		KT_EXPECT_EQ(t, from_ap[cpu].cpu, cpu);
		KT_EXPECT_EQ(t, from_ap[cpu].hardirq, cpu != ap);
	}
}

/* With interrupts off (and other CPUs online) a cross-CPU call is refused after the local
 * part ran: SMP_CALL_EIRQSOFF; with one CPU it is simply the local call. */
static void calls_with_irqs_off(struct ktest *t)
{
	static struct call_rec r;
	unsigned long flags;
	unsigned int cpu;
	int ret, single_ret = 0;

	r = (struct call_rec){ .ran = { 0 } };
	local_irq_save(flags);
	ret = on_each_cpu(record_call, &r, true);
	if (num_online_cpus() > 1)
		single_ret = smp_call_function_single(num_online_cpus() - 1, record_call, &r, true);
	local_irq_restore(flags);
	KT_EXPECT_EQ(t, r.ran[0], 1);
	for (cpu = 1; cpu < SMP_MAX_CPUS; cpu++)
		KT_EXPECT_EQ(t, r.ran[cpu], 0);
	if (num_online_cpus() == 1) {
		KT_EXPECT_EQ(t, ret, 0);
		return;
	}
	KT_EXPECT_EQ(t, ret, SMP_CALL_EIRQSOFF);
	KT_EXPECT_EQ(t, single_ret, SMP_CALL_EIRQSOFF);
}

static int hold_release;

/* Keep this CPU busy with interrupts off until released (at most 10 s). */
static void hold_irqs_off(void *arg)
{
	u64 end = ms_from_now(10000);
	unsigned long flags;

	(void)arg;
	local_irq_save(flags);
	while (!__atomic_load_n(&hold_release, __ATOMIC_ACQUIRE) && before(end))
		cpu_relax();
	local_irq_restore(flags);
}

/* A CPU that keeps its interrupts off: on_each_cpu(wait) gives up after its timeout with
 * SMP_CALL_ETIMEDOUT (one line), the other CPUs ran fn; once the CPU takes interrupts again
 * it runs fn too, exactly once, and takes calls again. */
static void on_each_cpu_bounded_wait(struct ktest *t)
{
	static struct call_rec r;
	unsigned int ap = num_online_cpus() > 1 ? 1 : 0, cpu;
	u64 end;

	if (!ap || !cpu_online(ap)) {
		ktest_skip(t, "one CPU: no other CPU to hold");
		return;
	}
	r = (struct call_rec){ .ran = { 0 } };
	__atomic_store_n(&hold_release, 0, __ATOMIC_RELEASE);
	KT_ASSERT_EQ(t, smp_call_on_timeout(ap, hold_irqs_off, NULL, 1), SMP_ETIMEDOUT);
	KT_EXPECT_EQ(t, on_each_cpu_timeout(record_call, &r, true, 50), SMP_CALL_ETIMEDOUT);
	for_each_online_cpu(cpu)
		KT_EXPECT_EQ(t, r.ran[cpu], cpu == ap ? 0 : 1);
	__atomic_store_n(&hold_release, 1, __ATOMIC_RELEASE);
	KT_EXPECT_EQ(t, smp_call_wait(ap, WAIT_MS), 0);
	end = ms_from_now(WAIT_MS);
	while (!__atomic_load_n(&r.ran[ap], __ATOMIC_ACQUIRE) && before(end))
		cpu_relax();
	KT_EXPECT_EQ(t, r.ran[ap], 1);
	KT_EXPECT_EQ(t, r.hardirq[ap], 1);
	KT_EXPECT_EQ(t, smp_call_function_single(ap, record_call, &r, true), 0);
	KT_EXPECT_EQ(t, r.ran[ap], 2);
}

/* ---- where interrupts land ---- */

struct landing {
	u64 ticks, outside, in_mm_rip;	/* CPU 0's ticks; answers true; frames with RIP in mm */
};

static void record_landing(unsigned int cpu, void *arg)
{
	struct landing *l = arg;
	const struct irq_frame *f = irq_interrupted_frame();

	if (cpu != 0)
		return;
	l->ticks++;
	l->outside += irq_interrupted_outside_mm();
	l->in_mm_rip += f && irq_addr_in_mm(f->rip);
}

static void __attribute__((noinline)) spin_in_kernel(struct landing *l, u64 ticks, u64 end)
{
	while (__atomic_load_n(&l->ticks, __ATOMIC_RELAXED) < ticks && before(end))
		cpu_relax();
}

static void __attribute__((noinline)) spin_in_mm(struct landing *l, u64 ticks, u64 end)
{
	while (__atomic_load_n(&l->ticks, __ATOMIC_RELAXED) < ticks && before(end))
		kfree(kmalloc(64, GFP_KERNEL));
}

/* True in process context; the allocators' code is inside the mm range, kernel and test code
 * (tests/mm/ included) is not; ticks landing in a kernel loop answer true, and among ticks
 * landing in an allocation loop, those whose RIP is in mm/ (most) answer false. */
static void interrupted_outside_mm(struct ktest *t)
{
	static struct landing l;
	struct landing seen;
	unsigned long flags;

	KT_EXPECT(t, irq_interrupted_outside_mm());
	KT_EXPECT(t, irq_addr_in_mm((unsigned long)kmalloc));
	KT_EXPECT(t, irq_addr_in_mm((unsigned long)kmem_cache_free));
	KT_EXPECT(t, !irq_addr_in_mm((unsigned long)interrupted_outside_mm));
	KT_EXPECT(t, !irq_addr_in_mm((unsigned long)irq_dispatch));
	KT_EXPECT(t, !irq_addr_in_mm((unsigned long)fixture_priv_node));	/* tests/mm/ */
	if (no_timer(t))
		return;
	l = (struct landing){ 0, 0, 0 };
	KT_ASSERT_EQ(t, timer_tick_hook_set(record_landing, &l), 0);
	spin_in_kernel(&l, 5, ms_from_now(WAIT_MS));
	local_irq_save(flags);		/* a consistent copy: the hook runs on this CPU */
	seen = l;
	l = (struct landing){ 0, 0, 0 };
	local_irq_restore(flags);
	KT_EXPECT(t, seen.ticks >= 5);
	KT_EXPECT_EQ(t, seen.outside, seen.ticks);
	KT_EXPECT_EQ(t, seen.in_mm_rip, 0);
	spin_in_mm(&l, 20, ms_from_now(WAIT_MS));
	timer_tick_hook_clear();
	KT_EXPECT(t, l.ticks >= 20);
	KT_EXPECT_EQ(t, l.outside + l.in_mm_rip, l.ticks);
	KT_EXPECT(t, l.in_mm_rip > 0);
	ktest_log(t, "%llu of %llu ticks landed in mm/ during a kmalloc/kfree loop",
		  (unsigned long long)l.in_mm_rip, (unsigned long long)l.ticks);
}

static const struct ktest_case irq_cases[] = {
	KTEST_CASE(timer_ticks_on_every_cpu),
	KTEST_CASE(tick_hook_in_hardirq),
	KTEST_CASE(on_each_cpu_once_per_cpu),
	KTEST_CASE(on_each_cpu_no_wait),
	KTEST_CASE(concurrent_on_each_cpu),
	KTEST_CASE(single_to_each_cpu),
	KTEST_CASE(calls_with_irqs_off),
	KTEST_CASE(on_each_cpu_bounded_wait),
	KTEST_CASE(interrupted_outside_mm),
	KTEST_END,
};

const struct ktest_suite irq_suite = { "irq", irq_cases };
