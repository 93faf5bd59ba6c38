/* tests/host/percpu_host.c - lib/percpu.h for host programs: each thread that runs mm/ code
 * stands for one CPU and points its GS base (arch_prctl(ARCH_SET_GS), per thread) at its own
 * struct percpu_head, exactly as a kernel CPU does. The main thread is CPU 0 from before
 * main() (a constructor), so every host binary that links mm/ works unchanged. */
#include <asm/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
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
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&heads[cpu]) != 0) {
		perror("arch_prctl(ARCH_SET_GS)");
		abort();
	}
}

__attribute__((constructor)) static void percpu_host_boot_cpu(void)
{
	percpu_host_init(0);
}
