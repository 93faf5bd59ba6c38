#!/usr/bin/env bash
# scripts/bench-peers.sh - `make bench-peers`: replay real allocation traces through our mm/ and
# four peer allocators (build/peers/replay-<name>, tools/peers/replay.c) and print one row per
# trace and allocator:
#     PEER <trace> <allocator> instr_per_op=<x.y> footprint=<x.yy>
#   instr_per_op  callgrind's instruction count of replay_loop() (the harness's loop and every
#                 allocator call it makes) minus that of the null allocator over the same trace,
#                 over the operations: deterministic, the same on any machine with the same
#                 binaries and libraries.
#   footprint     the peak of what the allocator holds from its backing store above its value
#                 before the replay (the harness samples it after every operation; a second,
#                 native run with -f) over the peak of live requested bytes (README: which figure
#                 each allocator gives).
# Also "PEER-VERSION <allocator> <version>" lines, and "PEERFOOT <trace> mmkern ..." lines: what
# held our frames at the footprint's peak (pages above the base: on the CPU page lists, in slabs,
# free in partial slabs, in empty partial slabs, large kmalloc and page blocks). TRACES="a b" picks the traces (a .gz is
# unpacked into build/traces/); default: the real traces of tests/traces (sqlite3-inserts-head,
# *-real.trace.gz) and the whole shared sqlite3 trace when ../shared/traces has it.
# QUICK=1: ours and glibc only, footprint runs only, no callgrind (instr_per_op=-; CI).
# JOBS=n: runs at once (default: the number of CPUs). SCALE=1: the scaling harness too (below).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=build/peers
ALLOCS=(mmkern glibc jemalloc mimalloc tcmalloc)
[ "${QUICK:-0}" = 1 ] && ALLOCS=(mmkern glibc)
JOBS=${JOBS:-$(nproc)}
OUT=$BIN/bench
mkdir -p "$OUT" build/traces

# The trace files, unpacked.
traces=()
if [ -n "${TRACES:-}" ]; then
	read -r -a given <<<"$TRACES"
else
	given=(tests/traces/sqlite3-inserts-head.trace tests/traces/*-real.trace.gz)
	[ -f ../shared/traces/sqlite3-inserts.trace.gz ] && given+=(../shared/traces/sqlite3-inserts.trace.gz)
fi
for t in "${given[@]}"; do
	[ -f "$t" ] || { echo "bench-peers: no trace $t" >&2; exit 2; }
	case $t in
	*.gz)
		u=build/traces/$(basename "${t%.gz}")
		[ -f "$u" ] && [ "$u" -nt "$t" ] || gzip -dc "$t" >"$u"
		traces+=("$u") ;;
	*) traces+=("$t") ;;
	esac
done

# run_one TRACE ALLOC: $OUT/<trace>.<alloc>.cg (callgrind's total) and .fp (the -f run's line).
run_one() {
	local t=$1 a=$2 base
	base=$OUT/$(basename "$t").$a
	if [ "${QUICK:-0}" != 1 ]; then
		valgrind --tool=callgrind --toggle-collect=replay_loop --callgrind-out-file=/dev/null \
			"$BIN/replay-$a" "$t" >"$base.cgout" 2>"$base.cglog" ||
			{ echo "bench-peers: callgrind run of $a on $t failed:" >&2; tail -5 "$base.cglog" >&2; return 1; }
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$base.cglog" >"$base.cg"
	fi
	[ "$a" = null ] && return 0
	"$BIN/replay-$a" -f "$t" >"$base.fp" 2>"$base.fplog" ||
		{ echo "bench-peers: run of $a on $t failed:" >&2; cat "$base.fplog" "$base.fp" >&2; return 1; }
}

# Every run, JOBS at a time.
pids=()
fail=0
runs=()
for t in "${traces[@]}"; do
	for a in null "${ALLOCS[@]}"; do
		[ "$a" = null ] && [ "${QUICK:-0}" = 1 ] && continue
		runs+=("$t|$a")
	done
done
for r in "${runs[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n || fail=1
	done
	run_one "${r%%|*}" "${r##*|}" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
	wait -n || fail=1
done
[ $fail = 0 ] || { echo "bench-peers: a run failed" >&2; exit 1; }

for a in "${ALLOCS[@]}"; do
	v=$(sed -n 's/.* version=\(.*\) result=.*/\1/p' "$OUT/$(basename "${traces[0]}").$a.fp")
	echo "PEER-VERSION $a $v"
done
for t in "${traces[@]}"; do
	name=$(basename "$t")
	null=
	[ "${QUICK:-0}" = 1 ] || null=$(cat "$OUT/$name.null.cg")
	for a in "${ALLOCS[@]}"; do
		line=$(grep '^PEERRUN ' "$OUT/$name.$a.fp" || true)
		case $line in *result=ok*) ;; *) echo "bench-peers: $a on $name: $line" >&2; exit 1 ;; esac
		ops=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' <<<"$line")
		fp=$(sed -n 's/.* footprint=\([0-9.]*\).*/\1/p' <<<"$line")
		if [ -n "$null" ]; then
			ipo=$(awk -v x="$(cat "$OUT/$name.$a.cg")" -v n="$null" -v o="$ops" \
				'BEGIN { printf "%.1f", (x - n) / o }')
		else
			ipo=-
		fi
		echo "PEER $name $a instr_per_op=$ipo footprint=$fp"
	done
done
# Where our footprint went at its peak (tools/peers/alloc_mmkern.c, pa_report_peak()).
for t in "${traces[@]}"; do
	grep -h '^PEERFOOT ' "$OUT/$(basename "$t").mmkern.fp" || true
done

# SCALE=1: the scaling harness (tools/peers/scale.c) for every allocator, 1 and 2 threads,
# SCALE_RUNS runs each (default 11), its trace pattern over the trimmed sqlite3 trace.
# SCALE-LOAD lines: the host's load averages before and after (other jobs on the CPUs).
if [ "${SCALE:-0}" = 1 ]; then
	echo "SCALE-LOAD before $(cut -d' ' -f1-3 /proc/loadavg)"
	for a in "${ALLOCS[@]}"; do
		"$BIN/scale-$a" -r "${SCALE_RUNS:-11}" -t 2 tests/traces/sqlite3-inserts-head.trace
	done
	echo "SCALE-LOAD after $(cut -d' ' -f1-3 /proc/loadavg)"
fi
