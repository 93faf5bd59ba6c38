#!/usr/bin/env bash
# scripts/test-peers.sh - the quick check of the hosted trace replayer (make bench-peers) for
# make test: ours and glibc replay the trimmed sqlite3 trace (every object checked, every frame
# of our node back at the end, a footprint figure printed), the operation count is the trace's
# plus the final frees, and a broken trace is refused. No callgrind, no peer libraries; a few
# seconds. Prints one PASS/FAIL line per check and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

MAKE=${MAKE:-make}
BIN=build/peers
TRACE=tests/traces/sqlite3-inserts-head.trace
pass=0
fail=0

. scripts/test-lib.sh	# record NAME STATUS

if ! $MAKE -s "$BIN/replay-mmkern" "$BIN/replay-glibc" >"$BIN.build.log" 2>&1; then
	cat "$BIN.build.log"
	record "peers: replay-mmkern and replay-glibc build" 1
	exit 1
fi
# operations: the trace's, plus one free per handle still live at its end
ops=$(awk '$1 ~ /^[azcp]$/ { live++ } $1 ~ /^[fq]$/ { live--; n++ } $1 ~ /^[azcpr]$/ { n++ }
	   END { print n + live }' "$TRACE")
for a in mmkern glibc; do
	line=$("$BIN/replay-$a" -f "$TRACE" 2>&1)
	rc=$?
	echo "$line"
	[ $rc = 0 ] && grep -Eq "^PEERRUN ${TRACE##*/} $a ops=$ops .*footprint=[0-9]+\.[0-9]{2} .*result=ok$" <<<"$line"
	record "peers: $a replays ${TRACE##*/} ($ops operations, every object checked, all memory back)" $?
	[ $a = mmkern ] || continue
	# what held the peak adds up to the footprint's numerator
	taken=$(sed -n 's/^PEERRUN .* taken_peak=\([0-9]*\) .*/\1/p' <<<"$line")
	awk -v t="$taken" '/^PEERFOOT / { for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = v["pages_at_peak"]; ok = n * 4096 == t && v["cpu_lists"] + v["slabs"] + v["large_and_pages"] == n &&
		     v["cpu_lists"] <= n && v["slabs"] <= n && v["large_and_pages"] <= n }
		END { exit !ok }' <<<"$line"
	record "peers: mmkern says what held its peak (PEERFOOT: pages on the CPU lists, in slabs, large)" $?
done
# a free of a handle that is not live: refused before anything is replayed
line=$("$BIN/replay-mmkern" tests/traces/err-double-free.trace 2>&1)
rc=$?
[ $rc = 2 ] && grep -q "not live" <<<"$line"
record "peers: a trace with a double free is refused ($line)" $?
[ "$fail" = 0 ]
