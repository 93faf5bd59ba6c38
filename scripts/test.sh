#!/usr/bin/env bash
# scripts/test.sh - everything `make test` runs: the host suites under ASan/UBSan, then real
# boots in QEMU (every in-kernel suite at several memory sizes, mem= honoured, the tour), each
# checked from its serial log. Last line: "N passed, N failed"; exit status 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=build/test
mkdir -p "$OUT"
MAKE=${MAKE:-make}
# every boot below names its own CPUs, nodes and memory: none leak in from the caller's
# environment (make exports command-line variables such as SMP=4 to its recipes)
unset SMP NUMA NUMA_DIST MEM
pass=0
fail=0

. scripts/test-lib.sh	# record NAME STATUS

# stage TITLE SECONDS: announce the next stage as "[ k/N] TITLE (about SECONDS s)"; N counts
# this script's own stage lines, SECONDS is what the stage took on a shared 2-core machine.
STAGES=$(grep -c '^stage "' "$0")
STAGE=0
stage() {
	STAGE=$((STAGE + 1))
	printf '[%2d/%d] %s (about %d s; %d s so far)\n' "$STAGE" "$STAGES" "$1" "$2" "$SECONDS"
}

# ktap NAME LOG: count every case result of a KTAP log.
ktap() {
	local res
	res=$(scripts/ktap-check -p "$1/" "$2")
	grep -E '^FAIL' <<<"$res"
	local p f
	p=$(grep -c '^PASS' <<<"$res")
	f=$(grep -c '^FAIL' <<<"$res")
	echo "$1: $p cases passed, $f failed"
	pass=$((pass + p))
	fail=$((fail + f))
}

# log_has LABEL LOG PATTERN...: one check per extended regex, each matching a line of LOG.
log_has() {
	local label=$1 log=$2 want
	shift 2
	for want in "$@"; do
		# no grep -q: it would stop reading at the first match, and tr's SIGPIPE would fail the
		# pipeline under pipefail (a long log then failed a check whose line is there)
		tr -d '\r' <"$log" | grep -E "$want" >/dev/null
		record "$label: log has /$want/" $?
	done
}

# checks LABEL SCRIPT [ENV=VALUE...]: run a checking script (its PASS/FAIL lines are shown and
# counted); a non-zero exit without any FAIL line is one failure of its own.
checks() {
	local label=$1 script=$2 res rc
	shift 2
	res=$(env MAKE="$MAKE" "$@" bash "$script" 2>&1)
	rc=$?
	echo "$res"
	pass=$((pass + $(grep -c '^PASS' <<<"$res")))
	fail=$((fail + $(grep -c '^FAIL' <<<"$res")))
	[ "$rc" = 0 ] || grep -q '^FAIL' <<<"$res" || record "$label: $script exit status" 1
}

# build_iso CMDLINE DEST: a kernel ISO booting with that command line.
build_iso() {
	$MAKE -s all CMDLINE="$1" >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; return 1; }
	cp build/kernel.iso "$2"
}

# boot NAME ISO MEM: boot in QEMU under a timeout; the serial log goes to $OUT/NAME.log.
boot() {
	local t0=$SECONDS
	scripts/qemu-run.sh -i "$2" -m "$3" -t 900 -l "$OUT/$1.log" >/dev/null 2>"$OUT/$1.err"
	local rc=$?
	echo "$1: QEMU finished in $((SECONDS - t0)) s with status $rc $(cat "$OUT/$1.err" | tail -1)"
	return $rc
}

stage "host suites (ASan + UBSan), twice: with the lock checker, and MMKERN_SLUB_DEBUG=FZPU" 35
if $MAKE -s build/host/ktest-host >"$OUT/host-build.log" 2>&1; then
	MMKERN_LOCKCHECK=1 build/host/ktest-host >"$OUT/host.log" 2>&1
	record "host: ktest-host exit status" $?
	ktap host "$OUT/host.log"
	MMKERN_SLUB_DEBUG=FZPU build/host/ktest-host >"$OUT/host-slub-debug.log" 2>&1
	record "host slub_debug=FZPU: ktest-host exit status" $?
	ktap host-slub_debug=FZPU "$OUT/host-slub-debug.log"
else
	cat "$OUT/host-build.log"
	record "host: build" 1
fi

stage "in-kernel suites (CMDLINE='ktest lockcheck') at 7 memory sizes, 8M to 64G" 60
# lockcheck: the lock checker's irq-state rule on every boot; a report fails the boot
if build_iso "ktest lockcheck" "$OUT/ktest.iso"; then
	for mem in 8M 32M 128M 1G 3G 6G 64G; do
		boot "ktest-$mem" "$OUT/ktest.iso" "$mem"
		record "mem=$mem: boot exits with success" $?
		ktap "qemu-$mem" "$OUT/ktest-$mem.log"
	done
else
	record "kernel build (CMDLINE=ktest)" 1
fi

stage "SMP=4: every suite with four CPUs online (multi-threaded TCG)" 30
if [ -f "$OUT/ktest.iso" ]; then
	scripts/qemu-run.sh -i "$OUT/ktest.iso" -m 512M -s 4 -t 900 -l "$OUT/smp4.log" >/dev/null 2>"$OUT/smp4.err"
	record "SMP=4: boot exits with success" $?
	ktap "qemu-512M-SMP=4" "$OUT/smp4.log"
	# all four online, and the concurrent stress ran on them with frees of other CPUs' objects
	log_has "SMP=4" "$OUT/smp4.log" 'smp: 4 CPUs online' \
		'^ *# 4 CPUs: [0-9]+ ops, [1-9][0-9]* remote frees' \
		'^irq: interrupts on, LAPIC timer 100 Hz on 4 CPUs \(vector 0xec\)$' \
		'^ *# 4 CPUs each called on_each_cpu\(\) 20 times at once$' \
		'[1-9][0-9]* ticks, [1-9][0-9]* allocations and [1-9][0-9]* frees in interrupt context' \
		'^ *# 3 other CPUs parked frames; .* [3-9][0-9]* drains by IPI' \
		'^lockcheck: 0 inconsistent lock acquisitions$'
fi

stage "NUMA: SMP=4 NUMA=2 (two nodes of 256 MiB), SMP=2 NUMA=2 MEM=6G with a SLIT (distance 21)" 50
if [ -f "$OUT/ktest.iso" ]; then
	scripts/qemu-run.sh -i "$OUT/ktest.iso" -m 512M -s 4 -n 2 -t 900 -l "$OUT/numa2.log" \
		>/dev/null 2>"$OUT/numa2.err"
	record "NUMA=2: boot exits with success" $?
	log_has "NUMA=2" "$OUT/numa2.log" 'smp: 4 CPUs online' 'ACPI: SRAT: .* 2 proximity domains' \
		'^NUMA: node 1 \[mem 0x0000000010000000-' '^NUMA: node 0 \(domain 0\) CPUs: 0 1$' \
		'^NUMA: node 1 \(domain 1\) CPUs: 2 3$' '^Node 0, zone +DMA32 ' \
		'^Node 1, zone +DMA32 ' '^Node 1 MemTotal: +2[0-9]{5} kB' '^ *# 4 CPUs: '
	ktap "qemu-512M-SMP=4-NUMA=2" "$OUT/numa2.log"
	scripts/qemu-run.sh -i "$OUT/ktest.iso" -m 6G -s 2 -n 2 -d 21 -t 900 -l "$OUT/numa6g.log" \
		>/dev/null 2>"$OUT/numa6g.err"
	record "NUMA=2 MEM=6G: boot exits with success" $?
	log_has "NUMA=2 MEM=6G" "$OUT/numa6g.log" '^  0: +10 +21$' '^  1: +21 +10$' \
		'^Node 1, zone +Normal ' '^Node 0, zone +DMA32 ' '^NUMA: node 1 \(domain 1\) CPUs: 1$'
	ktap "qemu-6G-SMP=2-NUMA=2" "$OUT/numa6g.log"
fi

stage "slub_debug=FZPU: every suite with every slab debug check on, 1 and 4 CPUs" 50
if build_iso "slub_debug=FZPU ktest lockcheck" "$OUT/slub-debug.iso"; then
	boot "slub-debug" "$OUT/slub-debug.iso" 512M
	record "slub_debug=FZPU: boot exits with success" $?
	ktap "qemu-512M-slub_debug=FZPU" "$OUT/slub-debug.log"
	# the concurrent stress with debug caches: their checks under slab_debug_lock
	scripts/qemu-run.sh -i "$OUT/slub-debug.iso" -m 256M -s 4 -t 900 \
		-l "$OUT/slub-debug-smp4.log" >/dev/null 2>"$OUT/slub-debug-smp4.err"
	record "slub_debug=FZPU SMP=4: boot exits with success" $?
	ktap "qemu-256M-SMP=4-slub_debug=FZPU" "$OUT/slub-debug-smp4.log"
	log_has "slub_debug=FZPU SMP=4" "$OUT/slub-debug-smp4.log" \
		'[1-9][0-9]* allocations and [1-9][0-9]* frees in interrupt context' \
		'^lockcheck: 0 inconsistent lock acquisitions$'
else
	record "kernel build (slub_debug)" 1
fi

stage "page_poison=1 SMP=2: every suite with freed pages poisoned and checked when reused" 40
# (with hz=1000 too: the timer at ten times its default rate while every suite runs)
if build_iso "page_poison=1 hz=1000 ktest" "$OUT/page-poison.iso"; then
	scripts/qemu-run.sh -i "$OUT/page-poison.iso" -m 512M -s 2 -t 900 \
		-l "$OUT/page-poison.log" >/dev/null 2>"$OUT/page-poison.err"
	record "page_poison=1 SMP=2: boot exits with success" $?
	log_has "page_poison=1" "$OUT/page-poison.log" '^mem auto-init: page_poison: ' \
		'^irq: interrupts on, LAPIC timer 1000 Hz on 2 CPUs \(vector 0xec\)$'
	ktap "qemu-512M-SMP=2-page_poison=1" "$OUT/page-poison.log"
else
	record "kernel build (page_poison)" 1
fi

stage "fault injection: failslab=7 and fail_page_alloc=5 from the command line" 12
for fi in failslab=7 fail_page_alloc=5; do
	if build_iso "$fi ktest" "$OUT/$fi.iso"; then
		boot "$fi" "$OUT/$fi.iso" 128M
		record "$fi: boot exits with success" $?
		ktap "qemu-128M-$fi" "$OUT/$fi.log"
	else
		record "kernel build ($fi)" 1
	fi
done

stage "a hostile map: memmap=4G\$0 leaves no usable RAM below 4 GiB" 5
if build_iso 'memmap=4G$$0' "$OUT/nolow.iso"; then
	boot "nolow" "$OUT/nolow.iso" 6G
	record "memmap=4G\$0: the tour runs and exits with success" $?
	grep -q '^  DMA32    empty' "$OUT/nolow.log" && grep -qE '^  Normal +\[mem' "$OUT/nolow.log"
	record "memmap=4G\$0: only a Normal zone" $?
else
	record "kernel build (memmap=4G\$0)" 1
fi

stage "mem=1G on a 3G machine" 5
if build_iso "mem=1G ktest" "$OUT/mem1g.iso"; then
	boot "mem1g" "$OUT/mem1g.iso" 3G
	record "mem=1G: boot exits with success" $?
	ktap "qemu-3G-mem=1G" "$OUT/mem1g.log"
	grep -q 'Zone ranges' "$OUT/mem1g.log" && ! grep -qE '^  Normal +\[mem' "$OUT/mem1g.log"
	record "mem=1G: no Normal zone, no frame above 1 GiB (see boot.limits_respected)" $?
else
	record "kernel build (mem=1G)" 1
fi

# check_tour LOG: the tour ended where it started, and MemTotal is within 1% (plus the
# descriptor array) of the usable RAM in the printed map.
check_tour() {
	grep -q 'tour: buddyinfo back where it started: yes; invariant check: 0 problems' "$1" || return 1
	awk '
	# hex("0x...") as a number (mawk has no strtonum); exact below 2^53.
	function hex(s,    i, v) {
		s = tolower(substr(s, 3)); v = 0
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	/BIOS-e820: .* usable/ {
		r = $0; sub(/.*\[mem /, "", r); sub(/\].*/, "", r); split(r, a, "-")
		lo = hex(a[1]); hi = hex(a[2]) + 1
		lo = int((lo + 4095) / 4096) * 4096; hi = int(hi / 4096) * 4096
		if (hi > lo) usable += hi - lo
	}
	/^MemTotal:/ { total = $2 * 1024 }
	/^struct page:/ { for (i = 1; i <= NF; i++) if ($i == "memmap") memmap = $(i + 1) * 1024 }
	END {
		gap = usable - total
		printf "  usable %d KiB, MemTotal %d KiB, memmap %d KiB, gap %.2f%% of usable\n", \
			usable / 1024, total / 1024, memmap / 1024, 100 * gap / usable
		exit !(usable > 0 && total > 0 && gap >= 0 && gap <= usable / 100 + memmap)
	}' "$1"
}

stage "make run (the tour) at 512M and 6G" 5
if build_iso "" "$OUT/run.iso"; then
	boot "run-512M" "$OUT/run.iso" 512M
	record "make run: exits with success" $?
	check_tour "$OUT/run-512M.log"
	record "make run: tour returns every frame, MemTotal matches the map" $?
	boot "run-6G" "$OUT/run.iso" 6G
	record "make run MEM=6G: exits with success" $?
	grep -qE '^  Normal +\[mem 0x0000000100000000-' "$OUT/run-6G.log"
	record "make run MEM=6G: Normal zone above 4 GiB" $?
	check_tour "$OUT/run-6G.log"
	record "make run MEM=6G: tour returns every frame, MemTotal within 1% of usable" $?
else
	record "kernel build (run)" 1
fi

stage "make bench --quick, twice: every row of the anchor, the same figures" 10
if scripts/bench.sh --quick >"$OUT/bench1.txt" 2>&1 && scripts/bench.sh --quick >"$OUT/bench2.txt" 2>&1; then
	record "make bench: two runs print identical figures" \
		"$(diff <(grep '^BENCH' "$OUT/bench1.txt") <(grep '^BENCH' "$OUT/bench2.txt") >/dev/null; echo $?)"
	missing=0
	for a in ../shared/anchor/linux-6.1-anchor.txt shared/anchor/linux-6.1-anchor.txt; do
		[ -f "$a" ] || continue
		while read -r op size pattern _; do
			grep -q "^BENCH $op $size $pattern " "$OUT/bench1.txt" || { echo "  missing row: $op $size $pattern"; missing=1; }
		done < <(grep -v '^#' "$a")
		break
	done
	record "make bench: every anchor row is printed" $missing
else
	tail -5 "$OUT/bench1.txt" "$OUT/bench2.txt" 2>/dev/null
	record "make bench: runs" 1
fi

# ---- gdb (scripts/test-gdb.sh): the mm-* commands against a kernel halted with CMDLINE=halt ----
stage "gdb: the mm-* commands of scripts/gdb/mmkern.py read the state the kernel prints" 15
checks "gdb" scripts/test-gdb.sh
# ---- end gdb ----

# ---- replay (scripts/test-replay.sh): traces replayed in QEMU, broken ones, pagemap ----
stage "replay: traces in QEMU, broken traces, pagemap (scripts/test-replay.sh)" 10
checks "replay" scripts/test-replay.sh
# ---- end replay ----

# ---- peers (scripts/test-peers.sh): the hosted replayer of make bench-peers, ours and glibc ----
stage "peers: the hosted trace replayer, ours and glibc on the trimmed trace (scripts/test-peers.sh)" 3
checks "peers" scripts/test-peers.sh
# ---- end peers ----

# ---- hostile input (scripts/test-hostile.sh): mb2dump over tests/data/mbi, fuzz pass, regressions ----
stage "hostile input: mb2dump, a capture, 10 s per fuzz target (scripts/test-hostile.sh)" 95
checks "hostile input" scripts/test-hostile.sh FUZZ_TEST_SECONDS=10
# ---- end hostile input ----

# ---- runner (scripts/test-runner.sh): bad MEM/SMP/ACCEL/TIMEOUT refused, GRUB's out of memory ----
stage "runner: bad MEM, SMP, ACCEL, TIMEOUT refused before QEMU starts; GRUB out of memory" 10
checks "runner" scripts/test-runner.sh
# ---- end runner ----

# ---- docs (scripts/docs-check.sh): README.md's length, generated blocks dated, layout complete ----
stage "docs: README.md at most 250 lines, generated figure blocks dated, layout names every file" 1
checks "docs" scripts/docs-check.sh
# ---- end docs ----

# ---- structure: the house rules of issue 14, on the sources and the kernel's objects ----
stage "structure: no call circle in mm/, mm/ files under 800 lines, C functions under 80" 2
$MAKE -s all >"$OUT/build.log" 2>&1	# build/mm/*.o, read by check-mm-layers.sh
bash scripts/check-mm-layers.sh
record "structure: no call circle between mm/ files (scripts/check-mm-layers.sh)" $?
bash scripts/func-lengths.sh -c mm kernel lib tools tests
record "structure: no C function over 80 lines (scripts/func-lengths.sh)" $?
big=$(wc -l mm/*.c | awk '$2 != "total" && $1 > 800')
[ -z "$big" ] || echo "$big"
record "structure: no mm/*.c over 800 lines" "$([ -z "$big" ]; echo $?)"
[ "$(grep -l contig_node mm/*.c)" = mm/page_alloc.c ]
record "structure: the kernel's node (contig_node) is named in mm/page_alloc.c only" $?
# ---- end structure ----

echo "make test: $STAGES stages in $SECONDS s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
