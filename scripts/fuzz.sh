#!/usr/bin/env bash
# scripts/fuzz.sh - run the libFuzzer targets of tests/fuzz (built by `make fuzz-build` as
# build/fuzz/fuzz-<target>). Used by `make fuzz`, `make fuzz-regress` and scripts/test.sh.
#
#   scripts/fuzz.sh run [-s SECONDS] [TARGET...]   fuzz each target for SECONDS (default
#        $FUZZ_SECONDS or 60), starting from a copy of tests/fuzz/corpus/<target> in
#        build/fuzz/corpus/<target> (the repository's corpus is not touched)
#   scripts/fuzz.sh regress [TARGET...]            run every input of
#        tests/fuzz/regressions/<target>/ and tests/fuzz/corpus/<target>/ once (no fuzzing);
#        inputs under regressions/<target>/pending/ reproduce bugs not fixed yet: each is
#        reported XFAIL while it still fails, and PASS (move it up) once it does not; each runs
#        with MMKERN_FUZZ_PENDING=<its file name>, which lets the target decode it into the bug
#   scripts/fuzz.sh save [TARGET...]               merge what the last run found into
#        tests/fuzz/corpus/<target> (libFuzzer -merge=1: only inputs that add coverage)
#
# Targets: mb2 cmdline trace alloc (default: all). One line per check, "PASS ..." or
# "FAIL ..." (counted by scripts/test.sh); a crash leaves its input in
# build/fuzz/artifacts/<target>/ (copy it to tests/fuzz/regressions/<target>/ to keep it).
# Exit status 1 when anything failed, 2 on usage errors.
set -uo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS="mb2 cmdline trace alloc"
B=build/fuzz
mode=${1:-}
[ $# -gt 0 ] && shift
seconds=${FUZZ_SECONDS:-60}
if [ "$mode" = run ] && [ "${1:-}" = -s ]; then
	seconds=$2
	shift 2
fi
targets=${*:-$ALL_TARGETS}
failed=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failed=1; }

# files DIR: the regular files directly in DIR, one per line (none when DIR is missing).
files() { [ -d "$1" ] && find "$1" -maxdepth 1 -type f ! -name '*.txt' ! -name '.*' | sort; }

need_binary() {
	[ -x "$B/fuzz-$1" ] && return 0
	fail "fuzz $1: $B/fuzz-$1 is not built (make fuzz-build)"
	return 1
}

run_target() {
	local t=$1 corpus=$B/corpus/$1 art=$B/artifacts/$1/ log=$B/$1.log
	need_binary "$t" || return
	rm -rf "$corpus" "$art"
	mkdir -p "$corpus" "$art"
	[ -d "tests/fuzz/corpus/$t" ] && cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
	local t0=$SECONDS extra=()
	# alloc: operation sequences are worth growing fast (libFuzzer ramps lengths up slowly).
	[ "$t" = alloc ] && extra=(-max_len=4096 -len_control=20)
	"$B/fuzz-$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		"${extra[@]}" -artifact_prefix="$art" "$corpus" >"$log" 2>&1
	local rc=$? found
	found=$(find "$art" -type f | head -1)
	local stats
	stats=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 |
		sed -E 's/^#([0-9]+)[^c]*cov: ([0-9]+).*corp: ([0-9]+).*/\1 runs, cov \2, corpus \3/')
	if [ "$rc" = 0 ] && [ -z "$found" ]; then
		pass "fuzz $t: $((SECONDS - t0)) s clean (${stats:-no stats})"
	else
		fail "fuzz $t: status $rc after $((SECONDS - t0)) s${found:+, input saved as $found}; log $log"
		grep -E '^fuzz: |ERROR: |SUMMARY: |runtime error|Kernel panic' "$log" | head -5 | sed 's/^/    /'
	fi
}

regress_target() {
	local t=$1 log=$B/$1-regress.log
	need_binary "$t" || return
	mapfile -t inputs < <(files "tests/fuzz/regressions/$t"; files "tests/fuzz/corpus/$t")
	if [ "${#inputs[@]}" -gt 0 ]; then
		if "$B/fuzz-$t" -timeout=60 -rss_limit_mb=2048 "${inputs[@]}" >"$log" 2>&1; then
			pass "regress $t: ${#inputs[@]} regression and corpus inputs run clean"
		else
			fail "regress $t: an input fails; log $log"
			grep -E '^Running: |^fuzz: |ERROR: |SUMMARY: |runtime error' "$log" | tail -4 | sed 's/^/    /'
		fi
	else
		pass "regress $t: no inputs yet"
	fi
	local p
	while read -r p; do
		[ -n "$p" ] || continue
		if MMKERN_FUZZ_PENDING=$(basename "$p") "$B/fuzz-$t" -timeout=60 "$p" >"$B/$t-pending.log" 2>&1; then
			pass "regress $t: $p no longer fails: move it up to tests/fuzz/regressions/$t/"
		else
			echo "XFAIL regress $t: $p still fails (a known bug not fixed yet: ${p%.*}.txt)"
		fi
	done < <(files "tests/fuzz/regressions/$t/pending")
}

save_target() {
	local t=$1
	need_binary "$t" || return
	[ -d "$B/corpus/$t" ] || { fail "save $t: nothing to save (run first)"; return; }
	mkdir -p "tests/fuzz/corpus/$t"
	local before
	before=$(files "tests/fuzz/corpus/$t" | wc -l)
	"$B/fuzz-$t" -merge=1 "tests/fuzz/corpus/$t" "$B/corpus/$t" >"$B/$t-merge.log" 2>&1 &&
		pass "save $t: tests/fuzz/corpus/$t has $(files "tests/fuzz/corpus/$t" | wc -l) inputs (was $before)" ||
		fail "save $t: merge failed; log $B/$t-merge.log"
}

case $mode in
run) for t in $targets; do run_target "$t"; done ;;
regress) for t in $targets; do regress_target "$t"; done ;;
save) for t in $targets; do save_target "$t"; done ;;
*)
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
exit $failed
