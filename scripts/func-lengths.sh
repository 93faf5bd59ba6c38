#!/usr/bin/env bash
# scripts/func-lengths.sh - list the functions longer than a limit, longest first:
#     LINES  FILE:LINE  NAME
# Usage: scripts/func-lengths.sh [-n MAX] [-c] [PATH...]
#   -n MAX  the limit in lines, from the line that names the function to its closing brace
#           (default 80: "functions fit on a screen", /work/shared/STYLE.md)
#   -c      exit 1 when a function is over the limit (otherwise the list is for reading)
#   PATH    files or folders (default: kernel lib mm tools tests scripts/gdb)
# C: a function is what the kernel style writes as a signature starting in column 0, a "{"
# alone in column 0, and a "}" in column 0 (struct initialisers open "{" at a line's end and are
# not counted). Python: every def, by its ast extent (python3).
set -euo pipefail
cd "$(dirname "$0")/.."

max=80 check=0
while getopts "n:c" opt; do
	case $opt in
	n) max=$OPTARG ;;
	c) check=1 ;;
	*) echo "usage: $0 [-n MAX] [-c] [PATH...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- kernel lib mm tools tests scripts/gdb
case $max in '' | *[!0-9]*) echo "func-lengths: -n wants a number, not '$max'" >&2; exit 2 ;; esac

cfiles=$(find "$@" -name '*.c' -o -name '*.h' | sort)
pyfiles=$(find "$@" -name '*.py' | sort)

list=$(
	[ -z "$cfiles" ] || awk -v max="$max" '
		FNR == 1 { sig = 0; start = 0 }
		# a line in column 0 opening a parameter list: the signature of the next "{"
		/^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !/^(if|for|while|switch|return)\>/ {
			sig = FNR; line = $0
		}
		/^\{[ \t]*$/ && sig { start = sig; name = line }
		/^\}/ && start {
			n = FNR - start + 1
			if (n > max) {
				sub(/\(.*/, "", name); k = split(name, w, /[ \t*]+/)
				printf "%5d  %s:%d  %s\n", n, FILENAME, start, w[k]
			}
			start = 0; sig = 0
		}' $cfiles
	[ -z "$pyfiles" ] || python3 - "$max" $pyfiles <<'PY'
import ast, sys
limit = int(sys.argv[1])
for path in sys.argv[2:]:
    tree = ast.parse(open(path).read(), path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            n = node.end_lineno - first + 1
            if n > limit:
                print("%5d  %s:%d  %s" % (n, path, first, node.name))
PY
)
[ -z "$list" ] || sort -rn <<<"$list"
[ "$check" = 0 ] || [ -z "$list" ]
