#!/usr/bin/env bash
# scripts/test-runner.sh - the runner's input checks (scripts/qemu-run.sh and make run/debug/bench):
#  1. every bad MEM, SMP, ACCEL or TIMEOUT (and a MEM too small to boot) gets one line naming
#     it on stderr and a non-zero status within seconds, and QEMU is never started (a stand-in
#     qemu-system-x86_64 first in PATH records any start), from qemu-run.sh and from make;
#  2. the smallest MEM accepted, and the other good forms, pass the check;
#  3. GRUB's own "out of memory" is reported, fast and as a failure: a 3 MiB module at MEM=8M
#     (GRUB boots the kernel without it), and the kernel itself at MEM=3M (with the minimum
#     lowered by QEMU_MIN_MEM_MIB=1, so GRUB really runs out).
# One "PASS runner: ..." / "FAIL runner: ..." line per check; exit status 1 on any failure.
# Used by scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

OUT=build/test/runner
MAKE=${MAKE:-make}
mkdir -p "$OUT/bin"
unset MEM SMP NUMA NUMA_DIST ACCEL TIMEOUT CMDLINE MODULES
pass=0
fail=0
. scripts/test-lib.sh	# record NAME STATUS

# The stand-in QEMU: records that it was started, then fails.
STARTED=$OUT/qemu-started
cat >"$OUT/bin/qemu-system-x86_64" <<EOF
#!/bin/sh
echo "\$*" >>"$PWD/$STARTED"
exit 1
EOF
chmod +x "$OUT/bin/qemu-system-x86_64"

# refused LABEL VAR=VALUE COMMAND...: COMMAND (run with VAR=VALUE in its environment and the
# stand-in QEMU first in PATH) fails within 10 s, prints a line naming VAR=VALUE, and QEMU is
# not started.
refused() {
	local label=$1 assign=$2 t0=$SECONDS rc problems=()
	shift 2
	rm -f "$STARTED"
	env PATH="$PWD/$OUT/bin:$PATH" "$assign" "$@" >"$OUT/out" 2>&1 </dev/null
	rc=$?
	[ "$rc" != 0 ] || problems+=("status 0")
	[ $((SECONDS - t0)) -le 10 ] || problems+=("took $((SECONDS - t0)) s")
	[ ! -e "$STARTED" ] || problems+=("QEMU was started")
	[ "$(grep -cF "qemu-run: $assign" "$OUT/out")" = 1 ] || problems+=("no line naming $assign")
	[ "${#problems[@]}" = 0 ] || echo "    ${problems[*]}: $(head -3 "$OUT/out" | tr '\n' ' ')"
	record "runner: $label $assign: $(grep -F "qemu-run: $assign" "$OUT/out" | head -1 |
		cut -c1-60)..." "${#problems[@]}"
}

for bad in MEM=abc MEM=512MB MEM=7M MEM=5M MEM=1M SMP=0 SMP=abc SMP=300 ACCEL=foo TIMEOUT=x TIMEOUT=-1; do
	var=${bad%%=*}
	flag=$(case $var in MEM) echo -m ;; SMP) echo -s ;; ACCEL) echo -a ;; TIMEOUT) echo -t ;; esac)
	# the value both ways: as an option, and as the variable qemu-run.sh reads by default
	refused "qemu-run.sh $flag" "$bad" scripts/qemu-run.sh -l "$OUT/serial.log" "$flag" "${bad#*=}"
	refused "qemu-run.sh, environment" "$bad" scripts/qemu-run.sh -l "$OUT/serial.log"
done
for target in run debug; do
	for bad in MEM=3M SMP=abc ACCEL=foo TIMEOUT=x; do
		[ "$target" = debug ] && [ "$bad" = TIMEOUT=x ] && continue
		refused "make $target" "$bad" $MAKE -s "$target" "$bad" SERIAL_LOG="$OUT/serial.log"
	done
done
refused "make bench" SMP=0 $MAKE -s bench SMP=0

ok=0
for good in "-m 8M" "-m 8192K" "-m 1.5G" "-s 4,sockets=2 -a tcg -t 0" "-m 4G -s 2 -n 2 -t 30"; do
	# shellcheck disable=SC2086 # the options are words
	scripts/qemu-run.sh -V $good 2>"$OUT/out" || { echo "    refused: $good: $(cat "$OUT/out")"; ok=1; }
done
record "runner: MEM=8M (the least allowed) and other good values pass the check" $ok

# grub_oom LABEL ISO MEM STATUS-TEXT: boots ISO at MEM; GRUB's own out-of-memory line must be
# reported with status 4, in seconds rather than at the timeout.
grub_oom() {
	local t0=$SECONDS rc problems=()
	scripts/qemu-run.sh -i "$2" -m "$3" -t 120 -l "$OUT/$1.log" >/dev/null 2>"$OUT/$1.err"
	rc=$?
	[ "$rc" = 4 ] || problems+=("status $rc")
	[ $((SECONDS - t0)) -le 60 ] || problems+=("took $((SECONDS - t0)) s")
	grep -q "^qemu-run: $4: error: out of memory\." "$OUT/$1.err" ||
		problems+=("no \"$4: error: out of memory.\"")
	[ "${#problems[@]}" = 0 ] || echo "    ${problems[*]}: $(tail -2 "$OUT/$1.err" | tr '\n' ' ')"
	record "runner: MEM=$3, GRUB out of memory: $(tail -1 "$OUT/$1.err" | cut -c 11-90)..." \
		"${#problems[@]}"
}

head -c 3M /dev/zero >"$OUT/3M.module"
if $MAKE -s all CMDLINE= MODULES="$OUT/3M.module" >"$OUT/build.log" 2>&1; then
	cp build/kernel.iso "$OUT/module.iso"
	grub_oom module "$OUT/module.iso" 8M "GRUB started the kernel without what it could not load"
	QEMU_MIN_MEM_MIB=1 grub_oom kernel "$OUT/module.iso" 3M "GRUB could not boot the kernel"
else
	tail -5 "$OUT/build.log"
	record "runner: kernel build with a 3 MiB module" 1
fi

echo "runner: $pass passed, $fail failed"
[ "$fail" = 0 ]
