#!/usr/bin/env bash
# scripts/qemu-run.sh - boot the kernel ISO in QEMU, show the serial console live and save it
# to a log, bound the run by a timeout and a 12 GiB RSS limit, and map QEMU's exit status:
# 33 (kernel qemu_exit(QEMU_EXIT_SUCCESS)) -> 0, anything else -> non-zero with a reason.
set -uo pipefail

usage() {
	cat <<'USAGE'
usage: scripts/qemu-run.sh [options] [-- extra QEMU arguments]
  -i ISO      ISO image to boot (default build/kernel.iso)
  -m MEM      guest RAM as for qemu -m (default $MEM or 512M); above 8G a reserve=off
              memory backend is used so the host does not commit it up front
  -s SMP      number of CPUs (default $SMP or 1)
  -n NODES    NUMA nodes (default $NUMA or 1 = no NUMA flags): MEM split evenly in 2 MiB
              multiples (the remainder to the last node), the CPUs split evenly, one
              memory-backend-ram per node; NODES must not exceed the CPUs
  -d DIST     SLIT distance between every two nodes, 11..254 (default $NUMA_DIST, or
              empty: QEMU's defaults, no -numa dist)
  -a ACCEL    tcg or kvm (default $ACCEL or tcg)
  -t SECONDS  kill QEMU after this long, 0 = never (default $TIMEOUT or 300)
  -l LOG      serial log file (default $SERIAL_LOG or build/serial.log)
  -g PORT     debug: start halted (-S) with a gdb stub on tcp::PORT, no timeout;
              PORT "auto" picks a free port from 12345 upward
  -P FILE     write the gdb port to FILE (with -g)
  -c          check only: print the QEMU command line (or what is wrong with the options)
              and exit without starting QEMU
  -V          validate the options only (one line on stderr and status 3 if one is wrong)
exit status: 0 success, 1 kernel reported failure, 2 triple fault/reset, 3 other QEMU
status or a bad option, 4 GRUB failed to load the kernel or a module (its message shown), 124
timeout, 125 RSS limit hit, 130 interrupted
USAGE
}

ISO=build/kernel.iso
MEM=${MEM:-512M}
SMP=${SMP:-1}
NUMA=${NUMA:-1}
NUMA_DIST=${NUMA_DIST:-}
ACCEL=${ACCEL:-tcg}
TIMEOUT=${TIMEOUT:-300}
LOG=${SERIAL_LOG:-build/serial.log}
GDB_PORT=
PORT_FILE=
CHECK_ONLY=0
VALIDATE_ONLY=0
RSS_LIMIT_KIB=$((${QEMU_RSS_LIMIT_MIB:-12288} * 1024))	# env override for testing the watchdog

while getopts "i:m:s:n:d:a:t:l:g:P:cVh" opt; do
	case $opt in
	i) ISO=$OPTARG ;;
	m) MEM=$OPTARG ;;
	s) SMP=$OPTARG ;;
	n) NUMA=$OPTARG ;;
	d) NUMA_DIST=$OPTARG ;;
	a) ACCEL=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	l) LOG=$OPTARG ;;
	g) GDB_PORT=$OPTARG ;;
	P) PORT_FILE=$OPTARG ;;
	c) CHECK_ONLY=1 ;;
	V) VALIDATE_ONLY=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 3 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift

# mem_kib SIZE: print SIZE (QEMU -m syntax: a number, decimals allowed, in MiB or with a K, M, G
# or T suffix) in KiB, rounded down; a one-line message and status 1 when it is not a size.
mem_kib() {
	local num=${1%[kKmMgGtT]} unit
	unit=${1#"$num"}
	[[ $num =~ ^[0-9]{1,9}(\.[0-9]{1,6})?$ ]] || {
		echo "qemu-run: MEM=$1: expected a size such as 512M, 4G or 1536 (MiB)" >&2
		return 1
	}
	case $unit in
	k|K) unit=1 ;;
	""|m|M) unit=1024 ;;
	g|G) unit=1048576 ;;
	t|T) unit=1073741824 ;;
	esac
	awk -v n="$num" -v u="$unit" 'BEGIN { printf "%d\n", n * u }'
}

# mem_mib SIZE: SIZE in MiB, rounded down.
mem_mib() {
	local kib
	kib=$(mem_kib "$1") || return 1
	echo $((kib / 1024))
}

# The least RAM that boots: below it GRUB prints "error: out of memory." and cannot load the
# kernel (measured with the tour's ISO: 5632K booted the kernel of 2026-12-06 morning, 6400K but
# not 6M the 1.4 MB kernel.elf of that afternoon; 1M hangs in the BIOS). 8M leaves room for the
# kernel to grow, and make test runs every suite at 8M, so a kernel that outgrows it fails there.
# QEMU_MIN_MEM_MIB overrides it, for testing what happens below it.
MIN_MEM_MIB=${QEMU_MIN_MEM_MIB:-8}

# check_options: exit 3 with a one-line message, before anything else happens, when a runner
# option cannot work (NUMA and NUMA_DIST are checked by numa_args).
check_options() {
	local kib cpus=${SMP%%,*}
	kib=$(mem_kib "$MEM") || exit 3
	[ "$kib" -ge $((MIN_MEM_MIB * 1024)) ] || {
		echo "qemu-run: MEM=$MEM is too small to boot: GRUB needs ${MIN_MEM_MIB}M to load" \
			"the kernel (use MEM=${MIN_MEM_MIB}M or more)" >&2
		exit 3
	}
	[[ $cpus =~ ^[0-9]{1,4}$ ]] && [ "$cpus" -ge 1 ] && [ "$cpus" -le 255 ] || {
		echo "qemu-run: SMP=$SMP: expected a number of CPUs from 1 to 255, optionally" \
			"followed by QEMU -smp options (SMP=4,sockets=2)" >&2
		exit 3
	}
	case $ACCEL in
	tcg) ;;
	kvm) [ -w /dev/kvm ] || {
		echo "qemu-run: ACCEL=kvm: /dev/kvm is missing or not writable here (use ACCEL=tcg)" >&2
		exit 3
	} ;;
	*) echo "qemu-run: ACCEL=$ACCEL: expected tcg or kvm" >&2; exit 3 ;;
	esac
	[[ $TIMEOUT =~ ^[0-9]{1,7}$ ]] || {
		echo "qemu-run: TIMEOUT=$TIMEOUT: expected a whole number of seconds (0 = none)" >&2
		exit 3
	}
}

NUMA_MIN_NODE_MIB=16	# the least RAM a node may get

# numa_args MIB RESERVE: fill the array NUMA_ARGS with the QEMU flags for NUMA nodes sharing
# MIB MiB of RAM and the CPUs (empty for one node). RESERVE is appended to every backend
# (",reserve=off" for a large guest). Exits with a clear message, before QEMU starts, on a bad
# combination.
numa_args() {
	local mib=$1 reserve=$2 cpus=${SMP%%,*} per last i size first end
	NUMA_ARGS=()
	[[ $NUMA =~ ^[0-9]+$ ]] && [ "$NUMA" -ge 1 ] ||
		{ echo "qemu-run: NUMA=$NUMA: expected a number of nodes, 1 or more" >&2; exit 3; }
	[ "$NUMA" = 1 ] && [ -z "$NUMA_DIST" ] && return 0
	if [ "$NUMA" = 1 ]; then
		echo "qemu-run: NUMA_DIST=$NUMA_DIST needs NUMA=2 or more" >&2
		exit 3
	fi
	if ! [[ $cpus =~ ^[0-9]+$ ]]; then
		echo "qemu-run: NUMA=$NUMA needs SMP to start with a CPU count (SMP=$SMP)" >&2
		exit 3
	fi
	[ "$NUMA" -le "$cpus" ] || {
		echo "qemu-run: NUMA=$NUMA nodes but SMP=$cpus CPUs: every node needs at least" \
			"one CPU (use SMP=$NUMA or more)" >&2
		exit 3
	}
	per=$((mib / NUMA / 2 * 2))
	last=$((mib - per * (NUMA - 1)))
	[ "$per" -ge "$NUMA_MIN_NODE_MIB" ] || {
		echo "qemu-run: MEM=$MEM split over NUMA=$NUMA nodes gives ${per} MiB per node;" \
			"each node needs at least $NUMA_MIN_NODE_MIB MiB" \
			"(MEM=$((NUMA * NUMA_MIN_NODE_MIB))M or more)" >&2
		exit 3
	}
	if [ -n "$NUMA_DIST" ]; then
		[[ $NUMA_DIST =~ ^[0-9]+$ ]] && [ "$NUMA_DIST" -ge 11 ] &&
			[ "$NUMA_DIST" -le 254 ] || {
			echo "qemu-run: NUMA_DIST=$NUMA_DIST: expected a distance from 11 to 254" \
				"(10 is a node's distance to itself)" >&2
			exit 3
		}
	fi
	for ((i = 0; i < NUMA; i++)); do
		size=$per
		[ "$i" = $((NUMA - 1)) ] && size=$last
		first=$((i * cpus / NUMA))
		end=$(((i + 1) * cpus / NUMA - 1))
		NUMA_ARGS+=(-object "memory-backend-ram,id=m$i,size=${size}M$reserve"
			-numa "node,nodeid=$i,cpus=$first-$end,memdev=m$i")
	done
	if [ -n "$NUMA_DIST" ]; then
		local j
		for ((i = 0; i < NUMA; i++)); do
			for ((j = i + 1; j < NUMA; j++)); do
				NUMA_ARGS+=(-numa "dist,src=$i,dst=$j,val=$NUMA_DIST")
			done
		done
	fi
}

# port_is_free PORT: true when nothing listens on / holds PORT on this host.
port_is_free() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket,sys; s=socket.socket(); s.bind(("", int(sys.argv[1])))' \
			"$1" 2>/dev/null
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# free_port START: print the first free TCP port from START upward.
free_port() {
	local port
	for ((port = $1; port < $1 + 200; port++)); do
		port_is_free "$port" && { echo "$port"; return 0; }
	done
	echo "qemu-run: no free TCP port in $1..$(($1 + 199))" >&2
	return 1
}

# shell_word WORD: WORD as the shell reads it back: bare when safe, else in single quotes.
shell_word() {
	if [[ $1 =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}

# setup_gdb: resolve GDB_PORT=auto, save it to PORT_FILE and tell how to attach.
setup_gdb() {
	[ "$GDB_PORT" = auto ] && { GDB_PORT=$(free_port 12345) || exit 3; }
	[ -n "$PORT_FILE" ] && echo "$GDB_PORT" > "$PORT_FILE"
	TIMEOUT=0
	local elf dir load
	elf=$(realpath -m "${ISO%.iso}.elf")
	dir=$(dirname "$elf")
	# the mm-* commands: auto-loaded from kernel.elf-gdb.py beside the ELF (the Makefile
	# writes it) once its directory is a safe path, else sourced by hand
	if [ -f "$elf-gdb.py" ]; then
		load="-iex $(shell_word "add-auto-load-safe-path $dir")"
	else
		load="-x $(shell_word "$(realpath -m "$(dirname "$0")/gdb/mmkern.py")")"
	fi
	echo "qemu-run: QEMU is halted, waiting for gdb on port $GDB_PORT; attach with: make gdb"
	echo "qemu-run:   or: gdb $load $(shell_word "$elf") -ex 'target remote :$GDB_PORT'" \
		"-ex 'hbreak kmain' -ex continue"
	[ -f "$elf-gdb.py" ] && echo "qemu-run:   (or add the line \"add-auto-load-safe-path $dir\"" \
		"to ~/.gdbinit: then plain \"gdb $elf\" has the mm-* commands)"
	return 0
}

# build_cmd: fill the array QEMU_CMD with the full QEMU command line.
build_cmd() {
	local mib cpu=max accel=$ACCEL
	mib=$(mem_mib "$MEM") || exit 3
	[ "$ACCEL" = kvm ] && cpu=max,-arch-capabilities
	# Several CPUs under TCG: one host thread per vCPU, so they really run in parallel
	# (-icount, as make bench uses, needs the single-threaded mode: left alone then).
	if [ "$ACCEL" = tcg ] && [[ ${SMP%%,*} =~ ^[0-9]+$ ]] && [ "${SMP%%,*}" -gt 1 ] &&
		[[ " $* " != *" -icount "* ]]; then
		accel=tcg,thread=multi
	fi
	# Above 8 GiB the RAM comes from reserve=off backends (one per NUMA node, or one in all).
	local large=0 reserve= mem=$MEM
	if [ "$mib" -gt 8192 ]; then
		large=1
		reserve=,reserve=off
	fi
	numa_args "$mib" "$reserve"
	[ "${#NUMA_ARGS[@]}" -gt 0 ] && mem=${mib}M	# exactly the sum of the nodes' sizes
	QEMU_CMD=(qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m "$mem" -smp "$SMP"
		-boot d -cdrom "$ISO" -display none -monitor none -no-reboot
		-chardev stdio,id=ser0,signal=off -serial chardev:ser0
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -pidfile "$PIDFILE")
	if [ "${#NUMA_ARGS[@]}" -gt 0 ]; then
		QEMU_CMD+=("${NUMA_ARGS[@]}")
	elif [ "$large" = 1 ]; then
		QEMU_CMD+=(-object "memory-backend-ram,id=ram0,size=${mib}M,reserve=off"
			-machine memory-backend=ram0)
	fi
	if [ "$large" = 1 ]; then
		# Without huge pages, a large guest costs the host only the 4 KiB pages it touches.
		local nothp=build/host/nothp
		if [ ! -x "$nothp" ] || [ scripts/nothp.c -nt "$nothp" ]; then
			HOSTCC=${HOSTCC:-cc} HOSTCFLAGS='' "$(dirname "$0")/ensure-tools.sh" host || exit 3
			mkdir -p build/host && ${HOSTCC:-cc} -O2 -o "$nothp" scripts/nothp.c || exit 3
		fi
		QEMU_CMD=("$nothp" "${QEMU_CMD[@]}")
	fi
	[ -n "$GDB_PORT" ] && QEMU_CMD+=(-S -gdb "tcp::$GDB_PORT")
	QEMU_CMD+=("$@")
}

# print_cmd ARG...: show the command line, quoting only the arguments that need it.
print_cmd() {
	local a out="qemu-run:"
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then out+=" $a"; else out+=" $(printf '%q' "$a")"; fi
	done
	echo "$out"
}

# grub_error: GRUB's first "error: ..." line on the serial console, before the kernel's first
# line ("mmkern: ..."), if any.
grub_error() {
	tr -d '\r' <"$LOG" 2>/dev/null | awk '/^mmkern: / { exit } /^error: / { print; exit }'
}

# watch_qemu: every second, kill QEMU (pid from PIDFILE) if its RSS passes the limit, or
# GRUB_GRACE seconds after GRUB reported an error: the run has failed then (GRUB resets at once
# when it cannot load the kernel, or boots it without a module it could not load).
GRUB_GRACE=5
watch_qemu() {
	local pid="" rss stuck=0
	while sleep 1; do
		[ -n "$pid" ] || pid=$(cat "$PIDFILE" 2>/dev/null) || continue
		rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')
		[ -n "$rss" ] || return 0
		if [ "$rss" -gt "$RSS_LIMIT_KIB" ]; then
			echo "qemu-run: QEMU RSS ${rss} KiB is above $((RSS_LIMIT_KIB / 1024)) MiB: killing it" >&2
			touch "$RSS_MARK"
			kill -KILL "$pid"
			return 0
		fi
		[ -n "$(grub_error)" ] && stuck=$((stuck + 1))
		if [ "$stuck" -gt "$GRUB_GRACE" ]; then
			kill -KILL "$pid"
			return 0
		fi
	done
}

# explain STATUS: print why the run failed (if it did) and exit with our status code.
explain() {
	local rc=$1
	if [ -e "$RSS_MARK" ]; then
		echo "qemu-run: killed: QEMU used more than $((RSS_LIMIT_KIB / 1024)) MiB of RAM" >&2; exit 125
	elif [ "$INTERRUPTED" = 1 ]; then
		echo "qemu-run: interrupted" >&2; exit 130
	fi
	local grub
	grub=$(grub_error)
	if [ -n "$grub" ]; then
		case $grub in
		*"out of memory"*) grub+=" (MEM=$MEM: the kernel and its modules must fit)" ;;
		esac
		if grep -aq '^mmkern: ' "$LOG"; then
			echo "qemu-run: GRUB started the kernel without what it could not load: $grub" >&2
		else
			echo "qemu-run: GRUB could not boot the kernel: $grub" >&2
		fi
		exit 4
	fi
	case $rc in
	33) exit 0 ;;
	35) echo "qemu-run: kernel reported failure (QEMU exited 35)" >&2; exit 1 ;;
	0) echo "qemu-run: triple fault or reset (QEMU exited 0)" >&2; exit 2 ;;
	124) echo "qemu-run: timeout after $TIMEOUT s" >&2; exit 124 ;;
	137) echo "qemu-run: QEMU was killed (SIGKILL: stuck after the timeout, or killed by hand)" >&2
	     exit 124 ;;
	*) echo "qemu-run: QEMU failed or kernel exited with an unknown code (QEMU exited $rc)" >&2
	   exit 3 ;;
	esac
}

check_options
if [ "$VALIDATE_ONLY" = 1 ]; then
	numa_args "$(mem_mib "$MEM")" ""
	exit 0
fi
PIDFILE=$LOG.qemu.pid
if [ "$CHECK_ONLY" = 1 ]; then
	build_cmd "$@"
	print_cmd "${QEMU_CMD[@]}"
	exit 0
fi
[ -f "$ISO" ] || { echo "qemu-run: no ISO at $ISO (run make first)" >&2; exit 3; }
mkdir -p "$(dirname "$LOG")"
RSS_MARK=$LOG.rss-killed
ERRLOG=$LOG.qemu-stderr
INTERRUPTED=0
rm -f "$PIDFILE" "$RSS_MARK"
[ -z "$GDB_PORT" ] || setup_gdb
build_cmd "$@"

print_cmd "${QEMU_CMD[@]}"
echo "qemu-run: serial log: $LOG, timeout: $([ "$TIMEOUT" = 0 ] && echo none || echo "${TIMEOUT}s")"
watch_qemu &
WATCHER=$!
trap 'INTERRUPTED=1' INT TERM

# QEMU's stdout carries the serial console: tee it to the terminal and the log. stdin is
# /dev/null so QEMU never touches the terminal's modes or flags.
# QEMU's stderr is copied to a file too: "terminating on signal" there tells an interrupted run
# (QEMU then exits 0, like on a triple fault) from a real reset.
timeout --foreground -k 5 "$TIMEOUT" "${QEMU_CMD[@]}" </dev/null 2> >(tee "$ERRLOG" >&2) |
	tee "$LOG"
rc=${PIPESTATUS[0]}
ERR_TEE=$!
kill "$WATCHER" 2>/dev/null
wait "$WATCHER" "$ERR_TEE" 2>/dev/null
grep -q 'terminating on signal' "$ERRLOG" 2>/dev/null && [ "$rc" = 0 ] && INTERRUPTED=1
rm -f "$PIDFILE"
explain "$rc"
