#!/usr/bin/env bash
# scripts/bench.sh - `make bench`: boot the kernel with CMDLINE=bench in the anchor's exact QEMU
# configuration (-accel tcg -icount shift=0 -cpu max -m 512M -smp 1: the guest TSC counts
# instructions, so every figure is deterministic), print the BENCH rows, then the memory set-up
# rows at several RAM sizes, then a comparison with Linux 6.1's figures (shared/anchor).
# ACCEL=kvm prints the same rows in TSC cycles instead. Options: --quick (main rows only, no
# comparison; used by make test), --out FILE (also save the output).
set -uo pipefail
cd "$(dirname "$0")/.."

ACCEL=${ACCEL:-tcg}
QUICK=0
OUTFILE=
INIT_SIZES=${BENCH_INIT_SIZES:-"128M 1G 4G 16G 64G"}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--out) OUTFILE=$2; shift ;;
	*) echo "bench: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
B=build/bench
mkdir -p "$B"
[ -n "$OUTFILE" ] && exec > >(tee "$OUTFILE")

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
boot_bench() {
	make -s all CMDLINE="$1" >"$B/build.log" 2>&1 || { cat "$B/build.log" >&2; return 1; }
	cp build/kernel.iso "$B/bench.iso"
	scripts/qemu-run.sh -i "$B/bench.iso" -m "$2" -s 1 -a "$ACCEL" -t 900 -l "$3" \
		-- "${EXTRA[@]}" >/dev/null 2>"$3.err" || { cat "$3.err" >&2; return 1; }
}

echo "# make bench: $(qemu-system-x86_64 --version | head -1), $(date -u +%Y-%m-%d)"
echo "# mode: $MODE"
echo "# method: the Linux anchor's loops; min of 5 reps; N=10000 objects, 1000 page blocks (32 for order 9)"
boot_bench bench 512M "$B/main.log" || exit 1
tr -d '\r' <"$B/main.log" | grep '^BENCH ' | grep -v ' mm_init_\| struct_page_bytes ' >"$B/rows.txt"
cat "$B/rows.txt"
[ "$QUICK" = 1 ] && exit 0

for mem in $INIT_SIZES; do
	boot_bench bench=init "$mem" "$B/init-$mem.log" || exit 1
	tr -d '\r' <"$B/init-$mem.log" | grep '^BENCH ' | tee -a "$B/rows.txt"
done

[ -n "$ANCHOR" ] || { echo "# no anchor file found beside the project: no comparison"; exit 0; }
echo
echo "# ours versus Linux 6.1 (ratio = ours / Linux; target 0.5, fast paths 0.25)"
awk '
	NR == FNR { if ($0 !~ /^#/ && NF == 4) linux[$1 " " $2 " " $3] = $4; next }
	$1 == "BENCH" && (($2 " " $3 " " $4) in linux) {
		l = linux[$2 " " $3 " " $4]
		printf "COMPARE %-22s %5s %-5s ours %6d linux %6d ratio %.2f\n", $2, $3, $4, $5, l, $5 / l
	}' "$ANCHOR" "$B/rows.txt"
