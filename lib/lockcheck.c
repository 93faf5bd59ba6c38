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

__attribute__((noinline)) void lockcheck_acquire(spinlock_t *l)
{
	struct lock_class *c = l->class;
	unsigned long ip = _RET_IP_;
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
