#!/usr/bin/env bash
# scripts/check-mm-layers.sh - mm/ has no call circle: read, with nm, which mm/*.o uses a symbol
# that another defines (an edge user -> definer), and let tsort order the files. A circle (two
# files calling each other, directly or round a loop) fails, naming the files tsort found in it;
# otherwise the files are printed lowest layer first (the page side is buddy.c <- zone.c <-
# page_poison.c <- page_alloc.c <- page_free_mode.c, the slab side slab_debug.c <- slab.c <-
# kmalloc.c, as the top of each file says). Usage: check-mm-layers.sh [OBJDIR] (default
# build/mm, from `make`).
set -uo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-build/mm}
NM=${NM:-nm}
objs=("$DIR"/*.o)
[ -f "${objs[0]}" ] || { echo "check-mm-layers: no $DIR/*.o (run make first)" >&2; exit 2; }
name() { basename "$1" .o; }
defs=$(mktemp)
trap 'rm -f "$defs"' EXIT
for o in "${objs[@]}"; do
	"$NM" --defined-only "$o" | awk -v f="$(name "$o")" '$2 ~ /^[TDBR]$/ { print $3, f }'
done | sort -u >"$defs"
edges=$(for o in "${objs[@]}"; do
	f=$(name "$o")
	echo "$f $f"	# every file is a node, even with no edge
	"$NM" -u "$o" | awk '{ print $2 }' | sort -u | join - "$defs" | awk -v f="$f" '$2 != f { print $2, f }'
done | sort -u)
if ! order=$(tsort <<<"$edges" 2>"$defs.err"); then
	echo "check-mm-layers: a call circle in mm/: $(grep -v 'input contains a loop' "$defs.err" | sed 's/^tsort: //' | tr '\n' ' ')"
	rm -f "$defs.err"
	exit 1
fi
rm -f "$defs.err"
echo "check-mm-layers: no call circle; lowest first: $(tr '\n' ' ' <<<"$order")"
