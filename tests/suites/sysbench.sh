#!/usr/bin/env bash
# bench/sysbench.c runs in the unikernel and prints every row with positive
# figures. Only that: the times themselves are bench/sys.sh's business and
# are never asserted here. Prints PASS/FAIL lines.
set -uo pipefail
BUILD=${BUILD:-build}
work=$(mktemp -d "${TMPDIR:-/tmp}/uk-sysbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! gcc -O2 -c bench/sysbench.c -o "$work/sysbench.o" 2>"$work/build.log" ||
	! "$BUILD/bin/kraftld" -o "$work/sysbench" "$work/sysbench.o" 2>>"$work/build.log"; then
	echo "FAIL sysbench/build: $(head -c 300 "$work/build.log")"
	exit 0
fi
echo "PASS sysbench/build"

# The 256 MiB row needs the memory bench/sys.sh gives it.
"$BUILD/bin/ukrun" --accel tcg --mem 512M --timeout 120 "$work/sysbench" >"$work/out" 2>&1 </dev/null
st=$?
if [ "$st" = 0 ]; then
	echo "PASS sysbench/status"
else
	echo "FAIL sysbench/status: $st"
	head -30 "$work/out" | sed 's/^/    | /'
fi
for row in call getppid syscall ctxsw thread fault mmap256 signal sigthread; do
	if awk -v r="$row" '$1 == "bench" && $2 == r && $3 > 0 && $4 > 0 { ok = 1 } END { exit !ok }' "$work/out"; then
		echo "PASS sysbench/$row"
	else
		echo "FAIL sysbench/$row: no 'bench $row' line with positive figures"
	fi
done
exit 0
