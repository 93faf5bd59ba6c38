/* lib/string.c - kernel-only implementations of lib/string.h (the host build uses libc's).
 * memset/memcpy use "rep stos/movs" (the ABI guarantees DF=0), so the compiler cannot turn
 * them back into calls to themselves; the other loops are checked to compile call-free. */
#include "lib/string.h"

/* Fill n bytes at s with (unsigned char)c; returns s. Eight bytes at a time, then the tail
 * (under TCG -icount each repetition counts as one instruction). */
void *memset(void *s, int c, size_t n)
{
	void *d = s;
	size_t q = n / 8, r = n % 8;
	u64 pattern = 0x0101010101010101ULL * (unsigned char)c;

	__asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(pattern) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(r) : "a"(pattern) : "memory");
	return s;
}

/* Copy n bytes from src to dst (they must not overlap); returns dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t q = n / 8, r = n % 8;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(r) : : "memory");
	return dst;
}

/* Copy n bytes from src to dst, which may overlap; returns dst. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n)	/* dst before src, or no overlap */
		return memcpy(dst, src, n);
	while (n) {	/* dst overlaps the tail of src: copy backwards */
		n--;
		d[n] = s[n];
		__asm__ volatile("" : : : "memory");	/* keep this a loop, not a memmove call */
	}
	return dst;
}

/* Compare n bytes as unsigned chars: <0, 0 or >0. */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* Length of the NUL-terminated string s. */
size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

/* Length of s, but at most maxlen (reads no byte past s + maxlen). */
size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n])
		n++;
	return n;
}

/* Compare two strings as unsigned chars: <0, 0 or >0. */
int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x - *y;
}

/* First occurrence of (char)c in s (c == 0 finds the terminator), or NULL. */
char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
