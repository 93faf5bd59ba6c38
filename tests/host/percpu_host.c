/* tests/host/percpu_host.c - lib/percpu.h for host programs: each thread that runs mm/ code
 * stands for one CPU and points its GS base (arch_prctl(ARCH_SET_GS), per thread) at its own
 * struct percpu_head, exactly as a kernel CPU does. The main thread is CPU 0 from before
 * main() (a constructor), so every host binary that links mm/ works unchanged. */
#include <asm/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/cpu.h"
#include "lib/irqflags.h"
#include "lib/percpu.h"
#include "tests/host/percpu_host.h"

static struct percpu_head heads[NR_CPUS];

void percpu_host_init(unsigned int cpu)
{
	if (cpu >= NR_CPUS) {
		fprintf(stderr, "percpu_host_init: cpu %u >= NR_CPUS\n", cpu);
		abort();
	}
	heads[cpu].self = &heads[cpu];
	heads[cpu].cpu = cpu;
	heads[cpu].line_off = (unsigned long)cpu * PERCPU_LINE;
	heads[cpu].ctx_off = (unsigned long)ctx_index(cpu, false) * PERCPU_LINE;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&heads[cpu]) != 0) {
		perror("arch_prctl(ARCH_SET_GS)");
		abort();
	}
}

__attribute__((constructor)) static void percpu_host_boot_cpu(void)
{
	percpu_host_init(0);
}

/* A host thread is never interrupted: the other "CPUs" are threads whose state is their own. */
int on_each_cpu(smp_call_func_t fn, void *info, bool wait)
{
	unsigned long flags;

	(void)wait;
	local_irq_save(flags);
	fn(info);
	local_irq_restore(flags);
	return 0;
}

int smp_call_function_single(unsigned int cpu, smp_call_func_t fn, void *info, bool wait)
{
	if (cpu != smp_processor_id())
		return SMP_CALL_EINVAL;
	return on_each_cpu(fn, info, wait);
}

bool irq_interrupted_outside_mm(void)
{
	return true;
}
