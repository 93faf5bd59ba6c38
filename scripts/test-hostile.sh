#!/usr/bin/env bash
# scripts/test-hostile.sh - the hostile-input checks of `make test` (scripts/test.sh counts the
# PASS and FAIL lines it prints):
#  1. build/host/mb2dump and build/host/mkmbi build (ASan + UBSan);
#  2. mkmbi regenerates exactly the hostile blocks kept in tests/data/mbi;
#  3. mb2dump survives every block of tests/data/mbi: no signal, no sanitizer report, the exit
#     status its .expect file names (0 for captured blocks), and every expected line: for a
#     captured block (qemu-*) the kernel's own boot-log lines, identical; for a hostile one the
#     messages that must appear (fixed strings);
#  4. a block captured from the kernel as it is now (scripts/capture-mbi.sh: a QEMU boot with
#     CMDLINE=dump-mbi) gives the boot's own lines identically, so mb2dump cannot drift from
#     kernel/setup.c unnoticed;
#  5. the kernel on hostile or mistaken command lines: seven short boots at 512M (memmap=100G@0
#     with mem=0 and 17 memmap= entries; exactmap over no RAM with a ktest= glob that matches
#     nothing; exactmap alone; too little RAM for the frame descriptors; bench=xyz; hz= out of
#     range and not a number; hz=0), each checked
#     for its one-line messages, no panic and its exit status; ktap-check and ktest-host on a
#     glob that matches nothing;
#  6. a short pass of every libFuzzer target (FUZZ_TEST_SECONDS each, default 10), then every
#     regression and corpus input once (scripts/fuzz.sh).
set -uo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
OUT=build/test/hostile
SECONDS_PER_TARGET=${FUZZ_TEST_SECONDS:-10}
mkdir -p "$OUT"

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }

# ---- 1. build ----
if ! $MAKE -s mb2dump >"$OUT/build.log" 2>&1; then
	cat "$OUT/build.log"
	fail "mb2dump: build"
else
	pass "mb2dump: build/host/mb2dump and build/host/mkmbi build with ASan and UBSan"

	# ---- 2. the generator and the kept blocks agree ----
	rm -rf "$OUT/gen" && mkdir -p "$OUT/gen"
	if build/host/mkmbi "$OUT/gen" >"$OUT/mkmbi.log" 2>&1; then
		diffs=$(diff <(cd "$OUT/gen" && ls) <(cd tests/data/mbi && ls hostile-*) 2>&1;
			for f in "$OUT"/gen/*; do
				cmp -s "$f" "tests/data/mbi/$(basename "$f")" || echo "differs: $(basename "$f")"
			done)
		if [ -z "$diffs" ]; then
			pass "mkmbi: regenerates the $(ls "$OUT/gen" | grep -c '\.mbi$') hostile blocks of tests/data/mbi exactly"
		else
			echo "$diffs" | head -5 | sed 's/^/    /'
			fail "mkmbi: tests/data/mbi differs from build/host/mkmbi's output (rerun: build/host/mkmbi tests/data/mbi)"
		fi
	else
		cat "$OUT/mkmbi.log"
		fail "mkmbi: runs"
	fi

	# ---- 3. mb2dump over every block ----
	for f in tests/data/mbi/*.mbi; do
		name=$(basename "$f" .mbi)
		exp=tests/data/mbi/$name.expect
		log=$OUT/$name.out
		args=() want=0 captured=0 problems=()
		case $name in qemu-*) captured=1 ;; esac
		if [ -f "$exp" ]; then
			read -r -a args <<<"$(sed -n 's/^# mb2dump-args: //p' "$exp")"
			w=$(sed -n 's/^# mb2dump-exit: //p' "$exp")
			want=${w:-0}
		else
			problems+=("no $exp")
		fi
		timeout 120 build/host/mb2dump "${args[@]}" "$f" >"$log" 2>&1
		rc=$?
		[ "$rc" -lt 128 ] && [ "$rc" != 124 ] || problems+=("killed or crashed (status $rc)")
		grep -qE 'AddressSanitizer|LeakSanitizer|runtime error|Kernel panic' "$log" &&
			problems+=("sanitizer or panic report")
		[ "$rc" = "$want" ] || problems+=("exit status $rc, expected $want")
		tail -1 "$log" | grep -q '^mb2dump: result: ' || problems+=("no result line")
		n=0
		if [ -f "$exp" ]; then
			while IFS= read -r line; do
				case $line in '#'* | '') continue ;; esac
				n=$((n + 1))
				if [ "$captured" = 1 ]; then
					grep -qxF -- "$line" "$log" || problems+=("kernel line not printed identically: $line")
				else
					grep -qF -- "$line" "$log" || problems+=("missing: $line")
				fi
			done <"$exp"
		fi
		if [ "$captured" = 1 ]; then
			grep -q '^Zone ranges:' "$log" && grep -q '^BIOS-e820: ' "$log" || problems+=("no map or zones")
		fi
		if [ "${#problems[@]}" = 0 ]; then
			if [ "$captured" = 1 ]; then
				pass "mb2dump $name.mbi (captured): exit 0, the kernel's $n lines identical"
			else
				pass "mb2dump $name.mbi: exit $rc, $n expected messages ($(tail -1 "$log" | sed 's/^mb2dump: result: //'))"
			fi
		else
			printf '    %s\n' "${problems[@]:0:5}"
			fail "mb2dump $name.mbi (output in $log)"
		fi
	done
fi

# ---- 3b. the kernel as it is now: capture a block, mb2dump must print the boot's lines ----
if [ -x build/host/mb2dump ]; then
	if bash scripts/capture-mbi.sh -o "$OUT/now-512M.mbi" -M README.md 512M >"$OUT/capture.log" 2>&1; then
		read -r -a args <<<"$(sed -n 's/^# mb2dump-args: //p' "$OUT/now-512M.expect")"
		build/host/mb2dump "${args[@]}" "$OUT/now-512M.mbi" >"$OUT/now-512M.out" 2>&1
		rc=$?
		missing=$(grep -v '^#' "$OUT/now-512M.expect" | grep -vxFf "$OUT/now-512M.out")
		if [ "$rc" = 0 ] && [ -z "$missing" ]; then
			pass "mb2dump: a block captured now (512M, a module) gives the boot's $(grep -vc '^#' "$OUT/now-512M.expect") lines identically"
		else
			echo "$missing" | head -5 | sed 's/^/    /'
			fail "mb2dump: out of step with kernel/setup.c (exit $rc; $OUT/now-512M.out vs .expect)"
		fi
	else
		tail -3 "$OUT/capture.log"
		fail "capture-mbi: boot with CMDLINE=dump-mbi and capture the block"
	fi
fi

# ---- 5. the kernel itself on hostile or mistaken command lines (short QEMU boots, 512M) ----
# boot_case NAME STATUS CMDLINE PATTERN...: build an ISO with CMDLINE (write $ as $$), boot it
# in 512M, and check: no panic or CPU exception, the exit status (0, or 1 = the kernel's own
# "mmkern: FAILED"), and one line matching each extended regex PATTERN. The log is
# $OUT/boot-NAME.log.
boot_case() {
	local name=$1 want=$2 cmdline=$3 log=$OUT/boot-$1.log problems=() t0=$SECONDS rc re
	shift 3
	if ! $MAKE -s all CMDLINE="$cmdline" >"$OUT/boot-$name.build" 2>&1; then
		tail -5 "$OUT/boot-$name.build"
		fail "boot $name: kernel build with CMDLINE='$cmdline'"
		return 1
	fi
	cp build/kernel.iso "$OUT/boot-$name.iso"
	scripts/qemu-run.sh -i "$OUT/boot-$name.iso" -m 512M -t 120 -l "$log" >/dev/null 2>&1
	rc=$?
	tr -d '\r' <"$log" >"$log.txt"
	grep -qE 'Kernel panic|CPU exception' "$log.txt" && problems+=("$(grep -m1 -E 'Kernel panic|CPU exception' "$log.txt")")
	[ "$rc" = "$want" ] || problems+=("exit status $rc, expected $want")
	[ "$want" = 0 ] || grep -q '^mmkern: FAILED, exiting' "$log.txt" || problems+=("no 'mmkern: FAILED, exiting' line")
	for re in "$@"; do
		grep -qE -- "$re" "$log.txt" || problems+=("no line matching /$re/")
	done
	if [ "${#problems[@]}" = 0 ]; then
		pass "boot $name: exit $rc, no panic, the $# expected lines ($((SECONDS - t0)) s; $log)"
		return 0
	fi
	printf '    %s\n' "${problems[@]:0:5}"
	fail "boot $name: CMDLINE='${cmdline:0:100}' (log $log)"
	return 1
}

# memmap= declaring RAM the machine lacks: dropped in one line, the kernel goes on (no page
# fault in buddy_put); mem=0 and the 17th memmap= entry get their own one-line warnings.
seventeen=$(for i in $(seq 16); do printf ' memmap=4K$$0x9f000'; done)
boot_case memmap-100G 0 "memmap=100G@0 mem=0$seventeen ktest=memmap" \
	"^e820: memmap= usable RAM the boot loader's map does not have, dropped: \[mem 0x00000000000a0000-0x00000018ffffffff\]" \
	'^cmdline: mem=0 is below 4 MiB, ignored$' \
	'^cmdline: memmap=4K\$0x9f000 ignored: too many memmap= entries \(max 16\)$' \
	'^direct map: \[mem 0x0-0x1ffdffff\]' '^# ktest: [0-9]+ cases, 0 failed$'
if [ -f "$OUT/boot-memmap-100G.log.txt" ] && ! grep -q "bad value for 'memmap'" "$OUT/boot-memmap-100G.log.txt"; then
	pass "boot memmap-100G: the 17th memmap= entry is not called a bad value"
else
	fail "boot memmap-100G: the 17th memmap= entry is not called a bad value"
fi

# exactmap whose only range is not RAM: dropped, the firmware map used; and a ktest= glob that
# matches nothing fails, with a line, and scripts/ktap-check fails its log too.
boot_case exactmap-8G 1 'memmap=exactmap memmap=64M@8G ktest=nosuch_suite' \
	"^e820: memmap= usable RAM the boot loader's map does not have, dropped: \[mem 0x0000000200000000-0x0000000203ffffff\] \(1 range, 65536K\)" \
	"^e820: memmap=exactmap leaves no usable RAM that the boot loader's map has: exactmap ignored" \
	"^ktest: no test suite or case matches 'nosuch_suite': 0 tests run$"
printf 'KTAP version 1\n1..0\n' >"$OUT/ktap-plan0.log"
[ -f "$OUT/boot-exactmap-8G.log.txt" ] && cp "$OUT/boot-exactmap-8G.log.txt" "$OUT/ktap-plan0.log"
scripts/ktap-check "$OUT/ktap-plan0.log" >"$OUT/ktap-plan0.out" 2>&1
if [ $? = 1 ] && grep -q '^FAIL ktap: plan 1..0, no tests run' "$OUT/ktap-plan0.out"; then
	pass "ktap-check: fails a log whose ktest= glob matched nothing (plan 1..0)"
else
	cat "$OUT/ktap-plan0.out"
	fail "ktap-check: fails a log whose ktest= glob matched nothing (plan 1..0)"
fi

# memmap=exactmap and nothing else: ignored with a line that says so, not "no memory map".
boot_case exactmap-alone 0 'memmap=exactmap ktest=cmdline' \
	"^e820: memmap=exactmap without a memmap= range: ignored, the boot loader's map is used$" \
	'^# ktest: [0-9]+ cases, 0 failed$'

# Too little RAM for every section's frame descriptors: those sections are dropped in one line.
# (How many depends on what the kernel image leaves of the 4 MiB at 1M: one or two of them.)
boot_case vmemmap-oom 0 'memmap=exactmap memmap=4M@1M memmap=512K@128M memmap=512K@256M memmap=512K@384M ktest=cmdline' \
	'^setup: out of memory for the frame descriptors of [12] sections in \[mem 0x00000000(08|10)000000-0x0000000017ffffff\]: their (512|1024)K of RAM dropped$' \
	'^# ktest: [0-9]+ cases, 0 failed$'

# bench= with an unknown value: one line naming the accepted values, nothing run, failure.
boot_case bench-xyz 1 'bench=xyz' \
	'^cmdline: bench=xyz: no such benchmark \(accepted: bench, bench=init, bench=smp\): nothing is run$'
if [ -f "$OUT/boot-bench-xyz.log.txt" ] && ! grep -qE '^(BENCH|Memory:|tour)' "$OUT/boot-bench-xyz.log.txt"; then
	pass "boot bench-xyz: no benchmark and no memory set-up ran"
else
	fail "boot bench-xyz: no benchmark and no memory set-up ran"
fi

# hz= out of range or not a number: one line each, the default rate, the kernel goes on; hz=0:
# the timer off, said in a line, and the irq suite skips its timer cases.
boot_case hz-bad 0 'hz=5000 hz=12x ktest=irq' \
	'^cmdline: hz=5000: expected 0 \(timer off\) to 1000: using 100$' \
	'^cmdline: hz=12x: expected 0 \(timer off\) to 1000: using 100$' \
	'^irq: interrupts on, LAPIC timer 100 Hz on 1 CPU \(vector 0xec\)$' \
	'^# ktest: [0-9]+ cases, 0 failed$'
boot_case hz-0 0 'hz=0 ktest=irq' \
	'^irq: LAPIC timer off \(hz=0\)$' '^irq: interrupts on, no timer, 1 CPU$' \
	'ok 1 timer_ticks_on_every_cpu # SKIP' '^# ktest: [0-9]+ cases, 0 failed$'

# The host runner: a glob that matches nothing fails with the same line.
if $MAKE -s build/host/ktest-host >"$OUT/host-build.log" 2>&1; then
	build/host/ktest-host 'nosuch*' >"$OUT/host-nomatch.log" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && grep -q "^ktest: no test suite or case matches 'nosuch\*': 0 tests run$" "$OUT/host-nomatch.log"; then
		pass "ktest-host 'nosuch*': exit $rc with 'no test suite or case matches'"
	else
		cat "$OUT/host-nomatch.log"
		fail "ktest-host 'nosuch*': must fail with 'no test suite or case matches' (exit $rc)"
	fi
else
	fail "ktest-host: build"
fi

# ---- 6. fuzzing ----
if ! $MAKE -s fuzz-build >"$OUT/fuzz-build.log" 2>&1; then
	tail -20 "$OUT/fuzz-build.log"
	fail "fuzz: build (clang -fsanitize=fuzzer,address,undefined)"
	exit 1
fi
bash scripts/fuzz.sh run -s "$SECONDS_PER_TARGET"
bash scripts/fuzz.sh regress
exit 0
