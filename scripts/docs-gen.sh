#!/usr/bin/env bash
# scripts/docs-gen.sh - regenerate every block of figures in README.md and docs/*.md from real
# runs, dated. Nothing in a generated block is pasted by hand (scripts/docs-check.sh checks
# the markers and the dates; scripts/docs-lib.sh says what a block is).
#
#   scripts/docs-gen.sh [--bench FILE] [GROUP...]      (default: every group but png)
#
# Groups, each one run (never two guests at once; everything under build/docs/):
#   run     make run (512M): README.md run-sample; docs/design.md kmalloc-waste, slabinfo-sample
#   numa    make run SMP=4 NUMA=2: docs/design.md numa-sample
#   gdb     scripts/test-gdb.sh (CMDLINE=halt under gdb): docs/debugging.md gdb-session
#   replay  make run CMDLINE="replay pagemap" with the whole sqlite3 trace from ../shared/traces
#           (the trimmed tests/traces copy without it): docs/replay.md replay-sample,
#           pagemap-sample
#   stages  scripts/test.sh's stage lines (no boot): docs/testing.md test-stages
#   bench   SMP=4 scripts/bench.sh (minutes: boots up to 64G) through scripts/bench-table.sh:
#           docs/benchmarks.md bench; --bench FILE uses that saved output instead
#   peers   make bench-peers (minutes: callgrind over every trace): README.md peers-summary and
#           docs/peers.md peers-table; --peers FILE uses that saved output instead; with SCALE
#           lines in FILE (make bench-peers SCALE=1) also docs/peers.md peers-scale
#   png     make pagemap with the whole trace (installs python3-matplotlib when missing): copies
#           the frame map at the trace's peak to docs/replay-pagemap-sqlite3.png and dates it in
#           docs/replay.md pagemap-png
#   mobility  make run CMDLINE="ktest=churn* pagemap" (512M) and tools/pagemap.py: the churn
#           test's frames by migratetype before and after compaction to docs/fragmentation-churn.png
#           and its CHURN lines, in README.md churn
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/docs-lib.sh

ME=scripts/docs-gen.sh
OUT=build/docs
MAKE=${MAKE:-make}
BENCH_FILE=
PEERS_FILE=
mkdir -p "$OUT"
# every run names its own machine: nothing leaks in from the caller's environment
unset SMP NUMA NUMA_DIST MEM CMDLINE MODULES QEMU_EXTRA ACCEL

groups=()
while [ $# -gt 0 ]; do
	case $1 in
	--bench) BENCH_FILE=$2; shift ;;
	--peers) PEERS_FILE=$2; shift ;;
	run|numa|gdb|replay|stages|bench|png|mobility|peers) groups+=("$1") ;;
	*) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done
[ ${#groups[@]} -gt 0 ] || groups=(run numa gdb replay stages bench peers)

# boot NAME MAKE-ARGS...: `make run` with those arguments, serial log in $OUT/NAME.log; sets
# $took to the seconds it took (build included).
boot() {
	local name=$1 t0=$SECONDS
	shift
	if ! $MAKE -s run "$@" SERIAL_LOG="$OUT/$name.log" >"$OUT/$name.out" 2>&1; then
		echo "docs-gen: make run $* failed: $(tail -2 "$OUT/$name.out")" >&2
		return 1
	fi
	took=$((SECONDS - t0))
	tr -d '\r' <"$OUT/$name.log" | sed 's/[[:space:]]*$//' >"$OUT/$name.txt"
}

# fence TEXT: TEXT as a code block.
fence() {
	printf '```\n%s\n```' "$(sed 's/[[:space:]]*$//' <<<"$1")"
}

gen_run() {
	$MAKE -s all CMDLINE= >"$OUT/build.log" 2>&1 || { tail -5 "$OUT/build.log" >&2; return 1; }
	boot run MEM=512M || return 1
	local sample waste slabinfo
	# The boot summary and the tour's first and last steps; "..." where lines are left out.
	sample=$(awk '
		function keep() { if (gap && n) print "..."; print; gap = 0; n++ }
		/^(mmkern:|Boot loader:|Command line:|BIOS-provided|BIOS-e820:|reserve |ACPI:|direct map:|Freeing |Zone ranges:|  (DMA|DMA32|Normal) |zone |struct page:|Memory:|smp:|irq: interrupts on)/ { keep(); next }
		/^Mem(Total|Free):/ && !mem[$1]++ { keep(); next }
		/^Node / && !nodes_done { keep(); in_nodes = 1; next }
		in_nodes { nodes_done = 1; in_nodes = 0 }
		/^tour: one page/ { keep(); one = 1; next }
		one && /^  (alloc_page |buddyinfo with the page taken)/ { keep(); next }
		one && /^tour:/ { one = 0 }
		/^tour: buddyinfo back where it started/ || /^slab tour: (kmem_cache_create|everything freed)/ { keep(); next }
		{ gap = 1 }' "$OUT/run.txt")
	replace_block README.md run-sample "$ME" "$(gen_stamp "$ME run" "\`make run\` at 512 MiB, $took s with the kernel built")
$(fence "$sample")" || return 1
	waste=$(sed -n '/^slab tour: what a kmalloc request really costs/,/^  (.*classes/p' "$OUT/run.txt")
	[ -n "$waste" ] || { echo "docs-gen: no wastage table in $OUT/run.txt" >&2; return 1; }
	replace_block docs/design.md kmalloc-waste "$ME" "$(gen_stamp "$ME run" "the slab tour of \`make run\`")
$(fence "$waste")" || return 1
	slabinfo=$(awk '
		/^slabinfo - version/ { on = 1 }
		on && (/^(slabinfo|# name|kmem_cache |kmalloc-104 |kmalloc-1024 |demo_obj )/) { print }
		on && /^Slab:/ { print; exit }' "$OUT/run.txt")
	replace_block docs/design.md slabinfo-sample "$ME" "$(gen_stamp "$ME run" "the slab tour of \`make run\` (an excerpt: every cache has a line)")
$(fence "$slabinfo")"
}

gen_numa() {
	boot numa MEM=512M SMP=4 NUMA=2 || return 1
	local sample
	sample=$(awk '
		/^(NUMA: node|node distances:|node  |  [0-9]+: |node [0-9]+ zone |smp: |Node [0-9]+ Mem)/ { print; next }
		/^Mem(Total|Free):/ && !mem[$1]++ { print; next }
		/^Node [0-9]+, zone/ && !nodes_done { print; in_nodes = 1; next }
		in_nodes { nodes_done = 1; in_nodes = 0 }
		/^tour:/ { exit }' "$OUT/numa.txt")
	replace_block docs/design.md numa-sample "$ME" "$(gen_stamp "$ME numa" "\`make run SMP=4 NUMA=2\` (the NUMA lines of the boot summary)")
$(fence "$sample")"
}

gen_gdb() {
	local t0=$SECONDS P=build/test/gdb-halt.out T=build/test/gdb-track.out s
	# the samples come from its first two sessions (CMDLINE=halt, then with slub_debug=U): those
	# must pass; the later make debug / make gdb checks are not needed here
	MAKE=$MAKE bash scripts/test-gdb.sh >"$OUT/gdb.txt" 2>&1
	if sed '/^gdb: make debug/,$d' "$OUT/gdb.txt" | grep '^FAIL' >&2 ||
		! grep -q '^PASS gdb: slub_debug=U: mm-obj halt_freed_obj' "$OUT/gdb.txt"; then
		echo "docs-gen: scripts/test-gdb.sh failed (build/docs/gdb.txt)" >&2
		return 1
	fi
	s="(gdb) mm-meminfo
$(cat "$P.mm-meminfo")
(gdb) mm-buddyinfo
$(cat "$P.mm-buddyinfo")
(gdb) mm-slabinfo
$(awk 'NR <= 2 || /^kmalloc-104 /' "$P.mm-slabinfo")
...
(gdb) mm-page $(($(sed -n 's/^pfn \(0x[0-9a-f]*\).*/\1/p' "$P.page-live" | head -1)))
$(cat "$P.page-live")
(gdb) mm-page 0
$(cat "$P.page-0")
(gdb) mm-check
$(cat "$P.mm-check")"
	replace_block docs/debugging.md gdb-session "$ME" "$(gen_stamp "$ME gdb" "\`scripts/test-gdb.sh\`: CMDLINE=halt, 512 MiB, stopped in \`mm_halted\`, $((SECONDS - t0)) s for both sessions")
$(fence "$s")

and booted with \`CMDLINE=\"halt slub_debug=U\"\`:

$(fence "(gdb) mm-obj halt_freed_obj
$(cat "$T.obj-freed")")"
}

gen_replay() {
	local trace=tests/traces/sqlite3-inserts-head.trace full=../shared/traces/sqlite3-inserts.trace.gz
	if [ -f "$full" ]; then
		trace=$OUT/sqlite3-inserts.trace
		[ -s "$trace" ] || gzip -dc "$full" >"$trace"
	fi
	boot replay MEM=512M CMDLINE="replay pagemap" MODULES="$trace" || return 1
	local name rep map
	name=$(basename "$trace")
	rep=$(awk '
		/^REPLAY .* start:/ || /progress 10%/ || /progress 100%/ { print; next }
		/^REPLAY .* progress/ { dots = 1; next }
		/^REPLAY-CLASS / {
			cls[++n] = $0; b = $0; sub(/.*alloc_bytes=/, "", b); bytes[n] = b + 0; next
		}
		/^REPLAY .* result=/ {	# the three classes that allocated the most bytes
			for (k = 1; k <= 3 && k <= n; k++) {
				best = 0
				for (i = 1; i <= n; i++) if (!(i in shown) && (!best || bytes[i] > bytes[best])) best = i
				shown[best] = 1; print cls[best]
			}
			if (n > 3) print "..."
			print; exit
		}' "$OUT/replay.txt" | awk '/progress 100%/ { print "..." } { print }')
	replace_block docs/replay.md replay-sample "$ME" "$(gen_stamp "$ME replay" "\`make run CMDLINE=\"replay pagemap\" MODULES=$trace\`, 512 MiB, $took s")
$(fence "$rep")" || return 1
	# the map at the trace's peak: its head, then its summary line
	map=$(awk '
		/^PAGEMAP begin .*@op/ { on = 1 }
		on && /^PAGEMAP end/ { if (n > 6) print "..."; print; exit }
		on && ++n <= 6 { print }' "$OUT/replay.txt")
	replace_block docs/replay.md pagemap-sample "$ME" "$(gen_stamp "$ME replay" "the same run: the frame map of $name at its peak")
$(fence "$map")"
}

gen_stages() {
	local rows
	rows=$(sed -n 's/^stage "\(.*\)" \([0-9]*\)$/\1\t\2/p' scripts/test.sh |
		awk -F '\t' '{ gsub(/\\\$/, "$", $1); gsub(/\|/, "\\|", $1); printf "| %d | %s | %s |\n", NR, $1, $2 }')
	replace_block docs/testing.md test-stages "$ME" "$(echo "_Generated by \`$ME stages\` on $(date -u +%Y-%m-%d) from the \`stage\` lines of \`scripts/test.sh\` (seconds as each stage took on a shared 2-core machine)._"
	echo
	echo "| # | stage | about, s |"
	echo "|---|---|---|"
	echo "$rows")"
}

gen_bench() {
	local l0 l1
	if [ -n "$BENCH_FILE" ]; then
		scripts/bench-table.sh "$BENCH_FILE"
		return
	fi
	l0=$(cut -d' ' -f1 /proc/loadavg)
	SMP=4 scripts/bench.sh --out "$OUT/bench.txt" >/dev/null || return 1
	l1=$(cut -d' ' -f1 /proc/loadavg)
	BENCH_NOTE="The host's load average (1 min) was $l0 when the bench started and $l1 when it ended\
 ($(nproc) cores): with other jobs on the cores, fewer host cores are left for the vCPUs." \
		scripts/bench-table.sh "$OUT/bench.txt"
}

# peers_table FILE: the PEER rows of FILE as a table, one row per trace, one column per
# allocator ("instructions per operation / footprint"), and ours over the best peer.
peers_table() {
	awk '
	$1 == "PEER" {
		t = $2; a = $3; sub(/instr_per_op=/, "", $4); sub(/footprint=/, "", $5)
		if (!(t in seen)) { seen[t] = 1; traces[++nt] = t }
		if (!(a in aseen)) { aseen[a] = 1; allocs[++na] = a }
		ipo[t, a] = $4; fp[t, a] = $5
	}
	END {
		printf "| trace |"; for (i = 1; i <= na; i++) printf " %s |", allocs[i]
		print " ours ÷ best peer |"
		printf "|---|"; for (i = 1; i <= na; i++) printf "---|"; print "---|"
		for (j = 1; j <= nt; j++) {
			t = traces[j]; best = 0
			printf "| `%s` |", t
			for (i = 1; i <= na; i++) {
				a = allocs[i]; printf " %s / %s |", ipo[t, a], fp[t, a]
				if (a != "mmkern" && (best == 0 || ipo[t, a] + 0 < best)) best = ipo[t, a] + 0
			}
			printf " %.2f× |\n", best ? ipo[t, "mmkern"] / best : 0
		}
	}' "$1"
}

# peers_versions FILE: "mmkern abc1234, glibc 2.36, ..." from the PEER-VERSION lines.
peers_versions() {
	awk '$1 == "PEER-VERSION" { a = $2; v = $0; sub(/^PEER-VERSION [^ ]+ /, "", v)
				    sub(/-0-g.*/, "", v); s = s (s ? ", " : "") a " " v }
	     END { print s }' "$1"
}

gen_peers() {
	local f=$PEERS_FILE what
	if [ -z "$f" ]; then
		f=$OUT/bench-peers.txt
		$MAKE -s bench-peers >"$f" || return 1
	fi
	grep -q '^PEER ' "$f" || { echo "docs-gen: no PEER rows in $f" >&2; return 1; }
	what="\`make bench-peers\` ($(peers_versions "$f"))"
	local stamp table
	stamp="_Generated by \`$ME peers\` on $(date -u +%Y-%m-%d) from $what._"
	table=$(peers_table "$f")
	replace_block README.md peers-summary "$ME" "$stamp

Each cell: instructions per operation / footprint; the last column: our instructions over
the best peer's ([docs/peers.md](docs/peers.md) says how each is measured).

$table" || return 1
	replace_block docs/peers.md peers-table "$ME" "$stamp

$table

$(fence "$(grep -E '^PEER(-VERSION|FOOT)? ' "$f")")" || return 1
	grep -q '^SCALE ' "$f" || return 0
	replace_block docs/peers.md peers-scale "$ME" "$(echo "_Generated by \`$ME peers\` on $(date -u +%Y-%m-%d) from \`make bench-peers SCALE=1\` on $(nproc) CPUs (SCALE-LOAD: the host's load averages before and after)._"
	echo
	fence "$(grep '^SCALE ' "$f")")"
}

gen_png() {
	local trace=$OUT/sqlite3-inserts.trace full=../shared/traces/sqlite3-inserts.trace.gz png
	[ -f "$full" ] || { echo "docs-gen: png needs $full" >&2; return 1; }
	[ -s "$trace" ] || gzip -dc "$full" >"$trace"
	$MAKE -s pagemap MODULES="$trace" >"$OUT/pagemap.out" 2>&1 ||
		{ tail -3 "$OUT/pagemap.out" >&2; return 1; }
	png=$(ls build/pagemap-sqlite3-inserts.trace@op*.png | head -1)
	cp "$png" docs/replay-pagemap-sqlite3.png
	replace_block docs/replay.md pagemap-png "$ME" "$(gen_stamp "$ME png" "\`make pagemap MODULES=$trace\`: $(basename "$png")")

![frame map of the sqlite3 trace at its peak](replay-pagemap-sqlite3.png)"
}

gen_mobility() {
	boot mobility MEM=512M CMDLINE="ktest=churn* pagemap" || return 1
	# the Debian python3, where apt puts matplotlib (as the Makefile's PYTHON)
	local py=${PYTHON:-python3}
	[ -n "${PYTHON:-}" ] || [ ! -x /usr/bin/python3 ] || py=/usr/bin/python3
	PYTHON=$py scripts/ensure-tools.sh plot || return 1
	"$py" tools/pagemap.py -o "$OUT/mobility" "$OUT/mobility.txt" >/dev/null || return 1
	cp "$OUT/mobility/mobility-churn.png" docs/fragmentation-churn.png
	replace_block README.md churn "$ME" "$(gen_stamp "$ME mobility" "\`make run CMDLINE=\"ktest=churn* pagemap\"\`, 512 MiB, $took s")
$(fence "$(grep -E '^CHURN |^FRAG compact-after-(churn|compact) .*zone=DMA32 order=9' "$OUT/mobility.txt")")

![frames by migratetype before and after compaction](docs/fragmentation-churn.png)"
}

rc=0
for g in "${groups[@]}"; do
	t0=$SECONDS
	if "gen_$g"; then
		echo "docs-gen: $g done in $((SECONDS - t0)) s"
	else
		echo "docs-gen: $g FAILED" >&2
		rc=1
	fi
done
exit $rc
