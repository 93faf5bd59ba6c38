/* lib/string.h - the C string/memory functions the kernel uses, with libc's exact signatures.
 * The kernel gets them from lib/string.c; the host build links libc's instead (string.c is not
 * built there), so this header may be included together with <string.h>. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/types.h"

void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
char *strchr(const char *s, int c);

#endif
