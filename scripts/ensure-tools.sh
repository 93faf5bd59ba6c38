#!/usr/bin/env bash
# scripts/ensure-tools.sh - make sure the tools to build and boot the kernel are installed.
# Checks nasm, qemu-system-x86_64, grub-mkrescue, xorriso, mformat, gdb, python3 and GRUB's
# i386-pc files;
# installs the missing Debian packages with apt-get (sudo when not root). Silent when all ok.
# With the argument "plot" it checks python3-matplotlib instead (for make pagemap); with "fuzz",
# clang and its libFuzzer runtime (for make fuzz).
set -euo pipefail

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
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get install -y --no-install-recommends "$@" && return 0
	"${sudo[@]}" apt-get update
	"${sudo[@]}" apt-get install -y --no-install-recommends "$@"
}

# "ensure-tools.sh plot" (make pagemap only): matplotlib for $PYTHON (default python3).
if [ "${1:-}" = plot ]; then
	"${PYTHON:-python3}" -c 'import matplotlib, numpy' >/dev/null 2>&1 && exit 0
	echo "make: installing missing packages: python3-matplotlib"
	apt_install python3-matplotlib
	exit 0
fi

# "ensure-tools.sh fuzz" (make fuzz only): clang ($FUZZCC) and its libFuzzer runtime, which
# Debian ships apart from clang (libclang-rt-<major>-dev).
if [ "${1:-}" = fuzz ]; then
	cc=${FUZZCC:-clang}
	has_libfuzzer() { [ -f "$("$cc" --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a" ]; }
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "make: installing missing packages: clang"
		apt_install clang
	fi
	has_libfuzzer && exit 0
	rtpkg="libclang-rt-$("$cc" -dumpversion | cut -d. -f1)-dev"
	echo "make: installing missing packages: $rtpkg"
	apt_install "$rtpkg"
	has_libfuzzer || { echo "make: $cc still has no libFuzzer runtime after installing $rtpkg" >&2; exit 1; }
	exit 0
fi

mapfile -t pkgs < <(missing_packages | sort -u)
[ "${#pkgs[@]}" -eq 0 ] && exit 0
echo "make: installing missing packages: ${pkgs[*]}"
apt_install "${pkgs[@]}"
