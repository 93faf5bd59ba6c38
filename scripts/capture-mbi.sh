#!/usr/bin/env bash
# scripts/capture-mbi.sh - boot the kernel in QEMU with CMDLINE=dump-mbi and save the raw
# multiboot2 information block GRUB gave it, for build/host/mb2dump and the fuzz corpus.
#
#   scripts/capture-mbi.sh [-o FILE] [-M "MODULE..."] [-t SECONDS] [-n NUMA -s SMP] [MEM [EXTRA CMDLINE...]]
#
# MEM is QEMU's -m (default 512M); EXTRA CMDLINE is added after dump-mbi; -M loads files as
# multiboot2 modules (make's MODULES). The block goes to FILE (default build/mbi/<MEM>.mbi);
# beside it, FILE with .expect for .mbi: the lines of the kernel's own boot log that mb2dump
# must print identically for this block (map, reservations, zones, Memory), headed by the
# mb2dump options that say where the kernel image, its init section and the block were
# ("# mb2dump-args: --image=... --mbi-at=... --initmem=..."). The dump is checked (byte count
# and FNV-1a checksum) before anything is written. With -n (QEMU NUMA nodes, and -s CPUs), the
# NUMA and per-node zone lines are kept too, and the args get --numa= (the SRAT's ranges, which
# the block cannot hold).
# Exit status: 0 captured, 1 no complete dump in the log, 2 usage or build error.
set -uo pipefail
cd "$(dirname "$0")/.."

out= modules= timeout=300 numa=1 smp=1
usage() {
	sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}
while getopts "o:M:t:n:s:h" opt; do
	case $opt in
	o) out=$OPTARG ;;
	M) modules=$OPTARG ;;
	t) timeout=$OPTARG ;;
	n) numa=$OPTARG ;;
	s) smp=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 ;;
	esac
done
shift $((OPTIND - 1))
mem=${1:-512M}
[ $# -gt 0 ] && shift
extra="$*"
out=${out:-build/mbi/$mem.mbi}
expect=${out%.mbi}.expect
work=build/mbi
mkdir -p "$work" "$(dirname "$out")"

cmdline="dump-mbi${extra:+ $extra}"
echo "capture-mbi: building with CMDLINE=\"$cmdline\"${modules:+ MODULES=\"$modules\"}"
if ! ${MAKE:-make} -s all CMDLINE="$cmdline" MODULES="$modules" >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	exit 2
fi
iso="$work/capture.iso"
cp build/kernel.iso "$iso"
log="$work/capture-$mem.log"
echo "capture-mbi: booting MEM=$mem"
scripts/qemu-run.sh -i "$iso" -m "$mem" -s "$smp" -n "$numa" -t "$timeout" -l "$log" >/dev/null \
	2>"$work/qemu.err"
rc=$?
echo "capture-mbi: QEMU exited with status $rc (the dump comes before set-up, so it counts anyway)"

# Turn the MBI lines into bytes, checking offsets, count and checksum.
tmp="$out.tmp"
if ! perl -e '
	use strict; use warnings;
	my ($size, $phys, $sum, $data, $next) = (undef, undef, undef, "", 0);
	while (my $l = <STDIN>) {
		$l =~ s/\r//g;
		if ($l =~ /^MBI begin (\d+) bytes at phys (0x[0-9a-f]+|0)$/) {
			($size, $phys, $data, $next) = ($1, $2, "", 0);
		} elsif (defined $size && $l =~ /^MBI ([0-9a-f]{8})((?: [0-9a-f]{2})+)$/) {
			die "capture-mbi: offset $1 out of order (expected $next)\n" if hex($1) != $next;
			my $hexs = $2; $hexs =~ s/ //g;
			$data .= pack("H*", $hexs);
			$next += length($hexs) / 2;
		} elsif (defined $size && $l =~ /^MBI end (\d+) bytes fnv1a32 ([0-9a-f]{8})$/) {
			$sum = $2;
			last;
		}
	}
	die "capture-mbi: no complete MBI dump in the log\n" unless defined $sum;
	die "capture-mbi: got " . length($data) . " bytes, expected $size\n" if length($data) != $size;
	my $h = 0x811c9dc5;
	for my $c (unpack("C*", $data)) { $h = (($h ^ $c) * 0x01000193) & 0xffffffff; }
	die sprintf("capture-mbi: checksum %08x, the kernel said %s\n", $h, $sum) if sprintf("%08x", $h) ne $sum;
	binmode STDOUT; print $data;
	printf STDERR "%s %s\n", $size, $phys;
' <"$log" >"$tmp" 2>"$work/perl.out"; then
	cat "$work/perl.out"
	rm -f "$tmp"
	exit 1
fi
read -r size phys <"$work/perl.out"
mv "$tmp" "$out"

# The kernel's lines mb2dump reproduces for this block, and where the image, its init section
# (from the ELF that booted: physical = virtual - 0xffffffff80000000) and the block were.
image=$(tr -d '\r' <"$log" | sed -n 's/^reserve \[mem \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)\] kernel image$/\1 \2/p')
args="--mbi-at=$phys"
if [ -n "$image" ]; then
	read -r ib ie <<<"$image"
	args="--image=$(printf '0x%x-0x%x' $((ib)) $((ie + 1))) $args"
fi
init=$(nm build/kernel.elf | awk '$3 == "__init_begin" { b = $1 } $3 == "__init_end" { e = $1 }
	END { if (b != "" && e != "") print b, e }')
if [ -n "$init" ]; then
	read -r vb ve <<<"$init"
	args="$args --initmem=$(printf '0x%x-0x%x' $((0x$vb - 0xffffffff80000000)) $((0x$ve - 0xffffffff80000000)))"
fi
nodes=$(tr -d '\r' <"$log" | sed -n 's/^NUMA: node [0-9]* \[mem \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)\]$/\1 \2/p' |
	while read -r b e; do printf '0x%x-0x%x,' $((b)) $((e + 1)); done)
[ "$numa" != 1 ] && [ -n "$nodes" ] && args="$args --numa=${nodes%,}"
{
	echo "# kernel boot log lines for $(basename "$out") (MEM=$mem$([ "$numa" != 1 ] && echo " NUMA=$numa SMP=$smp") CMDLINE=\"$cmdline\"${modules:+ MODULES=\"$(for m in $modules; do basename "$m"; done | tr '\n' ' ' | sed 's/ $//')\"})"
	echo "# mb2dump-args: $args"
	echo "# mb2dump-exit: 0"
	tr -d '\r' <"$log" | awk '
		/^(Boot loader|Command line): / || /^BIOS-provided physical RAM map/ ||
		/^BIOS-e820: / || /^user-defined physical RAM map/ || /^user: / ||
		/^e820: / || /^reserve \[mem / || /^direct map: / || /^Freeing unused kernel image/ ||
		/^initmem: / || /^zone / || /^struct page: / || /^Memory: / { print; next }
		numa && (/^NUMA: node [0-9]+ \[mem / || /^node [0-9]+ zone /) { print; next }
		/^Zone ranges:/ { print; z = 3; next }
		z > 0 { print; z--; next }' numa=$([ "$numa" != 1 ] && echo 1 || echo 0)
} >"$expect"
echo "capture-mbi: wrote $out ($size bytes, block at phys $phys) and $expect"
echo "capture-mbi: check with: build/host/mb2dump $args $out"
