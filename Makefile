# Makefile - build, boot and test mmkern (a freestanding x86_64 kernel booted by GRUB).
# Kernel: build/kernel.elf and the bootable build/kernel.iso; host unit tests:
# build/host/ktest-host. `make help` lists the targets and variables.

.DEFAULT_GOAL := all

# ---- toolchain (CROSS_COMPILE as in Linux; CC=clang works too) ----
CROSS_COMPILE ?=
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin LD),default)
LD := $(CROSS_COMPILE)ld
endif
OBJCOPY ?= $(CROSS_COMPILE)objcopy
NASM    ?= nasm
HOSTCC  ?= gcc
GDB     ?= gdb

# ---- run-time knobs ----
MEM        ?= 512M
SMP        ?= 1
NUMA       ?= 1
NUMA_DIST  ?=
CMDLINE    ?=
MODULES    ?=
QEMU_EXTRA ?=
ACCEL      ?= tcg
TIMEOUT    ?= 300
SERIAL_LOG ?= build/serial.log

BUILD := build
V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- kernel flags ----
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -ffreestanding -nostdlib -fno-pic -fno-pie \
	-mno-red-zone -mcmodel=kernel -mgeneral-regs-only -fno-stack-protector \
	-fomit-frame-pointer -fno-asynchronous-unwind-tables -I. -MMD -MP
ifneq ($(shell $(CC) --version 2>/dev/null | grep -c clang),0)
KERNEL_CFLAGS += -Wno-unused-command-line-argument	# clang: -nostdlib is link-only
endif
KLDFLAGS := -n -T linker.ld -z max-page-size=0x1000 -nostdlib
KERNEL_CFLAGS += $(KCFLAGS)	# KCFLAGS: extra kernel C flags from the user, as in Linux
NASMFLAGS := -f elf64	# no -g: nasm DWARF for mixed low/high sections confuses gdb

HOSTCFLAGS := -std=gnu11 -g -O1 -I. -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Wextra -MMD -MP

# ---- sources (directories that do not exist yet simply match nothing) ----
KASM := $(wildcard boot/*.asm)
KSRC := $(wildcard kernel/*.c lib/*.c mm/*.c tests/*.c tests/lib/*.c tests/mm/*.c \
	tests/kernel/*.c)
KOBJ := $(KASM:%.asm=$(BUILD)/%.o) $(KSRC:%.c=$(BUILD)/%.o)

HSRC := $(filter-out lib/string.c,$(wildcard lib/*.c)) \
	$(wildcard mm/*.c tests/*.c tests/lib/*.c tests/mm/*.c tests/host/*.c)
HOBJ := $(HSRC:%.c=$(BUILD)/host/%.o)

KERNEL := $(BUILD)/kernel.elf
ISO    := $(BUILD)/kernel.iso
HOSTBIN := $(BUILD)/host/ktest-host
ISODIR := $(BUILD)/iso
GRUB_MODULES := multiboot2 normal serial terminal terminfo configfile iso9660 biosdisk \
	part_msdos echo reboot

# shq: single-quote a make value for the shell.
shq = '$(subst ','\'',$(1))'

.PHONY: all run test host-test debug gdb bench pagemap clean help tools host-tools gdb-tools FORCE

all: $(KERNEL) $(ISO)

# Install missing build/boot tools (order-only prerequisite: never forces a rebuild).
tools:
	$(Q)scripts/ensure-tools.sh

# The C library headers and the ASan/UBSan runtimes HOSTCC needs (compile and link probes).
host-tools:
	$(Q)HOSTCC=$(call shq,$(HOSTCC)) HOSTCFLAGS=$(call shq,$(HOSTCFLAGS)) scripts/ensure-tools.sh host

# gdb with Python (the mm-* commands).
gdb-tools:
	$(Q)GDB=$(call shq,$(GDB)) scripts/ensure-tools.sh gdb

# Rewrite a stamp file only when its content changes, so targets depending on it rebuild
# exactly when the toolchain/flags or the ISO configuration change.
define update_stamp
	$(Q)mkdir -p $(dir $@)
	$(Q)printf '%s\n' $(call shq,$(1)) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
endef

$(BUILD)/kflags.stamp: FORCE
	$(call update_stamp,$(CC) $(KERNEL_CFLAGS) | $(NASM) $(NASMFLAGS) | $(LD) $(KLDFLAGS))

$(BUILD)/hostflags.stamp: FORCE
	$(call update_stamp,$(HOSTCC) $(HOSTCFLAGS))

$(BUILD)/iso-config.stamp: FORCE
	$(call update_stamp,CMDLINE=$(CMDLINE) MODULES=$(MODULES))

# ---- kernel ----
$(BUILD)/%.o: %.c $(BUILD)/kflags.stamp | tools
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.asm $(BUILD)/kflags.stamp | tools
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(KERNEL): $(KOBJ) linker.ld $(BUILD)/kflags.stamp
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJ)

# ---- bootable ISO ----
$(ISODIR)/boot/grub/grub.cfg: iso/grub.cfg.in $(BUILD)/iso-config.stamp
	@mkdir -p $(dir $@)
	$(Q)CMDLINE=$(call shq,$(CMDLINE)) MODULES=$(call shq,$(MODULES)) awk ' \
		/@MODULES@/ { n = split(ENVIRON["MODULES"], m, " "); \
			for (i = 1; i <= n; i++) { b = m[i]; sub(".*/", "", b); \
				print "module2 /boot/modules/" b " " b }; next } \
		(i = index($$0, "@CMDLINE@")) { c = ENVIRON["CMDLINE"]; gsub(/[$$]/, "\\$$", c); \
			$$0 = substr($$0, 1, i - 1) c substr($$0, i + 9) } \
		{ print }' $< > $@

$(ISO): $(KERNEL) $(ISODIR)/boot/grub/grub.cfg $(MODULES) | tools
	@$(if $(Q),echo "  ISO     $@")
	$(Q)rm -rf $(ISODIR)/boot/modules && mkdir -p $(ISODIR)/boot/modules
	$(Q)cp $(KERNEL) $(ISODIR)/boot/kernel.elf
	$(Q)$(if $(strip $(MODULES)),cp $(MODULES) $(ISODIR)/boot/modules/)
	$(Q)grub-mkrescue -o $@ $(ISODIR) --install-modules="$(GRUB_MODULES)" \
		--locales= --fonts= --themes= > $(BUILD)/grub-mkrescue.log 2>&1 || \
		{ cat $(BUILD)/grub-mkrescue.log; rm -f $@; exit 1; }

# ---- running ----
QEMU_NUMA = -n $(call shq,$(NUMA)) -d $(call shq,$(NUMA_DIST))
QEMU_RUN = scripts/qemu-run.sh -i $(ISO) -m $(call shq,$(MEM)) -s $(call shq,$(SMP)) \
	$(QEMU_NUMA) -a $(call shq,$(ACCEL)) -l $(call shq,$(SERIAL_LOG))

run: all | tools
	$(Q)$(QEMU_RUN) -t $(call shq,$(TIMEOUT)) -- $(QEMU_EXTRA)

# Start QEMU halted with a gdb stub on a free port (12345 upward), saved in build/gdb-port.
# The ISO is built like run's, with CMDLINE and MODULES (CMDLINE=halt parks the kernel at the end).
debug: all | tools
	$(Q)$(QEMU_RUN) -g auto -P $(BUILD)/gdb-port -- $(QEMU_EXTRA)

# Attach to make debug with the mm-* commands (scripts/gdb/mmkern.py) and stop at kmain: a
# hardware breakpoint, since a software one set before GRUB loads the kernel is lost under KVM.
gdb: | gdb-tools
	@test -f $(BUILD)/gdb-port || { echo "gdb: no $(BUILD)/gdb-port: run make debug first"; exit 1; }
	$(GDB) -q $(KERNEL) -x scripts/gdb/mmkern.py -ex "target remote :$$(cat $(BUILD)/gdb-port)" \
		-ex "hbreak kmain" -ex "continue"

# Replay MODULES (default: the trimmed sqlite3 trace) with CMDLINE="replay pagemap", show the
# REPLAY lines, and draw the frame maps and waste charts into build/ (tools/pagemap.py, which
# needs python3-matplotlib: installed here only). Exit status: the boot's, or the tool's.
PAGEMAP_MODULES = $(or $(strip $(MODULES)),tests/traces/sqlite3-inserts-head.trace)
PAGEMAP_LOG := $(BUILD)/pagemap-serial.log
# The Debian python3 (where apt installs matplotlib), even when another python3 comes first.
PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)

pagemap: | tools
	$(Q)PYTHON=$(call shq,$(PYTHON)) scripts/ensure-tools.sh plot
	$(Q)$(MAKE) --no-print-directory all CMDLINE=$(call shq,$(strip $(CMDLINE) replay pagemap)) \
		MODULES=$(call shq,$(PAGEMAP_MODULES))
	$(Q)rc=0; scripts/qemu-run.sh -i $(ISO) -m $(call shq,$(MEM)) -s $(call shq,$(SMP)) \
		$(QEMU_NUMA) -a $(call shq,$(ACCEL)) -t $(call shq,$(TIMEOUT)) -l $(PAGEMAP_LOG) -- $(QEMU_EXTRA) \
		>/dev/null || rc=$$?; \
	grep -a '^REPLAY ' $(PAGEMAP_LOG); \
	$(PYTHON) tools/pagemap.py -o $(BUILD) $(PAGEMAP_LOG) || rc=1; exit $$rc

# ---- tests ----
# Deterministic benchmarks (TCG -icount, one CPU), compared with Linux 6.1's anchor figures;
# with SMP>1 also the multi-CPU scaling rows (wall-clock TSC cycles, multi-threaded TCG).
bench: | tools
	$(Q)ACCEL=$(call shq,$(ACCEL)) SMP=$(call shq,$(SMP)) NUMA=$(call shq,$(NUMA)) \
		NUMA_DIST=$(call shq,$(NUMA_DIST)) bash scripts/bench.sh

test:
	@if [ -f scripts/test.sh ]; then bash scripts/test.sh; \
	else echo "make test: not yet (scripts/test.sh missing)"; exit 1; fi

$(BUILD)/host/%.o: %.c $(BUILD)/hostflags.stamp | host-tools
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@

$(HOSTBIN): $(HOBJ) $(BUILD)/hostflags.stamp | host-tools
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $@ $(HOBJ)

host-test: $(HOSTBIN)
	$(HOSTBIN)

# ---- hostile input: mb2dump, the hostile-block generator, libFuzzer targets (tests/fuzz) ----
.PHONY: mb2dump fuzz fuzz-build fuzz-regress fuzz-tools
MB2DUMP := $(BUILD)/host/mb2dump
MKMBI := $(BUILD)/host/mkmbi
MB2DUMP_OBJ := $(patsubst %.c,$(BUILD)/host/%.o,tools/mb2dump.c tools/mb2sim.c tests/host/percpu_host.c \
	$(filter-out lib/string.c,$(wildcard lib/*.c)) $(wildcard mm/*.c))

$(MB2DUMP): $(MB2DUMP_OBJ) $(BUILD)/hostflags.stamp | host-tools
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $@ $(MB2DUMP_OBJ)

$(MKMBI): $(BUILD)/host/tools/mkmbi.o $(BUILD)/hostflags.stamp | host-tools
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $@ $<

mb2dump: $(MB2DUMP) $(MKMBI)

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := mb2 cmdline trace alloc
FUZZCC ?= clang
FUZZCFLAGS := -std=gnu11 -g -O1 -I. -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Wall -Wextra -MMD -MP
FUZZ_LIBSRC := $(filter-out lib/string.c,$(wildcard lib/*.c)) $(wildcard mm/*.c) \
	tests/mm/fixture.c tools/mb2sim.c tests/fuzz/fuzz_common.c tests/host/percpu_host.c
FUZZ_LIBOBJ := $(FUZZ_LIBSRC:%.c=$(BUILD)/fuzz/%.o)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)

# clang and its libFuzzer runtime, installed when missing.
fuzz-tools:
	$(Q)FUZZCC=$(call shq,$(FUZZCC)) scripts/ensure-tools.sh fuzz

$(BUILD)/fuzzflags.stamp: FORCE
	$(call update_stamp,$(FUZZCC) $(FUZZCFLAGS))

$(BUILD)/fuzz/%.o: %.c $(BUILD)/fuzzflags.stamp | fuzz-tools
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZCC) $(FUZZCFLAGS) -c $< -o $@

$(BUILD)/fuzz/fuzz-%: $(BUILD)/fuzz/tests/fuzz/fuzz_%.o $(FUZZ_LIBOBJ)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZCC) $(filter-out -MMD -MP,$(FUZZCFLAGS)) -fsanitize=fuzzer -o $@ $^

fuzz-build: $(FUZZ_BINS)

# Each target FUZZ_SECONDS from a copy of its seed corpus; fails on any crash (scripts/fuzz.sh).
fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(call shq,$(FUZZ_SECONDS)) bash scripts/fuzz.sh run $(FUZZ_TARGETS)

# Every regression and corpus input once, no fuzzing.
fuzz-regress: fuzz-build
	$(Q)bash scripts/fuzz.sh regress $(FUZZ_TARGETS)

-include $(MB2DUMP_OBJ:.o=.d) $(BUILD)/host/tools/mkmbi.d $(FUZZ_LIBOBJ:.o=.d) \
	$(FUZZ_TARGETS:%=$(BUILD)/fuzz/tests/fuzz/fuzz_%.d)

clean:
	rm -rf $(BUILD)

help:
	@echo "targets:"
	@echo "  all        build $(KERNEL) and $(ISO) (default)"
	@echo "  run        boot the ISO in QEMU; serial on stdout and in SERIAL_LOG; exit 0 on success"
	@echo "  test       run scripts/test.sh (kernel and host tests)"
	@echo "  host-test  build and run $(HOSTBIN) (ASan+UBSan) on the host"
	@echo "  debug      like run, but QEMU waits for gdb (port in $(BUILD)/gdb-port), no timeout"
	@echo "  gdb        attach gdb to 'make debug', stop at kmain (hardware breakpoint)"
	@echo "  bench      allocator benchmarks under TCG -icount (ACCEL=kvm: TSC cycles), vs Linux 6.1;"
	@echo "             SMP=N (N>1) adds the scaling rows: 1, 2, 4 CPUs allocating at once"
	@echo "  pagemap    replay MODULES (CMDLINE=\"replay pagemap\"), draw frame maps and waste charts"
	@echo "             into $(BUILD)/*.png (installs python3-matplotlib if missing)"
	@echo "  mb2dump    build $(BUILD)/host/mb2dump FILE (what the kernel makes of a raw multiboot2"
	@echo "             block) and $(BUILD)/host/mkmbi DIR (writes the hostile blocks of tests/data/mbi)"
	@echo "  fuzz       run each libFuzzer target of tests/fuzz for FUZZ_SECONDS from its seed corpus"
	@echo "             (installs clang's libFuzzer if missing); fails on any crash"
	@echo "  fuzz-regress  run every input of tests/fuzz/regressions and tests/fuzz/corpus once"
	@echo "  clean      remove $(BUILD)/"
	@echo "  help       this text"
	@echo "variables:"
	@echo "  CROSS_COMPILE  toolchain prefix for CC, LD, OBJCOPY (default none)"
	@echo "  CC             kernel compiler (default \$$(CROSS_COMPILE)gcc; clang works)"
	@echo "  LD             kernel linker (default \$$(CROSS_COMPILE)ld)"
	@echo "  KCFLAGS        extra flags for the kernel C compiler (e.g. KCFLAGS=-DDEBUG)"
	@echo "  HOSTCC         compiler for the host tests (default gcc)"
	@echo "  MEM            guest RAM, QEMU -m syntax (default 512M; >8G uses a reserve=off backend)"
	@echo "  SMP            number of guest CPUs (default 1)"
	@echo "  NUMA           NUMA nodes (default 1: none); MEM and the SMP CPUs are split evenly between"
	@echo "                 them (NUMA <= SMP; at least 16 MiB per node)"
	@echo "  NUMA_DIST      SLIT distance between every two nodes, 11..254 (default: QEMU's, no SLIT)"
	@echo "  CMDLINE        kernel command line passed by GRUB (default empty)"
	@echo "  MODULES        files loaded by GRUB as multiboot2 modules (named by basename)"
	@echo "  QEMU_EXTRA     extra QEMU arguments"
	@echo "  ACCEL          tcg (default) or kvm (then -cpu max,-arch-capabilities)"
	@echo "  TIMEOUT        seconds before run is killed as failed (default 300)"
	@echo "  SERIAL_LOG     where run saves the serial output (default build/serial.log)"
	@echo "  FUZZ_SECONDS   seconds per fuzz target for make fuzz (default 60)"
	@echo "  V              V=1 prints full commands"

-include $(KOBJ:.o=.d) $(HOBJ:.o=.d)
