/* kernel/bench.h - allocator benchmarks (CMDLINE=bench), mirroring the loops that measured
 * Linux 6.1 in ../shared/anchor/slabbench.c. */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

#include "lib/types.h"

/* Print one "BENCH <op> <size-or-order> <pattern> <ticks-per-op>" line per figure. With
 * init_only, only the memory set-up rows (setup_ticks: boot_params.init_ticks). Returns 0, or
 * -1 when a benchmark could not run (out of memory) or did not give every frame back. */
int kernel_bench(bool init_only, u64 setup_ticks);

#endif
