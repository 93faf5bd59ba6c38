/* tests/kernel/smp_test.c - the other CPUs of the real machine: as many online as the MADT
 * lists, each with its own per-CPU area (GS base), id, APIC id and stack; smp_call_on() runs
 * code on one CPU and smp_call_all() on all of them at once; the error paths (bad CPU, a call
 * from an AP, a call that times out and the CPU's recovery) answer as documented.
 * Spinlocks exclude: every CPU at once increments one counter under one lock.
 * Nothing here allocates: the APs only ever run the small functions below. With one CPU the
 * cases still run, on CPU 0 alone (the ones that need an AP are skipped). */
#include "tests/ktest.h"
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/smp.h"
#include "lib/spinlock.h"

#define RFLAGS_IF	(1ULL << 9)
#define MEET_TIMEOUT_MS	5000

static bool before(u64 deadline) { return (s64)(rdtsc() - deadline) < 0; }
static u64 ms_from_now(unsigned int ms) { return rdtsc() + ms * smp_tsc_per_ms(); }

/* The first online AP, or 0 when there is none. */
static unsigned int first_ap(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (cpu)
			return cpu;
	return 0;
}

/* As many CPUs are online as the MADT lists enabled (up to SMP_MAX_CPUS), each under the
 * APIC id of one of its entries. */
static void online_cpus_match_madt(struct ktest *t)
{
	unsigned int cpu, counted = 0, matched = 0;
	unsigned int listed = acpi_info.has_madt ? acpi_info.nr_cpus_enabled : 1;

	for_each_online_cpu(cpu)
		counted++;
	KT_EXPECT_EQ(t, counted, num_online_cpus());
	KT_EXPECT_EQ(t, num_online_cpus(), MIN(listed, (unsigned int)SMP_MAX_CPUS));
	KT_EXPECT(t, num_online_cpus() <= nr_cpu_ids());
	for (unsigned int i = 0; acpi_info.has_madt && i < acpi_info.nr_cpus; i++) {
		const struct acpi_cpu *c = &acpi_info.cpus[i];

		if (!c->enabled)
			continue;
		for_each_online_cpu(cpu)
			matched += per_cpu_area(cpu)->apic_id == c->apic_id;
	}
	if (acpi_info.has_madt)		/* APIC ids are distinct: see each_cpu_area_by_call */
		KT_EXPECT_EQ(t, matched, num_online_cpus());
	ktest_log(t, "%u CPUs online, the MADT lists %u enabled", num_online_cpus(), listed);
}

/* CPU 0's area is reached through GS and describes CPU 0. */
static void boot_cpu_area(struct ktest *t)
{
	struct percpu *pc = per_cpu_area(0);

	KT_ASSERT(t, pc != NULL);
	KT_EXPECT(t, this_cpu_area() == pc);
	KT_EXPECT(t, pc->self == pc);
	KT_EXPECT_EQ(t, smp_processor_id(), 0);
	KT_EXPECT_EQ(t, this_cpu_id(), 0);
	KT_EXPECT_EQ(t, rdmsr(MSR_GS_BASE), (uintptr_t)pc);
	KT_EXPECT_EQ(t, pc->apic_id, cpu_initial_apic_id());
	KT_EXPECT(t, cpu_online(0));
	KT_EXPECT(t, per_cpu_area(nr_cpu_ids()) == NULL);
	KT_EXPECT(t, !cpu_online(nr_cpu_ids()));
}

/* What a CPU says about itself, from inside a call. */
struct identity {
	unsigned int cpu;
	struct percpu *area;
	struct percpu *self;
	u64 gs_base;
	u32 apic_id;
	uintptr_t sp;
	u64 rflags;
	bool hardirq;
	int ran;
};

static void record_identity(void *arg)
{
	struct identity *id = arg;

	id->cpu = smp_processor_id();
	id->area = this_cpu_area();
	id->self = id->area->self;
	id->gs_base = rdmsr(MSR_GS_BASE);
	id->apic_id = cpu_initial_apic_id();
	__asm__ volatile("mov %%rsp, %0" : "=r"(id->sp));
	__asm__ volatile("pushfq; popq %0" : "=r"(id->rflags));
	id->hardirq = in_interrupt();
	id->ran++;
}

/* smp_call_on() every CPU in turn: each runs the function once, on its own stack, with
 * interrupts on (the kernel works with interrupts on: kernel/irq.h), in process context, and
 * its per-CPU area has the right id and APIC id. */
static void each_cpu_area_by_call(struct ktest *t)
{
	static struct identity ids[SMP_MAX_CPUS];
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct percpu *pc = per_cpu_area(cpu);
		struct identity *id = &ids[cpu];
		u64 before_calls = pc->calls_run;

		*id = (struct identity){ .ran = 0 };
		KT_EXPECT_EQ(t, smp_call_on(cpu, record_identity, id), 0);
		KT_EXPECT_EQ(t, id->ran, 1);
		KT_EXPECT_EQ(t, id->cpu, cpu);
		KT_EXPECT(t, id->area == pc);
		KT_EXPECT(t, id->self == pc);
		KT_EXPECT_EQ(t, id->gs_base, (uintptr_t)pc);
		KT_EXPECT_EQ(t, id->apic_id, pc->apic_id);
		KT_EXPECT_EQ(t, id->rflags & RFLAGS_IF, RFLAGS_IF);
		KT_EXPECT_EQ(t, id->hardirq, 0);
		if (cpu == 0)
			continue;
		KT_EXPECT(t, id->sp < pc->stack_top && id->sp >= pc->stack_top - SMP_AP_STACK_SIZE);
		KT_EXPECT_EQ(t, pc->calls_run, before_calls + 1);
		for (unsigned int other = 0; other < cpu; other++)
			if (cpu_online(other))
				KT_EXPECT(t, per_cpu_area(other)->apic_id != pc->apic_id);
	}
}

/* A meeting point: every CPU arrives and waits (bounded) until all have. */
struct meet {
	unsigned int expected;
	unsigned int arrived;
	int hits[SMP_MAX_CPUS];
	bool met[SMP_MAX_CPUS];
};

static void meet_fn(void *arg)
{
	struct meet *m = arg;
	unsigned int cpu = smp_processor_id();
	u64 end = ms_from_now(MEET_TIMEOUT_MS);

	__atomic_fetch_add(&m->hits[cpu], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&m->arrived, __ATOMIC_ACQUIRE) < m->expected && before(end))
		cpu_relax();
	m->met[cpu] = __atomic_load_n(&m->arrived, __ATOMIC_ACQUIRE) >= m->expected;
}

/* smp_call_all() runs the function once on every online CPU, all of them at the same time
 * (each waits for all the others inside it), twice in a row. */
static void call_all_at_once(struct ktest *t)
{
	static struct meet m;
	unsigned int cpu;

	for (int round = 0; round < 2; round++) {
		m = (struct meet){ .expected = num_online_cpus() };
		KT_EXPECT_EQ(t, smp_call_all(meet_fn, &m), 0);
		KT_EXPECT_EQ(t, m.arrived, num_online_cpus());
		for_each_online_cpu(cpu) {
			KT_EXPECT_EQ(t, m.hits[cpu], 1);
			KT_EXPECT(t, m.met[cpu]);
		}
	}
	ktest_log(t, "%u CPUs met inside one smp_call_all()", m.arrived);
}

static void set_flag(void *arg)
{
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
}

struct nested {
	int on_ret, all_ret;
};

/* Run on an AP: calls must come from CPU 0. */
static void call_from_ap(void *arg)
{
	struct nested *n = arg;
	int flag = 0;

	n->on_ret = smp_call_on(0, set_flag, &flag);
	n->all_ret = smp_call_all(set_flag, &flag);
}

/* Bad CPUs, a call to CPU 0 itself (runs inline), and calls from an AP are refused. */
static void call_errors(struct ktest *t)
{
	static struct nested n;
	int flag = 0;
	unsigned int ap = first_ap();

	KT_EXPECT_EQ(t, smp_call_on(nr_cpu_ids(), set_flag, &flag), SMP_EINVAL);
	KT_EXPECT_EQ(t, smp_call_on(SMP_MAX_CPUS + 7, set_flag, &flag), SMP_EINVAL);
	KT_EXPECT_EQ(t, smp_call_wait(SMP_MAX_CPUS + 7, 1), SMP_EINVAL);
	KT_EXPECT_EQ(t, flag, 0);
	KT_EXPECT_EQ(t, smp_call_on(0, set_flag, &flag), 0);
	KT_EXPECT_EQ(t, flag, 1);
	if (!ap) {
		ktest_skip(t, "one CPU: no AP to call from");
		return;
	}
	n = (struct nested){ 0, 0 };
	KT_EXPECT_EQ(t, smp_call_on(ap, call_from_ap, &n), 0);
	KT_EXPECT_EQ(t, n.on_ret, SMP_EPERM);
	KT_EXPECT_EQ(t, n.all_ret, SMP_EPERM);
}

static int hold_release;

/* Keep the CPU busy until released (or 10 s, so that a broken test cannot wedge it). */
static void hold_fn(void *arg)
{
	u64 end = ms_from_now(10000);

	(void)arg;
	while (!__atomic_load_n(&hold_release, __ATOMIC_ACQUIRE) && before(end))
		cpu_relax();
}

/* A call that outlives its timeout: SMP_ETIMEDOUT, then SMP_EBUSY for that CPU (from
 * smp_call_on and smp_call_all, whose other CPUs still run), and once it is done the CPU
 * takes calls again. */
static void call_timeout_and_recovery(struct ktest *t)
{
	static struct meet m;
	static int flag;
	unsigned int ap = first_ap(), cpu;

	if (!ap) {
		ktest_skip(t, "one CPU: no AP to time out");
		return;
	}
	__atomic_store_n(&hold_release, 0, __ATOMIC_RELEASE);
	flag = 0;
	ktest_log(t, "a warning that CPU %u did not finish in 20 ms is expected next", ap);
	KT_EXPECT_EQ(t, smp_call_on_timeout(ap, hold_fn, NULL, 20), SMP_ETIMEDOUT);
	KT_EXPECT_EQ(t, smp_call_on(ap, set_flag, &flag), SMP_EBUSY);
	m = (struct meet){ .expected = 1 };	/* nobody waits for the others here */
	KT_EXPECT_EQ(t, smp_call_all(meet_fn, &m), SMP_EBUSY);
	for_each_online_cpu(cpu)
		KT_EXPECT_EQ(t, m.hits[cpu], cpu == ap ? 0 : 1);
	__atomic_store_n(&hold_release, 1, __ATOMIC_RELEASE);
	KT_EXPECT_EQ(t, smp_call_wait(ap, 5000), 0);
	KT_EXPECT_EQ(t, smp_call_on(ap, set_flag, &flag), 0);
	KT_EXPECT_EQ(t, __atomic_load_n(&flag, __ATOMIC_ACQUIRE), 1);
}

#define LOCK_ROUNDS	20000

/* Every CPU at once increments a plain counter under one spinlock, read and write apart with
 * a pause between, and notes any other CPU already inside: a lock that let two CPUs in would
 * lose increments or see an overlap. Every 4th round takes the lock by spin_trylock(). */
static struct lock_race {
	spinlock_t lock;
	volatile u64 counter;
	volatile int holder;		/* CPU inside, -1 for none */
	unsigned int overlaps;
	unsigned int tried;		/* spin_trylock attempts that failed */
} race;

static void lock_race_fn(void *arg)
{
	(void)arg;
	int cpu = (int)smp_processor_id();

	for (unsigned int i = 0; i < LOCK_ROUNDS; i++) {
		if (i % 4 == 3) {
			while (!spin_trylock(&race.lock)) {
				__atomic_fetch_add(&race.tried, 1, __ATOMIC_RELAXED);
				cpu_relax();
			}
		} else {
			spin_lock(&race.lock);
		}
		if (race.holder != -1)
			race.overlaps++;
		race.holder = cpu;
		u64 v = race.counter;
		cpu_relax();
		race.counter = v + 1;
		race.holder = -1;
		spin_unlock(&race.lock);
	}
}

static void spinlock_excludes(struct ktest *t)
{
	spinlock_t l;

	spin_lock_init(&l);

	KT_EXPECT(t, !spin_is_locked(&l));
	KT_EXPECT(t, spin_trylock(&l));
	KT_EXPECT(t, spin_is_locked(&l));
	KT_EXPECT(t, !spin_trylock(&l));	/* held: not taken a second time */
	spin_unlock(&l);
	KT_EXPECT(t, !spin_is_locked(&l));

	race = (struct lock_race){ .holder = -1 };
	spin_lock_init(&race.lock);
	KT_EXPECT_EQ(t, smp_call_all(lock_race_fn, NULL), 0);
	KT_EXPECT_EQ(t, race.counter, (u64)LOCK_ROUNDS * num_online_cpus());
	KT_EXPECT_EQ(t, race.overlaps, 0);
	KT_EXPECT(t, !spin_is_locked(&race.lock));
	ktest_log(t, "%u CPUs: %llu increments under one lock, %u failed trylocks",
		  num_online_cpus(), (unsigned long long)race.counter, race.tried);
}

static const struct ktest_case smp_cases[] = {
	KTEST_CASE(online_cpus_match_madt),
	KTEST_CASE(boot_cpu_area),
	KTEST_CASE(each_cpu_area_by_call),
	KTEST_CASE(call_all_at_once),
	KTEST_CASE(call_errors),
	KTEST_CASE(call_timeout_and_recovery),
	KTEST_CASE(spinlock_excludes),
	KTEST_END,
};

const struct ktest_suite smp_suite = { "smp", smp_cases };
