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
 * Interrupts: the kernel runs every CPU with interrupts disabled outside its idle hlt (see
 * kernel/smp.h), so spin_lock() is what Linux calls spin_lock_irqsave(): no interrupt handler
 * can ever try to take a lock its own CPU holds. Locks are not recursive. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/types.h"

typedef struct {
	u32 locked;			/* 1 while held */
} spinlock_t;

#define SPINLOCK_INIT { 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = SPINLOCK_INIT

static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Take the lock only if it is free right now. */
static inline bool spin_trylock(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) == 0 &&
	       __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(spinlock_t *l)
{
	while (unlikely(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0)
			cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
