/* kernel/main.c - the kernel's C entry: console and traps, the multiboot2 information and the
 * command line, memory set-up, then one job: the benchmarks (bench), the in-kernel test suites
 * (ktest), trace replay and page maps (replay, pagemap) or, by default, the tour; with halt,
 * the kernel then stops for a debugger instead of exiting. */
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/bench.h"
#include "kernel/dump_mbi.h"
#include "kernel/irq.h"
#include "kernel/pagemap.h"
#include "kernel/replay.h"
#include "kernel/setup.h"
#include "kernel/smp.h"
#include "kernel/tour.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "mm/fault_inject.h"
#include "mm/gfp.h"
#include "mm/memmap.h"
#include "mm/slab.h"
#include "mm/zone.h"
#include "mm/compaction.h"
#include "tests/ktest.h"

#define CMDLINE_MAX 1024
#define MBI_MAX     (16UL << 20)	/* a larger information block is not believed */

void kmain(u32 magic, u64 mbi_phys);

static char cmdline[CMDLINE_MAX];
static bool ktest_enabled;
static const char *ktest_glob;
static bool halt_requested;
static bool bench_enabled, bench_init_only, bench_smp, bench_bad;
static bool replay_enabled, pagemap_enabled;
static bool compact_requested;

/* With CMDLINE=halt: a kmalloc object left allocated and one freed, and a freed object of a
 * slab on CPU 0's partial list, for debugger tests. */
void *halt_live_obj, *halt_freed_obj, *halt_partial_obj;

extern const struct ktest_suite *const ktest_kernel_suites[];

/* ktest or ktest=<glob>. */
static int set_ktest(const char *val, void *arg)
{
	(void)arg;
	ktest_enabled = true;
	ktest_glob = val;
	return 0;
}

static int set_loglevel(const char *val, void *arg)
{
	u64 v;
	(void)arg;
	if (!val || !kstrtou64(val, 10, &v) || v > 8)
		return -1;
	console_loglevel = (int)v;
	return 0;
}

/* bench (all rows), bench=init (memory set-up rows only) or bench=smp (the scaling rows:
 * several CPUs allocating at once). Any other value: one line, and the kernel runs nothing. */
static int set_bench(const char *val, void *arg)
{
	(void)arg;
	bench_enabled = true;
	if (!val)
		return 0;
	bench_init_only = strcmp(val, "init") == 0;
	bench_smp = strcmp(val, "smp") == 0;
	if (bench_init_only || bench_smp)
		return 0;
	printk(KERN_ERR "cmdline: bench=%s: no such benchmark (accepted: bench, bench=init, "
	       "bench=smp): nothing is run\n", val);
	bench_bad = true;
	return 1;
}

/* hz=<0..1000>: the LAPIC timer rate (0: off); anything else: one line, the default. */
static int set_hz(const char *val, void *arg)
{
	(void)arg;
	return irq_hz_param(val);
}

static int set_slub_debug(const char *val, void *arg)
{
	(void)arg;
	return slub_debug_setup(val);
}

static int set_mem(const char *val, void *arg)
{
	return memmap_mem_param(val, arg);
}

static int set_memmap(const char *val, void *arg)
{
	(void)arg;
	return setup_memmap_param(val);
}

/* fail_page_alloc= / failslab=: <interval>[,<times>] (used by the fault-injection suite). */
static int set_fault_attr(const char *val, void *arg)
{
	return setup_fault_attr(arg, val);
}

static const struct kernel_param params[] = {
	{ "mem", set_mem, &boot_params.mem_limit },
	{ "loglevel", set_loglevel, NULL },
	{ "ktest", set_ktest, NULL },
	{ "halt", param_set_bool, &halt_requested },
	{ "slub_debug", set_slub_debug, NULL },
	{ "page_poison", param_set_bool, &page_poison_param },
	{ "init_on_free", param_set_bool, &init_on_free_param },
	{ "bench", set_bench, NULL },
	{ "replay", param_set_bool, &replay_enabled },
	{ "pagemap", param_set_bool, &pagemap_enabled },
	{ "compact", param_set_bool, &compact_requested },
	{ "fail_page_alloc", set_fault_attr, &fail_page_alloc },
	{ "failslab", set_fault_attr, &failslab },
	{ "memmap", set_memmap, NULL },
	{ "dump-mbi", param_set_bool, &dump_mbi_enabled },
	{ "lockcheck", param_set_bool, &lockcheck_enabled },
	{ "hz", set_hz, NULL },
};

/* Copy the boot loader's command line (bounded) and apply it. */
static void parse_cmdline(const char *src)
{
	size_t len = src ? strnlen(src, CMDLINE_MAX) : 0;

	if (len == CMDLINE_MAX) {
		printk(KERN_WARNING "cmdline: longer than %d bytes, truncated\n", CMDLINE_MAX - 1);
		len = CMDLINE_MAX - 1;
	}
	memcpy(cmdline, src ? src : "", len);
	cmdline[len] = '\0';
	printk(KERN_INFO "Command line: %s\n", cmdline);
	parse_args(cmdline, params, ARRAY_SIZE(params), NULL);
}

/* What every ktest case must give back: free pages once every CPU has given back its active
 * slabs (kmem_cache_shrink_all() flushes them all by IPI) and every CPU's page lists are
 * counted (nr_free_pages includes them). */
static u64 free_pages_counter(void)
{
	kmem_cache_shrink_all();
	return nr_free_pages();
}

/* The debugger's stopping place: nothing runs after it (gdb scripts break here). */
__attribute__((noinline)) void mm_halted(void);
__attribute__((noinline)) void mm_halted(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* CMDLINE=halt: leave a known live and a known freed object, print the allocator's state as
 * the debugger will read it, and stop. */
static __noreturn void halt_for_debugger(void)
{
	halt_live_obj = kmalloc(100, GFP_KERNEL);
	halt_freed_obj = kmalloc(100, GFP_KERNEL);
	kfree(halt_freed_obj);
	/* One slab more than full, then a free in the first, which is full and not active: it
	 * goes on this CPU's partial list (a debug cache's goes on the cache's list). */
	struct kmem_cache *pc = kmem_cache_create("halt-partial", 512, 0, 0, NULL);
	void *first = NULL;
	for (unsigned int i = 0; pc && i <= pc->objects; i++) {
		void *o = kmem_cache_alloc(pc, GFP_KERNEL);
		first = first ? first : o;
	}
	if (first)
		kmem_cache_free(pc, first);
	halt_partial_obj = first;
	printk(KERN_INFO "halt: live object %p, freed object %p, freed object of a CPU partial "
	       "slab %p\n", halt_live_obj, halt_freed_obj, halt_partial_obj);
	node_print_meminfo(&contig_node);
	node_print_buddyinfo(&contig_node);
	slabinfo_print();
	printk(KERN_INFO "halt: kernel halted for the debugger (CMDLINE=halt)\n");
	mm_halted();
	for (;;)
		;
}

/* CMDLINE="ktest=churn* pagemap": the churn test's frame maps around its compaction. */
extern void (*churn_pagemap_hook)(const char *when);
static void churn_pagemap(const char *when)
{
	pagemap_print(when, NULL);
}

/* CMDLINE=compact (Linux's echo 1 > /proc/sys/vm/compact_memory): /proc/pagetypeinfo and the
 * FRAG lines before and after a compaction of every zone. */
static void compact_memory(void)
{
	struct compact_result res = { 0, 0 };

	node_drain_pages(&contig_node);
	node_print_pagetypeinfo(&contig_node);
	node_print_frag(&contig_node, "before-compact");
	node_compact_memory(&contig_node, &res);
	printk(KERN_INFO "compact: %lu blocks moved, %lu refused\n", res.migrated, res.failed);
	node_print_frag(&contig_node, "after-compact");
	node_print_pagetypeinfo(&contig_node);
}

static __noreturn void finish(bool ok)
{
	printk(KERN_INFO "mmkern: %s\n", ok ? "done, exiting" : "FAILED, exiting");
	qemu_exit(ok ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}

void kmain(u32 magic, u64 mbi_phys)
{
	struct mb2_info *mb2 = &boot_params.mb2;

	serial_init();
	traps_init();
	smp_early_init();	/* CPU 0's per-CPU area (GS base): smp_processor_id() works */
	printk(KERN_INFO "mmkern: a physical-memory allocator kernel (x86_64, multiboot2)\n");
	if (magic != MB2_BOOTLOADER_MAGIC || mbi_phys >= (4ULL << 30)) {
		printk(KERN_ERR "boot: not started by a multiboot2 loader (magic %#x, info at %#llx)\n",
		       magic, (unsigned long long)mbi_phys);
		finish(false);
	}
	if (mb2_parse(phys_to_virt(mbi_phys), MIN(MBI_MAX, (4ULL << 30) - mbi_phys), mb2) < 0)
		finish(false);
	if (mb2->bootloader)
		printk(KERN_INFO "Boot loader: %s\n", mb2->bootloader);
	parse_cmdline(mb2->cmdline);
	if (bench_bad)
		finish(false);		/* a mistyped bench= runs nothing (said by set_bench) */
	if (dump_mbi_enabled)
		dump_mbi(phys_to_virt(mbi_phys), mb2->total_size, mbi_phys);
	if (mm_setup(mb2, mbi_phys) < 0)
		finish(false);
	mem_auto_init(&contig_node);	/* page_poison=, init_on_free= */
	smp_init(mb2, mbi_phys);	/* start the other CPUs: they idle until smp_call_*() */
	irq_start();		/* the timer on every CPU; interrupts on from here, for good */
	node_set_nr_cpus(&contig_node, nr_cpu_ids());	/* per-CPU page lists shared among them */
	numa_cpus_init();	/* each CPU allocates from its own node first */
	kmem_cache_init(&contig_node, rdtsc(), nr_cpu_ids());	/* no CPU comes online later */
	node_print_meminfo(&contig_node);
	node_print_buddyinfo(&contig_node);

	bool ok;
	if (bench_enabled) {
		ok = bench_smp ? kernel_bench_smp() == 0
			       : kernel_bench(bench_init_only, boot_params.init_ticks) == 0;
	} else if (ktest_enabled) {
		const struct ktest_suite *const *const lists[] = {
			ktest_common_suites, ktest_mm_suites, ktest_kernel_suites, NULL
		};
		ktest_set_leak_counter(free_pages_counter, "free pages");
		if (pagemap_enabled)
			churn_pagemap_hook = churn_pagemap;
		ok = ktest_run(lists, ktest_glob) == 0;
	} else if (replay_enabled || pagemap_enabled) {
		ok = !replay_enabled || replay_modules(mb2, pagemap_enabled) == 0;
		if (pagemap_enabled)
			pagemap_print(replay_enabled ? "after-replay" : "boot", NULL);
	} else {
		ok = kernel_tour() == 0;
		ok = kernel_slab_tour() == 0 && ok;
	}
	if (lockcheck_enabled) {
		printk(KERN_INFO "lockcheck: %lu inconsistent lock acquisitions\n", lockcheck_reports);
		ok = ok && lockcheck_reports == 0;
	}
	if (compact_requested)
		compact_memory();
	if (halt_requested)
		halt_for_debugger();
	finish(ok);
}
