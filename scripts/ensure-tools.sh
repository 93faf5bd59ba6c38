#!/usr/bin/env bash
# scripts/ensure-tools.sh - make sure the tools to build, boot, test and debug the kernel are
# installed; installs the missing Debian packages with apt-get (sudo when not root). Silent when
# all is there. Every compiler check is a probe (compile and link a small program the way the
# build will), not a guess from file names.
#   (no argument)  nasm, qemu-system-x86_64, grub-mkrescue, xorriso, mformat, gdb, python3 and
#                  GRUB's i386-pc files (make all/run/debug)
#   host           $HOSTCC (default gcc) builds and links, with $HOSTCFLAGS, a program including
#                  every <header> the host programs include (libc6-dev; the ASan/UBSan runtimes
#                  of libgcc-N-dev or libclang-rt-N-dev)
#   fuzz           $FUZZCC (default clang) links a libFuzzer target with ASan and UBSan
#                  (clang, libclang-rt-N-dev, libc6-dev)
#   gdb            $GDB (default gdb) runs Python (the mm-* commands are Python)
#   plot           python3-matplotlib for $PYTHON (default python3; make pagemap)
#   peers          libjemalloc-dev, libmimalloc-dev, libgoogle-perftools-dev, valgrind
#                  (make bench-peers)
set -euo pipefail
cd "$(dirname "$0")/.."

# missing_packages: print the Debian package of every missing tool, one per line.
missing_packages() {
	local tool pkg
	for pair in nasm:nasm qemu-system-x86_64:qemu-system-x86 grub-mkrescue:grub-common \
		    xorriso:xorriso mformat:mtools gdb:gdb python3:python3; do
		tool=${pair%%:*}
		pkg=${pair#*:}
		command -v "$tool" >/dev/null 2>&1 || echo "$pkg"
	done
	[ -d /usr/lib/grub/i386-pc ] || echo grub-pc-bin
}

# apt_install PKG...: apt-get install, retrying after apt-get update when the first try fails.
apt_install() {
	local sudo=()
	echo "make: installing missing packages: $*"
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get install -y --no-install-recommends "$@" && return 0
	"${sudo[@]}" apt-get update
	"${sudo[@]}" apt-get install -y --no-install-recommends "$@"
}

# host_headers: every "#include <...>" line of the programs built for the host, sorted once.
host_headers() {
	local f
	for f in lib/*.[ch] mm/*.[ch] tests/*.c tests/*/*.[ch] tools/*.[ch] scripts/*.c; do
		[ -f "$f" ] && grep -E '^#include <[^>]+>' "$f" || true
	done | sort -u
}

PROBE_DIR=$(mktemp -d)
trap 'rm -rf "$PROBE_DIR"' EXIT

# probe STAGE CC FLAGS...: compile (STAGE=cc) or also link (STAGE=ld) $PROBE_DIR/probe.c with
# CC and FLAGS; the compiler's messages are kept in $PROBE_DIR/log.
probe() {
	local stage=$1 words
	read -r -a words <<<"$2"	# CC may carry options: HOSTCC="gcc -m64"
	shift 2
	if [ "$stage" = cc ]; then
		"${words[@]}" "$@" -c "$PROBE_DIR/probe.c" -o "$PROBE_DIR/probe.o" >"$PROBE_DIR/log" 2>&1
	else
		"${words[@]}" "$@" "$PROBE_DIR/probe.c" -o "$PROBE_DIR/probe" >"$PROBE_DIR/log" 2>&1
	fi
}

# runtime_pkg CC: the Debian package with CC's sanitizer (and libFuzzer) runtimes.
runtime_pkg() {
	local major words
	read -r -a words <<<"$1"
	major=$("${words[@]}" -dumpversion | cut -d. -f1)
	if "${words[@]}" --version 2>/dev/null | grep -q clang; then
		echo "libclang-rt-$major-dev"
	else
		echo "libgcc-$major-dev"
	fi
}

# ensure_cc WHAT CC PKG FLAGS...: CC (installed from PKG when missing) compiles
# $PROBE_DIR/probe.c (the C library headers from libc6-dev when not) and links it with FLAGS
# (the compiler's runtime package when not). Exits 1 with the compiler's message when a probe
# still fails after the install.
ensure_cc() {
	local what=$1 cc=$2 pkg=$3
	shift 3
	command -v "${cc%% *}" >/dev/null 2>&1 || apt_install "$pkg"
	probe ld "$cc" "$@" && return 0
	if ! probe cc "$cc" "$@"; then
		# a missing header (gcc: "No such file or directory", clang: "file not found")
		grep -qE 'No such file or directory|file not found' "$PROBE_DIR/log" &&
			apt_install libc6-dev
		probe cc "$cc" "$@" || {
			echo "make: $cc cannot compile the $what:" >&2
			head -5 "$PROBE_DIR/log" >&2
			exit 1
		}
		probe ld "$cc" "$@" && return 0
	fi
	apt_install "$(runtime_pkg "$cc")"
	probe ld "$cc" "$@" || {
		echo "make: $cc cannot link the $what with $* (after installing $(runtime_pkg "$cc")):" >&2
		head -5 "$PROBE_DIR/log" >&2
		exit 1
	}
}

case ${1:-} in
host)
	{ host_headers; echo 'int main(void) { return 0; }'; } >"$PROBE_DIR/probe.c"
	flags=()
	for f in ${HOSTCFLAGS:-}; do	# word-split: a list of flags; no -MMD -MP here
		case $f in -MMD|-MP) ;; *) flags+=("$f") ;; esac
	done
	ensure_cc "host programs' headers" "${HOSTCC:-gcc}" gcc "${flags[@]}"
	;;
fuzz)
	{ host_headers; echo '#include <stddef.h>'
	  echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n) { return d && n; }'
	} >"$PROBE_DIR/probe.c"
	ensure_cc "libFuzzer target" "${FUZZCC:-clang}" clang -I. \
		-fsanitize=fuzzer,address,undefined
	;;
gdb)
	read -r -a gdb <<<"${GDB:-gdb}"	# GDB may carry options: GDB="gdb -nx"
	command -v "${gdb[0]}" >/dev/null 2>&1 || apt_install gdb
	"${gdb[@]}" -nx -batch -ex 'python import gdb' >/dev/null 2>&1 || {
		apt_install gdb	# Debian's gdb has Python (gdb-minimal has not)
		"${gdb[@]}" -nx -batch -ex 'python import gdb' >/dev/null 2>&1 ||
			{ echo "make: ${gdb[0]} has no Python support (needed by scripts/gdb/mmkern.py)" >&2; exit 1; }
	}
	;;
plot)
	"${PYTHON:-python3}" -c 'import matplotlib, numpy' >/dev/null 2>&1 || apt_install python3-matplotlib
	;;
peers)
	# make bench-peers: the peer allocators' headers and libraries, and callgrind.
	missing=()
	for pair in jemalloc/jemalloc.h:libjemalloc-dev mimalloc.h:libmimalloc-dev \
		    gperftools/tcmalloc.h:libgoogle-perftools-dev; do
		[ -f "/usr/include/${pair%%:*}" ] || missing+=("${pair#*:}")
	done
	command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
	[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
	;;
"")
	mapfile -t pkgs < <(missing_packages | sort -u)
	[ "${#pkgs[@]}" -eq 0 ] || apt_install "${pkgs[@]}"
	;;
*)
	echo "usage: scripts/ensure-tools.sh [host|fuzz|gdb|plot|peers]" >&2
	exit 2
	;;
esac
