/* lib/lockcheck.c - a light lock checker: Linux lockdep's irq-state rule, nothing else.
 *
 * A lock class (lib/spinlock.h) that is taken in hardirq context and also taken with
 * interrupts enabled can deadlock: the handler interrupts the holder on its own CPU and spins
 * for ever. Each class remembers the first call site of each kind; once it has both, one line
 * reports it with the two sites (addresses: `addr2line -e build/kernel.elf`), as lockdep's
 * "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage" report does. Only the first report of
 * a class is printed; lockcheck_reports counts them all. Switched on by `lockcheck` on the
 * kernel command line (kernel/main.c) or MMKERN_LOCKCHECK=1 in host programs, before any other
 * CPU runs; it never takes a lock itself (printk's own lock is checked like any other, after
 * the report is claimed, so a report cannot recurse into itself). */
#include "lib/kernel.h"
#include "lib/percpu.h"
#include "lib/spinlock.h"

bool lockcheck_enabled;
unsigned long lockcheck_reports;

/* lockcheck_thunk(rdi = the lock, rsi = the site), called from lockcheck()'s asm: saves the scratch registers
 * the C function may change (the callee-saved ones it saves itself), aligns the stack for the
 * call, and restores all. Flags are the asm's clobber. */
__asm__(".pushsection .text\n\t"
	".globl lockcheck_thunk\n\t"
	".type lockcheck_thunk, @function\n"
	"lockcheck_thunk:\n\t"
	"pushq %rbp\n\tmovq %rsp, %rbp\n\t"
	"pushq %rax\n\tpushq %rcx\n\tpushq %rdx\n\tpushq %rsi\n\tpushq %rdi\n\t"
	"pushq %r8\n\tpushq %r9\n\tpushq %r10\n\tpushq %r11\n\t"
	"andq $-16, %rsp\n\t"
	"call lockcheck_acquire\n\t"
	"leaq -72(%rbp), %rsp\n\t"
	"popq %r11\n\tpopq %r10\n\tpopq %r9\n\tpopq %r8\n\t"
	"popq %rdi\n\tpopq %rsi\n\tpopq %rdx\n\tpopq %rcx\n\tpopq %rax\n\t"
	"popq %rbp\n\tret\n\t"
	".size lockcheck_thunk, . - lockcheck_thunk\n\t"
	".popsection");

/* Record ip as the first site of its kind (0 = none yet); returns the site recorded. */
static unsigned long first_site(unsigned long *site, unsigned long ip)
{
	unsigned long none = 0;

	if (__atomic_load_n(site, __ATOMIC_RELAXED))
		return __atomic_load_n(site, __ATOMIC_RELAXED);
	if (__atomic_compare_exchange_n(site, &none, ip, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return ip;
	return none;
}

void lockcheck_acquire(spinlock_t *l, unsigned long ip)
{
	struct lock_class *c = l->class;
	unsigned long in_irq, irqs_on;

	if (!c)
		return;
	if (in_interrupt()) {
		in_irq = first_site(&c->hardirq_ip, ip);
		irqs_on = __atomic_load_n(&c->irqs_on_ip, __ATOMIC_RELAXED);
	} else if (!irqs_disabled()) {
		irqs_on = first_site(&c->irqs_on_ip, ip);
		in_irq = __atomic_load_n(&c->hardirq_ip, __ATOMIC_RELAXED);
	} else {
		return;
	}
	if (!in_irq || !irqs_on)
		return;
	__atomic_fetch_add(&lockcheck_reports, 1, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&c->reported, 1, __ATOMIC_RELAXED))
		return;
	printk(KERN_ERR "lockcheck: inconsistent lock state: %s taken in hardirq context at %#lx "
	       "and with interrupts enabled at %#lx (cpu %u): take it with spin_lock_irqsave()\n",
	       c->name, in_irq, irqs_on, smp_processor_id());
}
