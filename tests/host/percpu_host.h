/* tests/host/percpu_host.h - make the calling host thread CPU `cpu` for lib/percpu.h. */
#ifndef TESTS_HOST_PERCPU_HOST_H
#define TESTS_HOST_PERCPU_HOST_H

void percpu_host_init(unsigned int cpu);

#endif
