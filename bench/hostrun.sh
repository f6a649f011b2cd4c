#!/usr/bin/env bash
# Images run on the host: `./hello` (the image's entry stub execs ukrun with
# the current directory shared) beside `ukrun hello` (no share), and an
# autotools configure whose compiler links images, so that its run tests
# boot them, beside the same configure with the host's gcc. Medians of runs
# interleaved by bench/timeit.c. Prints its own table; never fails on a time.
#
# Env: BUILD (default build), BENCH_RUNS (runs per figure, default 20;
# configure runs a quarter as often).
set -uo pipefail
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-20}
work=$BUILD/bench/hostrun
mkdir -p "$work"
work=$(cd "$work" && pwd)
top=$(pwd)
ukrun=$top/$BUILD/bin/ukrun
kraftld=$top/$BUILD/bin/kraftld
kraftcc=$top/$BUILD/lib/unikraft/kraftcc

note() { printf '%s\n' "$*" >&2; }
ratio() { python3 -c 'import sys; print("%.2fx" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

if ! gcc -O2 -Wall -o "$work/timeit" bench/timeit.c ||
	! gcc -O2 -c examples-c/hello/hello.c -o "$work/hello.o" ||
	! "$kraftld" -o "$work/hello" "$work/hello.o"; then
	note "bench/hostrun.sh: hello or timeit does not build"
	exit 0
fi
# timeit takes each command's words joined by the unit separator.
cmd() { (IFS=$'\x1f'; echo "$*"); }

printf '\n%-44s %12s  %-30s %8s\n' "images run on the host (TCG)" "value" "baseline" "ratio"
if mapfile -t ms < <(cd "$work" && ./timeit "$RUNS" 3 "$(cmd ./hello)" "$(cmd "$ukrun" ./hello)") &&
	[[ ${#ms[@]} == 2 ]]; then
	printf '%-44s %9s ms  %-30s %8s\n' "./hello (stub, cwd shared)" "${ms[0]}" "ukrun hello: ${ms[1]} ms" \
		"$(ratio "${ms[0]}" "${ms[1]}")"
else
	note "bench/hostrun.sh: ./hello did not run"
fi

# The configure of tests/fixtures/autotest, generated once, run in two
# copies: one with gcc, one with kraftcc (every link an image, every run
# test a boot).
src=$work/autotest
if [[ ! -x $src/configure ]]; then
	rm -rf "$src"
	cp -r tests/fixtures/autotest "$src"
	if ! (cd "$src" && autoreconf -fi >/dev/null 2>&1); then
		note "bench/hostrun.sh: autoreconf failed"
		exit 0
	fi
fi
runs=$(((RUNS + 3) / 4))
if mapfile -t ms < <(cd "$src" && "$work/timeit" "$runs" 1 \
	"$(cmd ./configure -q CC="$kraftcc gcc")" "$(cmd ./configure -q CC=gcc)") &&
	[[ ${#ms[@]} == 2 ]]; then
	printf '%-44s %9s ms  %-30s %8s\n' "configure, run tests in the VM" "${ms[0]}" "with gcc: ${ms[1]} ms" \
		"$(ratio "${ms[0]}" "${ms[1]}")"
else
	note "bench/hostrun.sh: configure did not run"
fi
exit 0
