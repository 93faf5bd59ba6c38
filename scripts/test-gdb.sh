#!/usr/bin/env bash
# scripts/test-gdb.sh - the gdb commands of scripts/gdb/mmkern.py against a real QEMU.
# Boots CMDLINE=halt halted under QEMU's gdb stub and drives one batch gdb session: at kmain
# every command must refuse with a clear message; at mm_halted (after the kernel printed its
# own meminfo, buddyinfo and slabinfo over serial) mm-buddyinfo and mm-slabinfo must print
# exactly the kernel's lines, mm-meminfo the same MemTotal/MemFree, mm-obj must call the known
# live object allocated and the freed ones free (one in a slab on CPU 0's partial list),
# mm-check must find nothing. A second boot with
# slub_debug=U checks mm-obj's alloc/free callers. One "PASS name" / "FAIL name" line per check
# (plus "SKIP" lines that count as neither); exit status 1 on any failure. Used by scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=build/test
MAKE=${MAKE:-make}
GDB=${GDB:-gdb}
MEM=512M
mkdir -p "$OUT"
failed=0
RUNNERS=()
PIDFILES=()

# check NAME STATUS: one PASS/FAIL line; returns STATUS.
check() {
	if [ "$2" = 0 ]; then
		echo "PASS gdb: $1"
	else
		echo "FAIL gdb: $1"
		failed=1
	fi
	return "$2"
}

# Stop every QEMU this script started (by the pid QEMU wrote), then its runner.
cleanup() {
	local f p
	for f in "${PIDFILES[@]}"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	for p in "${RUNNERS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The gdb side: one batch session run by this Python file. Every command's output (or error)
# goes to $MM_OUT.<step>.<name>; the session ends by killing QEMU.
DRIVER=$OUT/gdb-driver.py
cat >"$DRIVER" <<'PY'
import os, time
import gdb

port, out = os.environ["MM_PORT"], os.environ["MM_OUT"]

def save(name, text):
    with open("%s.%s" % (out, name), "w") as f:
        f.write(text)

def run(name, cmd):
    try:
        text = gdb.execute(cmd, to_string=True)
    except gdb.error as e:
        text = "ERROR: %s\n" % e
    save(name, text)

def stop_at(fn):
    gdb.execute("delete")
    gdb.execute("hbreak %s" % fn, to_string=True)
    gdb.execute("continue", to_string=True)
    frame = gdb.selected_frame()
    return frame.name() if frame is not None else "?"

for attempt in range(50):              # QEMU may still be starting
    try:
        gdb.execute("target remote :%s" % port, to_string=True)
        break
    except gdb.error:
        time.sleep(0.2)
else:
    save("error", "cannot attach to QEMU on port %s\n" % port)
    raise SystemExit

cmds = ["mm-meminfo", "mm-buddyinfo", "mm-slabinfo", "mm-page", "mm-obj", "mm-check"]
try:
    for c in cmds:
        run("help." + c, "help " + c)
    save("stop1", stop_at("kmain") + "\n")
    for c in cmds:
        run("early." + c, c + (" 0" if c in ("mm-page", "mm-obj") else ""))
    save("stop2", stop_at("mm_halted") + "\n")
    enums = []                          # what mmkern.py reads instead of copying values
    for tname in ("enum pageflags", "enum slab_flags"):
        try:
            enums += ["%s=%d" % (f.name, f.enumval) for f in gdb.lookup_type(tname).fields()]
        except gdb.error as e:
            enums.append("ERROR: %s: %s" % (tname, e))
    save("enums", "\n".join(enums) + "\n")
    for c in ("mm-meminfo", "mm-buddyinfo", "mm-slabinfo", "mm-check"):
        run(c, c)
    run("obj-live", "mm-obj halt_live_obj")
    run("obj-freed", "mm-obj halt_freed_obj")
    run("obj-partial", "mm-obj halt_partial_obj")
    live = int(gdb.parse_and_eval("(unsigned long)halt_live_obj"))
    base = int(gdb.parse_and_eval("contig_node.virt_base"))
    run("page-live", "mm-page %d" % ((live - base) >> 12))
    run("page-0", "mm-page 0")
except gdb.error as e:
    save("error", "%s\n" % e)
finally:
    try:
        gdb.execute("kill", to_string=True)
    except gdb.error:
        pass
PY

# build NAME CMDLINE: $OUT/gdb-NAME.iso and the matching kernel ELF $OUT/gdb-NAME.elf.
build() {
	$MAKE -s all CMDLINE="$2" >"$OUT/gdb-$1-build.log" 2>&1 || { cat "$OUT/gdb-$1-build.log"; return 1; }
	cp build/kernel.iso "$OUT/gdb-$1.iso" && cp build/iso/boot/kernel.elf "$OUT/gdb-$1.elf"
}

# session NAME: boot $OUT/gdb-NAME.iso halted with a gdb stub, run the driver against it;
# outputs in $OUT/gdb-NAME.out.*, serial log in $OUT/gdb-NAME.log.
session() {
	local pre=$OUT/gdb-$1 i
	rm -f "$pre".out.* "$pre.port" "$pre.log"
	timeout 600 scripts/qemu-run.sh -i "$pre.iso" -m "$MEM" -l "$pre.log" -g auto -P "$pre.port" \
		>"$pre.qemu-run" 2>&1 </dev/null &
	RUNNERS+=($!)
	PIDFILES+=("$pre.log.qemu.pid")
	for ((i = 0; i < 100; i++)); do
		[ -s "$pre.port" ] && break
		sleep 0.1
	done
	[ -s "$pre.port" ] || { echo "gdb: QEMU did not start: $(tail -3 "$pre.qemu-run")"; return 1; }
	MM_PORT=$(cat "$pre.port") MM_OUT=$pre.out timeout 300 "$GDB" -batch -nx -q "$pre.elf" \
		-x scripts/gdb/mmkern.py -x "$DRIVER" >"$pre.out.gdb-log" 2>&1
	[ -f "$pre.out.error" ] && echo "gdb: session $1 failed: $(cat "$pre.out.error")"
	for ((i = 0; i < 100; i++)); do	# the serial log is written through a pipe
		grep -q '^halt: kernel halted' "$pre.log" 2>/dev/null && break
		sleep 0.1
	done
	return 0
}

# printed FILE: the lines the kernel printed between the halt: lines (CRs removed).
printed() {
	tr -d '\r' <"$1" | sed -n '/^halt: live object/,/^halt: kernel halted/p' | sed '1d;$d'
}

# same NAME EXPECTED ACTUAL: check that two texts are identical, showing the diff if not.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		check "$1" 0
	else
		diff <(echo "$2") <(echo "$3") | head -20
		check "$1" 1
	fi
}

if ! GDB=$GDB scripts/ensure-tools.sh gdb; then
	check "$GDB with Python is installed (scripts/ensure-tools.sh gdb)" 1
	exit 1
fi

echo "gdb: boot CMDLINE=halt, stop at kmain then at mm_halted"
if build halt "halt" && session halt; then
	P=$OUT/gdb-halt.out L=$OUT/gdb-halt.log
	grep -q '^Command line: halt' "$L" && grep -q '^halt: kernel halted' "$L" &&
		grep -qx 'mm_halted' "$P.stop2" 2>/dev/null
	check "CMDLINE=halt boots, prints its state and stops at mm_halted" $?
	ok=0
	for c in mm-meminfo mm-buddyinfo mm-slabinfo mm-page mm-obj mm-check; do
		[ "$(wc -l <"$P.help.$c" 2>/dev/null || echo 0)" -ge 3 ] && ! grep -q 'Undefined\|ERROR' "$P.help.$c" || {
			echo "gdb: help $c: $(head -2 "$P.help.$c" 2>/dev/null)"; ok=1; }
	done
	check "every command has help text" $ok
	ok=0
	for c in mm-meminfo mm-buddyinfo mm-slabinfo mm-page mm-obj mm-check; do
		grep -q "^ERROR: $c: .*not initialised" "$P.early.$c" 2>/dev/null || {
			echo "gdb: $c at kmain: $(head -2 "$P.early.$c" 2>/dev/null)"; ok=1; }
	done
	check "at kmain every command says the allocator is not initialised" $ok
	kernel=$(printed "$L")
	same "mm-meminfo MemTotal and MemFree are the kernel's" \
		"$(grep -E '^Mem(Total|Free):' <<<"$kernel")" "$(grep -E '^Mem(Total|Free):' "$P.mm-meminfo" 2>/dev/null)"
	grep -qE '^Slab: +[0-9]+ kB$' "$P.mm-meminfo" && grep -qE '^zone DMA32 *: pfn .* present [0-9]+ managed [0-9]+ free [0-9]+' "$P.mm-meminfo"
	check "mm-meminfo shows Slab and the zones" $?
	same "mm-buddyinfo is exactly the kernel's buddyinfo" \
		"$(grep '^Node ' <<<"$kernel")" "$(cat "$P.mm-buddyinfo" 2>/dev/null)"
	same "mm-slabinfo is exactly the kernel's slabinfo" \
		"$(sed -n '/^slabinfo - version/,$p' <<<"$kernel")" "$(cat "$P.mm-slabinfo" 2>/dev/null)"
	grep -q '^state: allocated$' "$P.obj-live" && grep -q ' of cache kmalloc-104 ' "$P.obj-live"
	check "mm-obj halt_live_obj: allocated, in kmalloc-104" $?
	grep -q '^state: free ' "$P.obj-freed" && grep -q ' of cache kmalloc-104 ' "$P.obj-freed"
	check "mm-obj halt_freed_obj: free, in kmalloc-104" $?
	grep -q '^state: free ' "$P.obj-partial" && grep -q 'on the partial list of CPU 0' "$P.obj-partial"
	check "mm-obj halt_partial_obj: free, in a slab on CPU 0's partial list" $?
	grep -q '^mm-check: 0 problems' "$P.mm-check"
	check "mm-check finds no problem" $?
	grep -q 'state: slab of cache kmalloc-104 ' "$P.page-live" && grep -q 'reserved' "$P.page-0"
	check "mm-page: the live object's frame is a kmalloc-104 slab, pfn 0 is reserved" $?
	# The flags come from the ELF (enum pageflags, enum slab_flags), not from copies.
	! grep -q ERROR "$P.enums" && grep -qx PG_buddy=2 "$P.enums" &&
		grep -qx SLAB_STORE_USER=65536 "$P.enums" &&
		! grep -Eq '^(PG_[a-z]+|SLAB_(CONSISTENCY|RED|POISON|STORE)[A-Z_]*)( *,.*)? *= *[0-9]' \
			scripts/gdb/mmkern.py
	check "the ELF carries enum pageflags and enum slab_flags; mmkern.py copies no flag value" $?
	[ "$failed" = 0 ] || sed 's/^/  gdb-log: /' "$P.gdb-log" | tail -5
else
	check "CMDLINE=halt: build and boot under gdb" 1
fi

echo "gdb: boot CMDLINE=\"halt slub_debug=U\": mm-obj shows the last alloc/free callers"
if build track "halt slub_debug=U" && session track; then
	P=$OUT/gdb-track.out L=$OUT/gdb-track.log
	kernel=$(printed "$L")
	same "slub_debug=U: mm-slabinfo is exactly the kernel's slabinfo" \
		"$(sed -n '/^slabinfo - version/,$p' <<<"$kernel")" "$(cat "$P.mm-slabinfo" 2>/dev/null)"
	grep -q '^mm-check: 0 problems' "$P.mm-check"
	check "slub_debug=U: mm-check finds no problem" $?
	if grep -q '^tracking: none' "$P.obj-live" "$P.obj-freed"; then
		echo "SKIP gdb: slub_debug=U callers: the kernel does not track them yet ($(grep -h '^tracking' "$P.obj-live" | head -1))"
	else
		grep -qE '^last alloc: +(kmain|halt_for_debugger)\+0x[0-9a-f]+ .*kernel/main\.c:[0-9]+' "$P.obj-live" &&
			grep -qE '^last free: +never' "$P.obj-live"
		check "slub_debug=U: mm-obj halt_live_obj names its allocating caller" $?
		grep -qE '^last alloc: +(kmain|halt_for_debugger)\+0x[0-9a-f]+ ' "$P.obj-freed" &&
			grep -qE '^last free: +(kmain|halt_for_debugger)\+0x[0-9a-f]+ .*kernel/main\.c:[0-9]+' "$P.obj-freed"
		check "slub_debug=U: mm-obj halt_freed_obj names its allocating and freeing callers" $?
	fi
else
	check "CMDLINE=\"halt slub_debug=U\": build and boot under gdb" 1
fi

# listening PORT: true once something listens on TCP PORT here (read from /proc, not probed:
# a probe connection would be QEMU's one gdb client).
listening() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# make_debug NAME: start make debug CMDLINE=halt in the background (serial log $OUT/gdb-NAME.log,
# its output in $OUT/gdb-NAME.make) and wait until QEMU's gdb stub listens; the port in $port.
make_debug() {
	local d=$OUT/gdb-$1 i
	rm -f "$d".* build/gdb-port
	port=
	$MAKE -s debug CMDLINE=halt SERIAL_LOG="$d.log" >"$d.make" 2>&1 </dev/null &
	RUNNERS+=($!)
	PIDFILES+=("$d.log.qemu.pid")
	for ((i = 0; i < 600; i++)); do	# the build comes first
		port=$(cat build/gdb-port 2>/dev/null)
		[ -n "$port" ] && listening "$port" && return 0
		sleep 0.1
	done
	echo "gdb: make debug did not start: $(tail -3 "$d.make")"
	return 1
}

# stop_debug NAME: end that QEMU (and so its make debug) if it still runs.
stop_debug() {
	local f=$OUT/gdb-$1.log.qemu.pid
	[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	wait "${RUNNERS[-1]}" 2>/dev/null
}

# The attach command make debug prints, run as printed (plus -batch and the steps to reach
# mm_halted): gdb must auto-load build/kernel.elf-gdb.py, so the mm-* commands work without -x.
echo "gdb: make debug CMDLINE=halt, then the attach command it prints, as printed"
D=$OUT/gdb-printed
if make_debug printed && attach=$(sed -n 's/^qemu-run: *or: //p' "$D.make") && [ -n "$attach" ]; then
	echo "gdb: printed: $attach"
	eval "timeout 300 $attach -batch -ex delete -ex 'hbreak mm_halted' -ex continue" \
		"-ex mm-buddyinfo -ex mm-check -ex kill" >"$D.gdb-out" 2>&1 </dev/null
	kernel=$(printed "$D.log")
	[ -n "$(grep '^Node ' <<<"$kernel")" ] &&
		[ "$(grep '^Node ' <<<"$kernel")" = "$(grep '^Node ' "$D.gdb-out")" ] &&
		grep -q '^mm-check: 0 problems' "$D.gdb-out"
	check "the attach command make debug prints has the mm-* commands (auto-loaded)" $? ||
		grep -v '^Node ' "$D.gdb-out" | head -5
	stop_debug printed
else
	check "make debug prints an attach command" 1
fi

# make gdb against make debug: gdb in batch mode stops at kmain, then detaches.
echo "gdb: make debug CMDLINE=halt, then make gdb GDB=\"$GDB -batch\""
D=$OUT/gdb-make
if make_debug make; then
	timeout 300 $MAKE -s gdb GDB="$GDB -batch" >"$D.gdb-out" 2>&1 </dev/null
	grep -q '^mmkern: gdb commands mm-meminfo' "$D.gdb-out" && grep -q '^Breakpoint 1, kmain ' "$D.gdb-out"
	check "make gdb loads the mm-* commands and stops at kmain" $? || head -5 "$D.gdb-out"
	stop_debug make
else
	check "make debug starts for make gdb" 1
fi

exit "$failed"
