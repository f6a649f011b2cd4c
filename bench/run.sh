#!/usr/bin/env bash
# make bench: boot, link, size and memory figures for examples-c/hello, each
# beside a baseline measured in the same run. Prints a table; never fails on
# a time (a missing tool or a broken build shows as n/a with the reason).
#
# Env: BUILD (default build), BENCH_RUNS (runs per timing, default 20),
# BENCH_TOOL: loop (default; bench/timeit.c runs the commands interleaved,
# which keeps ratios honest on a machine shared with other work) or
# hyperfine (one command after another; needs the hyperfine package).
set -uo pipefail
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-20}
WARMUP=3
work=$BUILD/bench
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
libdir=$BUILD/lib/unikraft
mkdir -p "$work"

qemu=${UKRUN_QEMU:-qemu-system-x86_64}
tool=${BENCH_TOOL:-loop}
if [[ $tool == hyperfine ]] && ! command -v hyperfine >/dev/null 2>&1; then
	note "bench: hyperfine is not installed (apt-get install hyperfine); timing with bench/timeit.c"
	tool=loop
fi

note() { printf '%s\n' "$*" >&2; }

# Median wall time in ms of each command (shell-quoted strings), one per line.
medians() {
	if [[ $tool == hyperfine ]]; then
		local json=$work/hyperfine.json
		hyperfine -N -i -w "$WARMUP" -r "$RUNS" --style none --export-json "$json" -- "$@" >/dev/null 2>&1 ||
			return 1
		python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%.2f" % (r["median"] * 1000))' "$json"
	else
		# The commands are shell-quoted (ukrun --verbose prints them so);
		# timeit takes their words joined by the unit separator.
		local -a joined=()
		local cmd
		for cmd in "$@"; do
			local -a words=()
			eval "words=($cmd)"
			joined+=("$(IFS=$'\x1f'; echo "${words[*]}")")
		done
		"$work/timeit" "$RUNS" "$WARMUP" "${joined[@]}"
	fi
}

ratio() { python3 -c 'import sys; print("%.2fx" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

# One table row: what, value, baseline, ratio, target.
rows=()
row() { rows+=("$(printf '%-34s %14s  %-34s %8s  %s' "$@")"); }

# ---------------------------------------------------------------- inputs

if ! gcc -O2 -Wall -o "$work/timeit" bench/timeit.c; then
	note "bench: cannot build bench/timeit.c"
	exit 0
fi
if ! gcc -c bench/floor.S -o "$work/floor.o" || ! ld -T bench/floor.ld -o "$work/floor" "$work/floor.o"; then
	note "bench: cannot build the floor kernel"
	exit 0
fi
floor=$work/floor

hello=$work/hello
hello_ok=0
hello_why=""
if [[ ! -x $kraftld || ! -x $ukrun ]]; then
	hello_why="kraftld or ukrun not built"
elif ! gcc -O2 -c examples-c/hello/hello.c -o "$work/hello.o" 2>"$work/hello-build.log" ||
	! "$kraftld" -o "$hello" "$work/hello.o" 2>>"$work/hello-build.log"; then
	hello_why="hello does not build: $(head -c 200 "$work/hello-build.log")"
else
	"$ukrun" --accel tcg --timeout 30 "$hello" one two >"$work/hello.ref" 2>"$work/hello.err"
	st=$?
	if [[ $st == 0 ]] && grep -q 'argv\[2\] = two' "$work/hello.ref"; then
		hello_ok=1
	else
		hello_why="hello does not run (status $st: $(head -c 200 "$work/hello.err"))"
	fi
fi
[[ $hello_ok == 1 ]] || note "bench: $hello_why"

# ---------------------------------------------------------------- boot

# The QEMU command ukrun builds, replayed without ukrun: --verbose prints
# it; its debugcon chardev goes to a file instead of ukrun's memfd.
ukrun_qemu_cmd() { # machine image
	"$ukrun" --verbose --accel tcg --machine "$1" "$2" 2>&1 >/dev/null </dev/null |
		sed -n 's|^ukrun: \(/.*\)|\1|p' | head -1 | sed "s|path=/proc/self/fd/3|path=$work/debugcon.out|"
}

plain_floor_cmd() { # machine
	echo "$qemu -M $1 -accel tcg -nodefaults -no-user-config -display none -serial stdio" \
		"-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel $floor"
}

for machine in microvm pc; do
	plain=$(plain_floor_cmd "$machine")
	tuned=$(ukrun_qemu_cmd "$machine" "$floor")
	cmds=("$plain")
	[[ -n $tuned ]] && cmds+=("$tuned" "$ukrun --accel tcg --machine $machine $floor")
	[[ $hello_ok == 1 ]] && cmds+=("$ukrun --accel tcg --machine $machine $hello")
	if ! mapfile -t ms < <(medians "${cmds[@]}") || [[ ${#ms[@]} != "${#cmds[@]}" ]]; then
		row "boot $machine" "n/a" "timing failed" "" ""
		continue
	fi
	plain_ms=${ms[0]}
	if [[ $hello_ok == 1 ]]; then
		hello_ms=${ms[${#ms[@]} - 1]}
		row "boot $machine: ukrun hello" "$hello_ms ms" "plain QEMU floor $plain_ms ms" \
			"$(ratio "$hello_ms" "$plain_ms")" "<= 1.15x"
		[[ -n $tuned ]] && row "  same, vs floor w/ ukrun's opts" "$hello_ms ms" "tuned QEMU floor ${ms[1]} ms" \
			"$(ratio "$hello_ms" "${ms[1]}")" "(kernel + ukrun cost)"
	else
		row "boot $machine: ukrun hello" "n/a" "plain QEMU floor $plain_ms ms" "" "$hello_why"
	fi
	if [[ -n $tuned ]]; then
		row "  ukrun floor vs same QEMU cmd" "${ms[2]} ms" "tuned QEMU floor ${ms[1]} ms" \
			"$(ratio "${ms[2]}" "${ms[1]}")" "(ukrun's own cost)"
		row "  tuned vs plain QEMU floor" "${ms[1]} ms" "plain QEMU floor $plain_ms ms" \
			"$(ratio "${ms[1]}" "$plain_ms")" "(QEMU options)"
	fi
done

# ---------------------------------------------------------------- entry to main

if [[ $hello_ok == 1 ]]; then
	for machine in microvm pc; do
		: >"$work/main-after.txt"
		for ((i = 0; i < RUNS; i++)); do
			"$ukrun" --accel tcg --machine "$machine" --timeout 30 --param uk.timestamps=1 "$hello" </dev/null 2>&1 |
				sed -n 's/.*uk: main after \([0-9]*\) us.*/\1/p' >>"$work/main-after.txt"
		done
		us=$(python3 -c 'import statistics, sys
v = [int(l) for l in open(sys.argv[1]) if l.strip()]
print(int(statistics.median(v)) if v else "")' "$work/main-after.txt")
		if [[ -n $us ]]; then
			row "guest entry to main ($machine, TCG)" "$us us" "-" "" "< 1000 us"
		else
			row "guest entry to main ($machine, TCG)" "n/a" "no 'uk: main after' line" "" "< 1000 us"
		fi
	done
fi

# ---------------------------------------------------------------- link time

if [[ $hello_ok == 1 ]]; then
	# The baseline: the same object linked statically against the same musl,
	# without a kernel (not bootable: musl's system calls stay unresolved).
	lld_cmd="ld.lld -static -e main --unresolved-symbols=ignore-all -o $work/hello-lld $work/hello.o $libdir/libc.a $libdir/libgcc.a"
	if command -v ld.lld >/dev/null && $lld_cmd 2>/dev/null &&
		mapfile -t ms < <(medians "$kraftld -o $work/hello-link $work/hello.o" "$lld_cmd") && [[ ${#ms[@]} == 2 ]]; then
		row "kraftld link hello" "${ms[0]} ms" "ld.lld + musl libc.a ${ms[1]} ms" "$(ratio "${ms[0]}" "${ms[1]}")" "< 100 ms"
	else
		row "kraftld link hello" "n/a" "ld.lld baseline failed" "" ""
	fi
fi

# ---------------------------------------------------------------- size

if [[ $hello_ok == 1 ]] && strip -o "$work/hello.stripped" "$hello"; then
	size=$(stat -c %s "$work/hello.stripped")
	kib=$(python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$size")
	# musl-linked hello cannot run on Linux here (our musl calls the kernel
	# directly), so the baseline is the plain static glibc build.
	if gcc -static -O2 -s -o "$work/hello-glibc" examples-c/hello/hello.c 2>/dev/null; then
		base=$(stat -c %s "$work/hello-glibc")
		base_kib=$(python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$base")
		row "stripped hello image" "$kib KiB" "gcc -static -O2 -s (glibc) $base_kib KiB" "$(ratio "$size" "$base")" "<= 100 KiB"
	else
		row "stripped hello image" "$kib KiB" "glibc static build failed" "" "<= 100 KiB"
	fi
fi

# ---------------------------------------------------------------- memory

# Whether IMAGE prints REF with --mem SIZE; leaves ukrun's status in mem_st.
mem_st=0
runs_with() { # image ref size
	"$ukrun" --accel tcg --timeout 20 --mem "$3" "$1" one two >"$work/mem.out" 2>"$work/mem.err" </dev/null
	mem_st=$?
	[[ $mem_st == 0 ]] && cmp -s "$work/mem.out" "$2"
}

# A row with the smallest --mem IMAGE runs with (whole MiB up to 64, then
# 4 KiB steps below that), and what happens just below.
smallest_mem() { # label image ref target
	local label=$1 image=$2 ref=$3 target=$4 lo=1 hi=64 mid klo khi kmid size what
	if ! runs_with "$image" "$ref" "${hi}M"; then
		row "$label" "n/a" "does not run with 64M" "" "$target"
		return
	fi
	# Smallest whole MiB that runs, assuming more memory never hurts.
	while ((lo < hi)); do
		mid=$(((lo + hi) / 2))
		if runs_with "$image" "$ref" "${mid}M"; then hi=$mid; else lo=$((mid + 1)); fi
	done
	klo=$(((hi - 1) * 256)) khi=$((hi * 256))
	((klo < 1)) && klo=1
	while ((klo < khi)); do
		kmid=$(((klo + khi) / 2))
		if runs_with "$image" "$ref" "$((kmid * 4))K"; then khi=$kmid; else klo=$((kmid + 1)); fi
	done
	row "$label" "${hi} MiB" "in 4 KiB steps: $((khi * 4)) KiB" "" "$target"
	# Just below: ukrun refuses an image that cannot fit, the kernel may
	# report that memory ran out, QEMU may refuse the size.
	for size in "$((khi * 4 - 4))K" "$((hi - 1))M"; do
		[[ $size == 0M ]] && continue
		runs_with "$image" "$ref" "$size"
		what=$(grep -v '^$' "$work/mem.err" "$work/mem.out" 2>/dev/null | grep -v "reserve ok" | head -1 |
			sed 's|^[^:]*:||; s|image [^ ]* loads|image loads|' | cut -c1-90)
		row "  with --mem $size" "status $mem_st" "${what:-no message}" "" ""
	done
}

if [[ $hello_ok == 1 ]]; then
	smallest_mem "smallest --mem for hello" "$hello" "$work/hello.ref" "<= 2 MiB"
	if gcc -O2 -c bench/reserve.c -o "$work/reserve.o" && "$kraftld" -o "$work/reserve" "$work/reserve.o"; then
		echo "reserve ok" >"$work/reserve.ref"
		smallest_mem "smallest --mem: 1 GiB reserved, 8 touched" "$work/reserve" "$work/reserve.ref" \
			"<= 64 MiB (Go's start)"
	else
		row "smallest --mem: 1 GiB reserved, 8 touched" "n/a" "bench/reserve.c does not build" "" ""
	fi
fi

# ---------------------------------------------------------------- table

echo
echo "libunikraft bench ($(date -u +%Y-%m-%dT%H:%MZ), $($qemu --version | head -1 | sed 's/ (.*//'), timing: $tool, median of $RUNS)"
printf '%-34s %14s  %-34s %8s  %s\n' "what" "value" "baseline" "ratio" "target"
printf '%s\n' "${rows[@]}"

# System calls, context switches and thread creation beside the same
# program as init of a Linux guest (bench/sys.sh prints its own table).
echo
BUILD=$BUILD bash bench/sys.sh || echo "bench/sys.sh could not run (see above)"

# Boot with a 64 MiB initrd against the same boot without one.
BUILD=$BUILD bash bench/initrd.sh || echo "bench/initrd.sh could not run (see above)"
# 9p shares beside a Linux guest's own 9p mount (bench/p9.sh prints its own table).
echo
BUILD=$BUILD bash bench/p9.sh || echo "bench/p9.sh could not run (see above)"

# The console's MB/s each way beside the Linux guest's serial console.
echo
BUILD=$BUILD bash bench/console.sh || echo "bench/console.sh could not run (see above)"

# ramfs beside the Linux guest's tmpfs (bench/fs.sh prints its own table).
echo
BUILD=$BUILD bash bench/fs.sh || echo "bench/fs.sh could not run (see above)"

# httpd, Redis and TCP streams beside the same programs in a Linux guest,
# over tap devices in a network namespace (bench/net.sh prints its own table).
echo
BUILD=$BUILD bash bench/net.sh || echo "bench/net.sh could not run all of it (see above)"

# CPython's start-up and CPU speed beside Debian's python3.11 in a Linux
# guest, the sizes of the python3, nginx and Go images, and the smallest
# --mem each runs with (bench/apps.sh prints its own table).
echo
BUILD=$BUILD bash bench/apps.sh || echo "bench/apps.sh could not run (see above)"

# Images run on the host beside ukrun, and configure with run tests in the VM
# beside configure with gcc (bench/hostrun.sh prints its own table).
BUILD=$BUILD bash bench/hostrun.sh || echo "bench/hostrun.sh could not run (see above)"
exit 0
