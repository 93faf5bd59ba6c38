#!/usr/bin/env bash
# scripts/check-mm-layers.sh - the page side's layers, checked on the objects: each file of
# LAYERS may call only the files before it (buddy.c <- zone.c <- page_poison.c <- page_alloc.c
# <- page_free_mode.c; see the top of mm/buddy.c). Reads the undefined symbols of each object with nm and fails, naming the symbol,
# when a file calls one defined by a file after it. Usage: check-mm-layers.sh [OBJDIR]
# (default build/mm, from `make`).
set -uo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-build/mm}
LAYERS="buddy zone page_poison page_alloc page_free_mode"
NM=${NM:-nm}
rc=0
for f in $LAYERS; do
	[ -f "$DIR/$f.o" ] || { echo "check-mm-layers: no $DIR/$f.o (run make first)" >&2; exit 2; }
done
defined() { "$NM" --defined-only "$DIR/$1.o" | awk '$2 ~ /^[TDBR]$/ {print $3}'; }
below=""
for f in $LAYERS; do
	above=$(echo "$LAYERS" | tr ' ' '\n' | sed -n "/^$f\$/,\$p" | tail -n +2)
	for g in $above; do
		for s in $("$NM" -u "$DIR/$f.o" | awk '{print $2}' | sort -u | comm -12 - <(defined "$g" | sort -u)); do
			echo "check-mm-layers: mm/$f.c calls $s, defined in mm/$g.c above it"
			rc=1
		done
	done
done
[ $rc = 0 ] && echo "check-mm-layers: $LAYERS: each calls only the ones before it"
exit $rc
