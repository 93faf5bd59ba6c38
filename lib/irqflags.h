/* lib/irqflags.h - disable and restore interrupts on this CPU, as Linux's local_irq_*.
 *
 * The implementation is the architecture's arch_irqflags.h: arch/x86 (EFLAGS.IF, cli/sti) in
 * the kernel, arch/host (a per-thread flag) in host programs; the build picks the directory,
 * so code above it (mm/, lib/) is the same in both. Interrupt handlers run with interrupts
 * off and do not nest. */
#ifndef LIB_IRQFLAGS_H
#define LIB_IRQFLAGS_H

#include "arch_irqflags.h"

/* flags = the interrupt state before; interrupts off after. */
#define local_irq_save(flags) ((flags) = arch_local_irq_save())
#define local_irq_restore(flags) arch_local_irq_restore(flags)
#define local_irq_disable() arch_local_irq_disable()
#define local_irq_enable() arch_local_irq_enable()
#define local_save_flags(flags) ((flags) = arch_local_save_flags())

static inline bool irqs_disabled(void)
{
	return arch_irqs_disabled_flags(arch_local_save_flags());
}

#endif
