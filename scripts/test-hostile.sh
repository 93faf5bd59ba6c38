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
#  5. a short pass of every libFuzzer target (FUZZ_TEST_SECONDS each, default 10), then every
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

# ---- 4. fuzzing ----
if ! $MAKE -s fuzz-build >"$OUT/fuzz-build.log" 2>&1; then
	tail -20 "$OUT/fuzz-build.log"
	fail "fuzz: build (clang -fsanitize=fuzzer,address,undefined)"
	exit 1
fi
bash scripts/fuzz.sh run -s "$SECONDS_PER_TARGET"
bash scripts/fuzz.sh regress
exit 0
