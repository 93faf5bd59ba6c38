# scripts/test-lib.sh - sourced by the test scripts: one PASS/FAIL line per scripted check,
# counted in the caller's pass and fail variables.

# record NAME STATUS: one check; STATUS 0 is a pass.
record() {
	if [ "$2" = 0 ]; then
		echo "PASS $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1"
		fail=$((fail + 1))
	fi
}
