/* scripts/nothp.c - run a command with transparent huge pages disabled for it and its children
 * (prctl PR_SET_THP_DISABLE). QEMU asks for huge pages on guest RAM; on a large guest with the
 * reserve=off backend, one touched word per 4 MiB block would then cost 2 MiB of host memory.
 * Built by scripts/qemu-run.sh on first use. Usage: nothp command [args...] */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nothp command [args...]\n");
		return 2;
	}
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
		perror("nothp: prctl(PR_SET_THP_DISABLE)");	/* go on: only a memory cost */
	execvp(argv[1], argv + 1);
	perror("nothp: exec");
	return 127;
}
