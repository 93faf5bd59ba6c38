#!/usr/bin/env bash
# scripts/test-replay.sh - boot the kernel with CMDLINE=replay in QEMU and check its REPLAY
# lines: the traces of tests/traces/ (and the shared sqlite3 trace when ../shared/traces has it)
# must replay with the figures their "# expect:" line gives; the error traces and corrupted
# copies of the trimmed sqlite3 trace must each stop with their one "error line" and the kernel
# must go on to the next module; CMDLINE="replay pagemap" must print a frame map that covers
# every frame. Prints one PASS/FAIL line per check and exits non-zero on any failure.
# Needs no matplotlib (tools/pagemap.py --check only parses).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

OUT=build/test/replay
TRACES=tests/traces
SHARED=../shared/traces/sqlite3-inserts.trace.gz
MAKE=${MAKE:-make}
pass=0
fail=0

. scripts/test-lib.sh	# record NAME STATUS

# boot_replay NAME CMDLINE MODULE...: build an ISO with those modules, boot it (512M) and leave
# the serial log in $OUT/NAME.log; returns qemu-run's status (0 ok, 1 kernel failure, ...).
boot_replay() {
	local name=$1 cmdline=$2
	shift 2
	if ! $MAKE -s all CMDLINE="$cmdline" MODULES="$*" >"$OUT/$name.build" 2>&1; then
		cat "$OUT/$name.build"
		return 99
	fi
	cp build/kernel.iso "$OUT/$name.iso"
	scripts/qemu-run.sh -i "$OUT/$name.iso" -m 512M -t 900 -l "$OUT/$name.log" \
		>/dev/null 2>"$OUT/$name.err"
}

# final_line LOG MODULE: the module's last REPLAY line (its summary or its error).
final_line() {
	tr -d '\r' <"$1" | awk -v m="$2" '$1 == "REPLAY" && $2 == m && $3 != "progress" &&
		$3 != "start:"' | tail -n 1
}

# error_lines LOG MODULE: how many error lines the module printed.
error_lines() {
	tr -d '\r' <"$1" | awk -v m="$2" '$1 == "REPLAY" && $2 == m && $3 == "error"' | wc -l
}

# expect_of FILE: the text of the trace's "# expect:" line ("result=ok" when it has none).
expect_of() {
	local e
	e=$(grep -a -m1 '^# expect: ' "$1" | tr -d '\r')
	e=${e:-# expect: result=ok}
	echo "${e#\# expect: }"
}

# check_module LOG FILE [EXPECT [prefix]]: the module's final line matches EXPECT (default: the
# file's own): "error line ..." must be the whole rest of the line (or its start with prefix),
# anything else is a list of key=value fields that must all be on the summary line.
check_module() {
	local log=$1 mod want line f ok=0
	mod=$(basename "$2")
	want=${3:-$(expect_of "$2")}
	line=$(final_line "$log" "$mod")
	if [[ $want == "error line "* ]]; then
		if [ "${4:-}" = prefix ]; then
			[[ $line == "REPLAY $mod $want"* ]] || ok=1
		else
			[ "$line" = "REPLAY $mod $want" ] || ok=1
		fi
		[ "$(error_lines "$log" "$mod")" = 1 ] || ok=1
	else
		for f in $want; do
			[[ " $line " == *" $f "* ]] || ok=1
		done
	fi
	[ $ok = 0 ] || echo "  $mod: got '${line:-nothing}', want '$want'"
	record "replay $mod: $want" $ok
}

# no_crash NAME: the boot's log shows no panic, CPU exception or timeout.
no_crash() {
	! grep -aqE 'Kernel panic|CPU exception|BUG: ' "$OUT/$1.log"
	record "$1: no panic, exception or BUG report" $?
}

# make_corrupted: corrupted copies of the trimmed trace in $OUT/corrupt/, and their
# expectations in the array CORRUPT ("file|expect|mode").
make_corrupted() {
	local src=$TRACES/sqlite3-inserts-head.trace dir=$OUT/corrupt n
	rm -rf "$dir" && mkdir -p "$dir"
	CORRUPT=()
	sed '12345s/.*/a 77 banana/' "$src" >"$dir/corrupt-garbage.trace"
	CORRUPT+=("$dir/corrupt-garbage.trace|error line 12345: not a decimal number \"banana\"|")
	# The first free after line 15000, repeated on the next line: a double free.
	n=$(awk 'NR > 15000 && $1 == "f" { print NR; exit }' "$src")
	awk -v n="$n" '{ print } NR == n { print }' "$src" >"$dir/corrupt-double-free.trace"
	CORRUPT+=("$dir/corrupt-double-free.trace|error line $((n + 1)): f of handle $(awk -v n="$n" \
		'NR == n { print $2 }' "$src"), which is not live|")
	sed '100s/.*/a 9\x00 8/' "$src" >"$dir/corrupt-nul.trace"
	CORRUPT+=("$dir/corrupt-nul.trace|error line 100: not a decimal number \"9?\"|")
	head -c 65536 build/kernel.elf >"$dir/corrupt-binary.trace"
	CORRUPT+=("$dir/corrupt-binary.trace|error line 1: unknown operation|prefix")
	# Cut in the middle of a line: the last line is either complete enough or an error.
	head -c 100003 "$src" >"$dir/corrupt-truncated.trace"
}

# check_truncated LOG: the truncated copy ends in a summary with result=ok or one error line.
check_truncated() {
	local line
	line=$(final_line "$1" corrupt-truncated.trace)
	[[ $line == *" result=ok" || $line == "REPLAY corrupt-truncated.trace error line "* ]]
	record "replay corrupt-truncated.trace: a result or one error line ($line)" $?
}

# check_pagemap LOG: every PAGEMAP block covers [0, max_pfn) without gaps, with no unknown
# frame, and tools/pagemap.py can parse it.
check_pagemap() {
	awk '
	function hex(s,    i, v) {
		s = tolower(substr(s, 3)); v = 0
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	/^PAGEMAP begin / { split($4, m, "="); max = hex(m[2]); next_pfn = 0; blocks++; next }
	/^PAGEMAP zone / { next }
	/^PAGEMAP end / { if (next_pfn != max || $0 !~ / unknown=0/) bad++; next }
	/^PAGEMAP 0x/ { if (hex($2) != next_pfn) bad++; next_pfn += $3 }
	END { exit !(blocks >= 2 && !bad) }' "$1"
	record "pagemap: every map covers every frame once, none unknown" $?
	if ! command -v python3 >/dev/null 2>&1; then
		echo "  (no python3: tools/pagemap.py --check skipped)"
		return
	fi
	python3 tools/pagemap.py --check "$1" >"$OUT/pagemap-check.out" 2>&1
	record "pagemap: tools/pagemap.py --check parses the log ($(tail -n 1 "$OUT/pagemap-check.out"))" $?
}

mkdir -p "$OUT"
$MAKE -s all >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; record "kernel build" 1; exit 1; }

echo "== replay: traces that must replay cleanly"
good=()
for f in "$TRACES"/*.trace; do
	[[ $(basename "$f") == err-* ]] || good+=("$f")
done
full=
if [ -f "$SHARED" ]; then
	full=$OUT/sqlite3-inserts.trace
	if [ ! -s "$full" ] || [ "$SHARED" -nt "$full" ]; then
		gzip -dc "$SHARED" >"$full"
	fi
else
	echo "  ($SHARED not found: the full trace is skipped, the trimmed copy is replayed)"
fi
boot_replay good replay "${good[@]}" $full
record "good traces: the kernel exits with success" $?
no_crash good
for f in "${good[@]}"; do
	check_module "$OUT/good.log" "$f"
done
[ -z "$full" ] || check_module "$OUT/good.log" "$full" \
	"ops=1363328 live_peak_objs=1284 req_peak_bytes=4377393 result=ok"
grep -aq "^REPLAY sqlite3-inserts-head.trace progress 100% " "$OUT/good.log"
record "good traces: progress lines up to 100%" $?

echo "== replay: broken traces stop with one error line, the kernel goes on"
make_corrupted
bad=("$TRACES"/err-*.trace)
for c in "${CORRUPT[@]}"; do
	bad+=("${c%%|*}")
done
bad+=("$OUT/corrupt/corrupt-truncated.trace" "$TRACES/every-op.trace")
boot_replay bad replay "${bad[@]}"
rc=$?
[ $rc = 1 ]
record "broken traces: the kernel exits with failure, not a crash (status $rc)" $?
no_crash bad
for f in "$TRACES"/err-*.trace; do
	check_module "$OUT/bad.log" "$f"
done
for c in "${CORRUPT[@]}"; do
	IFS='|' read -r file want mode <<<"$c"
	check_module "$OUT/bad.log" "$file" "$want" "$mode"
done
check_truncated "$OUT/bad.log"
check_module "$OUT/bad.log" "$TRACES/every-op.trace"
errs=("$TRACES"/err-*.trace)
k=$((${#errs[@]} + ${#CORRUPT[@]}))	# + 1 if the truncated one erred
grep -aqE "^REPLAY: ${#bad[@]} modules, ($k|$((k + 1))) failed" "$OUT/bad.log"
record "broken traces: every module was replayed (REPLAY: ${#bad[@]} modules ...)" $?

echo "== replay: pagemap"
boot_replay pagemap "replay pagemap" "$TRACES/sqlite3-inserts-head.trace"
record "replay pagemap: the kernel exits with success" $?
check_pagemap "$OUT/pagemap.log"

echo "test-replay: $pass passed, $fail failed"
[ "$fail" = 0 ]
