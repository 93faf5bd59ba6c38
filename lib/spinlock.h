/* lib/spinlock.h - spinlocks, the same on host threads and kernel CPUs.
 *
 * A test-and-test-and-set lock: one word, 0 free and 1 held. Waiters spin on a plain load (the
 * line stays shared in their caches) and try the locked exchange only once they saw it free.
 * Uncontended, lock is one locked exchange and unlock one store.
 *
 * Why not a ticket lock (FIFO, what Linux used before qspinlock): our CPUs are usually vCPUs
 * (threads of multi-threaded TCG, or KVM), often more of them than host cores. A ticket lock
 * hands the lock to the next waiter in line even when the host has descheduled that vCPU, and
 * every CPU behind it waits for the host to run it again: with 4 or 8 vCPUs on 2 cores a
 * contended lock collapsed to a few hand-overs per host time slice (the SMP=8 stress ran out of
 * its 600 s). Whoever runs takes a test-and-set lock, so progress only needs the holder to
 * run. Linux makes the same choice in guests without paravirtual spinlocks (virt_spin_lock()).
 * The price is fairness: a CPU can in principle lose the race many times in a row; every lock
 * here is held for a bounded, short section, so a loser waits, it does not starve forever.
 *
 * Interrupts (Linux's rules). A lock that an interrupt handler may take must be taken with
 * spin_lock_irqsave() everywhere else: a handler that spins on a lock its own CPU holds never
 * gets it. spin_lock() is for locks no handler takes, or for code that already runs with
 * interrupts off. Locks are not recursive.
 *
 * Lock checker (lib/lockcheck.c, `lockcheck` on the kernel command line, MMKERN_LOCKCHECK=1 in
 * host programs): every lock belongs to a class, named after the lock where it is initialised
 * (spin_lock_init(), DEFINE_SPINLOCK(), SPINLOCK_INIT(name)), as Linux's lockdep keys classes.
 * It applies lockdep's irq-state rule: a class taken in hardirq context and also taken with
 * interrupts on can deadlock, and is reported once, with both call sites. Off, it costs one
 * test of a global per lock taken. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/types.h"
#include "lib/irqflags.h"

/* A lock class of the lock checker: one per place locks are initialised. */
struct lock_class {
	const char *name;
	unsigned long hardirq_ip;	/* where it was first taken in hardirq context */
	unsigned long irqs_on_ip;	/* where it was first taken with interrupts on */
	u32 reported;			/* the irq-state report was printed */
};

typedef struct {
	u32 locked;			/* 1 while held */
	struct lock_class *class;	/* lock checker class (NULL: not checked) */
} spinlock_t;

/* A static initialiser for a lock called name, with its class (a compound literal: file
 * scope, static storage). */
#define SPINLOCK_INIT(lock) { 0, &(struct lock_class){ .name = #lock } }
#define DEFINE_SPINLOCK(lock) spinlock_t lock = SPINLOCK_INIT(lock)

static inline void __spin_lock_init(spinlock_t *l, struct lock_class *class)
{
	l->locked = 0;
	l->class = class;
}

/* Every lock initialised here shares one class, named after the argument. */
#define spin_lock_init(l)						\
	do {								\
		static struct lock_class __lock_class = { .name = #l };	\
		__spin_lock_init((l), &__lock_class);			\
	} while (0)

extern bool lockcheck_enabled;
extern unsigned long lockcheck_reports;	/* inconsistent acquisitions seen (all, not only printed) */
void lockcheck_acquire(spinlock_t *l, unsigned long ip);	/* lib/lockcheck.c */

/* The checker's hook in every lock: one test of lockcheck_enabled, and when it is set a call,
 * out of line, to lockcheck_thunk (lib/lockcheck.c), which saves every register it could
 * change and calls lockcheck_acquire(l, the address of the lock site). Written in asm because a plain C call, even never
 * taken, made the page allocator's fast paths save and restore five registers each (the
 * alloc_pages+free_pages pair: 50 instructions more). The stack pointer steps over the
 * 128-byte red zone of host code first. */
static inline void lockcheck(spinlock_t *l)
{
	__asm__ volatile("cmpb $0, lockcheck_enabled(%%rip)\n\t"
			 "jne 2f\n"
			 "1:\n\t"
			 ".pushsection .text.unlikely\n"
			 "2:\tleaq -128(%%rsp), %%rsp\n\t"
			 "pushq %%rdi\n\t"
			 "pushq %%rsi\n\t"
			 "movq %0, %%rdi\n\t"
			 "leaq 1b(%%rip), %%rsi\n\t"
			 "call lockcheck_thunk\n\t"
			 "popq %%rsi\n\t"
			 "popq %%rdi\n\t"
			 "leaq 128(%%rsp), %%rsp\n\t"
			 "jmp 1b\n\t"
			 ".popsection"
			 : : "r"(l) : "memory", "cc");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Take the lock only if it is free right now. */
static inline bool spin_trylock(spinlock_t *l)
{
	lockcheck(l);
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) == 0 &&
	       __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(spinlock_t *l)
{
	lockcheck(l);
	while (unlikely(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0)
			cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* Interrupts off on this CPU (their state before in flags), then the lock. Waiters spin with
 * interrupts off, as Linux's do. */
#define spin_lock_irqsave(l, flags)		\
	do {					\
		local_irq_save(flags);		\
		spin_lock(l);			\
	} while (0)

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	local_irq_restore(flags);
}

/* Take the lock only if it is free right now; interrupts off (flags) only if it was taken. */
#define spin_trylock_irqsave(l, flags) \
	({ local_irq_save(flags); spin_trylock(l) ? true : (local_irq_restore(flags), false); })

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
