#!/usr/bin/env bash
# scripts/bench.sh - `make bench`: boot the kernel with CMDLINE=bench in the anchor's exact QEMU
# configuration (-accel tcg -icount shift=0 -cpu max -m 512M -smp 1: the guest TSC counts
# instructions, so every figure is deterministic), print the BENCH rows, then the memory set-up
# rows at several RAM sizes, then a comparison with Linux 6.1's figures (shared/anchor).
# ACCEL=kvm prints the same rows in TSC cycles instead.
# With SMP=N (N > 1; NUMA=M and NUMA_DIST as for make run), a second boot with N CPUs under
# multi-threaded TCG (no -icount: it needs one thread) and CMDLINE=bench=smp adds the scaling
# rows, "BENCH smp <op> <size> <pattern> cpus=<k> ...", for k = 1, 2, 4 CPUs allocating at once:
# wall-clock TSC cycles, which vary from run to run.
# Options: --quick (main rows only: no set-up rows, comparison or SMP rows; used by make test),
# --smp-only (only the SMP rows), --out FILE (also save the output).
set -uo pipefail
cd "$(dirname "$0")/.."

ACCEL=${ACCEL:-tcg}
SMP=${SMP:-1}
NUMA=${NUMA:-1}
NUMA_DIST=${NUMA_DIST:-}
QUICK=0
SMP_ONLY=0
OUTFILE=
INIT_SIZES=${BENCH_INIT_SIZES:-"128M 1G 4G 16G 64G"}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--smp-only) SMP_ONLY=1 ;;
	--out) OUTFILE=$2; shift ;;
	*) echo "bench: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
B=build/bench
mkdir -p "$B"
[ -n "$OUTFILE" ] && exec > >(tee "$OUTFILE")

if ! [[ $SMP =~ ^[0-9]+$ ]] || [ "$SMP" -lt 1 ]; then
	echo "bench: SMP=$SMP: expected a CPU count" >&2
	exit 2
fi
SMP_PASS=0
[ "$SMP" -gt 1 ] && [ "$QUICK" = 0 ] && SMP_PASS=1
[ "$SMP_ONLY" = 1 ] && SMP_PASS=1
[ "$SMP_PASS" = 1 ] && [ "$SMP" = 1 ] && { echo "bench: --smp-only needs SMP=2 or more" >&2; exit 2; }
if [ "$SMP_PASS" = 1 ] || [ "$NUMA" != 1 ] || [ -n "$NUMA_DIST" ]; then
	# Check the SMP/NUMA flags now rather than after the deterministic boots (which always run
	# with one CPU and no NUMA nodes: SMP, NUMA and NUMA_DIST are for the SMP rows).
	scripts/qemu-run.sh -c -m 512M -s "$SMP" -n "$NUMA" -d "$NUMA_DIST" \
		-a "$ACCEL" >/dev/null || exit 2
fi

ANCHOR=
for a in ../shared/anchor/linux-6.1-anchor.txt shared/anchor/linux-6.1-anchor.txt; do
	[ -f "$a" ] && ANCHOR=$a && break
done

if [ "$ACCEL" = kvm ]; then
	MODE="KVM: figures are TSC cycles per op (not comparable one to one with the anchor)"
	EXTRA=()
else
	MODE="TCG -icount shift=0: figures are guest instructions per op (deterministic)"
	EXTRA=(-icount shift=0)
fi

# boot_bench CMDLINE MEM LOG: build an ISO for CMDLINE and boot it; BENCH lines end up in LOG.
# The deterministic boots: one CPU, no NUMA nodes, whatever SMP and NUMA say.
boot_bench() {
	make -s all CMDLINE="$1" >"$B/build.log" 2>&1 || { cat "$B/build.log" >&2; return 1; }
	cp build/kernel.iso "$B/bench.iso"
	scripts/qemu-run.sh -i "$B/bench.iso" -m "$2" -s 1 -n 1 -d '' -a "$ACCEL" -t 900 -l "$3" \
		-- "${EXTRA[@]}" >/dev/null 2>"$3.err" || { cat "$3.err" >&2; return 1; }
}

# smp_bench: boot CMDLINE=bench=smp with SMP CPUs (and NUMA nodes) in parallel, print its rows
# and how they scale.
smp_bench() {
	local log=$B/smp.log host_cores mode numa=
	host_cores=$(nproc 2>/dev/null || echo 1)
	[ "$NUMA" -gt 1 ] && numa=", NUMA=$NUMA${NUMA_DIST:+ (distance $NUMA_DIST)}"
	if [ "$ACCEL" = kvm ]; then
		mode="KVM"
	else
		mode="-accel tcg,thread=multi (no -icount)"
	fi
	local over=
	[ "$SMP" -gt "$host_cores" ] && over="; $SMP vCPUs on $host_cores host cores: beyond"\
" cpus=$host_cores the vCPUs take turns on the host cores, so no scaling is possible there"
	echo "# smp: $SMP CPUs$numa, $mode, on $host_cores host cores: figures are wall-clock TSC" \
		"cycles per op, not instruction counts, and vary from run to run$over"
	echo "# smp: k CPUs run the loop at once; cycles_per_op = mean of each CPU's own;" \
		"per_cpu_vs_1 = 1-CPU cycles / k-CPU cycles (1.00 = no slow-down);" \
		"total_vs_1 = throughput / 1-CPU throughput (ideal: k)"
	make -s all CMDLINE=bench=smp >"$B/build.log" 2>&1 || { cat "$B/build.log" >&2; return 1; }
	cp build/kernel.iso "$B/bench-smp.iso"
	scripts/qemu-run.sh -i "$B/bench-smp.iso" -m 512M -s "$SMP" -n "$NUMA" -d "$NUMA_DIST" \
		-a "$ACCEL" -t 900 -l "$log" >/dev/null 2>"$log.err"
	local rc=$?
	tr -d '\r' <"$log" | grep -a '^bench smp: .*online' | sed 's/^/# kernel: /'
	tr -d '\r' <"$log" | grep -a '^BENCH smp ' >"$B/smp-rows.txt"
	cat "$B/smp-rows.txt"
	if [ ! -s "$B/smp-rows.txt" ] && grep -aq 'bench=smp' "$log" &&
		! grep -aq '^bench smp:' "$log"; then
		echo "bench: the kernel does not know bench=smp (kernel/main.c must pass it to" \
			"kernel_bench_smp())" >&2
		return 1
	fi
	if [ "$rc" != 0 ] || [ ! -s "$B/smp-rows.txt" ]; then
		grep -a 'bench smp:\|Kernel panic\|BUG\|bad page\|corrupt' "$log" | tail -20 >&2
		cat "$log.err" >&2
		return 1
	fi
	echo "# smp scaling: total throughput with k CPUs / with 1 CPU"
	awk '{
		key = $3 " " $4 " " $5
		if (!(key in line)) order[++n] = key
		for (i = 6; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
		line[key] = line[key] sprintf("  cpus=%s %s", f["cpus"], f["total_vs_1"])
	} END {
		for (i = 1; i <= n; i++) printf "#   %-30s%s\n", order[i], line[order[i]]
	}' "$B/smp-rows.txt"
}

echo "# make bench: $(qemu-system-x86_64 --version | head -1), $(date -u +%Y-%m-%d)"
if [ "$SMP_ONLY" = 1 ]; then
	smp_bench
	exit
fi
echo "# mode: $MODE"
echo "# method: the Linux anchor's loops; min of 5 reps; N=10000 objects, 1000 page blocks (32 for order 9)"
boot_bench bench 512M "$B/main.log" || exit 1
tr -d '\r' <"$B/main.log" | grep '^BENCH ' | grep -v ' mm_init_\| struct_page_bytes ' >"$B/rows.txt"
cat "$B/rows.txt"
# the loops run with interrupts on: how many timer ticks landed in them (kernel/bench.c)
tr -d '\r' <"$B/main.log" | grep -a '^bench: .*\(timer\|interrupts\)' | sed 's/^/# kernel: /'
[ "$QUICK" = 1 ] && exit 0

for mem in $INIT_SIZES; do
	boot_bench bench=init "$mem" "$B/init-$mem.log" || exit 1
	tr -d '\r' <"$B/init-$mem.log" | grep '^BENCH ' | tee -a "$B/rows.txt"
done

if [ -n "$ANCHOR" ]; then
	echo
	echo "# ours versus Linux 6.1 (ratio = ours / Linux; target 0.5, fast paths 0.25)"
	awk '
		NR == FNR { if ($0 !~ /^#/ && NF == 4) linux[$1 " " $2 " " $3] = $4; next }
		$1 == "BENCH" && (($2 " " $3 " " $4) in linux) {
			l = linux[$2 " " $3 " " $4]
			printf "COMPARE %-22s %5s %-5s ours %6d linux %6d ratio %.2f\n", $2, $3, $4, $5, l, $5 / l
		}' "$ANCHOR" "$B/rows.txt"
else
	echo "# no anchor file found beside the project: no comparison"
fi
[ "$SMP_PASS" = 1 ] || exit 0
echo
smp_bench
