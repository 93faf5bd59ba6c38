/* lib/types.h - fixed-width types and basic definitions, same on host and in the kernel. */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t  s32;
typedef int64_t  s64;
typedef u64 phys_addr_t;

#define NR_CPUS 64		/* CPUs the per-CPU structures are sized for (ids 0..63) */

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* The allocators' public fast paths: the hot attribute puts them in .text.hot, which the kernel's
 * linker script places first, together on one page, so none straddles a page boundary (QEMU's
 * TCG translates a block that crosses a page at a cost on every lookup: kfree at 0x...fe0 made a
 * kmalloc+kfree pair twice as slow under TCG; real CPUs gain i-TLB and i-cache locality). */
#define __hot       __attribute__((hot))
#define __noreturn  __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define _RET_IP_ ((unsigned long)__builtin_return_address(0))

#endif
