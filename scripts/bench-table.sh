#!/usr/bin/env bash
# scripts/bench-table.sh - regenerate README.md's benchmark table from `make bench` output.
# Usage: scripts/bench-table.sh [BENCH_OUTPUT]   (without a file it runs `make bench` first)
# The table goes between the <!-- bench:start --> and <!-- bench:end --> lines of README.md.
# When the output has SMP rows (make bench SMP=4), a scaling table follows the others.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
	out=$1
else
	out=build/bench/make-bench.txt
	mkdir -p build/bench
	make -s bench >"$out"
fi
grep -q '^COMPARE ' "$out" || { echo "bench-table: no COMPARE lines in $out" >&2; exit 1; }

table=$(awk '
	/^# make bench: / { sub(/^# make bench: /, ""); header = $0 }
	/^COMPARE / {
		op = $2; sz = $3; pat = $4; ours = $6; lx = $8; r = $10
		fast = (pat == "pair") ? 1 : 0
		target = fast ? 0.25 : 0.5
		ok = (ours <= target * lx) ? "yes" : "**no**"
		rows = rows sprintf("| %s | %s | %s | %d | %d | %.2f | %.2f | %s |\n", op, sz, pat, ours, lx, r, target, ok)
	}
	/^BENCH / && ($2 ~ /^mm_init_per_frame$/) { init = init sprintf("| %s MiB | %d |", $3, $5); frames[$3] = $5 }
	/^BENCH / && ($2 ~ /^mm_init_per_GiB$/) { init = init sprintf(" %d |\n", $5) }
	/^BENCH / && $2 == "struct_page_bytes" { meta = $5 }
	/^# smp: [0-9]/ { sub(/^# smp: /, ""); smphead = $0 }
	/^BENCH smp / {
		for (i = 6; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
		smp = smp sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", $3, $4, $5, f["cpus"],
			f["cycles_per_op"], f["ops_per_sec_total"], f["per_cpu_vs_1"], f["total_vs_1"])
		next
	}
	/^BENCH / && $2 !~ /^mm_init/ && $2 != "struct_page_bytes" { seen[$2 " " $3 " " $4] = $5; order[++n] = $2 " " $3 " " $4 }
	END {
		print "Measured " header " under `-accel tcg -icount shift=0 -cpu max -m 512M -smp 1`:"
		print "figures are guest instructions per operation (the TSC counts instructions), the same on"
		print "every run. Linux 6.1 is the anchor measured with the same loops in the same configuration"
		print "(`shared/anchor`). Target: at most 0.5x Linux, 0.25x for the fast paths (pair rows)."
		print ""
		print "| op | size/order | pattern | ours | Linux 6.1 | ratio | target | met |"
		print "|---|---|---|---|---|---|---|---|"
		printf "%s", rows
		print ""
		print "Rows of our own (no Linux figure):"
		print ""
		print "| op | size/order | pattern | ours |"
		print "|---|---|---|---|"
		for (i = 1; i <= n; i++) {
			k = order[i]
			if (k in done) continue
			done[k] = 1
			split(k, f, " ")
			if (f[1] ~ /bulk|kzalloc/ || (f[1] == "kmalloc+kfree" && f[2] !~ /^(8|16|32|64|128|256|512|1024|2048|4096)$/))
				printf "| %s | %s | %s | %d |\n", f[1], f[2], f[3], seen[k]
		}
		print ""
		print "Memory set-up (from the direct map to a populated buddy allocator; Linux 6.1 spends about"
		print "110 instructions per frame, 29 M per GiB, per the anchor README):"
		print ""
		print "| RAM | instructions per frame | instructions per GiB |"
		print "|---|---|---|"
		printf "%s", init
		print ""
		printf "Metadata: %d bytes of `struct page` per 4 KiB frame (Linux: 64), %.2f%% of RAM.\n", meta, meta * 100 / 4096
		if (smp == "") exit
		print ""
		print "Several CPUs allocating at once (`bench=smp`): " smphead "."
		print ""
		print "| op | size/order | pattern | CPUs | cycles per op (per CPU) | ops/s, all CPUs | per CPU vs 1 CPU | total vs 1 CPU |"
		print "|---|---|---|---|---|---|---|---|"
		printf "%s", smp
	}' "$out")

grep -q '^<!-- bench:start -->' README.md && grep -q '^<!-- bench:end -->' README.md ||
	{ echo "bench-table: README.md has no bench markers" >&2; exit 1; }
TABLE=$table awk '
	/^<!-- bench:start -->/ { print; print ENVIRON["TABLE"]; skip = 1; next }
	/^<!-- bench:end -->/ { skip = 0 }
	!skip { print }' README.md >README.md.tmp && mv README.md.tmp README.md
echo "bench-table: README.md updated from $out"
