/* tools/trace-shim.c - record a program's malloc/calloc/realloc/free calls as an allocation
 * trace in the replay format (lib/trace.h, docs/replay.md), for make bench-peers and the
 * kernel's replay. An LD_PRELOAD library over glibc:
 *
 *     make trace-shim
 *     MMKERN_TRACE=/tmp/py.%p LD_PRELOAD=$PWD/build/peers/trace-shim.so python3 script.py
 *
 * writes one file per process (%p: the pid; a forked child starts its own file and forgets the
 * parent's objects, an exec'd program starts afresh). malloc -> "a <id> <size>", calloc ->
 * "z", realloc of a recorded block -> "r <id> <newid> <size>" (of NULL: "a"; to size 0: "f"),
 * free -> "f <id>"; memalign/posix_memalign/aligned_alloc/valloc are recorded as "a" of their
 * size (the alignment is lost). Handles are unique and never reused. Size 0 is recorded as 1;
 * requests above 4 MiB (beyond kmalloc) are not recorded, nor their frees; frees of blocks
 * allocated before the shim started are skipped. Any prefix of the file is a valid trace
 * (`head -n N`). Threads are serialised by a spinlock; the records go through a 1 MiB buffer
 * written out when full and at exit.
 * The shim allocates nothing through malloc: its pointer -> handle table (open addressing,
 * 2^24 slots) and buffer are mmap'd; the real functions are glibc's __libc_* entry points. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

#define MAX_SIZE (4UL << 20)
#define SLOTS (1UL << 24)
#define BUF_SIZE (1UL << 20)
#define TOMB ((uintptr_t)1)

struct slot {
	uintptr_t ptr;		/* 0: empty, TOMB: deleted */
	unsigned long id;
};

static struct slot *table;
static char *buf;
static size_t buf_len;
static int fd = -1;
static pid_t owner;
static unsigned long next_id = 1;
static volatile int lock;
static __thread int busy;	/* inside the shim on this thread: calls pass straight through */

static void flush(void)
{
	size_t off = 0;

	while (fd >= 0 && off < buf_len) {
		ssize_t n = write(fd, buf + off, buf_len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf_len = 0;
}

/* Open this process's file on its first call (and again in a forked child). */
static int ready(void)
{
	pid_t pid = getpid();

	if (owner == pid)
		return fd >= 0;
	if (fd >= 0) {		/* a forked child: the parent's buffer and objects are not ours */
		close(fd);
		fd = -1;
		buf_len = 0;
		memset(table, 0, SLOTS * sizeof(*table));
	}
	owner = pid;
	const char *pat = getenv("MMKERN_TRACE");
	if (!pat)
		return 0;
	if (!table) {
		table = mmap(NULL, SLOTS * sizeof(*table), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		if (table == MAP_FAILED || buf == MAP_FAILED) {
			table = NULL;
			return 0;
		}
	}
	char path[4096];
	size_t o = 0;
	for (const char *c = pat; *c && o + 24 < sizeof(path); c++) {
		if (c[0] == '%' && c[1] == 'p') {
			o += (size_t)snprintf(path + o, sizeof(path) - o, "%d", (int)pid);
			c++;
		} else {
			path[o++] = *c;
		}
	}
	path[o] = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return fd >= 0;
}

static size_t hash(uintptr_t p)
{
	return (size_t)((p >> 4) * 0x9e3779b97f4a7c15ULL >> 40) & (SLOTS - 1);
}

static unsigned long put(void *p)
{
	size_t i = hash((uintptr_t)p);

	while (table[i].ptr > TOMB)
		i = (i + 1) & (SLOTS - 1);
	table[i].ptr = (uintptr_t)p;
	table[i].id = next_id++;
	return table[i].id;
}

/* The handle of p, removed from the table; 0 when p was not recorded. */
static unsigned long take(void *p)
{
	size_t i = hash((uintptr_t)p);

	while (table[i].ptr) {
		if (table[i].ptr == (uintptr_t)p) {
			table[i].ptr = TOMB;
			return table[i].id;
		}
		i = (i + 1) & (SLOTS - 1);
	}
	return 0;
}

static void emit(const char *fmt, unsigned long a, unsigned long b, unsigned long c)
{
	if (buf_len + 80 > BUF_SIZE)
		flush();
	buf_len += (size_t)snprintf(buf + buf_len, 80, fmt, a, b, c);
}

static void enter(void)
{
	busy = 1;
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		;
}

static void leave(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	busy = 0;
}

static void record_alloc(char kind, void *p, size_t size)
{
	if (!p || busy || size > MAX_SIZE)
		return;
	enter();
	if (ready())
		emit(kind == 'z' ? "z %lu %lu\n" : "a %lu %lu\n", put(p), size ? size : 1, 0);
	leave();
}

void *malloc(size_t size)
{
	void *p = __libc_malloc(size);
	record_alloc('a', p, size);
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);
	record_alloc('z', p, n * size);
	return p;
}

void free(void *p)
{
	if (p && !busy) {
		enter();
		unsigned long id = ready() ? take(p) : 0;
		if (id)
			emit("f %lu\n", id, 0, 0);
		leave();
	}
	__libc_free(p);
}

void *realloc(void *old, size_t size)
{
	if (!old || busy) {
		void *p = __libc_realloc(old, size);
		if (!old)
			record_alloc('a', p, size);
		return p;
	}
	enter();
	int on = ready();
	unsigned long id = on ? take(old) : 0;
	void *p = __libc_realloc(old, size);
	if (!on) {
	} else if (size == 0 || !p) {
		if (id && size == 0)
			emit("f %lu\n", id, 0, 0);
		else if (id)
			put(old);	/* a failed realloc leaves old as it was */
	} else if (size > MAX_SIZE) {
		if (id)
			emit("f %lu\n", id, 0, 0);
	} else if (id) {
		unsigned long nid = put(p);
		emit("r %lu %lu %lu\n", id, nid, size);
	} else {
		emit("a %lu %lu\n", put(p), size, 0);
	}
	leave();
	return p;
}

void *memalign(size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);
	record_alloc('a', p, size);
	return p;
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);
	if (!p)
		return 12;	/* ENOMEM */
	record_alloc('a', p, size);
	*out = p;
	return 0;
}

void *valloc(size_t size)
{
	return memalign(4096, size);
}

__attribute__((destructor)) static void shim_exit(void)
{
	enter();
	if (owner == getpid())
		flush();
	leave();
}
