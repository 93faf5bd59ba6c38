/* lib/spinlock.h - ticket spinlocks, the same on host threads and kernel CPUs.
 *
 * A ticket lock hands the lock out in arrival order, so no CPU starves under contention (which
 * matters under multi-threaded TCG, where vCPUs run at very different speeds). Uncontended,
 * lock is one locked add and a compare, unlock one store.
 *
 * Interrupts: the kernel runs every CPU with interrupts disabled outside its idle hlt (see
 * kernel/smp.h), so spin_lock() is what Linux calls spin_lock_irqsave(): no interrupt handler
 * can ever try to take a lock its own CPU holds. Locks are not recursive. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/types.h"

typedef struct {
	u16 owner;			/* ticket being served */
	u16 next;			/* next ticket to hand out */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = SPINLOCK_INIT

static inline void spin_lock_init(spinlock_t *l)
{
	l->owner = 0;
	l->next = 0;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void spin_lock(spinlock_t *l)
{
	u16 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);

	while (unlikely(__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket))
		cpu_relax();
}

/* Take the lock only if it is free right now. */
static inline bool spin_trylock(spinlock_t *l)
{
	u16 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	spinlock_t want = { owner, owner }, held = { owner, (u16)(owner + 1) };
	u32 expect, desired;

	__builtin_memcpy(&expect, &want, sizeof(expect));
	__builtin_memcpy(&desired, &held, sizeof(desired));
	return __atomic_compare_exchange_n((u32 *)l, &expect, desired, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

#endif
