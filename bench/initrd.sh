#!/usr/bin/env bash
# Boot with an initrd: the guest's entry-to-main time (uk.timestamps) with a
# 64 MiB initrd, minus the same boot without one, on microvm and pc under
# TCG. The archive (made by the host's cpio) holds 256 files of 256 KiB in
# 16 directories; the kernel lays out its tree and serves the files in
# place, so the difference should not grow with the bytes. Both boots get
# the same --mem; runs alternate so that a busy machine slows both alike.
# Prints its own table; never fails on a time.
#
# Env: BUILD (default build), BENCH_RUNS (runs per figure, default 20).
set -uo pipefail
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-20}
work=$BUILD/bench/initrd
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
mkdir -p "$work"
work=$(cd "$work" && pwd)

note() { printf '%s\n' "$*" >&2; }

if ! command -v cpio >/dev/null 2>&1; then
	note "bench/initrd.sh: no cpio command (tools/deps.sh installs it)"
	exit 0
fi
hello=$work/hello
if ! gcc -O2 -c examples-c/hello/hello.c -o "$work/hello.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$hello" "$work/hello.o" 2>>"$work/build.log"; then
	note "bench/initrd.sh: hello does not build: $(head -c 200 "$work/build.log")"
	exit 0
fi

archive=$work/64m.cpio
if [[ ! -s $archive ]]; then
	tree=$work/tree
	rm -rf "$tree"
	for d in $(seq -w 0 15); do
		mkdir -p "$tree/d$d"
		for f in $(seq -w 0 15); do
			head -c $((256 << 10)) /dev/urandom >"$tree/d$d/f$f"
		done
	done
	(cd "$tree" && find . | sort | cpio -o -H newc --quiet >"$archive")
	rm -rf "$tree"
fi
size=$(stat -c %s "$archive")

# One boot's entry-to-main and the time the file systems took to set up
# (the "files" stage minus the one before), in us, on one line.
boot_times() { # machine [ukrun args...]
	local machine=$1
	shift
	"$ukrun" --accel tcg --machine "$machine" --mem 128M --timeout 60 --param uk.timestamps=1 \
		"$@" "$hello" </dev/null 2>&1 | awk '
		/^uk: cmdline / { c = $3 } /^uk: files / { f = $3 }
		/^uk: main after / { if (c != "" && f != "") print $4, f - c }'
}

median() { python3 -c 'import statistics, sys
v = [int(x) for x in sys.argv[1:]]
print(int(statistics.median(v)) if v else "")' "$@"; }
# The fastest run: what the boot costs when nothing else on the machine
# delays QEMU (the host here is shared).
fastest() { python3 -c 'import sys
v = [int(x) for x in sys.argv[1:]]
print(min(v) if v else "")' "$@"; }

echo
echo "initrd boot ($((size >> 20)) MiB archive, 256 files; --mem 128M; median and fastest of $RUNS; TCG)"
printf '%-28s %12s %12s %12s  %s\n' "what" "with initrd" "without" "difference" "target"
for machine in microvm pc; do
	main_with=() main_without=() fs_with=() fs_without=()
	for ((i = 0; i < RUNS; i++)); do
		read -r a b < <(boot_times "$machine" --initrd "$archive")
		[[ -n ${b:-} ]] && main_with+=("$a") && fs_with+=("$b")
		read -r a b < <(boot_times "$machine")
		[[ -n ${b:-} ]] && main_without+=("$a") && fs_without+=("$b")
		unset a b
	done
	w=$(median "${main_with[@]}")
	wo=$(median "${main_without[@]}")
	if [[ -z $w || -z $wo ]]; then
		printf '%-28s %12s  %s\n' "entry to main, $machine" "n/a" "no 'uk: main after' or 'uk: files' line"
		continue
	fi
	printf '%-28s %9s us %9s us %9s us  %s\n' "entry to main, $machine" "$w" "$wo" "$((w - wo))" "< 5000 us"
	fw=$(median "${fs_with[@]}")
	fwo=$(median "${fs_without[@]}")
	printf '%-28s %9s us %9s us %9s us  %s\n' "  of which file systems" "$fw" "$fwo" "$((fw - fwo))" ""
	w=$(fastest "${main_with[@]}")
	wo=$(fastest "${main_without[@]}")
	printf '%-28s %9s us %9s us %9s us  %s\n' "  fastest run" "$w" "$wo" "$((w - wo))" "< 5000 us"
	fw=$(fastest "${fs_with[@]}")
	fwo=$(fastest "${fs_without[@]}")
	printf '%-28s %9s us %9s us %9s us  %s\n' "  fastest, file systems" "$fw" "$fwo" "$((fw - fwo))" ""
done
exit 0
