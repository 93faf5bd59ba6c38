/* kernel/bench.h - allocator benchmarks: CMDLINE=bench mirrors the loops that measured Linux 6.1
 * in ../shared/anchor/slabbench.c (kernel/bench.c); CMDLINE=bench=smp measures throughput with
 * several CPUs allocating at once (kernel/bench_smp.c). */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

#include "lib/types.h"

/* Print one "BENCH <op> <size-or-order> <pattern> <ticks-per-op>" line per figure. With
 * init_only, only the memory set-up rows (setup_ticks: boot_params.init_ticks). Returns 0, or
 * -1 when a benchmark could not run (out of memory) or did not give every frame back. */
int kernel_bench(bool init_only, u64 setup_ticks);

/* Print one "BENCH smp <op> <size-or-order> <pattern> cpus=<k> cycles_per_op=<n>
 * ops_per_sec_total=<n> per_cpu_vs_1=<x.xx> total_vs_1=<x.xx>" line per figure, for k = 1, 2,
 * 4, ... CPUs running the loop at once (call on CPU 0). Returns 0, or -1 when a run failed
 * (out of memory, corrupted objects, a CPU not answering) or pages were not all given back. */
int kernel_bench_smp(void);

#endif
